//! Integration tests: a real camp (in this process, or the `camp` binary as a child)
//! spoken to over SSH by a russh client and by the `ssh` binary, asserting what a
//! person would see: command output, exit statuses, and screens played into vt100.

mod exec;
mod federation;
mod frontdoor;
mod moderation;
mod process;
mod social;
mod support;
mod tui;
