//! Per-camper preferences (content warnings, theme, alerts) and read positions, kept
//! in the settings tree under the account's id.

use crate::camp::{Camp, TimelineKind};
use crate::error::{Error, Result};
use crate::model::*;

fn prefs_key(account: Id) -> String {
    format!("prefs/{account}")
}

fn read_key(account: Id, kind: TimelineKind) -> String {
    format!("read/{account}/{}", kind.as_str())
}

impl Camp {
    /// A per-camper flag kept as its own setting, `NAME/{account}`: set means on,
    /// absent means off (a record of its own, so adding one never changes the shape
    /// of another, and deleting the account removes it by its name's shape).
    pub(crate) fn flag(&self, name: &str, account: Id) -> Result<bool> {
        Ok(self
            .store()
            .setting::<bool>(&format!("{name}/{account}"))?
            .is_some())
    }

    /// Sets or clears `by`'s flag `name` (a settings change: rate limited).
    pub(crate) fn set_flag(&self, name: &str, by: Id, on: bool) -> Result<()> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        let key = format!("{name}/{}", me.id);
        if on {
            self.store().put_setting(&key, &true)?;
        } else {
            self.store().remove_setting(&key)?;
        }
        self.store().flush()
    }

    /// `viewer`'s preferences (defaults until changed).
    pub fn preferences(&self, viewer: Id) -> Result<Preferences> {
        let me = self.actor(viewer)?;
        Ok(self.store().setting(&prefs_key(me.id))?.unwrap_or_default())
    }

    /// Saves `by`'s preferences.
    pub fn set_preferences(&self, by: Id, prefs: &Preferences) -> Result<()> {
        let me = self.actor(by)?;
        let t = &prefs.theme;
        if t.is_empty() || t.len() > 30 || !t.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
            return Err(Error::invalid("a theme name is 1–30 of a-z and -"));
        }
        if prefs.alert_kinds.len() > 20 {
            return Err(Error::invalid("too many alert kinds"));
        }
        self.check_action_rate(&me)?;
        self.store().put_setting(&prefs_key(me.id), prefs)?;
        self.store().flush()
    }

    /// The newest entry `viewer` had on a timeline when they last left.
    pub fn read_position(&self, viewer: Id, kind: TimelineKind) -> Result<Option<Id>> {
        self.store().setting(&read_key(viewer, kind))
    }

    /// Remembers how far `viewer` read a timeline (only ever forward). Not flushed:
    /// losing the last second of read state in a crash is harmless.
    pub fn set_read_position(&self, viewer: Id, kind: TimelineKind, entry: Id) -> Result<()> {
        let me = self.actor(viewer)?;
        let old = self.read_position(me.id, kind)?.unwrap_or(0);
        if entry > old {
            self.store().put_setting(&read_key(me.id, kind), &entry)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_and_read_positions_persist_per_camper() {
        let camp = Camp::temporary().unwrap();
        let code = camp.admin_invite().unwrap().unwrap();
        let ana = camp
            .join(&crate::camp::testing::key(1), &code, "ana", true)
            .unwrap()
            .id;
        assert_eq!(camp.preferences(ana).unwrap(), Preferences::default());
        let p = Preferences {
            expand_cw: true,
            theme: "light".into(),
            ..Default::default()
        };
        camp.set_preferences(ana, &p).unwrap();
        assert_eq!(camp.preferences(ana).unwrap(), p);
        let bad = Preferences {
            theme: "../etc".into(),
            ..Default::default()
        };
        assert!(camp.set_preferences(ana, &bad).is_err());
        assert_eq!(camp.preferences(ana).unwrap(), p, "nothing changed");
        assert_eq!(camp.read_position(ana, TimelineKind::Home).unwrap(), None);
        camp.set_read_position(ana, TimelineKind::Home, 50).unwrap();
        camp.set_read_position(ana, TimelineKind::Home, 40).unwrap();
        assert_eq!(
            camp.read_position(ana, TimelineKind::Home).unwrap(),
            Some(50)
        );
        assert_eq!(camp.read_position(ana, TimelineKind::Camp).unwrap(), None);
    }
}
