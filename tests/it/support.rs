//! Shared helpers: a camp per test (in-process or the real binary), client keys, the
//! `ssh` binary, russh exec channels, and PTY sessions mirrored into a vt100 screen.
//!
//! Every wait here is bounded: it reads until the expected thing shows up or a deadline
//! passes, then fails with what a person would have seen.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use camp::config::Config;
use camp::server::Running;
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, ChannelWriteHalf, client};
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout, timeout_at};

/// How long one step (a command, a screen update) may take before a test fails.
pub const STEP: Duration = Duration::from_secs(15);

/// A client key pair, also written in OpenSSH format to a 0600 file for the `ssh` binary.
pub struct Key {
    /// The private key for russh.
    pub private: Arc<PrivateKey>,
    /// Path of the OpenSSH private key file.
    pub file: PathBuf,
    _dir: TempDir,
}

impl Key {
    /// A fresh Ed25519 key.
    pub fn generate() -> Key {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("random seed");
        let private = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
        let dir = tempfile::tempdir().expect("temp dir for a key");
        let file = dir.path().join("id_ed25519");
        let text = private
            .to_openssh(LineEnding::LF)
            .expect("OpenSSH encoding");
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .expect("writing the key file");
        Key {
            private: Arc::new(private),
            file,
            _dir: dir,
        }
    }
}

/// What one command printed and how it ended.
#[derive(Debug, Clone)]
pub struct ExecOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status (None if the server sent none).
    pub status: Option<u32>,
}

impl ExecOutput {
    /// Stdout of a command that must have succeeded.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.status,
            Some(0),
            "command failed: stderr {:?}, stdout {:?}",
            self.stderr,
            self.stdout
        );
        &self.stdout
    }

    /// Asserts a failure with `status` and returns stderr.
    #[track_caller]
    pub fn failed(&self, status: u32) -> &str {
        assert_eq!(
            self.status,
            Some(status),
            "expected exit status {status}: stderr {:?}, stdout {:?}",
            self.stderr,
            self.stdout
        );
        &self.stderr
    }
}

/// Parses `timeline --json` output.
#[track_caller]
pub fn json_list(stdout: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(stdout) {
        Ok(Value::Array(items)) => items,
        other => panic!("expected a JSON array, got {other:?} from {stdout:?}"),
    }
}

/// A post id as printed by `post`: digits only.
#[track_caller]
pub fn post_id(stdout: &str) -> String {
    let id = stdout.trim_end_matches('\n');
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        "post should print its id alone, printed {stdout:?}"
    );
    id.to_string()
}

// ---------------------------------------------------------------------------------
// A camp in this process
// ---------------------------------------------------------------------------------

/// A camp served in this test's runtime, on its own temp dirs.
pub struct TestCamp {
    /// Where SSH listens.
    pub addr: SocketAddr,
    /// The first-admin invite, until someone used it.
    pub admin_invite: Option<String>,
    /// `SHA256:...` of the host key.
    pub fingerprint: String,
    /// The admin's key, once [`TestCamp::with_admin`] made one.
    pub admin: Option<Key>,
    /// Where the web door listens (and the bridge, when the config federates).
    pub http_addr: Option<SocketAddr>,
    running: Option<Running>,
    _data: TempDir,
    _keys: TempDir,
}

impl TestCamp {
    /// A fresh camp with default settings and no accounts.
    pub async fn start() -> TestCamp {
        Self::start_with(|_| {}).await
    }

    /// A fresh camp; `adjust` may change the settings first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestCamp {
        let data = tempfile::tempdir().expect("data dir");
        let keys = tempfile::tempdir().expect("keys dir");
        let mut config = Config::with_dirs(data.path(), keys.path());
        config.ssh_addr = "127.0.0.1:0".parse().expect("address");
        // The web door on a free port: two camps never collide.
        config.http_addr = Some("127.0.0.1:0".parse().expect("address"));
        // Every test connects from 127.0.0.1, often many times a minute: flood limits
        // are off unless a test turns them on.
        config.camp.connections_per_ip_per_minute = 0;
        config.camp.posts_per_minute = 0;
        adjust(&mut config);
        let running = camp::server::start(config).await.expect("camp starts");
        TestCamp {
            addr: running.ssh_addr,
            admin_invite: running.admin_invite.clone(),
            fingerprint: running.host_key_fingerprint.clone(),
            admin: None,
            http_addr: running.http_addr,
            running: Some(running),
            _data: data,
            _keys: keys,
        }
    }

    /// A fresh camp whose admin `@admin` joined over SSH with the admin invite.
    pub async fn with_admin() -> TestCamp {
        Self::with_admin_using(|_| {}).await
    }

    /// Like [`TestCamp::with_admin`], with settings changed by `adjust` first.
    pub async fn with_admin_using(adjust: impl FnOnce(&mut Config)) -> TestCamp {
        let mut camp = Self::start_with(adjust).await;
        let key = Key::generate();
        let code = camp
            .admin_invite
            .clone()
            .expect("a new camp has an admin invite");
        exec(camp.addr, &key, &format!("join {code} admin --agree"))
            .await
            .ok();
        camp.admin = Some(key);
        camp
    }

    /// A new invite made by the admin over SSH.
    pub async fn invite(&self) -> String {
        let admin = self.admin.as_ref().expect("with_admin first");
        let out = exec(self.addr, admin, "invite").await;
        out.ok().trim().to_string()
    }

    /// A new camper `name` (invited by the admin, joined over SSH); returns its key.
    pub async fn member(&self, name: &str) -> Key {
        let code = self.invite().await;
        let key = Key::generate();
        exec(self.addr, &key, &format!("join {code} {name} --agree"))
            .await
            .ok();
        key
    }

    /// Stops the camp cleanly.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            timeout(STEP, r.stop())
                .await
                .expect("camp stops in time")
                .expect("camp stops cleanly");
        }
    }
}

// ---------------------------------------------------------------------------------
// russh client
// ---------------------------------------------------------------------------------

struct Client;

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Authenticates `handle` with `key` within a step; why not, as a sentence.
pub async fn authenticate<H: client::Handler>(
    handle: &mut client::Handle<H>,
    key: &Key,
) -> Result<(), String> {
    let auth = timeout(
        STEP,
        handle.authenticate_publickey(
            "camper",
            PrivateKeyWithHashAlg::new(key.private.clone(), None),
        ),
    )
    .await
    .map_err(|_| "auth timed out".to_string())?
    .map_err(|e| format!("auth: {e}"))?;
    if auth.success() {
        Ok(())
    } else {
        Err("auth refused".into())
    }
}

/// One authenticated SSH connection; it can open several channels.
pub struct Conn {
    handle: client::Handle<Client>,
}

impl Conn {
    /// Connects and authenticates with `key`.
    pub async fn connect(addr: SocketAddr, key: &Key) -> Conn {
        Conn::connect_with(addr, key, client::Config::default().window_size).await
    }

    /// Connects with a channel window of `window` bytes (how much the server may send
    /// before this client grants more).
    pub async fn connect_with_window(addr: SocketAddr, key: &Key, window: u32) -> Conn {
        Conn::connect_with(addr, key, window).await
    }

    async fn connect_with(addr: SocketAddr, key: &Key, window_size: u32) -> Conn {
        let config = Arc::new(client::Config {
            inactivity_timeout: None,
            nodelay: true,
            window_size,
            ..Default::default()
        });
        let mut handle = timeout(STEP, client::connect(config, addr, Client))
            .await
            .expect("connect in time")
            .expect("connect");
        if let Err(why) = authenticate(&mut handle, key).await {
            panic!("public-key authentication: {why}");
        }
        Conn { handle }
    }

    /// Hangs up, as a client does when its last session ends.
    pub async fn close(self) {
        let _ = timeout(
            STEP,
            self.handle
                .disconnect(russh::Disconnect::ByApplication, "bye", "en"),
        )
        .await;
    }

    /// Opens a session channel whose messages are read by a background task, so that
    /// a channel the test is not looking at never stalls the connection.
    async fn open(
        &self,
    ) -> (
        ChannelWriteHalf<client::Msg>,
        mpsc::UnboundedReceiver<ChannelMsg>,
    ) {
        let channel = timeout(STEP, self.handle.channel_open_session())
            .await
            .expect("open a channel in time")
            .expect("open a channel");
        let (mut read, write) = channel.split();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(msg) = read.wait().await {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        (write, rx)
    }

    /// Whether the server lets this connection open one more session channel.
    pub async fn may_open_channel(&self) -> bool {
        matches!(
            timeout(STEP, self.handle.channel_open_session()).await,
            Ok(Ok(_))
        )
    }

    /// Runs `command` (no PTY, empty stdin).
    pub async fn exec(&self, command: &str) -> ExecOutput {
        self.exec_with_stdin(command, b"").await
    }

    /// Runs `command` (no PTY) with `stdin`, then EOF.
    pub async fn exec_with_stdin(&self, command: &str, stdin: &[u8]) -> ExecOutput {
        let (write, rx) = self.open().await;
        write.exec(true, command).await.expect("exec request");
        if !stdin.is_empty() {
            write.data(stdin).await.expect("send stdin");
        }
        write.eof().await.expect("send EOF");
        collect(rx, command).await
    }

    /// Asks for a shell without a PTY.
    pub async fn shell_without_pty(&self) -> ExecOutput {
        let (write, rx) = self.open().await;
        write.request_shell(true).await.expect("shell request");
        collect(rx, "shell").await
    }

    /// Opens a PTY (`cols`×`rows`, xterm-256color) and a shell: the TUI.
    pub async fn tui(&self, cols: u16, rows: u16) -> Tui {
        self.tui_running(cols, rows, None).await
    }

    /// Opens a PTY and runs `command` in it (`ssh -t HOST COMMAND`), or a shell.
    pub async fn tui_running(&self, cols: u16, rows: u16, command: Option<&str>) -> Tui {
        self.tui_sized(cols, rows, (0, 0), command).await
    }

    /// Opens a PTY whose screen is also `pixels` (width, height) in pixels, as a
    /// terminal that knows its font says, and runs `command` in it, or a shell.
    pub async fn tui_sized(
        &self,
        cols: u16,
        rows: u16,
        pixels: (u32, u32),
        command: Option<&str>,
    ) -> Tui {
        let (write, rx) = self.open().await;
        let (pw, ph) = pixels;
        write
            .request_pty(
                true,
                "xterm-256color",
                cols.into(),
                rows.into(),
                pw,
                ph,
                &[],
            )
            .await
            .expect("pty request");
        match command {
            Some(c) => write.exec(true, c).await.expect("exec request"),
            None => write.request_shell(true).await.expect("shell request"),
        }
        Tui {
            write,
            rx,
            parser: vt100::Parser::new_with_callbacks(rows, cols, 0, Titles::default()),
            raw: Vec::new(),
            stderr: Vec::new(),
            exit_status: None,
            closed: false,
        }
    }
}

/// Whether `key` can log in over a new connection and open a channel there (a login
/// refused at the door, for the account's connection cap or otherwise, cannot).
pub async fn logs_in(addr: SocketAddr, key: &Key) -> bool {
    let config = Arc::new(client::Config {
        inactivity_timeout: None,
        nodelay: true,
        ..Default::default()
    });
    let Ok(Ok(mut handle)) = timeout(STEP, client::connect(config, addr, Client)).await else {
        return false;
    };
    if authenticate(&mut handle, key).await.is_err() {
        return false;
    }
    let opened = matches!(
        timeout(STEP, handle.channel_open_session()).await,
        Ok(Ok(_))
    );
    let _ = timeout(
        STEP,
        handle.disconnect(russh::Disconnect::ByApplication, "bye", "en"),
    )
    .await;
    opened
}

async fn collect(mut rx: mpsc::UnboundedReceiver<ChannelMsg>, what: &str) -> ExecOutput {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut status = None;
    let deadline = Instant::now() + STEP;
    loop {
        match timeout_at(deadline, rx.recv()).await {
            Err(_) => panic!(
                "{what:?} did not finish in {STEP:?}; stdout so far {:?}, stderr {:?}",
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr)
            ),
            Ok(None) | Ok(Some(ChannelMsg::Close)) => break,
            Ok(Some(ChannelMsg::Data { data })) => stdout.extend_from_slice(&data),
            Ok(Some(ChannelMsg::ExtendedData { data, ext: 1 })) => stderr.extend_from_slice(&data),
            Ok(Some(ChannelMsg::ExitStatus { exit_status })) => status = Some(exit_status),
            Ok(Some(_)) => {}
        }
    }
    ExecOutput {
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
        status,
    }
}

/// Runs one command over a new connection with `key`.
pub async fn exec(addr: SocketAddr, key: &Key, command: &str) -> ExecOutput {
    let conn = Conn::connect(addr, key).await;
    let out = conn.exec(command).await;
    conn.close().await;
    out
}

/// Records the window titles a server tried to set.
#[derive(Default)]
pub struct Titles {
    /// Every title and icon name set, in order.
    pub set: Vec<Vec<u8>>,
}

impl vt100::Callbacks for Titles {
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.set.push(title.to_vec());
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.set.push(name.to_vec());
    }
}

/// A PTY shell session, its output mirrored into a vt100 terminal.
pub struct Tui {
    write: ChannelWriteHalf<client::Msg>,
    rx: mpsc::UnboundedReceiver<ChannelMsg>,
    /// The terminal the bytes were played into.
    pub parser: vt100::Parser<Titles>,
    /// Every byte received on stdout.
    pub raw: Vec<u8>,
    /// Every byte received on stderr.
    pub stderr: Vec<u8>,
    /// The exit status, once sent.
    pub exit_status: Option<u32>,
    /// The channel is closed.
    pub closed: bool,
}

impl Tui {
    /// What the screen shows now, row by row.
    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Types bytes (keys) into the session.
    pub async fn send(&self, bytes: &[u8]) {
        self.write.data(bytes).await.expect("send keys");
    }

    /// Tells the server the window is now `cols`×`rows`.
    pub async fn window_change(&self, cols: u32, rows: u32) {
        self.write
            .window_change(cols, rows, 0, 0)
            .await
            .expect("window change");
    }

    /// Starts from a blank local terminal of `rows`×`cols`: whatever shows up after
    /// this was drawn after this point.
    pub fn blank_screen(&mut self, rows: u16, cols: u16) {
        self.parser = vt100::Parser::new_with_callbacks(rows, cols, 0, Titles::default());
    }

    fn absorb(&mut self, msg: Option<ChannelMsg>) {
        match msg {
            None | Some(ChannelMsg::Close) => self.closed = true,
            Some(ChannelMsg::Data { data }) => {
                self.raw.extend_from_slice(&data);
                self.parser.process(&data);
            }
            Some(ChannelMsg::ExtendedData { data, .. }) => self.stderr.extend_from_slice(&data),
            Some(ChannelMsg::ExitStatus { exit_status }) => self.exit_status = Some(exit_status),
            Some(_) => {}
        }
    }

    /// Reads until the channel closes (or fails after `within`).
    pub async fn wait_closed(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.closed {
            match timeout_at(deadline, self.rx.recv()).await {
                Ok(msg) => self.absorb(msg),
                Err(_) => panic!(
                    "the session did not close within {within:?}; the screen shows:\n{}",
                    self.screen()
                ),
            }
        }
    }
}

/// Reads the session's output into its screen until `wanted` holds for what the
/// screen shows, then returns that screen. Fails with the screen after `within`, or
/// when the session closes first.
pub async fn wait_for_screen(
    tui: &mut Tui,
    wanted: impl Fn(&str) -> bool,
    within: Duration,
) -> String {
    let deadline = Instant::now() + within;
    loop {
        // Take everything already here before looking, so one check sees a whole frame.
        while let Ok(msg) = tui.rx.try_recv() {
            tui.absorb(Some(msg));
        }
        let screen = tui.screen();
        if wanted(&screen) {
            return screen;
        }
        if tui.closed {
            panic!("the session closed while waiting; the screen shows:\n{screen}");
        }
        match timeout_at(deadline, tui.rx.recv()).await {
            Ok(msg) => tui.absorb(msg),
            Err(_) => panic!("waited {within:?} for the screen; it shows:\n{screen}"),
        }
    }
}

/// The main screen of a member: header with `@name` and the key hints in the footer.
pub fn main_screen_of(name: &str) -> impl Fn(&str) -> bool {
    let handle = format!("@{name}");
    move |s: &str| {
        let first = s.lines().next().unwrap_or("");
        first.contains("Home")
            && first.contains("Camp")
            && first.contains(&handle)
            && s.contains("j/k move")
    }
}

// ---------------------------------------------------------------------------------
// The ssh binary
// ---------------------------------------------------------------------------------

/// The `ssh` binary's arguments before the host for a test login as `key` on `addr`:
/// no user config, only that key, no prompts, no host-key checks, quiet.
pub fn ssh_args(addr: SocketAddr, key: &Key) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec![
        "-F".into(),
        "/dev/null".into(),
        "-i".into(),
        key.file.clone().into(),
        "-p".into(),
        addr.port().to_string().into(),
    ];
    for o in [
        "IdentitiesOnly=yes",
        "BatchMode=yes",
        "StrictHostKeyChecking=no",
        "UserKnownHostsFile=/dev/null",
        "LogLevel=ERROR",
        "ConnectTimeout=10",
    ] {
        args.push("-o".into());
        args.push(o.into());
    }
    args
}

/// Runs `ssh [flags] 127.0.0.1 REMOTE` with `key`; `remote` words are shell-quoted
/// into one command line, as a person would type them.
pub async fn ssh(
    addr: SocketAddr,
    key: &Key,
    flags: &[&str],
    remote: &[&str],
    stdin: Option<&[u8]>,
) -> ExecOutput {
    let mut cmd = std::process::Command::new("ssh");
    cmd.args(ssh_args(addr, key))
        .args(flags)
        .arg(addr.ip().to_string());
    if !remote.is_empty() {
        cmd.arg(shell_words::join(remote));
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run ssh");
    let pid = child.id();
    let input = stdin.map(<[u8]>::to_vec);
    let waiting = tokio::task::spawn_blocking(move || {
        if let (Some(input), Some(mut pipe)) = (input, child.stdin.take()) {
            use std::io::Write;
            // Small inputs: the pipe buffer holds them, so this cannot block on ssh.
            pipe.write_all(&input).expect("write ssh stdin");
        }
        child.wait_with_output()
    });
    let out = match timeout(STEP, waiting).await {
        Ok(done) => done.expect("ssh wait task").expect("ssh output"),
        Err(_) => {
            kill(pid, "-9");
            panic!("ssh {remote:?} did not finish in {STEP:?}")
        }
    };
    ExecOutput {
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        status: out.status.code().map(|c| c as u32),
    }
}

/// Sends a signal (`-TERM`, `-9`) to a process this test started.
fn kill(pid: u32, signal: &str) {
    let sent = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill {signal} {pid} failed");
}

// ---------------------------------------------------------------------------------
// The camp binary
// ---------------------------------------------------------------------------------

/// `camp serve` as a child process on `DIR/data` and `DIR/keys`, logging to `DIR/serve.log`.
pub struct ServerProcess {
    child: Option<std::process::Child>,
    lines: mpsc::UnboundedReceiver<String>,
    log: PathBuf,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where the web door listens, from the `camp web on` line.
    pub web_addr: SocketAddr,
    /// `SHA256:...` from the listening line.
    pub fingerprint: String,
    /// The `admin invite:` code, when one was expected.
    pub admin_invite: Option<String>,
}

impl ServerProcess {
    /// Joins a fresh key as the camp's first camper (the admin) named `name`, with the
    /// admin invite this start printed.
    pub async fn join_admin(&self, name: &str) -> Key {
        let code = self.admin_invite.clone().expect("admin invite");
        let key = Key::generate();
        exec(self.addr, &key, &format!("join {code} {name} --agree"))
            .await
            .ok();
        key
    }

    /// Starts the binary and reads its listening line (and the admin invite line when
    /// `expect_invite`).
    pub async fn start(dir: &Path, expect_invite: bool) -> ServerProcess {
        Self::start_with(dir, expect_invite, &[]).await
    }

    /// [`ServerProcess::start`] with more `camp serve` arguments (`--http ADDR`, ...).
    pub async fn start_with(dir: &Path, expect_invite: bool, extra: &[&str]) -> ServerProcess {
        Self::start_with_env(dir, expect_invite, extra, &[]).await
    }

    /// [`ServerProcess::start_with`] with more variables in the server's environment.
    pub async fn start_with_env(
        dir: &Path,
        expect_invite: bool,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> ServerProcess {
        let log = dir.join("serve.log");
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_camp"))
            .arg("serve")
            .arg("--data")
            .arg(dir.join("data"))
            .arg("--keys")
            .arg(dir.join("keys"))
            .args(["--ssh", "127.0.0.1:0"])
            // The web door on a free port unless the test names one.
            .args(if extra.contains(&"--http") {
                &[][..]
            } else {
                &["--http", "127.0.0.1:0"][..]
            })
            .args(extra)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("start camp serve");
        let stdout = child.stdout.take().expect("child stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = ServerProcess {
            child: Some(child),
            lines,
            log,
            addr: "127.0.0.1:0".parse().expect("address"),
            web_addr: "127.0.0.1:0".parse().expect("address"),
            fingerprint: String::new(),
            admin_invite: None,
        };
        let line = server.next_line().await;
        let rest = line
            .strip_prefix("camp listening on ssh://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let (addr, key) = rest
            .split_once(" (host key ")
            .unwrap_or_else(|| panic!("no host key in {line:?}"));
        server.addr = addr
            .parse()
            .unwrap_or_else(|_| panic!("bad address in {line:?}"));
        server.fingerprint = key.trim_end_matches(')').to_string();
        assert!(
            server.fingerprint.starts_with("SHA256:"),
            "fingerprint in {line:?}"
        );
        let line = server.next_line().await;
        server.web_addr = line
            .strip_prefix("camp web on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("expected the web door's line, got {line:?}"));
        if expect_invite {
            let line = server.next_line().await;
            let code = line
                .strip_prefix("admin invite: ")
                .unwrap_or_else(|| panic!("expected the admin invite, got {line:?}"));
            server.admin_invite = Some(code.to_string());
        }
        server
    }

    /// The next stdout line.
    async fn next_line(&mut self) -> String {
        match timeout(STEP, self.lines.recv()).await {
            Ok(Some(line)) => line,
            Ok(None) => panic!("camp serve ended its output early; log:\n{}", self.log()),
            Err(_) => panic!(
                "camp serve printed nothing for {STEP:?}; log:\n{}",
                self.log()
            ),
        }
    }

    /// What the server logged on stderr.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `signal` and waits up to `within` for the process to end.
    async fn signal_and_wait(&mut self, signal: &str, within: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("the server is running");
        let pid = child.id();
        kill(pid, signal);
        let waiting = tokio::task::spawn_blocking(move || child.wait());
        match timeout(within, waiting).await {
            Ok(status) => status.expect("wait task").expect("wait for camp serve"),
            Err(_) => {
                kill(pid, "-9");
                panic!(
                    "camp serve did not exit within {within:?} of kill {signal}; log:\n{}",
                    self.log()
                )
            }
        }
    }

    /// Sends SIGTERM; returns how it exited (within `within`) and the stdout lines it
    /// printed after those already read.
    pub async fn terminate(mut self, within: Duration) -> (ExitStatus, Vec<String>) {
        let status = self.signal_and_wait("-TERM", within).await;
        let mut rest = Vec::new();
        while let Ok(Some(line)) = timeout(STEP, self.lines.recv()).await {
            rest.push(line);
        }
        (status, rest)
    }

    /// Kills the server with SIGKILL (no chance to flush or say goodbye).
    pub async fn kill9(mut self) {
        let status = self.signal_and_wait("-9", STEP).await;
        assert!(
            !status.success(),
            "a killed server cannot exit cleanly: {status:?}"
        );
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // A failed test must not leave a server running.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
