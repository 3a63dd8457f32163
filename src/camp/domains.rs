//! Outside servers: domain blocks (with Mastodon's CSV import and export), blocklist
//! subscriptions read from files, the allowlist mode, and domains a camper hides for
//! themselves. The federation bridge enforces these; here they are stored and managed.

use serde::{Deserialize, Serialize};

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;
use crate::text;

/// The header Mastodon writes and reads.
pub const CSV_HEADER: &str =
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate";
/// Most lines one import reads.
pub const MAX_IMPORT_LINES: usize = 10_000;
/// Largest import, in bytes.
pub const MAX_IMPORT_BYTES: usize = 1 << 20;
/// Longest comment on a block, in characters.
const MAX_COMMENT_CHARS: usize = 500;
/// Most malformed lines listed one by one in a summary.
const MAX_MALFORMED_LISTED: usize = 50;

const ALLOWLIST_MODE_SETTING: &str = "federation_allowlist_mode";
const ALLOWLIST_SETTING: &str = "federation_allowlist";
const SUBSCRIPTIONS_SETTING: &str = "blocklist_subscriptions";

/// Checks and normalises a domain: lower case, no trailing dot, labels of a-z 0-9 and
/// `-` (not at either end), at least two labels, at most 253 characters.
pub fn normalize_domain(raw: &str) -> Result<String> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let d = d.strip_prefix("*.").unwrap_or(&d).to_string();
    let shown = || text::sanitize_line(raw.trim());
    let bad = |why: &str| {
        Err(Error::invalid(format!(
            "'{}' is not a domain: {why}",
            shown()
        )))
    };
    if d.is_empty() {
        return Err(Error::invalid("give a domain, e.g. example.com"));
    }
    if d.len() > 253 {
        return bad("longer than 253 characters");
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return bad("it needs a dot, e.g. example.com");
    }
    for l in labels {
        if l.is_empty() || l.len() > 63 {
            return bad("each part between dots has 1 to 63 characters");
        }
        if !l
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return bad("use a-z, 0-9, '-' and dots (punycode for other scripts)");
        }
        if l.starts_with('-') || l.ends_with('-') {
            return bad("a part may not start or end with '-'");
        }
    }
    Ok(d)
}

/// `domain` and each parent it has (`a.b.c` → `a.b.c`, `b.c`), nearest first.
fn self_and_parents(domain: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(domain);
    std::iter::from_fn(move || {
        let cur = rest?;
        rest = cur
            .split_once('.')
            .map(|(_, r)| r)
            .filter(|r| r.contains('.'));
        Some(cur)
    })
}

/// What an admin sets on a block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainBlockOptions {
    /// How hard.
    pub severity: Severity,
    /// Drop their media.
    pub reject_media: bool,
    /// Ignore their reports.
    pub reject_reports: bool,
    /// Shown with the public block list.
    pub public_comment: String,
    /// For moderators only.
    pub private_comment: String,
    /// Shown partly hidden when published.
    pub obfuscate: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// New blocks.
    pub added: usize,
    /// Domains that already had a block (left as they were).
    pub skipped: usize,
    /// Lines that could not be read: (line number, why). At most 50 listed.
    pub malformed: Vec<(usize, String)>,
    /// How many lines were malformed in all.
    pub malformed_count: usize,
}

impl ImportSummary {
    /// One line for people: "added 3, skipped 1, malformed 2 (line 4: ..., line 7: ...)".
    pub fn describe(&self) -> String {
        let mut s = format!(
            "added {}, skipped {} (already blocked), malformed {}",
            self.added, self.skipped, self.malformed_count
        );
        for (line, why) in &self.malformed {
            s.push_str(&format!("\nline {line}: {why}"));
        }
        if self.malformed_count > self.malformed.len() {
            s.push_str(&format!(
                "\n... and {} more",
                self.malformed_count - self.malformed.len()
            ));
        }
        s
    }
}

/// A blocklist the camp re-reads periodically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// A file path (URLs arrive with the federation bridge).
    pub source: String,
    /// When it was last read, and what that read did.
    pub last_read_ms: Option<Millis>,
    /// The last read's outcome for people.
    pub last_result: String,
}

/// Splits one CSV line (RFC 4180 quoting: `"a, b"` and `""` for a quote).
fn csv_fields(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            (false, '"') => return Err("a quote in the middle of a field".into()),
            (false, ',') => {
                out.push(std::mem::take(&mut cur));
                was_quoted = false;
            }
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    out.push(cur);
    Ok(out)
}

fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn parse_bool(s: &str) -> std::result::Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" => Ok(false),
        "true" | "1" | "yes" => Ok(true),
        other => Err(format!(
            "'{}' is not true or false",
            text::sanitize_line(other)
        )),
    }
}

fn clean_comment(s: &str) -> std::result::Result<String, String> {
    let c = text::sanitize_line(s).trim().to_string();
    if text::char_count(&c) > MAX_COMMENT_CHARS {
        return Err(format!(
            "a comment is at most {MAX_COMMENT_CHARS} characters"
        ));
    }
    Ok(c)
}

/// Which column holds what, from the header (or Mastodon's order without one).
#[derive(Debug, Clone, Copy)]
struct Columns {
    domain: usize,
    severity: Option<usize>,
    reject_media: Option<usize>,
    reject_reports: Option<usize>,
    public_comment: Option<usize>,
    obfuscate: Option<usize>,
}

impl Columns {
    const MASTODON: Columns = Columns {
        domain: 0,
        severity: Some(1),
        reject_media: Some(2),
        reject_reports: Some(3),
        public_comment: Some(4),
        obfuscate: Some(5),
    };

    fn from_header(fields: &[String]) -> std::result::Result<Columns, String> {
        let find = |name: &str| {
            fields
                .iter()
                .position(|f| f.trim().trim_start_matches('#') == name)
        };
        Ok(Columns {
            domain: find("domain").ok_or("the header has no #domain column")?,
            severity: find("severity"),
            reject_media: find("reject_media"),
            reject_reports: find("reject_reports"),
            public_comment: find("public_comment"),
            obfuscate: find("obfuscate"),
        })
    }

    /// One data line as a block (Mastodon's defaults for missing columns: suspend, false).
    fn parse(
        &self,
        fields: &[String],
    ) -> std::result::Result<(String, DomainBlockOptions), String> {
        let get = |i: Option<usize>| {
            i.and_then(|i| fields.get(i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let domain = normalize_domain(get(Some(self.domain))).map_err(|e| e.to_string())?;
        let severity = match get(self.severity) {
            "" => Severity::Suspend,
            s => Severity::parse(&s.to_ascii_lowercase()).ok_or_else(|| {
                format!(
                    "severity '{}' is not silence or suspend",
                    text::sanitize_line(s)
                )
            })?,
        };
        Ok((
            domain,
            DomainBlockOptions {
                severity,
                reject_media: parse_bool(get(self.reject_media))?,
                reject_reports: parse_bool(get(self.reject_reports))?,
                public_comment: clean_comment(get(self.public_comment))?,
                private_comment: String::new(),
                obfuscate: parse_bool(get(self.obfuscate))?,
            },
        ))
    }
}

/// A blocklist read from Mastodon CSV, before it meets the camp's own blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedBlocklist {
    /// Good lines as (normalised domain, options), in file order (duplicates kept).
    pub rows: Vec<(String, DomainBlockOptions)>,
    /// Malformed lines: (line number, why); at most 50 listed.
    pub malformed: Vec<(usize, String)>,
    /// How many lines were malformed in all.
    pub malformed_count: usize,
}

/// Reads Mastodon CSV: a `#domain,...` header names the columns (without one,
/// Mastodon's order is assumed); missing columns get Mastodon's defaults (suspend,
/// false); a malformed line is reported with its number and the rest still read.
/// Refuses input over [`MAX_IMPORT_BYTES`] or [`MAX_IMPORT_LINES`] as a whole.
pub fn parse_blocklist(csv: &str) -> Result<ParsedBlocklist> {
    if csv.len() > MAX_IMPORT_BYTES {
        return Err(Error::invalid(format!(
            "an import is at most {MAX_IMPORT_BYTES} bytes"
        )));
    }
    let mut out = ParsedBlocklist::default();
    let mut columns = Columns::MASTODON;
    let bad = |out: &mut ParsedBlocklist, n: usize, why: String| {
        out.malformed_count += 1;
        if out.malformed.len() < MAX_MALFORMED_LISTED {
            out.malformed.push((n, why));
        }
    };
    // Spreadsheets often save a byte-order mark in front of the header.
    let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    for (i, line) in csv.lines().enumerate() {
        let n = i + 1;
        if n > MAX_IMPORT_LINES {
            return Err(Error::invalid(format!(
                "an import is at most {MAX_IMPORT_LINES} lines; nothing was imported"
            )));
        }
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields = match csv_fields(line) {
            Ok(f) => f,
            Err(why) => {
                bad(&mut out, n, why);
                continue;
            }
        };
        if fields[0].trim().starts_with('#') {
            match Columns::from_header(&fields) {
                Ok(c) => columns = c,
                Err(why) => bad(&mut out, n, why),
            }
            continue;
        }
        match columns.parse(&fields) {
            Ok(row) => out.rows.push(row),
            Err(why) => bad(&mut out, n, why),
        }
    }
    Ok(out)
}

impl Camp {
    fn new_block(
        &self,
        by: Option<Id>,
        domain: String,
        o: DomainBlockOptions,
        source: Option<String>,
    ) -> DomainBlock {
        DomainBlock {
            domain,
            severity: o.severity,
            reject_media: o.reject_media,
            reject_reports: o.reject_reports,
            public_comment: o.public_comment,
            private_comment: o.private_comment,
            obfuscate: o.obfuscate,
            created_by: by,
            source,
            created_ms: now_ms(),
        }
    }

    /// Blocks an outside domain (admins); replaces an existing block on it.
    pub fn block_domain(&self, by: Id, domain: &str, o: DomainBlockOptions) -> Result<DomainBlock> {
        let admin = self.admin(by)?;
        let domain = normalize_domain(domain)?;
        let mut o = o;
        o.public_comment = clean_comment(&o.public_comment).map_err(Error::Invalid)?;
        o.private_comment = clean_comment(&o.private_comment).map_err(Error::Invalid)?;
        let block = self.new_block(Some(admin.id), domain, o, None);
        self.store().put_domain_block(&block)?;
        if block.severity == Severity::Suspend {
            self.clear_follows_on_domain(&block.domain)?;
        }
        self.audit(
            Some(admin.id),
            "domain-block",
            block.domain.clone(),
            &format!(
                "{}{}",
                block.severity.as_str(),
                if block.reject_media {
                    ", reject media"
                } else {
                    ""
                }
            ),
        )?;
        self.store().flush()?;
        Ok(block)
    }

    /// Lifts the block on exactly this domain (admins).
    pub fn unblock_domain(&self, by: Id, domain: &str) -> Result<DomainBlock> {
        let admin = self.admin(by)?;
        let domain = normalize_domain(domain)?;
        let removed = self
            .store()
            .remove_domain_block(&domain)?
            .ok_or_else(|| Error::not_found(format!("{domain} is not blocked")))?;
        self.audit(Some(admin.id), "domain-unblock", domain, "")?;
        self.store().flush()?;
        Ok(removed)
    }

    /// Every domain block, by domain (moderators may look; admins change).
    pub fn domain_blocks(&self, by: Id) -> Result<Vec<DomainBlock>> {
        self.moderator(by)?;
        self.store().domain_blocks()
    }

    /// The block that covers `domain` (its own or a parent's), for the bridge.
    pub fn domain_block_for(&self, domain: &str) -> Result<Option<DomainBlock>> {
        let domain = normalize_domain(domain)?;
        for d in self_and_parents(&domain) {
            if let Some(b) = self.store().domain_block(d)? {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// Whether the camp federates with `domain`: not suspended by a block, and listed
    /// (itself or a parent) when the allowlist mode is on.
    pub fn federates_with(&self, domain: &str) -> Result<bool> {
        if self
            .domain_block_for(domain)?
            .is_some_and(|b| b.severity == Severity::Suspend)
        {
            return Ok(false);
        }
        if !self.allowlist_mode()? {
            return Ok(true);
        }
        let allowed = self.allowlist()?;
        let domain = normalize_domain(domain)?;
        Ok(self_and_parents(&domain).any(|d| allowed.iter().any(|a| a == d)))
    }

    /// The blocks as Mastodon CSV, header first (admins).
    pub fn export_domain_blocks(&self, by: Id) -> Result<String> {
        self.admin(by)?;
        let mut out = format!("{CSV_HEADER}\n");
        for b in self.store().domain_blocks()? {
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                b.domain,
                b.severity.as_str(),
                b.reject_media,
                b.reject_reports,
                csv_quote(&b.public_comment),
                b.obfuscate
            ));
        }
        Ok(out)
    }

    /// Imports Mastodon CSV (admins): domains that already have a block are skipped,
    /// missing columns get Mastodon's defaults, a malformed line is reported with its
    /// number and never stops the rest. The good lines are written together.
    pub fn import_domain_blocks(&self, by: Id, csv: &str) -> Result<ImportSummary> {
        let admin = self.admin(by)?;
        let summary = self.import_blocks(Some(admin.id), csv, None)?;
        self.audit(
            Some(admin.id),
            "domain-import",
            "domain blocks".into(),
            &format!(
                "added {}, skipped {}, malformed {}",
                summary.added, summary.skipped, summary.malformed_count
            ),
        )?;
        self.store().flush()?;
        Ok(summary)
    }

    fn import_blocks(
        &self,
        by: Option<Id>,
        csv: &str,
        source: Option<String>,
    ) -> Result<ImportSummary> {
        let parsed = parse_blocklist(csv)?;
        let mut summary = ImportSummary {
            malformed: parsed.malformed,
            malformed_count: parsed.malformed_count,
            ..Default::default()
        };
        let mut seen = std::collections::HashSet::new();
        let mut fresh: Vec<DomainBlock> = Vec::new();
        for (domain, opts) in parsed.rows {
            if self.store().domain_block(&domain)?.is_some() || !seen.insert(domain.clone()) {
                summary.skipped += 1;
                continue;
            }
            fresh.push(self.new_block(by, domain, opts, source.clone()));
        }
        // The good lines are written together, so an import never stops half-way.
        self.store().put_domain_blocks(&fresh)?;
        summary.added = fresh.len();
        Ok(summary)
    }

    // ---- subscriptions ----

    /// The blocklists the camp re-reads (admins).
    pub fn subscriptions(&self, by: Id) -> Result<Vec<Subscription>> {
        self.admin(by)?;
        Ok(self
            .store()
            .setting(SUBSCRIPTIONS_SETTING)?
            .unwrap_or_default())
    }

    /// Subscribes to a blocklist (a file in the blocklist directory, see
    /// [`crate::camp::blocklist_files`], or an https URL when the federation bridge
    /// runs) and reads it once now (admins). A URL is fetched by the bridge's guarded
    /// client, in the background.
    pub fn subscribe_blocklist(&self, by: Id, source: &str) -> Result<Subscription> {
        let admin = self.admin(by)?;
        let source = text::sanitize_line(source).trim().to_string();
        let is_url = is_url(&source);
        if is_url {
            if self.outside().is_none() {
                return Err(Error::invalid(
                    "URL subscriptions need the federation bridge (camp serve --http); give a file path on the server",
                ));
            }
            let ok = url::Url::parse(&source).is_ok_and(|u| {
                u.host_str().is_some()
                    && (u.scheme() == "https"
                        || (u.scheme() == "http" && self.config().dev_federation))
            });
            if !ok || source.len() > 2048 {
                return Err(Error::invalid(
                    "give an https:// URL of a Mastodon CSV file",
                ));
            }
        } else {
            // Read once now: a file that cannot be read is refused before it is stored,
            // with an answer that says nothing about files outside the directory.
            crate::camp::blocklist_files::read(&self.config().blocklist_dir(), &source)
                .map_err(Error::invalid)?;
        }
        let mut subs: Vec<Subscription> = self
            .store()
            .setting(SUBSCRIPTIONS_SETTING)?
            .unwrap_or_default();
        if subs.iter().any(|s| s.source == source) {
            return Err(Error::invalid("already subscribed to that blocklist"));
        }
        if subs.len() >= 20 {
            return Err(Error::invalid("at most 20 blocklist subscriptions"));
        }
        subs.push(Subscription {
            source: source.clone(),
            last_read_ms: None,
            last_result: "not read yet".into(),
        });
        self.store().put_setting(SUBSCRIPTIONS_SETTING, &subs)?;
        self.audit(Some(admin.id), "blocklist-subscribe", source.clone(), "")?;
        self.store().flush()?;
        self.refresh_subscriptions()?;
        if is_url
            && let Some(outside) = self.outside()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move { outside.refresh_blocklist_urls().await });
        }
        let subs: Vec<Subscription> = self
            .store()
            .setting(SUBSCRIPTIONS_SETTING)?
            .unwrap_or_default();
        Ok(subs
            .into_iter()
            .find(|s| s.source == source)
            .unwrap_or(Subscription {
                source,
                last_read_ms: None,
                last_result: String::new(),
            }))
    }

    /// Stops re-reading a blocklist (its blocks stay) (admins).
    pub fn unsubscribe_blocklist(&self, by: Id, source: &str) -> Result<()> {
        let admin = self.admin(by)?;
        let mut subs: Vec<Subscription> = self
            .store()
            .setting(SUBSCRIPTIONS_SETTING)?
            .unwrap_or_default();
        let before = subs.len();
        subs.retain(|s| s.source != source.trim());
        if subs.len() == before {
            return Err(Error::not_found("not subscribed to that blocklist"));
        }
        self.store().put_setting(SUBSCRIPTIONS_SETTING, &subs)?;
        self.audit(
            Some(admin.id),
            "blocklist-unsubscribe",
            source.trim().into(),
            "",
        )?;
        self.store().flush()?;
        Ok(())
    }

    /// Re-reads every blocklist file subscribed, adding blocks it lists that the camp
    /// lacks. Called at start and periodically by the server; a bad file is recorded,
    /// not fatal. URL subscriptions are left to the bridge
    /// ([`crate::camp::Outside::refresh_blocklist_urls`]), which fetches them.
    pub fn refresh_subscriptions(&self) -> Result<()> {
        let mut subs: Vec<Subscription> = self
            .store()
            .setting(SUBSCRIPTIONS_SETTING)?
            .unwrap_or_default();
        if subs.is_empty() {
            return Ok(());
        }
        let dir = self.config().blocklist_dir();
        for s in subs.iter_mut().filter(|s| !is_url(&s.source)) {
            let text = crate::camp::blocklist_files::read(&dir, &s.source);
            let result = self.import_subscription(&s.source, text)?;
            s.last_read_ms = Some(now_ms());
            s.last_result = result;
        }
        self.store().put_setting(SUBSCRIPTIONS_SETTING, &subs)?;
        self.store().flush()?;
        Ok(())
    }

    /// The blocklists subscribed by URL, for the bridge to fetch.
    pub fn url_subscriptions(&self) -> Result<Vec<String>> {
        let subs: Vec<Subscription> = self
            .store()
            .setting(SUBSCRIPTIONS_SETTING)?
            .unwrap_or_default();
        Ok(subs
            .into_iter()
            .map(|s| s.source)
            .filter(|s| is_url(s))
            .collect())
    }

    /// Applies what the bridge fetched for the URL subscription `source` (the CSV text,
    /// or why it could not be had) and records the outcome on the subscription. A
    /// source no longer subscribed is ignored.
    pub fn apply_url_subscription(
        &self,
        source: &str,
        fetched: std::result::Result<String, String>,
    ) -> Result<()> {
        let subs: Vec<Subscription> = self
            .store()
            .setting(SUBSCRIPTIONS_SETTING)?
            .unwrap_or_default();
        if !subs.iter().any(|s| s.source == source) {
            return Ok(());
        }
        let result = self.import_subscription(source, fetched)?;
        // Read again: an admin may have changed the list while the fetch ran.
        let mut subs: Vec<Subscription> = self
            .store()
            .setting(SUBSCRIPTIONS_SETTING)?
            .unwrap_or_default();
        if let Some(s) = subs.iter_mut().find(|s| s.source == source) {
            s.last_read_ms = Some(now_ms());
            s.last_result = result;
        }
        self.store().put_setting(SUBSCRIPTIONS_SETTING, &subs)?;
        self.store().flush()?;
        Ok(())
    }

    /// Imports one subscription's text; the outcome in one line for people.
    fn import_subscription(
        &self,
        source: &str,
        csv: std::result::Result<String, String>,
    ) -> Result<String> {
        let csv = match csv {
            Ok(c) => c,
            Err(e) => return Ok(e),
        };
        Ok(
            match self.import_blocks(None, &csv, Some(source.to_string())) {
                Ok(sum) => {
                    if sum.added > 0 {
                        self.audit(
                            None,
                            "domain-import",
                            source.to_string(),
                            &format!("subscription: added {}", sum.added),
                        )?;
                    }
                    sum.describe()
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string()
                }
                Err(e) => e.to_string(),
            },
        )
    }

    // ---- allowlist mode ----

    /// True when the camp federates only with listed domains.
    pub fn allowlist_mode(&self) -> Result<bool> {
        Ok(self
            .store()
            .setting(ALLOWLIST_MODE_SETTING)?
            .unwrap_or(false))
    }

    /// The domains listed for the allowlist mode.
    pub fn allowlist(&self) -> Result<Vec<String>> {
        Ok(self.store().setting(ALLOWLIST_SETTING)?.unwrap_or_default())
    }

    /// Turns the allowlist mode on or off (admins).
    pub fn set_allowlist_mode(&self, by: Id, on: bool) -> Result<()> {
        let admin = self.admin(by)?;
        self.store().put_setting(ALLOWLIST_MODE_SETTING, &on)?;
        self.audit(
            Some(admin.id),
            "allowlist-mode",
            "federation".into(),
            if on { "on" } else { "off" },
        )?;
        self.store().flush()?;
        Ok(())
    }

    /// Lists (or unlists) a domain for the allowlist mode (admins).
    pub fn set_domain_allowed(&self, by: Id, domain: &str, allowed: bool) -> Result<()> {
        let admin = self.admin(by)?;
        let domain = normalize_domain(domain)?;
        let mut list = self.allowlist()?;
        let had = list.contains(&domain);
        match (allowed, had) {
            (true, true) => return Err(Error::invalid(format!("{domain} is listed already"))),
            (false, false) => return Err(Error::not_found(format!("{domain} is not listed"))),
            (true, false) => {
                if list.len() >= 10_000 {
                    return Err(Error::invalid("the allowlist holds at most 10000 domains"));
                }
                list.push(domain.clone());
                list.sort();
            }
            (false, true) => list.retain(|d| *d != domain),
        }
        self.store().put_setting(ALLOWLIST_SETTING, &list)?;
        self.audit(
            Some(admin.id),
            if allowed {
                "allow-domain"
            } else {
                "disallow-domain"
            },
            domain,
            "",
        )?;
        self.store().flush()?;
        Ok(())
    }

    // ---- a camper's own hidden domains ----

    /// Hides (or shows again) everything from an outside domain for `by` alone.
    pub fn hide_domain(&self, by: Id, domain: &str, hidden: bool) -> Result<String> {
        let me = self.actor(by)?;
        let domain = normalize_domain(domain)?;
        let has = self.store().hidden_domains(me.id)?.contains(&domain);
        if has == hidden {
            return Err(Error::invalid(if hidden {
                format!("you hide {domain} already")
            } else {
                format!("you do not hide {domain}")
            }));
        }
        if hidden && self.store().hidden_domains(me.id)?.len() >= 1000 {
            return Err(Error::invalid("you can hide at most 1000 domains"));
        }
        self.check_action_rate(&me)?;
        self.store().set_domain_hidden(me.id, &domain, hidden)?;
        self.store().flush()?;
        Ok(domain)
    }

    /// The domains `by` hides.
    pub fn hidden_domains(&self, by: Id) -> Result<Vec<String>> {
        let me = self.actor(by)?;
        self.store().hidden_domains(me.id)
    }

    /// True when `viewer` hides `domain` or a parent of it (for the bridge's timelines).
    pub fn hides_domain(&self, viewer: Id, domain: &str) -> Result<bool> {
        let hidden = self.store().hidden_domains(viewer)?;
        let domain = normalize_domain(domain)?;
        Ok(self_and_parents(&domain).any(|d| hidden.iter().any(|h| h == d)))
    }
}

/// True for a subscription read over HTTP rather than from a file.
fn is_url(source: &str) -> bool {
    source.starts_with("https://") || source.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_and_checked() {
        assert_eq!(normalize_domain(" Example.COM. ").unwrap(), "example.com");
        assert_eq!(normalize_domain("*.bad.example").unwrap(), "bad.example");
        for bad in [
            "",
            "localhost",
            "a..b",
            "-a.com",
            "a-.com",
            "ex ample.com",
            "é.com",
            &"a".repeat(64),
        ] {
            assert!(normalize_domain(bad).is_err(), "{bad}");
        }
        let parents: Vec<&str> = self_and_parents("a.b.example.com").collect();
        assert_eq!(
            parents,
            vec!["a.b.example.com", "b.example.com", "example.com"]
        );
    }

    #[test]
    fn a_byte_order_mark_and_crlf_are_tolerated() {
        let camp = Camp::temporary().unwrap();
        let s = camp
            .import_blocks(
                None,
                "\u{feff}#domain,#severity\r\na.example,silence\r\n",
                None,
            )
            .unwrap();
        assert_eq!((s.added, s.malformed_count), (1, 0), "{s:?}");
        let b = camp.store().domain_block("a.example").unwrap().unwrap();
        assert_eq!(b.severity, Severity::Silence);
    }

    #[test]
    fn csv_fields_follow_rfc4180_quoting() {
        assert_eq!(
            csv_fields("a.com,suspend,\"x, \"\"y\"\"\",true").unwrap(),
            vec!["a.com", "suspend", "x, \"y\"", "true"]
        );
        assert!(csv_fields("a.com,\"open").is_err());
        assert!(csv_fields("a.com,b\"c").is_err());
        assert_eq!(csv_quote("plain"), "plain");
        assert_eq!(csv_quote("a, \"b\""), "\"a, \"\"b\"\"\"");
    }
}
