//! The thumbnails already made, by URL, within a byte budget: the oldest go first when
//! it is full. Failures are kept too (as their message), so a broken or refused image
//! is not fetched again by every screen that shows its post.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use super::decode::Thumb;

/// Bytes of thumbnails kept at most.
pub const CACHE_BYTES: usize = 8 << 20;
/// Entries kept at most (failures weigh almost nothing).
const MAX_ENTRIES: usize = 512;

/// What became of one URL.
pub type Outcome = Result<Arc<Thumb>, String>;

#[derive(Default)]
struct Entries {
    map: HashMap<String, Outcome>,
    order: VecDeque<String>,
    bytes: usize,
}

/// A bounded map from URL to thumbnail (or why there is none).
#[derive(Default)]
pub struct ThumbCache {
    inner: Mutex<Entries>,
}

fn weight(o: &Outcome) -> usize {
    o.as_ref().map(|t| t.bytes()).unwrap_or(64)
}

impl ThumbCache {
    /// The outcome for `url`, if known.
    pub fn get(&self, url: &str) -> Option<Outcome> {
        let e = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        e.map.get(url).cloned()
    }

    /// Keeps the outcome for `url`, making room first.
    pub fn put(&self, url: &str, outcome: Outcome) {
        let w = weight(&outcome);
        if w > CACHE_BYTES {
            return;
        }
        let mut e = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = e.map.remove(url) {
            e.bytes -= weight(&old);
            e.order.retain(|u| u != url);
        }
        while e.bytes + w > CACHE_BYTES || e.map.len() >= MAX_ENTRIES {
            let Some(oldest) = e.order.pop_front() else {
                break;
            };
            if let Some(old) = e.map.remove(&oldest) {
                e.bytes -= weight(&old);
            }
        }
        e.bytes += w;
        e.order.push_back(url.to_string());
        e.map.insert(url.to_string(), outcome);
    }

    /// Bytes held now.
    pub fn bytes(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thumb(side: u32) -> Arc<Thumb> {
        Arc::new(Thumb {
            width: side,
            height: side,
            rgb: vec![0; (side * side * 3) as usize],
        })
    }

    #[test]
    fn the_cache_stays_within_its_budget_and_drops_the_oldest() {
        let c = ThumbCache::default();
        // 192×192 RGB is 110,592 bytes: the budget holds 75 of them.
        for i in 0..200 {
            c.put(&format!("u{i}"), Ok(thumb(192)));
            assert!(c.bytes() <= CACHE_BYTES);
        }
        assert!(c.get("u0").is_none(), "the oldest went");
        assert!(c.get("u199").is_some());
        c.put("bad", Err("damaged".into()));
        assert_eq!(c.get("bad"), Some(Err("damaged".into())));
        for i in 0..MAX_ENTRIES + 10 {
            c.put(&format!("e{i}"), Err("x".into()));
        }
        assert!(c.inner.lock().unwrap().map.len() <= MAX_ENTRIES);
    }
}
