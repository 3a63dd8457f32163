//! The one HTTP client every outgoing request goes through: https only (http too under
//! `--dev-federation`), timeouts, at most three redirects, a size cap on every
//! response, and refusal of loopback, private, link-local and multicast addresses,
//! checked on the addresses DNS returned (the connection uses exactly those), unless
//! `--dev-federation`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Client, Url, redirect};
use rsa::pkcs1v15::SigningKey;
use serde_json::Value;
use sha2::Sha256;
use thiserror::Error;

use super::signatures;

/// Largest JSON document read from a remote server.
pub const MAX_DOCUMENT: usize = 1 << 20;
/// Most redirects followed.
pub const MAX_REDIRECTS: usize = 3;
/// What camp asks for when it fetches ActivityPub documents.
pub const AP_ACCEPT: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// Why a fetch failed.
#[derive(Debug, Error)]
pub enum FetchError {
    /// The URL is not allowed (scheme, address, shape).
    #[error("refused to fetch {0}")]
    Refused(String),
    /// Network trouble or a timeout.
    #[error("request failed: {0}")]
    Network(String),
    /// The server answered with an error status.
    #[error("the server answered {0}")]
    Status(u16),
    /// The body was larger than allowed.
    #[error("the response is too large")]
    TooLarge,
    /// The body was not the JSON expected.
    #[error("the response is not valid JSON")]
    NotJson,
    /// The body was not UTF-8 text.
    #[error("the response is not UTF-8 text")]
    NotText,
}

/// A key to sign requests with, and its id (`actor#main-key`).
#[derive(Clone)]
pub struct RequestSigner {
    /// The key id published in the actor document.
    pub key_id: String,
    /// The private key.
    pub key: SigningKey<Sha256>,
}

/// True for addresses on the public internet.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_ip(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

struct GuardedResolver {
    dev: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let dev = self.dev;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| dev || is_public_ip(a.ip()))
                .collect();
            if found.is_empty() {
                let e = std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("{host} has no public address"),
                );
                return Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// Checks scheme and literal addresses of a URL before any request.
pub fn check_url(url: &Url, dev: bool) -> Result<(), FetchError> {
    let refused = || FetchError::Refused(url.to_string());
    match url.scheme() {
        "https" => {}
        "http" if dev => {}
        _ => return Err(refused()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused());
    }
    match url.host() {
        None => Err(refused()),
        Some(url::Host::Domain(d)) => {
            if !dev && (d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost")) {
                return Err(refused());
            }
            Ok(())
        }
        Some(url::Host::Ipv4(ip)) if dev || is_public_ip(IpAddr::V4(ip)) => Ok(()),
        Some(url::Host::Ipv6(ip)) if dev || is_public_ip(IpAddr::V6(ip)) => Ok(()),
        Some(_) => Err(refused()),
    }
}

/// `host[:port]` as the Host header carries it.
pub fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// The shared client.
#[derive(Clone)]
pub struct Fetcher {
    client: Client,
    dev: bool,
}

impl Fetcher {
    /// Builds the client; `dev` relaxes the address and scheme rules for tests.
    pub fn new(dev: bool, user_agent: &str) -> Fetcher {
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if check_url(attempt.url(), dev).is_err() {
                attempt.error("redirect to a refused address")
            } else {
                attempt.follow()
            }
        });
        let client = Client::builder()
            .user_agent(user_agent)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .redirect(policy)
            .dns_resolver(Arc::new(GuardedResolver { dev }))
            .build()
            .expect("the HTTP client builds");
        Fetcher { client, dev }
    }

    /// Whether this is a test deployment.
    pub fn dev(&self) -> bool {
        self.dev
    }

    fn parse(&self, url: &str) -> Result<Url, FetchError> {
        let u = Url::parse(url).map_err(|_| FetchError::Refused(url.to_string()))?;
        check_url(&u, self.dev)?;
        Ok(u)
    }

    async fn read_capped(mut res: reqwest::Response, cap: usize) -> Result<Vec<u8>, FetchError> {
        if res.content_length().is_some_and(|n| n as usize > cap) {
            return Err(FetchError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| FetchError::Network(e.to_string()))?
        {
            if body.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// GETs a JSON document (`accept` as given), signed when a signer is given.
    pub async fn get_json(
        &self,
        url: &str,
        accept: &str,
        signer: Option<&RequestSigner>,
    ) -> Result<Value, FetchError> {
        let u = self.parse(url)?;
        let mut req = self.client.get(u.clone()).header("accept", accept);
        if let Some(s) = signer {
            let (host, path) = (host_header(&u), path_and_query(&u));
            let parts = signatures::RequestParts {
                method: "GET",
                host: &host,
                path: &path,
                body: None,
                content_type: None,
            };
            for (k, v) in signatures::sign_request(&s.key, &s.key_id, parts, SystemTime::now()) {
                req = req.header(k, v);
            }
        }
        let res = req
            .send()
            .await
            .map_err(|e| FetchError::Network(error_chain(&e)))?;
        if !res.status().is_success() {
            return Err(FetchError::Status(res.status().as_u16()));
        }
        let body = Self::read_capped(res, MAX_DOCUMENT).await?;
        serde_json::from_slice(&body).map_err(|_| FetchError::NotJson)
    }

    /// GETs a text document (a blocklist CSV) of at most `cap` bytes, unsigned.
    pub async fn get_text(&self, url: &str, cap: usize) -> Result<String, FetchError> {
        let u = self.parse(url)?;
        let res = self
            .client
            .get(u)
            .header("accept", "text/csv, text/plain;q=0.9, */*;q=0.1")
            .send()
            .await
            .map_err(|e| FetchError::Network(error_chain(&e)))?;
        if !res.status().is_success() {
            return Err(FetchError::Status(res.status().as_u16()));
        }
        let body = Self::read_capped(res, cap).await?;
        String::from_utf8(body).map_err(|_| FetchError::NotText)
    }

    /// POSTs an activity, signed; Ok(status) for any answer, 2xx or not.
    pub async fn post_activity(
        &self,
        url: &str,
        body: &[u8],
        signer: &RequestSigner,
    ) -> Result<u16, FetchError> {
        let u = self.parse(url)?;
        let ct = "application/activity+json";
        let mut req = self.client.post(u.clone()).body(body.to_vec());
        let (host, path) = (host_header(&u), path_and_query(&u));
        let parts = signatures::RequestParts {
            method: "POST",
            host: &host,
            path: &path,
            body: Some(body),
            content_type: Some(ct),
        };
        for (k, v) in
            signatures::sign_request(&signer.key, &signer.key_id, parts, SystemTime::now())
        {
            req = req.header(k, v);
        }
        let res = req
            .send()
            .await
            .map_err(|e| FetchError::Network(error_chain(&e)))?;
        let status = res.status().as_u16();
        let _ = Self::read_capped(res, 64 * 1024).await;
        Ok(status)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "224.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "1.1.1.1"] {
            assert!(is_public_ip(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_before_any_request() {
        let ok = |s: &str, dev| check_url(&Url::parse(s).unwrap(), dev).is_ok();
        assert!(ok("https://mastodon.example/users/a", false));
        assert!(!ok("http://mastodon.example/users/a", false));
        assert!(!ok("https://127.0.0.1/users/a", false));
        assert!(!ok("https://[::1]/users/a", false));
        assert!(!ok("https://localhost/x", false));
        assert!(!ok("https://user:pw@mastodon.example/", false));
        assert!(!ok("file:///etc/passwd", true));
        assert!(ok("http://127.0.0.1:8090/users/alice", true));
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused_outside_dev() {
        use std::str::FromStr;
        let strict = GuardedResolver { dev: false };
        let name = Name::from_str("localhost").unwrap();
        assert!(strict.resolve(name).await.is_err());
        let dev = GuardedResolver { dev: true };
        let name = Name::from_str("localhost").unwrap();
        let addrs: Vec<SocketAddr> = dev.resolve(name).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
        let f = Fetcher::new(false, "camp-test");
        let err = f
            .get_json("https://127.0.0.1/x", AP_ACCEPT, None)
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Refused(_)), "{err}");
    }

    /// A loopback server with a redirect loop, a huge body, a non-JSON body and a
    /// redirect to a refused scheme (the fetcher in dev mode may reach loopback).
    async fn hostile_server() -> String {
        use axum::response::Redirect;
        use axum::routing::get;
        let app = axum::Router::new()
            .route(
                "/hop/{n}",
                get(
                    |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                        Redirect::temporary(&format!("/hop/{}", n + 1))
                    },
                ),
            )
            .route("/huge", get(|| async { "x".repeat(MAX_DOCUMENT + 10) }))
            .route("/html", get(|| async { "<html>not json</html>" }))
            .route("/ok", get(|| async { r#"{"id":"ok"}"# }))
            .route(
                "/to-file",
                get(|| async { Redirect::temporary("file:///etc/passwd") }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        base
    }

    #[tokio::test]
    async fn redirects_sizes_and_garbage_are_bounded() {
        let base = hostile_server().await;
        let f = Fetcher::new(true, "camp-test");
        let ok = f
            .get_json(&format!("{base}/ok"), AP_ACCEPT, None)
            .await
            .unwrap();
        assert_eq!(ok["id"], "ok");
        let e = f
            .get_json(&format!("{base}/hop/0"), AP_ACCEPT, None)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Network(_)), "{e}");
        assert!(e.to_string().contains("too many redirects"), "{e}");
        let e = f
            .get_json(&format!("{base}/huge"), AP_ACCEPT, None)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::TooLarge), "{e}");
        let e = f
            .get_json(&format!("{base}/html"), AP_ACCEPT, None)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::NotJson), "{e}");
        let e = f
            .get_json(&format!("{base}/to-file"), AP_ACCEPT, None)
            .await
            .unwrap_err();
        assert!(
            matches!(e, FetchError::Network(_) | FetchError::Status(307)),
            "not followed: {e}"
        );
        // Outside dev mode the same loopback server is refused outright.
        let strict = Fetcher::new(false, "camp-test");
        let e = strict
            .get_json(&format!("{base}/ok"), AP_ACCEPT, None)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Refused(_)), "{e}");
    }
}
