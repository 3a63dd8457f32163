//! Presence, opt-in: who is connected right now, and how long since they last typed.
//!
//! Policy:
//! - Off for everyone until they turn it on (`presence on`, or Settings); the choice is
//!   the setting `presence/{account}` (not a field of the preferences record, so older
//!   records keep decoding), removed with the account.
//! - Only campers here ask ([`Camp::who`]). Nothing here is written to the outbox or read
//!   by an HTTP face: presence never leaves the camp.
//! - Suspended campers are never listed. Neither is anyone the reader blocked or muted,
//!   nor anyone who blocked the reader (as Mastodon hides them everywhere): a block or a
//!   mute also hides when you are around.
//! - Idle time runs from the last key or command in any of the camper's sessions, not
//!   from when a session connected.
//!
//! Who is connected lives in memory only, as counts held by [`PresenceGuard`]s: every
//! terminal session (SSH, the browser terminal, the line mode) holds one, and dropping
//! it (however the session ended: quit, a dropped connection, a panic) takes it back,
//! so a count cannot outlive its session.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::camp::{Author, Camp};
use crate::error::Result;
use crate::model::{Id, Millis};

/// Most campers `who` lists.
pub const WHO_CAP: usize = 500;

/// The flag's setting name (see [`Camp::flag`]).
const FLAG: &str = "presence";

/// One connected account: its open sessions and its latest activity.
#[derive(Debug)]
struct Entry {
    sessions: usize,
    last_active: Arc<AtomicU64>,
}

/// The connected accounts of one running camp.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    live: Mutex<HashMap<Id, Entry>>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<Id, Entry>> {
        // A panic elsewhere while holding the lock leaves counts that are still right.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn open(&self, account: Id) -> Arc<AtomicU64> {
        let mut live = self.lock();
        let e = live.entry(account).or_insert_with(|| Entry {
            sessions: 0,
            last_active: Arc::new(AtomicU64::new(crate::clock::now_ms())),
        });
        e.sessions += 1;
        e.last_active.clone()
    }

    fn close(&self, account: Id) {
        let mut live = self.lock();
        if let Some(e) = live.get_mut(&account) {
            e.sessions = e.sessions.saturating_sub(1);
            if e.sessions == 0 {
                live.remove(&account);
            }
        }
    }

    fn touch(&self, account: Id) {
        if let Some(e) = self.lock().get(&account) {
            e.last_active
                .fetch_max(crate::clock::now_ms(), Ordering::Relaxed);
        }
    }

    /// (account, sessions, last active) for everyone connected.
    fn snapshot(&self) -> Vec<(Id, usize, Millis)> {
        self.lock()
            .iter()
            .map(|(id, e)| (*id, e.sessions, e.last_active.load(Ordering::Relaxed)))
            .collect()
    }
}

/// Counts one session of an account as connected for as long as it is held.
pub struct PresenceGuard {
    camp: Camp,
    account: Id,
    last_active: Arc<AtomicU64>,
}

impl PresenceGuard {
    /// The account it counts.
    pub fn account(&self) -> Id {
        self.account
    }

    /// The camper pressed a key or ran a command: no longer idle.
    pub fn active(&self) {
        self.last_active
            .fetch_max(crate::clock::now_ms(), Ordering::Relaxed);
    }
}

impl std::fmt::Debug for PresenceGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PresenceGuard").field(&self.account).finish()
    }
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        self.camp.inner.presence.close(self.account);
    }
}

/// A session's place in the presence registry: empty while nobody is logged in (a
/// stranger onboarding), filled once an account is known.
#[derive(Debug, Default)]
pub struct PresenceSlot(Option<PresenceGuard>);

impl PresenceSlot {
    /// The session is (still) logged in as `account`: counted from now on. Connecting
    /// is not activity when another session of the account is already counted.
    pub fn connected(&mut self, camp: &Camp, account: Option<Id>) {
        if self.0.as_ref().map(PresenceGuard::account) != account {
            self.0 = account.map(|a| camp.presence_opened(a));
        }
    }

    /// The session's camper typed something.
    pub fn active(&mut self, camp: &Camp, account: Option<Id>) {
        self.connected(camp, account);
        if let Some(g) = &self.0 {
            g.active();
        }
    }
}

/// Someone connected who chose to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    /// Who.
    pub author: Author,
    /// Milliseconds since their last key or command in any session.
    pub idle_ms: Millis,
}

impl Camp {
    /// Counts a session of `account` as connected until the guard is dropped.
    pub fn presence_opened(&self, account: Id) -> PresenceGuard {
        let last_active = self.inner.presence.open(account);
        PresenceGuard {
            camp: self.clone(),
            account,
            last_active,
        }
    }

    /// `account` ran a command (exec): activity, if it has a session connected.
    pub fn presence_touch(&self, account: Id) {
        self.inner.presence.touch(account);
    }

    /// Whether `account` chose to be shown by `who`.
    pub fn presence(&self, account: Id) -> Result<bool> {
        self.flag(FLAG, account)
    }

    /// Turns `by`'s presence on or off (a settings change: rate limited).
    pub fn set_presence(&self, by: Id, on: bool) -> Result<()> {
        self.set_flag(FLAG, by, on)
    }

    /// Campers connected now who chose to be shown, least idle first, as `viewer` may
    /// see them (see the module's policy).
    pub fn who(&self, viewer: Id) -> Result<Vec<Present>> {
        let me = self.actor(viewer)?;
        let now = crate::clock::now_ms();
        let mut out = Vec::new();
        for (id, _sessions, last) in self.inner.presence.snapshot() {
            let Some(a) = self.store().account(id)? else {
                continue;
            };
            if a.suspended || a.is_remote() || !self.presence(id)? {
                continue;
            }
            // A silenced camper is kept off the camp timeline; `who` must not
            // advertise them either, except to those who follow them.
            if a.silenced && id != me.id && !self.store().follows(me.id, id)? {
                continue;
            }
            if id != me.id
                && (self.store().blocks(me.id, id)?
                    || self.store().blocks(id, me.id)?
                    || self.muted_or_hidden(me.id, id)?)
            {
                continue;
            }
            out.push(Present {
                author: Author {
                    id: a.id,
                    username: a.username,
                    display_name: a.display_name,
                },
                idle_ms: now.saturating_sub(last),
            });
        }
        out.sort_by(|a, b| (a.idle_ms, &a.author.username).cmp(&(b.idle_ms, &b.author.username)));
        out.truncate(WHO_CAP);
        Ok(out)
    }
}

/// "active" under a minute, else "idle 5m" (the compact ages of timelines).
pub fn idle_label(idle_ms: Millis) -> String {
    if idle_ms < 60_000 {
        "active".into()
    } else {
        format!("idle {}", crate::text::relative_time(idle_ms, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(camp: &Camp, viewer: Id) -> Vec<String> {
        camp.who(viewer)
            .unwrap()
            .into_iter()
            .map(|p| p.author.username)
            .collect()
    }

    #[test]
    fn only_connected_campers_who_chose_it_are_listed_and_a_dropped_session_leaves() {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo", "cy"]);
        let (ana, bo, cy) = (ids[0], ids[1], ids[2]);
        assert!(!camp.presence(ana).unwrap(), "off by default");
        let a1 = camp.presence_opened(ana);
        let _b = camp.presence_opened(bo);
        assert!(names(&camp, cy).is_empty(), "nobody chose it yet");
        camp.set_presence(ana, true).unwrap();
        assert_eq!(names(&camp, cy), ["ana"], "bo did not choose it");
        // Two sessions: one closing leaves ana listed; the second takes her off.
        let a2 = camp.presence_opened(ana);
        drop(a1);
        assert_eq!(names(&camp, cy), ["ana"]);
        // A session task that panics drops its guard while unwinding.
        let moved = std::thread::spawn(move || {
            let _held = a2;
            panic!("session task died");
        });
        assert!(moved.join().is_err());
        assert!(names(&camp, cy).is_empty());
        assert!(
            camp.inner
                .presence
                .snapshot()
                .iter()
                .all(|(id, ..)| *id != ana)
        );
    }

    #[test]
    fn blocks_mutes_and_suspensions_hide_presence() {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo", "cy", "dee", "eve"]);
        let (ana, bo, cy, dee, eve) = (ids[0], ids[1], ids[2], ids[3], ids[4]);
        let _g: Vec<_> = ids.iter().map(|id| camp.presence_opened(*id)).collect();
        for id in &ids {
            camp.set_presence(*id, true).unwrap();
        }
        camp.block(bo, "cy").unwrap();
        camp.mute(dee, "eve", None).unwrap();
        let mut everyone = names(&camp, ana);
        everyone.sort();
        assert_eq!(everyone, ["ana", "bo", "cy", "dee", "eve"]);
        assert!(
            !names(&camp, bo).contains(&"cy".to_string()),
            "bo blocked cy"
        );
        assert!(
            !names(&camp, cy).contains(&"bo".to_string()),
            "bo blocked cy"
        );
        assert!(
            !names(&camp, dee).contains(&"eve".to_string()),
            "dee muted eve"
        );
        assert!(
            names(&camp, eve).contains(&"dee".to_string()),
            "a mute is one way"
        );
        camp.act_on_account(
            ana,
            "eve",
            crate::camp::AccountAction::Suspend(true),
            "spam",
        )
        .unwrap();
        assert!(!names(&camp, ana).contains(&"eve".to_string()), "suspended");
    }

    #[test]
    fn a_deleted_camper_leaves_no_presence_behind() {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo"]);
        let bo = ids[1];
        camp.set_presence(bo, true).unwrap();
        let _still_connected = camp.presence_opened(bo);
        camp.delete_account(bo, "bo", "bo").unwrap();
        assert!(
            !camp.presence(bo).unwrap(),
            "the setting went with the account"
        );
        assert!(camp.who(ids[0]).unwrap().is_empty());
    }

    #[test]
    fn idle_counts_from_the_last_key_in_any_session_not_from_connecting() {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo"]);
        let ana = ids[0];
        camp.set_presence(ana, true).unwrap();
        let first = camp.presence_opened(ana);
        // Pretend the last key was ten minutes ago.
        let ten_ago = crate::clock::now_ms() - 600_000;
        first.last_active.store(ten_ago, Ordering::Relaxed);
        let _second = camp.presence_opened(ana);
        let idle = camp.who(ids[1]).unwrap()[0].idle_ms;
        assert!(idle >= 600_000, "a new session is not activity: {idle}");
        camp.presence_touch(ana);
        let idle = camp.who(ids[1]).unwrap()[0].idle_ms;
        assert!(idle < 600_000, "a command is: {idle}");
        assert_eq!(idle_label(30_000), "active");
        assert_eq!(idle_label(600_000), "idle 10m");
    }
}
