//! The composer: body, content warning and visibility, an optional poll (Ctrl-P, see
//! [`crate::tui::poll_compose`]), Ctrl-S to send. The draft lives in the model, so a
//! resize or a failed send never loses it.

use crate::camp::PostView;
use crate::model::{Id, Visibility};
use crate::tui::editor::Editor;
use crate::tui::input::{Input, Key};
use crate::tui::poll_compose::PollEditor;
use crate::tui::{Draft, Effect, Model};

/// Largest draft in bytes (far above any post limit; it only bounds pastes).
const MAX_DRAFT_BYTES: usize = 64 * 1024;

/// Which part of the composer has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The post text.
    Body,
    /// The content warning.
    Cw,
    /// The visibility picker.
    Visibility,
    /// The poll (its own row has the keys, see [`PollEditor`]).
    Poll,
}

/// An open composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composer {
    /// Post text.
    pub body: Editor,
    /// Content warning.
    pub cw: Editor,
    /// Chosen visibility.
    pub visibility: Visibility,
    /// Focused field.
    pub focus: Field,
    /// Waiting for the server.
    pub sending: bool,
    /// Why the last send failed.
    pub error: Option<String>,
    /// Asking whether to throw the draft away.
    pub confirm_discard: bool,
    /// Character limit, for the counter.
    pub limit: usize,
    /// The post this answers.
    pub reply_to: Option<Id>,
    /// The post being edited (visibility then stays as it was).
    pub editing: Option<Id>,
    /// The title: "New post", "Reply to @name", "Edit post".
    pub title: String,
    /// Names completing the `@prefix` before the cursor (Tab takes the first).
    pub suggestions: Vec<String>,
    /// The prefix the suggestions are for.
    pub asked: String,
    /// The poll being written, when one was added.
    pub poll: Option<PollEditor>,
}

impl Composer {
    /// An empty composer.
    pub fn new(limit: usize) -> Self {
        Composer {
            body: Editor::new(true, MAX_DRAFT_BYTES),
            cw: Editor::new(false, 1024),
            visibility: Visibility::Camp,
            focus: Field::Body,
            sending: false,
            error: None,
            confirm_discard: false,
            limit,
            reply_to: None,
            editing: None,
            title: "New post".into(),
            suggestions: Vec::new(),
            asked: String::new(),
            poll: None,
        }
    }

    /// The `@name` being typed just before the cursor (without `@`), if any.
    pub fn mention_prefix(&self) -> Option<String> {
        if self.focus != Field::Body {
            return None;
        }
        let before = self.body.before_cursor();
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@'))
            .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(0);
        let word = &before[start..];
        let name = word.strip_prefix('@')?;
        (!name.is_empty() && !name.contains('@') && name.len() <= 30).then(|| name.to_lowercase())
    }

    /// Completes the `@prefix` with the first suggestion.
    fn complete(&mut self) -> bool {
        let (Some(prefix), Some(name)) = (self.mention_prefix(), self.suggestions.first().cloned())
        else {
            return false;
        };
        for _ in prefix.chars() {
            self.body.backspace();
        }
        self.body.insert_str(&format!("{name} "));
        self.suggestions.clear();
        self.asked.clear();
        true
    }

    /// A reply to `to`: its visibility (a public one's reply starts in the camp) and
    /// content warning, mentioning its author and
    /// the others it mentioned (never `me`). Handles keep their host (`@dee@elsewhere`),
    /// which the service never resolves to a camper here of the same name.
    pub fn reply(limit: usize, to: &PostView, me: &str) -> Self {
        let mut c = Composer::new(limit);
        let mut names = vec![to.author.username.clone()];
        // A bare `@bo` in a post from elsewhere names someone on that server, not here.
        let remote = to.author.username.contains('@');
        for h in crate::camp::mentioned_handles(&to.post.text) {
            if remote && h.host.is_none() {
                continue;
            }
            let n = h.as_text();
            if !names.contains(&n) {
                names.push(n);
            }
        }
        let prefix: String = names
            .iter()
            .filter(|n| n.as_str() != me)
            .map(|n| format!("@{n} "))
            .collect();
        c.body = Editor::with_text(true, MAX_DRAFT_BYTES, &prefix);
        if let Some(cw) = &to.post.cw {
            c.cw = Editor::with_text(false, 1024, cw);
        }
        c.visibility = to.post.visibility.reply_default();
        c.reply_to = Some(to.post.id);
        c.title = format!("Reply to @{}", to.author.username);
        c
    }

    /// Editing `post` (the reader's own).
    pub fn edit(limit: usize, post: &PostView) -> Self {
        let mut c = Composer::new(limit);
        c.body = Editor::with_text(true, MAX_DRAFT_BYTES, &post.post.text);
        if let Some(cw) = &post.post.cw {
            c.cw = Editor::with_text(false, 1024, cw);
        }
        c.visibility = post.post.visibility;
        c.editing = Some(post.post.id);
        c.title = "Edit post".into();
        c
    }

    /// Characters used, as the service will count them.
    pub fn count(&self) -> usize {
        crate::text::char_count(self.body.text().trim_end())
    }

    fn draft(&self) -> Draft {
        let cw = self.cw.text();
        Draft {
            text: self.body.text(),
            cw: (!cw.trim().is_empty()).then_some(cw),
            visibility: self.visibility,
            reply_to: self.reply_to,
            poll: self.poll.as_ref().map(PollEditor::draft),
        }
    }

    /// Ctrl-P: adds a poll and puts the keyboard on its first choice, or takes it away.
    /// An edit keeps the post's poll as it was (the service edits text only).
    fn toggle_poll(&mut self) {
        if self.editing.is_some() {
            self.error = Some("an edit cannot add or change a poll".into());
            return;
        }
        if self.poll.take().is_some() {
            if self.focus == Field::Poll {
                self.focus = Field::Body;
            }
        } else {
            self.poll = Some(PollEditor::default());
            self.focus = Field::Poll;
        }
        self.error = None;
    }

    /// Tab: the next field, through the poll's rows when there is one.
    fn next_field(&mut self) {
        self.focus = match (self.focus, self.poll.as_mut()) {
            (Field::Body, _) => Field::Cw,
            (Field::Cw, _) => Field::Visibility,
            (Field::Visibility, Some(p)) => {
                p.focus_first();
                Field::Poll
            }
            (Field::Poll, Some(p)) => {
                if p.next_row() {
                    Field::Poll
                } else {
                    Field::Body
                }
            }
            (Field::Visibility | Field::Poll, None) => Field::Body,
        }
    }

    /// Shift-Tab: the previous field.
    fn prev_field(&mut self) {
        self.focus = match (self.focus, self.poll.as_mut()) {
            (Field::Body, Some(p)) => {
                p.focus_last();
                Field::Poll
            }
            (Field::Poll, Some(p)) => {
                if p.prev_row() {
                    Field::Poll
                } else {
                    Field::Visibility
                }
            }
            (Field::Body | Field::Poll, None) => Field::Visibility,
            (Field::Cw, _) => Field::Body,
            (Field::Visibility, _) => Field::Cw,
        }
    }
}

/// What a visibility means, for the picker.
pub fn visibility_help(v: Visibility) -> &'static str {
    match v {
        Visibility::Camp => "everyone in this camp, never outside",
        Visibility::Followers => "your followers only",
        Visibility::Public => "everyone, may leave the camp",
        Visibility::Direct => "only the people you @mention",
    }
}

/// Keys while the composer is open.
pub fn on_input(model: &mut Model, input: Input) -> Vec<Effect> {
    let Some(c) = model.composer.as_mut() else {
        return vec![];
    };
    if c.sending {
        return vec![];
    }
    let k = match input {
        Input::Paste(text) => {
            match c.focus {
                Field::Body => {
                    if !c.body.insert_str(&text) {
                        c.error = Some("the paste was too long and was cut".into());
                    }
                }
                Field::Cw => {
                    c.cw.insert_str(&text);
                }
                Field::Poll => {
                    if let Some(p) = c.poll.as_mut() {
                        p.paste(&text);
                    }
                }
                Field::Visibility => {}
            }
            return vec![];
        }
        Input::Key(k) => k,
    };
    if c.confirm_discard {
        match k.key {
            Key::Char('y') | Key::Char('Y') => model.composer = None,
            _ => c.confirm_discard = false,
        }
        return vec![];
    }
    // `?` is text here, so the composer's keys are listed under F1.
    if k.key == Key::F(1) {
        model.help = true;
        return vec![];
    }
    if k.mods.ctrl {
        match k.key {
            Key::Char('s') => return send(model),
            Key::Char('c') => {
                ask_discard(model);
                return vec![];
            }
            Key::Char('p') => c.toggle_poll(),
            Key::Char('w') => match c.focus {
                Field::Body => c.body.delete_word(),
                Field::Cw => c.cw.delete_word(),
                Field::Poll => {
                    if let Some(p) = c.poll.as_mut() {
                        p.delete_word();
                    }
                }
                Field::Visibility => {}
            },
            _ => {}
        }
        return vec![];
    }
    match k.key {
        Key::Esc => ask_discard(model),
        Key::Tab if c.focus == Field::Body && c.complete() => {}
        Key::Tab => c.next_field(),
        Key::BackTab => c.prev_field(),
        _ => match c.focus {
            Field::Body => edit(&mut c.body, k.key),
            Field::Cw => edit(&mut c.cw, k.key),
            Field::Poll => {
                if let Some(p) = c.poll.as_mut() {
                    p.key(k.key);
                }
            }
            Field::Visibility if c.editing.is_some() => {
                c.error = Some("an edit keeps the post's visibility".into());
            }
            Field::Visibility => match k.key {
                Key::Right | Key::Char(' ') | Key::Char('l') | Key::Enter | Key::Down => {
                    c.visibility = c.visibility.next()
                }
                Key::Left | Key::Char('h') | Key::Up => {
                    c.visibility = c.visibility.next().next().next()
                }
                _ => {}
            },
        },
    }
    // Ask for names when a new `@prefix` is being typed.
    let Some(c) = model.composer.as_mut() else {
        return vec![];
    };
    match c.mention_prefix() {
        Some(p) if p != c.asked => {
            c.asked = p.clone();
            c.suggestions.clear();
            vec![Effect::CompleteNames(p)]
        }
        Some(_) => vec![],
        None => {
            c.suggestions.clear();
            c.asked.clear();
            vec![]
        }
    }
}

/// Names arrived for `prefix`: shown if the camper is still typing it.
pub fn completions(model: &mut Model, prefix: String, names: Vec<String>) -> Vec<Effect> {
    if let Some(c) = model.composer.as_mut()
        && c.mention_prefix().as_deref() == Some(prefix.as_str())
    {
        c.suggestions = names;
    }
    vec![]
}

fn edit(e: &mut Editor, key: Key) {
    match key {
        Key::Char(ch) => {
            e.insert_char(ch);
        }
        Key::Enter => {
            e.insert_char('\n');
        }
        Key::Backspace => e.backspace(),
        Key::Delete => e.delete(),
        Key::Left => e.left(),
        Key::Right => e.right(),
        Key::Up => e.up(),
        Key::Down => e.down(),
        Key::Home => e.home(),
        Key::End => e.end(),
        _ => {}
    }
}

fn ask_discard(model: &mut Model) {
    if let Some(c) = model.composer.as_mut() {
        if c.body.is_blank() && c.cw.is_blank() && c.poll.is_none() {
            model.composer = None;
        } else {
            c.confirm_discard = true;
        }
    }
}

fn send(model: &mut Model) -> Vec<Effect> {
    let Some(c) = model.composer.as_mut() else {
        return vec![];
    };
    if c.body.is_blank() {
        c.error = Some("a post needs some text".into());
        return vec![];
    }
    if c.count() > c.limit {
        c.error = Some(format!(
            "posts are limited to {} characters; this one has {}",
            c.limit,
            c.count()
        ));
        return vec![];
    }
    c.sending = true;
    c.error = None;
    match c.editing {
        Some(id) => vec![Effect::EditPost {
            id,
            draft: c.draft(),
        }],
        None => vec![Effect::SendPost(c.draft())],
    }
}

/// The server's answer to a send: close on success, keep the draft and say why otherwise.
pub fn post_sent(model: &mut Model, result: Result<PostView, String>) -> Vec<Effect> {
    match result {
        Ok(view) => {
            let edited = model.composer.as_ref().is_some_and(|c| c.editing.is_some());
            model.composer = None;
            let text = if edited {
                crate::tui::actions::changed(model, &view, true);
                "Edited.".to_string()
            } else {
                format!("Posted ({}).", view.post.visibility.as_str())
            };
            model.flash = Some(crate::tui::Flash { text, error: false });
        }
        Err(e) => {
            if let Some(c) = model.composer.as_mut() {
                c.sending = false;
                c.error = Some(e);
            }
        }
    }
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camp::Author;
    use crate::model::Post;

    fn remote_post(text: &str, visibility: Visibility) -> PostView {
        PostView {
            post: Post {
                id: 7,
                author: 3,
                text: text.into(),
                cw: None,
                visibility,
                reply_to: None,
                mentions: vec![],
                created_ms: 0,
                edited_ms: None,
            },
            author: Author {
                id: 3,
                username: "dee@mastodon.example".into(),
                display_name: String::new(),
            },
            stats: Default::default(),
            mine: Default::default(),
            boosted_by: None,
            poll: None,
            entry: 7,
            filtered: None,
        }
    }

    /// `r` on a post from elsewhere names people by their full handles: a bare `@bo`
    /// there is someone on that server, and the service never reads `@dee@host` as the
    /// camper `dee`.
    #[test]
    fn a_reply_to_a_remote_post_keeps_every_handle_remote() {
        let to = remote_post(
            "@bo hi, and @cy@other.example, @ana@camp.example",
            Visibility::Direct,
        );
        let c = Composer::reply(500, &to, "ana");
        assert_eq!(
            c.body.text(),
            "@dee@mastodon.example @cy@other.example @ana@camp.example "
        );
        assert_eq!(c.visibility, Visibility::Direct, "the parent's visibility");
        assert_eq!(c.reply_to, Some(7));
    }
}
