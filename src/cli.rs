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
    /// Run the camp: SSH server (and the federation bridge when --http is given).
    Serve {
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// Address for SSH (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:2222")]
        ssh: SocketAddr,
        /// Address for the ActivityPub bridge (off when absent).
        #[arg(long)]
        http: Option<SocketAddr>,
        /// Public origin of the bridge, used in every id (e.g. https://camp.example).
        #[arg(long)]
        public_url: Option<String>,
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
    /// Write the whole camp to stdout as one backup file (the server must be stopped;
    /// on a running camp use `ssh HOST backup > FILE`).
    Backup {
        /// Paths.
        #[command(flatten)]
        paths: Paths,
        /// Include the SSH host key (keep such a file as secret as the key itself).
        #[arg(long)]
        with_host_key: bool,
    },
    /// Restore a backup file into a new, empty data directory.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// The data directory to create (must not exist, or be empty).
        #[arg(long)]
        data: PathBuf,
        /// Where to put the host key, when the backup holds one.
        #[arg(long)]
        keys: Option<PathBuf>,
    },
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
            dev_federation,
        } => {
            let mut config = paths.config(ssh, http)?;
            if http.is_none() && (public_url.is_some() || dev_federation) {
                anyhow::bail!("--public-url and --dev-federation need --http ADDR");
            }
            config.public_url = public_url;
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
        Command::Backup {
            paths,
            with_host_key,
        } => crate::cli_backup::backup(paths.open()?, with_host_key),
        Command::Restore { file, data, keys } => {
            crate::cli_backup::restore(&file, &data, keys.as_deref())
        }
    }
}
