//! Start-up and shutdown of a whole camp: open the store, load the host key, bind SSH
//! and the web door, print the listening lines (and the admin invite while there is no
//! admin), serve until SIGINT/SIGTERM, then tell sessions, flush and return.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Camp;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ssh;

/// A camp that is serving; drop or [`Running::stop`] to end it.
pub struct Running {
    /// The service, for in-process tests and benchmarks.
    pub camp: Camp,
    /// Where SSH listens (with the real port when 0 was asked for).
    pub ssh_addr: SocketAddr,
    /// `SHA256:...` of the host key.
    pub host_key_fingerprint: String,
    /// The admin invite, while the camp has no admin.
    pub admin_invite: Option<String>,
    /// Where the web door listens (and the bridge, when federating), when it is on.
    pub http_addr: Option<SocketAddr>,
    /// The connection caps shared by the SSH door and the browser terminal.
    pub door: std::sync::Arc<ssh::Door>,
    bridge: Option<crate::federation::BridgeHandle>,
    web: Option<crate::web::WebHandle>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<()>>,
}

impl Running {
    /// The one line printed at start.
    pub fn listening_line(&self) -> String {
        format!(
            "camp listening on ssh://{} (host key {})",
            self.ssh_addr, self.host_key_fingerprint
        )
    }

    /// The second line printed at start, when the web door is on.
    pub fn web_line(&self) -> Option<String> {
        self.http_addr.map(|a| format!("camp web on http://{a}"))
    }

    /// Stops accepting, tells sessions, waits for them briefly, flushes.
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(true);
        let r = self.task.await;
        if let Some(w) = self.web {
            w.join().await;
        }
        if let Some(b) = self.bridge {
            b.join().await;
        }
        self.camp.flush().await?;
        match r {
            Ok(r) => r,
            Err(e) => Err(Error::Config(format!("server task failed: {e}"))),
        }
    }
}

/// Starts a camp on the current tokio runtime.
pub async fn start(config: Config) -> Result<Running> {
    let mut config = config;
    check_switches(&mut config)?;
    let host_key = ssh::hostkey::load_or_create(&config.keys_dir)?;
    let fingerprint = ssh::hostkey::fingerprint(&host_key);
    let listener = TcpListener::bind(config.ssh_addr)
        .await
        .map_err(|e| Error::io(format!("binding SSH to {}", config.ssh_addr), e))?;
    config.ssh_addr = listener
        .local_addr()
        .map_err(|e| Error::io("reading the bound address", e))?;
    // Bound before the camp opens, so the config (and every invite link made from it)
    // holds the real port when 0 was asked for.
    let web_listener = match config.http_addr {
        Some(addr) => {
            let l = TcpListener::bind(addr)
                .await
                .map_err(|e| Error::io(format!("binding the web door to {addr}"), e))?;
            config.http_addr = Some(
                l.local_addr()
                    .map_err(|e| Error::io("reading the bound web address", e))?,
            );
            Some(l)
        }
        None => None,
    };
    if let Some(warning) = crate::store::private::exposure_warning(&config.data_dir) {
        eprintln!("camp: {warning}");
    }
    let camp = Camp::open(config)?;
    let blocklists = camp.config().blocklist_dir();
    if let Err(e) = crate::store::private::create_dir(&blocklists) {
        tracing::warn!("blocklist subscriptions will not be readable: {e}");
    }
    let web_host_key = crate::web::HostKey::of(&host_key);
    let mut running = start_with(camp, listener, host_key, fingerprint)?;
    if let Some(listener) = web_listener
        && let Err(e) = running.open_web_door(listener, web_host_key)
    {
        let _ = running.stop().await;
        return Err(e);
    }
    Ok(running)
}

/// Checks the switches against each other: `--federate` needs the web door and a public
/// URL (or `--dev-federation`), and a public URL must be an origin.
fn check_switches(config: &mut Config) -> Result<()> {
    if let Some(u) = &config.public_url {
        config.public_url = Some(crate::federation::checked_origin(u)?);
    }
    if config.federate && config.http_addr.is_none() {
        return Err(Error::Config(
            "--federate needs the web door: give --http ADDR, not off".into(),
        ));
    }
    if config.federate && config.public_url.is_none() && !config.dev_federation {
        return Err(Error::Config(
            "--federate needs --public-url https://your.host (ids must name a public origin)"
                .into(),
        ));
    }
    if config.dev_federation && !config.federate {
        return Err(Error::Config("--dev-federation needs --federate".into()));
    }
    Ok(())
}

impl Running {
    /// Serves the web door on `listener`, with the bridge's routes when federating.
    fn open_web_door(
        &mut self,
        listener: TcpListener,
        host_key: crate::web::HostKey,
    ) -> Result<()> {
        let config = self.camp.config();
        let origin = config
            .public_origin()
            .ok_or_else(|| Error::Config("the web door has no origin".into()))?;
        if config.federate {
            let handle =
                crate::federation::start(self.camp.clone(), &origin, self.stop.subscribe());
            // camp reaches the outside world only through this port.
            self.camp.connect_outside(handle.bridge.clone());
            self.bridge = Some(handle);
        }
        let state = crate::web::WebState::new(self.camp.clone(), origin, host_key)?;
        let terminal =
            crate::webterm::WebTerm::new(&state, self.door.clone(), self.stop.subscribe());
        let app = crate::web::router(
            &state,
            self.bridge.as_ref().map(|b| b.router()),
            Some(crate::webterm::router(terminal)),
        );
        let web = crate::web::serve(listener, &config.camp, app, self.stop.subscribe());
        self.http_addr = Some(web.addr);
        self.web = Some(web);
        Ok(())
    }
}

/// Starts serving an already opened camp on a bound listener.
pub fn start_with(
    camp: Camp,
    listener: TcpListener,
    host_key: russh::keys::PrivateKey,
    host_key_fingerprint: String,
) -> Result<Running> {
    let ssh_addr = listener
        .local_addr()
        .map_err(|e| Error::io("reading the bound address", e))?;
    let admin_invite = camp.admin_invite()?;
    let (stop, stop_rx) = watch::channel(false);
    tokio::spawn(refresh_blocklists(camp.clone(), stop_rx.clone()));
    tokio::spawn(crate::camp::run_backup_schedule(
        camp.clone(),
        stop_rx.clone(),
    ));
    tokio::spawn(crate::camp::polls::run_closer(
        camp.clone(),
        stop_rx.clone(),
    ));
    let door = ssh::Door::new(&camp);
    let task = tokio::spawn(ssh::serve(
        camp.clone(),
        door.clone(),
        listener,
        host_key,
        stop_rx,
    ));
    Ok(Running {
        camp,
        ssh_addr,
        host_key_fingerprint,
        admin_invite,
        http_addr: None,
        door,
        bridge: None,
        web: None,
        stop,
        task,
    })
}

/// How often subscribed blocklists are read again.
const BLOCKLIST_REFRESH: std::time::Duration = std::time::Duration::from_secs(3600);

/// Re-reads subscribed blocklist files at start and then hourly, until shutdown.
async fn refresh_blocklists(camp: Camp, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(BLOCKLIST_REFRESH);
    loop {
        tokio::select! {
            _ = every.tick() => {
                let c = camp.clone();
                match tokio::task::spawn_blocking(move || c.refresh_subscriptions()).await {
                    Ok(Err(e)) => tracing::warn!("reading blocklist subscriptions: {e}"),
                    Err(e) => tracing::warn!("blocklist refresh task failed: {e}"),
                    Ok(Ok(())) => {}
                }
                if let Some(outside) = camp.outside() {
                    outside.refresh_blocklist_urls().await;
                }
            }
            _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => return,
        }
    }
}

/// `camp serve`: runs until SIGINT or SIGTERM, then shuts down cleanly (exit 0).
pub fn run_blocking(config: Config) -> Result<()> {
    private_umask();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the async runtime", e))?;
    runtime.block_on(async {
        let stopped = stop_signals()?;
        let running = start(config).await?;
        println!("{}", running.listening_line());
        if let Some(line) = running.web_line() {
            println!("{line}");
        }
        if let Some(code) = &running.admin_invite {
            println!("admin invite: {code}");
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        stopped.await;
        tracing::info!("stopping: telling sessions, flushing the store");
        running.stop().await?;
        tracing::info!("stopped cleanly");
        Ok(())
    })
}

/// Files and directories this process creates are its own alone (the database holds
/// every direct message): set before any thread starts, it covers the files sled
/// creates later (snapshots, blobs) as well as the first ones.
fn private_umask() {
    #[cfg(unix)]
    // SAFETY: umask(2) only swaps the process's creation mask; it cannot fail and
    // touches no memory of ours.
    unsafe {
        libc::umask(0o077);
    }
}

/// SIGTERM and SIGINT, installed before the listening line is printed: a supervisor
/// (or a test) that signals as soon as it reads that line must get a clean stop, not
/// the default action of a signal nobody handles yet.
#[cfg(unix)]
fn stop_signals() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())
        .map_err(|e| Error::io("installing the SIGTERM handler", e))?;
    let mut int = signal(SignalKind::interrupt())
        .map_err(|e| Error::io("installing the SIGINT handler", e))?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signals() -> Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
