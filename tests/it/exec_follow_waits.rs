//! Exec `follow @user@host` waits on another server: it must wait on the async runtime,
//! not hold a thread of the blocking pool (where every other verb and every login's
//! key lookup runs) for as long as a silent server keeps it waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::fedkit::fed_camp;
use crate::support::exec;

/// A server that accepts connections and never answers: each connection is held
/// open until the test ends, so a WebFinger lookup there waits for the fetcher's
/// timeout. Returns its address and how many connections it accepted.
async fn silent_server() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (addr, accepted)
}

/// The runtime of this test has a blocking pool of two threads, so that on the
/// original code (`block_on` inside `spawn_blocking`) two waiting follows were
/// enough to stop every other command, and every login, until the fetcher gave up.
#[test]
fn follows_waiting_on_a_silent_server_do_not_hold_up_other_commands() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (camp, ana, _http) = fed_camp().await;
        let bo = Arc::new(camp.member("bo").await);
        let (silent, accepted) = silent_server().await;
        let addr = camp.addr;
        let follows: Vec<_> = (0..4)
            .map(|i| {
                let bo = bo.clone();
                tokio::spawn(
                    async move { exec(addr, &bo, &format!("follow @u{i}@{silent}")).await },
                )
            })
            .collect();
        // The follows are in flight once the silent server holds their lookups.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while accepted.load(Ordering::SeqCst) < 2 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the follows never reached the silent server"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Meanwhile another camper logs in and runs commands, promptly.
        let answered = tokio::time::timeout(Duration::from_secs(10), async {
            let who = exec(addr, &ana, "whoami").await;
            let timeline = exec(addr, &ana, "timeline").await;
            (who, timeline)
        })
        .await
        .expect("other commands answer while follows wait on a silent server");
        assert!(answered.0.ok().contains("ana"), "{:?}", answered.0);
        answered.1.ok();
        // The follows wait longer (the fetcher's timeout) than the exec helper does:
        // they are dropped, not awaited.
        for f in &follows {
            f.abort();
        }
        camp.stop().await;
    });
}
