//! The command line: `camp serve` and the offline admin verbs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;

/// camp: a small private social network served over SSH.
#[derive(Debug, Parser)]
#[command(name = "camp", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the camp keeps its things (shared by every subcommand).
#[derive(Debug, clap::Args, Clone)]
pub struct Paths {
    /// Directory of the embedded database.
    #[arg(long, default_value = "./camp-data")]
    pub data: PathBuf,
    /// Directory of the SSH host key.
    #[arg(long, default_value = "./keys")]
    pub keys: PathBuf,
    /// camp.toml with the camp's settings.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the camp: the SSH server, the web door, and the bridge with --federate.
    Serve {
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// Address for SSH (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:2222")]
        ssh: SocketAddr,
        /// Address of the web door (landing page, invite links, browser terminal), or
        /// `off` (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080", value_parser = parse_http)]
        http: HttpSwitch,
        /// Public origin (e.g. https://camp.example): invite links, the browser
        /// terminal's Origin check, federation ids. Default: http:// + the web address.
        #[arg(long)]
        public_url: Option<String>,
        /// Serve the ActivityPub bridge on the web door (needs --public-url).
        #[arg(long)]
        federate: bool,
        /// Tests on one machine only: plain-http WebFinger, fetches to private addresses.
        #[arg(long)]
        dev_federation: bool,
    },
    /// Make an invite while the server is stopped (prints the code).
    Invite {
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// How many accounts may join with it.
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// Role granted: camper, moderator or admin.
        #[arg(long, default_value = "camper")]
        role: String,
    },
    /// Set a member's role while the server is stopped (recovery).
    Role {
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// The member's username.
        name: String,
        /// camper, moderator or admin.
        role: String,
    },
    /// Lift a suspension while the server is stopped.
    Unsuspend {
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// The member's username.
        name: String,
    },
    /// Print the moderation audit log, newest first.
    Audit {
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

/// `--http`: an address, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSwitch(pub Option<SocketAddr>);

fn parse_http(s: &str) -> Result<HttpSwitch, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(HttpSwitch(None));
    }
    s.parse()
        .map(|a| HttpSwitch(Some(a)))
        .map_err(|_| format!("{s:?} is not HOST:PORT or off"))
}

impl Paths {
    /// Opens the camp's database for an offline verb (fails while the server runs).
    fn open(&self) -> crate::Result<crate::Camp> {
        crate::Camp::open(self.config("127.0.0.1:2222".parse().expect("a valid address"), None)?)
    }

    fn config(&self, ssh: SocketAddr, http: Option<SocketAddr>) -> crate::Result<Config> {
        let mut config = Config::with_dirs(&self.data, &self.keys);
        config.ssh_addr = ssh;
        config.http_addr = http;
        if let Some(path) = &self.config {
            config.camp = Config::load_file(path)?;
        }
        Ok(config)
    }
}

/// Runs a parsed command line; `Err` becomes a one-line message and exit status 1.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            paths,
            ssh,
            http,
            public_url,
            federate,
            dev_federation,
        } => {
            let mut config = paths.config(ssh, http.0)?;
            if dev_federation && !federate {
                anyhow::bail!("--dev-federation needs --federate");
            }
            if federate && http.0.is_none() {
                anyhow::bail!("--federate needs the web door: give --http ADDR, not off");
            }
            if federate && public_url.is_none() && !dev_federation {
                anyhow::bail!("--federate needs --public-url https://your.host");
            }
            config.public_url = public_url;
            config.federate = federate;
            config.dev_federation = dev_federation;
            crate::server::run_blocking(config)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Invite { paths, uses, role } => {
            let config = paths.config("127.0.0.1:2222".parse()?, None)?;
            let role = crate::model::Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("role must be camper, moderator or admin"))?;
            let camp = crate::Camp::open(config)?;
            let code = camp.offline_invite(uses, role)?;
            println!("{code}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Role { paths, name, role } => {
            let camp = paths.open()?;
            let role = crate::model::Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("role must be camper, moderator or admin"))?;
            let a = camp.host_set_role(&name, role)?;
            println!("@{} is now {}", a.username, role.as_str());
            Ok(ExitCode::SUCCESS)
        }
        Command::Unsuspend { paths, name } => {
            let a = paths.open()?.host_unsuspend(&name)?;
            println!("@{} can log in again", a.username);
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { paths, limit } => {
            for v in paths.open()?.host_audit(limit)? {
                let e = &v.entry;
                println!(
                    "{} · {} · {} · {} · {}",
                    crate::text::date(e.created_ms),
                    v.actor,
                    e.action,
                    e.target,
                    crate::text::sanitize_line(&e.reason)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
