//! The one way screens draw a selectable list of multi-line items (posts, notifications,
//! search rows): a selection bar in the gutter, and the selected item kept in view.

use ratatui::text::{Line, Span};

use crate::tui::theme::Theme;

/// Moves `top` down until the items from `top` through `selected` fit in `rows`
/// (`height(i)` is how many lines item `i` takes, its spacing included).
pub fn scroll_to_fit(
    top: &mut usize,
    selected: usize,
    rows: usize,
    height: impl Fn(usize) -> usize,
) {
    if selected < *top {
        *top = selected;
    }
    while *top < selected && (*top..=selected).map(&height).sum::<usize>() > rows {
        *top += 1;
    }
}

/// Appends items `top..count` to `out` until it holds `rows` lines: each line gets the
/// gutter (a bar when `selected` is that item), and `gap` adds a blank line after each.
#[allow(clippy::too_many_arguments)]
pub fn push_items(
    out: &mut Vec<Line<'static>>,
    top: usize,
    count: usize,
    selected: Option<usize>,
    rows: usize,
    gap: bool,
    theme: &Theme,
    lines: impl Fn(usize) -> Vec<Line<'static>>,
) {
    for i in top..count {
        if out.len() >= rows {
            break;
        }
        let gutter = if Some(i) == selected {
            Span::styled("▌ ", theme.accent)
        } else {
            Span::raw("  ")
        };
        for l in lines(i) {
            let mut spans = vec![gutter.clone()];
            spans.extend(l.spans);
            out.push(Line::from(spans));
        }
        if gap {
            out.push(Line::raw(""));
        }
    }
    out.truncate(rows);
}

/// What an empty list says: the error in red, or a dim message.
pub fn placeholder(error: Option<&str>, message: &str, theme: &Theme) -> Line<'static> {
    match error {
        Some(e) => Line::styled(e.to_string(), theme.error),
        None => Line::styled(format!("  {message}"), theme.dim),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_stays_in_view() {
        let mut top = 0;
        scroll_to_fit(&mut top, 5, 10, |_| 3);
        assert_eq!(top, 3, "items 3, 4 and 5 take 9 of 10 rows");
        scroll_to_fit(&mut top, 1, 10, |_| 3);
        assert_eq!(top, 1);
        let mut top = 0;
        scroll_to_fit(&mut top, 2, 4, |_| 10);
        assert_eq!(top, 2, "a tall item starts at the top");
    }

    #[test]
    fn items_get_a_gutter_and_stop_at_the_bottom() {
        let mut out = Vec::new();
        let theme = Theme::default();
        push_items(&mut out, 1, 5, Some(2), 5, true, &theme, |i| {
            vec![Line::raw(format!("item {i}"))]
        });
        let text: Vec<String> = out.iter().map(|l| l.to_string()).collect();
        assert_eq!(text, vec!["  item 1", "", "▌ item 2", "", "  item 3"]);
    }
}
