//! Pure `update` transitions and screen snapshots.

use super::*;
