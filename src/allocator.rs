//! The C allocator's settings, made once at start before any thread exists.
//!
//! Why: glibc gives each thread that contends for the heap an arena of its own (up to
//! eight per core), and memory freed in one arena is never lent to another. A camp
//! writes from tokio's workers, the blocking pool and sled's flusher, so after 20,000
//! posts written over exec it sat at 41 MiB RSS although its live heap (heaptrack) was
//! about 16 MiB: the rest was freed memory spread over the arenas. One arena, with
//! fixed trim and mmap thresholds (glibc otherwise raises them as large buffers come
//! and go, keeping more), measured 29.7 MiB on the same run (`cargo bench --bench
//! memory`; the figures are in that file's doc). Small allocations still go through
//! each thread's cache without the arena lock.

/// Bytes above which an allocation gets its own mapping, returned to the system when
/// freed (glibc's starting value; fixing it stops glibc raising it to 32 MiB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;
/// Free bytes at the top of the heap that glibc keeps rather than returning.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 128 * 1024;

/// Applies the settings above, unless `GLIBC_TUNABLES` names malloc settings or a
/// `MALLOC_…` variable is set (an operator's or a benchmark's own choice wins).
/// Returns whether they were applied. Call it first thing in `main`, before any
/// thread starts.
pub fn tune() -> bool {
    let chosen = std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("glibc.malloc."))
        || std::env::vars_os().any(|(name, _)| name.to_string_lossy().starts_with("MALLOC_"));
    !chosen && apply()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn apply() -> bool {
    // SAFETY: mallopt only changes the allocator's parameters; it is called before
    // other threads exist, and each value is one glibc documents for that parameter.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1) == 1
            && libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    }
}

/// Other C libraries keep their own defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn apply() -> bool {
    false
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// glibc accepts every value we set (mallopt answers 0 for one it rejects, which
    /// a wrong constant or an out-of-range threshold would give).
    #[test]
    fn glibc_accepts_the_settings() {
        assert!(super::apply());
    }
}
