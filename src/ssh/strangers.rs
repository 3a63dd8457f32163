//! The cap on strangers: connections that are not (yet) a member's. Any key passes
//! authentication and lands in onboarding, so a connection is a stranger from accept
//! until its key belongs to an account; then it leaves this roll for good.
//!
//! The threat is a flood of strangers (idle sockets, handshakes stalled on purpose,
//! throwaway keys without accounts) holding every slot so that campers cannot get in.
//! Nothing a stranger does is worth trusting as a sign of good faith: authenticating
//! costs nothing (any key passes) and neither does looking busy (SSH_MSG_IGNORE). What
//! a flood cannot fake cheaply is addresses. So when strangers are at `max_strangers`,
//! or the whole server is full, the stranger hung up to make room is the *oldest* one
//! from the address bucket (see `limits::bucket`) that holds the most strangers. The
//! newcomer counts in its own bucket: when that bucket holds the most, the newcomer is
//! refused instead, so a flood only ever pushes out its own connections, and a camper
//! from an address of its own is never the one to go while any address holds more.
//! Members are never hung up for anyone.
//!
//! A stranger's connection slot is held here, so a stranger hung up frees its slot at
//! once rather than when its task gets round to ending.

use std::collections::HashMap;
use std::net::IpAddr;
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
    bucket: IpAddr,
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

    /// True when the roll is at its cap: a newcomer needs [`Strangers::make_room`].
    pub fn is_full(&self) -> bool {
        self.roll().len() >= self.max
    }

    /// Takes connection `id` (ids grow with accept order) from address bucket `bucket`
    /// onto the roll with its slot. Call [`Strangers::make_room`] first when full.
    pub fn admit(&self, id: u64, bucket: IpAddr, slot: Slot, hangup: Hangup) {
        self.roll().insert(
            id,
            Stranger {
                hangup,
                bucket,
                slot,
            },
        );
    }

    /// Makes room for a newcomer from `bucket` by hanging up the oldest stranger of the
    /// bucket holding the most strangers, the newcomer counted in its own. False, with
    /// nobody hung up, when there is no stranger or the newcomer's own bucket holds the
    /// most (then the newcomer is the one to refuse).
    pub fn make_room(&self, bucket: IpAddr) -> bool {
        let mut roll = self.roll();
        // Per bucket: how many strangers, and the oldest of them (the smallest id).
        let mut buckets: HashMap<IpAddr, (usize, u64)> = HashMap::new();
        for (&id, s) in roll.iter() {
            let b = buckets.entry(s.bucket).or_insert((0, id));
            b.0 += 1;
            b.1 = b.1.min(id);
        }
        // The newcomer is the newest connection of all, so it never wins a tie on age.
        buckets.entry(bucket).or_insert((0, u64::MAX)).0 += 1;
        let largest = buckets
            .iter()
            .max_by(|(_, (n1, old1)), (_, (n2, old2))| n1.cmp(n2).then(old2.cmp(old1)))
            .map(|(b, (_, oldest))| (*b, *oldest));
        let Some((victim_bucket, victim)) = largest else {
            return false;
        };
        if victim_bucket == bucket {
            return false;
        }
        match roll.remove(&victim) {
            Some(s) => {
                tracing::debug!(bucket = %s.bucket, "stranger hung up to make room");
                s.hangup.hang_up();
                // Dropping the stranger frees its slot now.
                true
            }
            None => false,
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

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Admits connection `id` from `from` the way the accept loop does; its hang-up
    /// switch, or `None` when it was refused.
    fn arrive(l: &Arc<Limiter>, s: &Strangers, id: u64, from: &str) -> Option<Hangup> {
        let bucket = l.bucket(ip(from));
        if s.is_full() && !s.make_room(bucket) {
            return None;
        }
        let slot = l.acquire(ip(from)).unwrap();
        let (_, hangup) = track(());
        s.admit(id, bucket, slot, hangup.clone());
        Some(hangup)
    }

    #[test]
    fn the_oldest_stranger_of_the_busiest_address_makes_room_and_members_never_do() {
        let l = Limiter::new(100, 100, 0, 64);
        let s = Strangers::new(3);
        let a1 = arrive(&l, &s, 1, "127.0.0.1").unwrap();
        let b1 = arrive(&l, &s, 2, "127.0.0.2").unwrap();
        let b2 = arrive(&l, &s, 3, "127.0.0.2").unwrap();
        // Full: the newcomer from .3 pushes out .2's oldest, not the older .1.
        let c1 = arrive(&l, &s, 4, "127.0.0.3").unwrap();
        assert!(b1.is_hung_up());
        assert!(!a1.is_hung_up() && !b2.is_hung_up() && !c1.is_hung_up());
        assert_eq!((s.count(), l.open()), (3, 3), "the slot was freed at once");
        // All buckets hold one: a tie goes to the bucket with the oldest stranger.
        let d1 = arrive(&l, &s, 5, "127.0.0.4").unwrap();
        assert!(a1.is_hung_up() && !b2.is_hung_up() && !c1.is_hung_up());
        // A newcomer whose own address would hold the most is refused instead.
        assert!(arrive(&l, &s, 6, "127.0.0.4").is_none());
        assert!(!d1.is_hung_up() && !b2.is_hung_up() && !c1.is_hung_up());
        // A member leaves the roll and is never chosen.
        let member = s.promote(5).expect("still connected");
        assert!(s.make_room(ip("127.0.0.9")), "room made from a stranger");
        assert!(b2.is_hung_up());
        assert!(s.make_room(ip("127.0.0.9")));
        assert!(c1.is_hung_up() && !d1.is_hung_up());
        assert!(!s.make_room(ip("127.0.0.9")), "no strangers left");
        assert_eq!(l.open(), 1);
        drop(member);
        assert_eq!(l.open(), 0);
    }

    /// Review finding: with eviction by (authenticated, last active), a flood of
    /// authenticated throwaway keys from a few addresses made every newcomer evict
    /// whoever was mid-handshake, which is a camper logging in.
    #[test]
    fn a_flood_from_few_addresses_never_pushes_out_a_camper() {
        let l = Limiter::new(1000, 1000, 0, 64);
        let s = Strangers::new(100);
        let mut id = 0;
        let mut flood = Vec::new();
        for i in 0..100 {
            id += 1;
            let from = format!("10.0.0.{}", i % 4);
            flood.push(arrive(&l, &s, id, &from).unwrap());
        }
        // A camper starts its handshake; the flood keeps connecting from its addresses.
        id += 1;
        let camper = arrive(&l, &s, id, "192.0.2.7").expect("the camper gets in");
        for i in 0..400 {
            id += 1;
            let from = format!("10.0.0.{}", i % 4);
            let _ = arrive(&l, &s, id, &from);
            assert!(!camper.is_hung_up(), "the camper was pushed out at try {i}");
        }
        // Even a flood from many fresh addresses takes the flood's own first.
        for i in 0..50 {
            id += 1;
            let _ = arrive(&l, &s, id, &format!("10.1.0.{i}"));
            assert!(!camper.is_hung_up(), "pushed out by a fresh address {i}");
        }
        assert!(s.count() <= 100);
    }
}
