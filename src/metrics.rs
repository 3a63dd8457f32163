//! The camp's health figures for people and for monitoring: one [`Snapshot`] read by
//! `ssh camp status` and served as Prometheus text at `/metrics`.
//!
//! `/metrics` is off unless `metrics_token` is set in camp.toml, and then answers only
//! a request bearing it: behind a reverse proxy every request comes from loopback, so
//! "loopback only" would mean everyone. The token is compared in constant time (both
//! sides hashed first, so neither length nor a common prefix shows in the timing).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::Camp;
use crate::camp::CampFigures;
use crate::error::Result;

/// The federation bridge's figures, when it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationFigures {
    /// Deliveries waiting in the queue.
    pub queue_depth: usize,
    /// Hosts whose deliveries keep failing (circuit open), with their failure counts.
    pub failing_hosts: Vec<(String, u32)>,
}

/// Every figure at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The camp's own.
    pub camp: CampFigures,
    /// The bridge's; `None` when federation is off.
    pub federation: Option<FederationFigures>,
}

/// Completes the camp's figures with the bridge's.
pub fn snapshot(camp: &Camp, figures: CampFigures) -> Result<Snapshot> {
    let federation = match camp.outside() {
        None => None,
        Some(o) => Some(FederationFigures {
            queue_depth: camp.queued_deliveries()?.len(),
            failing_hosts: o
                .open_circuits()
                .into_iter()
                .map(|c| (c.host, c.failures))
                .collect(),
        }),
    };
    Ok(Snapshot {
        camp: figures,
        federation,
    })
}

/// Prometheus text exposition (format 0.0.4) of a snapshot.
pub fn prometheus(s: &Snapshot) -> String {
    let c = &s.camp;
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, value: String| {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
        ));
    };
    gauge(
        "camp_build_info",
        "The running version, as a label.",
        String::new(),
    );
    gauge(
        "camp_uptime_seconds",
        "Seconds since the camp started.",
        c.uptime_secs.to_string(),
    );
    gauge(
        "camp_sessions_open",
        "SSH session channels open.",
        c.sessions_open.to_string(),
    );
    gauge(
        "camp_campers",
        "Accounts of people on this camp.",
        c.campers.to_string(),
    );
    gauge(
        "camp_posts_today",
        "Posts written since midnight UTC.",
        c.posts_today.to_string(),
    );
    gauge("camp_posts", "Posts stored.", c.posts_total.to_string());
    gauge(
        "camp_database_bytes",
        "Bytes the database takes on disk.",
        c.db_bytes.to_string(),
    );
    gauge(
        "camp_last_backup_timestamp_seconds",
        "When the last backup finished (0: never).",
        (c.last_backup_ms.unwrap_or(0) / 1000).to_string(),
    );
    gauge(
        "camp_federation_enabled",
        "1 when the federation bridge runs.",
        u8::from(s.federation.is_some()).to_string(),
    );
    if let Some(f) = &s.federation {
        gauge(
            "camp_delivery_queue_depth",
            "Deliveries to other servers waiting.",
            f.queue_depth.to_string(),
        );
        gauge(
            "camp_delivery_failing_hosts",
            "Hosts whose deliveries keep failing.",
            f.failing_hosts.len().to_string(),
        );
        out.push_str("# HELP camp_delivery_host_failures Failures in a row per failing host.\n# TYPE camp_delivery_host_failures gauge\n");
        for (host, n) in &f.failing_hosts {
            out.push_str(&format!(
                "camp_delivery_host_failures{{host=\"{}\"}} {n}\n",
                label(host)
            ));
        }
    }
    // The version rides on a label of a constant 1, as Prometheus' *_build_info do.
    out.replace(
        "camp_build_info \n",
        &format!("camp_build_info{{version=\"{}\"}} 1\n", label(c.version)),
    )
}

/// A label value, escaped as the exposition format requires.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `/metrics`, answering only with the configured bearer token; without a token in
/// camp.toml the route does not exist (404).
pub fn router(camp: Camp) -> Router {
    if camp.config().camp.metrics_token.is_none() {
        return Router::new();
    }
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(camp)
}

async fn metrics(State(camp): State<Camp>, headers: HeaderMap) -> Response {
    let Some(token) = camp.config().camp.metrics_token.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same_secret(offered, &token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is needed\n",
        )
            .into_response();
    }
    let c = camp.clone();
    let snap = tokio::task::spawn_blocking(move || {
        let figures = c.figures_unchecked()?;
        snapshot(&c, figures)
    })
    .await;
    match snap {
        Ok(Ok(s)) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            prometheus(&s),
        )
            .into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "figures unavailable\n").into_response(),
    }
}

/// Constant-time equality of two secrets of any lengths.
fn same_secret(a: &str, b: &str) -> bool {
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> CampFigures {
        CampFigures {
            version: "1.2.3",
            uptime_secs: 5,
            sessions_open: 2,
            campers: 3,
            posts_today: 4,
            posts_total: 9,
            db_bytes: 1024,
            last_backup_ms: None,
        }
    }

    #[test]
    fn exposition_names_every_figure_and_escapes_labels() {
        let text = prometheus(&Snapshot {
            camp: figures(),
            federation: Some(FederationFigures {
                queue_depth: 7,
                failing_hosts: vec![("bad\"host\n".into(), 4)],
            }),
        });
        for line in [
            "camp_build_info{version=\"1.2.3\"} 1",
            "camp_uptime_seconds 5",
            "camp_sessions_open 2",
            "camp_campers 3",
            "camp_posts_today 4",
            "camp_posts 9",
            "camp_database_bytes 1024",
            "camp_last_backup_timestamp_seconds 0",
            "camp_federation_enabled 1",
            "camp_delivery_queue_depth 7",
            "camp_delivery_failing_hosts 1",
            "camp_delivery_host_failures{host=\"bad\\\"host\\n\"} 4",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
        let off = prometheus(&Snapshot {
            camp: figures(),
            federation: None,
        });
        assert!(off.contains("camp_federation_enabled 0"));
        assert!(!off.contains("camp_delivery_queue_depth"));
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("a-long-token-123", "a-long-token-123"));
        assert!(!same_secret("a-long-token-123", "a-long-token-124"));
        assert!(!same_secret("", "a-long-token-123"));
        assert!(!same_secret("a-long-token-1234", "a-long-token-123"));
    }
}
