//! Integration tests: a real camp (in this process, or the `camp` binary as a child)
//! spoken to over SSH by a russh client and by the `ssh` binary, asserting what a
//! person would see: command output, exit statuses, and screens played into vt100.

mod browser;
mod exec;
mod federation;
mod fedkit;
mod fedsec;
mod frontdoor;
mod growth;
mod inbound;
mod jsonld;
mod moderation;
mod node_peer;
mod privacy;
mod process;
mod remote_actor;
mod social;
mod support;
mod tui;
mod web_browser;
mod web_pages;
mod web_switches;
mod webterm;
mod webterm_browser;
