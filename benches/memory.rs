//! Memory that grows with writes: the idle RSS of a running `camp serve` after 10,000,
//! 50,000 and 100,000 posts written, then with 200 terminal sessions open, then after a
//! restart on the same data.
//!
//! ```text
//! cargo bench --bench memory -- [--posts 10000,50000,100000] [--sessions 200]
//!     [--accounts 10] [--concurrency 8] [--fresh] [--wrap "heaptrack -o /tmp/camp"]
//!     [--env NAME=VALUE]... [--log FILE]
//! ```
//!
//! The posts are written **through the running server** (`post TEXT` over SSH exec, the
//! way a camp is used and the case where memory grew: a camp seeded in-process and then
//! started holds only what its reads touch, so it would hide a server that keeps what it
//! writes). Each of `--concurrency` writers keeps one SSH connection and opens an exec
//! channel per post, so the figures are about posts, not about connections. After each
//! checkpoint the server is left alone until its RSS stops moving; that idle RSS is the
//! figure. `--wrap` runs the server under a profiler (its RSS is then the wrapper's and
//! is not a camp figure).
//!
//! Measured on the team's shared 2-core machine (busy), `--fresh` (one connection per
//! post, as `ssh camp post ...` does), 10 campers following each other, RSS in MiB:
//!
//! | posts written | sled default cache (1 GiB) | `SLED_CACHE_BYTES` = 4 MiB | = 1 MiB |
//! |---------------|----------------------------|----------------------------|---------|
//! | 0             | 13.5                       | 13.4                       | 13.6    |
//! | 10,000        | 43.5                       | 42.2                       | 30.2    |
//! | 20,000        | 66.8                       | 45.9                       | 35.7–38.7 |
//! | restarted     | 20.0                       | 19.9                       | 19.9    |
//!
//! With 1 MiB and 200 sessions open after 20,000 posts: 96.4. Without `--fresh` (8
//! connections, a channel per post) the server also grew by ~2–4 KiB per exec: russh
//! keeps every channel the server closed first in its map until the connection ends
//! (1 Dec 2026: 60.5 MiB after 10,000 posts, 176.6 after 50,000, 235.2 after 100,000;
//! 54.0 restarted). A connection now opens at most `max_channels_per_connection`
//! channels (1,000 by default), and without `--fresh` each writer opens a new
//! connection every 500 posts.
//!
//! Allocator (issue 13, second round), 20,000 posts, `--fresh --sessions 1`, RSS in MiB
//! (about 11.5 MiB of each figure is the binary's own text, file-backed):
//!
//! | run                                                   | 20,000 | first session |
//! |-------------------------------------------------------|--------|---------------|
//! | glibc defaults (up to 16 arenas on 2 cores)           | 41.0   | 428 KiB       |
//! | `arena_max=1` (via `--env GLIBC_TUNABLES=...`)        | 30.3, 30.7 | 448 KiB   |
//! | `arena_max=2`                                         | 32.6   | 3,404 KiB     |
//! | `arena_max=1`, mmap and trim thresholds fixed at 128 KiB | 29.7 | 680 KiB     |
//!
//! The last row is what `camp::allocator` now sets at start. The full run with it
//! (`--fresh`, defaults plus 20,000; machine busy with four builds), 30 Nov 2026 20:41
//! UTC: 0: 14.1, 10,000: 29.1, 20,000: 32.2, 50,000: 40.3, 100,000: 54.4; 200
//! sessions: 112.3 (first session 396 KiB); restarted 54.0. Again at 20:54 UTC, a
//! little quieter: 10,000: 27.8, 20,000: 30.3, restarted 19.7.
//!
//! The closed exec channels are russh's, not camp's (whose map drops a channel when its
//! task ends): when the server closes first, russh 0.65 removes the channel from its
//! encrypted state, so the client's closing reply fails `is_established_channel` and
//! returns before `Session::channels` (its sender to the dropped `Channel`) is removed. heaptrack at 20,000 posts:
//! 16.2 MiB live, nearly all sled's page table (a `Page` and its `cache_infos` per page,
//! re-made by `page_out`); 20.5 MiB more is sled's metrics histograms, allocated zeroed
//! and never touched (sled builds them even with metrics off), so not resident.
//! `malloc_trim(0)` at that point gave back 0.6 MiB: what remains is live, not free.
//!
//! The last line of stdout is machine-readable:
//! `memory: posts=N:RSS_MIB,... first_session_kib=K sessions=S:RSS_MIB restarted=RSS_MIB`

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};
use russh::{ChannelMsg, client};

/// One exec command may take this long.
const EXEC_TIMEOUT: Duration = Duration::from_secs(30);

struct Opts {
    checkpoints: Vec<usize>,
    sessions: usize,
    accounts: usize,
    concurrency: usize,
    wrap: Option<String>,
    fresh: bool,
    /// `NAME=VALUE` pairs set in the server's environment (allocator experiments:
    /// `GLIBC_TUNABLES=glibc.malloc.arena_max=2`).
    env: Vec<(String, String)>,
    /// Where the server's stderr goes (for `gdb -p PID -ex 'call malloc_stats()'`).
    log: Option<std::path::PathBuf>,
}

fn opts() -> Result<Opts> {
    let mut o = Opts {
        checkpoints: vec![10_000, 50_000, 100_000],
        sessions: 200,
        accounts: 10,
        concurrency: 8,
        wrap: None,
        fresh: false,
        env: Vec::new(),
        log: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = || -> Result<&str> {
            args.get(i + 1)
                .map(String::as_str)
                .ok_or_else(|| anyhow!("{} needs a value", args[i]))
        };
        let number = || -> Result<usize> { value()?.parse().context("not a number") };
        match args[i].as_str() {
            "--posts" => {
                o.checkpoints = value()?
                    .split(',')
                    .map(|n| {
                        n.trim()
                            .parse()
                            .context("--posts takes numbers: 10000,50000")
                    })
                    .collect::<Result<_>>()?;
                if !o.checkpoints.is_sorted() || o.checkpoints.is_empty() {
                    bail!("--posts takes increasing numbers");
                }
            }
            "--sessions" => o.sessions = number()?,
            "--accounts" => o.accounts = number()?.max(1),
            "--concurrency" => o.concurrency = number()?.max(1),
            "--wrap" => o.wrap = Some(value()?.to_string()),
            "--env" => {
                let (k, v) = value()?.split_once('=').context("--env takes NAME=VALUE")?;
                o.env.push((k.to_string(), v.to_string()));
            }
            "--log" => o.log = Some(value()?.into()),
            "--fresh" => {
                o.fresh = true;
                i += 1;
                continue;
            }
            "--bench" => {
                i += 1;
                continue;
            }
            other => bail!("unknown option {other}"),
        }
        i += 2;
    }
    Ok(o)
}

/// VmRSS and RssAnon of a process, in KiB.
fn rss_kib(pid: u32) -> Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| anyhow!("no {name} for {pid}"))
    };
    Ok((field("VmRSS:")?, field("RssAnon:")?))
}

/// Waits until the server's RSS stops moving for two seconds (or thirty pass).
async fn settled_rss(pid: u32) -> Result<(u64, u64)> {
    let mut last = rss_kib(pid)?;
    let mut still = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = rss_kib(pid)?;
        if now.0.abs_diff(last.0) < 64 {
            still += 1;
            if still >= 8 {
                return Ok(now);
            }
        } else {
            still = 0;
        }
        last = now;
    }
    Ok(last)
}

fn random_key() -> PrivateKey {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("random seed");
    PrivateKey::from(Ed25519Keypair::from_seed(&seed))
}

struct Client;

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

async fn connect(addr: SocketAddr, key: &Arc<PrivateKey>) -> Result<client::Handle<Client>> {
    let cfg = Arc::new(client::Config {
        inactivity_timeout: None,
        nodelay: true,
        ..Default::default()
    });
    let mut h = client::connect(cfg, addr, Client).await?;
    let auth = h
        .authenticate_publickey("bench", PrivateKeyWithHashAlg::new(key.clone(), None))
        .await?;
    if !auth.success() {
        bail!("key refused");
    }
    Ok(h)
}

/// Runs one exec command on an open connection; fails unless it exits 0.
async fn exec_on(h: &client::Handle<Client>, command: &str) -> Result<String> {
    tokio::time::timeout(EXEC_TIMEOUT, async {
        let mut ch = h.channel_open_session().await?;
        ch.exec(true, command).await?;
        let (mut out, mut err, mut status) = (Vec::new(), Vec::new(), None);
        while let Some(msg) = ch.wait().await {
            match msg {
                ChannelMsg::Data { data } => out.extend_from_slice(&data),
                ChannelMsg::ExtendedData { data, .. } => err.extend_from_slice(&data),
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        if status != Some(0) {
            bail!(
                "`{command}` failed ({status:?}): {}",
                String::from_utf8_lossy(&err).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    })
    .await
    .map_err(|_| anyhow!("`{command}` took over {EXEC_TIMEOUT:?}"))?
}

async fn exec_once(addr: SocketAddr, key: &Arc<PrivateKey>, command: &str) -> Result<String> {
    let h = connect(addr, key).await?;
    let out = exec_on(&h, command).await;
    let _ = h
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    out
}

/// A running `camp serve`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(dir: &Path, o: &Opts) -> Result<Server> {
        let cap = o.sessions + o.concurrency + 100;
        let config = dir.join("camp.toml");
        std::fs::write(
            &config,
            format!(
                "max_connections = {cap}\nmax_connections_per_ip = {cap}\n\
                 connections_per_ip_per_minute = 0\nposts_per_minute = 0\n\
                 max_strangers = {cap}\nmax_connections_per_account = {cap}\n"
            ),
        )?;
        let exe = env!("CARGO_BIN_EXE_camp");
        let mut cmd = match &o.wrap {
            Some(wrap) => {
                let mut words = wrap.split_whitespace();
                let mut c = Command::new(words.next().context("--wrap is empty")?);
                c.args(words).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        cmd.arg("serve")
            .arg("--data")
            .arg(dir.join("data"))
            .arg("--keys")
            .arg(dir.join("keys"))
            .args(["--ssh", "127.0.0.1:0", "--http", "off", "--config"])
            .arg(&config)
            .envs(o.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(match &o.log {
                Some(path) => Stdio::from(std::fs::File::create(path)?),
                None => Stdio::null(),
            });
        let mut child = cmd.spawn().context("starting camp serve")?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                let _ = tx.send(line);
            }
        });
        let mut server = Server {
            child,
            addr: "127.0.0.1:0".parse()?,
            lines,
        };
        let rest = server.wait_line("camp listening on ssh://")?;
        server.addr = rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .parse()
            .with_context(|| format!("the listening line {rest:?}"))?;
        Ok(server)
    }

    fn wait_line(&self, prefix: &str) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .map_err(|_| anyhow!("camp serve printed no {prefix:?} line"))?;
            if let Some(rest) = line.strip_prefix(prefix) {
                return Ok(rest.to_string());
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server the way an admin would (SIGTERM) and waits for it. Under
    /// `--wrap` the server is the wrapper's descendant: it gets the signal too, so a
    /// profiler sees it exit normally.
    fn stop(mut self) -> Result<()> {
        for pid in descendants(self.child.id()).into_iter().rev() {
            // SAFETY: kill only sends a signal to our own child or its descendants.
            unsafe { libc::kill(pid as i32, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                bail!("camp serve did not stop within 60 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

/// `pid` and every process below it, parents first.
fn descendants(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    let mut i = 0;
    while i < all.len() {
        let p = all[i];
        let tasks = std::fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten();
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            all.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
        i += 1;
    }
    all
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Joins the admin and `n - 1` campers; returns their keys.
async fn accounts(server: &Server, n: usize) -> Result<Vec<Arc<PrivateKey>>> {
    let code = server.wait_line("admin invite: ")?;
    let admin = Arc::new(random_key());
    exec_once(server.addr, &admin, &format!("join {code} admin --agree")).await?;
    let invite = exec_once(server.addr, &admin, &format!("invite --uses {n}")).await?;
    let mut keys = vec![admin];
    for i in 1..n {
        let key = Arc::new(random_key());
        exec_once(
            server.addr,
            &key,
            &format!("join {} c{i} --agree", invite.trim()),
        )
        .await?;
        keys.push(key);
    }
    // Everyone follows everyone, so each post lands on every home timeline.
    for (i, key) in keys.iter().enumerate() {
        for j in 0..n {
            if i != j {
                let name = if j == 0 {
                    "admin".into()
                } else {
                    format!("c{j}")
                };
                exec_once(server.addr, key, &format!("follow {name}")).await?;
            }
        }
    }
    Ok(keys)
}

/// Writes posts `from..to` through `concurrency` connections.
/// Posts a writer sends over one connection before it opens a new one (without
/// `--fresh`), under the server's default `max_channels_per_connection`.
const CHANNELS_PER_CONNECTION: usize = 500;

async fn write_posts(
    addr: SocketAddr,
    keys: &[Arc<PrivateKey>],
    from: usize,
    to: usize,
    concurrency: usize,
    fresh: bool,
) -> Result<()> {
    let next = Arc::new(AtomicUsize::new(from));
    let writers = (0..concurrency).map(|w| {
        let next = next.clone();
        let key = keys[w % keys.len()].clone();
        async move {
            let mut h = connect(addr, &key).await?;
            let mut on_this = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= to {
                    break;
                }
                // A connection opens at most `max_channels_per_connection` channels
                // (1,000 by default): a long-running writer reconnects, as any must.
                on_this += 1;
                if fresh || on_this > CHANNELS_PER_CONNECTION {
                    on_this = 1;
                    let _ = h
                        .disconnect(russh::Disconnect::ByApplication, "", "en")
                        .await;
                    h = connect(addr, &key).await?;
                }
                exec_on(
                    &h,
                    &format!(
                        "post 'post {i}: a day at camp, the lake was cold and the coffee \
                         was hot #camp{}'",
                        i % 50
                    ),
                )
                .await?;
            }
            let _ = h
                .disconnect(russh::Disconnect::ByApplication, "", "en")
                .await;
            anyhow::Ok(())
        }
    });
    for r in futures::future::join_all(writers).await {
        r?;
    }
    Ok(())
}

/// Opens a TUI session (PTY 80×24) and waits for its first screen.
async fn open_session(
    addr: SocketAddr,
    key: Arc<PrivateKey>,
) -> Result<(client::Handle<Client>, russh::Channel<client::Msg>)> {
    let h = connect(addr, &key).await?;
    let mut ch = h.channel_open_session().await?;
    ch.request_pty(false, "xterm-256color", 80, 24, 0, 0, &[])
        .await?;
    ch.request_shell(false).await?;
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&seen).contains("quit") {
        match tokio::time::timeout_at(deadline, ch.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => seen.extend_from_slice(&data),
            Ok(Some(_)) => {}
            Ok(None) => bail!("the session closed"),
            Err(_) => bail!("no first screen within 60 s"),
        }
    }
    Ok((h, ch))
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

async fn run(o: &Opts, dir: &Path) -> Result<String> {
    let server = Server::start(dir, o)?;
    let keys = accounts(&server, o.accounts).await?;
    let (start_rss, start_anon) = settled_rss(server.pid()).await?;
    println!(
        "posts=0 rss_mib={} anon_mib={}",
        mib(start_rss),
        mib(start_anon)
    );
    let mut curve = vec![format!("0:{}", mib(start_rss))];
    let mut written = 0;
    for &n in &o.checkpoints {
        let t = Instant::now();
        write_posts(server.addr, &keys, written, n, o.concurrency, o.fresh).await?;
        let rate = (n - written) as f64 / t.elapsed().as_secs_f64();
        written = n;
        let (rss, anon) = settled_rss(server.pid()).await?;
        println!(
            "posts={n} rss_mib={} anon_mib={} posts_per_s={rate:.0}",
            mib(rss),
            mib(anon)
        );
        curve.push(format!("{n}:{}", mib(rss)));
    }
    let mut open = Vec::new();
    let per = keys.len();
    // What one terminal session adds on top of the idle server: its first screen reads
    // a timeline page, which must not cost memory in proportion to the posts.
    let mut first_kib = 0;
    if o.sessions > 0 {
        let (before, _) = settled_rss(server.pid()).await?;
        open.push(open_session(server.addr, keys[0].clone()).await?);
        let (after, _) = settled_rss(server.pid()).await?;
        first_kib = after.saturating_sub(before);
        println!(
            "posts={written} first_session_kib={first_kib} rss_mib={}",
            mib(after)
        );
    }
    for chunk in (1..o.sessions).collect::<Vec<_>>().chunks(20) {
        let batch = futures::future::join_all(
            chunk
                .iter()
                .map(|i| open_session(server.addr, keys[i % per].clone())),
        )
        .await;
        for s in batch {
            open.push(s?);
        }
    }
    let (with, with_anon) = settled_rss(server.pid()).await?;
    println!(
        "posts={written} sessions={} rss_mib={} anon_mib={}",
        o.sessions,
        mib(with),
        mib(with_anon)
    );
    drop(open);
    server.stop()?;
    if o.wrap.is_some() {
        // A second run under the profiler would overwrite its first profile.
        return Ok("memory: profiled, no figures".into());
    }

    let server = Server::start(dir, o)?;
    let (restarted, restarted_anon) = settled_rss(server.pid()).await?;
    println!(
        "posts={written} restarted rss_mib={} anon_mib={}",
        mib(restarted),
        mib(restarted_anon)
    );
    server.stop()?;
    Ok(format!(
        "memory: posts={} first_session_kib={first_kib} sessions={}:{} restarted={}",
        curve.join(","),
        o.sessions,
        mib(with),
        mib(restarted)
    ))
}

fn main() -> Result<()> {
    let o = opts()?;
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Runtime::new()?;
    let line = rt.block_on(run(&o, dir.path()))?;
    println!("{line}");
    Ok(())
}
