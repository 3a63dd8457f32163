//! `plain on|off`: whether `ssh -t camp` opens the screen-reader line mode for you.
//! `plain` alone is the line mode itself, which needs a terminal (`ssh -t camp plain`);
//! without one it says so.

use super::args::Args;
use super::{Failure, usage};
use crate::Camp;
use crate::model::Account;

/// Verbs of this module for `help`: (usage, what it does).
pub const VERBS: &[(&str, &str)] = &[(
    "plain | plain on|off",
    "with ssh -t: the screen-reader line mode; on/off: open it whenever you connect",
)];

/// `plain on|off` (and `plain` alone without a terminal: how to start it).
pub fn plain(camp: &Camp, me: Option<Account>, rest: &[String]) -> Result<String, Failure> {
    let a = Args::parse(rest, &[], &[])?;
    let host = camp.config().ssh_hint();
    let on = match a.positional.as_slice() {
        [] => {
            return Err(usage(format!(
                "the line mode needs a terminal: ssh -t {host} plain (plain on makes it your default)"
            )));
        }
        [w] if w == "on" => true,
        [w] if w == "off" => false,
        _ => return Err(usage("usage: plain on|off")),
    };
    let Some(me) = me else {
        return Err(crate::Error::NoAccount { host }.into());
    };
    camp.set_line_mode(me.id, on)?;
    Ok(if on {
        format!("The line mode is now your default: ssh -t {host} opens it.\n")
    } else {
        format!("The full-screen app is your default again: ssh -t {host} opens it.\n")
    })
}
