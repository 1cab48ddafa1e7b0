//! Project channels, pure: @mention parsing, the search tokenizer, BM25 ranking and snippet
//! highlighting. No IO; every function takes any text and never panics.
//!
//! Search is an inverted index kept in ordinary tables by the store (term → document, term
//! frequency, document length); this module decides what the terms are and how postings rank,
//! so SQLite and PostgreSQL rank identically.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A handle written after `@`: `@alice` or `@"Jane Doe"`. Whether it names a person or a
/// department is for the caller to decide against the people it knows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mention {
    /// As written, without `@` and quotes (`Jane Doe`).
    pub handle: String,
}

/// The mentions in a message body, each handle once, in order of first appearance. An `@`
/// inside a word (`alice@example.com`) is no mention; `@"…"` runs to the closing quote (an
/// unclosed quote is no mention).
pub fn parse_mentions(body: &str) -> Vec<Mention> {
    let chars: Vec<char> = body.chars().collect();
    let mut out: Vec<Mention> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' || (i > 0 && is_handle_char(chars[i - 1])) {
            i += 1;
            continue;
        }
        let mut handle = String::new();
        let mut j = i + 1;
        if j < chars.len() && chars[j] == '"' {
            j += 1;
            let start = j;
            while j < chars.len() && chars[j] != '"' && chars[j] != '\n' {
                j += 1;
            }
            if j < chars.len() && chars[j] == '"' {
                handle = chars[start..j]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string();
                j += 1;
            }
        } else {
            while j < chars.len() && is_handle_char(chars[j]) {
                j += 1;
            }
            // A sentence's full stop after a handle is not part of it.
            while j > i + 1 && matches!(chars[j - 1], '.' | '-') {
                j -= 1;
            }
            handle = chars[i + 1..j].iter().collect();
        }
        if !handle.is_empty() && seen.insert(handle.to_lowercase()) {
            out.push(Mention { handle });
        }
        i = j.max(i + 1);
    }
    out
}

fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The handle people are mentioned by without quotes: the e-mail's local part, lower-cased
/// (`alice@studio.example` → `alice`).
pub fn handle_of_email(email: &str) -> String {
    email.split('@').next().unwrap_or("").to_lowercase()
}

/// Whether `handle` (as parsed) names the person with this e-mail and display name: the e-mail's
/// local part or the whole name, case-insensitively.
pub fn handle_names(handle: &str, email: &str, name: &str) -> bool {
    let h = handle.trim().to_lowercase();
    !h.is_empty() && (h == handle_of_email(email) || h == name.trim().to_lowercase())
}

/// The search terms of a text: lower-cased runs of letters and digits (Unicode), each cut to
/// 64 characters, with a light English stemming (plural `s`, `ing`, `ed`) so "grades",
/// "grading" and "graded" meet "grade".
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(stem(&std::mem::take(&mut word)));
        }
    }
    if !word.is_empty() {
        out.push(stem(&word));
    }
    out
}

/// Light suffix stripping (a plural `s`, then `ing`, `ed` or a final `e`), only on words long
/// enough that the stem stays a word: "grades", "grading", "graded" and "grade" all give "grad".
pub fn stem(word: &str) -> String {
    let mut w: String = word.chars().take(64).collect();
    let strip = |w: &str, suffix: &str, min_left: usize| -> Option<String> {
        let s = w.strip_suffix(suffix)?;
        (s.chars().count() >= min_left).then(|| s.to_string())
    };
    if w.ends_with('s') && !w.ends_with("ss") {
        if let Some(s) = strip(&w, "es", 3).filter(|s| s.ends_with(['x', 'z']) || s.ends_with("sh"))
        {
            return s;
        }
        if let Some(s) = strip(&w, "s", 3) {
            w = s;
        }
    }
    for suffix in ["ing", "ed", "e"] {
        if let Some(s) = strip(&w, suffix, 3) {
            return s;
        }
    }
    w
}

/// Term → frequency, and the document's length in terms: what the index stores per document.
pub fn term_frequencies(text: &str) -> (BTreeMap<String, i64>, i64) {
    let terms = tokenize(text);
    let len = terms.len() as i64;
    let mut tf = BTreeMap::new();
    for t in terms {
        *tf.entry(t).or_insert(0) += 1;
    }
    (tf, len)
}

/// A query: its terms; the last one matches as a prefix (typing "gra" finds "grade") unless
/// the query ends in a space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<String>,
    pub last_is_prefix: bool,
}

pub fn parse_query(q: &str) -> Query {
    let mut terms = tokenize(q);
    terms.dedup();
    let last_is_prefix = !terms.is_empty() && !q.ends_with(char::is_whitespace);
    if last_is_prefix {
        // The prefix is the word as typed, not its stem ("grading" as typed still finds "grade").
        if let Some(raw) = q
            .split(|c: char| !c.is_alphanumeric())
            .rfind(|w| !w.is_empty())
        {
            let raw: String = raw.to_lowercase().chars().take(64).collect();
            let last = terms.len() - 1;
            terms[last] = stem(&raw);
        }
    }
    Query {
        terms,
        last_is_prefix,
    }
}

/// One posting: a term occurs `tf` times in document `doc` of length `doc_len`.
#[derive(Debug, Clone, PartialEq)]
pub struct Posting {
    /// Which query term (index into [`Query::terms`]) this posting answers.
    pub query_term: usize,
    pub doc: (String, i64),
    pub tf: i64,
    pub doc_len: i64,
}

/// The collection's size, for the inverse document frequency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorpusStats {
    pub documents: i64,
    pub average_length: f64,
}

/// BM25 (k1 = 1.2, b = 0.75) over postings: every document matching *all* query terms, best
/// first, at most `limit`. `document_frequency[i]` is how many documents hold query term `i`
/// (for a prefix term, the documents holding any of its expansions).
pub fn rank(
    postings: &[Posting],
    terms: usize,
    document_frequency: &[i64],
    stats: CorpusStats,
    limit: usize,
) -> Vec<((String, i64), f64)> {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let n = stats.documents.max(1) as f64;
    let avg = if stats.average_length > 0.0 {
        stats.average_length
    } else {
        1.0
    };
    let mut scores: HashMap<(String, i64), (f64, u64)> = HashMap::new();
    for p in postings {
        if p.query_term >= terms || p.query_term >= 63 {
            continue;
        }
        let df = document_frequency
            .get(p.query_term)
            .copied()
            .unwrap_or(1)
            .max(1) as f64;
        let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
        let tf = p.tf.max(0) as f64;
        let len = p.doc_len.max(0) as f64;
        let s = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg));
        let e = scores.entry(p.doc.clone()).or_insert((0.0, 0));
        e.0 += s;
        e.1 |= 1 << p.query_term;
    }
    let all: u64 = (1u64 << terms.min(63)) - 1;
    let mut hits: Vec<_> = scores
        .into_iter()
        .filter(|(_, (_, mask))| terms > 0 && *mask == all)
        .map(|(doc, (s, _))| (doc, s))
        .collect();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0 .1.cmp(&a.0 .1)));
    hits.truncate(limit);
    hits
}

/// HTML-escapes text for an element's content or a quoted attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A snippet of `text` around the first word that matches the query (about `width` characters),
/// HTML-escaped, matching words wrapped in `<mark>…</mark>`. Safe to put in a page as is.
pub fn snippet(text: &str, query: &Query, width: usize) -> String {
    let matches = |word: &str| {
        let t = stem(&word.to_lowercase());
        query.terms.iter().enumerate().any(|(i, q)| {
            if query.last_is_prefix && i + 1 == query.terms.len() {
                t.starts_with(q.as_str()) || word.to_lowercase().starts_with(q.as_str())
            } else {
                &t == q
            }
        })
    };
    // Words as (char start, char end) spans.
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in chars.iter().enumerate() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, chars.len()));
    }
    let is_hit = |&(s, e): &(usize, usize)| matches(&chars[s..e].iter().collect::<String>());
    let first = words.iter().find(|w| is_hit(w)).map(|w| w.0).unwrap_or(0);
    let width = width.max(10);
    let from = first.saturating_sub(width / 3);
    let to = (from + width).min(chars.len());
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut pos = from;
    for w in words.iter().filter(|w| w.0 >= from && w.1 <= to) {
        if is_hit(w) {
            out.push_str(&escape_html(&chars[pos..w.0].iter().collect::<String>()));
            out.push_str("<mark>");
            out.push_str(&escape_html(&chars[w.0..w.1].iter().collect::<String>()));
            out.push_str("</mark>");
            pos = w.1;
        }
    }
    out.push_str(&escape_html(&chars[pos..to].iter().collect::<String>()));
    if to < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handles(body: &str) -> Vec<String> {
        parse_mentions(body).into_iter().map(|m| m.handle).collect()
    }

    #[test]
    fn mentions_people_quoted_names_and_departments_once() {
        assert_eq!(
            handles("@alice please ask @\"Jane Doe\" and @color. Thanks @Alice!"),
            ["alice", "Jane Doe", "color"]
        );
        assert_eq!(
            handles("mail bob@example.com, not a mention"),
            Vec::<String>::new()
        );
        assert_eq!(handles("@\"unclosed quote"), Vec::<String>::new());
        assert_eq!(handles("@ alone, @"), Vec::<String>::new());
        assert_eq!(handles("@jean-luc.picard."), ["jean-luc.picard"]);
    }

    #[test]
    fn a_handle_names_the_mail_local_part_or_the_full_name() {
        assert!(handle_names(
            "Alice",
            "alice@studio.example",
            "Alice Martin"
        ));
        assert!(handle_names(
            "alice martin",
            "am@studio.example",
            "Alice Martin"
        ));
        assert!(!handle_names("ali", "alice@studio.example", "Alice Martin"));
        assert!(!handle_names("", "@x", ""));
    }

    #[test]
    fn tokens_are_lowercase_unicode_words_with_light_stemming() {
        assert_eq!(
            tokenize("Grading the GRADES, graded!"),
            ["grad", "the", "grad", "grad"]
        );
        assert_eq!(tokenize("Ünïcode café 4K"), ["ünïcod", "café", "4k"]);
        assert_eq!(tokenize("boxes glass is"), ["box", "glass", "is"]);
        assert!(tokenize("  ,;  ").is_empty());
    }

    #[test]
    fn the_last_query_word_is_a_prefix_unless_followed_by_a_space() {
        let q = parse_query("picture gra");
        assert_eq!(q.terms, ["pictur", "gra"]);
        assert!(q.last_is_prefix);
        assert!(!parse_query("picture ").last_is_prefix);
        assert!(parse_query("").terms.is_empty());
    }

    #[test]
    fn bm25_needs_every_term_and_prefers_rarer_denser_matches() {
        let p = |t, id, tf, len| Posting {
            query_term: t,
            doc: ("message".to_string(), id),
            tf,
            doc_len: len,
        };
        let postings = vec![
            p(0, 1, 1, 10),
            p(1, 1, 1, 10),
            p(0, 2, 3, 10),
            p(1, 2, 1, 10),
            p(0, 3, 5, 10), // lacks term 1
        ];
        let stats = CorpusStats {
            documents: 100,
            average_length: 10.0,
        };
        let hits = rank(&postings, 2, &[3, 2], stats, 20);
        let ids: Vec<i64> = hits.iter().map(|h| h.0 .1).collect();
        assert_eq!(ids, [2, 1]);
        assert!(rank(&postings, 0, &[], stats, 20).is_empty());
        // Nonsense input ranks without panicking.
        let odd = vec![p(99, 1, -5, -1), p(0, 1, i64::MAX, 0)];
        let _ = rank(
            &odd,
            1,
            &[],
            CorpusStats {
                documents: 0,
                average_length: 0.0,
            },
            5,
        );
    }

    #[test]
    fn snippets_are_escaped_and_marked() {
        let q = parse_query("grade");
        let s = snippet("<b>Final</b> grade & GRADES approved", &q, 200);
        assert_eq!(
            s,
            "&lt;b&gt;Final&lt;/b&gt; <mark>grade</mark> &amp; <mark>GRADES</mark> approved"
        );
        let long = format!("{} needle {}", "a ".repeat(200), "b ".repeat(200));
        let s = snippet(&long, &parse_query("needle"), 40);
        assert!(s.starts_with('…') && s.ends_with('…') && s.contains("<mark>needle</mark>"));
        assert_eq!(snippet("", &q, 0), "");
    }

    #[test]
    fn nothing_panics_on_odd_text() {
        for text in [
            "@",
            "@\"",
            "@\"\"",
            "\u{0}@\u{301}",
            "ééé@ééé",
            "@.-.",
            "ßẞ@ǅ ﬀ",
        ] {
            let _ = parse_mentions(text);
            let _ = tokenize(text);
            let q = parse_query(text);
            let _ = snippet(text, &q, 3);
            let _ = term_frequencies(text);
        }
    }
}
