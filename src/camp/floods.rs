//! Flood control: a sliding-window counter, the per-account post and action limits, and
//! a note in the audit log (for moderators) when someone keeps hitting a limit.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::Id;

/// Trips within [`TRIP_WINDOW`] that earn a note in the audit log.
pub const TRIPS_NOTED_AT: usize = 3;
/// How far back trips count.
pub const TRIP_WINDOW: Duration = Duration::from_secs(600);
/// Reports one account may file per hour: enough for a bad day, too few to flood the queue.
pub const REPORTS_PER_HOUR: usize = 20;
/// Most keys a window map holds; the oldest idle ones are dropped beyond it, so a
/// flood of distinct addresses cannot grow memory without bound.
const MAX_KEYS: usize = 100_000;

/// Counts events per key in a sliding window.
#[derive(Debug)]
pub struct RateWindow<K> {
    window: Duration,
    max: usize,
    hits: Mutex<HashMap<K, VecDeque<Instant>>>,
}

impl<K: Hash + Eq + Clone> RateWindow<K> {
    /// At most `max` events per `window` per key (`max == 0` turns the limit off).
    pub fn new(max: usize, window: Duration) -> Self {
        RateWindow {
            window,
            max,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Records an event for `key` if the limit allows it; false when over the limit
    /// (the refused event is not counted, so a steady retry does not lock anyone out).
    pub fn allow(&self, key: &K, now: Instant) -> bool {
        if self.max == 0 {
            return true;
        }
        self.count(key, now) < self.max && {
            self.record(key, now);
            true
        }
    }

    /// Records an event unconditionally; returns how many are in the window now.
    pub fn record(&self, key: &K, now: Instant) -> usize {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() >= MAX_KEYS && !hits.contains_key(key) {
            let window = self.window;
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
            if hits.len() >= MAX_KEYS {
                hits.clear();
            }
        }
        let q = hits.entry(key.clone()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        q.push_back(now);
        q.len()
    }

    fn count(&self, key: &K, now: Instant) -> usize {
        let hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.get(key).map_or(0, |q| {
            q.iter()
                .filter(|t| now.duration_since(**t) < self.window)
                .count()
        })
    }
}

/// The camp's flood state (in memory: limits reset on restart, which is harmless).
#[derive(Debug)]
pub(crate) struct Floods {
    posts: RateWindow<Id>,
    /// Every other write a camper can repeat (see [`Camp::check_action_rate`]).
    actions: RateWindow<Id>,
    reports: RateWindow<Id>,
    trips: RateWindow<String>,
}

impl Floods {
    pub(crate) fn new(posts_per_minute: usize, actions_per_minute: usize) -> Floods {
        Floods {
            posts: RateWindow::new(posts_per_minute, Duration::from_secs(60)),
            actions: RateWindow::new(actions_per_minute, Duration::from_secs(60)),
            reports: RateWindow::new(REPORTS_PER_HOUR, Duration::from_secs(3600)),
            trips: RateWindow::new(0, TRIP_WINDOW),
        }
    }
}

impl Camp {
    /// Refuses a post when its author is over the per-account post limit.
    pub(crate) fn check_post_rate(&self, account: &crate::model::Account) -> Result<()> {
        let floods = &self.inner.floods;
        if floods.posts.allow(&account.id, Instant::now()) {
            return Ok(());
        }
        self.note_flood(&format!("@{}", account.username), "the post rate limit")?;
        Err(Error::RateLimited(format!(
            "slow down: at most {} posts a minute here; try again in a minute",
            self.config().camp.posts_per_minute
        )))
    }

    /// Refuses a repeatable write (a favourite, boost, bookmark, follow, mute, block or
    /// their undoing, an edit, a link code, a profile or settings change) when `account`
    /// made too many this minute. Each of them costs an fsync, and some fan out to
    /// followers or notify someone: a loop over them must not cost the camp more.
    /// Callers check after validating, so a refused typo costs nothing.
    pub(crate) fn check_action_rate(&self, account: &crate::model::Account) -> Result<()> {
        if self.inner.floods.actions.allow(&account.id, Instant::now()) {
            return Ok(());
        }
        self.note_flood(&format!("@{}", account.username), "the action rate limit")?;
        Err(Error::RateLimited(format!(
            "slow down: at most {} changes a minute here; try again in a minute",
            self.config().camp.actions_per_minute
        )))
    }

    /// Refuses a report when its author filed too many this hour.
    pub(crate) fn check_report_rate(&self, account: &crate::model::Account) -> Result<()> {
        if self.inner.floods.reports.allow(&account.id, Instant::now()) {
            return Ok(());
        }
        self.note_flood(&format!("@{}", account.username), "the report rate limit")?;
        Err(Error::RateLimited(format!(
            "you filed {REPORTS_PER_HOUR} reports this hour; the moderators have them — try again later"
        )))
    }

    /// Counts a trip of a limit by `who`; on the [`TRIPS_NOTED_AT`]th within
    /// [`TRIP_WINDOW`], writes a note moderators see in the audit log.
    pub fn note_flood(&self, who: &str, limit: &str) -> Result<()> {
        let n = self
            .inner
            .floods
            .trips
            .record(&format!("{who}\0{limit}"), Instant::now());
        if n == TRIPS_NOTED_AT {
            self.audit(
                None,
                "flood",
                who.to_string(),
                &format!(
                    "hit {limit} {n} times in {} minutes",
                    TRIP_WINDOW.as_secs() / 60
                ),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_slide_and_refusals_do_not_count() {
        let w = RateWindow::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(w.allow(&1, t0));
        assert!(w.allow(&1, t0));
        assert!(!w.allow(&1, t0 + Duration::from_secs(1)));
        assert!(w.allow(&2, t0), "per key");
        assert!(w.allow(&1, t0 + Duration::from_secs(61)));
        let off = RateWindow::new(0, Duration::from_secs(60));
        assert!((0..100).all(|_| off.allow(&1, t0)));
    }
}
