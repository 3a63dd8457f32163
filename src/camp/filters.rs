//! Keyword filters, with Mastodon's semantics: a camper's own words or phrases that hide
//! other people's posts, or fold them under "Filtered: WORD", per context (home, camp,
//! notifications, threads), optionally until an expiry.
//!
//! A filter is the reader's own taste, so it is applied here, in the service, wherever
//! posts are read for a viewer ([`Camp::timeline`], [`Camp::thread`],
//! [`Camp::notification_views`] and live posts through [`Camp::live_for`]): exec, the
//! terminal app and the line mode agree, and posts from other servers are filtered the
//! same way. As in Mastodon, a filter never applies to the reader's own posts. The text
//! matched is the post's body and its content warning, case-insensitively and
//! Unicode-aware; a whole-word filter matches only at word boundaries.
//!
//! Stored as one setting per camper (`filters/{account}`, removed with the account),
//! so no existing record changes shape. Expired filters stop applying at once (every
//! read compares with the clock) and are pruned at the next write.

use serde::{Deserialize, Serialize};

use crate::camp::{Camp, PostView};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::model::{Id, Millis, Post};

/// Most filters one camper may keep.
pub const MAX_FILTERS: usize = 50;
/// Longest phrase, in characters.
pub const MAX_PHRASE_CHARS: usize = 100;

/// Where a filter applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterContext {
    /// The home timeline.
    Home,
    /// The camp timeline.
    Camp,
    /// Notifications about a post.
    Notifications,
    /// Threads (`show`, the thread screen).
    Threads,
}

impl FilterContext {
    /// Every context, the default of a new filter.
    pub const ALL: [FilterContext; 4] = [
        FilterContext::Home,
        FilterContext::Camp,
        FilterContext::Notifications,
        FilterContext::Threads,
    ];

    /// The lower-case name used by exec and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterContext::Home => "home",
            FilterContext::Camp => "camp",
            FilterContext::Notifications => "notifications",
            FilterContext::Threads => "threads",
        }
    }

    /// Parses one name.
    pub fn parse(s: &str) -> Option<FilterContext> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The context of a timeline.
    pub fn of_timeline(kind: crate::camp::TimelineKind) -> FilterContext {
        match kind {
            crate::camp::TimelineKind::Home => FilterContext::Home,
            crate::camp::TimelineKind::Camp => FilterContext::Camp,
        }
    }
}

/// What a matching filter does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterAction {
    /// Fold the post under "Filtered: WORD" (the default).
    Warn,
    /// Leave the post out.
    Hide,
}

impl FilterAction {
    /// `warn` or `hide`.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterAction::Warn => "warn",
            FilterAction::Hide => "hide",
        }
    }

    /// Parses `warn` or `hide`.
    pub fn parse(s: &str) -> Option<FilterAction> {
        match s {
            "warn" => Some(FilterAction::Warn),
            "hide" => Some(FilterAction::Hide),
            _ => None,
        }
    }
}

/// One stored filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Its id (time-ordered).
    pub id: Id,
    /// The word or phrase, as typed (sanitized, trimmed).
    pub phrase: String,
    /// Match only at word boundaries.
    pub whole_word: bool,
    /// Where it applies (never empty).
    pub contexts: Vec<FilterContext>,
    /// Hide or warn.
    pub action: FilterAction,
    /// When it stops applying.
    pub expires_ms: Option<Millis>,
}

impl Filter {
    fn live(&self, now: Millis) -> bool {
        self.expires_ms.is_none_or(|t| t > now)
    }

    /// True when this filter matches `text` (already lower-cased by the caller).
    fn matches_lower(&self, lower: &str) -> bool {
        let needle = self.phrase.to_lowercase();
        if needle.is_empty() {
            return false;
        }
        if !self.whole_word {
            return lower.contains(&needle);
        }
        let word = |c: char| c.is_alphanumeric() || c == '_';
        // As Mastodon: a boundary is needed only where the phrase itself starts or
        // ends with a word character ("#tag" matches after a space or a bracket).
        let check_start = needle.chars().next().is_some_and(word);
        let check_end = needle.chars().next_back().is_some_and(word);
        lower.match_indices(&needle).any(|(at, m)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + m.len()..].chars().next();
            (!check_start || !before.is_some_and(word)) && (!check_end || !after.is_some_and(word))
        })
    }
}

/// A new filter as a camper asks for it.
#[derive(Debug, Clone)]
pub struct NewFilter {
    /// The word or phrase.
    pub phrase: String,
    /// Match only whole words.
    pub whole_word: bool,
    /// Where it applies; empty means everywhere.
    pub contexts: Vec<FilterContext>,
    /// Hide or warn.
    pub action: FilterAction,
    /// How long it lasts; `None` for ever.
    pub expires_in: Option<std::time::Duration>,
}

impl NewFilter {
    /// Reads a filter typed on one line (the Settings screen): the phrase, with any of
    /// `--whole-word`, `--hide` or `--warn`, `--context home,camp,...`, `--expires 1d`
    /// among its words. Unknown options are refused by name.
    pub fn parse_line(line: &str) -> Result<NewFilter> {
        let mut new = NewFilter {
            phrase: String::new(),
            whole_word: false,
            contexts: Vec::new(),
            action: FilterAction::Warn,
            expires_in: None,
        };
        let mut phrase: Vec<&str> = Vec::new();
        let mut words = line.split_whitespace();
        while let Some(w) = words.next() {
            let Some(opt) = w.strip_prefix("--") else {
                phrase.push(w);
                continue;
            };
            let (name, inline) = match opt.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (opt, None),
            };
            let mut value = || {
                inline.or_else(|| words.next()).ok_or_else(|| {
                    Error::invalid(format!(
                        "--{} needs a value",
                        crate::text::sanitize_line(name)
                    ))
                })
            };
            match name {
                "whole-word" => new.whole_word = true,
                "hide" => new.action = FilterAction::Hide,
                "warn" => new.action = FilterAction::Warn,
                "context" => {
                    for c in value()?.split(',').filter(|c| !c.is_empty()) {
                        new.contexts.push(FilterContext::parse(c).ok_or_else(|| {
                            Error::invalid(format!(
                                "unknown context '{}'; use home, camp, notifications or threads",
                                crate::text::sanitize_line(c)
                            ))
                        })?);
                    }
                }
                "expires" => new.expires_in = Some(crate::camp::parse_duration(value()?)?),
                other => {
                    return Err(Error::invalid(format!(
                        "unknown option --{}; use --whole-word, --hide, --context or --expires",
                        crate::text::sanitize_line(other)
                    )));
                }
            }
        }
        new.phrase = phrase.join(" ");
        Ok(new)
    }
}

/// The verdict of a reader's filters on one post in one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No filter matched.
    Show,
    /// Fold it under this phrase.
    Warn(String),
    /// Leave it out.
    Hide,
}

/// A reader's live filters, read once per request.
#[derive(Debug, Clone, Default)]
pub struct FilterSet {
    viewer: Id,
    filters: Vec<Filter>,
}

impl FilterSet {
    /// True when there is nothing to apply (most readers).
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// When the first of these filters runs out (a set kept for longer than one read
    /// must be read again then).
    pub(crate) fn expires_first(&self) -> Option<Millis> {
        self.filters.iter().filter_map(|f| f.expires_ms).min()
    }

    /// The reader's filters in `context` that match `post` (none for the reader's own).
    fn matching<'a>(
        &'a self,
        post: &Post,
        context: FilterContext,
    ) -> impl Iterator<Item = &'a Filter> + 'a {
        let lower = if self.filters.is_empty() || post.author == self.viewer {
            None
        } else {
            let mut lower = post.text.to_lowercase();
            if let Some(cw) = &post.cw {
                lower.push('\n');
                lower.push_str(&cw.to_lowercase());
            }
            Some(lower)
        };
        self.filters.iter().filter(move |f| {
            lower
                .as_deref()
                .is_some_and(|l| f.contexts.contains(&context) && f.matches_lower(l))
        })
    }

    /// What the reader's filters say about `post` in `context`. Hide wins over warn;
    /// the reader's own posts always show.
    pub fn verdict(&self, post: &Post, context: FilterContext) -> Verdict {
        let mut warn = None;
        for f in self.matching(post, context) {
            match f.action {
                FilterAction::Hide => return Verdict::Hide,
                FilterAction::Warn => {
                    warn.get_or_insert_with(|| f.phrase.clone());
                }
            }
        }
        warn.map_or(Verdict::Show, Verdict::Warn)
    }

    /// The phrase of the first filter (hide or warn) matching `post` in `context`:
    /// what folds a post that is shown although a filter would hide it (the post a
    /// thread was opened on).
    pub fn first_match(&self, post: &Post, context: FilterContext) -> Option<String> {
        self.matching(post, context)
            .next()
            .map(|f| f.phrase.clone())
    }

    /// Applies the verdict to a view: `None` when hidden, else the view with its
    /// `filtered` phrase set (or cleared).
    pub fn apply(&self, mut view: PostView, context: FilterContext) -> Option<PostView> {
        match self.verdict(&view.post, context) {
            Verdict::Hide => None,
            Verdict::Warn(phrase) => {
                view.filtered = Some(phrase);
                Some(view)
            }
            Verdict::Show => {
                view.filtered = None;
                Some(view)
            }
        }
    }
}

fn key(account: Id) -> String {
    format!("filters/{account}")
}

impl Camp {
    fn stored_filters(&self, account: Id) -> Result<Vec<Filter>> {
        Ok(self
            .store()
            .setting::<Vec<Filter>>(&key(account))?
            .unwrap_or_default())
    }

    /// `viewer`'s filters that still apply, for one read.
    pub fn filter_set(&self, viewer: Id) -> Result<FilterSet> {
        let now = now_ms();
        let mut filters = self.stored_filters(viewer)?;
        filters.retain(|f| f.live(now));
        Ok(FilterSet { viewer, filters })
    }

    /// `by`'s filters that have not expired, oldest first.
    pub fn filters(&self, by: Id) -> Result<Vec<Filter>> {
        let me = self.actor(by)?;
        Ok(self.filter_set(me.id)?.filters)
    }

    /// Adds a filter for `by`; expired ones are pruned on the way.
    pub fn add_filter(&self, by: Id, new: NewFilter) -> Result<Filter> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        let phrase = crate::text::sanitize_line(&new.phrase).trim().to_string();
        if phrase.is_empty() {
            return Err(Error::invalid("a filter needs a word or phrase"));
        }
        let chars = phrase.chars().count();
        if chars > MAX_PHRASE_CHARS {
            return Err(Error::invalid(format!(
                "a filter phrase is limited to {MAX_PHRASE_CHARS} characters (this one has {chars})"
            )));
        }
        let now = now_ms();
        let mut all = self.stored_filters(me.id)?;
        all.retain(|f| f.live(now));
        if all
            .iter()
            .any(|f| f.phrase.to_lowercase() == phrase.to_lowercase())
        {
            return Err(Error::invalid(format!(
                "you already filter '{phrase}' (filter remove it first to change it)"
            )));
        }
        if all.len() >= MAX_FILTERS {
            return Err(Error::invalid(format!(
                "you have {MAX_FILTERS} filters, the most allowed; remove one first"
            )));
        }
        let mut contexts = Vec::new();
        for c in FilterContext::ALL {
            if new.contexts.is_empty() || new.contexts.contains(&c) {
                contexts.push(c);
            }
        }
        let filter = Filter {
            id: self.store().next_id(),
            phrase,
            whole_word: new.whole_word,
            contexts,
            action: new.action,
            expires_ms: new
                .expires_in
                .map(|d| now.saturating_add(d.as_millis().min(u64::MAX as u128) as u64)),
        };
        all.push(filter.clone());
        self.store().put_setting(&key(me.id), &all)?;
        self.store().flush()?;
        Ok(filter)
    }

    /// Removes `by`'s filter named by its id or its phrase (case-insensitively).
    pub fn remove_filter(&self, by: Id, which: &str) -> Result<Filter> {
        let me = self.actor(by)?;
        self.check_action_rate(&me)?;
        let now = now_ms();
        let mut all = self.stored_filters(me.id)?;
        all.retain(|f| f.live(now));
        let which = which.trim();
        let id: Option<Id> = which.parse().ok();
        let lower = which.to_lowercase();
        let at = all
            .iter()
            .position(|f| Some(f.id) == id)
            .or_else(|| all.iter().position(|f| f.phrase.to_lowercase() == lower))
            .ok_or_else(|| {
                Error::not_found(format!(
                    "you have no filter '{}'",
                    crate::text::sanitize_line(which)
                ))
            })?;
        let gone = all.remove(at);
        if all.is_empty() {
            self.store().remove_setting(&key(me.id))?;
        } else {
            self.store().put_setting(&key(me.id), &all)?;
        }
        self.store().flush()?;
        Ok(gone)
    }
}

/// Places a live post that may reach `viewer` (mutes and blocks checked) by the reader's
/// filters and whether an exclusive list takes it off Home: the part of
/// [`Camp::live_for`] that reads nothing, shared with the session's
/// [`Relevance`](crate::camp::relevance::Relevance).
pub(crate) fn place_live(
    viewer: Id,
    new: &std::sync::Arc<crate::camp::NewPost>,
    filters: &FilterSet,
    excluded: bool,
) -> Option<std::sync::Arc<crate::camp::NewPost>> {
    let post = &new.view.post;
    if filters.is_empty() && !excluded {
        return Some(new.clone());
    }
    let mut home = new.in_home_of(viewer) && !excluded;
    let mut camp = new.on_camp;
    let mut warn = None;
    for (on, context) in [
        (&mut home, FilterContext::Home),
        (&mut camp, FilterContext::Camp),
    ] {
        if !*on {
            continue;
        }
        match filters.verdict(post, context) {
            Verdict::Hide => *on = false,
            Verdict::Warn(w) => warn = warn.or(Some(w)),
            Verdict::Show => {}
        }
    }
    if home == new.in_home_of(viewer) && camp == new.on_camp && warn.is_none() {
        return Some(new.clone());
    }
    let view = match warn {
        Some(w) => std::sync::Arc::new(PostView {
            filtered: Some(w),
            ..(*new.view).clone()
        }),
        None => new.view.clone(),
    };
    Some(std::sync::Arc::new(crate::camp::NewPost {
        view,
        on_camp: camp,
        home_owners: if home { vec![viewer] } else { Vec::new() },
    }))
}

impl Camp {
    /// A live new post as `viewer`'s screen should place it: `None` when it must not
    /// reach that screen at all (mutes, blocks: [`Camp::live_visible`]); otherwise the
    /// post with the reader's filters and exclusive lists applied (a placement a hide
    /// filter or an exclusive list rules out is dropped; a warn filter folds it). The
    /// same `Arc` comes back when nothing changes, which is the common case.
    pub fn live_for(
        &self,
        viewer: Id,
        new: &std::sync::Arc<crate::camp::NewPost>,
    ) -> Option<std::sync::Arc<crate::camp::NewPost>> {
        if !self.live_visible(viewer, new) {
            return None;
        }
        let filters = self.filter_set(viewer).unwrap_or_default();
        // Only the account that brought the post is looked up: every session runs this
        // for every post, so it must not walk every member of every list.
        let excluded = new.in_home_of(viewer)
            && self
                .in_exclusive_list(viewer, new.brought_by())
                .unwrap_or_default();
        place_live(viewer, new, &filters, excluded)
    }

    /// Applies `viewer`'s filters (notifications context) to a notification: `None`
    /// when a hide filter drops it, else with its post folded by a warn filter.
    pub(crate) fn filter_notification(
        &self,
        filters: &FilterSet,
        mut view: crate::camp::NotificationView,
    ) -> Option<crate::camp::NotificationView> {
        if let Some(post) = view.post.take() {
            view.post = Some(filters.apply(post, FilterContext::Notifications)?);
        }
        Some(view)
    }

    /// A live notification as `viewer`'s screen shows it: `None` when a hide filter
    /// drops it (as [`Camp::notification_views`] does on reload).
    pub fn live_notification(
        &self,
        viewer: Id,
        n: crate::model::Notification,
    ) -> Result<Option<crate::camp::NotificationView>> {
        let view = self.notification_view(viewer, n)?;
        let filters = self.filter_set(viewer)?;
        Ok(self.filter_notification(&filters, view))
    }
}

pub mod live_edit;

#[cfg(test)]
mod tests;
