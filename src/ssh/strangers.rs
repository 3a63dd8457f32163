//! The cap on strangers: connections that are not (yet) a member's. Any key passes
//! authentication and lands in onboarding, so a connection is a stranger from accept
//! until its key belongs to an account; then it leaves this roll for good.
//!
//! The threat is a flood of strangers (idle sockets, handshakes stalled on purpose,
//! keys without accounts) holding every slot so that campers cannot get in. So room
//! is never refused to a newcomer for a stranger's sake: when strangers are at
//! `max_strangers`, or the whole server is full, the least recently active stranger
//! is hung up to make room, those still in the handshake before those already
//! authenticated. Members are never hung up for anyone. A camper's own connection is
//! a stranger for the few milliseconds of its handshake, and under a flood it is the
//! *most* recently active one, so it is the last to go; the per-address caps and
//! rates (`limits`) bound how fast a flood can push it out, and the login grace time
//! (`grace`) bounds how long any stranger can sit in the handshake at all.
//!
//! A stranger's connection slot is held here, so a stranger hung up frees its slot at
//! once rather than when its task gets round to ending.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::ssh::hangup::Hangup;
use crate::ssh::limits::Slot;

/// The roll of strangers and their cap.
#[derive(Debug)]
pub struct Strangers {
    max: usize,
    roll: Mutex<HashMap<u64, Stranger>>,
}

#[derive(Debug)]
struct Stranger {
    hangup: Hangup,
    authenticated: bool,
    slot: Slot,
}

impl Strangers {
    /// At most `max` strangers at once (at least one).
    pub fn new(max: usize) -> Arc<Strangers> {
        Arc::new(Strangers {
            max: max.max(1),
            roll: Mutex::new(HashMap::new()),
        })
    }

    fn roll(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Stranger>> {
        self.roll.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Strangers connected now.
    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.roll().len()
    }

    /// Takes connection `id` onto the roll with its slot, first hanging up the least
    /// active stranger when the roll is full.
    pub fn admit(&self, id: u64, slot: Slot, hangup: Hangup) {
        let mut roll = self.roll();
        if roll.len() >= self.max {
            Self::evict_one(&mut roll);
        }
        roll.insert(
            id,
            Stranger {
                hangup,
                authenticated: false,
                slot,
            },
        );
    }

    /// Hangs up the least recently active stranger (one still in the handshake if
    /// any) to make room for a newcomer; false when there is no stranger.
    pub fn make_room(&self) -> bool {
        Self::evict_one(&mut self.roll())
    }

    fn evict_one(roll: &mut HashMap<u64, Stranger>) -> bool {
        let victim = roll
            .iter()
            .min_by_key(|(_, s)| (s.authenticated, s.hangup.last_active()))
            .map(|(id, _)| *id);
        match victim.and_then(|id| roll.remove(&id)) {
            Some(s) => {
                tracing::debug!(
                    authenticated = s.authenticated,
                    "stranger hung up to make room"
                );
                s.hangup.hang_up();
                // Dropping the stranger frees its slot now.
                true
            }
            None => false,
        }
    }

    /// Connection `id` authenticated (with a key that may or may not be a member's).
    pub fn authenticated(&self, id: u64) {
        if let Some(s) = self.roll().get_mut(&id) {
            s.authenticated = true;
        }
    }

    /// Connection `id` turned out to be a member's: it leaves the roll and gets its
    /// slot back (`None` when it was hung up meanwhile).
    pub fn promote(&self, id: u64) -> Option<Slot> {
        self.roll().remove(&id).map(|s| s.slot)
    }

    /// Connection `id` ended; frees its slot if it was still a stranger.
    pub fn leave(&self, id: u64) {
        self.roll().remove(&id);
    }

    /// Hangs up every stranger (at shutdown).
    pub fn hang_up_all(&self) {
        for (_, s) in self.roll().drain() {
            s.hangup.hang_up();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::hangup::track;
    use crate::ssh::limits::Limiter;

    fn conn(l: &Arc<Limiter>, ip: &str) -> (Slot, Hangup) {
        let slot = l.acquire(ip.parse().unwrap()).unwrap();
        let (_, hangup) = track(());
        (slot, hangup)
    }

    #[test]
    fn the_least_active_stranger_makes_room_and_members_never_do() {
        let l = Limiter::new(100, 100, 0, 64);
        let s = Strangers::new(2);
        let (slot, first) = conn(&l, "127.0.0.1");
        s.admit(1, slot, first.clone());
        let (slot, second) = conn(&l, "127.0.0.2");
        s.admit(2, slot, second.clone());
        s.authenticated(1);
        // Full: a newcomer pushes out the stranger still in the handshake (2), even
        // though it came later than the authenticated one (1).
        let (slot, third) = conn(&l, "127.0.0.3");
        s.admit(3, slot, third.clone());
        assert!(second.is_hung_up());
        assert!(!first.is_hung_up() && !third.is_hung_up());
        assert_eq!((s.count(), l.open()), (2, 2), "the slot was freed at once");
        // A member leaves the roll and is never chosen.
        let member = s.promote(3).expect("still connected");
        assert!(s.make_room(), "room made from the remaining stranger");
        assert!(first.is_hung_up());
        assert!(!third.is_hung_up());
        assert!(!s.make_room(), "no strangers left; the member stays");
        assert_eq!(l.open(), 1);
        drop(member);
        assert_eq!(l.open(), 0);
    }
}
