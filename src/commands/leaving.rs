//! Exec verbs for leaving with your data, and leaving: `export` (binary, see
//! [`export_archive`]), `import following|blocks|mutes` (a Mastodon CSV on stdin) and
//! `delete-account`.

use serde_json::json;

use super::args::Args;
use super::{Caller, Failure, member, usage};
use crate::Camp;
use crate::camp::{ImportKind, LineVerdict};
use crate::error::Error;
use crate::model::Account;

/// The verbs, for help and for "unknown verb" errors.
pub const VERBS: &[(&str, &str)] = &[
    (
        "export > me.tar.gz",
        "your posts, profile, follows, blocks, mutes and bookmarks (Mastodon's formats)",
    ),
    (
        "import following|blocks|mutes < FILE.csv [--json]",
        "read a Mastodon CSV export; says per line what was added, skipped or refused",
    ),
    (
        "delete-account [@NAME] --confirm NAME",
        "delete your account for good (admins: a suspended camper's)",
    ),
];

/// Runs a binary verb: the bytes for stdout, or a refusal as text.
pub fn run_binary(
    camp: &Camp,
    caller: &Caller,
    argv: &[String],
) -> std::result::Result<Vec<u8>, super::Outcome> {
    export_archive(camp, caller, &argv[1..]).map_err(|f| super::Outcome {
        stdout: crate::text::guard_output(&f.stdout).into_owned(),
        stderr: format!("camp: {}\n", crate::text::sanitize_line(&f.message)),
        status: f.status,
    })
}

/// `export`: the archive bytes.
fn export_archive(
    camp: &Camp,
    caller: &Caller,
    rest: &[String],
) -> std::result::Result<Vec<u8>, Failure> {
    if !rest.is_empty() {
        return Err(usage("usage: export > me.tar.gz"));
    }
    let me = member(camp, caller)?;
    Ok(camp.export_archive(me.id)?)
}

/// `export` asked through the text path (never from SSH, which sends bytes).
pub(super) fn export_text(_: &Camp, _: &Caller) -> std::result::Result<String, Failure> {
    Err(usage(
        "export writes a .tar.gz: run it without a terminal, e.g. ssh HOST export > me.tar.gz",
    ))
}

/// `import following|blocks|mutes [--json]` with the CSV on stdin.
pub(super) fn import(
    camp: &Camp,
    me: Account,
    rest: &[String],
    stdin: Option<&str>,
) -> std::result::Result<String, Failure> {
    let a = Args::parse(rest, &[], &["json"])?;
    let [kind] = a.positional.as_slice() else {
        return Err(usage("usage: import following|blocks|mutes < FILE.csv"));
    };
    let kind =
        ImportKind::parse(kind).ok_or_else(|| usage("import reads following, blocks or mutes"))?;
    let csv = stdin.unwrap_or_default();
    if csv.trim().is_empty() {
        return Err(usage(
            "import reads the CSV on stdin: ssh HOST import following < following_accounts.csv",
        ));
    }
    // A remote follow waits on another server (WebFinger, the actor, the inbox), and this
    // runs on the blocking pool: blocking on it here would tie up a pool thread per line.
    // So each one is handed to the runtime and the line says it was asked; the bridge's
    // slots bound how many fetches run at once, and `following` shows the outcome.
    let outside = camp.outside();
    let runtime = tokio::runtime::Handle::try_current().ok();
    let me_id = me.id;
    let follow = |handle: &str| -> crate::Result<()> {
        let (Some(o), Some(rt)) = (outside.clone(), runtime.as_ref()) else {
            return Err(Error::invalid(crate::camp::FEDERATION_OFF));
        };
        let target = handle.to_string();
        rt.spawn(async move {
            if let Err(e) = o.follow(me_id, target.clone()).await {
                tracing::info!("import: following {target} failed: {e}");
            }
        });
        Ok(())
    };
    let remote: Option<crate::camp::leaving::import::RemoteFollow<'_>> =
        if outside.is_some() && runtime.is_some() {
            Some(&follow)
        } else {
            None
        };
    let report = camp.import_accounts(me.id, kind, csv, remote)?;
    let refused = report
        .iter()
        .filter(|l| matches!(l.verdict, LineVerdict::Refused(_)))
        .count();
    let out = if a.has("json") {
        let list: Vec<_> = report
            .iter()
            .map(|l| {
                let (result, message) = match &l.verdict {
                    LineVerdict::Added(m) => ("added", m),
                    LineVerdict::Skipped(m) => ("skipped", m),
                    LineVerdict::Refused(m) => ("refused", m),
                };
                json!({"line": l.line, "address": l.address, "result": result, "message": message})
            })
            .collect();
        format!("{}\n", serde_json::Value::Array(list))
    } else {
        let mut out = String::new();
        for l in &report {
            let (word, m) = match &l.verdict {
                LineVerdict::Added(m) => ("added", m),
                LineVerdict::Skipped(m) => ("skipped", m),
                LineVerdict::Refused(m) => ("refused", m),
            };
            let who = if l.address.is_empty() {
                String::new()
            } else {
                format!(" @{}", l.address)
            };
            out.push_str(&format!("line {}{who}: {word}: {m}\n", l.line));
        }
        let added = report
            .iter()
            .filter(|l| matches!(l.verdict, LineVerdict::Added(_)))
            .count();
        out.push_str(&format!(
            "{added} added, {} skipped, {refused} refused\n",
            report.len() - added - refused
        ));
        out
    };
    if refused > 0 {
        return Err(Failure {
            message: format!("{refused} line(s) refused; see above"),
            status: super::EXIT_FAILURE,
            stdout: out,
        });
    }
    Ok(out)
}

/// `delete-account [@NAME] --confirm NAME`.
pub(super) fn delete_account(
    camp: &Camp,
    me: Account,
    rest: &[String],
) -> std::result::Result<String, Failure> {
    let a = Args::parse(rest, &["confirm"], &[])?;
    let name = match a.positional.as_slice() {
        [] => me.username.clone(),
        [n] => n.trim_start_matches('@').to_string(),
        _ => return Err(usage("usage: delete-account [@NAME] --confirm NAME")),
    };
    let Some(confirm) = a.value("confirm") else {
        return Err(usage(format!(
            "this deletes @{} for good: posts, keys, follows, bookmarks. To go ahead: delete-account{} --confirm {}",
            crate::text::sanitize_line(&name),
            if name == me.username {
                String::new()
            } else {
                format!(" @{}", crate::text::sanitize_line(&name))
            },
            crate::text::sanitize_line(&name)
        )));
    };
    let gone = camp.delete_account(me.id, &name, confirm)?;
    let held = crate::text::date(gone.quarantine_until_ms);
    if gone.id == me.id {
        Ok(format!(
            "Your account @{} is deleted. Goodbye, and thank you for being here.\n",
            gone.username
        ))
    } else {
        Ok(format!(
            "deleted @{}; the name stays reserved until {held}\n",
            gone.username
        ))
    }
}
