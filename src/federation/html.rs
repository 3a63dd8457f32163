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
    // An open `<a class="mention" href=...>`: the host of its href, and where its text
    // starts in `out`, so `@user` can become `@user@host`.
    let mut mention: Option<(String, usize)> = None;
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
            "a" if !closing => {
                let raw = &after[..gt];
                mention = attr(raw, "class")
                    .filter(|c| c.split_whitespace().any(|w| w == "mention"))
                    .and_then(|_| attr(raw, "href"))
                    .and_then(|h| super::wire::host_of(&decode_entities(&h)))
                    .map(|host| (host, out.len()));
            }
            "a" if closing => {
                if let Some((host, start)) = mention.take() {
                    let inner = out[start..].to_string();
                    if let Some(user) = inner.strip_prefix('@')
                        && !user.is_empty()
                        && !user.contains('@')
                        && !user.contains(char::is_whitespace)
                    {
                        out.push('@');
                        out.push_str(&host);
                    }
                }
            }
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

/// The value of attribute `name` in a raw tag (`a href="..." class='...'`).
fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest.len() + 1;
        let v = tag[value_start..].trim_start();
        let quote = v.chars().next()?;
        if quote == '"' || quote == '\'' {
            let end = v[1..].find(quote)?;
            return Some(v[1..1 + end].to_string());
        }
        let end = v.find(char::is_whitespace).unwrap_or(v.len());
        return Some(v[..end].to_string());
    }
    None
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
            "Hello @bo@x & friends <3\n\nsee https://example.com/a\nbye!"
        );
        let masto = r#"<p><span class="h-card" translate="no"><a href="https://social.example/@ana" class="u-url mention">@<span>ana</span></a></span> hi, <a href="https://social.example/tags/camp" class="mention hashtag" rel="tag">#<span>camp</span></a></p>"#;
        assert_eq!(to_text(masto), "@ana@social.example hi, #camp");
    }

    #[test]
    fn scripts_escapes_and_broken_tags_are_harmless() {
        assert_eq!(to_text("<script>alert(1)</script>ok"), "ok");
        assert_eq!(to_text("a\x1b[2Jb &#27;[31mred"), "ab red");
        assert_eq!(to_text("x <unclosed"), "x");
        assert_eq!(to_text("&bogus; &#xZZ; &"), "&bogus; &#xZZ; &");
    }
}
