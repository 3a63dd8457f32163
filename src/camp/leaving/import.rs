//! `import following|blocks|mutes`: the CSVs Mastodon (and `export`) write, read as
//! hostile input. The file is bounded ([`MAX_IMPORT_LINES`] lines, each at most
//! [`MAX_LINE_BYTES`]); every line gets its own verdict (added, skipped or refused, with
//! a reason), and a bad line never stops the lines after it.

use crate::Camp;
use crate::error::{Error, Result};
use crate::model::*;
use crate::text;

/// Most lines one import reads; the rest are refused in one closing line.
pub const MAX_IMPORT_LINES: usize = 2_000;
/// Longest line read; a longer one is refused.
pub const MAX_LINE_BYTES: usize = 1_024;

/// Which list a file fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// `following_accounts.csv`
    Following,
    /// `blocked_accounts.csv`
    Blocks,
    /// `muted_accounts.csv`
    Mutes,
}

impl ImportKind {
    /// Parses the word after `import`.
    pub fn parse(s: &str) -> Option<ImportKind> {
        match s {
            "following" | "follows" => Some(ImportKind::Following),
            "blocks" | "blocked" => Some(ImportKind::Blocks),
            "mutes" | "muted" => Some(ImportKind::Mutes),
            _ => None,
        }
    }
}

/// What happened to one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineVerdict {
    /// Done (for a remote follow: asked, pending their answer).
    Added(String),
    /// Nothing to do (already so).
    Skipped(String),
    /// Not done, and why.
    Refused(String),
}

/// One line of an import report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLine {
    /// 1-based line number in the file.
    pub line: usize,
    /// The account address as read (sanitized).
    pub address: String,
    /// What happened.
    pub verdict: LineVerdict,
}

/// Follows an account elsewhere (`user@host`) through the federation bridge; the
/// exec layer passes one when the bridge runs.
pub type RemoteFollow<'a> = &'a dyn Fn(&str) -> Result<()>;

/// The account address in the first field of a CSV line (`None` for a blank line).
fn first_field(line: &str) -> std::result::Result<Option<String>, String> {
    let line = line.trim_end_matches('\r').trim();
    if line.is_empty() {
        return Ok(None);
    }
    let field = if let Some(rest) = line.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        loop {
            match chars.next() {
                None => return Err("an opening quote is never closed".into()),
                Some('"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    out.push('"');
                }
                Some('"') => break,
                Some(c) => out.push(c),
            }
        }
        out
    } else {
        line.split(',').next().unwrap_or("").to_string()
    };
    let field = field.trim().trim_start_matches('@').to_string();
    if field.is_empty() {
        return Err("no account address in the first column".into());
    }
    Ok(Some(field))
}

impl Camp {
    /// Reads one of Mastodon's account CSVs into `by`'s follows, blocks or mutes; one
    /// verdict per non-blank line. The whole import counts once against the action rate.
    pub fn import_accounts(
        &self,
        by: Id,
        kind: ImportKind,
        csv: &str,
        remote_follow: Option<RemoteFollow<'_>>,
    ) -> Result<Vec<ImportLine>> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        let host = self.camp_host().to_lowercase();
        let mut out = Vec::new();
        for (i, raw) in csv.split('\n').enumerate() {
            let line = i + 1;
            if line > MAX_IMPORT_LINES {
                if csv.split('\n').skip(i).any(|l| !l.trim().is_empty()) {
                    out.push(ImportLine {
                        line,
                        address: String::new(),
                        verdict: LineVerdict::Refused(format!(
                            "only the first {MAX_IMPORT_LINES} lines are read; import the rest separately"
                        )),
                    });
                }
                break;
            }
            let refuse = |address: String, why: String| ImportLine {
                line,
                address,
                verdict: LineVerdict::Refused(why),
            };
            if raw.len() > MAX_LINE_BYTES {
                out.push(refuse(
                    String::new(),
                    format!("longer than {MAX_LINE_BYTES} bytes"),
                ));
                continue;
            }
            let address = match first_field(raw) {
                Ok(None) => continue,
                Ok(Some(a)) => a,
                Err(why) => {
                    out.push(refuse(String::new(), why));
                    continue;
                }
            };
            // Mastodon's header line (following, mutes).
            if line == 1 && address.eq_ignore_ascii_case("account address") {
                continue;
            }
            let shown = text::sanitize_line(&address);
            let verdict = self.import_one(&me, kind, &address, &host, remote_follow);
            out.push(ImportLine {
                line,
                address: shown,
                verdict,
            });
        }
        Ok(out)
    }

    fn import_one(
        &self,
        me: &Account,
        kind: ImportKind,
        address: &str,
        host: &str,
        remote_follow: Option<RemoteFollow<'_>>,
    ) -> LineVerdict {
        let lower = address.to_lowercase();
        // `name@this-camp` is a camper here; a bare `name` too.
        let local = match lower.split_once('@') {
            None => Some(lower.clone()),
            Some((name, h)) if h == host => Some(name.to_string()),
            Some(_) => None,
        };
        let result = match (&local, kind) {
            (Some(name), _) if name.is_empty() || name.contains(['@', '/', ' ']) => {
                return LineVerdict::Refused("not an account address".into());
            }
            (Some(name), ImportKind::Following) => self.import_local_follow(me, name),
            (None, ImportKind::Following) => self.import_remote_follow(me, &lower, remote_follow),
            (_, ImportKind::Blocks) => {
                let name = local.as_deref().unwrap_or(&lower);
                self.import_block(me, name)
            }
            (_, ImportKind::Mutes) => {
                let name = local.as_deref().unwrap_or(&lower);
                self.import_mute(me, name)
            }
        };
        match result {
            Ok(v) => v,
            Err(e) => LineVerdict::Refused(text::sanitize_line(&e.to_string())),
        }
    }

    fn import_local_follow(&self, me: &Account, name: &str) -> Result<LineVerdict> {
        if let Some(them) = self.store().account_by_name(name)?
            && self.store().follows(me.id, them.id)?
        {
            return Ok(LineVerdict::Skipped("already following".into()));
        }
        let them = self.follow_as(me, name, false)?;
        Ok(LineVerdict::Added(format!(
            "now following @{}",
            them.username
        )))
    }

    fn import_remote_follow(
        &self,
        me: &Account,
        handle: &str,
        remote_follow: Option<RemoteFollow<'_>>,
    ) -> Result<LineVerdict> {
        if let Some(shadow) = self.store().account_by_name(handle)?
            && let Some(actor) = self.store().remote_actor_of_shadow(shadow.id)?
            && self.store().remote_following(me.id, &actor.id)?.is_some()
        {
            return Ok(LineVerdict::Skipped("already following (or asked)".into()));
        }
        let Some(follow) = remote_follow else {
            return Err(Error::invalid(
                "an account on another server, and federation is off on this camp",
            ));
        };
        follow(handle)?;
        Ok(LineVerdict::Added(format!(
            "asking @{} to be followed: `following` shows it once their server answers",
            text::sanitize_line(handle)
        )))
    }

    fn import_block(&self, me: &Account, name: &str) -> Result<LineVerdict> {
        if let Some(them) = self.store().account_by_name(name)?
            && self.store().blocks(me.id, them.id)?
        {
            return Ok(LineVerdict::Skipped("already blocked".into()));
        }
        self.block_as(me, name, false)?;
        Ok(LineVerdict::Added("blocked".into()))
    }

    fn import_mute(&self, me: &Account, name: &str) -> Result<LineVerdict> {
        if let Some(them) = self.store().account_by_name(name)?
            && let Some(m) = self.store().mute(me.id, them.id)?
            && m.until_ms.is_none()
        {
            return Ok(LineVerdict::Skipped("already muted".into()));
        }
        self.mute_as(me, name, None, false)?;
        Ok(LineVerdict::Added("muted".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::testing::*;

    #[test]
    fn fields_are_read_as_csv() {
        assert_eq!(first_field("  \r"), Ok(None));
        assert_eq!(first_field("bo@x,true,false,"), Ok(Some("bo@x".into())));
        assert_eq!(first_field("\"@bo\"\"x\",1"), Ok(Some("bo\"x".into())));
        assert!(first_field("\"open").is_err());
        assert!(first_field(",true").is_err());
    }

    #[test]
    fn every_line_gets_a_verdict_and_bad_lines_do_not_stop_the_rest() {
        let (camp, ids) = camp_with(&["ana", "bo", "cy"]);
        let host = camp.camp_host();
        let long = "x".repeat(MAX_LINE_BYTES + 1);
        let csv = format!(
            "Account address,Show boosts,Notify on new posts,Languages\nbo@{host},true,false,\n\"broken\nnobody@{host}\n{long}\nana\ncy,true\nbo\nfar@elsewhere.example\n"
        );
        let report = camp
            .import_accounts(ids[0], ImportKind::Following, &csv, None)
            .unwrap();
        let verdicts: Vec<(usize, bool, bool)> = report
            .iter()
            .map(|l| {
                (
                    l.line,
                    matches!(l.verdict, LineVerdict::Added(_)),
                    matches!(l.verdict, LineVerdict::Skipped(_)),
                )
            })
            .collect();
        assert_eq!(
            verdicts,
            vec![
                (2, true, false),
                (3, false, false),
                (4, false, false),
                (5, false, false),
                (6, false, false),
                (7, true, false),
                (8, false, true),
                (9, false, false),
            ],
            "{report:?}"
        );
        let LineVerdict::Refused(why) = &report[7].verdict else {
            unreachable!()
        };
        assert!(why.contains("federation is off"), "{why}");
        assert!(camp.store().follows(ids[0], ids[1]).unwrap());
        assert!(camp.store().follows(ids[0], ids[2]).unwrap());
    }

    #[test]
    fn a_file_longer_than_the_cap_is_cut_with_a_line_saying_so() {
        let (camp, ids) = camp_with(&["ana", "bo"]);
        let csv = "bo\n".repeat(MAX_IMPORT_LINES + 5);
        let report = camp
            .import_accounts(ids[0], ImportKind::Blocks, &csv, None)
            .unwrap();
        assert_eq!(report.len(), MAX_IMPORT_LINES + 1);
        assert!(matches!(report[0].verdict, LineVerdict::Added(_)));
        assert!(matches!(report[1].verdict, LineVerdict::Skipped(_)));
        assert!(
            matches!(&report[MAX_IMPORT_LINES].verdict, LineVerdict::Refused(w) if w.contains("first"))
        );
    }
}
