//! Exec mode over SSH: split the command line with POSIX shell quoting, read stdin
//! when the verb wants it, run the verb, send stdout/stderr and an exit status.

use tokio::sync::mpsc;

use crate::commands::{self, Caller};
use crate::model::Account;
use crate::ssh::output::Output;
use crate::ssh::session::{ChannelInput, SessionStart};

/// Most stdin a verb may read.
const MAX_STDIN: usize = 1 << 20;

/// Runs one command; returns the exit status.
pub async fn run(
    start: &SessionStart,
    out: &mut Output,
    account: Option<Account>,
    command: Vec<u8>,
    pty: bool,
    mut input: mpsc::Receiver<ChannelInput>,
) -> u32 {
    let fail = |msg: String| format!("camp: {msg}\n");
    let command = match crate::text::from_utf8(&command) {
        Ok(c) => c,
        Err(e) => {
            out.stderr(eol(fail(format!("the command line: {e}")), pty))
                .await;
            return 2;
        }
    };
    let argv = match commands::split::split(command) {
        Ok(v) => v,
        Err(e) => {
            out.stderr(eol(
                fail(format!("could not read the command line: {e}")),
                pty,
            ))
            .await;
            return 2;
        }
    };
    if crate::ssh::binary::handles(&argv) {
        return crate::ssh::binary::run(start, out, account, &argv, pty).await;
    }
    let stdin = if commands::needs_stdin(&argv) {
        let mut buf = Vec::new();
        while let Some(ChannelInput::Data(d)) = input.recv().await {
            if buf.len() + d.len() > MAX_STDIN {
                out.stderr(eol(
                    fail(format!("input is larger than {MAX_STDIN} bytes")),
                    pty,
                ))
                .await;
                return 2;
            }
            buf.extend_from_slice(&d);
        }
        match crate::text::from_utf8(&buf) {
            Ok(s) => Some(s.to_string()),
            Err(e) => {
                out.stderr(eol(fail(e.to_string()), pty)).await;
                return 2;
            }
        }
    } else {
        None
    };
    let caller = Caller {
        key: start.key.clone(),
        account,
    };
    // Verbs that wait on other servers are awaited, the rest run on the blocking pool.
    let outcome = commands::execute(start.camp.clone(), caller, argv, stdin).await;
    if !outcome.stdout.is_empty() {
        let _ = out.send_and_wait(eol(outcome.stdout, pty)).await;
    }
    if !outcome.stderr.is_empty() {
        out.stderr(eol(outcome.stderr, pty)).await;
    }
    outcome.status
}

/// Every text exec sends passes here: the last output guard (no terminal controls,
/// whatever produced the text), then, under a PTY, CR LF line ends as the client expects.
fn eol(s: String, pty: bool) -> Vec<u8> {
    let s = match crate::text::guard_output(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(clean) => clean,
    };
    if pty {
        s.replace('\n', "\r\n").into_bytes()
    } else {
        s.into_bytes()
    }
}
