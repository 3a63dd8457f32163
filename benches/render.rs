//! What one live post costs one session's screen, in process: a camper on the camp
//! timeline gets a new post at the top, and the frame is drawn and diffed through the
//! session's real backend stack (output guard, links, pictures, escape-sequence writer).
//! No network, no other sessions: this isolates the renderer that `load` measures as a
//! part of the whole server.
//!
//! ```text
//! cargo bench --bench render -- [--frames N] [--width W] [--height H] [--posts N] [--sessions N] [--per-round N] [--session-only] [--words]
//! ```
//!
//! With `--sessions N`, every live post reaches N sessions (each its own model and
//! terminal, all on this thread) as the one `Arc` the server hands them, and the
//! figures are per session-update: this is the renderer's share of the load bench's
//! "server cpu us per session-update", without the network.
//!
//! Two ways are measured on the same sequence of updates: `session` (the session's own
//! terminal, [`camp::tui::session_terminal`]) and `ratatui` (ratatui's `Terminal::draw`
//! over the same backend stack, as sessions drew before). Each reports the median and
//! p90 of nanoseconds per frame over rounds, and bytes per frame. The last line is
//! machine-readable: `render: session_ns=X ratatui_ns=X ratio=X session_bytes=X ratatui_bytes=X`.

use std::sync::Arc;
use std::time::Instant;

use camp::camp::{Author, CampInfo, NewPost, PostView, TimelineKind};
use camp::model::{Account, Post, Role, Visibility};
use camp::tui::graphics::Graphics;
use camp::tui::hyperlinks::Links;
use camp::tui::session_terminal::{SessionBackend, SessionTerminal};
use camp::tui::{Model, Msg, update, view};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

struct Opts {
    frames: usize,
    width: u16,
    height: u16,
    posts: u64,
    /// Sessions that each live post reaches.
    sessions: usize,
    /// Live posts per round.
    per_round: usize,
    /// Only the session's way (for a profiler).
    session_only: bool,
    /// Live posts are a sentence of words, not the load bench's one token.
    words: bool,
}

fn opts() -> Result<Opts, String> {
    let mut o = Opts {
        frames: 4000,
        width: 80,
        height: 24,
        posts: 5,
        sessions: 1,
        per_round: PER_ROUND,
        session_only: false,
        words: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--bench" {
            continue;
        }
        if a == "--session-only" {
            o.session_only = true;
            continue;
        }
        if a == "--words" {
            o.words = true;
            continue;
        }
        let v = args.next().ok_or(format!("{a} needs a value"))?;
        let bad = |_| format!("{a}: not a number: {v}");
        match a.as_str() {
            "--frames" => o.frames = v.parse().map_err(bad)?,
            "--width" => o.width = v.parse().map_err(bad)?,
            "--height" => o.height = v.parse().map_err(bad)?,
            "--posts" => o.posts = v.parse().map_err(bad)?,
            "--per-round" => {
                o.per_round = v.parse().map_err(bad)?;
                if o.per_round == 0 {
                    return Err("--per-round: at least 1".into());
                }
            }
            "--sessions" => {
                o.sessions = v.parse().map_err(bad)?;
                if o.sessions == 0 {
                    return Err("--sessions: at least 1".into());
                }
            }
            _ => return Err(format!("unknown option {a}")),
        }
    }
    Ok(o)
}

const NOW: u64 = 1_800_000_000_000;

fn view_of(id: u64, text: String) -> PostView {
    let author = id % 10;
    PostView {
        post: Post {
            id,
            author,
            text,
            cw: None,
            visibility: Visibility::Camp,
            reply_to: None,
            mentions: vec![],
            created_ms: NOW - 1000,
            edited_ms: None,
        },
        author: Author {
            id: author,
            username: format!("camper{author}"),
            display_name: String::new(),
        },
        stats: Default::default(),
        mine: Default::default(),
        boosted_by: None,
        poll: None,
        entry: id,
        filtered: None,
    }
}

/// A camper on the camp timeline with `posts` posts already there.
fn model(posts: u64) -> Model {
    let info = CampInfo {
        name: "loadcamp".into(),
        description: "A camp under load.".into(),
        max_post_chars: 500,
        ssh_hint: "camp.example".into(),
    };
    let me = Account {
        id: 1,
        username: "camper1".into(),
        display_name: String::new(),
        bio: String::new(),
        role: Role::Camper,
        created_ms: NOW - 86_400_000,
        invited_by: None,
        invite_code: String::new(),
        coc_version: 1,
        suspended: false,
        silenced: false,
        sensitive: false,
    };
    let mut m = Model::new(info, "Be kind.".into(), Some(me));
    m.now_ms = NOW;
    let _ = m.init();
    let existing = (1..=posts)
        .rev()
        .map(|id| view_of(id, format!("earlier post number {id}")))
        .collect();
    for (kind, result) in [
        (TimelineKind::Camp, Ok(existing)),
        (TimelineKind::Home, Ok(vec![])),
    ] {
        let _ = update(
            &mut m,
            Msg::TimelineLoaded {
                kind,
                before: None,
                result,
            },
        );
    }
    m
}

/// A live post as the server hands it to every session: one `Arc`. Its text is the
/// load bench's (a round number and a random token), or with `words` a sentence.
fn live_post(id: u64, words: bool) -> Arc<NewPost> {
    let text = match words {
        true => {
            format!("Anyone up for the crag on Saturday? Weather looks dry: 18 and sunny. {id}")
        }
        false => format!("load-{id}-{:016x}", id.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
    };
    Arc::new(NewPost {
        view: Arc::new(view_of(id, text)),
        on_camp: true,
        home_owners: vec![],
    })
}

/// Live posts per round unless `--per-round` says otherwise: a round starts from a
/// fresh screen showing `posts` posts, as a session in the load bench does (it sees a
/// handful of posts, not thousands). A profiler wants longer rounds, so that the first
/// frames (a whole screen each) weigh little.
const PER_ROUND: usize = 10;

/// Nanoseconds per session-update (one figure per round) and bytes per session-update,
/// for `frames` live posts that each reach `o.sessions` sessions; `fresh` makes a new
/// terminal for each session of each round.
fn run<T>(
    o: &Opts,
    mut fresh: impl FnMut(&Links, &Graphics) -> T,
    mut draw: impl FnMut(&mut T, &mut Model, &Links, &Graphics) -> Vec<u8>,
) -> (Vec<f64>, usize, Vec<u8>) {
    // No frames (the other way under `--session-only`): no round at all.
    let rounds = o.frames.div_ceil(o.per_round);
    let mut ns = Vec::new();
    let mut bytes = 0;
    let mut sample = Vec::new();
    for _ in 0..rounds {
        let mut sessions: Vec<_> = (0..o.sessions)
            .map(|_| {
                let (links, graphics) = (Links::default(), Graphics::new());
                let mut m = model(o.posts);
                let mut t = fresh(&links, &graphics);
                // The first frame paints the whole screen: not a live update.
                draw(&mut t, &mut m, &links, &graphics);
                (links, graphics, m, t)
            })
            .collect();
        let start = Instant::now();
        for id in o.posts + 1..=o.posts + o.per_round as u64 {
            let post = live_post(id, o.words);
            (bytes, sample) = deliver(&post, &mut sessions, &mut draw, bytes);
        }
        ns.push(start.elapsed().as_nanos() as f64 / (o.per_round * o.sessions) as f64);
    }
    ns.sort_by(f64::total_cmp);
    (
        ns,
        bytes / (o.per_round * rounds * o.sessions).max(1),
        sample,
    )
}

/// One live post to every session, and the bytes that sent. Kept out of line so that a
/// profiler can count it alone (`valgrind --tool=callgrind --toggle-collect='*deliver*'`).
#[inline(never)]
fn deliver<T>(
    post: &Arc<NewPost>,
    sessions: &mut [(Links, Graphics, Model, T)],
    draw: &mut impl FnMut(&mut T, &mut Model, &Links, &Graphics) -> Vec<u8>,
    mut bytes: usize,
) -> (usize, Vec<u8>) {
    let mut sample = Vec::new();
    for (links, graphics, m, t) in sessions {
        let _ = update(m, Msg::Posted(post.clone()));
        let out = draw(t, m, links, graphics);
        bytes += out.len();
        sample = out;
    }
    (bytes, sample)
}

fn main() {
    let o = match opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "render: {e}\nusage: cargo bench --bench render -- [--frames N] [--width W] [--height H] [--posts N] [--sessions N] [--per-round N] [--session-only]"
            );
            std::process::exit(2);
        }
    };
    let (w, h) = (o.width, o.height);
    let (ours, ours_bytes, sample) = run(
        &o,
        |links, graphics| SessionTerminal::new(w, h, links, graphics),
        |t, m, links, graphics| {
            t.draw(|f, drawing, client| {
                view::render_session(f, m, drawing, client, links);
                graphics.set(m.gfx.placed.take());
                m.take_hints()
            })
            .expect("drawing into memory");
            m.reuse_hints(t.take_spent_hints());
            t.take_output()
        },
    );
    let (theirs, theirs_bytes, _) = run(
        &Opts {
            frames: if o.session_only { 0 } else { o.frames },
            ..o
        },
        |links, graphics| -> Terminal<SessionBackend> {
            Terminal::with_options(
                camp::tui::guarded_backend::GuardedBackend::new(
                    camp::tui::hyperlinks::HyperlinkBackend::new(
                        camp::tui::graphics::backend::GraphicsBackend::new(
                            camp::tui::ansi_backend::AnsiBackend::new(Vec::new()),
                            graphics.clone(),
                        ),
                        links.clone(),
                    ),
                ),
                TerminalOptions {
                    viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
                },
            )
            .expect("a terminal over memory")
        },
        |t, m, links, graphics| {
            let osc = m.osc_links();
            t.draw(|f| {
                links.render(f, osc, |f| view::render(f, m));
                graphics.set(m.gfx.placed.take());
            })
            .expect("drawing into memory");
            std::mem::take(
                t.backend_mut()
                    .inner_mut()
                    .inner_mut()
                    .inner_mut()
                    .writer_mut(),
            )
        },
    );
    if std::env::var_os("RENDER_SHOW_FRAME").is_some() {
        println!("last frame: {:?}", String::from_utf8_lossy(&sample));
    }
    let med = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
    let p90 = |v: &[f64]| v.get(v.len() * 9 / 10).copied().unwrap_or(f64::NAN);
    println!(
        "render: {}x{} screen, {} posts before, {} live posts per way, each to {} session(s)",
        w, h, o.posts, o.frames, o.sessions
    );
    println!(
        "  way        median ns/frame   p90 ns/frame   bytes/frame   (a frame: one session-update)"
    );
    for (name, v, b) in [
        ("session", &ours, ours_bytes),
        ("ratatui", &theirs, theirs_bytes),
    ] {
        println!("  {name:<9} {:>16.0} {:>14.0} {:>13}", med(v), p90(v), b);
    }
    println!(
        "render: session_ns={:.0} ratatui_ns={:.0} ratio={:.2} session_bytes={} ratatui_bytes={}",
        med(&ours),
        med(&theirs),
        med(&ours) / med(&theirs),
        ours_bytes,
        theirs_bytes
    );
}
