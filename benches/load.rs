//! Load benchmark: many real SSH sessions with a PTY against the real `camp` server, and
//! the same measurement against a bare russh server that only broadcasts text (the floor).
//!
//! ```text
//! cargo bench --bench load -- --sessions 1000 [--accounts 10] [--rounds 5] [--concurrency 50] [--idle 3]
//!     [--camp PATH]
//! ```
//!
//! `--camp` measures another build of `camp` (say, last week's binary) with this same
//! benchmark, so two builds are compared by one client.
//!
//! CPU figures from `/proc` move by a tenth between runs of one build on a shared
//! machine. For a small step, count instructions instead: `benches/count.sh load`
//! runs this bench with the camp server under callgrind (`--fair-sched=yes`: without
//! it the server's threads starve each other and it does not start), zeroes the count
//! once `round 0:` is printed, dumps it once the last round but one is (the server is
//! killed before a dump at its end could be written), and divides by the
//! session-updates between. Each round's poster connection adds its key exchange
//! (2.6M instructions) to that total.
//!
//! Both servers run as child processes (camp: its own binary; the floor: this binary with
//! `--floor-server`), so their memory and CPU can be read from `/proc`. The clients (one
//! russh connection, PTY and `vt100` screen per session) run in this process. On a small
//! machine the servers and all clients share the same cores: the figures include that.
//!
//! The last line of stdout is machine-readable:
//! `load: sessions=N connect_per_s=X p50_ms=X p99_ms=X floor_p99_ms=X ratio_p99=X
//! rss_kib_per_session=X bytes_per_update=X round_p99_ms=X floor_round_p99_ms=X
//! ratio_round_p99=X steady_p99_ms=X floor_steady_p99_ms=X ratio_steady_p99=X
//! slowed_rounds=N floor_slowed_rounds=N machine_slowed_pct=X` (`round_`: the median of
//! the rounds' own p99s, which one slow round does not decide; `steady_`: the pooled p99
//! of the rounds the machine did not slow, those in which the clients needed 1.5 times
//! their median round's CPU for the same work; `machine_slowed_pct`: how often
//! a fixed piece of work took twice its median time in 2 s before the run).
//!
//! CPU figures per round are exact (the processes' CPU-time clocks); the share of other
//! processes comes from `/proc/stat`'s 10 ms ticks.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use russh::client;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};
use russh::{ChannelId, ChannelMsg};
use tokio::sync::{Semaphore, mpsc, watch};

/// Text every session waits for on its first screen.
const READY_MARKER: &str = "q quit";
/// A session that has not got its first screen this long after its turn to connect fails.
const SESSION_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// A session that has not seen a post this long after it was sent counts as a failure.
const SEEN_TIMEOUT: Duration = Duration::from_secs(10);
/// One exec command (connect, auth, run) may take this long.
const EXEC_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a server may take to print its listening line.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Output counts as settled after this long without a byte.
const QUIET: Duration = Duration::from_millis(250);

const USAGE: &str = "usage: cargo bench --bench load -- [--sessions N] [--accounts K] [--rounds R] [--concurrency C] [--idle SECONDS] [--camp PATH]";

/// Pids of the servers we started, killed on Ctrl-C.
static CHILDREN: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--floor-server") {
        return match floor::main() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("floor server: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let opts = match Opts::parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("load: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("load: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        tokio::spawn(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("load: interrupted; killing the servers");
                kill_registered_children();
                std::process::exit(130);
            }
        });
        match run(&opts).await {
            Ok(clean) => {
                if clean {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(2)
                }
            }
            Err(e) => {
                eprintln!("load: FAILED: {e:#}");
                ExitCode::FAILURE
            }
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
    code
}

#[derive(Debug, Clone)]
struct Opts {
    sessions: usize,
    accounts: usize,
    rounds: usize,
    concurrency: usize,
    /// Length of the idle window in seconds.
    idle: usize,
    /// The `camp` binary to measure.
    camp: PathBuf,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Opts> {
        let mut o = Opts {
            sessions: 100,
            accounts: 10,
            rounds: 5,
            concurrency: 50,
            idle: 3,
            camp: PathBuf::from(env!("CARGO_BIN_EXE_camp")),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            if name == "--camp" {
                o.camp = PathBuf::from(value_of(name, inline, &mut it)?);
                if !o.camp.is_file() {
                    bail!("--camp: no such file: {}", o.camp.display());
                }
                continue;
            }
            let slot = match name {
                "--sessions" => &mut o.sessions,
                "--accounts" => &mut o.accounts,
                "--rounds" => &mut o.rounds,
                "--concurrency" => &mut o.concurrency,
                "--idle" => &mut o.idle,
                // `cargo bench` passes `--bench` to harness-less benches.
                "--bench" => continue,
                "-h" | "--help" => bail!("help"),
                other => bail!("unknown argument {other:?}"),
            };
            let value = value_of(name, inline, &mut it)?;
            *slot = value
                .parse()
                .map_err(|_| anyhow!("{name} wants a positive whole number, not {value:?}"))?;
            if *slot == 0 {
                bail!("{name} must be at least 1");
            }
        }
        o.accounts = o.accounts.min(o.sessions);
        Ok(o)
    }
}

/// The value of option `name`: after its `=`, or the next argument.
fn value_of<'a>(
    name: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = &'a String>,
) -> Result<String> {
    match inline {
        Some(v) => Ok(v),
        None => rest
            .next()
            .cloned()
            .ok_or_else(|| anyhow!("{name} needs a value")),
    }
}

// ---------------------------------------------------------------------------------------
// Child processes

/// A server child process; killed (and reaped) when dropped, also on panic.
struct Server {
    name: &'static str,
    child: Child,
    /// Kept open so the floor server sees EOF (and exits) if we die without killing it.
    _stdin: Option<ChildStdin>,
    stdout: std::sync::mpsc::Receiver<String>,
    stderr_path: PathBuf,
}

impl Server {
    fn spawn(
        name: &'static str,
        mut cmd: Command,
        stderr_path: PathBuf,
        keep_stdin: bool,
    ) -> Result<Server> {
        let stderr = std::fs::File::create(&stderr_path)
            .with_context(|| format!("creating {}", stderr_path.display()))?;
        cmd.env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .stdin(if keep_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting the {name} server: {cmd:?}"))?;
        CHILDREN
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(child.id());
        let stdin = child.stdin.take();
        let out = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Keeps draining stdout for the whole life of the child.
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    // Nobody listens any more; keep draining so the child never blocks.
                }
            }
        });
        Ok(Server {
            name,
            child,
            _stdin: stdin,
            stdout: rx,
            stderr_path,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (blocking) for a stdout line that starts with `prefix`; returns the rest.
    fn wait_line(&mut self, prefix: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return Ok(rest.to_string());
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    bail!(
                        "the {} server printed no {prefix:?} line within {timeout:?}\n{}",
                        self.name,
                        self.stderr_tail(30)
                    )
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(100));
                    let status = self.child.try_wait().ok().flatten();
                    bail!(
                        "the {} server closed its stdout before printing {prefix:?} (exit: {status:?})\n{}",
                        self.name,
                        self.stderr_tail(30)
                    )
                }
            }
        }
    }

    /// Errors if the child has exited.
    fn check_alive(&mut self) -> Result<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => bail!(
                "the {} server exited ({status})\n{}",
                self.name,
                self.stderr_tail(40)
            ),
            Err(e) => bail!("cannot check the {} server: {e}", self.name),
        }
    }

    /// The last `n` lines the child wrote to stderr, framed for printing.
    fn stderr_tail(&self, n: usize) -> String {
        let text = std::fs::read(&self.stderr_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let text = strip_ansi(&text);
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(n);
        let mut s = format!(
            "--- last {} of {} stderr lines of the {} server ({}) ---\n",
            lines.len() - from,
            lines.len(),
            self.name,
            self.stderr_path.display()
        );
        for l in &lines[from..] {
            s.push_str(l);
            s.push('\n');
        }
        s.push_str("---");
        s
    }

    /// Lines of stderr, and how many mention WARN or ERROR.
    fn stderr_summary(&self) -> (usize, usize, usize) {
        let text = std::fs::read(&self.stderr_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let lines = text.lines().count();
        let warn = text.lines().filter(|l| l.contains("WARN")).count();
        let error = text
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("panicked"))
            .count();
        (lines, warn, error)
    }
}

/// Removes terminal colour sequences (`ESC [ ... letter`) from log text.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id();
        let _ = self.child.kill();
        let _ = self.child.wait();
        CHILDREN
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|p| *p != pid);
    }
}

fn kill_registered_children() {
    let pids = CHILDREN.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for pid in pids {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
}

// ---------------------------------------------------------------------------------------
// /proc readings

fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS in /proc/{pid}/status"))
}

/// utime + stime in clock ticks.
fn cpu_ticks(pid: &str) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow!("odd /proc/{pid}/stat"))?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime is field 14, stime field 15.
    let get = |i: usize| -> Result<u64> {
        f.get(i)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| anyhow!("odd /proc/{pid}/stat"))
    };
    Ok(get(11)? + get(12)?)
}

fn clock_ticks_per_s() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .unwrap_or(100.0)
}

/// Ticks processes spent on the whole machine (all cores), from `/proc/stat`.
fn machine_busy_ticks() -> Result<u64> {
    let stat = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    let line = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .ok_or_else(|| anyhow!("no cpu line in /proc/stat"))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is part of user). Only
    // process time: interrupt time (loopback TCP of our own sessions) is nobody's.
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    Ok(get(0) + get(1) + get(2))
}

/// CPU time of process `pid` (`None`: this one) in milliseconds, read from its CPU-time
/// clock: exact to the nanosecond and counting its ended threads, where `/proc`'s utime
/// and stime move in 10 ms ticks (a 200-session round costs the server about 6 ms).
fn cpu_clock_ms(pid: Option<u32>) -> Result<f64> {
    let mut clock: libc::clockid_t = libc::CLOCK_PROCESS_CPUTIME_ID;
    if let Some(pid) = pid {
        let pid = libc::pid_t::try_from(pid).context("a pid out of range")?;
        // SAFETY: `clock` is a valid place for the call to write the clock's id to.
        let rc = unsafe { libc::clock_getcpuclockid(pid, &mut clock) };
        if rc != 0 {
            bail!(
                "no CPU clock for process {pid}: {}",
                std::io::Error::from_raw_os_error(rc)
            );
        }
    }
    let mut at = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `at` is a valid timespec for the call to fill.
    if unsafe { libc::clock_gettime(clock, &mut at) } != 0 {
        bail!("reading a CPU clock: {}", std::io::Error::last_os_error());
    }
    Ok(at.tv_sec as f64 * 1000.0 + at.tv_nsec as f64 / 1e6)
}

/// CPU time of the server, of this process and of the whole machine, for per-phase
/// accounting.
#[derive(Clone, Copy)]
struct CpuMark {
    /// Exact CPU time of the server and of this process (ms).
    server_ms: f64,
    bench_ms: f64,
    /// The same in ticks, to take from the machine's ticks: only ticks compare with ticks.
    server_ticks: u64,
    bench_ticks: u64,
    machine: u64,
    at: Instant,
}

/// CPU spent between two marks, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
struct Spent {
    server: f64,
    bench: f64,
    /// Everything else on the machine (other builds and tests share the cores).
    others: f64,
    wall: f64,
}

impl CpuMark {
    fn take(pid: u32) -> Result<CpuMark> {
        Ok(CpuMark {
            server_ms: cpu_clock_ms(Some(pid))?,
            bench_ms: cpu_clock_ms(None)?,
            server_ticks: cpu_ticks(&pid.to_string())?,
            bench_ticks: cpu_ticks("self")?,
            machine: machine_busy_ticks()?,
            at: Instant::now(),
        })
    }

    fn since(&self, pid: u32, tck: f64) -> Result<Spent> {
        let now = CpuMark::take(pid)?;
        let ms = |t: u64| t as f64 * 1000.0 / tck;
        let ours = now.server_ticks.saturating_sub(self.server_ticks)
            + now.bench_ticks.saturating_sub(self.bench_ticks);
        let machine = now.machine.saturating_sub(self.machine);
        Ok(Spent {
            server: (now.server_ms - self.server_ms).max(0.0),
            bench: (now.bench_ms - self.bench_ms).max(0.0),
            others: ms(machine.saturating_sub(ours)),
            wall: now.at.duration_since(self.at).as_secs_f64() * 1000.0,
        })
    }
}

// ---------------------------------------------------------------------------------------
// SSH client pieces

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS random source works");
    b
}

fn random_hex(bytes: usize) -> String {
    let b: [u8; 16] = random_bytes();
    b[..bytes.min(16)].iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

fn new_key() -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&random_bytes::<32>()))
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

fn client_config() -> Arc<client::Config> {
    Arc::new(client::Config {
        inactivity_timeout: None,
        keepalive_interval: None,
        nodelay: true,
        ..Default::default()
    })
}

async fn connect(
    cfg: &Arc<client::Config>,
    addr: SocketAddr,
    key: &Arc<PrivateKey>,
) -> Result<client::Handle<Client>> {
    let mut h = client::connect(cfg.clone(), addr, Client)
        .await
        .with_context(|| format!("SSH connection to {addr}"))?;
    let auth = h
        .authenticate_publickey("bench", PrivateKeyWithHashAlg::new(key.clone(), None))
        .await
        .context("public key authentication")?;
    if !auth.success() {
        bail!("the server rejected the public key");
    }
    Ok(h)
}

async fn disconnect(h: client::Handle<Client>) {
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        h.disconnect(russh::Disconnect::ByApplication, "", "en"),
    )
    .await;
}

#[derive(Debug, Default)]
struct ExecOut {
    status: Option<u32>,
    stdout: String,
    stderr: String,
}

async fn collect_exec(mut ch: russh::Channel<client::Msg>) -> ExecOut {
    let mut out = ExecOut::default();
    while let Some(msg) = ch.wait().await {
        match msg {
            ChannelMsg::Data { data } => out.stdout.push_str(&String::from_utf8_lossy(&data)),
            ChannelMsg::ExtendedData { data, .. } => {
                out.stderr.push_str(&String::from_utf8_lossy(&data))
            }
            ChannelMsg::ExitStatus { exit_status } => out.status = Some(exit_status),
            ChannelMsg::Close => break,
            _ => {}
        }
    }
    out
}

/// Runs one exec command on a fresh connection; fails unless it exits 0.
async fn exec_ok(
    cfg: &Arc<client::Config>,
    addr: SocketAddr,
    key: &Arc<PrivateKey>,
    command: &str,
) -> Result<String> {
    let out = tokio::time::timeout(EXEC_TIMEOUT, async {
        let h = connect(cfg, addr, key).await?;
        let ch = h
            .channel_open_session()
            .await
            .context("opening a session channel")?;
        ch.exec(true, command)
            .await
            .context("sending the exec request")?;
        let out = collect_exec(ch).await;
        disconnect(h).await;
        anyhow::Ok(out)
    })
    .await
    .map_err(|_| anyhow!("`{command}` did not finish within {EXEC_TIMEOUT:?}"))??;
    if out.status != Some(0) {
        bail!(
            "`{command}` failed (exit {:?}): {}{}",
            out.status,
            out.stderr.trim(),
            out.stdout.trim()
        );
    }
    Ok(out.stdout)
}

// ---------------------------------------------------------------------------------------
// Sessions

#[derive(Clone)]
struct Token {
    round: usize,
    text: Arc<str>,
}

enum Event {
    Ready(usize),
    Seen { round: usize, at: Instant },
    Failed(usize, String),
    Closed(usize, String),
}

struct SessionCtx {
    idx: usize,
    addr: SocketAddr,
    cfg: Arc<client::Config>,
    key: Arc<PrivateKey>,
    gate: Arc<Semaphore>,
    events: mpsc::UnboundedSender<Event>,
    token: watch::Receiver<Option<Token>>,
    stop: watch::Receiver<bool>,
    bytes: Arc<AtomicU64>,
}

async fn open_shell(
    ctx: &SessionCtx,
) -> Result<(client::Handle<Client>, russh::Channel<client::Msg>)> {
    let h = connect(&ctx.cfg, ctx.addr, &ctx.key).await?;
    let ch = h
        .channel_open_session()
        .await
        .context("opening a session channel")?;
    ch.request_pty(false, "xterm-256color", 80, 24, 0, 0, &[])
        .await
        .context("requesting a PTY")?;
    ch.request_shell(false)
        .await
        .context("requesting a shell")?;
    Ok((h, ch))
}

async fn run_session(mut ctx: SessionCtx) {
    let idx = ctx.idx;
    let Ok(permit) = ctx.gate.clone().acquire_owned().await else {
        return;
    };
    let mut permit = Some(permit);
    let ready_deadline = tokio::time::Instant::now() + SESSION_READY_TIMEOUT;
    let (handle, mut ch) = match tokio::time::timeout_at(ready_deadline, open_shell(&ctx)).await {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            let _ = ctx.events.send(Event::Failed(idx, format!("{e:#}")));
            return;
        }
        Err(_) => {
            let _ = ctx.events.send(Event::Failed(
                idx,
                format!("connect/auth/pty/shell took over {SESSION_READY_TIMEOUT:?}"),
            ));
            return;
        }
    };
    let mut parser = vt100::Parser::new(24, 80, 0);
    let mut ready = false;
    let mut seen_round: Option<usize> = None;
    let end: String = loop {
        tokio::select! {
            msg = ch.wait() => match msg {
                Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                    ctx.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                    parser.process(&data);
                    let token = ctx.token.borrow().clone();
                    let want_token = token.as_ref().filter(|t| seen_round != Some(t.round));
                    if ready && want_token.is_none() {
                        continue;
                    }
                    let contents = parser.screen().contents();
                    if !ready && contents.contains(READY_MARKER) {
                        ready = true;
                        permit = None;
                        let _ = ctx.events.send(Event::Ready(idx));
                    }
                    if let Some(t) = want_token
                        && contents.contains(&*t.text)
                    {
                        seen_round = Some(t.round);
                        let _ = ctx.events.send(Event::Seen { round: t.round, at: Instant::now() });
                    }
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => {
                    break format!("the server ended the session (exit status {exit_status}); screen: {:?}",
                        parser.screen().contents().trim());
                }
                Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => {
                    break format!("the server closed the channel; screen: {:?}",
                        parser.screen().contents().trim());
                }
                Some(_) => {}
            },
            changed = ctx.token.changed() => {
                if changed.is_err() {
                    break "stopped".into();
                }
                // The token is set before the post is sent, so it cannot be on screen yet;
                // the check happens on the next Data.
            }
            _ = tokio::time::sleep_until(ready_deadline), if !ready => {
                break format!(
                    "no first screen within {SESSION_READY_TIMEOUT:?}; screen: {:?}",
                    parser.screen().contents().trim()
                );
            }
            _ = async { ctx.stop.wait_for(|s| *s).await.map(|_| ()) } => break String::new(),
        }
    };
    drop(permit);
    if !end.is_empty() {
        if ready {
            let _ = ctx.events.send(Event::Closed(idx, end));
        } else {
            let _ = ctx.events.send(Event::Failed(idx, end));
        }
    }
    drop(ch);
    disconnect(handle).await;
}

// ---------------------------------------------------------------------------------------
// One measurement

/// What a measurement needs to know about the server under test.
struct Target<'a> {
    name: &'static str,
    server: &'a mut Server,
    addr: SocketAddr,
    /// Keys the sessions use, round-robin.
    keys: Vec<Arc<PrivateKey>>,
    /// Key that sends the posts.
    poster: Arc<PrivateKey>,
    /// The exec command that makes every screen show `token`.
    post_command: fn(&str) -> String,
}

#[derive(Debug, Default)]
struct RoundStat {
    seen: usize,
    expected: usize,
    min: f64,
    p50: f64,
    p99: f64,
    max: f64,
    exec_ms: f64,
    bytes_per_session: f64,
    server_cpu_ms: f64,
    bench_cpu_ms: f64,
    others_cpu_ms: f64,
    wall_ms: f64,
    /// The round's latencies, sorted (ms).
    latencies_ms: Vec<f64>,
}

/// A round's CPU, against the run's median round, at or above which the round counts
/// as one the machine slowed (see [`Measured::slowed`]).
const SLOWED_CPU: f64 = 1.5;

#[derive(Debug, Default)]
struct Measured {
    sessions: usize,
    ready: usize,
    connect_failures: Vec<String>,
    connect_secs: f64,
    connect_per_s: f64,
    connect_server_cpu_ms: f64,
    connect_bench_cpu_ms: f64,
    rss_before_kib: u64,
    rss_after_kib: u64,
    rss_kib_per_session: f64,
    idle_cpu_pct: f64,
    idle_bench_cpu_pct: f64,
    /// CPU used by other processes during the rounds, in % of the whole machine.
    others_pct: f64,
    idle_bytes: u64,
    seen_failures: usize,
    exec_failures: Vec<String>,
    closed: Vec<String>,
    bytes_per_update: f64,
    rounds: Vec<RoundStat>,
}

impl Measured {
    /// Percentile `q` of every screen of every round.
    fn p(&self, q: f64) -> f64 {
        percentile(&self.pooled(|_| true), q)
    }

    /// The latencies of the rounds `keep` takes (by index), sorted.
    fn pooled(&self, keep: impl Fn(usize) -> bool) -> Vec<f64> {
        let mut lat: Vec<f64> = self
            .rounds
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .flat_map(|(_, r)| r.latencies_ms.iter().copied())
            .collect();
        lat.sort_by(f64::total_cmp);
        lat
    }

    /// The median of the rounds' own p99s: the pooled p99 is set by the worst round
    /// (with 5 rounds, its 10 slowest screens), so one round that another process
    /// slowed decides it; this says what a typical round did.
    fn round_p99(&self) -> f64 {
        let mut p99s: Vec<f64> = self.rounds.iter().map(|r| r.p99).collect();
        p99s.sort_by(f64::total_cmp);
        percentile(&p99s, 50.0)
    }

    /// Which rounds the machine itself slowed: the clients' own CPU was at least
    /// [`SLOWED_CPU`] times their median round's. They do the same work every round (the
    /// same frames to decrypt and parse), so more CPU for it means slower cores, not more
    /// work: the host of these shared machines slows both cores at once, for up to a
    /// few hundred ms about every 1.5-2 s (see [`probe_machine`]). The server's own CPU
    /// is not asked, so a round that the server itself made costly still counts.
    fn slowed(&self) -> Vec<bool> {
        let mut cpu: Vec<f64> = self.rounds.iter().map(|r| r.bench_cpu_ms).collect();
        cpu.sort_by(f64::total_cmp);
        let median = percentile(&cpu, 50.0);
        self.rounds
            .iter()
            .map(|r| r.bench_cpu_ms >= SLOWED_CPU * median)
            .collect()
    }

    /// How many rounds the machine slowed (see [`Self::slowed`]).
    fn slowed_rounds(&self) -> usize {
        self.slowed().into_iter().filter(|&s| s).count()
    }

    /// The pooled p99 of the rounds the machine did not slow (see [`Self::slowed`]).
    fn steady_p99(&self) -> f64 {
        let slowed = self.slowed();
        percentile(&self.pooled(|i| !slowed[i]), 99.0)
    }
}

/// How often this machine's cores ran slow while nothing of the benchmark ran: a fixed
/// piece of work (about 0.3 ms) timed every 5 ms.
struct MachineProbe {
    samples: usize,
    /// The median time of the work (µs).
    median_us: f64,
    /// Share of the samples that took at least twice the median (%).
    slowed_pct: f64,
    /// The slowest sample against the median.
    worst: f64,
}

/// Times a fixed piece of work every 5 ms for `length`. On an idle machine it always
/// takes about as long; where the host shares or throttles these cores it takes several
/// times as long for a while, and so does everything the rounds run then.
fn probe_machine(length: Duration) -> MachineProbe {
    let mut took = Vec::new();
    let end = Instant::now() + length;
    let mut x = 1u64;
    while Instant::now() < end {
        let start = Instant::now();
        for _ in 0..200_000 {
            x = std::hint::black_box(
                x.wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407),
            );
        }
        took.push(start.elapsed().as_secs_f64() * 1e6);
        std::thread::sleep(Duration::from_millis(5));
    }
    took.sort_by(f64::total_cmp);
    let median_us = percentile(&took, 50.0);
    let slowed = took.iter().filter(|t| **t >= 2.0 * median_us).count();
    MachineProbe {
        samples: took.len(),
        median_us,
        slowed_pct: slowed as f64 * 100.0 / took.len().max(1) as f64,
        worst: took.last().copied().unwrap_or(f64::NAN) / median_us,
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Waits until `bytes` has not moved for [`QUIET`] (at most `limit`).
async fn settle(bytes: &AtomicU64, limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut last = bytes.load(Ordering::Relaxed);
    let mut since = Instant::now();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let now = bytes.load(Ordering::Relaxed);
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() >= QUIET {
            return;
        }
    }
}

async fn measure(t: Target<'_>, opts: &Opts, tck: f64) -> Result<Measured> {
    let n = opts.sessions;
    let pid = t.server.pid();
    let cfg = client_config();
    let mut m = Measured {
        sessions: n,
        ..Default::default()
    };
    println!(
        "[{}] opening {n} PTY sessions, {} at a time…",
        t.name, opts.concurrency
    );

    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel();
    let (token_tx, token_rx) = watch::channel::<Option<Token>>(None);
    let (stop_tx, stop_rx) = watch::channel(false);
    let bytes = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(Semaphore::new(opts.concurrency));

    settle_server(pid).await;
    m.rss_before_kib = rss_kib(pid)?;
    let cpu0 = CpuMark::take(pid)?;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for idx in 0..n {
        let ctx = SessionCtx {
            idx,
            addr: t.addr,
            cfg: cfg.clone(),
            key: t.keys[idx % t.keys.len()].clone(),
            gate: gate.clone(),
            events: ev_tx.clone(),
            token: token_rx.clone(),
            stop: stop_rx.clone(),
            bytes: bytes.clone(),
        };
        tasks.push(tokio::spawn(run_session(ctx)));
    }
    drop(ev_tx);

    // Everyone's first screen (or failure).
    let phase_limit =
        Duration::from_secs(60).max(SESSION_READY_TIMEOUT + Duration::from_millis(100 * n as u64));
    let deadline = tokio::time::Instant::now() + phase_limit;
    let mut ready = vec![false; n];
    let mut done = 0;
    let mut last_ready = started;
    let mut progress_at = Instant::now() + Duration::from_secs(5);
    while done < n {
        match tokio::time::timeout_at(deadline, ev_rx.recv()).await {
            Ok(Some(Event::Ready(i))) => {
                ready[i] = true;
                m.ready += 1;
                done += 1;
                last_ready = Instant::now();
            }
            Ok(Some(Event::Failed(i, why))) => {
                done += 1;
                m.connect_failures.push(format!("session {i}: {why}"));
            }
            Ok(Some(Event::Closed(i, why))) => {
                // Closed after being ready, before everyone else was.
                ready[i] = false;
                m.closed.push(format!("session {i}: {why}"));
            }
            Ok(Some(Event::Seen { .. })) => {}
            Ok(None) => break,
            Err(_) => {
                m.connect_failures.push(format!(
                    "{} sessions had neither a first screen nor an error after {phase_limit:?}",
                    n - done
                ));
                break;
            }
        }
        if Instant::now() >= progress_at {
            println!(
                "[{}]   {} ready, {} failed, {:.1}s",
                t.name,
                m.ready,
                done - m.ready,
                started.elapsed().as_secs_f64()
            );
            progress_at = Instant::now() + Duration::from_secs(5);
        }
    }
    m.connect_secs = last_ready.duration_since(started).as_secs_f64();
    m.connect_per_s = m.ready as f64 / m.connect_secs.max(1e-9);
    let spent = cpu0.since(pid, tck)?;
    m.connect_server_cpu_ms = spent.server;
    m.connect_bench_cpu_ms = spent.bench;
    m.rss_after_kib = rss_kib(pid)?;
    m.rss_kib_per_session = (m.rss_after_kib as f64 - m.rss_before_kib as f64) / n as f64;
    println!(
        "[{}]   {} of {n} sessions ready in {:.2}s ({} failed)",
        t.name,
        m.ready,
        m.connect_secs,
        m.connect_failures.len()
    );
    if !m.connect_failures.is_empty() {
        // Same reason, same line: "17 × connection refused".
        let mut reasons: Vec<(String, usize)> = Vec::new();
        for f in &m.connect_failures {
            let why = f
                .split_once(": ")
                .map_or(f.as_str(), |(_, w)| w)
                .to_string();
            match reasons.iter_mut().find(|(w, _)| *w == why) {
                Some((_, n)) => *n += 1,
                None => reasons.push((why, 1)),
            }
        }
        eprintln!("[{}]   connect failures by reason:", t.name);
        for (why, count) in reasons.iter().take(10) {
            eprintln!("[{}]     {count} x {why}", t.name);
        }
    }
    t.server.check_alive()?;
    if m.ready == 0 {
        let _ = stop_tx.send(true);
        bail!(
            "no session got its first screen; first errors:\n  {}\n{}",
            m.connect_failures
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n  "),
            t.server.stderr_tail(30)
        );
    }

    // Idle: nothing happens; the server should burn no CPU and send nothing.
    settle(&bytes, Duration::from_secs(5)).await;
    let idle0 = CpuMark::take(pid)?;
    let bytes0 = bytes.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(opts.idle as u64)).await;
    let spent = idle0.since(pid, tck)?;
    m.idle_cpu_pct = spent.server / spent.wall * 100.0;
    m.idle_bench_cpu_pct = spent.bench / spent.wall * 100.0;
    m.idle_bytes = bytes.load(Ordering::Relaxed) - bytes0;
    println!(
        "[{}]   idle {:.1}s: server cpu {:.2}%, {} bytes to sessions",
        t.name,
        spent.wall / 1000.0,
        m.idle_cpu_pct,
        m.idle_bytes
    );

    // Latency rounds.
    let mut alive = ready.clone();
    let mut update_bytes = 0u64;
    let mut update_sessions = 0usize;
    for round in 0..opts.rounds {
        let text: Arc<str> = format!("bench-{round}-{}", random_hex(6)).into();
        let command = (t.post_command)(&text);
        let h = tokio::time::timeout(EXEC_TIMEOUT, connect(&cfg, t.addr, &t.poster))
            .await
            .map_err(|_| anyhow!("the poster could not connect within {EXEC_TIMEOUT:?}"))??;
        let ch = h
            .channel_open_session()
            .await
            .context("poster: opening a channel")?;
        let expected = alive.iter().filter(|a| **a).count();
        let cpu = CpuMark::take(pid)?;
        let b0 = bytes.load(Ordering::Relaxed);
        token_tx.send_replace(Some(Token {
            round,
            text: text.clone(),
        }));
        let t0 = Instant::now();
        ch.exec(true, command.as_str())
            .await
            .context("poster: sending the exec request")?;
        let exec_task = tokio::spawn(async move {
            let r = tokio::time::timeout(EXEC_TIMEOUT, collect_exec(ch)).await;
            (r, t0.elapsed())
        });
        let mut lat = Vec::with_capacity(expected);
        let deadline = tokio::time::Instant::from_std(t0 + SEEN_TIMEOUT);
        while lat.len() < alive.iter().filter(|a| **a).count() {
            match tokio::time::timeout_at(deadline, ev_rx.recv()).await {
                Ok(Some(Event::Seen { round: r, at })) if r == round => {
                    lat.push(at.duration_since(t0).as_secs_f64() * 1000.0);
                }
                Ok(Some(Event::Closed(i, why))) | Ok(Some(Event::Failed(i, why))) => {
                    alive[i] = false;
                    m.closed.push(format!("session {i} (round {round}): {why}"));
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        let seen = lat.len();
        // Time until the post command itself finished (its exit status and close).
        let mut exec_ms = f64::NAN;
        match exec_task.await {
            Ok((Ok(out), took)) => {
                exec_ms = took.as_secs_f64() * 1000.0;
                if out.status != Some(0) {
                    m.exec_failures.push(format!(
                        "round {round}: `{command}` exited {:?}: {}",
                        out.status,
                        out.stderr.trim()
                    ));
                }
            }
            Ok((Err(_), _)) => m.exec_failures.push(format!(
                "round {round}: `{command}` did not finish within {EXEC_TIMEOUT:?}"
            )),
            Err(e) => m
                .exec_failures
                .push(format!("round {round}: exec task: {e}")),
        }
        disconnect(h).await;
        // Let the rest of each frame arrive, then count the bytes of this update.
        settle(&bytes, Duration::from_secs(3)).await;
        let round_bytes = bytes.load(Ordering::Relaxed) - b0;
        let spent = cpu.since(pid, tck)?;
        token_tx.send_replace(None);
        lat.sort_by(f64::total_cmp);
        let rs = RoundStat {
            seen,
            expected,
            min: lat.first().copied().unwrap_or(f64::NAN),
            p50: percentile(&lat, 50.0),
            p99: percentile(&lat, 99.0),
            max: lat.last().copied().unwrap_or(f64::NAN),
            exec_ms,
            bytes_per_session: round_bytes as f64 / expected.max(1) as f64,
            server_cpu_ms: spent.server,
            bench_cpu_ms: spent.bench,
            others_cpu_ms: spent.others,
            wall_ms: spent.wall,
            latencies_ms: lat,
        };
        println!(
            "[{}]   round {round}: seen {seen}/{expected}  min {:.1} ms  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  {:.0} B/session  server cpu {:.1} ms  bench cpu {:.1} ms",
            t.name,
            rs.min,
            rs.p50,
            rs.p99,
            rs.max,
            rs.bytes_per_session,
            rs.server_cpu_ms,
            rs.bench_cpu_ms
        );
        m.seen_failures += expected - seen;
        update_bytes += round_bytes;
        update_sessions += expected;
        m.rounds.push(rs);
        t.server.check_alive()?;
    }
    m.bytes_per_update = update_bytes as f64 / update_sessions.max(1) as f64;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let others: f64 = m.rounds.iter().map(|r| r.others_cpu_ms).sum();
    let wall: f64 = m.rounds.iter().map(|r| r.wall_ms).sum();
    m.others_pct = others / wall.max(1.0) / cores * 100.0;

    // Close every session before the next measurement.
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(15), futures::future::join_all(tasks)).await;
    Ok(m)
}

/// Gives a freshly started server a moment so its start-up allocations are done.
async fn settle_server(pid: u32) {
    let mut last = rss_kib(pid).unwrap_or(0);
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = rss_kib(pid).unwrap_or(0);
        if now == last {
            return;
        }
        last = now;
    }
}

// ---------------------------------------------------------------------------------------
// The run

/// Runs everything in a temp dir that is kept (for the servers' logs) when anything failed.
async fn run(opts: &Opts) -> Result<bool> {
    let dir = tempfile::Builder::new()
        .prefix("camp-load-")
        .tempdir()
        .context("creating a temp dir")?;
    let result = run_in(opts, dir.path()).await;
    if !matches!(result, Ok(true)) {
        eprintln!("load: kept {} (server logs and data)", dir.keep().display());
    }
    result
}

async fn run_in(opts: &Opts, dir: &Path) -> Result<bool> {
    let tck = clock_ticks_per_s();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!(
        "load: {} sessions over {} accounts, {} rounds; {cores} cores shared by the server, the floor and all clients; temp {}",
        opts.sessions,
        opts.accounts,
        opts.rounds,
        dir.display()
    );
    let keys: Vec<Arc<PrivateKey>> = (0..opts.accounts).map(|_| Arc::new(new_key())).collect();
    let probe = tokio::task::block_in_place(|| probe_machine(Duration::from_secs(2)));
    println!(
        "machine: a fixed piece of work took {:.0} µs (median of {}); {:.1}% of the samples took twice that or more, the slowest {:.1}×",
        probe.median_us, probe.samples, probe.slowed_pct, probe.worst
    );

    // camp
    let camp_m = {
        let mut server = start_camp(dir, opts)?;
        let listening = tokio::task::block_in_place(|| {
            server.wait_line("camp listening on ssh://", START_TIMEOUT)
        })?;
        let addr = parse_listening(&listening)?;
        let invite =
            tokio::task::block_in_place(|| server.wait_line("admin invite: ", START_TIMEOUT))?;
        println!(
            "[camp] pid {} on {addr}; creating {} accounts",
            server.pid(),
            opts.accounts
        );
        setup_accounts(addr, &keys, invite.trim())
            .await
            .map_err(|e| anyhow!("{e:#}\n{}", server.stderr_tail(30)))?;
        let result = measure(
            Target {
                name: "camp",
                server: &mut server,
                addr,
                keys: keys.clone(),
                poster: keys[0].clone(),
                post_command: |token| format!("post {token}"),
            },
            opts,
            tck,
        )
        .await;
        let stderr = server.stderr_summary();
        match result {
            Ok(m) => {
                if !m.connect_failures.is_empty()
                    || m.seen_failures > 0
                    || !m.closed.is_empty()
                    || !m.exec_failures.is_empty()
                {
                    eprintln!("{}", server.stderr_tail(40));
                }
                (m, stderr)
            }
            Err(e) => return Err(anyhow!("{e:#}\n{}", server.stderr_tail(40))),
        }
    };

    // floor
    let floor_m = {
        let mut server = start_floor(dir)?;
        let addr_text =
            tokio::task::block_in_place(|| server.wait_line("floor listening on ", START_TIMEOUT))?;
        let addr: SocketAddr = addr_text
            .trim()
            .parse()
            .with_context(|| format!("floor address {addr_text:?}"))?;
        println!("[floor] pid {} on {addr}", server.pid());
        let result = measure(
            Target {
                name: "floor",
                server: &mut server,
                addr,
                keys: keys.clone(),
                poster: keys[0].clone(),
                post_command: |token| format!("broadcast {token}"),
            },
            opts,
            tck,
        )
        .await;
        let stderr = server.stderr_summary();
        match result {
            Ok(m) => (m, stderr),
            Err(e) => return Err(anyhow!("{e:#}\n{}", server.stderr_tail(40))),
        }
    };

    Ok(report(opts, &probe, &camp_m, &floor_m))
}

fn start_camp(dir: &Path, opts: &Opts) -> Result<Server> {
    let data = dir.join("data");
    let keys = dir.join("keys");
    let config = dir.join("camp.toml");
    let cap = opts.sessions + 200;
    std::fs::write(
        &config,
        // The flood limits protect a real camp from one address (or one account)
        // opening hundreds of connections a minute, which is exactly what a load test
        // does: N sessions shared by a few accounts, all from 127.0.0.1.
        format!(
            "max_connections = {cap}\nmax_connections_per_ip = {cap}\n\
             connections_per_ip_per_minute = 0\nposts_per_minute = 0\n\
             max_strangers = {cap}\nmax_connections_per_account = {cap}\n"
        ),
    )
    .context("writing camp.toml")?;
    let mut cmd = Command::new(&opts.camp);
    cmd.arg("serve")
        .arg("--data")
        .arg(&data)
        .arg("--keys")
        .arg(&keys)
        // Port 0 for the web door too: two runs (or a camp on 8080) never collide.
        .args(["--ssh", "127.0.0.1:0", "--http", "127.0.0.1:0", "--config"])
        .arg(&config);
    Server::spawn("camp", cmd, dir.join("camp.stderr"), false)
}

fn parse_listening(rest: &str) -> Result<SocketAddr> {
    // `camp listening on ssh://HOST:PORT (host key SHA256:...)`, prefix already removed.
    let addr = rest.split_whitespace().next().unwrap_or_default();
    addr.parse()
        .with_context(|| format!("reading the address in the listening line {rest:?}"))
}

fn start_floor(dir: &Path) -> Result<Server> {
    let exe = std::env::current_exe().context("finding this benchmark's executable")?;
    let mut cmd = Command::new(exe);
    cmd.arg("--floor-server");
    Server::spawn("floor", cmd, dir.join("floor.stderr"), true)
}

async fn setup_accounts(
    addr: SocketAddr,
    keys: &[Arc<PrivateKey>],
    admin_invite: &str,
) -> Result<()> {
    let cfg = client_config();
    exec_ok(
        &cfg,
        addr,
        &keys[0],
        &format!("join {admin_invite} admin --agree"),
    )
    .await
    .context("admin join")?;
    let code = exec_ok(
        &cfg,
        addr,
        &keys[0],
        &format!("invite --uses {}", keys.len()),
    )
    .await
    .context("admin invite")?;
    let code = code.trim().to_string();
    if code.is_empty() || code.contains(char::is_whitespace) {
        bail!("`invite` printed {code:?}, not a code");
    }
    for (i, key) in keys.iter().enumerate().skip(1) {
        exec_ok(&cfg, addr, key, &format!("join {code} user{i} --agree"))
            .await
            .with_context(|| format!("user{i} join"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Report

/// What the server wrote to stderr: lines, warnings, errors.
type StderrSummary = (usize, usize, usize);

fn report(
    opts: &Opts,
    probe: &MachineProbe,
    camp: &(Measured, StderrSummary),
    floor: &(Measured, StderrSummary),
) -> bool {
    let (c, (c_lines, c_warn, c_err)) = camp;
    let (f, (f_lines, f_warn, f_err)) = floor;
    // Per session and update, over all rounds.
    let per_update = |m: &Measured, pick: fn(&RoundStat) -> f64| {
        let updates: usize = m.rounds.iter().map(|r| r.expected).sum();
        m.rounds.iter().map(pick).sum::<f64>() * 1000.0 / updates.max(1) as f64
    };
    type Figure = fn(&Measured) -> f64;
    let numeric: [(&str, usize, Figure); 20] = [
        ("time to all first screens (s)", 2, |m| m.connect_secs),
        ("connect/s", 1, |m| m.connect_per_s),
        ("  server cpu while connecting (s)", 2, |m| {
            m.connect_server_cpu_ms / 1000.0
        }),
        ("  bench cpu while connecting (s)", 2, |m| {
            m.connect_bench_cpu_ms / 1000.0
        }),
        ("post -> first screen, min (ms)", 2, |m| m.p(0.0)),
        ("post -> screen p50 (ms)", 2, |m| m.p(50.0)),
        ("post -> screen p99 (ms)", 2, |m| m.p(99.0)),
        ("post -> screen max (ms)", 2, |m| m.p(100.0)),
        ("median of the rounds' p99 (ms)", 2, |m| m.round_p99()),
        ("rounds the machine slowed (bench cpu 1.5x)", 0, |m| {
            m.slowed_rounds() as f64
        }),
        ("p99 of the other rounds (ms)", 2, |m| m.steady_p99()),
        ("updates not seen within 10 s", 0, |m| {
            m.seen_failures as f64
        }),
        ("rss before sessions (MiB)", 1, |m| {
            m.rss_before_kib as f64 / 1024.0
        }),
        ("rss with sessions (MiB)", 1, |m| {
            m.rss_after_kib as f64 / 1024.0
        }),
        ("rss KiB/session", 1, |m| m.rss_kib_per_session),
        ("bytes/update (per session)", 1, |m| m.bytes_per_update),
        ("idle server cpu %", 2, |m| m.idle_cpu_pct),
        ("idle bytes to all sessions", 0, |m| m.idle_bytes as f64),
        ("idle bench (client) cpu %", 2, |m| m.idle_bench_cpu_pct),
        ("other processes, % of machine (rounds)", 1, |m| {
            m.others_pct
        }),
    ];
    let row = |name: &str, a: &str, b: &str| println!("  {name:<40} {a:>12} {b:>12}");
    println!();
    println!(
        "load: {} sessions, {} accounts, {} rounds, idle window {} s",
        opts.sessions, opts.accounts, opts.rounds, opts.idle
    );
    row("", "camp", "floor");
    row(
        "sessions ready",
        &format!("{}/{}", c.ready, c.sessions),
        &format!("{}/{}", f.ready, f.sessions),
    );
    for (name, decimals, figure) in numeric {
        row(
            name,
            &format!("{:.decimals$}", figure(c)),
            &format!("{:.decimals$}", figure(f)),
        );
    }
    for (name, pick) in [
        (
            "server cpu us per session-update",
            (|r| r.server_cpu_ms) as fn(&RoundStat) -> f64,
        ),
        ("bench cpu us per session-update", |r| r.bench_cpu_ms),
    ] {
        row(
            name,
            &format!("{:.1}", per_update(c, pick)),
            &format!("{:.1}", per_update(f, pick)),
        );
    }
    row(
        "server stderr lines (warn/error)",
        &format!("{c_lines} ({c_warn}/{c_err})"),
        &format!("{f_lines} ({f_warn}/{f_err})"),
    );
    println!();
    println!(
        "  round        seen   min ms  p50 ms  p99 ms  max ms  exec ms  B/session  server cpu ms  bench cpu ms  others ms  wall ms  slowed"
    );
    for (name, m) in [("camp", c), ("floor", f)] {
        for ((i, r), slowed) in m.rounds.iter().enumerate().zip(m.slowed()) {
            println!(
                "  {name:<5} {i:>2} {:>5}/{:<5} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>8.1} {:>10.1} {:>14.1} {:>13.1} {:>10.0} {:>8.0}  {}",
                r.seen,
                r.expected,
                r.min,
                r.p50,
                r.p99,
                r.max,
                r.exec_ms,
                r.bytes_per_session,
                r.server_cpu_ms,
                r.bench_cpu_ms,
                r.others_cpu_ms,
                r.wall_ms,
                if slowed { "yes" } else { "" }
            );
        }
    }
    let mut clean = true;
    for (name, m) in [("camp", c), ("floor", f)] {
        let show = |what: &str, list: &[String]| {
            if !list.is_empty() {
                eprintln!("load: {name}: {} {what}; first ones:", list.len());
                for l in list.iter().take(5) {
                    eprintln!("    {l}");
                }
            }
        };
        show("sessions failed to connect", &m.connect_failures);
        show("sessions closed during the run", &m.closed);
        show("post commands failed", &m.exec_failures);
        if m.seen_failures > 0 {
            eprintln!(
                "load: {name}: {} updates were not seen within {SEEN_TIMEOUT:?}",
                m.seen_failures
            );
        }
        if m.others_pct > 10.0 {
            eprintln!(
                "load: {name}: other processes used {:.0}% of the machine during the rounds; latencies are noisy",
                m.others_pct
            );
        }
        clean &= m.connect_failures.is_empty()
            && m.closed.is_empty()
            && m.exec_failures.is_empty()
            && m.seen_failures == 0;
    }
    let _ = std::io::stderr().flush();
    println!();
    println!(
        "load: sessions={} connect_per_s={:.1} p50_ms={:.2} p99_ms={:.2} floor_p99_ms={:.2} ratio_p99={:.2} rss_kib_per_session={:.1} bytes_per_update={:.1} round_p99_ms={:.2} floor_round_p99_ms={:.2} ratio_round_p99={:.2} steady_p99_ms={:.2} floor_steady_p99_ms={:.2} ratio_steady_p99={:.2} slowed_rounds={} floor_slowed_rounds={} machine_slowed_pct={:.1}",
        opts.sessions,
        c.connect_per_s,
        c.p(50.0),
        c.p(99.0),
        f.p(99.0),
        c.p(99.0) / f.p(99.0),
        c.rss_kib_per_session,
        c.bytes_per_update,
        c.round_p99(),
        f.round_p99(),
        c.round_p99() / f.round_p99(),
        c.steady_p99(),
        f.steady_p99(),
        c.steady_p99() / f.steady_p99(),
        c.slowed_rounds(),
        f.slowed_rounds(),
        probe.slowed_pct
    );
    clean
}

// ---------------------------------------------------------------------------------------
// The floor: a bare russh server that broadcasts text to every shell

mod floor {
    use super::*;
    use russh::server::{self, Auth, ChannelOpenHandle, Msg, Session, VerifiedPublicKey};
    use russh::{Channel, MethodKind, MethodSet};
    use std::sync::atomic::AtomicUsize;
    use tokio::net::TcpListener;

    /// The first screen: same ready marker as camp's footer.
    const SCREEN: &[u8] = b"\x1b[?1049h\x1b[2J\x1b[Hfloor ready\r\n\x1b[24;1Hq quit\x1b[2;1H";

    type Shells = Arc<Mutex<HashMap<(usize, ChannelId), server::Handle>>>;

    pub fn main() -> Result<()> {
        // Exit when the benchmark goes away (its end of our stdin closes).
        std::thread::spawn(|| {
            let mut buf = [0u8; 64];
            let mut stdin = std::io::stdin();
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => std::process::exit(0),
                    Ok(_) => {}
                }
            }
        });
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        rt.block_on(serve())
    }

    async fn serve() -> Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("floor listening on {}", listener.local_addr()?);
        std::io::stdout().flush()?;
        let config = Arc::new(server::Config {
            methods: MethodSet::from(&[MethodKind::PublicKey][..]),
            auth_rejection_time: Duration::from_millis(10),
            auth_rejection_time_initial: Some(Duration::ZERO),
            keys: vec![new_key()],
            inactivity_timeout: None,
            nodelay: true,
            ..Default::default()
        });
        let shells: Shells = Arc::new(Mutex::new(HashMap::new()));
        let ids = Arc::new(AtomicUsize::new(0));
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("floor: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let conn = Conn {
                id: ids.fetch_add(1, Ordering::Relaxed),
                shells: shells.clone(),
            };
            let config = config.clone();
            tokio::spawn(async move {
                match server::run_stream(config, stream, conn).await {
                    Ok(session) => {
                        let _ = session.await;
                    }
                    Err(e) => eprintln!("floor: handshake failed: {e}"),
                }
            });
        }
    }

    struct Conn {
        id: usize,
        shells: Shells,
    }

    impl Drop for Conn {
        fn drop(&mut self) {
            let id = self.id;
            self.shells
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|(c, _), _| *c != id);
        }
    }

    impl server::Handler for Conn {
        type Error = russh::Error;

        async fn auth_publickey(
            &mut self,
            _user: &str,
            _key: VerifiedPublicKey<'_>,
        ) -> Result<Auth, Self::Error> {
            Ok(Auth::Accept)
        }

        async fn channel_open_session(
            &mut self,
            _channel: Channel<Msg>,
            reply: ChannelOpenHandle,
            _session: &mut Session,
        ) -> Result<(), Self::Error> {
            reply.accept().await;
            Ok(())
        }

        async fn pty_request(
            &mut self,
            channel: ChannelId,
            _term: &str,
            _cols: u32,
            _rows: u32,
            _pw: u32,
            _ph: u32,
            _modes: &[(russh::Pty, u32)],
            session: &mut Session,
        ) -> Result<(), Self::Error> {
            session.channel_success(channel)
        }

        async fn shell_request(
            &mut self,
            channel: ChannelId,
            session: &mut Session,
        ) -> Result<(), Self::Error> {
            session.channel_success(channel)?;
            session.data(channel, SCREEN.to_vec())?;
            self.shells
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert((self.id, channel), session.handle());
            Ok(())
        }

        async fn exec_request(
            &mut self,
            channel: ChannelId,
            data: &[u8],
            session: &mut Session,
        ) -> Result<(), Self::Error> {
            session.channel_success(channel)?;
            let command = String::from_utf8_lossy(data).into_owned();
            let handle = session.handle();
            let Some(text) = command.strip_prefix("broadcast ") else {
                let _ =
                    session.extended_data(channel, 1, b"floor: only `broadcast TEXT`\n".to_vec());
                session.exit_status_request(channel, 2)?;
                session.eof(channel)?;
                session.close(channel)?;
                return Ok(());
            };
            let frame = format!("{text}\r\n").into_bytes();
            let targets: Vec<(ChannelId, server::Handle)> = self
                .shells
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|((_, ch), h)| (*ch, h.clone()))
                .collect();
            // Never await Handle::data here: this connection's loop is waiting on us.
            tokio::spawn(async move {
                let sends = targets.iter().map(|(ch, h)| h.data(*ch, frame.clone()));
                let sent = futures::future::join_all(sends)
                    .await
                    .iter()
                    .filter(|r| r.is_ok())
                    .count();
                let _ = handle.data(channel, format!("{sent}\n").into_bytes()).await;
                let _ = handle.exit_status_request(channel, 0).await;
                let _ = handle.eof(channel).await;
                let _ = handle.close(channel).await;
            });
            Ok(())
        }
    }
}
