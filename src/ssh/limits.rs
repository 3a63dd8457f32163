//! Connection caps: a global one, one per address, and a rate of new connections per
//! address. A slot is a guard that frees itself when the connection ends, however it
//! ends.
//!
//! "Address" means a bucket ([`bucket`]): an IPv4 address, or an IPv6 network of
//! `ipv6_prefix` bits. One IPv6 host is routinely given a whole /64, so counting full
//! IPv6 addresses would let one host fill the global cap alone.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::camp::RateWindow;

/// Counts open connections.
#[derive(Debug)]
pub struct Limiter {
    max_total: usize,
    max_per_ip: usize,
    ipv6_prefix: u8,
    state: Mutex<State>,
    rate: RateWindow<IpAddr>,
}

#[derive(Debug, Default)]
struct State {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server is full.
    Full,
    /// That address has too many connections open.
    TooManyFromIp,
    /// That address opened too many connections in the last minute.
    TooFast,
}

/// One open connection's slot.
#[derive(Debug)]
pub struct Slot {
    limiter: Arc<Limiter>,
    ip: IpAddr,
}

impl Limiter {
    /// Caps of `max_total` connections and `max_per_ip` from one address, and at most
    /// `per_ip_per_minute` new ones from one address a minute (0: no rate limit); IPv6
    /// addresses are counted by their first `ipv6_prefix` bits.
    pub fn new(
        max_total: usize,
        max_per_ip: usize,
        per_ip_per_minute: usize,
        ipv6_prefix: u8,
    ) -> Arc<Limiter> {
        Arc::new(Limiter {
            max_total,
            max_per_ip,
            ipv6_prefix,
            state: Mutex::new(State::default()),
            rate: RateWindow::new(per_ip_per_minute, Duration::from_secs(60)),
        })
    }

    /// Takes a slot for a connection from `ip`, or says why not. The address's own cap
    /// and rate are checked (and the rate charged) before the global cap: an address
    /// over its share gets `TooManyFromIp`/`TooFast` even when the server is full, so it
    /// can never reach the eviction that `Full` leads to. After `Full`, once room was
    /// made, [`Limiter::retry`] takes the slot without charging the rate again.
    pub fn acquire(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refusal> {
        self.take(ip, true)
    }

    /// Takes a slot for `ip` after [`Limiter::acquire`] said `Full` and room was made:
    /// the same checks, but the rate was already charged for this connection.
    pub fn retry(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refusal> {
        self.take(ip, false)
    }

    fn take(self: &Arc<Self>, ip: IpAddr, charge: bool) -> Result<Slot, Refusal> {
        let ip = bucket(ip, self.ipv6_prefix);
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let n = s.per_ip.get(&ip).copied().unwrap_or(0);
        if n >= self.max_per_ip {
            return Err(Refusal::TooManyFromIp);
        }
        if charge && !self.rate.allow(&ip, Instant::now()) {
            return Err(Refusal::TooFast);
        }
        if s.total >= self.max_total {
            return Err(Refusal::Full);
        }
        *s.per_ip.entry(ip).or_default() += 1;
        s.total += 1;
        Ok(Slot {
            limiter: self.clone(),
            ip,
        })
    }

    /// The bucket `ip` is counted in.
    pub fn bucket(&self, ip: IpAddr) -> IpAddr {
        bucket(ip, self.ipv6_prefix)
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

/// The bucket an address is counted in: IPv4 addresses (also IPv4-mapped IPv6 ones)
/// as they are, IPv6 addresses with all but the first `ipv6_prefix` bits cleared.
pub fn bucket(ip: IpAddr, ipv6_prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let keep = u32::from(ipv6_prefix.min(128));
                let mask = u128::MAX.checked_shl(128 - keep).unwrap_or(0);
                IpAddr::V6((u128::from(v6) & mask).into())
            }
        },
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut s = self.limiter.state.lock().unwrap_or_else(|p| p.into_inner());
        s.total -= 1;
        if let Some(n) = s.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                s.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_apply_and_slots_free_on_drop() {
        let l = Limiter::new(3, 2, 0, 64);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let s1 = l.acquire(a).unwrap();
        let _s2 = l.acquire(a).unwrap();
        assert_eq!(l.acquire(a).unwrap_err(), Refusal::TooManyFromIp);
        let _s3 = l.acquire(b).unwrap();
        assert_eq!(l.acquire(b).unwrap_err(), Refusal::Full);
        drop(s1);
        assert_eq!(l.open(), 2);
        assert!(l.acquire(a).is_ok());
    }
}

#[cfg(test)]
mod full_tests {
    use super::*;

    /// Review finding: `Full` came before the per-address checks, so an address at its
    /// cap (or over its rate) got `Full`, and `Full` makes a stranger room.
    #[test]
    fn a_full_server_still_applies_the_address_cap_and_rate_first() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let l = Limiter::new(2, 1, 0, 64);
        let _a = l.acquire(ip("10.0.0.1")).unwrap();
        let _b = l.acquire(ip("10.0.0.2")).unwrap();
        assert_eq!(
            l.acquire(ip("10.0.0.1")).unwrap_err(),
            Refusal::TooManyFromIp
        );
        assert_eq!(l.acquire(ip("10.0.0.3")).unwrap_err(), Refusal::Full);

        // The rate is charged even when the answer is `Full`; `retry` does not charge
        // it a second time.
        let l = Limiter::new(1, 10, 2, 64);
        let held = l.acquire(ip("10.0.0.9")).unwrap();
        assert_eq!(l.acquire(ip("10.0.0.1")).unwrap_err(), Refusal::Full);
        drop(held);
        let again = l.retry(ip("10.0.0.1")).expect("room was made");
        drop(again);
        let _last = l.acquire(ip("10.0.0.1")).expect("second of two a minute");
        assert_eq!(l.acquire(ip("10.0.0.1")).unwrap_err(), Refusal::TooFast);
    }
}

#[cfg(test)]
mod rate_tests {
    use super::*;

    #[test]
    fn new_connections_per_address_are_rate_limited() {
        let l = Limiter::new(100, 100, 2, 64);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        drop(l.acquire(a).unwrap());
        drop(l.acquire(a).unwrap());
        assert_eq!(l.acquire(a).unwrap_err(), Refusal::TooFast);
        let _other = l.acquire(b).expect("other addresses are unaffected");
        assert_eq!(l.open(), 1);
    }
}

#[cfg(test)]
mod ipv6_tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_prefix() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1"), 64), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1"), 48), ip("2001:db8:1::"));
        assert_eq!(bucket(ip("2001:db8::1"), 128), ip("2001:db8::1"));
        assert_eq!(bucket(ip("::ffff:10.1.2.3"), 64), ip("10.1.2.3"));
        assert_eq!(bucket(ip("10.1.2.3"), 64), ip("10.1.2.3"));

        // One /64 hits the per-address cap, however many addresses it uses.
        let l = Limiter::new(100, 2, 0, 64);
        let _a = l.acquire(ip("2001:db8:0:1::1")).unwrap();
        let _b = l.acquire(ip("2001:db8:0:1::2")).unwrap();
        assert_eq!(
            l.acquire(ip("2001:db8:0:1:ffff::3")).unwrap_err(),
            Refusal::TooManyFromIp
        );
        let _c = l.acquire(ip("2001:db8:0:2::1")).expect("another /64");

        // And the per-minute rate counts the /64 as one address.
        let l = Limiter::new(100, 100, 2, 64);
        drop(l.acquire(ip("2001:db8::1")).unwrap());
        drop(l.acquire(ip("2001:db8::2")).unwrap());
        assert_eq!(l.acquire(ip("2001:db8::3")).unwrap_err(), Refusal::TooFast);
    }
}
