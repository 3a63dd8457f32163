//! The task behind one session channel: the TUI loop for a shell with a PTY (or the
//! screen-reader line mode, see `ssh::plain`), the exec command mode, or a one-line hint
//! for a shell without a PTY.

use std::io::Write;
use std::time::Duration;

use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::{Instant, sleep_until};

use crate::Camp;
use crate::camp::{CampEvent, KeyInfo, TimelineKind};
use crate::ssh::deadline::Deadline;
use crate::ssh::output::Output;
use crate::text::guard_output;
use crate::tui::effects::{self, Identity};
use crate::tui::graphics::Graphics;
use crate::tui::hyperlinks::Links;
use crate::tui::input::Decoder;
use crate::tui::session_terminal::SessionTerminal;
use crate::tui::{Effect, Model, Msg, update, view};

/// Smallest and largest screens accepted; anything else from a client is clamped.
pub const MIN_COLS: u16 = 1;
/// Largest width.
pub const MAX_COLS: u16 = 500;
/// Smallest height.
pub const MIN_ROWS: u16 = 1;
/// Largest height.
pub const MAX_ROWS: u16 = 200;
/// At most this many redraws a second.
const FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// How long a lone Esc waits for the rest of a key sequence.
const ESC_TIMEOUT: Duration = Duration::from_millis(50);
/// Relative times ("5m") are refreshed this often; a redraw that changes nothing sends nothing.
const CLOCK_TICK: Duration = Duration::from_secs(60);

/// A terminal size in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Columns.
    pub cols: u16,
    /// Rows.
    pub rows: u16,
}

impl Default for Size {
    fn default() -> Self {
        Size { cols: 80, rows: 24 }
    }
}

/// The pixel size of one cell, from a pty request's screen size in cells and pixels:
/// `None` when the client did not say (zeros) or says something no terminal draws
/// (pictures are then sized for [`crate::tui::graphics::DEFAULT_CELL`]).
pub fn cell_pixels(cols: u32, rows: u32, px_width: u32, px_height: u32) -> Option<(u16, u16)> {
    if cols == 0 || rows == 0 {
        return None;
    }
    let (w, h) = (px_width / cols, px_height / rows);
    ((4..=64).contains(&w) && (8..=128).contains(&h)).then_some((w as u16, h as u16))
}

impl Size {
    /// A size from a client, clamped to sane bounds (0 means "unknown": use 80×24).
    pub fn clamped(cols: u32, rows: u32) -> Size {
        let d = Size::default();
        let pick = |v: u32, default: u16, lo: u16, hi: u16| {
            if v == 0 {
                default
            } else {
                v.min(hi as u32).max(lo as u32) as u16
            }
        };
        Size {
            cols: pick(cols, d.cols, MIN_COLS, MAX_COLS),
            rows: pick(rows, d.rows, MIN_ROWS, MAX_ROWS),
        }
    }
}

/// Input for a channel task.
#[derive(Debug)]
pub enum ChannelInput {
    /// Bytes typed or piped by the client.
    Data(Vec<u8>),
    /// The client will send no more.
    Eof,
}

/// Everything a channel task starts with.
pub struct SessionStart {
    pub camp: Camp,
    pub handle: Handle,
    pub channel: ChannelId,
    /// Writes the channel's output within the client's window.
    pub writer: crate::ssh::output::ChannelWriter,
    pub key: KeyInfo,
    pub term: Option<String>,
    /// One cell's size in pixels, when the pty request said (see [`cell_pixels`]).
    pub cell_px: Option<(u16, u16)>,
    pub env: Vec<(String, String)>,
    pub input: mpsc::Receiver<ChannelInput>,
    pub size: watch::Receiver<Size>,
    pub shutdown: watch::Receiver<bool>,
    /// Ends the whole connection (for a client that stopped reading its screen).
    pub hangup: crate::ssh::hangup::Hangup,
}

/// What the terminal app of one session starts with, whatever carries its bytes (an
/// SSH channel or a browser's WebSocket).
pub struct TuiStart {
    /// The service.
    pub camp: Camp,
    /// The verified key the session logged in with.
    pub key: KeyInfo,
    /// `TERM`, when the client said.
    pub term: Option<String>,
    /// One cell's size in pixels, when the client said (pictures are sized by it).
    pub cell_px: Option<(u16, u16)>,
    /// Environment variables the client sent (already filtered).
    pub env: Vec<(String, String)>,
    /// Input bytes, then EOF (or the sender dropped) when the client goes.
    pub input: mpsc::Receiver<ChannelInput>,
    /// The screen size, changed by the client.
    pub size: watch::Receiver<Size>,
    /// Turns true when the server stops.
    pub shutdown: watch::Receiver<bool>,
    /// An invite (or link) code to fill in on onboarding (a browser's `?invite=`).
    pub invite: Option<String>,
    /// The terminal may get OSC 8 hyperlinks and OSC 52 copies (SSH terminals; the
    /// browser terminal does not handle them, see `webterm`).
    pub osc: bool,
}

impl From<SessionStart> for TuiStart {
    fn from(s: SessionStart) -> Self {
        TuiStart {
            camp: s.camp,
            key: s.key,
            term: s.term,
            cell_px: s.cell_px,
            env: s.env,
            input: s.input,
            size: s.size,
            shutdown: s.shutdown,
            invite: None,
            osc: true,
        }
    }
}

/// Runs the terminal app for a session that is not SSH (the browser terminal): the
/// account checks of [`run`], then the same loop. Returns its exit status.
pub(crate) async fn run_tui_session(start: TuiStart, out: &mut Output) -> u32 {
    let account = match start.camp.account_for_key(&start.key.fingerprint) {
        Ok(a) => a,
        Err(e) => {
            out.stderr(format!("camp: {}\r\n", guard_output(&e.to_string())).into_bytes())
                .await;
            return 1;
        }
    };
    if account.as_ref().is_some_and(|a| a.suspended) {
        let msg = format!("{}\r\n", guard_output(&start.camp.suspended_message()));
        out.stderr(msg.into_bytes()).await;
        return 1;
    }
    run_tui(start, out, account).await
}

/// Runs the channel until it ends, then sends the exit status and closes it.
pub async fn run(mut start: SessionStart, command: Option<Vec<u8>>) {
    let _open = start.camp.session_opened();
    let stall = Duration::from_secs(start.camp.config().camp.output_stall_secs);
    let mut out = Output::new(
        start.handle.clone(),
        start.channel,
        start.writer.clone(),
        start.hangup.clone(),
        stall,
    );
    let account = match start.camp.account_for_key(&start.key.fingerprint) {
        Ok(a) => a,
        Err(e) => {
            out.stderr(format!("camp: {}\r\n", guard_output(&e.to_string())).into_bytes())
                .await;
            out.finish(1).await;
            return;
        }
    };
    if account.as_ref().is_some_and(|a| a.suspended) {
        let msg = format!("{}\r\n", guard_output(&start.camp.suspended_message()));
        out.stderr(msg.into_bytes()).await;
        out.finish(1).await;
        return;
    }
    // An invite link's `ssh -t HOST join CODE`: onboarding with the code entered.
    let invite = match (&command, &account) {
        (Some(cmd), None) if start.term.is_some() => crate::ssh::join_link::invite_of(cmd),
        _ => None,
    };
    let command = if invite.is_some() { None } else { command };
    match (command, start.term.is_some()) {
        (Some(cmd), true) if crate::plain::is_plain_command(&cmd) => {
            let status = crate::ssh::plain::run(start, &mut out, account).await;
            out.finish(status).await;
        }
        (Some(cmd), pty) => {
            let input = std::mem::replace(&mut start.input, mpsc::channel(1).1);
            let status = crate::ssh::exec::run(&start, &mut out, account, cmd, pty, input).await;
            out.finish(status).await;
        }
        (None, false) => {
            let hint = format!(
                "camp needs a terminal: use ssh -t {host}, or run a command: ssh {host} help\r\n",
                host = guard_output(&start.camp.config().ssh_hint())
            );
            out.stderr(hint.into_bytes()).await;
            out.finish(1).await;
        }
        (None, true)
            if crate::plain::wanted(&start.camp, start.term.as_deref(), account.as_ref()) =>
        {
            let status = crate::ssh::plain::run(start, &mut out, account).await;
            out.finish(status).await;
        }
        (None, true) => {
            let start = TuiStart {
                invite,
                ..TuiStart::from(start)
            };
            let status = run_tui(start, &mut out, account).await;
            out.finish(status).await;
        }
    }
}

fn new_terminal(size: Size, links: &Links, graphics: &Graphics) -> SessionTerminal {
    SessionTerminal::new(size.cols, size.rows, links, graphics)
}

/// Enter the alternate screen, reset the attributes (every frame starts from them),
/// clear it, hide the cursor, turn bracketed paste on.
const SETUP: &[u8] = b"\x1b[?1049h\x1b[0m\x1b[2J\x1b[H\x1b[?25l\x1b[?2004h";
/// Undo SETUP, and give back the whole screen as the scroll region: a frame resets the
/// region it scrolled before it ends, but the shell the camper returns to must not
/// depend on that.
const TEARDOWN: &[u8] = b"\x1b[?2004l\x1b[0m\x1b[r\x1b[?25h\x1b[?1049l";

async fn run_tui(start: TuiStart, out: &mut Output, account: Option<crate::model::Account>) -> u32 {
    let TuiStart {
        camp,
        key,
        mut input,
        mut size,
        mut shutdown,
        env,
        term,
        cell_px,
        invite,
        osc,
    } = start;
    let coc = camp
        .code_of_conduct()
        .map(|c| c.text)
        .unwrap_or_else(|_| camp.config().camp.code_of_conduct.clone());
    let mut who = Identity {
        key,
        account: account.as_ref().map(|a| a.id),
    };
    // Counted as connected (for `who`) while logged in; typing is activity.
    let mut here = crate::camp::PresenceSlot::default();
    here.connected(&camp, who.account);
    let outdated = account
        .as_ref()
        .is_some_and(|a| camp.coc_outdated(a).unwrap_or(false));
    let banner = who
        .account
        .and_then(|me| camp.announcement_for(me).ok().flatten());
    let mut model = Model::new(camp.info(), coc, account);
    if let Some(code) = invite {
        crate::tui::onboarding::enter_code(&mut model, &code);
    }
    if outdated {
        model.screen = crate::tui::Screen::CocUpdate(Default::default());
    }
    model.announcement = banner.map(|a| (a.id, a.text));
    model.depth = crate::tui::theme::ColorDepth::from_env(term.as_deref(), &env);
    model.apply_prefs(crate::model::Preferences::default());
    model.osc_capable = osc;
    model.gfx.allowed = osc;
    model.gfx.detected = crate::tui::graphics::detect::from_term(term.as_deref());
    if let Some(me) = who.account {
        model.links_on = camp.terminal_links(me).unwrap_or(true);
        model.gfx.mode = camp.preview_mode(me).unwrap_or_default();
        model.unread = camp.unread_notifications(me).unwrap_or(0);
        if let Ok(prefs) = camp.preferences(me) {
            model.apply_prefs(prefs);
        }
        model.home.read_mark = camp.read_position(me, TimelineKind::Home).ok().flatten();
        model.camp.read_mark = camp.read_position(me, TimelineKind::Camp).ok().flatten();
    }
    let mut events = camp.subscribe();
    let links = Links::default();
    let graphics = Graphics::new();
    graphics.set_cell(cell_px);
    let mut terminal = new_terminal(*size.borrow_and_update(), &links, &graphics);
    // Both watches are waited on by futures that live across turns of the loop (see
    // `next_change`).
    let mut resized = next_change(size);
    let mut shutting_down = Box::pin(async move {
        let _ = shutdown.wait_for(|s| *s).await;
    });
    let mut decoder = Decoder::new();
    let mut pending_frame: Vec<u8> = SETUP.to_vec();
    // `auto` previews with a terminal whose TERM said nothing: ask it, once.
    let mut probe_until = None;
    if model.gfx.allowed
        && model.gfx.detected.is_none()
        && model.gfx.mode == crate::camp::preview::PreviewMode::Auto
    {
        pending_frame.extend_from_slice(crate::tui::graphics::detect::PROBE);
        probe_until = Some(Instant::now() + crate::tui::graphics::detect::PROBE_WINDOW);
    }
    let mut dirty = true;
    let mut next_frame_at = Instant::now();
    let idle = camp.config().idle_timeout();
    let mut last_input = Instant::now();
    let mut idle_timer = Deadline::new(last_input + idle);
    // Armed far off; the loop moves it to the stall deadline of each frame in flight.
    let mut stall_timer = Deadline::new(last_input + idle);
    let mut esc_deadline: Option<Instant> = None;
    let mut clock = tokio::time::interval_at(Instant::now() + CLOCK_TICK, CLOCK_TICK);
    let mut queue: Vec<Effect> = model.init();
    let mut goodbye: Option<String> = None;
    // The reader's mutes, blocks, filters and lists, kept between live events.
    let mut relevance = crate::camp::relevance::Relevance::new();
    if let Some(me) = who.account {
        relevance.prepare(&camp, me);
    }
    // Results of effects that wait on other servers, run off the loop (see below).
    let (remote_tx, mut remote_rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();

    loop {
        // Run effects; their results may ask for more.
        while !queue.is_empty() {
            for effect in std::mem::take(&mut queue) {
                if effect == Effect::Quit {
                    model.quit = true;
                    continue;
                }
                if effects::waits_on_other_servers(&effect) {
                    // Another server may take seconds to answer: the session keeps
                    // drawing ("Asking their server…") and reading keys meanwhile.
                    let (camp, mut who, tx) = (camp.clone(), who.clone(), remote_tx.clone());
                    tokio::spawn(async move {
                        if let Some(msg) = effects::run(&camp, &mut who, effect).await {
                            let _ = tx.send(msg);
                        }
                    });
                    continue;
                }
                if let Some(msg) = effects::run(&camp, &mut who, effect).await {
                    queue.extend(update(&mut model, msg));
                }
                dirty = true;
            }
        }
        if model.quit {
            break;
        }
        // Onboarding (or a link code) may have just logged the session in.
        here.connected(&camp, who.account);
        if !model.alerts.is_empty() {
            // Bell and desktop notifications ride in front of the next frame.
            pending_frame.extend(std::mem::take(&mut model.alerts));
            dirty = true;
        }
        if dirty && !out.busy() && Instant::now() >= next_frame_at {
            model.now_ms = crate::clock::now_ms();
            if terminal
                .draw(|f, drawing, client| {
                    view::render_session(f, &mut model, drawing, client, &links);
                    graphics.set(model.gfx.placed.take());
                    model.take_hints()
                })
                .is_err()
            {
                break;
            }
            model.reuse_hints(terminal.take_spent_hints());
            terminal.append_output(&mut pending_frame);
            out.send(std::mem::take(&mut pending_frame));
            dirty = false;
            next_frame_at = Instant::now() + FRAME_INTERVAL;
        }
        let stall_at = out.stall_deadline();
        // Biased: the branches are polled in this order, so a live post (the common
        // wake-up) is found after the keys and the frame in flight, without drawing a
        // random number and polling the timers first. A client that stopped reading is
        // dropped before anything else (that branch is off unless a frame is in
        // flight); keys come next, so a burst of events cannot keep them waiting.
        tokio::select! {
            biased;
            _ = stall_timer.reached(stall_at.unwrap_or_else(Instant::now)), if stall_at.is_some() => {
                tracing::info!("client stopped reading its screen; hanging up");
                out.hang_up();
                return 0;
            }
            msg = input.recv() => match msg {
                Some(ChannelInput::Data(bytes)) => {
                    last_input = Instant::now();
                    here.active(&camp, who.account);
                    let mut inputs = Vec::new();
                    decoder.expect_replies(probe_until.is_some_and(|u| Instant::now() < u));
                    decoder.feed(&bytes, &mut inputs);
                    let replies = decoder.take_replies();
                    if let Some(until) = probe_until
                        && !replies.is_empty()
                    {
                        // Late answers are ignored: a silent terminal changes nothing.
                        let (found, done) = match Instant::now() < until {
                            true => crate::tui::graphics::detect::from_replies(
                                model.gfx.detected,
                                &replies,
                            ),
                            false => (model.gfx.detected, true),
                        };
                        model.gfx.detected = found;
                        if done {
                            probe_until = None;
                        }
                    }
                    esc_deadline = decoder.has_pending().then(|| Instant::now() + ESC_TIMEOUT);
                    for i in inputs {
                        queue.extend(update(&mut model, Msg::Input(i)));
                    }
                    dirty = true;
                }
                Some(ChannelInput::Eof) | None => break,
            },
            _ = async { sleep_until(esc_deadline.unwrap_or_else(Instant::now)).await }, if esc_deadline.is_some() => {
                esc_deadline = None;
                let mut inputs = Vec::new();
                decoder.flush_pending(&mut inputs);
                for i in inputs {
                    queue.extend(update(&mut model, Msg::Input(i)));
                }
                dirty = true;
            }
            r = out.done(), if out.busy() => {
                if r.is_err() {
                    return 0;
                }
            }
            ev = events.recv() => match ev {
                Ok(CampEvent::Posted(p)) => {
                    // The reader's mutes, blocks, filters and exclusive lists apply to
                    // live posts too.
                    let placed = match who.account {
                        Some(me) => relevance.live_for(&camp, me, &p),
                        None => Some(p),
                    };
                    if let Some(p) = placed {
                        queue.extend(update(&mut model, Msg::Posted(p)));
                        dirty = true;
                    }
                }
                Ok(CampEvent::PostChanged(p)) => {
                    // Someone who lost sight of the post (a block ended a follow) must
                    // not see its new text: for them it is gone.
                    // An edit may now match the reader's filters, or no longer match.
                    let msg = match who.account {
                        Some(me) if !relevance.live_change_visible(&camp, me, &p.post) => Msg::PostDeleted(p.post.id),
                        Some(me) => match relevance.refilter_change(&camp, me, &p.post) {
                            Some(r) => Msg::PostRefiltered(p, std::sync::Arc::new(r)),
                            None => Msg::PostChanged(p),
                        },
                        None => Msg::PostChanged(p),
                    };
                    queue.extend(update(&mut model, msg));
                    dirty = true;
                }
                Ok(CampEvent::PostDeleted(id)) => {
                    queue.extend(update(&mut model, Msg::PostDeleted(id)));
                    dirty = true;
                }
                Ok(CampEvent::Notified(n)) => {
                    if let Some(me) = who.account.filter(|me| *me == n.account) {
                        let camp = camp.clone();
                        let n = (*n).clone();
                        let view = tokio::task::spawn_blocking(move || camp.live_notification(me, n)).await;
                        if let Ok(Ok(Some(view))) = view {
                            queue.extend(update(&mut model, Msg::Notified(std::sync::Arc::new(view))));
                            dirty = true;
                        }
                    }
                }
                Ok(CampEvent::AccountChanged(id)) => {
                    if who.account == Some(id) {
                        // A deletion shuts the account (suspended) before it erases it:
                        // the departed record says which it is.
                        if camp.departed_name(id).is_some()
                            || camp.account(id).is_ok_and(|a| a.is_none())
                        {
                            goodbye = Some("This account was deleted. Goodbye.".into());
                            break;
                        }
                        if let Err(e @ crate::Error::Suspended { .. }) = camp.actor(id) {
                            goodbye = Some(e.to_string());
                            break;
                        }
                        // A new role (or flag) shows at once, e.g. `M` for a new moderator.
                        if let Ok(Some(a)) = camp.account(id) {
                            queue.extend(update(&mut model, Msg::AccountUpdated(a)));
                            dirty = true;
                        }
                    } else {
                        queue.extend(update(&mut model, Msg::AuthorChanged(id)));
                    }
                    // A key removed from the account (a lost phone) ends its sessions.
                    if who.account == Some(id)
                        && camp
                            .account_for_key(&who.key.fingerprint)
                            .is_ok_and(|a| a.is_none_or(|a| a.id != id))
                    {
                        goodbye = Some("This key was removed from your account.".into());
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    queue.extend(update(&mut model, Msg::Lagged));
                    dirty = true;
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            Some(msg) = remote_rx.recv() => {
                queue.extend(update(&mut model, msg));
                dirty = true;
            }
            (open, mut size) = &mut resized => {
                if !open {
                    break;
                }
                let s = *size.borrow_and_update();
                resized = next_change(size);
                // A new Terminal instead of resize(): ratatui's clear() would query the
                // cursor position of the server's own tty.
                links.reset();
                graphics.reset();
                terminal = new_terminal(s, &links, &graphics);
                pending_frame.extend_from_slice(b"\x1b[0m\x1b[2J");
                dirty = true;
            }
            _ = async { sleep_until(next_frame_at).await }, if dirty && !out.busy() => {}
            _ = idle_timer.reached(last_input + idle) => {
                goodbye = Some(idle_goodbye(idle));
                break;
            }
            _ = clock.tick() => dirty = true,
            _ = &mut shutting_down => {
                goodbye = Some("camp is shutting down for a moment; connect again soon.".into());
                break;
            }
        }
    }
    if let Some(me) = who.account {
        for (kind, entry) in model.read_positions() {
            let _ = camp.set_read_position(me, kind, entry);
        }
    }
    let mut bye = graphics.goodbye();
    bye.extend_from_slice(TEARDOWN);
    if let Some(msg) = goodbye {
        let _ = write!(bye, "{}\r\n", guard_output(&msg));
    }
    let _ = out.send_and_wait(bye).await;
    0
}

/// The next change of a watched value (false: the sender is gone), with the receiver
/// back to read it. Why a future that lives across turns of the session loop: a
/// `changed()` made anew on every turn joins the watch's waiters and leaves them again
/// when another branch wins, under the watch's lock, twice per session per live post;
/// the shutdown watch is one that every session shares.
fn next_change<T: Send + Sync + 'static>(
    mut rx: watch::Receiver<T>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = (bool, watch::Receiver<T>)> + Send>> {
    Box::pin(async move {
        let open = rx.changed().await.is_ok();
        (open, rx)
    })
}

/// What a session closed for want of input says last, in the TUI and in line mode.
pub(crate) fn idle_goodbye(idle: Duration) -> String {
    format!(
        "Closed after {} without input. Come back any time.",
        span_in_words(idle)
    )
}

/// How long `span` is, as the goodbye says it: whole minutes when it is some ("60
/// minutes"), otherwise seconds, so a short idle time is not "0 minutes".
fn span_in_words(span: Duration) -> String {
    let secs = span.as_secs();
    let (n, unit) = match secs {
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod span_tests {
    use super::*;

    #[test]
    fn an_idle_time_reads_in_minutes_or_seconds() {
        let words = |s| span_in_words(Duration::from_secs(s));
        assert_eq!(words(3600), "60 minutes");
        assert_eq!(words(60), "1 minute");
        assert_eq!(words(90), "90 seconds");
        assert_eq!(words(5), "5 seconds");
        assert_eq!(words(1), "1 second");
    }
}

#[cfg(test)]
mod cell_tests {
    use super::cell_pixels;

    #[test]
    fn a_cell_size_is_taken_from_the_pty_request_only_when_it_is_plausible() {
        // xterm's default font: 80×24 cells in 484×316 pixels.
        assert_eq!(cell_pixels(80, 24, 484, 316), Some((6, 13)));
        // No pixel size, or none for the cells.
        assert_eq!(cell_pixels(80, 24, 0, 0), None);
        assert_eq!(cell_pixels(0, 0, 640, 480), None);
        // A hostile client's sizes that no terminal draws.
        assert_eq!(cell_pixels(80, 24, 80, 24), None);
        assert_eq!(cell_pixels(1, 1, u32::MAX, u32::MAX), None);
    }
}
