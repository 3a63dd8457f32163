//! A timer for a deadline that a session loop moves often and later: the idle
//! timeout (the last keypress plus a span) and the stalled-client timeout (the start
//! of the frame in flight plus a span).
//!
//! The loop used to make a fresh `sleep_until` on every turn. Tokio registers a new
//! sleep in its timer wheel when first polled and removes it when dropped, under the
//! driver's lock: a few register-and-remove pairs per session per live post, for
//! timers that almost never fire. Here one sleep lives as long as the loop. Moving the
//! deadline later costs nothing: the sleep wakes at the deadline it was armed with,
//! sees the deadline moved and re-arms once. (At 1,000 sessions the timer wheel's own
//! removals fell from 1.0% to 0.7% of the server's samples; most of the rest is
//! russh's per-connection keepalive sleep, which is russh's to keep.)

use std::pin::Pin;

use tokio::time::{Instant, Sleep, sleep_until};

/// One long-lived timer for a deadline that mostly moves later.
#[derive(Debug)]
pub(crate) struct Deadline {
    sleep: Pin<Box<Sleep>>,
    armed: Instant,
}

impl Deadline {
    /// A timer armed for `at`.
    pub(crate) fn new(at: Instant) -> Self {
        Deadline {
            sleep: Box::pin(sleep_until(at)),
            armed: at,
        }
    }

    /// Resolves once `at` has passed. Dropping the future (another `select!` branch
    /// won) keeps the timer armed for the next call.
    pub(crate) async fn reached(&mut self, at: Instant) {
        if at < self.armed {
            self.arm(at);
        }
        loop {
            self.sleep.as_mut().await;
            if Instant::now() >= at {
                return;
            }
            // It woke for an earlier deadline that has since moved.
            self.arm(at);
        }
    }

    fn arm(&mut self, at: Instant) {
        self.sleep.as_mut().reset(at);
        self.armed = at;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// These bound the time from below only, which a timer guarantees: they cannot
    /// flake on a slow machine.
    #[tokio::test]
    async fn a_deadline_moved_later_is_kept_not_the_first() {
        let start = Instant::now();
        let mut d = Deadline::new(start + Duration::from_millis(10));
        d.reached(start + Duration::from_millis(40)).await;
        assert!(start.elapsed() >= Duration::from_millis(40));
    }

    #[tokio::test]
    async fn a_deadline_moved_earlier_is_met_early() {
        let start = Instant::now();
        let mut d = Deadline::new(start + Duration::from_secs(3600));
        tokio::time::timeout(
            Duration::from_secs(30),
            d.reached(start + Duration::from_millis(20)),
        )
        .await
        .expect("the earlier deadline was met");
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[tokio::test]
    async fn an_abandoned_wait_leaves_the_timer_usable() {
        let start = Instant::now();
        let mut d = Deadline::new(start + Duration::from_millis(10));
        // Another branch wins before the deadline; then the deadline passes unwatched.
        let lost = tokio::time::timeout(
            Duration::from_millis(1),
            d.reached(start + Duration::from_millis(10)),
        )
        .await;
        assert!(lost.is_err());
        tokio::time::sleep_until(start + Duration::from_millis(30)).await;
        d.reached(start + Duration::from_millis(60)).await;
        assert!(start.elapsed() >= Duration::from_millis(60));
        d.reached(start + Duration::from_millis(60)).await;
    }
}
