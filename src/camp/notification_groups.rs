//! Notifications as a reader takes them in: what happened to which post, in one line,
//! and several people's favourites (or boosts) of one post as one entry ("@a, @b and 3
//! others favourited your post").
//!
//! Everything here is computed at read time from [`NotificationView`]s, which already
//! carry the post only when the reader may still see it, so an excerpt never reveals
//! the text of a post the reader lost sight of. Names and post text may come from other
//! servers: every piece shown passes [`crate::text::sanitize_line`] and is capped.

use crate::camp::{Author, Camp, NotificationView, PostView, describe_notification};
use crate::error::Result;
use crate::model::{Id, NotificationKind};
use crate::text;

/// Widest excerpt of a post, in cells (screens cut it shorter to fit).
pub const EXCERPT_WIDTH: usize = 120;
/// Widest name in a notification's line, in cells (a remote name can be long).
pub const NAME_WIDTH: usize = 40;
/// How many names a group's line spells out before "and N others".
const NAMED: usize = 2;

/// One line about the post a notification concerns: the reader's filter word when a
/// filter folds it, its content warning when it has one (never the text behind either),
/// else its text; sanitized, on one line, capped.
pub fn excerpt(view: &PostView) -> String {
    let p = &view.post;
    let line = match p.cw.as_deref().map(text::sanitize_line) {
        _ if view.filtered.is_some() => {
            format!("Filtered: {}", view.filtered.as_deref().unwrap_or_default())
        }
        Some(cw) if !cw.is_empty() => format!("CW: {cw}"),
        _ => text::sanitize_line(&p.text),
    };
    text::truncate(&line, EXCERPT_WIDTH)
}

/// `@name` of an actor, safe for one line.
pub fn handle(a: &Author) -> String {
    text::truncate(
        &format!("@{}", text::sanitize_line(&a.username)),
        NAME_WIDTH,
    )
}

/// Kinds whose entries about one post merge into one group.
fn grouped(kind: NotificationKind) -> bool {
    matches!(kind, NotificationKind::Favourite | NotificationKind::Boost)
}

/// One entry of the notification list: a notification, or several people's
/// favourites (or boosts) of the same post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationGroup {
    /// The newest notification of the group (its time, post and actor).
    pub newest: NotificationView,
    /// Everyone who did it, newest first, each once.
    pub actors: Vec<Author>,
    /// The oldest notification id in the group (where the next page starts).
    pub oldest_id: Id,
}

impl NotificationGroup {
    /// A group of one.
    pub fn single(view: NotificationView) -> NotificationGroup {
        NotificationGroup {
            actors: view.actor.iter().cloned().collect(),
            oldest_id: view.notification.id,
            newest: view,
        }
    }

    /// How many people did it (at least 1 for actions with an actor).
    pub fn count(&self) -> usize {
        self.actors.len()
    }

    /// What kind of thing happened.
    pub fn kind(&self) -> NotificationKind {
        self.newest.notification.kind
    }

    /// The merge key: (kind, post) for grouped kinds about a post still visible.
    fn key(&self) -> Option<(NotificationKind, Id)> {
        let post = self.newest.post.as_ref()?.post.id;
        grouped(self.kind()).then_some((self.kind(), post))
    }

    fn takes(&self, view: &NotificationView) -> bool {
        let theirs = view
            .post
            .as_ref()
            .filter(|_| grouped(view.notification.kind))
            .map(|p| (view.notification.kind, p.post.id));
        theirs.is_some() && theirs == self.key()
    }

    /// Adds an older notification of the same kind and post.
    fn add_older(&mut self, view: NotificationView) {
        self.oldest_id = self.oldest_id.min(view.notification.id);
        if let Some(a) = view.actor
            && !self.actors.iter().any(|x| x.id == a.id)
        {
            self.actors.push(a);
        }
    }

    /// Takes a newer notification of the same kind and post: it becomes the head.
    fn add_newer(&mut self, view: NotificationView) {
        if let Some(a) = &view.actor {
            self.actors.retain(|x| x.id != a.id);
            self.actors.insert(0, a.clone());
        }
        self.newest = view;
    }

    /// The line that says who did what: "@a, @b and 3 others favourited your post".
    pub fn describe(&self) -> String {
        let what = describe_notification(self.kind());
        let names: Vec<String> = self.actors.iter().take(NAMED).map(handle).collect();
        let others = self.count().saturating_sub(names.len());
        let who = match (names.as_slice(), others) {
            ([], _) => return what.to_string(),
            ([a], 0) => a.clone(),
            ([a, b], 0) => format!("{a} and {b}"),
            (shown, 1) => format!("{} and 1 other", shown.join(", ")),
            (shown, n) => format!("{} and {n} others", shown.join(", ")),
        };
        format!("{who} {what}")
    }

    /// The one-line excerpt of the post concerned, when the reader may see it.
    pub fn excerpt(&self) -> Option<String> {
        self.newest.post.as_ref().map(excerpt)
    }
}

impl Camp {
    /// A page of `viewer`'s notifications (`limit` of them, older than `before`) as
    /// entries, newest first. Grouping happens within the page; a screen that pages on
    /// merges later pages with [`append_older`].
    pub fn notification_groups(
        &self,
        viewer: Id,
        before: Option<Id>,
        limit: usize,
    ) -> Result<Vec<NotificationGroup>> {
        Ok(group(self.notification_views(viewer, before, limit)?))
    }
}

/// Groups a page of notifications (newest first) into entries, newest first.
pub fn group(views: Vec<NotificationView>) -> Vec<NotificationGroup> {
    let mut out = Vec::new();
    append_older(&mut out, views);
    out
}

/// Appends an older page (newest first): notifications joining a group already listed
/// merge into it.
pub fn append_older(groups: &mut Vec<NotificationGroup>, views: Vec<NotificationView>) {
    for v in views {
        match groups.iter_mut().find(|g| g.takes(&v)) {
            Some(g) => g.add_older(v),
            None => groups.push(NotificationGroup::single(v)),
        }
    }
}

/// Puts a new notification on top; one joining a group moves that group to the top.
/// Returns false (and changes nothing) when it is listed already.
pub fn insert_newest(groups: &mut Vec<NotificationGroup>, view: NotificationView) -> bool {
    let id = view.notification.id;
    if groups
        .iter()
        .any(|g| g.newest.notification.id == id || g.oldest_id == id)
    {
        return false;
    }
    match groups.iter().position(|g| g.takes(&view)) {
        Some(i) => {
            let mut g = groups.remove(i);
            g.add_newer(view);
            groups.insert(0, g);
        }
        None => groups.insert(0, NotificationGroup::single(view)),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::{Mine, PostView};
    use crate::model::{Notification, Post, Visibility};

    fn author(id: Id, name: &str) -> Author {
        Author {
            id,
            username: name.into(),
            display_name: String::new(),
        }
    }

    fn post(id: Id, text: &str, cw: Option<&str>) -> PostView {
        PostView {
            post: Post {
                id,
                author: 1,
                text: text.into(),
                cw: cw.map(str::to_string),
                visibility: Visibility::Camp,
                reply_to: None,
                mentions: vec![],
                created_ms: 0,
                edited_ms: None,
            },
            author: author(1, "ana"),
            boosted_by: None,
            stats: Default::default(),
            mine: Mine::default(),
            poll: None,
            filtered: None,
            entry: id,
        }
    }

    fn fav(
        id: Id,
        kind: NotificationKind,
        who: (Id, &str),
        on: Option<&PostView>,
    ) -> NotificationView {
        NotificationView {
            notification: Notification {
                id,
                account: 1,
                kind,
                actor: Some(who.0),
                post: on.map(|p| p.post.id),
                text: None,
                created_ms: id,
            },
            actor: Some(author(who.0, who.1)),
            post: on.cloned(),
        }
    }

    fn draft(text: &str, cw: Option<&str>, to: Visibility) -> crate::camp::PostDraft {
        crate::camp::PostDraft {
            text: text.into(),
            cw: cw.map(str::to_string),
            visibility: Some(to),
            reply_to: None,
        }
    }

    #[test]
    fn the_service_groups_favourites_with_the_warning_as_excerpt_and_never_renotifies() {
        use crate::camp::Reaction::Favourite;
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo", "cy", "dee", "eve"]);
        let ana = ids[0];
        let p = camp
            .create_post(
                ana,
                draft("the butler did it", Some("book spoilers"), Visibility::Camp),
            )
            .unwrap()
            .post
            .id;
        for &who in &ids[1..] {
            camp.react(who, p, Favourite, Some(true)).unwrap();
        }
        // Undone and done again: the first one stands, nothing new.
        camp.react(ids[1], p, Favourite, Some(false)).unwrap();
        camp.react(ids[1], p, Favourite, Some(true)).unwrap();
        let groups = camp.notification_groups(ana, None, 20).unwrap();
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(
            groups[0].describe(),
            "@eve, @dee and 2 others favourited your post"
        );
        assert_eq!(groups[0].count(), 4);
        assert_eq!(groups[0].excerpt().as_deref(), Some("CW: book spoilers"));
    }

    #[test]
    fn a_group_never_names_someone_blocked_either_way() {
        use crate::camp::Reaction::Favourite;
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo", "cy", "dee"]);
        let ana = ids[0];
        let p = camp
            .create_post(ana, draft("sunrise at the lake", None, Visibility::Camp))
            .unwrap()
            .post
            .id;
        for &who in &ids[1..] {
            camp.react(who, p, Favourite, Some(true)).unwrap();
        }
        camp.block(ana, "bo").unwrap();
        camp.block(ids[2], "ana").unwrap();
        let groups = camp.notification_groups(ana, None, 20).unwrap();
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].describe(), "@dee favourited your post");
    }

    #[test]
    fn a_mention_in_a_post_the_reader_lost_sight_of_shows_no_text() {
        let (camp, ids) = crate::camp::testing::camp_with(&["ana", "bo"]);
        let (ana, bo) = (ids[0], ids[1]);
        camp.follow(bo, "ana").unwrap();
        camp.create_post(ana, draft("psst @bo the plan", None, Visibility::Followers))
            .unwrap();
        let before = camp.notification_groups(bo, None, 20).unwrap();
        assert_eq!(before[0].excerpt().as_deref(), Some("psst @bo the plan"));
        camp.unfollow(bo, "ana").unwrap();
        let after = camp.notification_groups(bo, None, 20).unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].excerpt(), None);
        assert_eq!(after[0].newest.notification.post, None, "not even its id");
    }

    #[test]
    fn favourites_of_one_post_group_and_name_two_then_count_the_rest() {
        use NotificationKind::*;
        let p = post(50, "climbing on Saturday?", None);
        let q = post(51, "other", None);
        let views = vec![
            fav(9, Favourite, (5, "e"), Some(&p)),
            fav(8, Favourite, (4, "d"), Some(&p)),
            fav(7, Boost, (3, "c"), Some(&p)),
            fav(6, Favourite, (3, "c"), Some(&q)),
            fav(5, Favourite, (3, "c"), Some(&p)),
            fav(4, Favourite, (2, "b"), Some(&p)),
            fav(3, Follow, (2, "b"), None),
            fav(2, Follow, (6, "f"), None),
        ];
        let groups = group(views);
        let lines: Vec<String> = groups.iter().map(|g| g.describe()).collect();
        assert_eq!(
            lines,
            [
                "@e, @d and 2 others favourited your post",
                "@c boosted your post",
                "@c favourited your post",
                "@b followed you",
                "@f followed you",
            ]
        );
        assert_eq!(groups[0].count(), 4);
        assert_eq!(groups[0].oldest_id, 4);
        assert_eq!(
            groups[0].excerpt().as_deref(),
            Some("climbing on Saturday?")
        );
    }

    #[test]
    fn two_and_three_people_read_naturally() {
        use NotificationKind::Favourite;
        let p = post(50, "x", None);
        let two = group(vec![
            fav(3, Favourite, (3, "b"), Some(&p)),
            fav(2, Favourite, (2, "a"), Some(&p)),
        ]);
        assert_eq!(two[0].describe(), "@b and @a favourited your post");
        let mut three = two.clone();
        append_older(&mut three, vec![fav(1, Favourite, (4, "z"), Some(&p))]);
        assert_eq!(
            three[0].describe(),
            "@b, @a and 1 other favourited your post"
        );
    }

    #[test]
    fn a_new_favourite_moves_its_group_to_the_top_and_leads_it() {
        use NotificationKind::*;
        let p = post(50, "x", None);
        let mut groups = group(vec![
            fav(5, Follow, (9, "f"), None),
            fav(4, Favourite, (2, "a"), Some(&p)),
        ]);
        assert!(insert_newest(
            &mut groups,
            fav(6, Favourite, (3, "b"), Some(&p))
        ));
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].describe(), "@b and @a favourited your post");
        assert!(
            !insert_newest(&mut groups, fav(6, Favourite, (3, "b"), Some(&p))),
            "a repeat of the same event changes nothing"
        );
    }

    #[test]
    fn notifications_about_posts_out_of_sight_never_group_or_show_text() {
        use NotificationKind::Favourite;
        let groups = group(vec![
            fav(3, Favourite, (3, "b"), None),
            fav(2, Favourite, (2, "a"), None),
        ]);
        assert_eq!(groups.len(), 2, "nothing ties them to one post");
        assert!(groups.iter().all(|g| g.excerpt().is_none()));
    }

    #[test]
    fn an_excerpt_is_one_capped_line_and_a_warning_hides_the_text() {
        let hostile = post(1, "line one\n\x1b]0;owned\x07line\x1b[31m two\r\n", None);
        assert_eq!(excerpt(&hostile), "line one line two");
        let long = post(2, &"word ".repeat(100), None);
        let e = excerpt(&long);
        assert!(text::width(&e) <= EXCERPT_WIDTH && e.ends_with('…'));
        let warned = post(3, "the murderer is the butler", Some("spoilers\nahead"));
        assert_eq!(excerpt(&warned), "CW: spoilers ahead");
        let name = author(1, &format!("evil\x1b[2J{}@far.example", "x".repeat(80)));
        let h = handle(&name);
        assert!(!h.contains('\x1b') && text::width(&h) <= NAME_WIDTH);
    }
}
