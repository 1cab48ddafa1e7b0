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

/// One posting: index term `term` occurs `tf` times in document `doc` of length `doc_len`.
#[derive(Debug, Clone, PartialEq)]
pub struct Posting {
    /// Which query term (index into [`Query::terms`]) this posting answers.
    pub query_term: usize,
    /// The index term itself: the query term, or one expansion of a prefix.
    pub term: String,
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

/// BM25 (k1 = 1.2, b = 0.75) in the factored form a database can evaluate per posting:
/// `weight(df) · tf / (tf + saturation + length_factor · doc_len)`. The store computes exactly
/// this expression in SQL; [`rank`] is the reference it is tested against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25 {
    documents: f64,
    average_length: f64,
}

impl Bm25 {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;

    pub fn new(stats: CorpusStats) -> Self {
        Bm25 {
            documents: stats.documents.max(1) as f64,
            average_length: if stats.average_length.is_finite() && stats.average_length > 0.0 {
                stats.average_length
            } else {
                1.0
            },
        }
    }

    /// idf · (k1 + 1) for a term held by `document_frequency` documents.
    pub fn weight(&self, document_frequency: i64) -> f64 {
        let df = document_frequency.max(1) as f64;
        let idf = ((self.documents - df + 0.5) / (df + 0.5) + 1.0).ln();
        idf * (Self::K1 + 1.0)
    }

    /// k1 · (1 − b).
    pub fn saturation(&self) -> f64 {
        Self::K1 * (1.0 - Self::B)
    }

    /// k1 · b / average document length.
    pub fn length_factor(&self) -> f64 {
        Self::K1 * Self::B / self.average_length
    }

    pub fn score(&self, document_frequency: i64, tf: i64, doc_len: i64) -> f64 {
        let tf = tf.max(0) as f64;
        let len = doc_len.max(0) as f64;
        self.weight(document_frequency) * tf / (tf + self.saturation() + self.length_factor() * len)
    }
}

/// BM25 over postings: every document matching *all* query terms, best first (ties: the
/// newer document first), at most `limit`. A query term scores its best expansion in the
/// document — a prefix matching "grade" and "grading" counts once, not twice — and each
/// expansion's idf comes from `document_frequency[term]`.
pub fn rank(
    postings: &[Posting],
    terms: usize,
    document_frequency: &BTreeMap<String, i64>,
    stats: CorpusStats,
    limit: usize,
) -> Vec<((String, i64), f64)> {
    let bm25 = Bm25::new(stats);
    let mut best: HashMap<(String, i64), Vec<Option<f64>>> = HashMap::new();
    for p in postings {
        if p.query_term >= terms {
            continue;
        }
        let df = document_frequency.get(&p.term).copied().unwrap_or(1);
        let s = bm25.score(df, p.tf, p.doc_len);
        let parts = best
            .entry(p.doc.clone())
            .or_insert_with(|| vec![None; terms]);
        let part = &mut parts[p.query_term];
        *part = Some(part.map_or(s, |old| old.max(s)));
    }
    let mut hits: Vec<_> = best
        .into_iter()
        .filter_map(|(doc, parts)| {
            let all: Option<Vec<f64>> = parts.into_iter().collect();
            all.map(|p| (doc, p.iter().sum::<f64>()))
        })
        .filter(|_| terms > 0)
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
        let p = |t: usize, id, tf, len| Posting {
            query_term: t,
            term: ["grade", "mix"][t.min(1)].to_string(),
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
        let df = BTreeMap::from([("grade".to_string(), 3), ("mix".to_string(), 2)]);
        let hits = rank(&postings, 2, &df, stats, 20);
        let ids: Vec<i64> = hits.iter().map(|h| h.0 .1).collect();
        assert_eq!(ids, [2, 1]);
        assert!(rank(&postings, 0, &df, stats, 20).is_empty());
        // A prefix scores its best expansion once: "grade" and "grading" in one message
        // do not outrank a message with "grade" alone by their sum.
        let mut two = p(0, 4, 1, 10);
        two.term = "grading".into();
        let one = rank(&[p(0, 4, 1, 10), two], 1, &df, stats, 5);
        let bm25 = Bm25::new(stats);
        assert!((one[0].1 - bm25.score(3, 1, 10).max(bm25.score(1, 1, 10))).abs() < 1e-12);
        // The factored form is BM25's usual one.
        let (n, dfv, tf, len, avg) = (100.0f64, 3.0f64, 2.0f64, 7.0f64, 10.0f64);
        let idf = ((n - dfv + 0.5) / (dfv + 0.5) + 1.0).ln();
        let usual = idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / avg));
        assert!((bm25.score(3, 2, 7) - usual).abs() < 1e-12);
        // Nonsense input ranks without panicking.
        let odd = vec![p(99, 1, -5, -1), p(0, 1, i64::MAX, 0)];
        let _ = rank(
            &odd,
            1,
            &BTreeMap::new(),
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
