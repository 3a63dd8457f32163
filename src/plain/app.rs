//! The line mode's state and what each line, key and live event does. Methods that
//! take a line or an event call the service (sled reads and writes): run them on the
//! blocking pool. Everything returned is text for [`super::wire::encode`].

use std::collections::VecDeque;

use super::command::{self, Command, Listing};
use super::editor::{Edit, LineEditor, MAX_CHARS};
use super::items::{Item, Items};
use super::onboarding::Onboarding;
use super::render;
use crate::Camp;
use crate::camp::{CampEvent, KeyInfo, PostView, TimelineKind};
use crate::commands::{self, Caller};
use crate::model::{Account, Id};
use crate::text::sanitize_line;
use crate::tui::input::Input;

/// Items per listing page.
const PAGE: usize = 20;
/// The prompt between commands.
const PROMPT: &str = "> ";
/// How many live posts are remembered, so their notification is not printed twice.
const LIVE_MEMORY: usize = 64;
/// Verbs whose first word is a post id: a printed number works there too.
const ID_VERBS: &[&str] = &[
    "show", "edit", "delete", "fav", "boost", "bookmark", "report", "vote",
];

/// What a key led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// Nothing to do.
    Nothing,
    /// Send this text.
    Send(String),
    /// A finished line: hand it to [`App::line`] (on the blocking pool).
    Line(String),
    /// The person left (Ctrl-D on an empty line).
    Leave,
}

/// The answer to a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// What to send (ends with the next prompt unless leaving).
    pub text: String,
    /// The session ends after sending it.
    pub quit: bool,
}

/// What a live event led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    /// Nothing to show.
    Nothing,
    /// Send this text (a line, then the prompt and the partial line again).
    Print(String),
    /// The session must end, with this said.
    End(String),
}

/// One line-mode session.
pub struct App {
    camp: Camp,
    key: KeyInfo,
    me: Option<Account>,
    onboarding: Option<Onboarding>,
    editor: LineEditor,
    items: Items,
    listing: Listing,
    /// Where `more` goes on from (a timeline entry or a notification id); None at the end.
    cursor: Option<Id>,
    /// The newest Home entry listed, saved as the read position on leaving.
    newest_home: Option<Id>,
    live_posts: VecDeque<Id>,
    /// The reader's mutes, blocks, filters and lists, kept between live posts.
    relevance: crate::camp::relevance::Relevance,
}

impl App {
    /// The account logged in, once there is one.
    pub fn account_id(&self) -> Option<Id> {
        self.me.as_ref().map(|a| a.id)
    }

    /// A session for `key`, logged in as `account` (None: a stranger, who onboards).
    pub fn new(camp: Camp, key: KeyInfo, account: Option<Account>) -> App {
        let onboarding = match &account {
            None => Some(Onboarding::Invite),
            Some(a) if camp.coc_outdated(a).unwrap_or(false) => {
                Some(Onboarding::Update { me: a.id })
            }
            Some(_) => None,
        };
        App {
            camp,
            key,
            me: account,
            onboarding,
            editor: LineEditor::new(),
            items: Items::new(),
            listing: Listing::Home,
            cursor: None,
            newest_home: None,
            live_posts: VecDeque::new(),
            relevance: Default::default(),
        }
    }

    fn prompt(&self) -> &'static str {
        self.onboarding.as_ref().map_or(PROMPT, Onboarding::prompt)
    }

    /// Lines, then the prompt with what is typed so far.
    fn with_prompt(&self, lines: &[String]) -> String {
        let mut s = String::new();
        for l in lines {
            s.push_str(l);
            s.push('\n');
        }
        s.push_str(self.prompt());
        s.push_str(self.editor.text());
        s
    }

    /// The first words of the session, and its first prompt. Blocking.
    pub fn start(&mut self) -> String {
        let lines = match (&self.onboarding, &self.me) {
            (Some(Onboarding::Invite), _) => Onboarding::intro(&self.camp),
            (Some(_), _) => Onboarding::update_intro(&self.camp),
            (None, Some(_)) => self.welcome(true),
            (None, None) => vec![],
        };
        self.with_prompt(&lines)
    }

    /// The member's first lines: a greeting (unless onboarding just said welcome), the
    /// announcement, unread notifications, and Home.
    fn welcome(&mut self, greet: bool) -> Vec<String> {
        let Some(me) = self.me.clone() else {
            return vec![];
        };
        let mut lines = vec![if greet {
            format!(
                "Welcome to {}, @{}. Line mode: type help for commands.",
                sanitize_line(&self.camp.info().name),
                me.username
            )
        } else {
            "Line mode: type help for commands.".to_string()
        }];
        if let Ok(Some(a)) = self.camp.announcement_for(me.id) {
            lines.push(format!("Announcement: {}", sanitize_line(&a.text)));
        }
        match self.camp.unread_notifications(me.id) {
            Ok(0) | Err(_) => {}
            Ok(1) => lines.push("1 unread notification; type notifications.".into()),
            Ok(n) => lines.push(format!("{n} unread notifications; type notifications.")),
        }
        lines.extend(self.list(Listing::Home, false));
        lines
    }

    /// One decoded key. Cheap: no service call.
    pub fn feed(&mut self, input: Input) -> Feed {
        match self.editor.feed(input) {
            Edit::Nothing => Feed::Nothing,
            Edit::Echo(s) => Feed::Send(s),
            Edit::Line(l) => Feed::Line(l),
            Edit::Cleared | Edit::Reprint => Feed::Send(format!("\n{}", self.with_prompt(&[]))),
            Edit::Full => Feed::Send(format!(
                "\n{}",
                self.with_prompt(&[format!(
                    "The line is full ({MAX_CHARS} characters): Enter sends it, Ctrl-U drops it."
                )])
            )),
            Edit::Eof => Feed::Leave,
        }
    }

    /// One finished line. Blocking.
    pub fn line(&mut self, line: &str) -> Reply {
        if let Some(mut ob) = self.onboarding.take() {
            let step = ob.answer(&self.camp, &self.key, line);
            let mut say = step.say;
            if step.quit {
                return Reply {
                    text: format!("\n{}\n", say.join("\n")),
                    quit: true,
                };
            }
            match step.joined {
                Some(account) => {
                    self.me = Some(account);
                    say.extend(self.welcome(false));
                }
                None => self.onboarding = Some(ob),
            }
            return Reply {
                text: format!("\n{}", self.with_prompt(&say)),
                quit: false,
            };
        }
        let lines = match command::parse(line) {
            Ok(Command::Quit) => {
                return Reply {
                    text: "\nGoodbye.\n".into(),
                    quit: true,
                };
            }
            Ok(c) => self.run(c),
            Err(why) => vec![why],
        };
        Reply {
            text: format!("\n{}", self.with_prompt(&lines)),
            quit: false,
        }
    }

    fn run(&mut self, c: Command) -> Vec<String> {
        match c {
            Command::Empty | Command::Quit => vec![],
            Command::Read(n) => self.read(n),
            Command::Reply(n, text) => self.reply(n, &text),
            Command::Fav(n) => self.react(n, "fav", "Favourited"),
            Command::Boost(n) => self.react(n, "boost", "Boosted"),
            Command::Post(text) => self.post(vec!["post".into(), text], "Posted".into()),
            Command::More => {
                if self.cursor.is_none() {
                    return vec![format!(
                        "{}: nothing older. Type new for the newest.",
                        self.listing.title()
                    )];
                }
                self.list(self.listing, true)
            }
            Command::New => self.list(self.listing, false),
            Command::Show(l) => self.list(l, false),
            Command::Help => render::HELP.lines().map(String::from).collect(),
            Command::Verb(argv) => self.typed_verb(argv),
        }
    }

    fn me_id(&self) -> Id {
        self.me.as_ref().map_or(0, |a| a.id)
    }

    fn post_item(&self, n: usize) -> Result<(Id, String), Vec<String>> {
        match self.items.get(n) {
            Some(Item::Post { id, author }) => Ok((*id, author.clone())),
            Some(Item::Person(name)) => Err(vec![format!(
                "Item {n} is @{name}, not a post. Type {n} for their profile."
            )]),
            None => Err(vec![format!(
                "There is no item {n} here. Type new for the newest."
            )]),
        }
    }

    fn number_of(&mut self, v: &PostView) -> usize {
        self.items.number(Item::Post {
            id: v.post.id,
            author: v.author.username.clone(),
        })
    }

    fn read(&mut self, n: usize) -> Vec<String> {
        if let Some(Item::Person(name)) = self.items.get(n) {
            let name = name.clone();
            return self.verb(vec!["profile".into(), name], None);
        }
        let (id, _) = match self.post_item(n) {
            Ok(p) => p,
            Err(e) => return e,
        };
        match self.camp.thread(self.me_id(), id) {
            Ok(t) => {
                let now = crate::store::now_ms();
                render::thread_lines(&t, now, |v| self.number_of(v))
            }
            Err(e) => vec![format!("{}.", sanitize_line(&e.to_string()))],
        }
    }

    fn reply(&mut self, n: usize, text: &str) -> Vec<String> {
        let (id, author) = match self.post_item(n) {
            Ok(p) => p,
            Err(e) => return e,
        };
        let mut argv = vec!["post".to_string(), "--reply-to".into(), id.to_string()];
        // Like the composer's reply: the same warning, and the author named.
        if let Ok(parent) = self.camp.post(self.me_id(), id)
            && let Some(cw) = parent.post.cw
        {
            argv.extend(["--cw".into(), cw]);
        }
        let mine = self.me.as_ref().is_some_and(|m| m.username == author);
        let handle = format!("@{author}");
        let named = text.split_whitespace().any(|w| {
            w.trim_end_matches([',', '.', ':', '!', '?'])
                .eq_ignore_ascii_case(&handle)
        });
        argv.push(if mine || named {
            text.to_string()
        } else {
            format!("{handle} {text}")
        });
        self.post(argv, format!("Replied to {n}, @{author},"))
    }

    fn react(&mut self, n: usize, verb: &str, done: &str) -> Vec<String> {
        match self.post_item(n) {
            Ok((id, _)) => self.verb(
                vec![verb.into(), id.to_string()],
                Some(&format!("{done} {n}.")),
            ),
            Err(e) => e,
        }
    }

    /// Runs `post`; the new post gets its number at once ("Posted as 4."), so its live
    /// arrival is not printed again.
    fn post(&mut self, argv: Vec<String>, done: String) -> Vec<String> {
        let caller = Caller {
            key: self.key.clone(),
            account: self.me.clone(),
        };
        let out = commands::run(&self.camp, &caller, &argv, None);
        let id = out.stdout.trim().parse::<Id>().ok();
        match (out.status, id) {
            (0, Some(id)) => {
                let author = self
                    .me
                    .as_ref()
                    .map(|m| m.username.clone())
                    .unwrap_or_default();
                let n = self.items.number(Item::Post { id, author });
                vec![format!("{done} as {n}.")]
            }
            _ => Self::outcome_lines(out),
        }
    }

    /// A verb as typed: printed numbers stand for post ids where a verb wants one.
    fn typed_verb(&mut self, mut argv: Vec<String>) -> Vec<String> {
        match argv.first().map(String::as_str) {
            Some("commands") if argv.len() == 1 => {
                return self.verb(vec!["help".into()], None);
            }
            Some("plain") if argv.len() == 1 => {
                return vec![
                    "This is the line mode. plain on makes it what ssh opens for you; \
                     plain off gives you the full-screen app again."
                        .into(),
                ];
            }
            Some(v) if ID_VERBS.contains(&v) && argv.len() > 1 => {
                argv[1] = self.id_for(&argv[1]);
            }
            _ => {}
        }
        if let Some(i) = argv.iter().position(|w| w == "--reply-to")
            && let Some(w) = argv.get(i + 1).cloned()
        {
            argv[i + 1] = self.id_for(&w);
        }
        self.verb(argv, None)
    }

    /// The post id behind a printed number (other words stay as they are).
    fn id_for(&self, word: &str) -> String {
        match word.parse::<usize>().ok().and_then(|n| self.items.get(n)) {
            // Post ids are far larger than any printed number: no mix-up.
            Some(Item::Post { id, .. }) if word.len() <= 6 => id.to_string(),
            _ => word.to_string(),
        }
    }

    /// Runs an exec verb exactly as `ssh camp VERB` would. On success prints `done`
    /// instead of the verb's output when given (a post's bare id means little here).
    fn verb(&mut self, argv: Vec<String>, done: Option<&str>) -> Vec<String> {
        let caller = Caller {
            key: self.key.clone(),
            account: self.me.clone(),
        };
        let out = commands::run(&self.camp, &caller, &argv, None);
        match (out.status, done) {
            (0, Some(done)) => vec![done.into()],
            _ => Self::outcome_lines(out),
        }
    }

    /// What a verb printed, its error without the `camp: ` of exec mode.
    fn outcome_lines(out: commands::Outcome) -> Vec<String> {
        let mut lines: Vec<String> = out.stdout.lines().map(String::from).collect();
        lines.extend(
            out.stderr
                .lines()
                .map(|l| l.strip_prefix("camp: ").unwrap_or(l).to_string()),
        );
        lines
    }

    /// A listing from its newest item, or its next older page.
    fn list(&mut self, listing: Listing, older: bool) -> Vec<String> {
        let me = self.me_id();
        if !older {
            self.items.reset();
            self.cursor = None;
        }
        self.listing = listing;
        let before = if older { self.cursor } else { None };
        let now = crate::store::now_ms();
        let kind = match listing {
            Listing::Home => TimelineKind::Home,
            Listing::Camp => TimelineKind::Camp,
            Listing::Notifications => return self.list_notifications(me, before, older, now),
        };
        let posts = match self.camp.timeline(me, kind, before, PAGE) {
            Ok(p) => p,
            Err(e) => return vec![format!("{}.", sanitize_line(&e.to_string()))],
        };
        self.cursor = (posts.len() == PAGE)
            .then(|| posts.last().map(|v| v.entry))
            .flatten();
        if listing == Listing::Home && !older {
            self.newest_home = posts.first().map(|v| v.entry).or(self.newest_home);
        }
        let mut lines = vec![render::header(listing.title(), posts.len(), older, "post")];
        for v in &posts {
            let n = self.number_of(v);
            lines.push(render::post_line(n, v, now));
        }
        lines
    }

    fn list_notifications(
        &mut self,
        me: Id,
        before: Option<Id>,
        older: bool,
        now: u64,
    ) -> Vec<String> {
        let list = match self.camp.notification_views(me, before, PAGE) {
            Ok(l) => l,
            Err(e) => return vec![format!("{}.", sanitize_line(&e.to_string()))],
        };
        if !older && let Some(first) = list.first() {
            let _ = self
                .camp
                .mark_notifications_read(me, Some(first.notification.id));
        }
        self.cursor = (list.len() == PAGE)
            .then(|| list.last().map(|n| n.notification.id))
            .flatten();
        let mut lines = vec![render::header(
            "Notifications",
            list.len(),
            older,
            "notification",
        )];
        for nv in &list {
            let n = self.notification_number(nv);
            lines.push(render::notification_line(n, nv, now));
        }
        lines
    }

    fn notification_number(&mut self, nv: &crate::camp::NotificationView) -> Option<usize> {
        match (&nv.post, &nv.actor) {
            (Some(p), _) => Some(self.number_of(p)),
            (None, Some(a)) => Some(self.items.number(Item::Person(a.username.clone()))),
            (None, None) => None,
        }
    }

    /// Whether `ev` may concern this session (cheap: no service call).
    pub fn wants(&self, ev: &CampEvent) -> bool {
        let Some(me) = self.me.as_ref().map(|a| a.id) else {
            return false;
        };
        if self.onboarding.is_some() {
            return matches!(ev, CampEvent::AccountChanged(id) if *id == me);
        }
        match ev {
            CampEvent::Posted(new) => match self.listing {
                Listing::Camp => new.on_camp,
                Listing::Home | Listing::Notifications => new.in_home_of(me),
            },
            CampEvent::Notified(n) => n.account == me,
            CampEvent::AccountChanged(id) => *id == me,
            CampEvent::PostChanged(_) | CampEvent::PostDeleted(_) => false,
        }
    }

    /// A live event, as one line between prompts (or the end of the session). Blocking.
    pub fn live(&mut self, ev: &CampEvent) -> Live {
        if !self.wants(ev) {
            return Live::Nothing;
        }
        let me = self.me_id();
        let now = crate::store::now_ms();
        let line = match ev {
            CampEvent::Posted(new) => {
                let id = new.view.post.id;
                // Our own post from this session: already numbered and confirmed.
                let ours = new.view.post.author == me && new.view.boosted_by.is_none();
                if ours && self.items.of_post(id).is_some() {
                    return Live::Nothing;
                }
                // Mutes, blocks, filters and exclusive lists, as on reload.
                let Some(new) = self.relevance.live_for(&self.camp, me, new) else {
                    return Live::Nothing;
                };
                let placed = match self.listing {
                    Listing::Camp => new.on_camp,
                    Listing::Home | Listing::Notifications => new.in_home_of(me),
                };
                if !placed {
                    return Live::Nothing;
                }
                self.live_posts.push_back(new.view.post.id);
                if self.live_posts.len() > LIVE_MEMORY {
                    self.live_posts.pop_front();
                }
                let n = self.number_of(&new.view);
                render::post_line(n, &new.view, now)
            }
            CampEvent::Notified(n) => {
                if n.post.is_some_and(|p| self.live_posts.contains(&p)) {
                    return Live::Nothing;
                }
                let Ok(Some(nv)) = self.camp.live_notification(me, (**n).clone()) else {
                    return Live::Nothing;
                };
                if nv
                    .actor
                    .as_ref()
                    .is_some_and(|a| self.camp.muted_or_hidden(me, a.id).unwrap_or(true))
                {
                    return Live::Nothing;
                }
                let num = self.notification_number(&nv);
                render::notification_line(num, &nv, now)
            }
            CampEvent::AccountChanged(_) => {
                if let Err(e @ crate::Error::Suspended { .. }) = self.camp.actor(me) {
                    return Live::End(e.to_string());
                }
                let still_mine = self
                    .camp
                    .account_for_key(&self.key.fingerprint)
                    .is_ok_and(|a| a.is_some_and(|a| a.id == me));
                if !still_mine {
                    return Live::End("This key was removed from your account.".into());
                }
                return Live::Nothing;
            }
            _ => return Live::Nothing,
        };
        Live::Print(format!("\n{}", self.with_prompt(&[line])))
    }

    /// The session ends: remember how far Home was read. Blocking.
    pub fn leave(&self) {
        if let (Some(me), Some(entry)) = (&self.me, self.newest_home) {
            let _ = self
                .camp
                .set_read_position(me.id, TimelineKind::Home, entry);
        }
    }
}

#[cfg(test)]
mod tests;
