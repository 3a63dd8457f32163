//! Domain records: plain data, no I/O. The store persists them with bincode behind a
//! format-version byte; the service is the only code that creates or changes them.

use serde::{Deserialize, Serialize};

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
