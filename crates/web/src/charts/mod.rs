//! Charts rendered on the server as SVG: pure functions from a plain view model to markup.
//!
//! Nothing here reads the store, the clock or the request; the page maps its data onto a view
//! model (`gantt::GanttChart`) and embeds the string the renderer returns. Every text that came
//! from a person goes through [`escape`], so a chart is always well-formed XML.

pub mod bars;
pub mod board;
pub mod burn;
pub mod gantt;
pub mod timeline;

pub use gantt::{render_gantt, GanttChart, GanttLink, GanttRow};

/// Escapes text for SVG/XML content and attribute values (both quote kinds), and drops the
/// characters XML 1.0 cannot hold at all (control characters other than tab and newlines), so
/// a task named `<script>&` or one with a stray NUL still renders as a valid document.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A link target a chart may emit: a same-site path (`/projects/…`) or an http(s) address.
/// Anything else (`javascript:`, `data:`) is dropped rather than written into an `href`.
pub(crate) fn safe_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let same_site = url.starts_with('/') && !url.starts_with("//");
    (same_site || lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            escape("<script>&\"'\u{0}x"),
            "&lt;script&gt;&amp;&quot;&#39;x"
        );
    }

    #[test]
    fn only_site_paths_and_http_links_are_kept() {
        assert_eq!(safe_url("/projects/7/tasks/3"), Some("/projects/7/tasks/3"));
        assert_eq!(safe_url("https://x.test/a"), Some("https://x.test/a"));
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("//evil.test"), None);
    }
}
