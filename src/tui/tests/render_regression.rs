//! The cheap way a live screen is kept up to date (frames that send only the cells that
//! changed, post lines reused from the last frame, lines written straight into the
//! buffer) must end where a full redraw would: a random sequence of live updates, keys
//! and clock ticks is drawn frame by frame through the session's own backend stack and
//! fed to a terminal emulator; after every step its screen must equal a fresh
//! terminal's full redraw of a copy of the model with nothing cached.

use super::*;
use crate::tui::graphics::Graphics;
use crate::tui::hyperlinks::Links;
use crate::tui::session_terminal::SessionTerminal;

/// The session's own terminal (see `ssh::session`), with links on as for a session
/// whose terminal takes them.
fn terminal(w: u16, h: u16) -> (SessionTerminal, Links) {
    let links = Links::default();
    (SessionTerminal::new(w, h, &links, &Graphics::new()), links)
}

/// Draws `m` and returns the bytes the session would send.
fn frame((t, links): &mut (SessionTerminal, Links), m: &mut Model) -> Vec<u8> {
    t.draw(|f, drawing, client| {
        view::render_session(f, m, drawing, client, links);
        m.take_hints()
    })
    .unwrap();
    m.reuse_hints(t.take_spent_hints());
    t.take_output()
}

/// What a client's screen shows: every cell's text. (Colours are left out for now: a
/// blank cell's colour sometimes differs between the two after a long run, in
/// ratatui's diff or the emulator; the screen content is what this test holds.)
fn cells(p: &vt100::Parser) -> Vec<String> {
    let s = p.screen();
    let (rows, cols) = s.size();
    (0..rows)
        .map(|r| {
            (0..cols)
                .filter_map(|c| s.cell(r, c))
                // A cell never written and one cleared with a space look alike.
                .map(|c| match c.contents() {
                    "" => " ",
                    t => t,
                })
                .collect::<String>()
        })
        .collect()
}

/// The client's screen after a fresh terminal fully draws a copy of `m` with nothing
/// cached.
fn full_redraw(m: &Model, w: u16, h: u16) -> vt100::Parser {
    let mut fresh = m.clone();
    fresh.post_lines = Default::default();
    crate::tui::post_cache::forget_shared();
    fresh.timeline_layout = None;
    fresh.footer_inputs = None;
    fresh.header_line = Default::default();
    fresh.footer_line = Default::default();
    fresh.header_inputs = None;
    let mut t = terminal(w, h);
    let mut p = vt100::Parser::new(h, w, 0);
    p.process(&frame(&mut t, &mut fresh));
    p
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Words for random posts: ASCII, wide CJK, a combining accent, and the emoji whose
/// width terminals guess differently (DESIGN §10): a joined family, a skin tone, a
/// flag, an emoji presentation selector. ratatui counts each two cells and the `vt100`
/// emulator its parts; the output guard sends what both measure alike
/// ([`crate::text::terminal_stable`]), or a diff-only stream and a full redraw drift
/// apart.
const WORDS: &[&str] = &[
    "hello",
    "@ana",
    "#camp",
    "crag",
    "世界",
    "cafe\u{301}",
    "saturday",
    "https://example.com/a/long/path/that/wraps",
    "18°C",
    "ok",
    "👩\u{200d}👧",
    "👍\u{1F3FD}",
    "🇫🇷",
    "\u{2764}\u{FE0F}",
];

fn random_text(rng: &mut Rng) -> String {
    (0..1 + rng.below(30))
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// `v` arrives live, on the camp timeline and on the home timeline of camper 1 (the
/// models' own), to every model as the one `Arc`, as the server hands it to every
/// session.
fn post_live(ms: &mut [Model], v: PostView) {
    let new = Arc::new(NewPost {
        view: Arc::new(v),
        on_camp: true,
        home_owners: vec![1],
    });
    for m in ms {
        update(m, Msg::Posted(new.clone()));
    }
}

/// One random step, the same for every model in `ms` (sessions in the same state): a
/// live post, an edit or new counts, a deletion, a key, the clock, the unread badge or
/// the footer's message.
fn step(ms: &mut [Model], rng: &mut Rng, next_id: &mut u64) {
    let m = &ms[0];
    let ids: Vec<u64> = m.camp.posts.iter().map(|p| p.post.id).collect();
    let pick = |rng: &mut Rng| {
        ids.get(rng.below(ids.len().max(1) as u64) as usize)
            .copied()
    };
    match rng.below(10) {
        0..=3 => {
            *next_id += 1;
            let names = ["bo", "cy", "dee", "ana"];
            let mut v = view(
                *next_id,
                names[rng.below(4) as usize],
                if rng.below(2) == 0 { "" } else { "Bo Chen" },
                &random_text(rng),
                0,
            );
            v.post.created_ms = m.now_ms;
            if rng.below(5) == 0 {
                v.post.cw = Some("spoilers".into());
            }
            post_live(ms, v);
        }
        4 => {
            if let Some(id) = pick(rng)
                && let Some(p) = m.camp.posts.iter().find(|p| p.post.id == id)
            {
                let mut v = (**p).clone();
                if rng.below(2) == 0 {
                    v.post.text = random_text(rng);
                    v.post.edited_ms = Some(m.now_ms);
                } else {
                    v.stats.favourites += 1 + rng.below(3) as u32;
                    v.stats.boosts += rng.below(2) as u32;
                }
                let changed = Arc::new(v);
                for m in ms.iter_mut() {
                    update(m, Msg::PostChanged(changed.clone()));
                }
            }
        }
        5 => {
            // Now and then every post goes: the empty timeline's message, then the
            // first post over it.
            let gone = match rng.below(10) {
                0 => ids.clone(),
                _ => pick(rng).into_iter().collect(),
            };
            for id in gone {
                for m in ms.iter_mut() {
                    update(m, Msg::PostDeleted(id));
                }
            }
        }
        6 => {
            let later = 60_000 * (1 + rng.below(90));
            ms.iter_mut().for_each(|m| m.now_ms += later);
        }
        // The header's unread badge and the footer's message change on their own.
        7 => {
            let (unread, flash) = match rng.below(3) {
                0 => (Some(rng.below(3) as usize), None),
                1 => (
                    None,
                    Some(Some(crate::tui::Flash {
                        text: random_text(rng),
                        error: rng.below(2) == 0,
                    })),
                ),
                _ => (None, Some(None)),
            };
            for m in ms.iter_mut() {
                if let Some(u) = unread {
                    m.unread = u;
                }
                if let Some(f) = &flash {
                    m.flash = f.clone();
                }
            }
        }
        _ => {
            // Moves, and now and then the help, the composer or a thread over the
            // timeline, or back from one.
            let keys = ['j', 'j', 'k', 'g', 'G', 'x', '\t', 'j', 'j', 'k'];
            let popups = ['?', 'c', '\n', '\u{1b}', '\u{1b}'];
            let c = match rng.below(4) {
                0 => popups[rng.below(popups.len() as u64) as usize],
                _ => keys[rng.below(keys.len() as u64) as usize],
            };
            for m in ms.iter_mut() {
                match c {
                    '\t' => update(m, key(Key::Tab)),
                    '\n' => update(m, key(Key::Enter)),
                    '\u{1b}' => {
                        update(m, key(Key::Esc));
                        match m.composer.as_ref().is_some_and(|c| c.confirm_discard) {
                            true => update(m, ch('y')),
                            false => vec![],
                        }
                    }
                    c => update(m, ch(c)),
                };
            }
        }
    }
}

#[test]
fn live_frames_end_where_a_full_redraw_ends() {
    for (seed, (w, h)) in [(7u64, (80, 24)), (99, (40, 15)), (2026, (120, 40))] {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut m = member_model();
        // Links on, as for a terminal that takes them: rows with links are always
        // drawn, and a link's cells are sent again when it moves.
        m.osc_capable = true;
        m.links_on = true;
        let mut t = terminal(w, h);
        let mut client = vt100::Parser::new(h, w, 0);
        let mut next_id = 1_000;
        // Over every terminal of the run (a resize starts a new one).
        let (mut left, mut again, mut scrolls, mut kept) = (0, 0, 0, 0);
        for n in 0..250 {
            step(std::slice::from_mut(&mut m), &mut rng, &mut next_id);
            if rng.below(30) == 0 {
                // A resize (to the same size, as a client's redraw asks): a new
                // terminal over a cleared screen, as the session does.
                left += t.0.left_rows();
                again += t.0.drawn_again();
                scrolls += t.0.scrolls();
                kept += t.0.kept_rows();
                t = terminal(w, h);
                client.process(b"\x1b[0m\x1b[2J");
            }
            client.process(&frame(&mut t, &mut m));
            let want = full_redraw(&m, w, h);
            let (live_cells, want_cells) = (cells(&client), cells(&want));
            let first_diff = live_cells
                .iter()
                .zip(&want_cells)
                .position(|(a, b)| a != b)
                .map(|r| (r, &live_cells[r], &want_cells[r]));
            assert!(
                first_diff.is_none(),
                "seed {seed} at {w}x{h}, step {n}: row differs {first_diff:?}; the live screen\n{}\nis not the full redraw\n{}",
                client.screen().contents(),
                want.screen().contents()
            );
        }
        // The run did what it says: posts arrived and are on the screen, and the
        // terminal moved rows itself (so those frames were checked too).
        assert!(m.camp.posts.len() > 20, "{}", m.camp.posts.len());
        let left = left + t.0.left_rows();
        let again = again + t.0.drawn_again();
        let scrolls = scrolls + t.0.scrolls();
        let kept = kept + t.0.kept_rows();
        eprintln!(
            "seed {seed}: {scrolls} scrolls, {kept} rows kept, {left} left, {again} drawn again"
        );
        assert!(scrolls > 10, "seed {seed}: {scrolls} scrolls");
        assert!(kept > 250, "seed {seed}: {kept} rows kept");
        // The header and footer were left to the client, and frames that left a row
        // the client did not keep (after a resize) were drawn again.
        assert!(left > 100, "seed {seed}: {left} rows left undrawn");
        assert!(again > 0, "seed {seed}: no frame drawn again");
        assert!(client.screen().contents().contains('@'));
    }
}

/// Two sessions in the same state on one thread (the same live posts as the same
/// `Arc`s, the same keys and clock): the second takes many of its frames' bytes from
/// the first's (see `session_terminal::SentFrames`), and sends exactly what the first
/// sent, frame after frame, whether taken or written; both screens end where a full
/// redraw ends.
#[test]
fn a_twin_session_takes_the_bytes_of_the_same_frame_and_ends_where_a_full_redraw_ends() {
    let (w, h) = (80, 24);
    // Links off, then on as for a terminal that takes them: a frame with a link on a
    // row it compares, or a link cell to send again, goes through each session's own
    // link state, so fewer frames are taken.
    for links in [false, true] {
        let mut rng = Rng(0x0dd5_eed5_1234_5678);
        let mut first = member_model();
        first.osc_capable = links;
        first.links_on = links;
        let mut models = [first.clone(), first];
        let mut terminals = [terminal(w, h), terminal(w, h)];
        let mut clients = [vt100::Parser::new(h, w, 0), vt100::Parser::new(h, w, 0)];
        let mut next_id = 50_000;
        for n in 0..250 {
            step(&mut models, &mut rng, &mut next_id);
            let sent: Vec<Vec<u8>> = (0..2)
                .map(|i| frame(&mut terminals[i], &mut models[i]))
                .collect();
            assert_eq!(
                String::from_utf8_lossy(&sent[1]),
                String::from_utf8_lossy(&sent[0]),
                "links {links}, step {n}: the twin sent other bytes"
            );
            let want = cells(&full_redraw(&models[0], w, h));
            for (client, bytes) in clients.iter_mut().zip(&sent) {
                client.process(bytes);
                assert_eq!(cells(client), want, "links {links}, step {n}");
            }
        }
        let (reused, scrolls) = (terminals[1].0.reused_frames(), terminals[1].0.scrolls());
        let codes = terminals[1].0.reused_codes();
        let unpainted = terminals[1].0.unpainted_rows();
        eprintln!(
            "links {links}: the twin took {reused} frames, {codes} with their codes, \
             {unpainted} rows never drawn; {scrolls} scrolls"
        );
        assert_eq!(
            terminals[0].0.unpainted_rows(),
            0,
            "the first session drew every row"
        );
        assert!(scrolls > 10, "{scrolls} scrolls");
        // Twins meet the same looks in the same order: a frame taken brings its rows'
        // codes, unless a row holds a grapheme cluster (the steps post many).
        assert!(
            codes > 10 && codes <= reused,
            "{codes} of {reused} frames took codes"
        );
        match links {
            // More frames than the live posts' scrolls: a selection moving back and
            // forth between two posts is the same frame again.
            // A frame taken with its codes reads no cell: the post rows it left to
            // draw stay undrawn (the first session drew them). With links on, the
            // client mostly shows one, and then no row is left to draw.
            false => {
                assert!(reused > scrolls, "{reused} frames taken, {scrolls} scrolls");
                assert!(unpainted > 10, "{unpainted} rows never drawn");
            }
            true => assert!(reused > 5, "{reused} frames taken with links on"),
        }
    }
}

/// The first post into an empty timeline reaches every session at once. The rows of
/// the empty timeline's message are keyed like every other row, so a twin takes the
/// frame the first session wrote instead of working out its own, and both screens end
/// where a full redraw ends.
#[test]
fn the_first_post_over_an_empty_timeline_is_a_frame_twins_share() {
    let (w, h) = (80, 24);
    let mut m = member_model();
    let ids: Vec<u64> = m.camp.posts.iter().map(|p| p.post.id).collect();
    for id in ids {
        update(&mut m, Msg::PostDeleted(id));
    }
    let mut models = [m.clone(), m];
    let mut terminals = [terminal(w, h), terminal(w, h)];
    let mut clients = [vt100::Parser::new(h, w, 0), vt100::Parser::new(h, w, 0)];
    for (i, client) in clients.iter_mut().enumerate() {
        client.process(&frame(&mut terminals[i], &mut models[i]));
        assert!(
            client.screen().contents().contains("The camp is quiet."),
            "{}",
            client.screen().contents()
        );
    }
    let mut v = view(60_001, "bo", "", "the first post of the camp", 0);
    v.post.created_ms = models[0].now_ms;
    post_live(&mut models, v);
    let sent: Vec<Vec<u8>> = (0..2)
        .map(|i| frame(&mut terminals[i], &mut models[i]))
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&sent[1]),
        String::from_utf8_lossy(&sent[0])
    );
    assert_eq!(
        (
            terminals[0].0.reused_frames(),
            terminals[1].0.reused_frames()
        ),
        (0, 1),
        "the twin took the first session's frame"
    );
    let want = cells(&full_redraw(&models[0], w, h));
    for (client, bytes) in clients.iter_mut().zip(&sent) {
        client.process(bytes);
        assert_eq!(cells(client), want);
    }
    assert!(
        want.iter()
            .any(|row| row.contains("the first post of the camp"))
    );
}

/// Two sessions on one thread style a post once, and share nothing when the width,
/// the age shown, the warning's state or the post itself differ.
#[test]
fn sessions_on_one_thread_share_styled_lines_of_the_same_post_only() {
    let mut post = view(1, "bo", "", "hello https://camp.example/x", 5_000);
    post.post.cw = Some("spoilers".into());
    let post = Arc::new(post);
    let (mut a, mut b) = (
        crate::tui::post_cache::PostLinesCache::default(),
        crate::tui::post_cache::PostLinesCache::default(),
    );
    let first = a.styled(&post, 60, NOW, false).lines.clone();
    assert!(Arc::ptr_eq(
        &first,
        &b.styled(&post, 60, NOW, false).lines.clone()
    ));
    // Shared lines keep their id (screen rows name lines by it); lines styled again
    // get a new one.
    let id = a.styled(&post, 60, NOW, false).id;
    assert_eq!(b.styled(&post, 60, NOW, false).id, id);
    assert_ne!(b.styled(&post, 50, NOW, false).id, id);
    let other = |b: &mut crate::tui::post_cache::PostLinesCache, width, now, open| {
        let lines = b.styled(&post, width, now, open).lines.clone();
        assert!(!Arc::ptr_eq(&first, &lines));
        lines
    };
    other(&mut b, 50, NOW, false);
    other(&mut b, 60, NOW + 120_000, false);
    let opened = other(&mut b, 60, NOW, true);
    assert!(
        opened.len() > first.len(),
        "the opened warning shows the text"
    );
    // An equal post in another allocation may have been changed: styled again.
    let copy = Arc::new((*post).clone());
    assert!(!Arc::ptr_eq(
        &first,
        &b.styled(&copy, 60, NOW, false).lines.clone()
    ));
    // A session in another theme styles the post in its own colours: nothing it
    // shares with this thread's other sessions, nothing it kept from its last frame.
    let mut mono = crate::tui::post_cache::PostLinesCache::default();
    mono.start_frame(&crate::tui::theme::Theme::mono());
    assert!(!Arc::ptr_eq(
        &first,
        &mono.styled(&post, 60, NOW, false).lines
    ));
    a.start_frame(&crate::tui::theme::Theme::mono());
    assert!(!Arc::ptr_eq(&first, &a.styled(&post, 60, NOW, false).lines));
    a.start_frame(&crate::tui::theme::Theme::default());
    assert!(Arc::ptr_eq(&first, &a.styled(&post, 60, NOW, false).lines));
}

/// Shows `m` on an 80×60 screen, delivers a live post, and checks that the row holding
/// `text` was neither drawn nor sent again: only the new post's two lines and the
/// gutters of the two lines of the post that lost the selection were compared, every
/// other row being kept by key (its cells not even compared), and the screen ends as a
/// full redraw would. Returns the row `text` was on before and after.
fn live_post_keeps_row(mut m: Model, text: &str) -> (usize, usize) {
    let (w, h) = (80, 60);
    let mut t = terminal(w, h);
    let mut client = vt100::Parser::new(h, w, 0);
    client.process(&frame(&mut t, &mut m));
    let row_of = |p: &vt100::Parser| cells(p).iter().position(|r| r.contains(text));
    let before = row_of(&client).unwrap_or_else(|| panic!("{text:?} is shown"));
    let mut v = view(1_001, "bo", "", "fresh", 0);
    v.post.created_ms = m.now_ms;
    post_live(std::slice::from_mut(&mut m), v);
    let kept = t.0.kept_rows();
    let sent = frame(&mut t, &mut m);
    client.process(&sent);
    let sent = String::from_utf8_lossy(&sent);
    assert!(sent.contains("fresh"), "{sent:?}");
    assert!(!sent.contains(text), "{text:?} was sent again: {sent:?}");
    assert_eq!(t.0.kept_rows() - kept, usize::from(h) - 4);
    let after = row_of(&client).unwrap_or_else(|| panic!("{text:?} is still shown"));
    assert_eq!(cells(&client), cells(&full_redraw(&m, w, h)));
    (before, after)
}

/// Until posts fill the screen, a live post moves the timeline's last row ("the
/// beginning") down with the band: the client moves it, and the frame neither draws
/// nor sends it again.
#[test]
fn a_live_post_moves_the_timelines_end_without_sending_it_again() {
    let (before, after) = live_post_keeps_row(member_model(), "the beginning");
    assert!(after > before, "the end moved down: {before} -> {after}");
}

/// A live post moves the reader's "new since you left" mark down with the band, as it
/// does the timeline's end: neither is drawn or sent again.
#[test]
fn a_live_post_moves_the_readers_mark_without_sending_it_again() {
    let mut m = member_model();
    m.camp.read_mark = Some(20);
    let (before, after) = live_post_keeps_row(m, "new since you left");
    assert_eq!(after, before + 3, "the mark moved down by the new post");
}
