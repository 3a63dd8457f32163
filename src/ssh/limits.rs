//! Connection caps: a global one, one per IP address, and a rate of new connections
//! per IP address. A slot is a guard that frees itself when the connection ends,
//! however it ends.

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
    /// `per_ip_per_minute` new ones from one address a minute (0: no rate limit).
    pub fn new(max_total: usize, max_per_ip: usize, per_ip_per_minute: usize) -> Arc<Limiter> {
        Arc::new(Limiter {
            max_total,
            max_per_ip,
            state: Mutex::new(State::default()),
            rate: RateWindow::new(per_ip_per_minute, Duration::from_secs(60)),
        })
    }

    /// Takes a slot for a connection from `ip`, or says why not.
    pub fn acquire(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refusal> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.total >= self.max_total {
            return Err(Refusal::Full);
        }
        let n = s.per_ip.entry(ip).or_default();
        if *n >= self.max_per_ip {
            return Err(Refusal::TooManyFromIp);
        }
        if !self.rate.allow(&ip, Instant::now()) {
            if *n == 0 {
                s.per_ip.remove(&ip);
            }
            return Err(Refusal::TooFast);
        }
        *n += 1;
        s.total += 1;
        Ok(Slot {
            limiter: self.clone(),
            ip,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).total
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
        let l = Limiter::new(3, 2, 0);
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
mod rate_tests {
    use super::*;

    #[test]
    fn new_connections_per_address_are_rate_limited() {
        let l = Limiter::new(100, 100, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        drop(l.acquire(a).unwrap());
        drop(l.acquire(a).unwrap());
        assert_eq!(l.acquire(a).unwrap_err(), Refusal::TooFast);
        let _other = l.acquire(b).expect("other addresses are unaffected");
        assert_eq!(l.open(), 1);
    }
}
