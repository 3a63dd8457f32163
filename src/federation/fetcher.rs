//! The one HTTP client every outgoing request goes through: https only (http too under
//! `--dev-federation`), timeouts, at most three redirects, a size cap on every
//! response, and refusal of loopback, private, link-local and multicast addresses,
//! checked on the addresses DNS returned (the connection uses exactly those), unless
//! `--dev-federation`. The camp's domain policy ([`HostPolicy`]) is asked about every
//! URL, the first and every redirect's: a suspended server (or, in allowlist mode,
//! one not allowed) is never contacted, wherever a redirect points.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
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
    /// The document came with a media type other than the one asked for.
    #[error("the response has the wrong media type ({0})")]
    MediaType(String),
    /// The document's id is not the URL it came from (`url`); `claimed` is the id it
    /// gave, which may only be believed after fetching it from there.
    #[error("the document's id is not {url}")]
    WrongId {
        /// Where the document came from.
        url: String,
        /// The id it claimed, if it is a URL.
        claimed: Option<String>,
    },
    /// Too many fetches to that host (or in all) are under way.
    #[error("too many fetches to {0} under way")]
    Busy(String),
}

/// The media type without parameters, lower-case.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// True for `application/activity+json` and for `application/ld+json` with the
/// ActivityStreams profile: the media types ActivityPub documents are served with.
pub fn is_ap_media_type(media_type: &str) -> bool {
    match essence(media_type).as_str() {
        "application/activity+json" => true,
        "application/ld+json" => media_type.split(';').skip(1).any(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("profile")
                    && v.trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|v| v == "https://www.w3.org/ns/activitystreams")
            })
        }),
        _ => false,
    }
}

/// A key to sign requests with, and its id (`actor#main-key`).
#[derive(Clone)]
pub struct RequestSigner {
    /// The key id published in the actor document.
    pub key_id: String,
    /// The private key.
    pub key: SigningKey<Sha256>,
}

/// True for addresses on the public internet. Special-purpose ranges (IANA's
/// registries) are refused, and IPv6 forms that carry an IPv4 address (mapped,
/// compatible, NAT64, 6to4) are judged by the address they carry, so a proxying
/// gateway cannot be used to reach loopback or the private network.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_multicast()
        || v4.is_broadcast()
        || v4.is_unspecified()
        || v4.is_documentation()
        // 0.0.0.0/8 "this network"
        || o[0] == 0
        // 100.64.0.0/10 carrier-grade NAT
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        // 192.0.0.0/24 IETF protocol assignments
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        // 192.88.99.0/24 6to4 relay anycast
        || (o[0] == 192 && o[1] == 88 && o[2] == 99)
        // 198.18.0.0/15 benchmarking
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        // 240.0.0.0/4 reserved
        || o[0] >= 240)
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    // ::ffff:a.b.c.d (mapped)
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    // ::a.b.c.d (the deprecated compatible form; also :: and ::1, refused as
    // 0.0.0.0/8 addresses)
    if s[..6].iter().all(|&x| x == 0) {
        return is_public_v4(embedded(s[6], s[7]));
    }
    // 64:ff9b::/96, well-known NAT64 prefix: a gateway would connect to the IPv4 inside.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(s[6], s[7]));
    }
    // 2002::/16, 6to4: the IPv4 relay address sits in bits 16..48.
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2]));
    }
    // Only global unicast (2000::/3) is public; everything else (unique local fc00::/7,
    // link-local fe80::/10, site-local fec0::/10, multicast ff00::/8, 64:ff9b:1::/48
    // local NAT64, 100::/64 discard, IPv4-translated ::ffff:0:0:0/96, ...) is not.
    if (s[0] & 0xe000) != 0x2000 {
        return false;
    }
    // Special ranges inside 2000::/3: 2001::/23 IETF protocol assignments (Teredo
    // 2001::/32 hides an IPv4 address; ORCHID, benchmarking 2001:2::/48, ...),
    // 2001:db8::/32 and 3fff::/20 documentation (RFC 9637).
    let ietf = s[0] == 0x2001 && (s[1] < 0x0200 || s[1] == 0x0db8);
    let documentation = s[0] == 0x3fff && s[1] < 0x1000;
    !(ietf || documentation)
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

/// True when the camp refuses to contact a host (`name[:port]`, as
/// [`host_header`] writes it): a suspended domain, or one outside the allowlist.
pub type HostPolicy = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// The shared client.
#[derive(Clone)]
pub struct Fetcher {
    client: Client,
    dev: bool,
    slots: Arc<super::slots::Slots>,
    refused_host: HostPolicy,
}

impl Fetcher {
    /// Builds the client; `dev` relaxes the address and scheme rules for tests. No
    /// host is refused by policy (see [`Fetcher::with_policy`]).
    pub fn new(dev: bool, user_agent: &str) -> Fetcher {
        Fetcher::with_policy(dev, user_agent, Arc::new(|_: &str| false))
    }

    /// Builds the client, refusing every URL (first or redirected to) whose host
    /// `refused_host` names.
    pub fn with_policy(dev: bool, user_agent: &str, refused_host: HostPolicy) -> Fetcher {
        let refused = refused_host.clone();
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if check_url(attempt.url(), dev).is_err() {
                attempt.error("redirect to a refused address")
            } else if refused(&host_header(attempt.url())) {
                attempt.error("redirect to a server this camp does not federate with")
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
            // HTTP(S)_PROXY from the environment would send requests through a proxy
            // that reaches what the address checks refuse (and sees every request).
            .no_proxy()
            .build()
            .expect("the HTTP client builds");
        Fetcher {
            client,
            dev,
            slots: Arc::new(super::slots::Slots::default()),
            refused_host,
        }
    }

    /// Whether this is a test deployment.
    pub fn dev(&self) -> bool {
        self.dev
    }

    fn parse(&self, url: &str) -> Result<Url, FetchError> {
        let u = Url::parse(url).map_err(|_| FetchError::Refused(url.to_string()))?;
        check_url(&u, self.dev)?;
        if (self.refused_host)(&host_header(&u)) {
            return Err(FetchError::Refused(format!("{url} (a suspended domain)")));
        }
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

    /// Waits for a fetch slot to the URL's host (see [`super::slots`]); the port is
    /// not part of it, so one server cannot get more slots by naming more ports.
    async fn slot(&self, url: &Url) -> Result<super::slots::Slot, FetchError> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        self.slots
            .acquire(&host, super::slots::SLOT_WAIT)
            .await
            .ok_or(FetchError::Busy(host))
    }

    /// GETs a JSON document, signed when a signer is given; returns it with the URL
    /// it finally came from (after redirects) and its media type.
    async fn get_json(
        &self,
        url: &str,
        accept: &str,
        signer: Option<&RequestSigner>,
    ) -> Result<(Value, Url, String), FetchError> {
        let mut u = self.parse(url)?;
        // A fragment names a part of the document; it is never sent.
        u.set_fragment(None);
        let _slot = self.slot(&u).await?;
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
        let mut final_url = res.url().clone();
        final_url.set_fragment(None);
        let media_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = Self::read_capped(res, MAX_DOCUMENT).await?;
        let doc = serde_json::from_slice(&body).map_err(|_| FetchError::NotJson)?;
        Ok((doc, final_url, media_type))
    }

    /// GETs an ActivityPub document, signed when a signer is given. It must come with
    /// an ActivityPub media type and its `id` must be the URL it finally came from
    /// (after redirects, without a fragment): a document is only believed from its
    /// own address, so an uploaded file or an open redirect cannot speak for others.
    pub async fn get_ap(
        &self,
        url: &str,
        signer: Option<&RequestSigner>,
    ) -> Result<Value, FetchError> {
        let (doc, final_url, media_type) = self.get_json(url, AP_ACCEPT, signer).await?;
        if !is_ap_media_type(&media_type) {
            return Err(FetchError::MediaType(
                media_type.chars().take(100).collect(),
            ));
        }
        if doc.get("id").and_then(Value::as_str) != Some(final_url.as_str()) {
            return Err(FetchError::WrongId {
                url: final_url.to_string(),
                claimed: doc
                    .get("id")
                    .and_then(super::wire::id_of)
                    .map(str::to_string),
            });
        }
        Ok(doc)
    }

    /// GETs a WebFinger answer (JRD, or plain JSON as some servers send it).
    pub async fn get_jrd(&self, url: &str) -> Result<Value, FetchError> {
        let (doc, _, media_type) = self
            .get_json(url, "application/jrd+json, application/json", None)
            .await?;
        match essence(&media_type).as_str() {
            "application/jrd+json" | "application/json" => Ok(doc),
            _ => Err(FetchError::MediaType(
                media_type.chars().take(100).collect(),
            )),
        }
    }

    /// GETs a text document (a blocklist CSV) of at most `cap` bytes, unsigned.
    pub async fn get_text(&self, url: &str, cap: usize) -> Result<String, FetchError> {
        let u = self.parse(url)?;
        let accept = "text/csv, text/plain;q=0.9, */*;q=0.1";
        let body = self.get_unsigned(u, accept, cap, |_| true).await?;
        String::from_utf8(body).map_err(|_| FetchError::NotText)
    }

    /// GETs an image (a post's attachment) of at most `cap` bytes, unsigned: it must be
    /// served as `image/*` (what it really is, the decoder tells from its bytes).
    pub async fn get_image(&self, url: &str, cap: usize) -> Result<Vec<u8>, FetchError> {
        let mut u = self.parse(url)?;
        u.set_fragment(None);
        let accept = "image/png, image/jpeg;q=0.9";
        self.get_unsigned(u, accept, cap, |media_type| {
            essence(media_type).starts_with("image/")
        })
        .await
    }

    /// One unsigned GET within the host's slots: a 2xx whose media type `accepts`, and
    /// at most `cap` bytes of body.
    async fn get_unsigned(
        &self,
        u: Url,
        accept: &str,
        cap: usize,
        accepts: impl Fn(&str) -> bool,
    ) -> Result<Vec<u8>, FetchError> {
        let _slot = self.slot(&u).await?;
        let res = self
            .client
            .get(u)
            .header("accept", accept)
            .send()
            .await
            .map_err(|e| FetchError::Network(error_chain(&e)))?;
        if !res.status().is_success() {
            return Err(FetchError::Status(res.status().as_u16()));
        }
        let media_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !accepts(media_type) {
            return Err(FetchError::MediaType(
                media_type.chars().take(100).collect(),
            ));
        }
        Self::read_capped(res, cap).await
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
            "0.1.2.3",
            "100.64.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.1",
            "203.0.113.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fec0::1",
            "fd00::1",
            "fc00::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "100::1",
            "3fff::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            // NAT64, 6to4 and IPv4-compatible forms of private addresses.
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "::127.0.0.1",
            "::10.0.0.1",
            // IPv4-translated (::ffff:0:a.b.c.d).
            "::ffff:0:7f00:1",
        ] {
            assert!(!is_public_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "198.20.0.1",
            "2606:4700::1111",
            "2a01:4f8::1",
            "::ffff:1.1.1.1",
            // Those forms of a public address are public.
            "64:ff9b::101:101",
            "2002:101:101::1",
        ] {
            assert!(is_public_ip(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn activitypub_media_types_are_recognised() {
        assert!(is_ap_media_type("application/activity+json"));
        assert!(is_ap_media_type("Application/Activity+JSON; charset=utf-8"));
        assert!(is_ap_media_type(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        ));
        assert!(!is_ap_media_type("application/ld+json"));
        assert!(!is_ap_media_type("application/json"));
        assert!(!is_ap_media_type("text/html"));
        assert!(!is_ap_media_type(""));
    }

    #[test]
    fn urls_are_checked_before_any_request() {
        let ok = |s: &str, dev| check_url(&Url::parse(s).unwrap(), dev).is_ok();
        assert!(ok("https://mastodon.example/users/a", false));
        assert!(!ok("http://mastodon.example/users/a", false));
        assert!(!ok("https://127.0.0.1/users/a", false));
        assert!(!ok("https://[::1]/users/a", false));
        assert!(!ok("https://[::ffff:127.0.0.1]/users/a", false));
        assert!(!ok("https://[64:ff9b::7f00:1]/users/a", false));
        assert!(!ok("https://[2002:7f00:1::1]/users/a", false));
        assert!(!ok("https://[::127.0.0.1]/users/a", false));
        assert!(!ok("https://localhost/x", false));
        assert!(!ok("https://user:pw@mastodon.example/", false));
        assert!(!ok("file:///etc/passwd", true));
        assert!(ok("http://127.0.0.1:8090/users/alice", true));
    }

    /// Without `--dev-federation` the fetcher itself refuses loopback however it is
    /// written, before any connection (hole 8).
    #[tokio::test]
    async fn the_strict_fetcher_refuses_loopback_in_every_disguise() {
        let f = Fetcher::new(false, "camp-test");
        for url in [
            "https://127.0.0.1/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://[64:ff9b::7f00:1]/x",
            "https://[2002:7f00:1::1]/x",
            "https://[::127.0.0.1]/x",
            "https://198.18.0.1/x",
        ] {
            let err = f.get_ap(url, None).await.unwrap_err();
            assert!(matches!(err, FetchError::Refused(_)), "{url}: {err}");
            let err = f.get_text(url, 100).await.unwrap_err();
            assert!(matches!(err, FetchError::Refused(_)), "{url}: {err}");
        }
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
    }

    const AP: &str = "application/activity+json";

    /// A loopback server with a redirect loop, a huge body, a non-JSON body, a
    /// redirect to a refused scheme, and documents whose media type or id is wrong
    /// (the fetcher in dev mode may reach loopback).
    async fn hostile_server() -> String {
        use axum::response::{IntoResponse, Redirect};
        use axum::routing::get;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let b = base.clone();
        let doc = move |path: &str| serde_json::json!({"id": format!("{b}{path}")}).to_string();
        let (ok, plain, moved) = (doc("/ok"), doc("/plain"), doc("/ok"));
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
            .route(
                "/pic",
                get(|| async { ([("content-type", "image/png")], vec![7u8; 3000]) }),
            )
            .route(
                "/html",
                get(|| async { ([("content-type", AP)], "<html>not json</html>") }),
            )
            .route(
                "/ok",
                get(move || async move { ([("content-type", AP)], ok).into_response() }),
            )
            .route(
                "/plain",
                get(move || async move { ([("content-type", "application/json")], plain) }),
            )
            .route("/moved", get(|| async { Redirect::temporary("/ok") }))
            .route(
                "/claims-ok",
                get(move || async move { ([("content-type", AP)], moved) }),
            )
            .route(
                "/to-file",
                get(|| async { Redirect::temporary("file:///etc/passwd") }),
            );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        base
    }

    #[tokio::test]
    async fn images_must_be_served_as_images_within_the_cap() {
        let base = hostile_server().await;
        let f = Fetcher::new(true, "camp-test");
        // `/huge` is text, and larger than the cap besides.
        let e = f
            .get_image(&format!("{base}/huge"), 1 << 20)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::MediaType(_)), "{e}");
        // Served as an ActivityPub document: no image either.
        let e = f
            .get_image(&format!("{base}/ok"), 1 << 20)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::MediaType(_)), "{e}");
        let e = f.get_image(&format!("{base}/pic"), 1 << 20).await.unwrap();
        assert_eq!(e.len(), 3000);
        let e = f.get_image(&format!("{base}/pic"), 2999).await.unwrap_err();
        assert!(matches!(e, FetchError::TooLarge), "{e}");
        // Without --dev-federation a loopback image is never fetched.
        let strict = Fetcher::new(false, "camp-test");
        let e = strict
            .get_image(&format!("{base}/pic"), 1 << 20)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Refused(_)), "{e}");
    }

    #[tokio::test]
    async fn the_host_policy_is_asked_about_the_first_url_and_every_redirect() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let base = hostile_server().await;
        let refuse_all = Fetcher::with_policy(true, "camp-test", Arc::new(|_: &str| true));
        let e = refuse_all
            .get_ap(&format!("{base}/ok"), None)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Refused(_)), "{e}");
        // Allowed at first, refused from the second question on: the redirect's.
        let asked = Arc::new(AtomicUsize::new(0));
        let a = asked.clone();
        let policy: HostPolicy = Arc::new(move |_: &str| a.fetch_add(1, Ordering::SeqCst) >= 1);
        let f = Fetcher::with_policy(true, "camp-test", policy);
        let e = f.get_ap(&format!("{base}/moved"), None).await.unwrap_err();
        assert!(e.to_string().contains("does not federate"), "{e}");
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn redirects_sizes_garbage_media_types_and_ids_are_checked() {
        let base = hostile_server().await;
        let f = Fetcher::new(true, "camp-test");
        let ok = f.get_ap(&format!("{base}/ok"), None).await.unwrap();
        assert_eq!(ok["id"], format!("{base}/ok"));
        // A fragment is not sent, and the id is compared without it.
        f.get_ap(&format!("{base}/ok#main-key"), None)
            .await
            .unwrap();
        // Redirected: the id must be the final URL.
        let moved = f.get_ap(&format!("{base}/moved"), None).await.unwrap();
        assert_eq!(moved["id"], format!("{base}/ok"));
        // A document claiming an id that is not where it came from.
        let e = f
            .get_ap(&format!("{base}/claims-ok"), None)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, FetchError::WrongId { claimed: Some(c), .. } if *c == format!("{base}/ok")),
            "{e}"
        );
        // Plain JSON is not an ActivityPub document.
        let e = f.get_ap(&format!("{base}/plain"), None).await.unwrap_err();
        assert!(matches!(e, FetchError::MediaType(_)), "{e}");
        let e = f.get_ap(&format!("{base}/hop/0"), None).await.unwrap_err();
        assert!(matches!(e, FetchError::Network(_)), "{e}");
        assert!(e.to_string().contains("too many redirects"), "{e}");
        let e = f.get_ap(&format!("{base}/huge"), None).await.unwrap_err();
        assert!(matches!(e, FetchError::TooLarge), "{e}");
        let e = f.get_ap(&format!("{base}/html"), None).await.unwrap_err();
        assert!(matches!(e, FetchError::NotJson), "{e}");
        let e = f
            .get_ap(&format!("{base}/to-file"), None)
            .await
            .unwrap_err();
        assert!(
            matches!(e, FetchError::Network(_) | FetchError::Status(307)),
            "not followed: {e}"
        );
        // Outside dev mode the same loopback server is refused outright.
        let strict = Fetcher::new(false, "camp-test");
        let e = strict
            .get_ap(&format!("{base}/ok"), None)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Refused(_)), "{e}");
    }
}
