//! The figures `status` and `/metrics` report about the camp itself: uptime, sessions
//! open, campers, posts, database size, last backup. The bridge's own figures (delivery
//! queue, failing hosts) are added by the face that reports them, since the service does
//! not reach into the bridge.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::Camp;
use crate::error::Result;
use crate::model::Millis;
use crate::store::now_ms;

/// Live counters of one running camp: when it started, how many sessions are open.
#[derive(Debug)]
pub struct Gauges {
    started: Instant,
    sessions: Arc<AtomicUsize>,
}

impl Default for Gauges {
    fn default() -> Self {
        Gauges {
            started: Instant::now(),
            sessions: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// Counts one open session for as long as it is held.
#[derive(Debug)]
pub struct SessionGuard(Arc<AtomicUsize>);

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The camp's own figures at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampFigures {
    /// `CARGO_PKG_VERSION`.
    pub version: &'static str,
    /// Seconds since this process opened the camp.
    pub uptime_secs: u64,
    /// SSH session channels open (screens and commands).
    pub sessions_open: usize,
    /// Accounts of people here (not stand-ins of remote accounts).
    pub campers: usize,
    /// Posts written since midnight UTC.
    pub posts_today: usize,
    /// Posts stored.
    pub posts_total: usize,
    /// Bytes the database takes on disk.
    pub db_bytes: u64,
    /// When the last backup finished, if one ever did.
    pub last_backup_ms: Option<Millis>,
}

impl Camp {
    /// Counts a session until the guard is dropped (the SSH layer holds one per channel).
    pub fn session_opened(&self) -> SessionGuard {
        let s = self.gauges().sessions.clone();
        s.fetch_add(1, Ordering::Relaxed);
        SessionGuard(s)
    }

    /// The camp's figures (moderators only: they show how busy people are).
    pub fn figures(&self, by: crate::model::Id) -> Result<CampFigures> {
        self.moderator(by)?;
        self.figures_unchecked()
    }

    /// The figures for `/metrics`, whose bearer token is the permission.
    pub fn figures_unchecked(&self) -> Result<CampFigures> {
        let now = now_ms();
        let midnight = now - now % 86_400_000;
        let campers = self
            .store()
            .accounts()?
            .iter()
            .filter(|a| !a.is_remote())
            .count();
        Ok(CampFigures {
            version: env!("CARGO_PKG_VERSION"),
            uptime_secs: self.gauges().started.elapsed().as_secs(),
            sessions_open: self.gauges().sessions.load(Ordering::Relaxed),
            campers,
            posts_today: self.store().posts_since(midnight),
            posts_total: self.store().post_count(),
            db_bytes: self.store().size_on_disk()?,
            last_backup_ms: self.last_backup()?,
        })
    }
}
