//! Links (issue 14): the link picker `o`, copying with `y`, OSC 8 hyperlinks written
//! at the backend around the cells of links, and the Settings opt-out.

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};

use super::*;
use crate::tui::guarded_backend::GuardedBackend;
use crate::tui::hyperlinks::{HyperlinkBackend, Links};

const LONG: &str = "https://example.com/a/very/long/path/that/keeps/going/and/going";

/// A member on the camp timeline with a post holding two links selected.
fn links_model() -> Model {
    let mut m = member_model();
    m.osc_capable = true;
    let p = view(
        50,
        "eve",
        "",
        &format!("two links: https://a.example/one. and {LONG} end"),
        1_000,
    );
    update(&mut m, Msg::Posted(camp_post(p)));
    m.camp.jump_top();
    m
}

fn camp_post(p: PostView) -> Arc<NewPost> {
    Arc::new(NewPost {
        view: Arc::new(p),
        on_camp: true,
        home_owners: vec![],
    })
}

type Real = Terminal<GuardedBackend<HyperlinkBackend<CrosstermBackend<Vec<u8>>>>>;

/// The session's own stack of backends, drawing into bytes.
fn real(w: u16, h: u16) -> (Real, Links) {
    let links = Links::default();
    let t = Terminal::with_options(
        GuardedBackend::new(HyperlinkBackend::new(
            CrosstermBackend::new(Vec::new()),
            links.clone(),
        )),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
        },
    )
    .unwrap();
    (t, links)
}

/// Draws a frame as the session does and returns the bytes sent.
fn frame(t: &mut Real, links: &Links, m: &mut Model) -> String {
    let on = m.osc_links();
    t.draw(|f| links.render(f, on, |f| view::render(f, m)))
        .unwrap();
    let bytes = std::mem::take(t.backend_mut().inner_mut().inner_mut().writer_mut());
    String::from_utf8(bytes).unwrap()
}

fn opens(out: &str) -> Vec<&str> {
    out.split("\x1b]8;")
        .skip(1)
        .filter_map(|s| s.split("\x1b\\").next())
        .filter(|s| *s != ";")
        .collect()
}

#[test]
fn o_lists_the_links_and_choosing_one_copies_it_and_shows_it_whole() {
    let mut m = links_model();
    assert!(update(&mut m, ch('o')).is_empty());
    let p = m.picker.as_ref().expect("the picker opened");
    assert_eq!(p.links, vec!["https://a.example/one", LONG]);
    update(&mut m, ch('2'));
    let copy = String::from_utf8(std::mem::take(&mut m.alerts)).unwrap();
    let b64 = copy
        .strip_prefix("\x1b]52;c;")
        .and_then(|s| s.strip_suffix("\x1b\\"))
        .expect("an OSC 52 copy");
    use base64ct::Encoding;
    assert_eq!(base64ct::Base64::decode_vec(b64).unwrap(), LONG.as_bytes());
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Copied link 2."), "{s}");
    assert!(s.contains("select it to copy"), "{s}");
    update(&mut m, key(Key::Esc));
    assert!(m.picker.is_none());
}

#[test]
fn snapshot_link_picker_80x24() {
    let mut m = links_model();
    update(&mut m, ch('o'));
    update(&mut m, ch('j'));
    update(&mut m, key(Key::Enter));
    insta::assert_snapshot!(screen(&mut m, 80, 24));
}

#[test]
fn snapshot_link_picker_40x15() {
    let mut m = links_model();
    update(&mut m, ch('o'));
    update(&mut m, ch('2'));
    insta::assert_snapshot!(screen(&mut m, 40, 15));
}

#[test]
fn y_copies_the_post_text_only_when_the_terminal_may_get_it() {
    let mut m = links_model();
    update(&mut m, ch('y'));
    let copy = String::from_utf8(std::mem::take(&mut m.alerts)).unwrap();
    assert!(copy.starts_with("\x1b]52;c;"), "{copy:?}");
    assert!(screen(&mut m, 80, 24).contains("Copied the post's text."));
    // Turned off in Settings: nothing is sent, and the reader is told why.
    m.links_on = false;
    update(&mut m, ch('y'));
    assert!(m.alerts.is_empty());
    assert!(screen(&mut m, 80, 24).contains("copying is off in Settings"));
    // The browser terminal never gets one.
    m.links_on = true;
    m.osc_capable = false;
    update(&mut m, ch('y'));
    assert!(m.alerts.is_empty());
    assert!(screen(&mut m, 80, 24).contains("cannot be sent copies"));
}

#[test]
fn a_closed_content_warning_keeps_its_links_and_text() {
    let mut m = links_model();
    let mut p = view(60, "eve", "", "secret https://hidden.example", 500);
    p.post.cw = Some("spoiler".into());
    update(&mut m, Msg::Posted(camp_post(p)));
    m.camp.jump_top();
    update(&mut m, ch('o'));
    update(&mut m, ch('y'));
    assert!(m.picker.is_none() && m.alerts.is_empty());
    assert!(screen(&mut m, 80, 24).contains("open the content warning first"));
}

#[test]
fn help_lists_o_and_y_and_the_picker_has_its_own() {
    let mut m = links_model();
    update(&mut m, ch('?'));
    assert!(screen(&mut m, 40, 15).contains("o / y"));
    update(&mut m, ch('?'));
    update(&mut m, ch('o'));
    update(&mut m, ch('?'));
    let s = screen(&mut m, 40, 15);
    assert!(s.contains("1-9") && s.contains("copy that link"), "{s}");
}

#[test]
fn links_are_hyperlinks_and_a_wrapped_link_stays_one() {
    let mut m = links_model();
    let (mut t, links) = real(40, 24);
    let out = frame(&mut t, &links, &mut m);
    let opened = opens(&out);
    let long: Vec<&&str> = opened.iter().filter(|o| o.ends_with(LONG)).collect();
    assert!(
        long.len() >= 2,
        "the wrapped link is linked on each of its rows: {opened:?}"
    );
    assert!(long.windows(2).all(|w| w[0] == w[1]), "one id: {long:?}");
    assert!(
        opened.iter().any(|o| o.ends_with(";https://a.example/one")),
        "{opened:?}"
    );
    assert_eq!(
        out.matches("\x1b]8;;\x1b\\").count(),
        opened.len(),
        "every link is closed"
    );
    // Nothing changed: nothing is sent again.
    let again = frame(&mut t, &links, &mut m);
    assert!(!again.contains("\x1b]8;"), "{again:?}");
}

#[test]
fn a_link_pushed_down_by_a_live_post_is_still_a_link() {
    let mut m = links_model();
    let (mut t, links) = real(80, 24);
    assert!(frame(&mut t, &links, &mut m).contains(";https://a.example/one"));
    // The post above it is new; the linked post's lines come from the session's cache.
    let p = view(51, "bo", "", "a new post on top", 2_000);
    update(&mut m, Msg::Posted(camp_post(p)));
    m.camp.jump_top();
    let out = frame(&mut t, &links, &mut m);
    assert!(
        opens(&out)
            .iter()
            .any(|o| o.ends_with(";https://a.example/one")),
        "the moved link is sent as a link: {out:?}"
    );
}

#[test]
fn turning_links_off_takes_them_from_cells_that_did_not_change() {
    let mut m = links_model();
    let (mut t, links) = real(80, 24);
    assert!(frame(&mut t, &links, &mut m).contains("\x1b]8;id="));
    m.links_on = false;
    let out = frame(&mut t, &links, &mut m);
    assert!(!out.contains("\x1b]8;id="), "{out:?}");
    // The link's cells were sent again, plain.
    assert!(out.contains("https://a.example/one"), "{out:?}");
    // The browser terminal never gets them.
    let mut m = links_model();
    m.osc_capable = false;
    let (mut t, links) = real(80, 24);
    assert!(!frame(&mut t, &links, &mut m).contains("\x1b]8;"));
}

#[test]
fn an_overlay_over_a_link_is_not_a_link() {
    let mut m = links_model();
    let (mut t, links) = real(80, 24);
    frame(&mut t, &links, &mut m);
    update(&mut m, ch('?'));
    let out = frame(&mut t, &links, &mut m);
    // Only link cells outside the help box may still be linked; none inside it.
    let s = screen(&mut m, 80, 24);
    assert!(s.contains("Keys"), "{s}");
    for o in opens(&out) {
        assert!(
            o.ends_with(LONG) || o.ends_with("https://a.example/one"),
            "{o}"
        );
    }
}

#[test]
fn hostile_text_never_becomes_part_of_a_sequence() {
    let mut m = member_model();
    m.osc_capable = true;
    let p = view(
        70,
        "eve",
        "",
        "https://evil.example/\x07\x1b]8;;https://spoof.example\x1b\\x \u{9d}https://c1.example\u{9c}y",
        100,
    );
    update(&mut m, Msg::Posted(camp_post(p)));
    let (mut t, links) = real(80, 24);
    let out = frame(&mut t, &links, &mut m);
    for o in opens(&out) {
        let url = o.rsplit(';').next().unwrap();
        assert!(
            url.bytes().all(|b| (0x21..0x7f).contains(&b)),
            "{o:?} in {out:?}"
        );
    }
    // Every sequence in the frame is one camp wrote: CSI for the screen, or a whole OSC 8.
    assert!(!out.contains(['\x07', '\u{9c}', '\u{9d}']), "{out:?}");
    for osc in out.split("\x1b]").skip(1) {
        let (body, _) = osc.split_once("\x1b\\").expect("every OSC ends with ST");
        assert!(body.starts_with("8;"), "{body:?}");
        assert!(!body.contains('\x1b'), "{body:?}");
    }
}

#[test]
fn the_settings_row_turns_links_off_and_on() {
    use crate::tui::settings::{Row, SettingsPage};
    let mut m = member_model();
    update(&mut m, ch('s'));
    let page = SettingsPage::default();
    let at = page
        .rows()
        .iter()
        .position(|r| *r == Row::Links)
        .expect("a Links row");
    let data = Arc::new(social_settings_data(true));
    update(
        &mut m,
        Msg::SettingsLoaded {
            flash: None,
            result: Ok(data),
        },
    );
    for _ in 0..at {
        update(&mut m, ch('j'));
    }
    assert!(screen(&mut m, 80, 24).contains("Links and copy (OSC 8/52)"));
    assert_eq!(
        update(&mut m, key(Key::Enter)),
        vec![Effect::Settings(SettingsChange::Links(false))]
    );
    update(
        &mut m,
        Msg::SettingsLoaded {
            flash: None,
            result: Ok(Arc::new(social_settings_data(false))),
        },
    );
    assert!(!m.links_on);
}

fn social_settings_data(links: bool) -> crate::tui::settings::SettingsData {
    crate::tui::settings::SettingsData {
        links,
        ..crate::tui::settings::SettingsData::fresh(account(1, "ana"))
    }
}

#[test]
fn a_moderators_help_with_a_banner_still_lists_every_key_at_40x15() {
    let mut m = links_model();
    m.me.as_mut().unwrap().role = Role::Moderator;
    m.announcement = Some((1, "Meetup on Friday".into()));
    update(&mut m, ch('?'));
    let keys = crate::tui::view::help_lines(&m);
    let s = screen(&mut m, 40, 15);
    for (k, _) in &keys {
        assert!(s.contains(k), "{k} missing:\n{s}");
    }
}
