//! Remote HTML (a Note's `content`) to plain text for a terminal: tags dropped,
//! paragraphs and line breaks kept as newlines, links kept as their text, entities
//! decoded, then [`crate::text::sanitize`]d so no escape sequence reaches a screen.

/// Longest text kept from one remote post, in bytes of input considered.
pub const MAX_HTML_BYTES: usize = 64 * 1024;

/// Converts remote HTML to sanitized plain text.
pub fn to_text(html: &str) -> String {
    let html = match html.char_indices().nth(MAX_HTML_BYTES) {
        Some((i, _)) => &html[..i],
        None => html,
    };
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[..gt].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let closing = tag.starts_with('/');
        match name.as_str() {
            "br" => out.push('\n'),
            "p" | "div" | "blockquote" | "li" | "ul" | "ol" | "pre" | "h1" | "h2" | "h3" | "h4"
            | "h5" | "h6"
                if closing || name == "li" =>
            {
                if !out.ends_with('\n') && !out.is_empty() {
                    out.push('\n');
                }
                if closing && matches!(name.as_str(), "p" | "blockquote") {
                    out.push('\n');
                }
            }
            "script" | "style" if !closing => {
                // Drop the element's content entirely.
                let end = format!("</{name}");
                let lower = after[gt + 1..].to_ascii_lowercase();
                match lower.find(&end) {
                    Some(i) => {
                        let skip = gt + 1 + i;
                        rest = &after[skip..];
                        continue;
                    }
                    None => {
                        rest = "";
                        break;
                    }
                }
            }
            _ => {}
        }
        rest = &after[gt + 1..];
    }
    out.push_str(&decode_entities(rest));
    let clean = crate::text::sanitize(&out);
    let mut lines: Vec<&str> = clean.lines().map(str::trim_end).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    while lines.first().is_some_and(|l| l.is_empty()) {
        lines.remove(0);
    }
    let mut text = String::new();
    let mut blank = 0;
    for l in lines {
        if l.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(l);
    }
    text
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let ent = &after[..i];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                    u32::from_str_radix(&ent[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if ent.starts_with('#') => ent[1..].parse::<u32>().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_html_becomes_plain_text() {
        let html = r#"<p>Hello <span class="h-card"><a href="https://x/@bo" class="u-url mention">@<span>bo</span></a></span> &amp; friends &lt;3</p><p>see <a href="https://example.com/a">https://example.com/a</a><br>bye&#33;</p>"#;
        assert_eq!(
            to_text(html),
            "Hello @bo & friends <3\n\nsee https://example.com/a\nbye!"
        );
    }

    #[test]
    fn scripts_escapes_and_broken_tags_are_harmless() {
        assert_eq!(to_text("<script>alert(1)</script>ok"), "ok");
        assert_eq!(to_text("a\x1b[2Jb &#27;[31mred"), "ab red");
        assert_eq!(to_text("x <unclosed"), "x");
        assert_eq!(to_text("&bogus; &#xZZ; &"), "&bogus; &#xZZ; &");
    }
}
