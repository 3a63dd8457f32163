//! Terminal graphics over real SSH: a camper who chose `preview kitty` presses `i` on a
//! post from elsewhere whose image a loopback host serves, and the session's bytes
//! carry camp's kitty APC sequence at the reserved cells; covered by the help popup
//! it is deleted, and leaving the thread deletes it again. Exec output never carries
//! any of it.

use serde_json::json;
use tokio::time::{Instant, sleep};

use crate::fedkit::fed_camp;
use crate::images::{hits, image_host};
use crate::remote_actor::{HandRolled, WAIT};
use crate::support::{Conn, STEP, exec, json_list, main_screen_of, wait_for_screen};

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// A fed camp where ana follows carol, who posted a note with one PNG served by a
/// loopback image host.
async fn camp_with_flag(
    text: &str,
) -> (
    crate::support::TestCamp,
    crate::support::Key,
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    tokio::task::JoinHandle<()>,
) {
    let (images, host_hits, server) = image_host().await;
    let (camp, ana, http) = fed_camp().await;
    let carol = HandRolled::start("carol").await;
    carol.accept_follow_of(camp.addr, &ana, http).await;
    let mut note = carol.note("1", &format!("<p>{text}</p>"));
    note["attachment"] = json!([
        {"type": "Document", "mediaType": "image/png", "name": "a red flag",
         "url": format!("{images}/flag.png")},
    ]);
    let create = carol.activity("Create", "1", note);
    assert_eq!(
        carol.post(&format!("http://{http}/inbox"), &create).await,
        202
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let home = json_list(exec(camp.addr, &ana, "timeline home --json").await.ok());
        if home
            .iter()
            .any(|p| p["text"].as_str().is_some_and(|t| t.contains(text)))
        {
            break;
        }
        assert!(Instant::now() < deadline, "carol's post never arrived");
        sleep(std::time::Duration::from_millis(100)).await;
    }
    (camp, ana, host_hits, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_asks_the_terminal_and_its_answer_is_no_keystroke() {
    let (camp, ana, _hits, _server) = camp_with_flag("our probed flag").await;
    assert!(
        exec(camp.addr, &ana, "preview auto")
            .await
            .ok()
            .contains("auto")
    );
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    assert_eq!(
        count(&tui.raw, b"\x1b_Gi=31,s=1,v=1,a=q"),
        1,
        "the kitty query"
    );
    assert_eq!(count(&tui.raw, b"\x1b[c"), 1, "then DA1");
    // The terminal answers as kitty does. Were the answer read as keys, its `i`, `O`
    // and `K` would act; the screen must stay as it was.
    tui.send(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;4;22c").await;
    tui.send(b"\t").await;
    wait_for_screen(&mut tui, |s| s.contains("our probed flag"), STEP).await;
    tui.send(b"\r").await;
    wait_for_screen(&mut tui, |s| s.contains(" Thread "), STEP).await;
    tui.send(b"i").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("[image 1: a red flag"), WAIT).await;
    assert!(!screen.contains('▀'), "{screen}");
    tui.send(b"?").await;
    wait_for_screen(&mut tui, |s| s.contains("image preview"), STEP).await;
    assert_eq!(
        count(&tui.raw, b"\x1b_Ga=T,f=24,"),
        1,
        "drawn with kitty graphics"
    );
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kitty_preview_is_sent_once_over_ssh_and_deleted_when_covered_or_left() {
    let (camp, ana, host_hits, _server) = camp_with_flag("our kitty flag").await;
    let set = exec(camp.addr, &ana, "preview kitty").await;
    assert!(set.ok().contains("kitty"), "{set:?}");
    assert!(!set.ok().contains('\u{1b}'));
    assert_eq!(
        exec(camp.addr, &ana, "preview --json").await.ok().trim(),
        r#"{"preview":"kitty"}"#
    );
    let bad = exec(camp.addr, &ana, "preview svg").await;
    assert!(
        bad.stderr.contains("off, half-block, auto, kitty, sixel"),
        "{bad:?}"
    );

    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui(80, 24).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    tui.send(b"\t").await;
    wait_for_screen(&mut tui, |s| s.contains("our kitty flag"), STEP).await;
    tui.send(b"\r").await;
    wait_for_screen(&mut tui, |s| s.contains(" Thread "), STEP).await;
    tui.send(b"i").await;
    let screen = wait_for_screen(&mut tui, |s| s.contains("[image 1: a red flag"), WAIT).await;
    assert!(!screen.contains('▀'), "kitty, not half-blocks:\n{screen}");
    // A later frame (the help popup) proves every byte of the picture's frame is here.
    tui.send(b"?").await;
    wait_for_screen(&mut tui, |s| s.contains("image preview"), STEP).await;
    let raw = tui.raw.clone();
    assert_eq!(count(&raw, b"\x1b_Ga=T,f=24,"), 1, "one picture sent");
    // 60×30 pixels fit 32×8 cells (a cell is a pixel wide and two tall), placed at the
    // reserved cells under the post.
    let at = raw
        .windows(6)
        .position(|w| w == b"\x1b_Ga=T")
        .expect("sent");
    let before = String::from_utf8_lossy(&raw[at.saturating_sub(12)..at]).to_string();
    assert!(before.contains("H"), "a cursor move goes first: {before:?}");
    let control = String::from_utf8_lossy(&raw[at..at + 80]).to_string();
    assert!(control.contains(",c=32,r=8,"), "{control}");
    // The help covers it: deleted.
    assert_eq!(
        count(&raw, b"a=d,d=I"),
        1,
        "covered by help, the picture went"
    );
    assert_eq!(hits(&host_hits, "flag.png"), 1);

    // Help closed: sent again (no new fetch); thread left: deleted again.
    tui.send(b"\x1b").await;
    wait_for_screen(
        &mut tui,
        |s| !s.contains("image preview") && s.contains("[image 1"),
        STEP,
    )
    .await;
    tui.send(b"\x1b").await;
    wait_for_screen(
        &mut tui,
        |s| !s.contains("[image 1") && !s.contains(" Thread "),
        STEP,
    )
    .await;
    tui.send(b"?").await;
    wait_for_screen(&mut tui, |s| s.contains("compose a post"), STEP).await;
    let raw = tui.raw.clone();
    assert_eq!(
        count(&raw, b"\x1b_Ga=T,f=24,"),
        2,
        "sent again once uncovered"
    );
    assert_eq!(count(&raw, b"a=d,d=I"), 2, "deleted as the thread closed");
    assert_eq!(hits(&host_hits, "flag.png"), 1, "from the cache");

    // Exec output carries none of it.
    let shown = exec(camp.addr, &ana, "timeline camp").await;
    assert!(!shown.ok().contains('\u{1b}'));
    camp.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixel_preview_is_drawn_by_camps_encoder_over_ssh() {
    // 32×8 cells of 7×14 pixels (the guess when the client says nothing) hold the
    // 60×30 flag as 224×112, in whole bands: 108.
    sixel_preview_sized((0, 0), b"\x1bP0;1;0q\"1;1;224;108").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixel_preview_fits_the_cells_the_terminal_says_it_has() {
    // xterm's own font, 6×12 here: 80×24 cells are 480×288 pixels, so 32×8 cells hold
    // the flag as 192×96 and the picture never spills past the cells kept for it.
    sixel_preview_sized((480, 288), b"\x1bP0;1;0q\"1;1;192;96").await;
}

/// A sixel preview of the flag over real SSH on a pty of `pixels`, whose raster
/// attributes must be `raster`.
async fn sixel_preview_sized(pixels: (u32, u32), raster: &[u8]) {
    let (camp, ana, _hits, _server) = camp_with_flag("our sixel flag").await;
    assert!(
        exec(camp.addr, &ana, "preview sixel")
            .await
            .ok()
            .contains("sixel")
    );
    let conn = Conn::connect(camp.addr, &ana).await;
    let mut tui = conn.tui_sized(80, 24, pixels, None).await;
    wait_for_screen(&mut tui, main_screen_of("ana"), STEP).await;
    assert_eq!(
        count(&tui.raw, b"\x1b[c"),
        0,
        "an explicit choice asks nothing"
    );
    tui.send(b"\t").await;
    wait_for_screen(&mut tui, |s| s.contains("our sixel flag"), STEP).await;
    tui.send(b"\r").await;
    wait_for_screen(&mut tui, |s| s.contains(" Thread "), STEP).await;
    tui.send(b"i").await;
    wait_for_screen(&mut tui, |s| s.contains("[image 1: a red flag"), WAIT).await;
    tui.send(b"?").await;
    wait_for_screen(&mut tui, |s| s.contains("image preview"), STEP).await;
    assert_eq!(count(&tui.raw, raster), 1);
    assert_eq!(count(&tui.raw, b"\x1b_G"), 0, "no kitty graphics");
    camp.stop().await;
}
