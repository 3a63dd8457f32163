//! Integration tests: a real camp (in this process, or the `camp` binary as a child)
//! spoken to over SSH by a russh client and by the `ssh` binary, asserting what a
//! person would see: command output, exit statuses, and screens played into vt100.

mod backup;
mod browser;
mod exec;
mod exec_follow_waits;
mod federation;
mod fedfilters;
mod fedkit;
mod fedpeople;
mod fedpoll_served;
mod fedpoll_votes;
mod fedproof;
mod fedreach;
mod fedsec;
mod filters_lists;
mod flags;
mod frontdoor;
mod growth;
mod images;
mod inbound;
mod invite_creator;
mod jsonld;
mod leaving;
mod links;
mod moderation;
mod node_peer;
mod notify;
mod outbox;
mod plain;
mod polls;
mod privacy;
mod process;
mod remote_actor;
mod small_things;
mod social;
mod support;
mod tui;
mod tui_polls;
mod upgrade;
mod web_browser;
mod web_pages;
mod web_switches;
mod webconn;
mod webterm;
mod webterm_browser;
