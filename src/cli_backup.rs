//! The offline `camp backup` and `camp restore` verbs: the backup goes to stdout (never
//! to a terminal), what was done goes to stderr.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::Camp;

/// `camp backup [--with-host-key] > FILE`.
pub fn backup(camp: Camp, with_host_key: bool) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        anyhow::bail!(
            "backup writes binary data, not for a terminal: send it to a file: \
             camp backup > camp-YYYYMMDD.campbak"
        );
    }
    let mut out = stdout.lock();
    let summary = camp.write_backup(&mut out, with_host_key)?;
    out.flush()?;
    eprintln!(
        "camp: backup of {} ({} bytes{})",
        summary.counts_line(),
        summary.bytes,
        if summary.host_key {
            ", with the host key"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `camp restore FILE --data DIR [--keys DIR]`.
pub fn restore(file: &Path, data: &Path, keys: Option<&Path>) -> anyhow::Result<ExitCode> {
    let restored = crate::store::restore::restore(file, data, keys)?;
    let s = &restored.summary;
    println!(
        "restored {} into {} ({} records in {} trees, taken {})",
        s.counts_line(),
        data.display(),
        s.records,
        s.trees,
        crate::text::date(s.created_ms)
    );
    match (&restored.host_key, s.host_key) {
        (Some(path), _) => println!("host key written to {}", path.display()),
        (None, true) => {
            println!("the backup holds a host key; it was not restored (give --keys DIR)")
        }
        (None, false) => {}
    }
    Ok(ExitCode::SUCCESS)
}
