//! The rules every member sees: the versioned code of conduct (re-accepted after each
//! change, before anything else) and the admins' announcement banner.

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;
use crate::text;

/// Longest code of conduct, in characters.
pub const MAX_COC_CHARS: usize = 20_000;
/// Longest announcement, in characters.
pub const MAX_ANNOUNCEMENT_CHARS: usize = 500;
const COC_SETTING: &str = "code_of_conduct";
/// Only the version, so checking it on every request does not decode the whole text.
const COC_VERSION_SETTING: &str = "code_of_conduct_version";
const ANNOUNCEMENT_SETTING: &str = "announcement";

fn dismissed_setting(account: Id) -> String {
    format!("announcement_dismissed/{account}")
}
impl Camp {
    // ---- code of conduct ----

    /// The version of the code of conduct in force (cheap: read on every request).
    pub fn coc_version(&self) -> Result<u32> {
        Ok(self
            .store()
            .setting::<u32>(COC_VERSION_SETTING)?
            .unwrap_or(1))
    }

    /// True when `account` accepted an older code of conduct than the one in force.
    pub fn coc_outdated(&self, account: &Account) -> Result<bool> {
        Ok(account.coc_version < self.coc_version()?)
    }

    /// Replaces the code of conduct (admins); its version goes up, so every other member
    /// re-accepts at their next request. The admin who wrote it has accepted it.
    pub fn set_code_of_conduct(&self, by: Id, raw: &str) -> Result<CodeOfConduct> {
        let mut admin = self.admin(by)?;
        let body = text::sanitize(raw).trim().to_string();
        if body.is_empty() {
            return Err(Error::invalid("the code of conduct needs some text"));
        }
        let n = text::char_count(&body);
        if n > MAX_COC_CHARS {
            return Err(Error::invalid(format!(
                "the code of conduct is at most {MAX_COC_CHARS} characters; this one has {n}"
            )));
        }
        let current = self.code_of_conduct()?;
        if current.text == body {
            return Err(Error::invalid(
                "that is the code of conduct in force already",
            ));
        }
        let coc = CodeOfConduct {
            version: current.version.max(self.coc_version()?) + 1,
            text: body,
            updated_ms: now_ms(),
        };
        self.store().put_setting(COC_SETTING, &coc)?;
        self.store()
            .put_setting(COC_VERSION_SETTING, &coc.version)?;
        admin.coc_version = coc.version;
        self.store().put_account(&admin)?;
        self.audit(
            Some(admin.id),
            "coc-set",
            format!("code of conduct v{}", coc.version),
            "",
        )?;
        self.store().flush()?;
        Ok(coc)
    }

    /// Records that `by` accepted the code of conduct in force. Works while the
    /// account's accepted version is outdated (that is its purpose), never when suspended.
    pub fn accept_code_of_conduct(&self, by: Id) -> Result<Account> {
        let mut a = self
            .store()
            .account(by)?
            .ok_or_else(|| Error::not_found("that account no longer exists"))?;
        if a.suspended {
            return Err(Error::Suspended {
                contact: self.contact_suffix(),
            });
        }
        let version = self.coc_version()?;
        // Accepting again changes nothing: no write, no fsync a script could repeat.
        if a.coc_version == version {
            return Ok(a);
        }
        a.coc_version = version;
        self.store().put_account(&a)?;
        self.store().flush()?;
        Ok(a)
    }

    // ---- announcements ----

    /// Puts up a banner every open session shows at once (admins). Each member also
    /// gets it as a notification, which is how open sessions learn of it.
    pub fn announce(&self, by: Id, raw: &str) -> Result<Announcement> {
        let admin = self.admin(by)?;
        let body = text::sanitize_line(raw).trim().to_string();
        if body.is_empty() {
            return Err(Error::invalid("an announcement needs some text"));
        }
        let n = text::char_count(&body);
        if n > MAX_ANNOUNCEMENT_CHARS {
            return Err(Error::invalid(format!(
                "an announcement is at most {MAX_ANNOUNCEMENT_CHARS} characters; this one has {n}"
            )));
        }
        let a = Announcement {
            id: self.store().next_id(),
            text: body,
            by: admin.id,
            created_ms: now_ms(),
        };
        self.store().put_setting(ANNOUNCEMENT_SETTING, &a)?;
        self.audit(Some(admin.id), "announce", "everyone".into(), &a.text)?;
        self.store().flush()?;
        for member in self.store().accounts()? {
            if !member.suspended {
                self.notify(
                    member.id,
                    NotificationKind::Announcement,
                    None,
                    None,
                    Some(a.text.clone()),
                )?;
            }
        }
        Ok(a)
    }

    /// Takes the banner down (admins).
    pub fn clear_announcement(&self, by: Id) -> Result<()> {
        let admin = self.admin(by)?;
        if self
            .store()
            .setting::<Announcement>(ANNOUNCEMENT_SETTING)?
            .is_none()
        {
            return Err(Error::invalid("there is no announcement up"));
        }
        self.store().remove_setting(ANNOUNCEMENT_SETTING)?;
        self.audit(Some(admin.id), "announce-clear", "everyone".into(), "")?;
        self.store().flush()?;
        Ok(())
    }

    /// The banner `viewer` should see (None when there is none or they dismissed it).
    pub fn announcement_for(&self, viewer: Id) -> Result<Option<Announcement>> {
        let Some(a) = self.store().setting::<Announcement>(ANNOUNCEMENT_SETTING)? else {
            return Ok(None);
        };
        let dismissed: Id = self
            .store()
            .setting(&dismissed_setting(viewer))?
            .unwrap_or(0);
        Ok((dismissed < a.id).then_some(a))
    }

    /// Hides the banner `id` for `viewer` (a newer one shows again).
    pub fn dismiss_announcement(&self, viewer: Id, id: Id) -> Result<()> {
        let me = self.actor(viewer)?;
        self.store().put_setting(&dismissed_setting(me.id), &id)?;
        Ok(())
    }
}
