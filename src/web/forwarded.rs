//! Who a browser really is behind a reverse proxy. Every request through Caddy or nginx
//! arrives from the proxy's own address, so per-address limits would lump all clients
//! together; `X-Forwarded-For` names the real one, but anyone can send that header.
//! It is believed only as far as `trusted_proxies` (camp.toml) vouches for it: walking
//! the list from the right (the hop closest to us), the first address that is not a
//! trusted proxy is the client. A request straight from an untrusted address is that
//! address, whatever its headers say.

use std::net::IpAddr;

use axum::http::HeaderMap;

use crate::error::{Error, Result};

/// Most `X-Forwarded-For` entries looked at: a longer chain is not a real one.
const MAX_HOPS: usize = 32;

/// One trusted network: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    bits: u8,
}

impl Net {
    fn parse(text: &str) -> Option<Net> {
        let (addr, bits) = match text.split_once('/') {
            Some((a, b)) => (a.parse::<IpAddr>().ok()?, Some(b.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        (bits <= max).then_some(Net { addr, bits })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), self.bits),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = usize::from(bits / 8);
    let rest = bits % 8;
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[full] & mask == b[full] & mask
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as a dual-stack socket reports IPv4
/// peers) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<Net>,
}

impl TrustedProxies {
    /// Parses camp.toml's `trusted_proxies`: addresses (`127.0.0.1`, `::1`) or
    /// networks (`10.0.0.0/8`); anything else is refused with the entry named.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies> {
        let mut nets = Vec::with_capacity(entries.len());
        for e in entries {
            let net = Net::parse(e.trim()).ok_or_else(|| {
                Error::Config(format!(
                    "trusted_proxies: {e:?} is not an address or address/prefix"
                ))
            })?;
            nets.push(Net {
                addr: canonical(net.addr),
                bits: if net.addr.is_ipv6() && canonical(net.addr).is_ipv4() {
                    net.bits.saturating_sub(96)
                } else {
                    net.bits
                },
            });
        }
        Ok(TrustedProxies { nets })
    }

    /// True when `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(ip))
    }

    /// The client a request from `peer` with `headers` comes from: `peer` unless it is
    /// a trusted proxy; then the rightmost `X-Forwarded-For` hop that is not one (or the
    /// leftmost hop, when all are). An unreadable hop ends the walk at the proxy that
    /// reported it.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if self.nets.is_empty() || !self.trusts(client) {
            return client;
        }
        // Several header lines form one list, in order.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev().take(MAX_HOPS) {
            let Some(ip) = parse_hop(hop.trim()) else {
                return client;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, maybe with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (addr, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    addr.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parsing_accepts_addresses_and_networks_and_names_bad_entries() {
        let p = proxies(&[
            "127.0.0.1",
            "10.0.0.0/8",
            "::1",
            "fd00::/8",
            " 192.168.1.2 ",
        ]);
        assert!(p.trusts(ip("127.0.0.1")));
        assert!(!p.trusts(ip("127.0.0.2")));
        assert!(p.trusts(ip("10.200.3.4")));
        assert!(!p.trusts(ip("11.0.0.1")));
        assert!(p.trusts(ip("::1")));
        assert!(p.trusts(ip("fd12::9")));
        assert!(!p.trusts(ip("fe80::1")));
        assert!(p.trusts(ip("192.168.1.2")));
        // A dual-stack socket reports IPv4 peers as mapped IPv6.
        assert!(p.trusts(ip("::ffff:127.0.0.1")));
        let p = proxies(&["172.16.0.0/12"]);
        assert!(p.trusts(ip("172.31.255.255")));
        assert!(!p.trusts(ip("172.32.0.0")));
        for bad in [
            "localhost",
            "10.0.0.0/33",
            "::/129",
            "1.2.3.4/",
            "",
            "1.2.3",
        ] {
            let err = TrustedProxies::parse(&[bad.to_string()]).unwrap_err();
            assert!(err.to_string().contains("trusted_proxies"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let p = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        // Straight from the proxy: the hop it adds is the client.
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["203.0.113.7"])),
            ip("203.0.113.7")
        );
        // A client that forges hops on the left gains nothing.
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["1.1.1.1, 198.51.100.9"])),
            ip("198.51.100.9")
        );
        // Through two trusted proxies.
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["1.1.1.1, 198.51.100.9, 10.1.2.3"])),
            ip("198.51.100.9")
        );
        // Several header lines are one list.
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["1.1.1.1", "198.51.100.9"])),
            ip("198.51.100.9")
        );
        // Ports and brackets.
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["[2001:db8::5]:443"])),
            ip("2001:db8::5")
        );
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["198.51.100.9:5000"])),
            ip("198.51.100.9")
        );
        // Every hop trusted: the leftmost is the best we know.
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["10.0.0.5, 10.0.0.6"])),
            ip("10.0.0.5")
        );
        // No header, or garbage from a misconfigured proxy: the proxy itself.
        assert_eq!(p.client(ip("127.0.0.1"), &xff(&[])), ip("127.0.0.1"));
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["1.1.1.1, unknown"])),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn the_header_from_anyone_else_is_ignored() {
        let p = proxies(&["127.0.0.1"]);
        assert_eq!(
            p.client(ip("203.0.113.7"), &xff(&["1.2.3.4"])),
            ip("203.0.113.7")
        );
        // With no trusted proxies at all, not even loopback is believed.
        assert_eq!(
            proxies(&[]).client(ip("127.0.0.1"), &xff(&["1.2.3.4"])),
            ip("127.0.0.1")
        );
        // A chain longer than any real one stops at the limit.
        let long = vec!["10.0.0.1"; 100].join(", ");
        assert_eq!(
            proxies(&["10.0.0.0/8"]).client(ip("10.0.0.9"), &xff(&[&long])),
            ip("10.0.0.1")
        );
    }
}
