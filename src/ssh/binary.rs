//! Exec verbs whose output is raw bytes (`backup`, `export`): never under a PTY (binary
//! on a terminal is garbage at best and control sequences at worst), sent as they are,
//! in bounded chunks at the client's pace, never through the text guard.

use std::io::Read;

use tokio::sync::mpsc;

use crate::commands::{self, Caller};
use crate::model::Account;
use crate::ssh::output::Output;
use crate::ssh::session::SessionStart;

/// Bytes sent per message (the SSH window takes them in pieces).
const CHUNK: usize = 64 << 10;
/// Chunks of a staged backup read ahead of the connection (memory held: CHUNK times this).
const AHEAD: usize = 4;

/// True when `argv` names a verb this module answers.
pub fn handles(argv: &[String]) -> bool {
    argv.first().is_some_and(|v| v == "backup" || v == "export")
}

/// Runs a binary verb; returns the exit status.
pub async fn run(
    start: &SessionStart,
    out: &mut Output,
    account: Option<Account>,
    argv: &[String],
    pty: bool,
) -> u32 {
    let host = start.camp.config().ssh_hint();
    let verb = argv.first().map(String::as_str).unwrap_or_default();
    if pty {
        let file = if verb == "backup" {
            "camp-YYYYMMDD.campbak"
        } else {
            "me.tar.gz"
        };
        let msg = format!(
            "camp: {verb} writes binary data, not for a terminal: run it without -t and send \
             it to a file: ssh {host} {verb} > {file}\r\n"
        );
        out.stderr(crate::text::guard_output(&msg).into_owned().into_bytes())
            .await;
        return 2;
    }
    if verb == "backup" {
        backup(start, out, account, argv, host).await
    } else {
        export(start, out, account, argv).await
    }
}

/// `export`: the camper's archive, built on the blocking pool, then sent in chunks.
async fn export(
    start: &SessionStart,
    out: &mut Output,
    account: Option<Account>,
    argv: &[String],
) -> u32 {
    let argv = argv.to_vec();
    let caller = Caller {
        key: start.key.clone(),
        account,
    };
    let camp = start.camp.clone();
    let result =
        tokio::task::spawn_blocking(move || commands::leaving::run_binary(&camp, &caller, &argv))
            .await;
    match result {
        Ok(Ok(bytes)) => {
            for chunk in bytes.chunks(CHUNK) {
                if out.send_and_wait(chunk.to_vec()).await.is_err() {
                    return 1;
                }
            }
            0
        }
        Ok(Err(refusal)) => {
            if !refusal.stdout.is_empty() {
                let _ = out.send_and_wait(refusal.stdout.into_bytes()).await;
            }
            out.stderr(refusal.stderr.into_bytes()).await;
            refusal.status
        }
        Err(_) => {
            out.stderr(b"camp: internal error\n".to_vec()).await;
            70
        }
    }
}

/// `backup [--with-host-key]`: a staged snapshot streamed at the client's pace.
async fn backup(
    start: &SessionStart,
    out: &mut Output,
    account: Option<Account>,
    argv: &[String],
    host: String,
) -> u32 {
    let with_host_key = match &argv[1..] {
        [] => false,
        [flag] if flag == "--with-host-key" => true,
        _ => {
            out.stderr(b"camp: usage: backup [--with-host-key] > FILE\n".to_vec())
                .await;
            return 2;
        }
    };
    let Some(account) = account else {
        let e = crate::Error::NoAccount { host };
        out.stderr(format!("camp: {e}\n").into_bytes()).await;
        return 1;
    };
    let camp = start.camp.clone();
    let staged =
        tokio::task::spawn_blocking(move || camp.backup_for(account.id, with_host_key)).await;
    let (file, summary) = match staged {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            let msg = format!("camp: {}\n", crate::text::sanitize_line(&e.to_string()));
            out.stderr(msg.into_bytes()).await;
            return 1;
        }
        Err(_) => {
            out.stderr(b"camp: internal error\n".to_vec()).await;
            return 70;
        }
    };
    let (tx, mut rx) = mpsc::channel::<std::io::Result<Vec<u8>>>(AHEAD);
    let reader = tokio::task::spawn_blocking(move || read_chunks(file, tx));
    let mut sent = 0u64;
    while let Some(chunk) = rx.recv().await {
        match chunk {
            Ok(bytes) => {
                sent += bytes.len() as u64;
                if out.send_and_wait(bytes).await.is_err() {
                    // The client went away; dropping rx stops the reader.
                    return 1;
                }
            }
            Err(e) => {
                out.stderr(format!("camp: reading the staged backup: {e}\n").into_bytes())
                    .await;
                return 1;
            }
        }
    }
    let _ = reader.await;
    if sent != summary.bytes {
        out.stderr(b"camp: the backup was cut short\n".to_vec())
            .await;
        return 1;
    }
    0
}

/// Reads the staged file in chunks into `tx` until the end or until nobody listens.
fn read_chunks(mut file: std::fs::File, tx: mpsc::Sender<std::io::Result<Vec<u8>>>) {
    loop {
        let mut buf = vec![0u8; CHUNK];
        match file.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                buf.truncate(n);
                if tx.blocking_send(Ok(buf)).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        }
    }
}
