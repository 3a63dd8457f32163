//! Moderation storage: reports, the append-only audit log, domain blocks and each
//! camper's hidden domains, plus the post removals and re-listings that moderation
//! actions need. Kept apart from the core trees so the two grow independently.

use super::gate::{Db, Tree};

use crate::error::{Error, Result};
use crate::model::*;
use crate::store::Store;
use crate::store::codec::{decode, encode, id_key, read_id};

/// The trees moderation owns.
pub(crate) struct ModerationTrees {
    reports: Tree,
    audit: Tree,
    domain_blocks: Tree,
    hidden_domains: Tree,
}

impl ModerationTrees {
    pub(crate) fn open(db: &Db) -> Result<ModerationTrees> {
        Ok(ModerationTrees {
            reports: db.open_tree("reports")?,
            audit: db.open_tree("audit")?,
            domain_blocks: db.open_tree("domain_blocks")?,
            hidden_domains: db.open_tree("hidden_domains")?,
        })
    }

    /// The largest id these trees hold, so fresh ids stay above it after a restart.
    pub(crate) fn max_id(&self) -> u64 {
        [&self.reports, &self.audit]
            .iter()
            .filter_map(|t| t.last().ok().flatten())
            .filter_map(|(k, _)| read_id(&k))
            .max()
            .unwrap_or(0)
    }
}

fn hidden_key(account: Id, domain: &str) -> Vec<u8> {
    let mut k = id_key(account).to_vec();
    k.extend_from_slice(domain.as_bytes());
    k
}

impl Store {
    // ---- reports ----

    /// Saves a report (new or changed).
    pub fn put_report(&self, r: &Report) -> Result<()> {
        self.moderation.reports.insert(id_key(r.id), encode(r)?)?;
        Ok(())
    }

    /// The report with this id.
    pub fn report(&self, id: Id) -> Result<Option<Report>> {
        Self::get(&self.moderation.reports, id_key(id))
    }

    /// Reports, newest first, at most `limit`.
    pub fn reports(&self, limit: usize) -> Result<Vec<Report>> {
        self.moderation
            .reports
            .iter()
            .rev()
            .take(limit)
            .map(|kv| decode(&kv?.1))
            .collect()
    }

    // ---- audit log ----

    /// Appends an entry. Entries are never changed or removed; the id is time-ordered
    /// and fresh, so an append never overwrites.
    pub fn append_audit(&self, e: &AuditEntry) -> Result<()> {
        let old = self.moderation.audit.compare_and_swap(
            id_key(e.id),
            None as Option<&[u8]>,
            Some(encode(e)?),
        )?;
        old.map_err(|_| Error::Codec("audit id collision".into()))
    }

    /// Audit entries older than `before`, newest first.
    pub fn audit(&self, before: Option<Id>, limit: usize) -> Result<Vec<AuditEntry>> {
        let end = id_key(before.unwrap_or(u64::MAX));
        self.moderation
            .audit
            .range(..end)
            .rev()
            .take(limit)
            .map(|kv| decode(&kv?.1))
            .collect()
    }

    // ---- domain blocks ----

    /// Saves a domain block (keyed by its normalised domain).
    pub fn put_domain_block(&self, b: &DomainBlock) -> Result<()> {
        self.moderation
            .domain_blocks
            .insert(b.domain.as_bytes(), encode(b)?)?;
        Ok(())
    }

    /// Saves several blocks at once, all or nothing.
    pub fn put_domain_blocks(&self, blocks: &[DomainBlock]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for b in blocks {
            batch.insert(b.domain.as_bytes(), encode(b)?);
        }
        self.moderation.domain_blocks.apply_batch(batch)?;
        Ok(())
    }

    /// The block on exactly this domain.
    pub fn domain_block(&self, domain: &str) -> Result<Option<DomainBlock>> {
        Self::get(&self.moderation.domain_blocks, domain.as_bytes())
    }

    /// Removes the block on exactly this domain; returns it.
    pub fn remove_domain_block(&self, domain: &str) -> Result<Option<DomainBlock>> {
        self.moderation
            .domain_blocks
            .remove(domain.as_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Every domain block, sorted by domain.
    pub fn domain_blocks(&self) -> Result<Vec<DomainBlock>> {
        self.moderation
            .domain_blocks
            .iter()
            .values()
            .map(|v| decode(&v?))
            .collect()
    }

    // ---- domains a camper hides for themselves ----

    /// Hides (or shows again) an outside domain for one account.
    pub fn set_domain_hidden(&self, account: Id, domain: &str, hidden: bool) -> Result<()> {
        let k = hidden_key(account, domain);
        if hidden {
            self.moderation.hidden_domains.insert(k, &[])?;
        } else {
            self.moderation.hidden_domains.remove(k)?;
        }
        Ok(())
    }

    /// The domains an account hides, sorted.
    pub fn hidden_domains(&self, account: Id) -> Result<Vec<String>> {
        self.moderation
            .hidden_domains
            .scan_prefix(id_key(account))
            .keys()
            .map(|k| {
                let k = k?;
                String::from_utf8(k[8..].to_vec()).map_err(|e| Error::Codec(e.to_string()))
            })
            .collect()
    }

    // ---- posts, for moderation actions ----

    /// An author's newest posts that the whole camp may read (camp and public), newest
    /// first. A scan from the newest post back, fine at a camp's size.
    pub fn recent_camp_posts_by(&self, author: Id, limit: usize) -> Result<Vec<Post>> {
        let mut out = Vec::new();
        for v in self.posts.iter().values().rev() {
            let post: Post = decode(&v?)?;
            if post.author == author && post.visibility.on_camp_timeline() {
                out.push(post);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Takes an author's posts off the camp timeline (`listed = false`) or puts their
    /// camp and public posts back on it (`listed = true`). Returns how many changed.
    pub fn set_camp_listing(&self, author: Id, listed: bool) -> Result<usize> {
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for v in self.posts.iter().values() {
            let post: Post = decode(&v?)?;
            if post.author != author || !post.visibility.on_camp_timeline() {
                continue;
            }
            if listed {
                batch.insert(&id_key(post.id), &[]);
            } else {
                batch.remove(&id_key(post.id));
            }
            n += 1;
        }
        self.timeline_camp.apply_batch(batch)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::now_ms;

    fn post(s: &Store, author: Id, visibility: Visibility) -> Post {
        Post {
            id: s.next_id(),
            author,
            text: "x".into(),
            cw: None,
            visibility,
            reply_to: None,
            mentions: vec![],
            created_ms: now_ms(),
            edited_ms: None,
        }
    }

    #[test]
    fn a_deleted_post_leaves_every_timeline() {
        let s = Store::temporary().unwrap();
        let p = post(&s, 1, Visibility::Camp);
        let keep = post(&s, 1, Visibility::Camp);
        s.insert_post(&p, true, &[1, 2]).unwrap();
        s.insert_post(&keep, true, &[1, 2]).unwrap();
        s.delete_post(&p, &[]).unwrap();
        assert!(s.post(p.id).unwrap().is_none());
        let ids = |v: Vec<Post>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
        assert_eq!(ids(s.camp_timeline(None, 10).unwrap()), vec![keep.id]);
        assert_eq!(ids(s.home_timeline(2, None, 10).unwrap()), vec![keep.id]);
    }

    #[test]
    fn camp_listing_follows_silence() {
        let s = Store::temporary().unwrap();
        let a = post(&s, 1, Visibility::Camp);
        let f = post(&s, 1, Visibility::Followers);
        let other = post(&s, 2, Visibility::Public);
        s.insert_post(&a, true, &[1]).unwrap();
        s.insert_post(&f, false, &[1]).unwrap();
        s.insert_post(&other, true, &[2]).unwrap();
        assert_eq!(s.set_camp_listing(1, false).unwrap(), 1);
        assert_eq!(s.camp_timeline(None, 10).unwrap().len(), 1);
        assert_eq!(s.set_camp_listing(1, true).unwrap(), 1);
        let camp: Vec<Id> = s
            .camp_timeline(None, 10)
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(camp, vec![other.id, a.id], "followers-only never listed");
    }

    #[test]
    fn audit_is_append_only_and_newest_first() {
        let s = Store::temporary().unwrap();
        let e = |id| AuditEntry {
            id,
            actor: Some(1),
            action: "suspend".into(),
            target: "@bo".into(),
            reason: "spam".into(),
            created_ms: 1,
        };
        s.append_audit(&e(5)).unwrap();
        s.append_audit(&e(9)).unwrap();
        assert!(s.append_audit(&e(5)).is_err(), "no overwrite");
        let got: Vec<Id> = s.audit(None, 10).unwrap().iter().map(|e| e.id).collect();
        assert_eq!(got, vec![9, 5]);
        assert_eq!(s.audit(Some(9), 10).unwrap().len(), 1);
    }
}
