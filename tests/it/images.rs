//! Image previews end to end: a post from a hand-rolled server with attachments served
//! by a loopback image host, `show --json` / `attachments` over real SSH, and the
//! terminal app's `i` fetching through the bridge's guarded fetcher only once the
//! camper turned previews on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::Path;
use serde_json::{Value, json};
use tokio::time::{Instant, sleep};

use crate::fedkit::fed_camp;
use crate::remote_actor::{HandRolled, WAIT};
use crate::support::{Conn, STEP, exec, json_list, main_screen_of, wait_for_screen};

/// A `w`×`h` PNG, all one colour.
fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut wr = enc.write_header().expect("header");
    let data: Vec<u8> = (0..w * h).flat_map(|_| rgb).collect();
    wr.write_image_data(&data).expect("data");
    drop(wr);
    out
}

/// A PNG whose header declares 50,000 × 50,000 pixels (and nothing else).
fn bomb() -> Vec<u8> {
    let mut big = png(1, 1, [0, 0, 0]);
    // The IHDR's width and height sit at bytes 16..24; its CRC follows at 29..33.
    big[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    big[20..24].copy_from_slice(&50_000u32.to_be_bytes());
    let crc = crc32(&big[12..29]);
    big[29..33].copy_from_slice(&crc.to_be_bytes());
    big
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for b in data {
        c ^= u32::from(*b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A loopback image host: `/flag.png` (a small PNG), `/bomb.png` (a decompression
/// bomb's header); it counts the requests for each path.
pub(crate) async fn image_host() -> (
    String,
    Arc<Mutex<HashMap<String, usize>>>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let hits = Arc::new(Mutex::new(HashMap::new()));
    let h = hits.clone();
    let app = axum::Router::new().route(
        "/{name}",
        axum::routing::get(move |Path(name): Path<String>| {
            let h = h.clone();
            async move {
                *h.lock().expect("hits").entry(name.clone()).or_insert(0) += 1;
                let body = match name.as_str() {
                    "flag.png" => png(60, 30, [200, 30, 30]),
                    "bomb.png" => bomb(),
                    _ => Vec::new(),
                };
                ([("content-type", "image/png")], body)
            }
        }),
    );
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, hits, server)
}

pub(crate) fn hits(h: &Arc<Mutex<HashMap<String, usize>>>, name: &str) -> usize {
    h.lock().expect("hits").get(name).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_listed_over_ssh_and_previewed_only_when_asked() {
    let (images, host_hits, _server) = image_host().await;
    let (camp, ana, http) = fed_camp().await;
    let carol = HandRolled::start("carol").await;
    carol.accept_follow_of(camp.addr, &ana, http).await;

    let mut note = carol.note("1", "<p>our new flag</p>");
    note["attachment"] = json!([
        {"type": "Document", "mediaType": "image/png", "name": "a red flag \u{1b}[2J",
         "url": format!("{images}/flag.png")},
        {"type": "Document", "mediaType": "image/png", "name": "a bomb",
         "url": format!("{images}/bomb.png")},
        {"type": "Document", "mediaType": "video/mp4", "name": "a clip",
         "url": format!("{images}/clip.mp4")},
    ]);
    let create = carol.activity("Create", "1", note);
    assert_eq!(
        carol.post(&format!("http://{http}/inbox"), &create).await,
        202
    );
    let deadline = Instant::now() + WAIT;
    let id = loop {
        let home = json_list(exec(camp.addr, &ana, "timeline home --json").await.ok());
        if let Some(p) = home.iter().find(|p| {
            p["text"]
                .as_str()
                .is_some_and(|t| t.contains("our new flag"))
        }) {
            break p["id"].as_str().expect("id").to_string();
        }
        assert!(
            Instant::now() < deadline,
            "carol's post never arrived: {home:?}"
        );
        sleep(std::time::Duration::from_millis(100)).await;
    };

    // Exec lists them, descriptions cleaned, with media types; no pictures.
    let shown: Value = serde_json::from_str(
        exec(camp.addr, &ana, &format!("show {id} --json"))
            .await
            .ok(),
    )
    .expect("json");
    let list = shown["post"]["attachments"]
        .as_array()
        .expect("attachments")
        .clone();
    assert_eq!(list.len(), 3, "{shown}");
    assert_eq!(list[0]["media_type"], "image/png");
    assert_eq!(list[2]["media_type"], "video/mp4");
    let alt = list[0]["alt"].as_str().expect("alt");
    assert!(
        alt.starts_with("a red flag") && !alt.contains('\u{1b}'),
        "{alt:?}"
    );
    let text = exec(camp.addr, &ana, &format!("attachments {id}")).await;
    assert!(text.ok().contains("3. [a clip] video/mp4"), "{text:?}");

    // The terminal app: previews are off, so `i` says how to turn them on and nothing
    // is fetched.
    assert_eq!(
        exec(camp.addr, &ana, "preview --json").await.ok().trim(),
        r#"{"preview":"off"}"#
    );
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    tui.send(b"\t").await;
    wait_for_screen(&mut tui, |s| s.contains("our new flag"), STEP).await;
    tui.send(b"\r").await;
    wait_for_screen(&mut tui, |s| s.contains(" Thread "), STEP).await;
    tui.send(b"i").await;
    wait_for_screen(&mut tui, |s| s.contains("previews are off"), WAIT).await;
    assert_eq!(hits(&host_hits, "flag.png"), 0, "nothing fetched while off");

    // Turned on: the picture is drawn in half-blocks under the post, and its
    // description is shown without the escape it came with.
    assert!(
        exec(camp.addr, &ana, "preview half-block")
            .await
            .ok()
            .contains("half-block")
    );
    tui.send(b"i").await;
    let screen = wait_for_screen(
        &mut tui,
        |s| s.contains('▀') && s.contains("[image 1: a red flag"),
        WAIT,
    )
    .await;
    assert!(
        !screen.contains("[2J"),
        "the alt text's escape was kept:\n{screen}"
    );
    assert!(
        !tui.raw.windows(3).any(|w| w == b"\x1b_G"),
        "no kitty graphics in half-block mode"
    );
    assert_eq!(hits(&host_hits, "flag.png"), 1, "{screen}");
    // The bomb is fetched, refused by its header, and said so.
    tui.send(b"i").await;
    wait_for_screen(&mut tui, |s| s.contains("too large"), WAIT).await;
    assert_eq!(hits(&host_hits, "bomb.png"), 1);
    // The clip is no image: never fetched.
    assert_eq!(hits(&host_hits, "clip.mp4"), 0);
    camp.stop().await;
}
