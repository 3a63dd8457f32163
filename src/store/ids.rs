//! Time-ordered id generation: `milliseconds << 16 | sequence`, strictly increasing
//! within a process and never below any id already stored (clocks can step back).

use std::sync::atomic::{AtomicU64, Ordering};
// The clock moved to `crate::clock`; this path stays for now.
pub use crate::clock::now_ms;

/// Hands out unique, increasing ids.
#[derive(Debug)]
pub struct IdGen {
    last: AtomicU64,
}

impl IdGen {
    /// Starts above `floor`, the largest id already in the database.
    pub fn new(floor: u64) -> Self {
        IdGen {
            last: AtomicU64::new(floor),
        }
    }

    /// The next id: the current time's slot, or one past the last id if that is later.
    pub fn next(&self) -> u64 {
        let candidate = now_ms() << 16;
        let mut prev = self.last.load(Ordering::Relaxed);
        loop {
            let next = candidate.max(prev + 1);
            match self
                .last
                .compare_exchange_weak(prev, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(actual) => prev = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_respect_the_floor() {
        let far_future = (now_ms() + 1_000_000) << 16;
        let g = IdGen::new(far_future);
        let a = g.next();
        let b = g.next();
        assert!(a > far_future && b > a);
        let g = IdGen::new(0);
        let mut last = 0;
        for _ in 0..100_000 {
            let id = g.next();
            assert!(id > last);
            last = id;
        }
        assert!(crate::model::id_millis(last) >= now_ms() - 60_000);
    }
}
