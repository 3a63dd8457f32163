//! The service: the `Camp` handle and every domain operation. It validates, checks who
//! asks, commits to the store, flushes, then publishes a [`CampEvent`]. It is the only
//! writer, and it knows nothing of screens, SSH or HTTP.

pub(crate) mod audience;
mod backup;
pub use backup::run_schedule as run_backup_schedule;
pub(crate) mod backfill;
pub(crate) mod blocklist_files;
mod counts;
mod devices;
pub(crate) mod domains;
mod events;
pub mod filters;
pub(crate) mod floods;
mod follow_state;
#[cfg(test)]
mod growth_tests;
pub mod leaving;
mod line_mode;
mod links;
pub mod member_lists;
mod moderation;
pub mod notification_groups;
mod notifications;
mod onboarding;
mod outbox;
pub mod outside;
#[cfg(test)]
mod outside_tests;
mod people;
pub mod polls;
mod posting;
mod prefs;
pub mod presence;
pub mod preview;
#[cfg(test)]
mod privacy_tests;
pub mod relevance;
mod remote;
mod remote_recipients;
mod remote_records;
mod remote_reports;
mod reports;
pub(crate) mod rules;
mod social;
#[cfg(test)]
pub(crate) mod testing;

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::Store;

pub use audience::{Handle, mentioned_handles};
pub use backfill::BackfillPost;
pub use devices::{browser_key_algorithm, is_browser_key};
pub use domains::{
    DomainBlockOptions, ImportSummary, ParsedBlocklist, normalize_domain, parse_blocklist,
};
pub use events::{CampEvent, NewPost};
pub use floods::RateWindow;
pub use leaving::account::Departure;
pub use leaving::export::{FOLLOWING_HEADER, MUTED_HEADER};
pub use leaving::import::{ImportKind, ImportLine, LineVerdict};
pub use leaving::status::{CampFigures, SessionGuard};
pub use moderation::{
    AccountAction, AccountDetail, AccountView, AuditView, InviteView, clean_reason,
};
pub use notification_groups::NotificationGroup;
pub use notifications::{NotificationView, UNREAD_CAP, describe_notification};
pub use onboarding::{InviteOptions, KeyInfo, generate_code, parse_duration, validate_username};
pub use outside::{
    FEDERATION_OFF, OpenCircuit, Outside, RemoteHandle, federable, parse_remote_handle,
};
pub use people::{Profile, SearchResults};
pub use polls::{IncomingPoll, PollDraft, PollOption, PollView};
pub use posting::{Author, PostDraft, PostView, TimelineKind, mentioned_names};
pub use presence::{PresenceGuard, PresenceSlot, Present};
pub use remote::{IncomingNote, RemoteAudience};
pub use remote_recipients::MAX_REMOTE_RECIPIENTS;
pub use remote_reports::IncomingReport;
pub use reports::{ReportTarget, ReportView};
pub use social::{Conversation, Mine, Reaction, Thread, hashtags};

/// How many events a slow session may fall behind before it reloads.
const EVENT_BACKLOG: usize = 1024;

/// The shared handle to one camp: cheap to clone, used by every front end.
#[derive(Clone)]
pub struct Camp {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: Config,
    events: broadcast::Sender<CampEvent>,
    floods: floods::Floods,
    /// The outside world (the federation bridge), when `--http` is on (set once at
    /// start).
    outside: std::sync::OnceLock<Arc<dyn outside::Outside>>,
    /// Uptime and open sessions, for `status`.
    gauges: leaving::status::Gauges,
    /// Rung when an outgoing intent is committed; the bridge's drain waits on it.
    outbox_wake: tokio::sync::Notify,
    /// Who is connected now (in memory only; see `presence`).
    presence: presence::Registry,
    /// Image previews made so far ([`preview`]).
    previews: preview::Previews,
}

/// What the welcome screen shows before anyone has an account.
#[derive(Debug, Clone)]
pub struct CampInfo {
    /// The camp's name.
    pub name: String,
    /// What the camp is about.
    pub description: String,
    /// Longest post in characters.
    pub max_post_chars: usize,
    /// How people reach the camp over SSH (for hints).
    pub ssh_hint: String,
}

impl Camp {
    /// Opens the camp's database as configured.
    pub fn open(config: Config) -> Result<Camp> {
        let store = Store::open(&config.data_dir)?;
        Ok(Self::with_store(store, config))
    }

    /// A camp over an existing store (tests and benchmarks use a temporary one).
    pub fn with_store(store: Store, config: Config) -> Camp {
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        let floods =
            floods::Floods::new(config.camp.posts_per_minute, config.camp.actions_per_minute);
        Camp {
            inner: Arc::new(Inner {
                store,
                config,
                events,
                floods,
                outside: std::sync::OnceLock::new(),
                gauges: Default::default(),
                outbox_wake: tokio::sync::Notify::new(),
                presence: Default::default(),
                previews: Default::default(),
            }),
        }
    }

    /// A camp in a throw-away database with default settings, except that the post
    /// and action rate limits are off: tests and benchmarks act far faster than people.
    pub fn temporary() -> Result<Camp> {
        let mut config = Config::with_dirs("unused", "unused");
        config.camp.posts_per_minute = 0;
        config.camp.actions_per_minute = 0;
        Ok(Self::with_store(Store::temporary()?, config))
    }

    /// The configuration this camp runs with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    fn gauges(&self) -> &leaving::status::Gauges {
        &self.inner.gauges
    }

    /// Live events for a session.
    pub fn subscribe(&self) -> broadcast::Receiver<CampEvent> {
        self.inner.events.subscribe()
    }

    fn publish(&self, event: CampEvent) {
        // No receivers is normal (no one connected).
        let _ = self.inner.events.send(event);
    }

    /// Name, description and limits for screens and help.
    pub fn info(&self) -> CampInfo {
        let c = &self.inner.config;
        CampInfo {
            name: c.camp.name.clone(),
            description: c.camp.description.clone(),
            max_post_chars: c.camp.max_post_chars,
            ssh_hint: c.ssh_hint(),
        }
    }

    /// Makes everything durable (at shutdown).
    pub async fn flush(&self) -> Result<()> {
        self.inner.store.flush_async().await
    }

    /// The account `id`, refusing suspended ones and ones that have not accepted the
    /// code of conduct in force: every action starts here, so a suspension or a new
    /// code of conduct takes effect on the very next request.
    pub fn actor(&self, id: Id) -> Result<Account> {
        let account = self
            .store()
            .account(id)?
            .ok_or_else(|| Error::not_found("that account no longer exists"))?;
        if account.suspended {
            return Err(Error::Suspended {
                contact: self.contact_suffix(),
            });
        }
        if self.coc_outdated(&account)? {
            return Err(Error::CocChanged);
        }
        Ok(account)
    }

    fn contact_suffix(&self) -> String {
        let contact = &self.inner.config.camp.contact;
        if contact.is_empty() {
            String::new()
        } else {
            format!("; contact {contact}")
        }
    }

    /// The account with this id, if any (no permission needed: names are public inside).
    pub fn account(&self, id: Id) -> Result<Option<Account>> {
        self.store().account(id)
    }

    /// The account with this username, if any.
    pub fn account_by_name(&self, name: &str) -> Result<Option<Account>> {
        self.store().account_by_name(name.trim_start_matches('@'))
    }
}
