//! The wall clock, in the one unit camp uses for time ([`crate::model::Millis`]). It
//! lives outside `store` because every layer asks it, and none of them should have to
//! reach into the database module for the time.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::Millis;

/// Milliseconds since the Unix epoch now (0 if the clock is before 1970).
pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
