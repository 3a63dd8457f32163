//! `camp.toml` plus command-line flags, validated into one [`Config`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The code of conduct a new camp starts with, until the admin writes its own.
pub const DEFAULT_COC: &str = "\
Be kind. Everyone here was invited by someone who trusts them.
No harassment, hate, or threats. Disagree with ideas, not people.
Keep private what was said in private: posts are camp-only unless marked public.
Use a content warning for anything people may not want to see unasked.
Moderators act on reports; the admin has the last word.";

/// Settings read from `camp.toml`; every field is optional there.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    /// The camp's name, shown on the welcome screen and in headers.
    pub name: String,
    /// One or two sentences about the camp for the welcome screen.
    pub description: String,
    /// The first code of conduct (the admin can change it later).
    pub code_of_conduct: String,
    /// How to reach the admin (shown to suspended campers).
    pub contact: String,
    /// How people reach the camp, for hints such as `ssh camp.example join ...`.
    pub ssh_hint: Option<String>,
    /// Longest post, in characters (grapheme clusters).
    pub max_post_chars: usize,
    /// Connections served at once, in total.
    pub max_connections: usize,
    /// Connections served at once from one IP address.
    pub max_connections_per_ip: usize,
    /// Posts one account may write per minute (0: no limit).
    pub posts_per_minute: usize,
    /// Other writes one account may repeat per minute, together: favourites, boosts,
    /// bookmarks, follows, mutes, blocks (and undoing them), edits, link codes, profile
    /// and settings changes (0: no limit).
    pub actions_per_minute: usize,
    /// New connections one IP address may open per minute (0: no limit).
    pub connections_per_ip_per_minute: usize,
    /// Seconds without a key press before a session is closed.
    pub idle_timeout_secs: u64,
    /// Seconds between keepalives when the client is silent.
    pub keepalive_secs: u64,
    /// Unanswered keepalives before the connection is dropped.
    pub keepalive_max: usize,
    /// Seconds a client may leave a screen update unread (its SSH window full and the
    /// connection's small queue behind it) before it is disconnected.
    pub output_stall_secs: u64,
    /// Seconds a new connection has to finish the SSH handshake and authenticate
    /// before it is closed (OpenSSH's LoginGraceTime).
    pub login_grace_secs: u64,
    /// Connections open at once that are not (yet) a member's: still in the handshake,
    /// or authenticated with a key that belongs to no account. Beyond it the oldest
    /// stranger from the address holding the most of them is closed to make room (or
    /// the newcomer is refused, when its own address holds the most).
    pub max_strangers: usize,
    /// Connections one account may hold at once, from anywhere; a login beyond it is
    /// disconnected with a message saying why.
    pub max_connections_per_account: usize,
    /// Channels one connection may open over its life. russh 0.65 keeps a little state
    /// (about 2 KiB) for every channel the server closed, until the connection ends;
    /// without a cap, one connection running command after command (a multiplexed
    /// `ssh`, a script, or someone hostile) would grow the server's memory for ever.
    /// Beyond it new channels are refused; a new connection starts afresh.
    pub max_channels_per_connection: usize,
    /// IPv6 addresses are counted for the per-address caps and rates by this many
    /// leading bits (one host usually owns a whole /64).
    pub ipv6_prefix: u8,
    /// The only directory blocklist subscriptions are read from (relative paths are
    /// taken inside the data directory); `blocklists` in the data directory when unset.
    pub blocklist_dir: Option<PathBuf>,
    /// Addresses (or `address/prefix` networks) of reverse proxies in front of the web
    /// door whose `X-Forwarded-For` is believed, so per-address limits apply to the real
    /// client rather than to the proxy. Empty: the header is ignored.
    pub trusted_proxies: Vec<String>,
    /// Show how many campers the camp has on the landing page (off: nothing about who
    /// is here is shown to strangers).
    pub show_member_count: bool,
    /// Connections the web door holds open at once, in total; more are closed at once.
    pub max_web_connections: usize,
    /// Connections the web door holds open at once from one address (behind a reverse
    /// proxy: from the proxy, whose own limits then stand for the clients').
    pub max_web_connections_per_ip: usize,
    /// Seconds a web connection may go without reading or writing anything before it
    /// is closed (a browser terminal's socket is pinged well within it).
    pub web_idle_secs: u64,
    /// Invite links (`/join/CODE`) one address may look up per minute (0: no limit).
    pub invite_lookups_per_minute: usize,
    /// Days a deleted account's name stays unavailable to newcomers.
    pub name_quarantine_days: u64,
    /// Bearer token for `/metrics` on the HTTP listener; `/metrics` is off without one.
    pub metrics_token: Option<String>,
    /// Directory for automatic backups (off when unset); a relative path is taken
    /// beside the data directory, in its parent.
    pub backup_dir: Option<PathBuf>,
    /// How often automatic backups run: `hourly`, `daily`, `weekly` or a duration
    /// such as `6h` (s, m, h, d).
    pub backup_every: String,
    /// How many automatic backups are kept; older ones are removed.
    pub backup_keep: usize,
}

impl Default for FileConfig {
    fn default() -> Self {
        FileConfig {
            name: "camp".into(),
            description:
                "A small, private place for friends. Posts stay here unless you say otherwise."
                    .into(),
            code_of_conduct: DEFAULT_COC.into(),
            contact: String::new(),
            ssh_hint: None,
            max_post_chars: 500,
            max_connections: 2000,
            max_connections_per_ip: 32,
            posts_per_minute: 30,
            actions_per_minute: 60,
            connections_per_ip_per_minute: 60,
            idle_timeout_secs: 3600,
            keepalive_secs: 30,
            keepalive_max: 3,
            output_stall_secs: 30,
            login_grace_secs: 30,
            max_strangers: 100,
            max_connections_per_account: 8,
            max_channels_per_connection: 1000,
            ipv6_prefix: 64,
            blocklist_dir: None,
            trusted_proxies: Vec::new(),
            show_member_count: false,
            max_web_connections: 512,
            max_web_connections_per_ip: 32,
            web_idle_secs: 30,
            invite_lookups_per_minute: 20,
            name_quarantine_days: 30,
            metrics_token: None,
            backup_dir: None,
            backup_every: "daily".into(),
            backup_keep: 7,
        }
    }
}

/// Everything a running camp needs to know, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the sled database lives.
    pub data_dir: PathBuf,
    /// Where the SSH host key lives.
    pub keys_dir: PathBuf,
    /// Address the SSH server binds.
    pub ssh_addr: SocketAddr,
    /// Address of the web door (landing page, invite links, browser terminal, and the
    /// bridge when federating); off when `None`. `camp serve` defaults to
    /// `127.0.0.1:8080`; [`Config::with_dirs`] leaves it off.
    pub http_addr: Option<SocketAddr>,
    /// The public origin (`https://camp.example`), used in invite links, the browser
    /// terminal's Origin check and every federation id; see [`Config::public_origin`].
    pub public_url: Option<String>,
    /// Serve the ActivityPub bridge on the web door (`--federate`); needs
    /// `public_url`, or `dev_federation` for tests on one machine.
    pub federate: bool,
    /// Test deployments on one machine: plain-http WebFinger and fetches to loopback
    /// and private addresses. Never in production.
    pub dev_federation: bool,
    /// Camp settings from the file.
    pub camp: FileConfig,
}

impl Config {
    /// Defaults for a development camp in the current directory.
    pub fn with_dirs(data_dir: impl Into<PathBuf>, keys_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            keys_dir: keys_dir.into(),
            ssh_addr: SocketAddr::from(([127, 0, 0, 1], 2222)),
            http_addr: None,
            public_url: None,
            federate: false,
            dev_federation: false,
            camp: FileConfig::default(),
        }
    }

    /// Reads and validates `camp.toml`.
    pub fn load_file(path: &Path) -> Result<FileConfig> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if meta.len() > 1 << 20 {
            return Err(Error::Config(format!(
                "{} is larger than 1 MiB",
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let file: FileConfig =
            toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        file.validate()?;
        Ok(file)
    }

    /// The public origin without a trailing slash: `--public-url`, else `http://` and
    /// the web door's address (the bound one once the camp runs); `None` with the web
    /// door off and no public URL.
    pub fn public_origin(&self) -> Option<String> {
        match (&self.public_url, self.http_addr) {
            (Some(u), _) => Some(u.trim_end_matches('/').to_string()),
            (None, Some(addr)) => Some(format!("http://{addr}")),
            (None, None) => None,
        }
    }

    /// The invite link for `code` (`ORIGIN/join/CODE`), when the web door or a public
    /// URL gives the camp an origin.
    pub fn invite_link(&self, code: &str) -> Option<String> {
        self.public_origin().map(|o| format!("{o}/join/{code}"))
    }

    /// The host and port people reach SSH at: from `ssh_hint` when set (`-p PORT`
    /// and the last word, without a `user@`), else the public URL's host (or the SSH
    /// address, `localhost` for a loopback one) and the port SSH listens on.
    pub fn ssh_endpoint(&self) -> (String, u16) {
        let port = self.ssh_addr.port();
        if let Some(hint) = &self.camp.ssh_hint {
            let words: Vec<&str> = hint.split_whitespace().collect();
            let port = words
                .windows(2)
                .find(|w| w[0] == "-p")
                .and_then(|w| w[1].parse().ok())
                .unwrap_or(22);
            let host = words
                .iter()
                .rev()
                .find(|w| !w.starts_with('-') && w.parse::<u16>().is_err())
                .map(|w| w.rsplit('@').next().unwrap_or(w))
                .unwrap_or("localhost");
            return (host.to_string(), port);
        }
        let from_url = self
            .public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string));
        let host = from_url.unwrap_or_else(|| match self.ssh_addr.ip() {
            ip if ip.is_loopback() || ip.is_unspecified() => "localhost".to_string(),
            ip => ip.to_string(),
        });
        (host, port)
    }

    /// The hint people should type to reach this camp (`-p PORT HOST`, or `HOST` on
    /// port 22): `ssh_hint` from the file when set.
    pub fn ssh_hint(&self) -> String {
        if let Some(h) = &self.camp.ssh_hint {
            return h.clone();
        }
        match self.ssh_endpoint() {
            (host, 22) => host,
            (host, port) => format!("-p {port} {host}"),
        }
    }

    /// The directory blocklist subscriptions are read from.
    pub fn blocklist_dir(&self) -> PathBuf {
        match &self.camp.blocklist_dir {
            Some(d) if d.is_absolute() => d.clone(),
            Some(d) => self.data_dir.join(d),
            None => self.data_dir.join("blocklists"),
        }
    }

    /// Where, how often and how many automatic backups, when they are on.
    pub fn backup_schedule(&self) -> Option<(PathBuf, Duration, usize)> {
        let dir = self.camp.backup_dir.as_ref()?;
        let dir = if dir.is_absolute() {
            dir.clone()
        } else {
            match self.data_dir.parent() {
                Some(p) => p.join(dir),
                None => dir.clone(),
            }
        };
        let every = parse_every(&self.camp.backup_every)?;
        Some((dir, every, self.camp.backup_keep.max(1)))
    }

    /// Time a connection has to finish the handshake and authenticate.
    pub fn login_grace(&self) -> Duration {
        Duration::from_secs(self.camp.login_grace_secs)
    }

    /// Seconds of input silence before a session ends.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.camp.idle_timeout_secs)
    }
}

impl FileConfig {
    /// Refuses values that cannot work, with a reason.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Config(m.to_string()));
        if self.name.trim().is_empty() || self.name.chars().count() > 60 {
            return bad("name must be 1 to 60 characters");
        }
        if self.description.chars().count() > 500 {
            return bad("description must be at most 500 characters");
        }
        if !(1..=100_000).contains(&self.max_post_chars) {
            return bad("max_post_chars must be between 1 and 100000");
        }
        if self.max_connections == 0 || self.max_connections_per_ip == 0 {
            return bad("max_connections and max_connections_per_ip must be at least 1");
        }
        if self.max_web_connections == 0 || self.max_web_connections_per_ip == 0 {
            return bad("max_web_connections and max_web_connections_per_ip must be at least 1");
        }
        if !(1..=3600).contains(&self.web_idle_secs) {
            return bad("web_idle_secs must be between 1 and 3600");
        }
        if self.idle_timeout_secs == 0 {
            return bad("idle_timeout_secs must be at least 1");
        }
        if !(1..=3600).contains(&self.output_stall_secs) {
            return bad("output_stall_secs must be between 1 and 3600");
        }
        if !(1..=600).contains(&self.login_grace_secs) {
            return bad("login_grace_secs must be between 1 and 600");
        }
        if self.max_strangers == 0 {
            return bad("max_strangers must be at least 1");
        }
        if self.max_connections_per_account == 0 {
            return bad("max_connections_per_account must be at least 1");
        }
        if !(1..=100_000).contains(&self.max_channels_per_connection) {
            return bad("max_channels_per_connection must be between 1 and 100000");
        }
        if !(16..=128).contains(&self.ipv6_prefix) {
            return bad("ipv6_prefix must be between 16 and 128");
        }
        crate::web::forwarded::TrustedProxies::parse(&self.trusted_proxies)?;
        if self.name_quarantine_days > 3650 {
            return bad("name_quarantine_days must be at most 3650");
        }
        if let Some(t) = &self.metrics_token
            && (t.len() < 16 || t.len() > 256 || !t.bytes().all(|b| b.is_ascii_graphic()))
        {
            return bad("metrics_token must be 16 to 256 printable characters without spaces");
        }
        if parse_every(&self.backup_every).is_none() {
            return bad("backup_every must be hourly, daily, weekly or a duration like 6h");
        }
        if !(1..=10_000).contains(&self.backup_keep) {
            return bad("backup_keep must be between 1 and 10000");
        }
        Ok(())
    }
}

/// `hourly`, `daily`, `weekly`, or a number with s, m, h or d.
fn parse_every(s: &str) -> Option<Duration> {
    let secs = match s.trim() {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        other => {
            let split = other.find(|c: char| !c.is_ascii_digit())?;
            let (n, unit) = other.split_at(split);
            let unit = match unit {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                _ => return None,
            };
            n.parse::<u64>().ok()?.checked_mul(unit)?
        }
    };
    (secs > 0).then(|| Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_config_parses_and_rejects_nonsense() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("camp.toml");
        std::fs::write(&p, "name = \"pine\"\nmax_post_chars = 800\n").unwrap();
        let f = Config::load_file(&p).unwrap();
        assert_eq!(f.name, "pine");
        assert_eq!(f.max_post_chars, 800);
        assert_eq!(f.max_connections_per_ip, 32);
        std::fs::write(&p, "max_post_chars = 0\n").unwrap();
        assert!(
            Config::load_file(&p)
                .unwrap_err()
                .to_string()
                .contains("max_post_chars")
        );
        std::fs::write(&p, "nmae = \"typo\"\n").unwrap();
        assert!(
            Config::load_file(&p)
                .unwrap_err()
                .to_string()
                .contains("nmae")
        );
    }

    #[test]
    fn quarantine_and_metrics_token_have_defaults_and_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("camp.toml");
        std::fs::write(&p, "").unwrap();
        let f = Config::load_file(&p).unwrap();
        assert_eq!((f.name_quarantine_days, f.metrics_token), (30, None));
        std::fs::write(&p, "metrics_token = \"0123456789abcdef\"\n").unwrap();
        assert!(Config::load_file(&p).unwrap().metrics_token.is_some());
        for bad in [
            "metrics_token = \"short\"",
            "metrics_token = \"has a space in it!!\"",
            "name_quarantine_days = 5000",
        ] {
            std::fs::write(&p, bad).unwrap();
            assert!(Config::load_file(&p).is_err(), "{bad}");
        }
    }

    #[test]
    fn front_door_keys_have_defaults_and_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("camp.toml");
        std::fs::write(&p, "").unwrap();
        let f = Config::load_file(&p).unwrap();
        assert_eq!(
            (f.login_grace_secs, f.max_strangers, f.ipv6_prefix),
            (30, 100, 64)
        );
        assert_eq!(f.max_connections_per_account, 8);
        assert_eq!(f.max_channels_per_connection, 1000);
        for bad in [
            "login_grace_secs = 0",
            "max_strangers = 0",
            "max_connections_per_account = 0",
            "max_channels_per_connection = 0",
            "max_channels_per_connection = 100001",
            "ipv6_prefix = 8",
            "ipv6_prefix = 129",
        ] {
            std::fs::write(&p, bad).unwrap();
            assert!(Config::load_file(&p).is_err(), "{bad}");
        }
        let mut c = Config::with_dirs("/srv/camp", "k");
        assert_eq!(c.blocklist_dir(), Path::new("/srv/camp/blocklists"));
        c.camp.blocklist_dir = Some("lists".into());
        assert_eq!(c.blocklist_dir(), Path::new("/srv/camp/lists"));
        c.camp.blocklist_dir = Some("/etc/camp/lists".into());
        assert_eq!(c.blocklist_dir(), Path::new("/etc/camp/lists"));
    }

    #[test]
    fn backup_schedules_parse_and_sit_beside_the_data() {
        assert_eq!(parse_every("hourly"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_every("6h"), Some(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_every("0h"), None);
        assert_eq!(parse_every("often"), None);
        let mut c = Config::with_dirs("/srv/camp/data", "k");
        assert_eq!(c.backup_schedule(), None);
        c.camp.backup_dir = Some("backups".into());
        let (dir, every, keep) = c.backup_schedule().unwrap();
        assert_eq!(dir, Path::new("/srv/camp/backups"));
        assert_eq!((every, keep), (Duration::from_secs(86_400), 7));
        c.camp.backup_every = "every day".into();
        assert!(c.camp.validate().is_err());
    }

    #[test]
    fn ssh_hint_follows_the_port() {
        let mut c = Config::with_dirs("d", "k");
        assert_eq!(c.ssh_hint(), "-p 2222 localhost");
        c.ssh_addr = "10.0.0.5:22".parse().unwrap();
        assert_eq!(c.ssh_hint(), "10.0.0.5");
        c.public_url = Some("https://camp.example/".into());
        assert_eq!(c.ssh_hint(), "camp.example");
        assert_eq!(c.ssh_endpoint(), ("camp.example".to_string(), 22));
        c.ssh_addr = "0.0.0.0:2222".parse().unwrap();
        assert_eq!(c.ssh_hint(), "-p 2222 camp.example");
        c.camp.ssh_hint = Some("-p 2022 me@door.example".into());
        assert_eq!(c.ssh_endpoint(), ("door.example".to_string(), 2022));
        c.camp.ssh_hint = Some("door.example".into());
        assert_eq!(c.ssh_endpoint(), ("door.example".to_string(), 22));
    }

    #[test]
    fn public_origin_and_invite_links() {
        let mut c = Config::with_dirs("d", "k");
        assert_eq!(c.public_origin(), None);
        assert_eq!(c.invite_link("abcd"), None);
        c.http_addr = Some("127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.public_origin().as_deref(), Some("http://127.0.0.1:8080"));
        c.public_url = Some("https://camp.example/".into());
        assert_eq!(
            c.invite_link("abcd-efgh-jkmn").as_deref(),
            Some("https://camp.example/join/abcd-efgh-jkmn")
        );
    }
}
