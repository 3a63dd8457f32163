//! The session loop of the screen-reader line mode ([`crate::plain`]) over one SSH
//! channel: keys in, lines out, live events between prompts.
//!
//! Unlike the full-screen app, output here is a stream: nothing may be dropped or
//! coalesced, so it queues in order. The queue is bounded: a client that stops reading
//! while more than [`MAX_QUEUED`] bytes wait, or for `output_stall_secs`, is dropped.

use std::time::Duration;

use tokio::sync::broadcast;
use tokio::time::{Instant, sleep_until};

use crate::model::Account;
use crate::plain::{App, Feed, Live, wire};
use crate::ssh::deadline::Deadline;
use crate::ssh::output::Output;
use crate::ssh::session::{ChannelInput, SessionStart};
use crate::tui::input::Decoder;

/// Most bytes waiting for a client that does not read.
const MAX_QUEUED: usize = 1 << 20;
/// How long a lone Esc waits for the rest of a key sequence.
const ESC_TIMEOUT: Duration = Duration::from_millis(50);

/// Runs `f` on the app on the blocking pool (it calls the service); None if it panicked.
async fn blocking<T: Send + 'static>(
    mut app: App,
    f: impl FnOnce(&mut App) -> T + Send + 'static,
) -> Option<(App, T)> {
    tokio::task::spawn_blocking(move || {
        let t = f(&mut app);
        (app, t)
    })
    .await
    .ok()
}

/// Runs the line mode until the person leaves or the connection ends; the exit status.
pub async fn run(start: SessionStart, out: &mut Output, account: Option<Account>) -> u32 {
    let SessionStart {
        camp,
        key,
        mut input,
        mut shutdown,
        ..
    } = start;
    // Subscribed before the first listing is read, so nothing posted meanwhile is lost.
    let mut events = camp.subscribe();
    let idle = camp.config().idle_timeout();
    // Counted as connected (for `who`) while logged in; typing is activity.
    let mut here = crate::camp::PresenceSlot::default();
    here.connected(&camp, account.as_ref().map(|a| a.id));
    let presence_camp = camp.clone();
    let Some((mut app, greeting)) = blocking(App::new(camp, key, account), |app| app.start()).await
    else {
        return 70;
    };
    let mut queued: Vec<u8> = wire::encode(&greeting);
    let mut decoder = Decoder::new();
    let mut esc_deadline: Option<Instant> = None;
    let mut last_input = Instant::now();
    let mut idle_timer = Deadline::new(last_input + idle);
    // Armed far off; the loop moves it to the stall deadline of each frame in flight.
    let mut stall_timer = Deadline::new(last_input + idle);
    let mut goodbye: Option<String> = None;
    let mut leaving = false;

    loop {
        if !out.busy() && !queued.is_empty() {
            out.send(std::mem::take(&mut queued));
        }
        if leaving {
            break;
        }
        if queued.len() > MAX_QUEUED {
            tracing::info!("line-mode client stopped reading; disconnecting");
            return 0;
        }
        let stall_at = out.stall_deadline();
        tokio::select! {
            msg = input.recv() => match msg {
                Some(ChannelInput::Data(bytes)) => {
                    last_input = Instant::now();
                    here.active(&presence_camp, app.account_id());
                    let mut inputs = Vec::new();
                    decoder.feed(&bytes, &mut inputs);
                    esc_deadline = decoder.has_pending().then(|| Instant::now() + ESC_TIMEOUT);
                    for i in inputs {
                        match app.feed(i) {
                            Feed::Nothing => {}
                            Feed::Send(s) => queued.extend(wire::encode(&s)),
                            Feed::Leave => {
                                queued.extend(wire::encode("\nGoodbye.\n"));
                                leaving = true;
                                break;
                            }
                            Feed::Line(line) => {
                                let Some((a, reply)) = blocking(app, move |a| a.line(&line)).await else {
                                    return 70;
                                };
                                app = a;
                                queued.extend(wire::encode(&reply.text));
                                if reply.quit {
                                    leaving = true;
                                    break;
                                }
                            }
                        }
                    }
                }
                Some(ChannelInput::Eof) | None => break,
            },
            _ = async { sleep_until(esc_deadline.unwrap_or_else(Instant::now)).await }, if esc_deadline.is_some() => {
                // A lone Esc: there is nothing for it to do here; just reset the decoder.
                esc_deadline = None;
                decoder.flush_pending(&mut Vec::new());
            }
            ev = events.recv() => match ev {
                Ok(ev) if app.wants(&ev) => {
                    let Some((a, live)) = blocking(app, move |a| a.live(&ev)).await else {
                        return 70;
                    };
                    app = a;
                    match live {
                        Live::Nothing => {}
                        Live::Print(s) => queued.extend(wire::encode(&s)),
                        Live::End(msg) => {
                            goodbye = Some(msg);
                            break;
                        }
                    }
                }
                Ok(_) => {}
                // Events are hints; whatever was missed shows with the next `new`.
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            },
            r = out.done(), if out.busy() => {
                if r.is_err() {
                    return 0;
                }
            }
            _ = stall_timer.reached(stall_at.unwrap_or_else(Instant::now)), if stall_at.is_some() => {
                tracing::info!("line-mode client stopped reading; hanging up");
                out.hang_up();
                return 0;
            }
            _ = idle_timer.reached(last_input + idle) => {
                goodbye = Some(crate::ssh::session::idle_goodbye(idle));
                break;
            }
            _ = async { shutdown.wait_for(|s| *s).await.map(|_| ()) } => {
                goodbye = Some("camp is shutting down for a moment; connect again soon.".into());
                break;
            }
        }
    }
    let _ = blocking(app, |a| a.leave()).await;
    if let Some(msg) = goodbye {
        queued.extend(wire::encode(&format!("\n{msg}\n")));
    }
    // Waits no longer than the stall limit, for the frame in flight and then for this.
    let _ = out.send_and_wait(queued).await;
    0
}
