//! Exec verbs whose output is bytes (`export`): sent as they are, in chunks, never
//! through the text guard, and refused under a PTY so a terminal is never sent binary.

use crate::commands::{self, Caller};
use crate::model::Account;
use crate::ssh::output::Output;
use crate::ssh::session::SessionStart;

/// Bytes handed to the connection at a time (the SSH window takes them in pieces).
const CHUNK: usize = 32 * 1024;

/// Runs a binary verb; returns the exit status.
pub async fn run(
    start: &SessionStart,
    out: &mut Output,
    account: Option<Account>,
    argv: Vec<String>,
    pty: bool,
) -> u32 {
    if pty {
        let verb = argv.first().map(String::as_str).unwrap_or_default();
        let host = start.camp.config().ssh_hint();
        out.stderr(
            format!(
                "camp: {verb} writes a binary file; run it without a terminal and send it to a file: ssh {host} {verb} > me.tar.gz\r\n"
            )
            .into_bytes(),
        )
        .await;
        return 1;
    }
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
