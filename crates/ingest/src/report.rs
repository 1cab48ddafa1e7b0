//! Plain result structs of an ingest, for the CLI's JSON, the HTML report and, later, the
//! catalog. Every field is a fact that was observed, never a default.
use crate::hash::{HashAlgorithm, HashValue};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::fmt::Write as _;

/// Identifies the JSON layout; bumped on any incompatible change.
pub const INGEST_SCHEMA: &str = "postflow.ingest.v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationStatus {
    /// Every file copied and verified, history written.
    Complete,
    /// The destination works, but some files are not verified on it.
    Incomplete,
    /// The destination stopped working (full, gone, read-only, I/O errors).
    Failed,
}

#[derive(Clone, Debug, Serialize)]
pub struct CopyResult {
    /// Destination root as given on the command line.
    pub destination: String,
    /// True only when the copy was re-read from the medium and matched the source.
    pub verified: bool,
    pub verified_at: Option<DateTime<Utc>>,
    /// The destination already held this file (same size and date) from an earlier run; it was
    /// re-read and verified, not rewritten.
    pub reused: bool,
    /// The copy re-read from the medium equals what was read from the source. Usually the same
    /// as `verified`; differs when the source itself failed the check against the history the
    /// card carried: the copy is then faithful to the card but not a verified copy of what was
    /// sealed.
    pub identical: bool,
    pub error: Option<String>,
}

/// How a source file compared with the ASC MHL history (or MHL v1 list) the card carried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CardRecord {
    /// The hash computed while reading equals the recorded one.
    Matched { algorithm: HashAlgorithm },
    /// The card's record says otherwise: the card is not what was sealed.
    Mismatch {
        algorithm: HashAlgorithm,
        recorded: String,
        read: String,
    },
    /// The card's record does not list this file.
    NotRecorded,
    /// Recorded only in formats postflow does not compute (MHL v1 `xxhash`, `null`).
    Unverifiable,
}

/// What the card carried (`ascmhl/` history, MHL v1 lists), how the source compared with it,
/// and whether the source's own history was written (`--source-mhl`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceHistoryReport {
    /// `ascmhl` (an ASC MHL v2 history), `mhl_v1` (MHL v1 lists at the card's root) or `none`.
    pub carried: &'static str,
    /// Generations of the card's ASC MHL histories before this ingest.
    pub generations: usize,
    /// MHL v1 list files read at the card's root.
    pub v1_lists: Vec<String>,
    /// Source files whose hash matched the record.
    pub files_matched: u64,
    /// Source files whose hash differs from the record.
    pub mismatched: Vec<String>,
    /// Files the record lists that are not on the card.
    pub missing: Vec<String>,
    /// Files on the card the record does not list.
    pub not_recorded: Vec<String>,
    /// Integrity problems of the card's history itself (broken chain, missing generation…).
    pub problems: Vec<String>,
    /// `--source-mhl` was given.
    pub requested: bool,
    /// A new generation was written into the card's `ascmhl/` folder.
    pub written: bool,
    /// The generation files written on the source.
    pub generations_written: Vec<String>,
    /// Why the source's history was asked for but not written.
    pub not_written: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    /// Path relative to the copied folder, as written at the destinations.
    pub path: String,
    /// The name on the source when `--rename` changed it.
    pub original_path: Option<String>,
    pub size: u64,
    pub modified: DateTime<Utc>,
    pub hashes: Vec<HashValue>,
    /// When the source read (and hashing) of this file finished.
    pub read_at: Option<DateTime<Utc>>,
    pub seconds: f64,
    /// A problem with the source file (unreadable, changed during the copy, different from
    /// the history the card carried).
    pub error: Option<String>,
    /// The check against the history the card carried; absent when it carried none.
    pub card_record: Option<CardRecord>,
    pub copies: Vec<CopyResult>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DestinationReport {
    pub path: String,
    /// `path/<source folder name>`.
    pub target: String,
    pub status: DestinationStatus,
    pub error: Option<String>,
    pub files_verified: u64,
    pub bytes_verified: u64,
    pub bytes_written: u64,
    pub seconds: f64,
    /// Verified bytes per second over the whole ingest, in MB/s (10^6).
    pub throughput_mb_s: f64,
    /// ASC MHL generation files written by this ingest.
    pub mhl_generations: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub verified_copies: u64,
    pub failed_copies: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct IngestReport {
    pub schema: &'static str,
    pub source: String,
    pub folder: String,
    pub project: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub seconds: f64,
    pub algorithms: Vec<HashAlgorithm>,
    /// True when every file is verified on every destination and nothing was skipped.
    pub complete: bool,
    pub totals: Totals,
    pub destinations: Vec<DestinationReport>,
    /// The card's own history: what it carried, how the source compared, what was written.
    pub source_history: SourceHistoryReport,
    pub files: Vec<FileReport>,
    /// Entries not copied as files (symlinks, devices, unreadable folders).
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
    pub errors: Vec<String>,
}

fn h(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn human_bytes(b: u64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1000.0 && i < units.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.2} {}", units[i])
    }
}

/// A self-contained HTML page of the report, for people.
pub fn render_html(r: &IngestReport) -> String {
    let mut o = String::new();
    let verdict = if r.complete { "COMPLETE" } else { "INCOMPLETE" };
    let _ = write!(
        o,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ingest {folder} — {verdict}</title>\
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}\
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;font-size:.9em}}th{{background:#f3f3f3}}\
.ok{{color:#176b2c}}.bad{{color:#b00020;font-weight:bold}}code{{font-size:.85em}}</style></head><body>\
<h1>Ingest of {folder}: <span class=\"{cls}\">{verdict}</span></h1>",
        folder = h(&r.folder),
        cls = if r.complete { "ok" } else { "bad" },
    );
    let _ = write!(
        o,
        "<table><tr><th>Source</th><td>{}</td></tr><tr><th>Project</th><td>{}</td></tr>\
<tr><th>Started</th><td>{}</td></tr><tr><th>Finished</th><td>{}</td></tr><tr><th>Duration</th><td>{:.1} s</td></tr>\
<tr><th>Hashes</th><td>{}</td></tr><tr><th>Files</th><td>{} ({})</td></tr></table>",
        h(&r.source),
        h(r.project.as_deref().unwrap_or("—")),
        r.started_at.to_rfc3339(),
        r.finished_at.to_rfc3339(),
        r.seconds,
        r.algorithms.iter().map(|a| a.name()).collect::<Vec<_>>().join(", "),
        r.totals.files,
        human_bytes(r.totals.bytes)
    );
    o.push_str("<h2>Destinations</h2><table><tr><th>Destination</th><th>Status</th><th>Verified files</th><th>Verified</th><th>Throughput</th><th>ASC MHL</th><th>Error</th></tr>");
    for d in &r.destinations {
        let cls = if d.status == DestinationStatus::Complete {
            "ok"
        } else {
            "bad"
        };
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"{cls}\">{:?}</td><td>{}</td><td>{}</td><td>{:.1} MB/s</td><td>{}</td><td>{}</td></tr>",
            h(&d.target),
            d.status,
            d.files_verified,
            human_bytes(d.bytes_verified),
            d.throughput_mb_s,
            h(&d.mhl_generations.join(", ")),
            h(d.error.as_deref().unwrap_or(""))
        );
    }
    o.push_str("</table>");
    let sh = &r.source_history;
    if sh.carried != "none" || sh.requested {
        let carried = match sh.carried {
            "ascmhl" => format!("ASC MHL history, {} generation(s)", sh.generations),
            "mhl_v1" => format!("MHL v1 list(s): {}", sh.v1_lists.join(", ")),
            _ => "no MHL".to_string(),
        };
        let written = if !sh.requested {
            "not asked for".to_string()
        } else if sh.written {
            format!("written: {}", sh.generations_written.join(", "))
        } else {
            format!(
                "NOT written: {}",
                sh.not_written.as_deref().unwrap_or("unknown reason")
            )
        };
        let _ = write!(
            o,
            "<h2>Card history</h2><table><tr><th>Carried</th><td>{}</td></tr>\
<tr><th>Matched the record</th><td>{}</td></tr><tr><th>Differ from the record</th><td class=\"{}\">{}</td></tr>\
<tr><th>Recorded but missing</th><td class=\"{}\">{}</td></tr><tr><th>Source history</th><td>{}</td></tr></table>",
            h(&carried),
            sh.files_matched,
            if sh.mismatched.is_empty() { "ok" } else { "bad" },
            h(&sh.mismatched.join(", ")),
            if sh.missing.is_empty() { "ok" } else { "bad" },
            h(&sh.missing.join(", ")),
            h(&written)
        );
    }
    for (title, items) in [("Errors", &r.errors), ("Warnings", &r.warnings)] {
        if !items.is_empty() {
            let _ = write!(o, "<h2>{title}</h2><ul>");
            for i in items {
                let _ = write!(o, "<li>{}</li>", h(i));
            }
            o.push_str("</ul>");
        }
    }
    if !r.skipped.is_empty() {
        o.push_str("<h2>Not copied as files</h2><ul>");
        for s in &r.skipped {
            let _ = write!(o, "<li><code>{}</code>: {}</li>", h(&s.path), h(&s.reason));
        }
        o.push_str("</ul>");
    }
    o.push_str("<h2>Files</h2><table><tr><th>File</th><th>Original name</th><th>Size</th><th>Hashes</th><th>Copies</th></tr>");
    for f in &r.files {
        let hashes: Vec<String> = f
            .hashes
            .iter()
            .map(|v| format!("{}: <code>{}</code>", v.algorithm, h(&v.value)))
            .collect();
        let copies: Vec<String> = f
            .copies
            .iter()
            .map(|c| {
                if c.verified {
                    format!("<span class=\"ok\">✓</span> {}", h(&c.destination))
                } else {
                    format!(
                        "<span class=\"bad\">✗</span> {}: {}",
                        h(&c.destination),
                        h(c.error.as_deref().unwrap_or("not verified"))
                    )
                }
            })
            .collect();
        let mut cell = copies.join("<br>");
        if let Some(e) = &f.error {
            cell = format!("<span class=\"bad\">{}</span>", h(e));
        }
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            h(&f.path),
            h(f.original_path.as_deref().unwrap_or("")),
            human_bytes(f.size),
            hashes.join("<br>"),
            cell
        );
    }
    o.push_str("</table></body></html>\n");
    o
}
