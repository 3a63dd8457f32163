//! What a camp costs on disk and in memory: seeds a camp in-process through the
//! service (500 campers, 100,000 posts by default; exec over SSH would take hours),
//! then reports the database size, backup time and size, restore time, and the RSS of
//! `camp serve` on the restored data with N terminal sessions open.
//!
//! `cargo bench --bench size -- [--campers N] [--posts N] [--sessions N] [--follows N]`
//! Prints one `key=value` line per figure at the end.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use camp::Camp;
use camp::camp::{InviteOptions, KeyInfo, PostDraft};
use camp::config::Config;
use russh::client;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg};

struct Opts {
    campers: usize,
    posts: usize,
    sessions: usize,
    follows: usize,
    threads: usize,
}

fn opts() -> Result<Opts> {
    let mut o = Opts {
        campers: 500,
        posts: 100_000,
        sessions: 200,
        follows: 10,
        threads: 8,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = || -> Result<usize> {
            args.get(i + 1)
                .ok_or_else(|| anyhow!("{} needs a number", args[i]))?
                .parse()
                .context("not a number")
        };
        match args[i].as_str() {
            "--campers" => o.campers = value()?,
            "--posts" => o.posts = value()?,
            "--sessions" => o.sessions = value()?,
            "--follows" => o.follows = value()?,
            "--threads" => o.threads = value()?,
            "--bench" => {
                i += 1;
                continue;
            }
            other => bail!("unknown option {other}"),
        }
        i += 2;
    }
    if o.sessions >= o.campers {
        bail!("--sessions must be below --campers (one camper per session)");
    }
    Ok(o)
}

fn key_info(key: &PrivateKey) -> KeyInfo {
    let public = key.public_key();
    KeyInfo {
        fingerprint: public.fingerprint(HashAlg::Sha256).to_string(),
        algorithm: "ssh-ed25519".into(),
        openssh: public.to_openssh().unwrap_or_default(),
    }
}

fn random_key() -> PrivateKey {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("random seed");
    PrivateKey::from(Ed25519Keypair::from_seed(&seed))
}

/// Bytes the files under `dir` take on disk (allocated blocks, as `du` counts).
fn disk_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            total += disk_bytes(&entry.path());
        } else {
            total += meta.blocks() * 512;
        }
    }
    total
}

fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS for {pid}"))
}

/// CPU seconds this thread has used (user + system): on a busy shared machine it says
/// more about the work than wall-clock time does.
fn thread_cpu_s() -> f64 {
    // SAFETY: getrusage only fills the struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

/// Seeds the camp; returns the keys of the first `sessions` campers.
fn seed(camp: &Camp, o: &Opts) -> Result<Vec<Arc<PrivateKey>>> {
    let code = camp
        .admin_invite()?
        .ok_or_else(|| anyhow!("a new camp has an admin invite"))?;
    let admin_key = random_key();
    let admin = camp.join(&key_info(&admin_key), &code, "admin", true)?.id;
    let invite = camp.create_invite(
        admin,
        InviteOptions {
            uses: o.campers as u32,
            ..Default::default()
        },
    )?;
    let mut keys = Vec::new();
    let mut ids = vec![admin];
    for i in 1..o.campers {
        let key = random_key();
        ids.push(
            camp.join(&key_info(&key), &invite.code, &format!("c{i}"), true)?
                .id,
        );
        if keys.len() < o.sessions {
            keys.push(Arc::new(key));
        }
    }
    for (i, id) in ids.iter().enumerate() {
        for k in 1..=o.follows {
            let other = (i + k * 7) % ids.len();
            if other != i {
                camp.follow(*id, &format!("c{other}")).ok();
            }
        }
    }
    let ids = Arc::new(ids);
    let per_thread = o.posts.div_ceil(o.threads);
    let workers: Vec<_> = (0..o.threads)
        .map(|t| {
            let (camp, ids) = (camp.clone(), ids.clone());
            let n = per_thread.min(o.posts.saturating_sub(t * per_thread));
            std::thread::spawn(move || -> Result<()> {
                for j in 0..n {
                    let author = ids[(t * per_thread + j) % ids.len()];
                    let text = format!(
                        "post {j} from thread {t}: a day at camp, the lake was cold and the \
                         coffee was hot #camp{}",
                        j % 50
                    );
                    camp.create_post(
                        author,
                        PostDraft {
                            text,
                            cw: None,
                            visibility: None,
                            reply_to: None,
                        },
                    )?;
                }
                Ok(())
            })
        })
        .collect();
    for w in workers {
        w.join()
            .map_err(|_| anyhow!("a seeding thread panicked"))??;
    }
    Ok(keys)
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

/// Opens a TUI session (PTY 80×24) and waits for its first screen.
async fn open_session(
    addr: std::net::SocketAddr,
    key: Arc<PrivateKey>,
) -> Result<(client::Handle<Client>, russh::Channel<client::Msg>)> {
    let cfg = Arc::new(client::Config {
        inactivity_timeout: None,
        ..Default::default()
    });
    let mut h = client::connect(cfg, addr, Client).await?;
    let auth = h
        .authenticate_publickey("bench", PrivateKeyWithHashAlg::new(key, None))
        .await?;
    if !auth.success() {
        bail!("key refused");
    }
    let mut ch = h.channel_open_session().await?;
    ch.request_pty(false, "xterm-256color", 80, 24, 0, 0, &[])
        .await?;
    ch.request_shell(false).await?;
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&seen).contains("quit") {
        match tokio::time::timeout_at(deadline, ch.wait()).await {
            Ok(Some(russh::ChannelMsg::Data { data })) => seen.extend_from_slice(&data),
            Ok(Some(_)) => {}
            Ok(None) => bail!("the session closed"),
            Err(_) => bail!("no first screen within 60 s"),
        }
    }
    Ok((h, ch))
}

/// Waits until the server's RSS stops moving (or a few seconds pass).
async fn settled_rss(pid: u32) -> Result<u64> {
    let mut last = rss_kib(pid)?;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = rss_kib(pid)?;
        if now.abs_diff(last) < 64 {
            return Ok(now);
        }
        last = now;
    }
    Ok(last)
}

async fn serve_and_measure(dir: &Path, keys: Vec<Arc<PrivateKey>>) -> Result<(u64, u64)> {
    let cap = keys.len() + 100;
    let config = dir.join("camp.toml");
    std::fs::write(
        &config,
        format!(
            "max_connections = {cap}\nmax_connections_per_ip = {cap}\n\
             connections_per_ip_per_minute = 0\nmax_strangers = {cap}\n"
        ),
    )?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_camp"))
        .arg("serve")
        .arg("--data")
        .arg(dir.join("restored"))
        .arg("--keys")
        .arg(dir.join("keys"))
        .args(["--ssh", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting camp serve")?;
    let pid = child.id();
    let result = async {
        let stdout = child.stdout.take().expect("piped");
        let line = tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            let mut line = String::new();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .map(|_| line)
        })
        .await??;
        let addr: std::net::SocketAddr = line
            .strip_prefix("camp listening on ssh://")
            .and_then(|r| r.split_whitespace().next())
            .ok_or_else(|| anyhow!("unexpected first line {line:?}"))?
            .parse()?;
        let before = settled_rss(pid).await?;
        let mut open = Vec::new();
        for chunk in keys.chunks(20) {
            let batch =
                futures::future::join_all(chunk.iter().map(|k| open_session(addr, k.clone())))
                    .await;
            for s in batch {
                open.push(s?);
            }
        }
        let with = settled_rss(pid).await?;
        drop(open);
        Ok::<_, anyhow::Error>((before, with))
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn main() -> Result<()> {
    let o = opts()?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let mut config = Config::with_dirs(&data, dir.path().join("keys"));
    config.camp.posts_per_minute = 0;
    config.camp.actions_per_minute = 0;
    let camp = Camp::open(config)?;

    eprintln!(
        "seeding {} campers and {} posts through the service...",
        o.campers, o.posts
    );
    let t = Instant::now();
    let keys = seed(&camp, &o)?;
    let seed_s = t.elapsed().as_secs_f64();
    futures::executor::block_on(camp.flush())?;
    let db_bytes = disk_bytes(&data);

    let backup = dir.path().join("camp.campbak");
    let (t, cpu) = (Instant::now(), thread_cpu_s());
    let summary =
        camp::store::backup_file::write_new(&backup, |out| camp.write_backup(out, false))?;
    let backup_s = t.elapsed().as_secs_f64();
    let backup_cpu = thread_cpu_s() - cpu;
    drop(camp);

    let (t, cpu) = (Instant::now(), thread_cpu_s());
    let restored = camp::store::restore::restore(&backup, &dir.path().join("restored"), None)?;
    let restore_s = t.elapsed().as_secs_f64();
    let restore_cpu = thread_cpu_s() - cpu;
    if restored.summary.posts != summary.posts {
        bail!("the restore lost posts");
    }
    let restored_bytes = disk_bytes(&dir.path().join("restored"));

    eprintln!(
        "serving the restored camp and opening {} sessions...",
        keys.len()
    );
    let sessions = keys.len();
    let rt = tokio::runtime::Runtime::new()?;
    let (rss_before, rss_with) = rt.block_on(serve_and_measure(dir.path(), keys))?;

    println!(
        "campers={} posts={} follows={}",
        summary.campers, summary.posts, summary.follows
    );
    println!("records={} trees={}", summary.records, summary.trees);
    println!("seed_seconds={seed_s:.1}");
    println!("db_on_disk_mib={}", mib(db_bytes));
    println!(
        "backup_seconds={backup_s:.2} backup_cpu_seconds={backup_cpu:.2} backup_mib={}",
        mib(summary.bytes)
    );
    println!(
        "restore_seconds={restore_s:.2} restore_cpu_seconds={restore_cpu:.2} restored_on_disk_mib={}",
        mib(restored_bytes)
    );
    println!(
        "serve_rss_mib_idle={:.1} serve_rss_mib_with_{sessions}_sessions={:.1} rss_kib_per_session={:.0}",
        rss_before as f64 / 1024.0,
        rss_with as f64 / 1024.0,
        (rss_with as f64 - rss_before as f64) / sessions as f64
    );
    Ok(())
}
