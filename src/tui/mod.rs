//! The per-session terminal app. `update(&mut Model, Msg)` is pure: it changes the model
//! and returns [`Effect`]s as data; the session loop runs them through `Camp` and feeds
//! the results back as messages. Rendering lives in [`view`].

pub mod actions;
pub mod ansi_backend;
pub mod compose;
pub mod drawn_lines;
pub mod editor;
pub mod effects;
pub mod follow;
pub mod frame_diff;
pub mod graphics;
pub mod guarded_backend;
pub mod hyperlinks;
pub mod input;
pub mod lines;
pub mod link_picker;
pub mod list_view;
pub mod lists;
pub mod moderation;
pub mod notices;
pub mod notifications;
pub mod onboarding;
pub mod pages;
pub mod poll;
pub mod poll_compose;
pub mod post_cache;
pub mod preview;
pub mod profile;
pub mod refilter;
pub mod requests;
pub mod scroll_hint;
pub mod session_terminal;
pub mod settings;
pub mod shown_screen;
#[cfg(test)]
mod test_rng;
pub mod theme;
pub mod thread;
pub mod timeline;
pub mod view;
pub mod who;

use std::sync::Arc;

use crate::camp::{CampInfo, NewPost, PostDraft, PostView, Reaction, TimelineKind};
use crate::model::{Account, Id};
use compose::Composer;
use input::{Input, Key, KeyEvent};
use onboarding::Onboarding;
use timeline::Timeline;

/// How many posts a timeline asks for at a time.
pub const PAGE: usize = 40;

/// Which screen is in front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// A stranger's key: invite code, name, code of conduct.
    Onboarding(Onboarding),
    /// The timelines (with the composer and help as overlays).
    Main,
    /// A member must accept a changed code of conduct before going on.
    CocUpdate(notices::CocUpdate),
}

/// A short message in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// What to say.
    pub text: String,
    /// Shown in the error colour.
    pub error: bool,
}

/// Everything one session shows.
#[derive(Debug, Clone)]
pub struct Model {
    /// The camp's name and limits.
    pub info: CampInfo,
    /// The code of conduct in force (for onboarding).
    pub coc: String,
    /// Who is logged in (None while onboarding).
    pub me: Option<Account>,
    /// Front screen.
    pub screen: Screen,
    /// Timeline in front on the main screen.
    pub tab: TimelineKind,
    /// Home timeline.
    pub home: Timeline,
    /// Camp timeline.
    pub camp: Timeline,
    /// Open composer, if any.
    pub composer: Option<Composer>,
    /// Which content warnings are open.
    pub expanded: timeline::CwState,
    /// Help overlay shown.
    pub help: bool,
    /// Footer message.
    pub flash: Option<Flash>,
    /// Clock for relative times, set by the session loop before each draw.
    pub now_ms: u64,
    /// Rows available to the timeline list (for page jumps), from the last draw.
    pub list_rows: u16,
    /// The session should end.
    pub quit: bool,
    /// Colours.
    pub theme: theme::Theme,
    /// Notifications not yet seen (for the header badge).
    pub unread: usize,
    /// Screens opened over the timelines, top last.
    pub pages: Vec<pages::Page>,
    /// The admins' banner (an id to dismiss it with, and its text).
    pub announcement: Option<(Id, String)>,
    /// A post waiting for "delete? y/n".
    pub confirm_delete: Option<Id>,
    /// A vote being chosen (`v`, then numbers).
    pub vote: Option<poll::Ballot>,
    /// The camper's preferences.
    pub prefs: crate::model::Preferences,
    /// Colours the terminal shows (from TERM, COLORTERM, NO_COLOR).
    pub depth: theme::ColorDepth,
    /// Bell and desktop-notification bytes for the session to send before the next frame.
    pub alerts: Vec<u8>,
    /// The link picker (`o`), open over the screen.
    pub picker: Option<link_picker::LinkPicker>,
    /// The session's terminal may get OSC 8 hyperlinks and OSC 52 copies (an SSH
    /// terminal; not the browser terminal).
    pub osc_capable: bool,
    /// The camper's setting: hyperlinks and copies on (see [`Model::osc_links`]).
    pub links_on: bool,
    /// Terminal graphics for image previews: what the terminal draws, the camper's
    /// choice, and the picture the last frame placed.
    pub gfx: graphics::Caps,
    /// Styled lines of the posts on screen, reused by the next frame.
    pub post_lines: post_cache::PostLinesCache,
    /// The footer's text, style and width when its line was last built.
    pub footer_inputs: Option<(String, ratatui::style::Style, u16)>,
    /// The header and footer lines of the last frame (see [`scroll_hint::LineMemo`]).
    pub header_line: scroll_hint::LineMemo,
    /// See `header_line`.
    pub footer_line: scroll_hint::LineMemo,
    /// What the header line was made of (see [`view::HeaderInputs`]).
    pub header_inputs: Option<view::HeaderInputs>,
    /// Where the last plain timeline frame drew its posts (see [`scroll_hint`]).
    pub timeline_layout: Option<scroll_hint::Layout>,
    /// The band of rows the last frame moved, for the session's terminal to scroll.
    pub scroll_hint: Option<scroll_hint::Shift>,
    /// What the view knows each row of the last frame shows (see [`scroll_hint::RowKey`]).
    pub row_keys: Vec<Option<scroll_hint::RowKey>>,
    /// What the frame being drawn may leave out (the session's terminal says).
    pub drawing: scroll_hint::Drawing,
    /// Rows the last frame left blank for the client to keep (see
    /// [`scroll_hint::Hints::undrawn`]).
    pub undrawn: Vec<u16>,
    /// Post lines the last frame drew only the gutter of (see
    /// [`scroll_hint::Hints::gutter_only`]).
    pub gutter_only: Vec<u16>,
    /// Post rows the last frame left for the session's terminal to draw (see
    /// [`scroll_hint::Paint`]).
    pub paints: Vec<scroll_hint::Paint>,
    /// Whether the frame being drawn may leave post rows for the terminal to draw (the
    /// session's terminal says; never outside one, whose frames are read whole).
    pub defer_paint: bool,
    /// While a frame is drawn: where the last plain timeline frame drew its posts.
    pub layout_before: Option<scroll_hint::Layout>,
    /// The room of the list of post starts the frame before last made, emptied, for
    /// the next frame's (a list grown from nothing for each live update).
    pub starts_room: Vec<(Id, u16)>,
}

/// Something that happened, for [`update`].
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key or a paste.
    Input(Input),
    /// Someone posted.
    Posted(Arc<NewPost>),
    /// The session's account got a notification (with its actor and post).
    Notified(Arc<crate::camp::NotificationView>),
    /// Result of [`Effect::LoadNotifications`].
    NotificationsLoaded {
        /// The page asked for.
        before: Option<Id>,
        /// The notifications or why not.
        result: Result<Vec<crate::camp::NotificationView>, String>,
    },
    /// Live events were missed: reload.
    Lagged,
    /// Result of [`Effect::CheckInvite`].
    InviteChecked(Result<(), String>),
    /// Result of [`Effect::CheckUsername`], with the normalised name.
    UsernameChecked(Result<String, String>),
    /// Result of [`Effect::Join`].
    Joined(Result<Account, String>),
    /// Result of [`Effect::LoadTimeline`].
    TimelineLoaded {
        /// Which timeline.
        kind: TimelineKind,
        /// The page asked for (None = newest).
        before: Option<Id>,
        /// The posts or why not.
        result: Result<Vec<PostView>, String>,
    },
    /// Result of [`Effect::SendPost`] and [`Effect::EditPost`].
    PostSent(Result<PostView, String>),
    /// Result of [`Effect::LoadModeration`].
    ModerationLoaded {
        /// The tab asked for.
        tab: moderation::Tab,
        /// Its data or why not.
        result: Result<moderation::ModData, String>,
    },
    /// Result of [`Effect::Moderate`]: what to tell the person.
    ModerationDone(Result<String, String>),
    /// Result of [`Effect::AcceptCoc`].
    CocAccepted(Result<Account, String>),
    /// Result of [`Effect::LoadCoc`].
    CocLoaded(String),
    /// The session's own account changed (role, flags).
    AccountUpdated(Account),
    /// Another account changed (suspended, silenced, marked sensitive, ...).
    AuthorChanged(Id),
    /// A post's text or counts changed somewhere in the camp.
    PostChanged(Arc<PostView>),
    /// A post changed and the reader's filters were asked again (see [`refilter`]).
    PostRefiltered(
        Arc<PostView>,
        Arc<crate::camp::filters::live_edit::Refiltered>,
    ),
    /// A post was deleted somewhere in the camp.
    PostDeleted(Id),
    /// Result of [`Effect::Vote`]: the post as the reader now sees it, or why not.
    Voted(Result<PostView, String>),
    /// Result of [`Effect::React`]: the post as the reader now sees it.
    Reacted {
        /// What was toggled.
        reaction: Reaction,
        /// The post, or why not.
        result: Result<PostView, String>,
    },
    /// Result of [`Effect::LoadThread`].
    ThreadLoaded {
        /// The post asked for.
        id: Id,
        /// The thread or why not.
        result: Result<Arc<crate::camp::Thread>, String>,
    },
    /// Result of [`Effect::DeletePost`].
    Deleted(Result<Id, String>),
    /// Result of [`Effect::LoadProfile`].
    ProfileLoaded {
        /// The name asked for.
        name: String,
        /// The profile or why not.
        result: Result<Arc<crate::camp::Profile>, String>,
    },
    /// Result of a follow/mute/block change: what to say, or why not.
    Done(Result<String, String>),
    /// Result of [`Effect::LoadSettings`] and [`Effect::Settings`]: fresh data and what
    /// to say.
    SettingsLoaded {
        /// "Saved." and such.
        flash: Option<String>,
        /// The data or why not.
        result: Result<Arc<settings::SettingsData>, String>,
    },
    /// Result of [`Effect::CompleteNames`].
    Completions {
        /// The prefix asked for.
        prefix: String,
        /// Matching names.
        names: Vec<String>,
    },
    /// Result of [`Effect::LoadRequests`].
    RequestsLoaded(Result<requests::Requests, String>),
    /// Result of [`Effect::AnswerRequest`]: what to say, or why not.
    RequestAnswered(Result<String, String>),
    /// Result of [`Effect::FollowRemote`]: what to say, or why not.
    RemoteFollowed(Result<String, String>),
    /// Result of [`Effect::LoadWho`].
    WhoLoaded(Result<Vec<crate::camp::Present>, String>),
    /// Result of [`Effect::LoadPreview`] (None: no further image).
    PreviewLoaded {
        /// The post.
        post: Id,
        /// The image or why not.
        result: Result<Option<preview::Loaded>, String>,
    },
    /// Result of [`Effect::CheckFollowing`]: the reader follows nobody.
    FollowsNobody(bool),
    /// Result of [`Effect::LoadList`] or [`Effect::Search`].
    ListLoaded {
        /// Which list.
        kind: lists::ListKind,
        /// The rows or why not.
        result: Result<Vec<lists::Row>, String>,
    },
}

/// Work for the session loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Check an invite code.
    CheckInvite(String),
    /// Check a code an invite link entered: as an invite only, never as a device link
    /// code (a link could carry someone else's).
    CheckPrefilledInvite(String),
    /// Check a wanted username.
    CheckUsername(String),
    /// Create the account.
    Join {
        /// Invite code.
        code: String,
        /// Username.
        username: String,
    },
    /// Load a page of a timeline.
    LoadTimeline {
        /// Which one.
        kind: TimelineKind,
        /// Older than this post (None = newest).
        before: Option<Id>,
    },
    /// Publish a post.
    SendPost(Draft),
    /// Load a page of notifications.
    LoadNotifications {
        /// Older than this one (None = newest).
        before: Option<Id>,
    },
    /// Remember that notifications up to this id were seen.
    MarkNotificationsRead {
        /// Newest seen.
        up_to: Id,
    },
    /// Load a tab of the Moderation screen.
    LoadModeration {
        /// Which tab.
        tab: moderation::Tab,
        /// Account search text.
        query: String,
    },
    /// Load one account in detail for the Moderation screen.
    LoadAccountDetail(String),
    /// A moderation request (or a camper's report).
    Moderate(moderation::ModRequest),
    /// Accept the code of conduct in force.
    AcceptCoc,
    /// Load the code of conduct in force.
    LoadCoc,
    /// Hide the banner for this camper.
    DismissAnnouncement(Id),
    /// Vote in a post's poll (choices numbered from 1).
    Vote {
        /// The post.
        post: Id,
        /// The choices.
        choices: Vec<usize>,
    },
    /// Toggle a favourite, boost or bookmark.
    React {
        /// The post.
        post: Id,
        /// Which toggle.
        reaction: Reaction,
    },
    /// Load a post's thread.
    LoadThread(Id),
    /// Replace the text of the reader's own post.
    EditPost {
        /// The post.
        id: Id,
        /// The new text and warning.
        draft: Draft,
    },
    /// Delete a post (asked first).
    DeletePost(Id),
    /// Load a camper's profile.
    LoadProfile(String),
    /// Follow, unfollow, mute, unmute, block or unblock a camper.
    Relation {
        /// The camper.
        name: String,
        /// What to do.
        action: RelationAction,
    },
    /// Camper names starting with a prefix, for the composer.
    CompleteNames(String),
    /// Load the Settings screen's data.
    LoadSettings,
    /// Change a setting, then reload the screen's data.
    Settings(SettingsChange),
    /// Load bookmarks, conversations or a tag.
    LoadList(lists::ListKind),
    /// Search campers, tags and posts.
    Search(String),
    /// Load the follow requests from other servers.
    LoadRequests,
    /// Load who is here (`w`).
    LoadWho,
    /// Ask to follow an account on another server (`user@host` or an actor URL).
    FollowRemote(String),
    /// Stop following (or take back the request to follow) an account elsewhere.
    UnfollowRemote(String),
    /// Accept or reject a follow request from another server.
    AnswerRequest {
        /// Who asked (`user@host`).
        handle: String,
        /// Accept (true) or reject.
        accept: bool,
    },
    /// Fetch the preview of a post's image (the first previewable at or after `index`).
    LoadPreview {
        /// The post.
        post: Id,
        /// From which attachment.
        index: usize,
        /// The camper opened its content warning (or it has none).
        revealed: bool,
    },
    /// Find out whether the reader follows anyone (for an empty Home timeline).
    CheckFollowing,
    /// End the session.
    Quit,
}

/// A change made on the Settings screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsChange {
    /// New display name and bio.
    Profile {
        /// Display name.
        display_name: String,
        /// Bio.
        bio: String,
    },
    /// New preferences.
    Prefs(crate::model::Preferences),
    /// Remove a key by fingerprint.
    RemoveKey(String),
    /// Make a device link code.
    MakeLinkCode,
    /// Open the screen-reader line mode at login (or not).
    LineMode(bool),
    /// Be listed by `who` while connected (or not).
    Presence(bool),
    /// How image previews are drawn (off: none fetched).
    Preview(crate::camp::preview::PreviewMode),
    /// Add a keyword filter typed on one line (see
    /// [`crate::camp::filters::NewFilter::parse_line`]).
    AddFilter(String),
    /// Remove a keyword filter by id.
    RemoveFilter(crate::model::Id),
    /// Send hyperlinks (OSC 8) and copies (OSC 52) to the terminal (or not).
    Links(bool),
    /// Delete the account; `confirm` is the name the camper typed.
    DeleteAccount {
        /// What was typed (must be the account's name).
        confirm: String,
    },
}

/// A change to how the reader relates to another camper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationAction {
    /// Follow.
    Follow,
    /// Unfollow.
    Unfollow,
    /// Mute for this many seconds (None: until undone).
    Mute(Option<u64>),
    /// Unmute.
    Unmute,
    /// Block.
    Block,
    /// Unblock.
    Unblock,
}

/// A post draft as data (PostDraft has no Eq).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Body.
    pub text: String,
    /// Content warning.
    pub cw: Option<String>,
    /// Visibility.
    pub visibility: crate::model::Visibility,
    /// Reply target.
    pub reply_to: Option<Id>,
    /// Its poll, when one was added (checked by the service).
    pub poll: Option<crate::camp::PollDraft>,
}

impl From<Draft> for PostDraft {
    fn from(d: Draft) -> Self {
        PostDraft {
            text: d.text,
            cw: d.cw,
            visibility: Some(d.visibility),
            reply_to: d.reply_to,
        }
    }
}

impl Model {
    /// A session for a member (`me`) or, when None, a stranger who must onboard.
    pub fn new(info: CampInfo, coc: String, me: Option<Account>) -> Model {
        let screen = match me {
            Some(_) => Screen::Main,
            None => Screen::Onboarding(Onboarding::default()),
        };
        Model {
            info,
            coc,
            me,
            screen,
            tab: TimelineKind::Camp,
            home: Timeline::default(),
            camp: Timeline::default(),
            composer: None,
            expanded: Default::default(),
            help: false,
            flash: None,
            now_ms: 0,
            list_rows: 20,
            quit: false,
            theme: theme::Theme::default(),
            unread: 0,
            pages: Vec::new(),
            announcement: None,
            confirm_delete: None,
            vote: None,
            prefs: Default::default(),
            depth: theme::ColorDepth::Indexed,
            alerts: Vec::new(),
            picker: None,
            osc_capable: false,
            links_on: true,
            gfx: Default::default(),
            post_lines: Default::default(),
            footer_inputs: None,
            header_line: Default::default(),
            footer_line: Default::default(),
            header_inputs: None,
            timeline_layout: None,
            scroll_hint: None,
            row_keys: Vec::new(),
            drawing: scroll_hint::Drawing::Whole,
            undrawn: Vec::new(),
            gutter_only: Vec::new(),
            paints: Vec::new(),
            defer_paint: false,
            layout_before: None,
            starts_room: Vec::new(),
        }
    }

    /// What the last frame told the session's terminal besides its cells (taken, so a
    /// frame drawn without the view gives none).
    pub fn take_hints(&mut self) -> scroll_hint::Hints {
        scroll_hint::Hints {
            shift: self.scroll_hint.take(),
            rows: std::mem::take(&mut self.row_keys),
            undrawn: std::mem::take(&mut self.undrawn),
            gutter_only: std::mem::take(&mut self.gutter_only),
            paints: std::mem::take(&mut self.paints),
        }
    }

    /// Takes back the lists of hints the session's terminal is done with (see
    /// [`crate::tui::session_terminal::SessionTerminal::take_spent_hints`]), for their
    /// room: the view clears them before it fills them.
    pub fn reuse_hints(&mut self, spent: scroll_hint::Hints) {
        let scroll_hint::Hints {
            rows,
            undrawn,
            gutter_only,
            mut paints,
            shift: _,
        } = spent;
        for (mine, spent) in [
            (&mut self.undrawn, undrawn),
            (&mut self.gutter_only, gutter_only),
        ] {
            if spent.capacity() > mine.capacity() {
                *mine = spent;
                mine.clear();
            }
        }
        if rows.capacity() > self.row_keys.capacity() {
            self.row_keys = rows;
            self.row_keys.clear();
        }
        if paints.capacity() > self.paints.capacity() {
            paints.clear();
            self.paints = paints;
        }
    }

    /// Whether this session sends OSC 8 hyperlinks and OSC 52 copies: its terminal
    /// can take them and the camper did not turn them off.
    pub fn osc_links(&self) -> bool {
        self.osc_capable && self.links_on
    }

    /// Applies preferences: theme (within the terminal's colours) and content warnings.
    pub fn apply_prefs(&mut self, prefs: crate::model::Preferences) {
        self.theme = theme::Theme::named(&prefs.theme, self.depth);
        self.expanded.expand_all = prefs.expand_cw;
        self.prefs = prefs;
    }

    /// Where each timeline's reading got to: its newest loaded entry.
    pub fn read_positions(&self) -> Vec<(TimelineKind, Id)> {
        [
            (TimelineKind::Home, &self.home),
            (TimelineKind::Camp, &self.camp),
        ]
        .into_iter()
        .filter_map(|(k, tl)| tl.posts.front().map(|p| (k, p.entry)))
        .collect()
    }

    /// Effects to run when the session starts.
    pub fn init(&mut self) -> Vec<Effect> {
        match self.screen {
            Screen::Main => self.load_all(),
            Screen::Onboarding(_) | Screen::CocUpdate(_) => vec![],
        }
    }

    fn load_all(&mut self) -> Vec<Effect> {
        self.home.loading = true;
        self.camp.loading = true;
        vec![
            Effect::LoadTimeline {
                kind: TimelineKind::Camp,
                before: None,
            },
            Effect::LoadTimeline {
                kind: TimelineKind::Home,
                before: None,
            },
        ]
    }

    /// The timeline in front.
    pub fn current(&self) -> &Timeline {
        match self.tab {
            TimelineKind::Home => &self.home,
            TimelineKind::Camp => &self.camp,
        }
    }

    fn current_mut(&mut self) -> &mut Timeline {
        match self.tab {
            TimelineKind::Home => &mut self.home,
            TimelineKind::Camp => &mut self.camp,
        }
    }

    fn timeline_mut(&mut self, kind: TimelineKind) -> &mut Timeline {
        match kind {
            TimelineKind::Home => &mut self.home,
            TimelineKind::Camp => &mut self.camp,
        }
    }

    fn flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
        });
    }
}

fn is_quit_chord(k: &KeyEvent) -> bool {
    k.mods.ctrl && matches!(k.key, Key::Char('c') | Key::Char('d'))
}

/// Applies one message to the model; returns the work it asks for.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let mut effects = apply(model, msg);
    effects.extend(notices::check_refusal(model));
    effects
}

fn apply(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Input(input) => on_input(model, input),
        Msg::Posted(new) => {
            if let Some(me) = &model.me {
                let view = new.view.clone();
                if new.on_camp {
                    model.camp.insert_new(view.clone());
                }
                if new.in_home_of(me.id) {
                    model.home.insert_new(view);
                }
            }
            match new.view.post.reply_to {
                Some(parent) => pages::threads_showing(model, parent),
                None => vec![],
            }
        }
        Msg::Notified(n) => {
            notices::announced(model, &n);
            // A new request from outside joins an open Requests screen at once.
            let asked = n.notification.kind == crate::model::NotificationKind::FollowRequest
                && model
                    .pages
                    .iter()
                    .any(|p| matches!(p, pages::Page::Requests(_)));
            let mut effects = pages::notified(model, n);
            if asked {
                effects.push(Effect::LoadRequests);
            }
            effects
        }
        Msg::NotificationsLoaded { before, result } => {
            pages::notifications_loaded(model, before, result)
        }
        Msg::Lagged => match (&model.screen, &model.me) {
            (Screen::Main, Some(_)) => {
                // Missed events may have changed what the open screen shows too.
                let mut effects = model.load_all();
                effects.extend(pages::reload_top(model));
                effects
            }
            _ => vec![],
        },
        Msg::InviteChecked(r) => onboarding::invite_checked(model, r),
        Msg::UsernameChecked(r) => onboarding::username_checked(model, r),
        Msg::Joined(r) => match r {
            Ok(account) => {
                let name = account.username.clone();
                model.me = Some(account);
                model.screen = Screen::Main;
                model.flash(
                    format!(
                        "Welcome to {}, @{name}! Press c to write your first post.",
                        model.info.name
                    ),
                    false,
                );
                model.load_all()
            }
            Err(e) => onboarding::join_failed(model, e),
        },
        Msg::TimelineLoaded {
            kind,
            before,
            result,
        } => {
            let tl = model.timeline_mut(kind);
            match result {
                Ok(posts) => {
                    tl.loaded_page(before, posts.into_iter().map(Arc::new).collect(), PAGE);
                    // An empty Home says why when the reader follows nobody.
                    if kind == TimelineKind::Home && tl.posts.is_empty() {
                        return vec![Effect::CheckFollowing];
                    }
                }
                Err(e) => {
                    tl.loading = false;
                    model.flash(format!("could not load the timeline: {e}"), true);
                }
            }
            vec![]
        }
        Msg::FollowsNobody(nobody) => {
            model.home.follows_nobody = nobody;
            vec![]
        }
        Msg::PostSent(result) => compose::post_sent(model, result),
        Msg::ModerationLoaded { tab, result } => pages::moderation_loaded(model, tab, result),
        Msg::ModerationDone(result) => pages::moderation_done(model, result),
        Msg::CocAccepted(result) => notices::accepted(model, result),
        Msg::CocLoaded(text) => {
            model.coc = text;
            vec![]
        }
        Msg::AuthorChanged(id) => {
            // Their posts may now be hidden, unlisted or behind a warning: a timeline
            // showing any of them reloads (others are left alone).
            let shows = |t: &Timeline| t.posts.iter().any(|p| p.author.id == id);
            if matches!(model.screen, Screen::Main) && (shows(&model.camp) || shows(&model.home)) {
                model.load_all()
            } else {
                vec![]
            }
        }
        Msg::AccountUpdated(account) => {
            if model.me.as_ref().is_some_and(|m| m.id == account.id) {
                let was = model.me.as_ref().map(|m| m.role);
                if was != Some(account.role) {
                    model.flash(
                        format!("You are now {} here.", account.role.as_str()),
                        false,
                    );
                }
                // A new display name (changed in another session) shows on the posts
                // and the screen in front at once.
                let renamed = model.me.as_ref().is_some_and(|m| {
                    m.display_name != account.display_name || m.bio != account.bio
                });
                model.me = Some(account.clone());
                if renamed && matches!(model.screen, Screen::Main) {
                    let mut effects = model.load_all();
                    effects.extend(pages::reload_top(model));
                    return effects;
                }
                // A screen only moderators may use closes when that right is gone.
                if !account.role.can_moderate() {
                    model
                        .pages
                        .retain(|p| !matches!(p, pages::Page::Moderation(_)));
                }
                model.me = Some(account);
            }
            vec![]
        }
        Msg::PostChanged(view) => {
            actions::changed(model, &view, false);
            vec![]
        }
        Msg::PostRefiltered(view, r) => {
            refilter::changed(model, &view, &r);
            vec![]
        }
        Msg::PostDeleted(id) => {
            actions::deleted(model, id);
            vec![]
        }
        Msg::Reacted { reaction, result } => actions::reacted(model, reaction, result),
        Msg::Voted(result) => poll::voted(model, result),
        Msg::ThreadLoaded { id, result } => pages::thread_loaded(model, id, result),
        Msg::Deleted(result) => {
            match result {
                Ok(id) => {
                    actions::deleted(model, id);
                    model.flash("Deleted.", false);
                }
                Err(e) => model.flash(e, true),
            }
            vec![]
        }
        Msg::ProfileLoaded { name, result } => pages::profile_loaded(model, &name, result),
        Msg::SettingsLoaded { flash, result } => {
            match result {
                Ok(data) => {
                    model.me = Some(data.account.clone());
                    model.apply_prefs(data.prefs.clone());
                    model.links_on = data.links;
                    model.gfx.mode = data.preview;
                    for p in model.pages.iter_mut() {
                        if let pages::Page::Settings(s) = p {
                            s.loaded(data.clone());
                        }
                    }
                    if let Some(f) = flash {
                        model.flash(f, false);
                    }
                }
                Err(e) => model.flash(e, true),
            }
            vec![]
        }
        Msg::Completions { prefix, names } => compose::completions(model, prefix, names),
        Msg::RequestsLoaded(result) => {
            pages::requests_loaded(model, result);
            vec![]
        }
        Msg::RequestAnswered(result) => pages::request_answered(model, result),
        Msg::RemoteFollowed(result) => {
            pages::remote_followed(model, result);
            vec![]
        }
        Msg::WhoLoaded(result) => {
            pages::who_loaded(model, result);
            vec![]
        }
        Msg::PreviewLoaded { post, result } => preview::loaded(model, post, result),
        Msg::ListLoaded { kind, result } => {
            pages::list_loaded(model, &kind, result);
            vec![]
        }
        Msg::Done(result) => match result {
            Ok(text) => {
                model.flash(text, false);
                // Follows, mutes and blocks change what the timelines hold.
                let mut effects = pages::reload_top(model);
                effects.extend(model.load_all());
                effects
            }
            Err(e) => {
                model.flash(e, true);
                vec![]
            }
        },
    }
}

fn on_input(model: &mut Model, input: Input) -> Vec<Effect> {
    if let Input::Key(k) = &input
        && is_quit_chord(k)
        && model.composer.is_none()
    {
        model.quit = true;
        return vec![Effect::Quit];
    }
    if model.help {
        model.help = false;
        return vec![];
    }
    if matches!(model.screen, Screen::Onboarding(_)) {
        return onboarding::on_input(model, input);
    }
    if matches!(model.screen, Screen::CocUpdate(_)) {
        return notices::on_input(model, input);
    }
    if model.composer.is_some() {
        return compose::on_input(model, input);
    }
    if model.confirm_delete.is_some() {
        return actions::confirm_delete(model, input);
    }
    if model.vote.is_some() {
        return poll::on_input(model, input);
    }
    if model.picker.is_some() {
        return link_picker::on_input(model, input);
    }
    if !model.pages.is_empty() {
        return pages::on_input(model, input);
    }
    let Input::Key(k) = input else {
        return vec![];
    };
    model.flash = None;
    let page = model.list_rows.max(1) as usize;
    let effects = match (k.key, k.mods.ctrl) {
        (Key::Char('q'), false) => {
            model.quit = true;
            return vec![Effect::Quit];
        }
        (Key::Char('?'), false) => {
            model.help = true;
            vec![]
        }
        (Key::Tab, _) | (Key::BackTab, _) => {
            model.tab = match model.tab {
                TimelineKind::Home => TimelineKind::Camp,
                TimelineKind::Camp => TimelineKind::Home,
            };
            vec![]
        }
        (Key::Char('n'), false) => pages::open(
            model,
            pages::Page::Notifications(notifications::NotificationsPage::default()),
        ),
        (Key::Char('M'), false) => {
            if model.me.as_ref().is_some_and(|m| m.role.can_moderate()) {
                pages::open(
                    model,
                    pages::Page::Moderation(moderation::ModerationPage::default()),
                )
            } else {
                vec![]
            }
        }
        (Key::Char('a'), false) => match model.announcement.take() {
            Some((id, _)) => vec![Effect::DismissAnnouncement(id)],
            None => vec![],
        },
        (Key::Char('c'), false) => {
            model.composer = Some(Composer::new(model.info.max_post_chars));
            vec![]
        }
        (Key::Char('/'), false) => pages::open(
            model,
            pages::Page::List(lists::ListPage::new(lists::ListKind::Search)),
        ),
        (Key::Char('s'), false) => pages::open(
            model,
            pages::Page::Settings(settings::SettingsPage::default()),
        ),
        (Key::Char('m'), false) => pages::open(
            model,
            pages::Page::List(lists::ListPage::new(lists::ListKind::Bookmarks)),
        ),
        (Key::Char('w'), false) => pages::open(model, pages::Page::Who(who::WhoPage::default())),
        (Key::Char('F'), false) => {
            pages::open(model, pages::Page::Follow(follow::FollowPage::default()))
        }
        (Key::Char('R'), false) => pages::open(
            model,
            pages::Page::Requests(requests::RequestsPage::default()),
        ),
        (Key::Char('D'), false) => pages::open(
            model,
            pages::Page::List(lists::ListPage::new(lists::ListKind::Direct)),
        ),
        (Key::Char('L'), false) => pages::open(
            model,
            pages::Page::List(lists::ListPage::new(lists::ListKind::Lists)),
        ),
        (Key::Char('x'), false) => {
            if let Some(p) = model.current().selected_post().cloned() {
                actions::toggle_cw(model, &p);
            }
            vec![]
        }
        (key, false) if actions::is_post_key(key) => match model.current().selected_post() {
            Some(p) => {
                let p = p.clone();
                actions::on_post_key(model, key, &p)
            }
            None => vec![],
        },
        (Key::Char('j'), false) | (Key::Down, _) => model.current_mut().move_by(1),
        (Key::Char('k'), false) | (Key::Up, _) => model.current_mut().move_by(-1),
        (Key::PageDown, _) | (Key::Char('f'), true) => {
            model.current_mut().move_by(page as isize / 3 + 1)
        }
        (Key::PageUp, _) | (Key::Char('b'), true) => {
            model.current_mut().move_by(-(page as isize / 3 + 1))
        }
        (Key::Char('g'), false) | (Key::Home, _) => model.current_mut().jump_top(),
        (Key::Char('G'), false) | (Key::End, _) => model.current_mut().jump_bottom(),
        _ => vec![],
    };
    let kind = model.tab;
    effects
        .into_iter()
        .map(|e| match e {
            Effect::LoadTimeline { before, .. } => Effect::LoadTimeline { kind, before },
            other => other,
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests;
