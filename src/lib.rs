//! camp: a small, private social network that people reach with `ssh camp.example`.
//!
//! # Layout
//! - [`model`]: domain records, data only.
//! - [`store`]: the only code that touches sled (typed trees, codec, ids).
//! - [`camp`]: the service, the only writer; checks who asks; publishes events.
//! - [`ssh`]: the russh front door: accept loop with limits, auth, per-channel sessions.
//! - [`tui`]: the per-session terminal app (input decoding, model/update, screens).
//! - [`commands`]: the exec command mode (`ssh camp <verb>`), text or JSON.
//! - [`web`]: the web door (HTTP, `--http`): landing page, invite links, and the
//!   routes of the other HTTP faces (the bridge with `--federate`).
//! - [`federation`]: the ActivityPub bridge, on with `--federate`.
//! - [`webterm`]: the browser terminal (`/terminal`): a WebSocket into the same session loop as SSH.
//! - [`text`]: sanitising, display width and wrapping for every text shown.
//! - [`config`], [`cli`], [`server`]: settings, the command line, and start-up/shutdown.
//!
//! Knowledge flows one way: `tui`, `commands`, `ssh`, `web`, `federation` → `camp` → `store` → `model`.

#![warn(missing_docs)]

pub mod camp;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod federation;
pub mod model;
pub mod server;
pub mod ssh;
pub mod store;
pub mod text;
pub mod tui;
pub mod web;
pub mod webterm;

pub use camp::Camp;
pub use error::{Error, Result};
