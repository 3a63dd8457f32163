//! Links in posts, as the service hands them out, and whether a camper's terminal
//! gets them as OSC 8 hyperlinks and copies as OSC 52. The setting is its own key
//! (`links_off/{account}`, present only when turned off), not a field of the
//! preferences record, so records written before it keep decoding.

use crate::camp::Camp;
use crate::error::Result;
use crate::model::Id;

/// The settings key that turns hyperlinks and copying off for `account`.
/// The opt-out's setting name (see [`Camp::flag`]): set means links are off.
const OFF_FLAG: &str = "links_off";

#[cfg(test)]
pub(crate) fn off_key(account: Id) -> String {
    format!("{OFF_FLAG}/{account}")
}

impl Camp {
    /// The links in post `id`, as `viewer` may see it (the same check as reading the
    /// post: a post they may not see has no links for them either).
    pub fn post_links(&self, viewer: Id, id: Id) -> Result<Vec<String>> {
        let view = self.post(viewer, id)?;
        Ok(crate::text::links::extract(&view.post.text))
    }

    /// Whether `account`'s terminal sessions get hyperlinks (OSC 8) and copies
    /// (OSC 52); on unless they turned it off.
    pub fn terminal_links(&self, account: Id) -> Result<bool> {
        Ok(!self.flag(OFF_FLAG, account)?)
    }

    /// Turns `by`'s hyperlinks and copies on or off (a settings change: rate limited).
    pub fn set_terminal_links(&self, by: Id, on: bool) -> Result<()> {
        self.set_flag(OFF_FLAG, by, !on)
    }
}

#[cfg(test)]
mod tests {
    use crate::camp::PostDraft;
    use crate::model::Visibility;

    #[test]
    fn links_follow_the_post_and_its_visibility() {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo"]);
        let (ana, bo) = (ids[0], ids[1]);
        let post = |text: &str, v| {
            camp.create_post(
                ana,
                PostDraft {
                    text: text.into(),
                    cw: None,
                    visibility: Some(v),
                    reply_to: None,
                },
            )
            .unwrap()
            .post
            .id
        };
        let open = post(
            "see https://a.example/x. and http://b.example",
            Visibility::Camp,
        );
        assert_eq!(
            camp.post_links(bo, open).unwrap(),
            vec!["https://a.example/x", "http://b.example"]
        );
        let secret = post(
            "followers only https://secret.example",
            Visibility::Followers,
        );
        assert!(camp.post_links(ana, secret).is_ok());
        assert!(camp.post_links(bo, secret).is_err(), "bo may not see it");
    }

    #[test]
    fn hyperlinks_are_on_until_a_camper_turns_them_off() {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo"]);
        assert!(camp.terminal_links(ids[0]).unwrap());
        camp.set_terminal_links(ids[0], false).unwrap();
        assert!(!camp.terminal_links(ids[0]).unwrap());
        assert!(camp.terminal_links(ids[1]).unwrap(), "only ana's");
        camp.set_terminal_links(ids[0], true).unwrap();
        assert!(camp.terminal_links(ids[0]).unwrap());
    }

    #[test]
    fn the_setting_leaves_with_the_account() {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo"]);
        camp.set_terminal_links(ids[1], false).unwrap();
        camp.delete_account(ids[1], "bo", "bo").unwrap();
        let left = camp
            .store()
            .setting::<bool>(&super::off_key(ids[1]))
            .unwrap();
        assert_eq!(left, None);
    }
}
