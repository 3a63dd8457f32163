//! How each moderation list draws its items: a few lines per item, truncated to the
//! width, with a selection gutter for the list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::camp::{AccountDetail, AccountView, AuditView, InviteView, ReportView};
use crate::model::DomainBlock;
use crate::text;
use crate::tui::theme::Theme;

pub(super) fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let mut left = width;
    let mut out = Vec::new();
    for s in spans {
        if left == 0 {
            break;
        }
        let t = text::truncate(&s.content, left);
        left = left.saturating_sub(text::width(&t));
        out.push(Span::styled(t, s.style));
    }
    Line::from(out)
}

/// Draws items (each a few lines) with a selection gutter, keeping the selection in view.
pub(super) fn render_list(
    frame: &mut Frame,
    area: Rect,
    items: &[Vec<Line<'static>>],
    selected: usize,
    top: &mut usize,
    theme: &Theme,
) {
    let rows = area.height as usize;
    let selected = selected.min(items.len().saturating_sub(1));
    if selected < *top {
        *top = selected;
    }
    while *top < selected
        && items[*top..=selected]
            .iter()
            .map(|i| i.len() + 1)
            .sum::<usize>()
            > rows
    {
        *top += 1;
    }
    let mut out = Vec::with_capacity(rows);
    for (i, item) in items.iter().enumerate().skip(*top) {
        if out.len() >= rows {
            break;
        }
        let gutter = if i == selected {
            Span::styled("▌ ", theme.accent)
        } else {
            Span::raw("  ")
        };
        for l in item {
            let mut spans = vec![gutter.clone()];
            spans.extend(l.spans.iter().cloned());
            out.push(Line::from(spans));
        }
        out.push(Line::raw(""));
    }
    out.truncate(rows);
    frame.render_widget(Paragraph::new(out), area);
}

pub(super) fn wrapped(
    s: &str,
    width: usize,
    max: usize,
    style: ratatui::style::Style,
) -> Vec<Line<'static>> {
    text::wrap(s, width.max(1))
        .into_iter()
        .take(max)
        .map(|l| Line::styled(l, style))
        .collect()
}

pub(super) fn report_lines(
    v: &ReportView,
    width: usize,
    now: u64,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let r = &v.report;
    let what = match r.post {
        Some(_) => format!("post by @{}", v.account.username),
        None => format!("account @{}", v.account.username),
    };
    let mut head = format!(
        "{what} · reported by @{} · {}",
        v.reporter.username,
        text::relative_time(now, r.created_ms)
    );
    if let Some(m) = &v.assigned_to {
        head.push_str(&format!(" · with @{}", m.username));
    }
    let mut out = vec![Line::styled(text::truncate(&head, width), theme.name)];
    out.extend(wrapped(
        &format!("Reason: {}", r.reason),
        width,
        2,
        theme.warn,
    ));
    if let Some(p) = &v.parent_text {
        out.extend(wrapped(&format!("↳ in reply to: {p}"), width, 1, theme.dim));
    }
    if let Some(p) = &v.post_text {
        out.extend(wrapped(p, width, 3, ratatui::style::Style::default()));
    } else if r.post.is_some() {
        out.push(Line::styled("(the post is gone)", theme.dim));
    }
    out
}

pub(super) fn account_lines(v: &AccountView, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let a = &v.account;
    let mut flags = vec![a.role.as_str().to_string()];
    for (on, f) in [
        (a.suspended, "suspended"),
        (a.silenced, "silenced"),
        (a.sensitive, "sensitive"),
    ] {
        if on {
            flags.push(f.into());
        }
    }
    let head = format!("@{} · {}", a.username, flags.join(" · "));
    let style = if a.suspended { theme.error } else { theme.name };
    let trail = if v.vouch_trail.is_empty() {
        "the host".to_string()
    } else {
        v.vouch_trail
            .iter()
            .map(|n| format!("@{n}"))
            .collect::<Vec<_>>()
            .join(" ← ")
    };
    let mut second = format!("invited by {trail} · joined {}", text::date(a.created_ms));
    if let Some(n) = &v.invite_note {
        second.push_str(&format!(" · “{n}”"));
    }
    vec![
        Line::styled(text::truncate(&head, width), style),
        Line::styled(text::truncate(&second, width), theme.dim),
    ]
}

pub(super) fn detail_lines(
    d: &AccountDetail,
    width: usize,
    now: u64,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = account_lines(&d.view, width, theme);
    let a = &d.view.account;
    out.push(Line::raw(text::truncate(
        &format!(
            "invite {} · {} key(s) · {} open report(s) · code of conduct v{}",
            if a.invite_code.is_empty() {
                "?"
            } else {
                &a.invite_code
            },
            d.keys,
            d.open_reports,
            a.coc_version
        ),
        width,
    )));
    out.push(Line::raw(""));
    if d.recent.is_empty() {
        out.push(Line::styled("No posts for the camp yet.", theme.dim));
    } else {
        out.push(Line::styled("Recent posts for the camp:", theme.accent));
        for p in &d.recent {
            out.push(Line::styled(
                text::truncate(
                    &format!(
                        "{} · {}",
                        text::relative_time(now, p.created_ms),
                        p.visibility.as_str()
                    ),
                    width,
                ),
                theme.dim,
            ));
            let body = match &p.cw {
                Some(cw) => format!("[CW: {cw}] {}", p.text),
                None => p.text.clone(),
            };
            out.extend(wrapped(&body, width, 2, ratatui::style::Style::default()));
        }
    }
    out
}

pub(super) fn invite_lines(
    v: &InviteView,
    width: usize,
    now: u64,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let i = &v.invite;
    let state = if i.revoked {
        "revoked".to_string()
    } else if i.expires_ms.is_some_and(|t| t <= now) {
        "expired".to_string()
    } else {
        format!("{} of {} uses left", i.uses_left(), i.max_uses)
    };
    let head = format!("{} · {} · {state}", i.code, i.role.as_str());
    let mut second = match &v.created_by {
        Some(n) => format!("by @{n}"),
        None => "by the host".to_string(),
    };
    if !i.note.is_empty() {
        second.push_str(&format!(" · “{}”", i.note));
    }
    let mut out = vec![
        Line::styled(text::truncate(&head, width), theme.name),
        Line::styled(text::truncate(&second, width), theme.dim),
    ];
    if !v.used_by.is_empty() {
        let names: Vec<String> = v.used_by.iter().map(|n| format!("@{n}")).collect();
        out.push(Line::raw(text::truncate(
            &format!("joined: {}", names.join(", ")),
            width,
        )));
    }
    let usable = !i.revoked && i.uses_left() > 0 && i.expires_ms.is_none_or(|t| t > now);
    if let Some(link) = v.link.as_ref().filter(|_| usable) {
        out.push(Line::raw(text::truncate(&format!("link: {link}"), width)));
    }
    out
}

pub(super) fn domain_lines(b: &DomainBlock, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut head = format!("{} · {}", b.domain, b.severity.as_str());
    if b.reject_media {
        head.push_str(" · reject media");
    }
    if b.reject_reports {
        head.push_str(" · reject reports");
    }
    let mut out = vec![Line::styled(text::truncate(&head, width), theme.name)];
    let mut second = Vec::new();
    if !b.public_comment.is_empty() {
        second.push(b.public_comment.clone());
    }
    if let Some(s) = &b.source {
        second.push(format!("from {s}"));
    }
    if !second.is_empty() {
        out.push(Line::styled(
            text::truncate(&second.join(" · "), width),
            theme.dim,
        ));
    }
    out
}

pub(super) fn audit_lines(
    v: &AuditView,
    width: usize,
    now: u64,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let e = &v.entry;
    let head = format!(
        "{} {} {} · {}",
        v.actor,
        e.action,
        e.target,
        text::relative_time(now, e.created_ms)
    );
    let mut out = vec![Line::styled(text::truncate(&head, width), theme.name)];
    if !e.reason.is_empty() {
        out.extend(wrapped(&e.reason, width, 2, theme.dim));
    }
    out
}
