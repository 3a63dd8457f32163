//! Accounts on several devices: list keys, make a one-time link code (10 minutes),
//! redeem it from the new device's key, remove a key (never the last one).
//!
//! A key a browser holds (the browser terminal's WebCrypto key) is a key like any other;
//! its `algorithm` says `browser ssh-ed25519` (or `browser ecdsa-sha2-nistp256`) so that
//! people can tell it apart in their key list. The marker lives in that field rather
//! than a new one so stored keys need no migration.

use std::time::Duration;

use crate::camp::{Camp, CampEvent, KeyInfo, generate_code};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;

/// How long a link code works.
pub const LINK_CODE_TTL: Duration = Duration::from_secs(10 * 60);
/// Most link codes one account has working at once; a new one beyond it replaces the
/// oldest. Three covers linking a phone and a laptop in one sitting.
pub const MAX_LIVE_LINK_CODES: usize = 3;

/// What a browser-held key's `algorithm` starts with.
const BROWSER_KEY_PREFIX: &str = "browser ";

/// The `algorithm` recorded for a browser-held key of SSH algorithm `ssh_algorithm`.
pub fn browser_key_algorithm(ssh_algorithm: &str) -> String {
    format!("{BROWSER_KEY_PREFIX}{ssh_algorithm}")
}

/// True for a key a browser holds (see the module doc).
pub fn is_browser_key(key: &AccountKey) -> bool {
    key.algorithm.starts_with(BROWSER_KEY_PREFIX)
}

impl Camp {
    /// `viewer`'s keys, oldest first.
    pub fn keys(&self, viewer: Id) -> Result<Vec<AccountKey>> {
        let me = self.actor(viewer)?;
        self.store().keys_of(me.id)
    }

    /// A one-time code that adds another device's key to `by`'s account.
    pub fn create_link_code(&self, by: Id) -> Result<LinkCode> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        let now = now_ms();
        // Expired codes (anyone's) are never redeemed again: forget them here, so the
        // tree holds only codes that still work.
        self.store()
            .prune_link_codes(now, me.id, MAX_LIVE_LINK_CODES - 1)?;
        let link = LinkCode {
            code: generate_code(),
            account: me.id,
            expires_ms: now + LINK_CODE_TTL.as_millis() as u64,
        };
        self.store().put_link_code(&link)?;
        self.store().flush()?;
        Ok(link)
    }

    /// True when `code` is a link code that still works.
    pub fn is_link_code(&self, code: &str) -> bool {
        self.store()
            .link_code(&code.trim().to_lowercase())
            .ok()
            .flatten()
            .is_some_and(|l| l.expires_ms > now_ms())
    }

    /// Adds `key` (a new device, without an account) to the account that made `code`.
    pub fn redeem_link_code(&self, key: &KeyInfo, code: &str, comment: &str) -> Result<Account> {
        let code = code.trim().to_lowercase();
        let record = AccountKey {
            fingerprint: key.fingerprint.clone(),
            account: 0,
            algorithm: key.algorithm.clone(),
            openssh: key.openssh.clone(),
            comment: crate::text::sanitize_line(comment),
            added_ms: now_ms(),
        };
        let now = now_ms();
        // A suspended account gains no key, whenever its code was made. Checked before
        // the transaction (sled cannot read another tree inside one), and again after.
        if let Some(link) = self.store().link_code(&code)?
            && self
                .store()
                .account(link.account)?
                .is_some_and(|a| a.suspended)
        {
            return Err(Error::Suspended {
                contact: self.contact_suffix(),
            });
        }
        let account = self.store().redeem_link_code(&code, &record, |l| {
            if l.expires_ms <= now {
                Err(Error::invalid(
                    "that link code has expired; make a new one (they last 10 minutes)",
                ))
            } else {
                Ok(())
            }
        })?;
        if self.store().account(account)?.is_some_and(|a| a.suspended) {
            // Suspended in between: take the key back out.
            self.store().remove_key(account, &record.fingerprint)?;
        }
        self.store().flush()?;
        let account = self.actor(account)?;
        self.publish(CampEvent::AccountChanged(account.id));
        Ok(account)
    }

    /// Removes one of `by`'s keys; the last one stays (or nobody could log in).
    pub fn remove_key(&self, by: Id, fingerprint: &str) -> Result<()> {
        let me = self.actor(by)?;
        let keys = self.store().keys_of(me.id)?;
        if !keys.iter().any(|k| k.fingerprint == fingerprint) {
            return Err(Error::not_found("you have no key with that fingerprint"));
        }
        if keys.len() <= 1 {
            return Err(Error::invalid(
                "that is your only key; link another device before removing it",
            ));
        }
        self.check_action_rate(&me)?;
        self.store().remove_key(me.id, fingerprint)?;
        self.store().flush()?;
        // Sessions logged in with that key end.
        self.publish(CampEvent::AccountChanged(me.id));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> KeyInfo {
        KeyInfo {
            fingerprint: format!("SHA256:dev{n}"),
            algorithm: "ssh-ed25519".into(),
            openssh: format!("ssh-ed25519 AAAA{n}"),
        }
    }

    #[test]
    fn link_codes_add_a_device_once_and_the_last_key_stays() {
        let camp = Camp::temporary().unwrap();
        let code = camp.admin_invite().unwrap().unwrap();
        let ana = camp.join(&key(1), &code, "ana", true).unwrap().id;
        let link = camp.create_link_code(ana).unwrap();
        let acc = camp
            .redeem_link_code(&key(2), &link.code.to_uppercase(), "phone")
            .unwrap();
        assert_eq!(acc.id, ana);
        assert_eq!(
            camp.account_for_key("SHA256:dev2").unwrap().unwrap().id,
            ana
        );
        let keys = camp.keys(ana).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].comment, "phone");
        // Used up.
        assert!(camp.redeem_link_code(&key(3), &link.code, "x").is_err());
        // A key that has an account cannot be linked elsewhere.
        let again = camp.create_link_code(ana).unwrap();
        assert!(camp.redeem_link_code(&key(1), &again.code, "x").is_err());
        // Expired codes are refused and add nothing.
        let old = LinkCode {
            code: "old-code".into(),
            account: ana,
            expires_ms: 1,
        };
        camp.store().put_link_code(&old).unwrap();
        let err = camp.redeem_link_code(&key(4), "old-code", "x").unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
        assert!(camp.account_for_key("SHA256:dev4").unwrap().is_none());
        // Remove a key, never the last one.
        assert!(camp.remove_key(ana, "SHA256:nope").is_err());
        camp.remove_key(ana, "SHA256:dev1").unwrap();
        assert!(camp.account_for_key("SHA256:dev1").unwrap().is_none());
        let err = camp.remove_key(ana, "SHA256:dev2").unwrap_err();
        assert!(err.to_string().contains("only key"), "{err}");
        assert_eq!(camp.keys(ana).unwrap().len(), 1);
    }
}
