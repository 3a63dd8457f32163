//! Fetch slots: at most a few outgoing fetches per remote host, and a fixed number in
//! all, at any moment.
//!
//! Anyone can make camp fetch: an unsigned-by-anyone-known inbox POST names a keyId
//! and camp goes to get it. Without a cap, a flood of such POSTs becomes a flood of
//! outgoing requests (and of open sockets and tasks waiting on slow servers). A
//! request that cannot get a slot within [`SLOT_WAIT`] fails instead of queueing
//! forever; the inbox answers it with an error and the sender may retry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Fetches in flight to one host at most.
pub const PER_HOST: usize = 4;
/// Fetches in flight in all at most.
pub const GLOBAL: usize = 32;
/// How long a fetch waits for a slot before it gives up.
pub const SLOT_WAIT: Duration = Duration::from_secs(10);
/// Hosts remembered before idle ones are forgotten.
const MAX_HOSTS: usize = 1024;

/// The permits one fetch holds; dropping it frees both slots.
pub struct Slot {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

/// Per-host and global fetch slots.
pub struct Slots {
    per_host: usize,
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Default for Slots {
    fn default() -> Self {
        Slots::new(PER_HOST, GLOBAL)
    }
}

impl Slots {
    /// Slots with the given caps.
    pub fn new(per_host: usize, global: usize) -> Slots {
        Slots {
            per_host,
            global: Arc::new(Semaphore::new(global)),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn host(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().expect("fetch slots");
        if let Some(s) = hosts.get(host) {
            return s.clone();
        }
        if hosts.len() >= MAX_HOSTS {
            // Forget hosts nobody is fetching from now (their semaphore is only held
            // by the map); busy hosts keep their count.
            hosts.retain(|_, s| Arc::strong_count(s) > 1);
        }
        let s = Arc::new(Semaphore::new(self.per_host));
        if hosts.len() < MAX_HOSTS {
            hosts.insert(host.to_string(), s.clone());
        }
        s
    }

    /// Waits (at most `wait`) for a slot to `host` and a global one; None when none
    /// came free in time.
    pub async fn acquire(&self, host: &str, wait: Duration) -> Option<Slot> {
        let per_host = self.host(host);
        tokio::time::timeout(wait, async {
            // The host slot first: a busy host waits on itself without holding one
            // of the global slots other hosts need.
            let host = per_host.acquire_owned().await.ok()?;
            let global = self.global.clone().acquire_owned().await.ok()?;
            Some(Slot {
                _host: host,
                _global: global,
            })
        })
        .await
        .ok()
        .flatten()
    }

    /// Slots to `host` in use now (for tests and logs).
    pub fn in_use(&self, host: &str) -> usize {
        let hosts = self.hosts.lock().expect("fetch slots");
        hosts
            .get(host)
            .map(|s| self.per_host - s.available_permits())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_host_gets_its_share_and_no_more() {
        let slots = Slots::new(2, 3);
        let wait = Duration::from_millis(50);
        let a1 = slots.acquire("a.example", wait).await.unwrap();
        let _a2 = slots.acquire("a.example", wait).await.unwrap();
        assert!(slots.acquire("a.example", wait).await.is_none());
        assert_eq!(slots.in_use("a.example"), 2);
        // Another host still gets the last global slot, and then the cap is reached.
        let _b1 = slots.acquire("b.example", wait).await.unwrap();
        assert!(slots.acquire("c.example", wait).await.is_none());
        drop(a1);
        assert!(slots.acquire("c.example", wait).await.is_some());
    }
}
