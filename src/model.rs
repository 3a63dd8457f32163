//! Domain records: plain data, no I/O. The store persists them with bincode behind a
//! format-version byte; the service is the only code that creates or changes them.

use serde::{Deserialize, Serialize};

mod media;
mod remote;
pub use media::{MediaAttachment, PostMedia};
pub use remote::{DomainPolicy, FollowState, RemoteActor, RemoteFollow};

/// Time-ordered identifier: milliseconds since the epoch << 16 | a per-millisecond sequence.
pub type Id = u64;

/// Milliseconds since the Unix epoch, the unit of every timestamp in camp.
pub type Millis = u64;

/// The milliseconds part of an [`Id`], i.e. when it was made.
pub fn id_millis(id: Id) -> Millis {
    id >> 16
}

/// What a member may do in the camp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, PartialOrd, Ord)]
pub enum Role {
    /// An ordinary member.
    #[default]
    Camper,
    /// Acts on reports and accounts.
    Moderator,
    /// Sets the rules: invites, roles, code of conduct, domains.
    Admin,
}

impl Role {
    /// The lower-case name used in commands and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Camper => "camper",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// Parses the lower-case name used in commands.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "camper" => Some(Role::Camper),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// True for moderators and admins.
    pub fn can_moderate(self) -> bool {
        self >= Role::Moderator
    }
}

/// A member of the camp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Stable identifier.
    pub id: Id,
    /// Unique, lower-case `a-z 0-9 _`, 1–30 characters.
    pub username: String,
    /// Free-form name shown beside the username (may be empty).
    pub display_name: String,
    /// A short self-description.
    pub bio: String,
    /// What the member may do.
    pub role: Role,
    /// When the account was created.
    pub created_ms: Millis,
    /// Who made the invite this account joined with (the vouch trail).
    pub invited_by: Option<Id>,
    /// The invite code used to join.
    pub invite_code: String,
    /// Version of the code of conduct the member last accepted.
    pub coc_version: u32,
    /// Refused at the door; posts hidden.
    pub suspended: bool,
    /// Posts kept out of the camp timeline.
    pub silenced: bool,
    /// Posts get a forced content warning.
    pub sensitive: bool,
}

impl Account {
    /// True for the local stand-in of an account on another server (federation):
    /// its username is `user@host`, which no camper's name can be.
    pub fn is_remote(&self) -> bool {
        self.username.contains('@')
    }
}

/// An SSH public key that logs in as an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountKey {
    /// `SHA256:...` fingerprint, the lookup key.
    pub fingerprint: String,
    /// The account this key logs in as.
    pub account: Id,
    /// Key algorithm, e.g. `ssh-ed25519`.
    pub algorithm: String,
    /// The public key in OpenSSH format (without comment).
    pub openssh: String,
    /// A label for the person (from the client, or "added at join").
    pub comment: String,
    /// When the key was added.
    pub added_ms: Millis,
}

/// Who may see a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
pub enum Visibility {
    /// Local-only: every camper, never outside the server.
    #[default]
    Camp,
    /// The author's followers (and the author).
    Followers,
    /// Everyone, including the federated world.
    Public,
    /// Only the mentioned accounts and the author.
    Direct,
}

impl Visibility {
    /// The lower-case name used in commands and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Camp => "camp",
            Visibility::Followers => "followers",
            Visibility::Public => "public",
            Visibility::Direct => "direct",
        }
    }

    /// The visibility a reply to a post of this visibility gets when its author names
    /// none: the parent's own, except that a reply to a public post stays in the camp.
    /// Nothing leaves the server unless its author chose so for that very post.
    pub fn reply_default(self) -> Visibility {
        match self {
            Visibility::Public => Visibility::Camp,
            other => other,
        }
    }

    /// Parses the lower-case name used in commands.
    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "camp" => Some(Visibility::Camp),
            "followers" => Some(Visibility::Followers),
            "public" => Some(Visibility::Public),
            "direct" => Some(Visibility::Direct),
            _ => None,
        }
    }

    /// The next choice in the composer's picker.
    pub fn next(self) -> Visibility {
        match self {
            Visibility::Camp => Visibility::Followers,
            Visibility::Followers => Visibility::Public,
            Visibility::Public => Visibility::Direct,
            Visibility::Direct => Visibility::Camp,
        }
    }

    /// True when the post appears on the shared camp timeline.
    pub fn on_camp_timeline(self) -> bool {
        matches!(self, Visibility::Camp | Visibility::Public)
    }
}

/// A post (status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// Stable, time-ordered identifier.
    pub id: Id,
    /// The author's account.
    pub author: Id,
    /// Sanitized body text.
    pub text: String,
    /// Content warning shown instead of the body until expanded.
    pub cw: Option<String>,
    /// Who may see it.
    pub visibility: Visibility,
    /// The post this one answers.
    pub reply_to: Option<Id>,
    /// Accounts mentioned with `@name`.
    pub mentions: Vec<Id>,
    /// When it was written.
    pub created_ms: Millis,
    /// When it was last edited.
    pub edited_ms: Option<Millis>,
}

/// A code that lets a stranger's key join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// The code people type.
    pub code: String,
    /// Who made it (None for the bootstrap admin invite).
    pub created_by: Option<Id>,
    /// Role granted to whoever joins with it.
    pub role: Role,
    /// Total uses allowed.
    pub max_uses: u32,
    /// Accounts that joined with it, in order.
    pub used_by: Vec<Id>,
    /// When it stops working.
    pub expires_ms: Option<Millis>,
    /// When it was made.
    pub created_ms: Millis,
    /// The admin's note about who it is for.
    pub note: String,
    /// Withdrawn by an admin.
    pub revoked: bool,
}

impl Invite {
    /// How many more accounts may join with it.
    pub fn uses_left(&self) -> u32 {
        self.max_uses.saturating_sub(self.used_by.len() as u32)
    }
}

/// Camp-wide settings that admins change at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeOfConduct {
    /// Increases on every change, so members re-accept.
    pub version: u32,
    /// The text campers read and accept.
    pub text: String,
    /// When it was last set.
    pub updated_ms: Millis,
}

/// Why a notification was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum NotificationKind {
    /// Someone mentioned the account in a post.
    Mention,
    /// Someone replied to the account's post.
    Reply,
    /// Someone favourited the account's post.
    Favourite,
    /// Someone boosted the account's post.
    Boost,
    /// Someone followed the account.
    Follow,
    /// Someone asked to follow the account.
    FollowRequest,
    /// A direct post reached the account.
    Direct,
    /// A report the account filed was resolved.
    ReportResolved,
    /// A moderator warned the account.
    Warning,
    /// A note from the camp's admins.
    Announcement,
    /// A camper filed a report (for moderators and admins).
    Report,
    /// A poll the account wrote or voted in has ended. Appended last: older records
    /// keep decoding.
    PollEnded,
}

impl NotificationKind {
    /// The lower-case name used in commands and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Mention => "mention",
            NotificationKind::Reply => "reply",
            NotificationKind::Favourite => "favourite",
            NotificationKind::Boost => "boost",
            NotificationKind::Follow => "follow",
            NotificationKind::FollowRequest => "follow_request",
            NotificationKind::Direct => "direct",
            NotificationKind::ReportResolved => "report_resolved",
            NotificationKind::Warning => "warning",
            NotificationKind::Announcement => "announcement",
            NotificationKind::Report => "report",
            NotificationKind::PollEnded => "poll_ended",
        }
    }
}

/// Something that happened to an account, shown on its Notifications screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Time-ordered id (newest last in the store).
    pub id: Id,
    /// Who is notified.
    pub account: Id,
    /// What happened.
    pub kind: NotificationKind,
    /// Who did it (None for the camp itself).
    pub actor: Option<Id>,
    /// The post concerned, if any.
    pub post: Option<Id>,
    /// Free text (a warning's reason, a resolution note), sanitized.
    pub text: Option<String>,
    /// When it happened.
    pub created_ms: Millis,
}

// ---- moderation records (issue 4) ----

/// What a moderator did about a report (or to an account directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum ModAction {
    /// Nothing to do.
    Dismiss,
    /// The reported post was removed.
    DeletePost,
    /// The account's posts get a forced content warning.
    Sensitive,
    /// The account's posts leave the camp timeline.
    Silence,
    /// The account is refused at the door.
    Suspend,
    /// A note the camper sees.
    Warn,
}

impl ModAction {
    /// The lower-case name used in commands and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ModAction::Dismiss => "dismiss",
            ModAction::DeletePost => "delete",
            ModAction::Sensitive => "sensitive",
            ModAction::Silence => "silence",
            ModAction::Suspend => "suspend",
            ModAction::Warn => "warn",
        }
    }

    /// Parses the lower-case name used in commands.
    pub fn parse(s: &str) -> Option<ModAction> {
        match s {
            "dismiss" => Some(ModAction::Dismiss),
            "delete" => Some(ModAction::DeletePost),
            "sensitive" => Some(ModAction::Sensitive),
            "silence" => Some(ModAction::Silence),
            "suspend" => Some(ModAction::Suspend),
            "warn" => Some(ModAction::Warn),
            _ => None,
        }
    }
}

/// How a report ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The moderator who resolved it.
    pub by: Id,
    /// What was done.
    pub action: ModAction,
    /// The moderator's note (for the audit log; shown to the reporter only if `tell_reporter`).
    pub note: String,
    /// Whether the reporter is told what was done.
    pub tell_reporter: bool,
    /// When.
    pub resolved_ms: Millis,
}

/// A camper's report about a post or an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Time-ordered id.
    pub id: Id,
    /// Who reported (never shown to the reported account).
    pub reporter: Id,
    /// The account reported (the author, for a post).
    pub account: Id,
    /// The post reported, if any.
    pub post: Option<Id>,
    /// Why, in the reporter's words (sanitized, capped).
    pub reason: String,
    /// When it was filed.
    pub created_ms: Millis,
    /// The moderator handling it.
    pub assigned_to: Option<Id>,
    /// Set once resolved.
    pub resolution: Option<Resolution>,
}

/// One line of the append-only moderation log: who did what to whom, why, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Time-ordered id (the log is kept in id order).
    pub id: Id,
    /// Who acted (None for the camp itself or the host's offline CLI).
    pub actor: Option<Id>,
    /// What was done, e.g. `suspend`, `role`, `domain-block`.
    pub action: String,
    /// What it was done to, e.g. `@bo`, `post 123`, `example.com`.
    pub target: String,
    /// Why (may be empty).
    pub reason: String,
    /// When.
    pub created_ms: Millis,
}

/// How hard an outside domain is blocked (Mastodon's severities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Severity {
    /// Their posts are kept off public timelines.
    Silence,
    /// Nothing is exchanged with them.
    #[default]
    Suspend,
}

impl Severity {
    /// The lower-case name used in commands, JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Silence => "silence",
            Severity::Suspend => "suspend",
        }
    }

    /// Parses the lower-case name (Mastodon's `noop` is not a block, so it is refused).
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "silence" => Some(Severity::Silence),
            "suspend" => Some(Severity::Suspend),
            _ => None,
        }
    }
}

/// A block on an outside server (enforced by the federation bridge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainBlock {
    /// Normalised lower-case domain; covers its subdomains.
    pub domain: String,
    /// How hard.
    pub severity: Severity,
    /// Drop their media.
    pub reject_media: bool,
    /// Ignore their reports.
    pub reject_reports: bool,
    /// Shown publicly with the block list.
    pub public_comment: String,
    /// For moderators only.
    pub private_comment: String,
    /// Show the domain partly hidden when published.
    pub obfuscate: bool,
    /// Who added it (None for imports by the CLI or a subscription).
    pub created_by: Option<Id>,
    /// The subscription it came from, if any.
    pub source: Option<String>,
    /// When.
    pub created_ms: Millis,
}

/// An admin banner shown on every screen until a camper dismisses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// Time-ordered id (a new announcement shows again to those who dismissed the old one).
    pub id: Id,
    /// The text (sanitized, one paragraph).
    pub text: String,
    /// Who posted it.
    pub by: Id,
    /// When.
    pub created_ms: Millis,
}

/// Counters kept per post so screens show them without counting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostStats {
    /// Direct replies.
    pub replies: u32,
    /// Campers who favourited it.
    pub favourites: u32,
    /// Campers who boosted it.
    pub boosts: u32,
}

/// A post's text before an edit, kept so readers can see what changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostVersion {
    /// The post it belongs to.
    pub post: Id,
    /// The body as it was.
    pub text: String,
    /// The content warning as it was.
    pub cw: Option<String>,
    /// When that text was written (creation or the previous edit).
    pub written_ms: Millis,
}

/// One camper muting another, possibly for a while only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mute {
    /// When the mute ends (None: until undone).
    pub until_ms: Option<Millis>,
}

/// A boost as it appears on a home timeline: who boosted which post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoostEntry {
    /// Who boosted.
    pub booster: Id,
    /// The post boosted.
    pub post: Id,
}

/// A one-time code that adds a new device's key to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCode {
    /// The code typed on the new device.
    pub code: String,
    /// The account the key joins.
    pub account: Id,
    /// When it stops working.
    pub expires_ms: Millis,
}

/// How one camper likes their screens; kept across sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Show posts behind content warnings without pressing `x`.
    pub expand_cw: bool,
    /// Theme name (one of the bundled themes).
    pub theme: String,
    /// Ring the terminal bell for the kinds in `alert_kinds`.
    pub bell: bool,
    /// Send desktop notifications (OSC 9 and OSC 777) for the kinds in `alert_kinds`.
    pub desktop: bool,
    /// Which notifications ring or pop up.
    pub alert_kinds: Vec<NotificationKind>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            expand_cw: false,
            theme: "default".into(),
            bell: false,
            desktop: false,
            alert_kinds: vec![
                NotificationKind::Mention,
                NotificationKind::Reply,
                NotificationKind::Direct,
            ],
        }
    }
}
