//! HTML for the door's pages: one escaping function every piece of text goes through
//! (an admin's text is still text), and the headers every page carries.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The policy of the door's own pages: nothing but their own stylesheet and images; no
/// script at all, no frames, no form posting elsewhere.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `text` with `& < > " '` replaced by entities, and every control character except
/// newline and tab dropped: safe in element content and in quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A response with `body` as `content_type`, the policy `csp`, and the headers every
/// answer of the door carries: no sniffing, no framing, no referrer (an invite code
/// lives in the URL), and no caching of pages that may hold one.
pub fn respond(
    status: StatusCode,
    content_type: &'static str,
    csp: &str,
    body: String,
) -> Response {
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// An HTML page of the door with [`PAGE_CSP`].
pub fn page(status: StatusCode, body: String) -> Response {
    respond(status, "text/html; charset=utf-8", PAGE_CSP, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_no_controls() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\x1b[31mb\u{9b}c\nd\te"), "a[31mbc\nd\te");
        assert_eq!(escape("ünïcode ✓"), "ünïcode ✓");
    }
}
