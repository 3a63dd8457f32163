//! Who is at the door: keys, invites, usernames, the code of conduct and joining.

use std::time::Duration;

use crate::camp::Camp;
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::now_ms;

/// Setting holding the bootstrap admin invite code until someone uses it.
const ADMIN_INVITE_SETTING: &str = "admin_invite";
/// Setting holding the current code of conduct once an admin has set one.
const COC_SETTING: &str = "code_of_conduct";
/// Longest username.
pub const MAX_USERNAME: usize = 30;
/// Most uses one invite may grant.
const MAX_INVITE_USES: u32 = 1000;
/// Longest expiry an invite may have.
const MAX_INVITE_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

/// The verified SSH key a person logged in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// `SHA256:...`.
    pub fingerprint: String,
    /// e.g. `ssh-ed25519`.
    pub algorithm: String,
    /// OpenSSH public-key line without comment.
    pub openssh: String,
}

/// Checks and normalises a username: 1–30 of `a-z 0-9 _`, compared without case.
pub fn validate_username(raw: &str) -> Result<String> {
    let name = raw.trim().trim_start_matches('@').to_lowercase();
    if name.is_empty() {
        return Err(Error::invalid("choose a name: 1 to 30 of a-z, 0-9 and _"));
    }
    if name.chars().count() > MAX_USERNAME {
        return Err(Error::invalid(format!(
            "names are at most {MAX_USERNAME} characters; that one has {}",
            name.chars().count()
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        let shown = if bad.is_whitespace() {
            "a space".to_string()
        } else {
            format!("'{}'", crate::text::sanitize_line(&bad.to_string()))
        };
        return Err(Error::invalid(format!(
            "names may use only a-z, 0-9 and _ (not {shown})"
        )));
    }
    Ok(name)
}

/// Parses durations like `30m`, `12h`, `1d`, `7d`, `2w` (also `45s`).
pub fn parse_duration(s: &str) -> Result<Duration> {
    let s = s.trim();
    let err = || {
        Error::invalid(format!(
            "'{}' is not a duration; use a number and s, m, h, d or w (e.g. 30m, 1d, 7d)",
            crate::text::sanitize_line(s)
        ))
    };
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| err())?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(err()),
    };
    n.checked_mul(secs)
        .filter(|&t| t > 0)
        .map(Duration::from_secs)
        .ok_or_else(err)
}

/// A fresh invite code: 12 characters from an alphabet without look-alikes.
pub fn generate_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..])
}

/// Options for a new invite.
#[derive(Debug, Clone)]
pub struct InviteOptions {
    /// How many accounts may join with it.
    pub uses: u32,
    /// How long it stays valid.
    pub expires_in: Option<Duration>,
    /// Role granted.
    pub role: Role,
    /// Who it is for.
    pub note: String,
}

impl Default for InviteOptions {
    fn default() -> Self {
        InviteOptions {
            uses: 1,
            expires_in: Some(Duration::from_secs(7 * 86_400)),
            role: Role::Camper,
            note: String::new(),
        }
    }
}

fn check_invite_usable(invite: &Invite, now: Millis) -> Result<()> {
    if invite.revoked {
        return Err(Error::invalid(
            "that invite was withdrawn; ask for a new one",
        ));
    }
    if invite.expires_ms.is_some_and(|t| t <= now) {
        return Err(Error::invalid("that invite has expired; ask for a new one"));
    }
    if invite.uses_left() == 0 {
        return Err(Error::invalid(
            "that invite has been used up; ask for a new one",
        ));
    }
    Ok(())
}

impl Camp {
    /// The account a verified key logs in as (suspended accounts included: the door
    /// decides what to tell them).
    pub fn account_for_key(&self, fingerprint: &str) -> Result<Option<Account>> {
        match self.store().key(fingerprint)? {
            Some(k) => self.store().account(k.account),
            None => Ok(None),
        }
    }

    /// The message a suspended camper sees at the door.
    pub fn suspended_message(&self) -> String {
        Error::Suspended {
            contact: self.contact_suffix(),
        }
        .to_string()
    }

    /// While the camp has no admin, the one-use code that makes its user admin (created
    /// once and kept until used).
    pub fn admin_invite(&self) -> Result<Option<String>> {
        let store = self.store();
        // Only a camper here counts: an account from elsewhere cannot log in.
        if store
            .accounts()?
            .iter()
            .any(|a| a.role == Role::Admin && !a.is_remote())
        {
            store.remove_setting(ADMIN_INVITE_SETTING)?;
            return Ok(None);
        }
        if let Some(code) = store.setting::<String>(ADMIN_INVITE_SETTING)?
            && let Some(inv) = store.invite(&code)?
            && check_invite_usable(&inv, now_ms()).is_ok()
        {
            return Ok(Some(code));
        }
        let invite = Invite {
            code: generate_code(),
            created_by: None,
            role: Role::Admin,
            max_uses: 1,
            used_by: vec![],
            expires_ms: None,
            created_ms: now_ms(),
            note: "first admin".into(),
            revoked: false,
        };
        store.put_invite(&invite)?;
        store.put_setting(ADMIN_INVITE_SETTING, &invite.code)?;
        store.flush()?;
        Ok(Some(invite.code))
    }

    /// Checks that an invite code may be used now (first onboarding step).
    pub fn check_invite(&self, code: &str) -> Result<Invite> {
        let code = code.trim().to_lowercase();
        if code.is_empty() {
            return Err(Error::invalid("type the invite code you were given"));
        }
        if code.len() > 64 {
            return Err(Error::invalid("that invite code is not valid here"));
        }
        let invite = self
            .store()
            .invite(&code)?
            .ok_or_else(|| Error::invalid("that invite code is not valid here"))?;
        check_invite_usable(&invite, now_ms())?;
        self.check_invite_creator(&invite)?;
        Ok(invite)
    }

    /// An invite speaks for the camper who made it, so it lapses with them: once they
    /// are suspended or deleted it lets nobody in (an admin invite would otherwise
    /// outlive the admin's removal). Invites made by nobody (the first admin's, the
    /// offline CLI's) have no creator to lapse with.
    fn check_invite_creator(&self, invite: &Invite) -> Result<()> {
        let Some(creator) = invite.created_by else {
            return Ok(());
        };
        match self.store().account(creator)? {
            Some(a) if !a.suspended => Ok(()),
            _ => Err(Error::invalid(
                "this invite is no longer valid: whoever made it can no longer invite; ask for a new one",
            )),
        }
    }

    /// Checks a wanted username: valid and free. Returns it normalised.
    pub fn check_username(&self, raw: &str) -> Result<String> {
        let name = validate_username(raw)?;
        self.check_name_not_quarantined(&name)?;
        if self.store().account_by_name(&name)?.is_some() {
            return Err(Error::invalid(format!(
                "the name '{name}' is taken; choose another"
            )));
        }
        Ok(name)
    }

    /// The code of conduct in force.
    pub fn code_of_conduct(&self) -> Result<CodeOfConduct> {
        Ok(self
            .store()
            .setting::<CodeOfConduct>(COC_SETTING)?
            .unwrap_or_else(|| CodeOfConduct {
                version: 1,
                text: self.config().camp.code_of_conduct.clone(),
                updated_ms: 0,
            }))
    }

    /// Creates an account for a stranger's key with an invite, once they agreed to the
    /// code of conduct. All or nothing: on any refusal nothing is written.
    pub fn join(&self, key: &KeyInfo, code: &str, username: &str, agreed: bool) -> Result<Account> {
        if !agreed {
            return Err(Error::invalid(
                "you must accept the code of conduct to join (add --agree after reading it)",
            ));
        }
        if self.store().key(&key.fingerprint)?.is_some() {
            return Err(Error::invalid("this key already has an account here"));
        }
        let invite = self.check_invite(code)?;
        let username = self.check_username(username)?;
        let now = now_ms();
        let account = Account {
            id: self.store().next_id(),
            username,
            display_name: String::new(),
            bio: String::new(),
            role: invite.role,
            created_ms: now,
            invited_by: invite.created_by,
            invite_code: invite.code.clone(),
            coc_version: self.code_of_conduct()?.version,
            suspended: false,
            silenced: false,
            sensitive: false,
        };
        let record = AccountKey {
            fingerprint: key.fingerprint.clone(),
            account: account.id,
            algorithm: key.algorithm.clone(),
            openssh: key.openssh.clone(),
            comment: "added at join".into(),
            added_ms: now,
        };
        self.store().join(&invite.code, &account, &record, |inv| {
            check_invite_usable(inv, now)
        })?;
        if account.role == Role::Admin {
            self.store().remove_setting(ADMIN_INVITE_SETTING)?;
        }
        self.store().flush()?;
        self.publish(crate::camp::CampEvent::AccountChanged(account.id));
        Ok(account)
    }

    /// Makes an invite from the host's offline CLI (the person at the server's shell is
    /// trusted as the host admin).
    pub fn offline_invite(&self, uses: u32, role: Role) -> Result<String> {
        if !(1..=MAX_INVITE_USES).contains(&uses) {
            return Err(Error::invalid(format!(
                "an invite allows 1 to {MAX_INVITE_USES} uses"
            )));
        }
        let now = now_ms();
        let invite = Invite {
            code: generate_code(),
            created_by: None,
            role,
            max_uses: uses,
            used_by: vec![],
            expires_ms: Some(now + 7 * 86_400_000),
            created_ms: now,
            note: "made with the offline CLI".into(),
            revoked: false,
        };
        self.store().put_invite(&invite)?;
        self.store().flush()?;
        Ok(invite.code)
    }

    /// Makes an invite (admins only).
    pub fn create_invite(&self, by: Id, opts: InviteOptions) -> Result<Invite> {
        let actor = self.actor(by)?;
        if actor.role != Role::Admin {
            return Err(Error::forbidden("only admins can create invites"));
        }
        if !(1..=MAX_INVITE_USES).contains(&opts.uses) {
            return Err(Error::invalid(format!(
                "an invite allows 1 to {MAX_INVITE_USES} uses"
            )));
        }
        if opts.expires_in.is_some_and(|d| d > MAX_INVITE_LIFETIME) {
            return Err(Error::invalid("an invite can last at most 365 days"));
        }
        let note = crate::text::sanitize_line(&opts.note);
        if note.chars().count() > 200 {
            return Err(Error::invalid("an invite note is at most 200 characters"));
        }
        let now = now_ms();
        let invite = Invite {
            code: generate_code(),
            created_by: Some(actor.id),
            role: opts.role,
            max_uses: opts.uses,
            used_by: vec![],
            expires_ms: opts.expires_in.map(|d| now + d.as_millis() as u64),
            created_ms: now,
            note,
            revoked: false,
        };
        self.store().put_invite(&invite)?;
        self.audit(
            Some(actor.id),
            "invite",
            invite.code.clone(),
            &format!(
                "{} use(s), role {}; {}",
                invite.max_uses,
                invite.role.as_str(),
                invite.note
            ),
        )?;
        self.store().flush()?;
        Ok(invite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn key(n: u8) -> KeyInfo {
        KeyInfo {
            fingerprint: format!("SHA256:test{n}"),
            algorithm: "ssh-ed25519".into(),
            openssh: format!("ssh-ed25519 AAAA{n}"),
        }
    }

    #[test]
    fn usernames_are_checked() {
        assert_eq!(validate_username("Ana_1").unwrap(), "ana_1");
        assert_eq!(validate_username("@bo").unwrap(), "bo");
        assert!(validate_username("").is_err());
        assert!(validate_username(&"a".repeat(31)).is_err());
        assert!(
            validate_username("a b")
                .unwrap_err()
                .to_string()
                .contains("not a space")
        );
        assert!(
            validate_username("a-b")
                .unwrap_err()
                .to_string()
                .contains("not '-'")
        );
        assert!(validate_username("ünï").is_err());
        assert!(validate_username("x\x1b[2J").is_err());
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86400)
        );
        for bad in ["", "d", "5", "5y", "-1d", "0m", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn first_admin_joins_and_invite_is_single_use() {
        let camp = Camp::temporary().unwrap();
        let code = camp.admin_invite().unwrap().unwrap();
        assert_eq!(
            camp.admin_invite().unwrap().unwrap(),
            code,
            "kept until used"
        );
        let err = camp.join(&key(1), &code, "ana", false).unwrap_err();
        assert!(err.to_string().contains("code of conduct"));
        let admin = camp
            .join(&key(1), &code.to_uppercase(), "Ana", true)
            .unwrap();
        assert_eq!(admin.role, Role::Admin);
        assert_eq!(admin.username, "ana");
        assert!(camp.admin_invite().unwrap().is_none());
        let again = camp.join(&key(2), &code, "bo", true).unwrap_err();
        assert!(again.to_string().contains("used up"), "{again}");
        assert!(camp.account_for_key("SHA256:test2").unwrap().is_none());
    }

    #[test]
    fn joining_refuses_taken_names_and_known_keys_and_changes_nothing() {
        let camp = Camp::temporary().unwrap();
        let code = camp.admin_invite().unwrap().unwrap();
        let admin = camp.join(&key(1), &code, "ana", true).unwrap();
        let inv = camp
            .create_invite(
                admin.id,
                InviteOptions {
                    uses: 2,
                    ..Default::default()
                },
            )
            .unwrap();
        let taken = camp.join(&key(2), &inv.code, "ANA", true).unwrap_err();
        assert!(taken.to_string().contains("taken"));
        let known = camp.join(&key(1), &inv.code, "other", true).unwrap_err();
        assert!(known.to_string().contains("already"));
        assert_eq!(camp.check_invite(&inv.code).unwrap().uses_left(), 2);
        let bo = camp.join(&key(2), &inv.code, "bo", true).unwrap();
        assert_eq!(bo.role, Role::Camper);
        assert_eq!(bo.invited_by, Some(admin.id));
        let denied = camp
            .create_invite(bo.id, InviteOptions::default())
            .unwrap_err();
        assert!(matches!(denied, Error::Forbidden(_)));
    }

    #[test]
    fn expired_and_unknown_invites_are_explained() {
        let camp = Camp::temporary().unwrap();
        let code = camp.admin_invite().unwrap().unwrap();
        let admin = camp.join(&key(1), &code, "ana", true).unwrap();
        let mut inv = camp
            .create_invite(admin.id, InviteOptions::default())
            .unwrap();
        inv.expires_ms = Some(1);
        camp.store().put_invite(&inv).unwrap();
        assert!(
            camp.check_invite(&inv.code)
                .unwrap_err()
                .to_string()
                .contains("expired")
        );
        assert!(
            camp.check_invite("nope")
                .unwrap_err()
                .to_string()
                .contains("not valid")
        );
    }
}
