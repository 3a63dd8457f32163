//! A list's timeline pages like the others (issue 14): `list show NAME --limit N
//! --before ID` gives the posts older than the last one shown.

use crate::support::{TestCamp, exec, json_list, post_id};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_show_pages_with_before() {
    let camp = TestCamp::with_admin().await;
    let ana = camp.member("ana").await;
    let bo = camp.member("bo").await;
    exec(camp.addr, &ana, "follow bo").await.ok();
    exec(camp.addr, &ana, "list create friends").await.ok();
    exec(camp.addr, &ana, "list add friends @bo").await.ok();
    let mut ids = Vec::new();
    for n in 1..=5 {
        ids.push(post_id(
            exec(camp.addr, &bo, &format!("post 'bo {n}'")).await.ok(),
        ));
    }
    let page = |v: Vec<serde_json::Value>| -> Vec<String> {
        v.iter()
            .map(|p| p["text"].as_str().unwrap().to_string())
            .collect()
    };
    let first = json_list(
        exec(camp.addr, &ana, "list show friends --limit 2 --json")
            .await
            .ok(),
    );
    assert_eq!(page(first.clone()), ["bo 5", "bo 4"]);
    let last = first[1]["id"].as_str().unwrap();
    let next = json_list(
        exec(
            camp.addr,
            &ana,
            &format!("list show friends --limit 2 --before {last} --json"),
        )
        .await
        .ok(),
    );
    assert_eq!(page(next), ["bo 3", "bo 2"]);
    let out = exec(camp.addr, &ana, "list show friends --before soon").await;
    assert!(out.failed(2).contains("post id"), "{out:?}");
    camp.stop().await;
}
