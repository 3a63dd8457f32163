//! Polls in the terminal app: a post's poll drawn under its text (numbered choices,
//! bars and counts once results are shown), and voting with `v` then a number (in a
//! multiple-choice poll: numbers toggle choices, Enter sends). What may be voted on is
//! the service's decision; this only asks.

use ratatui::text::{Line, Span};

use crate::camp::{PollView, PostView};
use crate::model::Id;
use crate::text;
use crate::tui::input::{Input, Key};
use crate::tui::theme::Theme;
use crate::tui::{Effect, Model};

/// The vote key, for `?` help.
pub const HELP: (&str, &str) = ("v 1-4", "vote in a poll");

/// A vote being chosen: the post and the choices picked so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    /// The poll's post.
    pub post: Id,
    /// How many choices it has.
    pub options: usize,
    /// Whether several may be picked.
    pub multiple: bool,
    /// Picked so far (numbered from 1), for a multiple-choice poll.
    pub picked: Vec<usize>,
}

/// `v` on a post: starts a ballot when the reader may vote, or says why not.
pub fn start(model: &mut Model, post: &PostView) -> Vec<Effect> {
    let Some(p) = &post.poll else {
        model.flash("this post has no poll", true);
        return vec![];
    };
    let mine = model.me.as_ref().is_some_and(|m| m.id == post.post.author);
    let why_not = if mine {
        Some("you cannot vote in your own poll")
    } else if p.closed || model.now_ms >= p.expires_ms {
        Some("this poll has ended")
    } else if p.voted {
        Some("you have already voted in this poll")
    } else {
        None
    };
    if let Some(why) = why_not {
        model.flash(why, true);
        return vec![];
    }
    let n = p.options.len();
    model.vote = Some(Ballot {
        post: post.post.id,
        options: n,
        multiple: p.multiple,
        picked: Vec::new(),
    });
    let ask = if p.multiple {
        format!("Vote: numbers 1-{n} pick, Enter sends, Esc cancels")
    } else {
        format!("Vote: press 1-{n}, Esc cancels")
    };
    model.flash(ask, false);
    vec![]
}

/// A key while a ballot is open.
pub fn on_input(model: &mut Model, input: Input) -> Vec<Effect> {
    let Some(mut ballot) = model.vote.take() else {
        return vec![];
    };
    let Input::Key(k) = input else {
        model.vote = Some(ballot);
        return vec![];
    };
    let digit = match k.key {
        Key::Char(c) => c.to_digit(10).map(|d| d as usize),
        _ => None,
    };
    match (k.key, digit) {
        (_, Some(d)) if (1..=ballot.options).contains(&d) => {
            if !ballot.multiple {
                model.flash("Voting…", false);
                return vec![Effect::Vote {
                    post: ballot.post,
                    choices: vec![d],
                }];
            }
            if let Some(i) = ballot.picked.iter().position(|&p| p == d) {
                ballot.picked.remove(i);
            } else {
                ballot.picked.push(d);
                ballot.picked.sort_unstable();
            }
            let list: Vec<String> = ballot.picked.iter().map(usize::to_string).collect();
            model.flash(
                format!("Picked: {} · Enter sends, Esc cancels", list.join(", ")),
                false,
            );
            model.vote = Some(ballot);
            vec![]
        }
        (_, Some(_)) => {
            model.flash(
                format!("choose 1 to {} (Esc cancels)", ballot.options),
                true,
            );
            model.vote = Some(ballot);
            vec![]
        }
        (Key::Enter, _) if ballot.multiple && !ballot.picked.is_empty() => {
            model.flash("Voting…", false);
            vec![Effect::Vote {
                post: ballot.post,
                choices: ballot.picked,
            }]
        }
        _ => {
            model.flash("Vote cancelled.", false);
            vec![]
        }
    }
}

/// The service answered a vote.
pub fn voted(model: &mut Model, result: Result<PostView, String>) -> Vec<Effect> {
    match result {
        Ok(view) => {
            crate::tui::actions::changed(model, &view, true);
            model.flash("Voted.", false);
        }
        Err(e) => model.flash(e, true),
    }
    vec![]
}

/// Keeps a copy's poll current: the reader's own answer replaces it; a live event
/// (which carries no reader's state) updates the counts only where this reader
/// already sees results, or once the poll has ended.
pub fn merge(old: &mut PostView, new: &PostView, mine: bool) {
    if mine {
        old.poll = new.poll.clone();
        return;
    }
    let (Some(o), Some(n)) = (old.poll.as_mut(), new.poll.as_ref()) else {
        return;
    };
    if n.results_shown() && (o.results_shown() || n.closed) {
        o.options = n.options.clone();
        o.voters = n.voters;
    }
    if n.closed {
        o.closed = true;
        o.can_vote = false;
    }
}

/// Width of a bar at most.
const BAR: usize = 16;

/// The lines of a poll at `width`: each choice numbered as `vote` takes it, with a
/// bar, its count and share once results are shown; then one status line.
pub fn lines(p: &PollView, width: usize, now: u64, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let total: u64 = p.options.iter().filter_map(|o| o.votes).sum();
    // Bars line up after the longest title (or where the screen cuts titles).
    let longest = p
        .options
        .iter()
        .map(|o| text::width(&o.title))
        .max()
        .unwrap_or(0);
    for (i, o) in p.options.iter().enumerate() {
        let mark = if p.mine.contains(&i) { "✓" } else { " " };
        let num = format!("{mark}{} ", i + 1);
        let style = if p.mine.contains(&i) {
            theme.accent
        } else {
            theme.dim
        };
        match o.votes {
            Some(n) => {
                let pct = (n * 100).checked_div(total).unwrap_or(0) as usize;
                let tail = format!(" {pct:>3}% {n}");
                // Narrow screens drop the bar before the title.
                let bar_w =
                    BAR.min(width.saturating_sub(text::width(&num) + text::width(&tail) + 8) / 2);
                let title_w = width
                    .saturating_sub(text::width(&num) + bar_w + text::width(&tail) + 1)
                    .min(longest);
                let filled = (pct * bar_w).div_ceil(100).min(bar_w);
                let mut spans = vec![
                    Span::styled(num, style),
                    Span::raw(text::fit(&o.title, title_w)),
                    Span::raw(" "),
                ];
                if bar_w > 0 {
                    spans.push(Span::styled("█".repeat(filled), theme.accent));
                    spans.push(Span::styled("░".repeat(bar_w - filled), theme.dim));
                }
                spans.push(Span::styled(tail, theme.dim));
                out.push(Line::from(spans));
            }
            None => {
                let title_w = width.saturating_sub(text::width(&num));
                out.push(Line::from(vec![
                    Span::styled(num, style),
                    Span::raw(text::truncate(&o.title, title_w)),
                ]));
            }
        }
    }
    let mut status = crate::camp::polls::status_line(p, now);
    if p.can_vote && now < p.expires_ms {
        status.push_str(" · v votes");
    }
    out.push(Line::styled(text::truncate(&status, width), theme.dim));
    out
}
