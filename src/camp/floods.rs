//! Flood control: a sliding-window counter, the per-account post and action limits, and
//! a note in the audit log (for moderators) when someone keeps hitting a limit.

use std::collections::{BTreeMap, HashMap, VecDeque};
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
/// Most keys a window map holds. Beyond it the key whose last event is oldest is
/// dropped (one at a time, never all): a flood of distinct addresses can neither grow
/// memory without bound nor wipe the limits of everyone else.
const MAX_KEYS: usize = 100_000;

/// Counts events per key in a sliding window.
#[derive(Debug)]
pub struct RateWindow<K> {
    window: Duration,
    max: usize,
    max_keys: usize,
    hits: Mutex<Hits<K>>,
}

/// The keys' events, and the keys ordered by their latest event (for eviction).
#[derive(Debug)]
struct Hits<K> {
    by_key: HashMap<K, Events>,
    /// (latest event, tie-breaker) -> key; the first entry is the least recently seen.
    by_age: BTreeMap<(Instant, u64), K>,
    seq: u64,
}

#[derive(Debug)]
struct Events {
    times: VecDeque<Instant>,
    age: (Instant, u64),
}

impl<K: Hash + Eq + Clone> RateWindow<K> {
    /// At most `max` events per `window` per key (`max == 0` turns the limit off).
    pub fn new(max: usize, window: Duration) -> Self {
        Self::with_max_keys(max, window, MAX_KEYS)
    }

    /// Like [`RateWindow::new`], holding at most `max_keys` keys (at least one).
    pub fn with_max_keys(max: usize, window: Duration, max_keys: usize) -> Self {
        RateWindow {
            window,
            max,
            max_keys: max_keys.max(1),
            hits: Mutex::new(Hits {
                by_key: HashMap::new(),
                by_age: BTreeMap::new(),
                seq: 0,
            }),
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
        let mut guard = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        let hits = &mut *guard;
        hits.seq += 1;
        let age = (now, hits.seq);
        let events = match hits.by_key.get_mut(key) {
            Some(e) => {
                hits.by_age.remove(&e.age);
                e
            }
            None => {
                if hits.by_key.len() >= self.max_keys
                    && let Some((_, oldest)) = hits.by_age.pop_first()
                {
                    hits.by_key.remove(&oldest);
                }
                hits.by_key.entry(key.clone()).or_insert(Events {
                    times: VecDeque::new(),
                    age,
                })
            }
        };
        while events
            .times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            events.times.pop_front();
        }
        events.times.push_back(now);
        events.age = age;
        hits.by_age.insert(age, key.clone());
        events.times.len()
    }

    fn count(&self, key: &K, now: Instant) -> usize {
        let hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.by_key.get(key).map_or(0, |e| {
            e.times
                .iter()
                .filter(|t| now.saturating_duration_since(**t) < self.window)
                .count()
        })
    }

    /// Keys held now (for tests of the bound).
    pub fn keys(&self) -> usize {
        self.hits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .by_key
            .len()
    }
}

/// The camp's flood state (in memory: limits reset on restart, which is harmless).
#[derive(Debug)]
pub(crate) struct Floods {
    posts: RateWindow<Id>,
    /// Every other write a camper can repeat (see [`Camp::check_action_rate`]).
    actions: RateWindow<Id>,
    reports: RateWindow<Id>,
    /// Reports from each other server (by domain): one server can mint any number of
    /// actors, so the per-reporter limit alone would not hold its flood back.
    server_reports: RateWindow<String>,
    trips: RateWindow<String>,
}

impl Floods {
    pub(crate) fn new(posts_per_minute: usize, actions_per_minute: usize) -> Floods {
        Floods {
            posts: RateWindow::new(posts_per_minute, Duration::from_secs(60)),
            actions: RateWindow::new(actions_per_minute, Duration::from_secs(60)),
            reports: RateWindow::new(REPORTS_PER_HOUR, Duration::from_secs(3600)),
            server_reports: RateWindow::new(REPORTS_PER_HOUR, Duration::from_secs(3600)),
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

    /// False when the server `domain` sent [`REPORTS_PER_HOUR`] reports this hour (the
    /// report is then dropped, and moderators get a note when it keeps happening).
    pub(crate) fn allow_server_report(&self, domain: &str) -> Result<bool> {
        if self
            .inner
            .floods
            .server_reports
            .allow(&domain.to_string(), Instant::now())
        {
            return Ok(true);
        }
        self.note_flood(domain, "the report rate limit for a server")?;
        Ok(false)
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

    #[test]
    fn a_full_map_drops_the_least_recently_seen_key_never_all() {
        let w = RateWindow::with_max_keys(1, Duration::from_secs(60), 3);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert!(w.allow(&"busy", at(0)));
        assert!(w.allow(&"b", at(1)));
        assert!(w.allow(&"c", at(2)));
        // "busy" is refused (not counted), then a flood of new keys arrives.
        assert!(!w.allow(&"busy", at(3)));
        for (i, k) in ["d", "e", "f", "g"].iter().enumerate() {
            assert!(w.allow(k, at(4 + i as u64)));
            assert!(w.keys() <= 3, "bounded");
        }
        // The newest keys keep their limits: the map was not wiped.
        assert!(
            !w.allow(&"g", at(10)),
            "a fresh key's limit survives the flood"
        );
        assert!(!w.allow(&"f", at(10)));
        assert_eq!(w.keys(), 3);
        // A key touched recently outlives older ones.
        let w = RateWindow::with_max_keys(1, Duration::from_secs(60), 2);
        assert!(w.allow(&1, at(0)));
        assert!(w.allow(&2, at(1)));
        assert!(!w.allow(&1, at(2)));
        w.record(&1, at(3));
        assert!(w.allow(&3, at(4)), "evicts key 2, the least recently seen");
        assert!(!w.allow(&1, at(5)), "key 1 still limited");
    }
}
