//! Exec verbs whose output is raw bytes (`backup`): never under a PTY (binary on a
//! terminal is garbage at best and control sequences at worst), streamed in bounded
//! chunks at the client's pace rather than held in memory.

use std::io::Read;

use tokio::sync::mpsc;

use crate::model::Account;
use crate::ssh::output::Output;
use crate::ssh::session::SessionStart;

/// Bytes read from the staged file per message.
const CHUNK: usize = 64 << 10;
/// Chunks read ahead of the connection (memory held: CHUNK times this).
const AHEAD: usize = 4;

/// True when `argv` names a verb this module answers.
pub fn handles(argv: &[String]) -> bool {
    argv.first().is_some_and(|v| v == "backup")
}

/// Runs `backup [--with-host-key]`; returns the exit status.
pub async fn run(
    start: &SessionStart,
    out: &mut Output,
    account: Option<Account>,
    argv: &[String],
    pty: bool,
) -> u32 {
    let host = start.camp.config().ssh_hint();
    if pty {
        let msg = format!(
            "camp: backup writes binary data, not for a terminal: run it without -t and send \
             it to a file: ssh {host} backup > camp-YYYYMMDD.campbak\r\n"
        );
        out.stderr(crate::text::guard_output(&msg).into_owned().into_bytes())
            .await;
        return 2;
    }
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
