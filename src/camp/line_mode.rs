//! Whether a camper's terminal sessions open in the screen-reader line mode by default.
//! A setting of its own (not a field of the preferences record), so records written
//! before it existed keep decoding.

use crate::camp::Camp;
use crate::error::Result;
use crate::model::Id;

/// The flag's setting name (see [`Camp::flag`]).
const FLAG: &str = "line_mode";

impl Camp {
    /// True when `account` asked for the line mode whenever it connects with a terminal.
    /// Read at the door, so it works for any account (suspended ones are turned away
    /// before it matters).
    pub fn line_mode(&self, account: Id) -> Result<bool> {
        self.flag(FLAG, account)
    }

    /// Turns `by`'s line-mode default on or off (a settings change: rate limited).
    pub fn set_line_mode(&self, by: Id, on: bool) -> Result<()> {
        self.set_flag(FLAG, by, on)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_line_mode_default_is_per_camper_and_off_until_asked() {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo"]);
        let (ana, bo) = (ids[0], ids[1]);
        assert!(!camp.line_mode(ana).unwrap());
        camp.set_line_mode(ana, true).unwrap();
        assert!(camp.line_mode(ana).unwrap());
        assert!(!camp.line_mode(bo).unwrap(), "only ana's");
        camp.set_line_mode(ana, false).unwrap();
        assert!(!camp.line_mode(ana).unwrap());
    }
}
