//! `status [--json]` (moderators): how the camp is doing, from [`crate::metrics`].

use serde_json::json;

use super::Failure;
use super::args::Args;
use crate::Camp;
use crate::model::Account;

/// The verb, for help.
pub const VERBS: &[(&str, &str)] = &[(
    "status [--json]",
    "moderators: uptime, sessions, campers, posts, database size, deliveries, last backup",
)];

/// `status [--json]`.
pub fn status(camp: &Camp, me: Account, rest: &[String]) -> std::result::Result<String, Failure> {
    let a = Args::parse(rest, &[], &["json"])?;
    if !a.positional.is_empty() {
        return Err(super::usage("usage: status [--json]"));
    }
    let figures = camp.figures(me.id)?;
    let s = crate::metrics::snapshot(camp, figures)?;
    let c = &s.camp;
    if a.has("json") {
        let v = json!({
            "version": c.version,
            "uptime_secs": c.uptime_secs,
            "sessions_open": c.sessions_open,
            "campers": c.campers,
            "posts_today": c.posts_today,
            "posts_total": c.posts_total,
            "database_bytes": c.db_bytes,
            "last_backup_ms": c.last_backup_ms,
            "federation": s.federation.as_ref().map(|f| json!({
                "queue_depth": f.queue_depth,
                "failing_hosts": f.failing_hosts.iter()
                    .map(|(h, n)| json!({"host": h, "failures": n}))
                    .collect::<Vec<_>>(),
            })),
        });
        return Ok(format!("{v}\n"));
    }
    let mut out = format!(
        "camp {} · up {}\nsessions open: {}\ncampers: {}\nposts: {} today, {} in total\ndatabase: {} on disk\n",
        c.version,
        duration(c.uptime_secs),
        c.sessions_open,
        c.campers,
        c.posts_today,
        c.posts_total,
        bytes(c.db_bytes),
    );
    match &s.federation {
        None => out.push_str("federation: off\n"),
        Some(f) => {
            out.push_str(&format!(
                "federation: on · deliveries queued: {} · failing hosts: {}\n",
                f.queue_depth,
                f.failing_hosts.len()
            ));
            for (h, n) in &f.failing_hosts {
                out.push_str(&format!(
                    "  {} ({n} failures)\n",
                    crate::text::sanitize_line(h)
                ));
            }
        }
    }
    out.push_str(&format!(
        "last backup: {}\n",
        match c.last_backup_ms {
            None => "never".to_string(),
            Some(ms) => crate::text::date(ms),
        }
    ));
    Ok(out)
}

fn duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

fn bytes(n: u64) -> String {
    match n {
        n if n < 1 << 20 => format!("{:.1} KiB", n as f64 / 1024.0),
        n if n < 1 << 30 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n => format!("{:.2} GiB", n as f64 / (1u64 << 30) as f64),
    }
}
