//! camp: a small, private social network that people reach with `ssh camp.example`.
//!
//! # Layout
//! - [`model`]: domain records, data only (remote actors, follows across servers and
//!   domain policy too: several layers use them).
//! - [`store`]: the only code that touches sled (typed trees, codec, ids).
//! - [`camp`]: the service, the only writer; checks who asks; publishes events.
//! - [`ssh`]: the russh front door: accept loop with limits, auth, per-channel sessions.
//! - [`tui`]: the per-session terminal app (input decoding, model/update, screens).
//! - [`commands`]: the exec command mode (`ssh camp <verb>`), text or JSON.
//! - [`plain`]: the screen-reader line mode (`ssh -t camp plain`): numbered plain lines.
//! - [`web`]: the web door (HTTP, `--http`): landing page, invite links, and the
//!   routes of the other HTTP faces (the bridge with `--federate`, `/metrics`).
//! - [`federation`]: the ActivityPub bridge, on with `--federate`.
//! - [`metrics`]: the health figures for `status` and `/metrics`.
//! - [`webterm`]: the browser terminal (`/terminal`): a WebSocket into the same session loop as SSH.
//! - [`text`]: sanitising, display width and wrapping for every text shown.
//! - [`clock`]: the wall clock every layer asks.
//! - [`config`], [`cli`], [`server`]: settings, the command line, and start-up/shutdown.
//!
//! Knowledge flows one way: `tui`, `plain`, `commands`, `ssh`, `web`, `federation` → `camp` →
//! `store` → `model`. camp never names the bridge: where a camper needs another server (follow
//! `@user@host`, answer a request from outside), camp, the TUI and exec ask camp's port
//! [`camp::Outside`], which the bridge implements and [`server`] connects at start;
//! without it, federation is off and they say so. The bridge changes camp's data only
//! through `Camp` methods and writes only its own trees (delivery queue, seen
//! activities, key cache). What must leave (a post, its edit or delete, a like, a
//! follow, a suspension's `Delete`, a forwarded report) camp writes to its outbox in
//! the same sled transaction as the change; the bridge drains it into its queue.

#![warn(missing_docs)]

pub mod allocator;
pub mod camp;
pub mod cli;
mod cli_backup;
pub mod clock;
pub mod commands;
pub mod config;
pub mod error;
pub mod federation;
pub mod metrics;
pub mod model;
pub mod plain;
pub mod server;
pub mod ssh;
pub mod store;
pub mod text;
pub mod tui;
pub mod web;
pub mod webterm;

pub use camp::Camp;
pub use error::{Error, Result};
