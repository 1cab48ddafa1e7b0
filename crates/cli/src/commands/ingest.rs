//! `postflow ingest`, `verify`, `project scaffold`, `bench ingest`.
//!
//! Exit codes: 0 = everything verified; 1 = the ingest is incomplete or the verification found
//! problems (each named on stderr, or in the JSON); 2 = could not start (bad arguments, missing
//! or empty source, missing destination, recording without `--project` or to a project the
//! catalog does not have); 3 = the copies (or the verified copy) are fine but the catalog was
//! not updated (store or server unreachable, or the record refused).
//!
//! Recording (`--data-dir`, `--database-url`, `--server`) needs `--project CODE`, and the
//! project is looked up before anything is copied or hashed: a file's identity in the catalog
//! includes its project.
//!
//! `verify` reports files the history does not know as `extra` and fails, run after run: they
//! are never written into a generation unless a person accepts them with `--create`. A
//! `--sample` run says so (`sample: {percent, checked, recorded}` in the JSON, "sample only" in
//! the summary) and is never recorded in the catalog as a complete verification. A copy whose
//! history cannot be extended (read-only mount, write-protected tape) still gets its verdict
//! from the files; a warning says why nothing was written (`not_recorded`), and `--no-record`
//! checks without writing any generation.
//!
//! For `ingest`, "incomplete" (1) also covers a card that is not what its own MHL says: when the
//! source carries an ASC MHL history (`ascmhl/`) or MHL v1 lists, every file's hash from the one
//! read is compared with the record; a file that differs, a recorded file missing from the
//! card, or a damaged card history is named as an error, and its copies are never reported as
//! verified. `--source-mhl` on a source that refuses writes (write-protected card, read-only
//! mount) is *not* a failure: the copies complete, a warning says the source's history was not
//! written, `source_history.written` is false, and the exit code is 0 when everything else
//! verified.
//!
//! # `postflow ingest --json`
//! One JSON object on stdout (`schema: "postflow.ingest.v1"`):
//! ```text
//! { schema, source, folder, project|null, started_at, finished_at, seconds,
//!   algorithms: ["xxh64", …], complete: bool,
//!   totals: { files, bytes, verified_copies, failed_copies },
//!   destinations: [{ path, target, status: "complete"|"incomplete"|"failed", error|null,
//!                    files_verified, bytes_verified, bytes_written, seconds, throughput_mb_s,
//!                    mhl_generations: [path, …] }],
//!   source_history: { carried: "ascmhl"|"mhl_v1"|"none", generations, v1_lists: [name],
//!                     files_matched, mismatched: [path], missing: [path],
//!                     not_recorded: [path], problems: [string],
//!                     requested: bool, written: bool, generations_written: [path],
//!                     not_written: string|null },
//!   files: [{ path, original_path|null, size, modified, hashes: [{ algorithm, value }],
//!             read_at|null, seconds, error|null,
//!             card_record: null | { status: "matched", algorithm }
//!                          | { status: "mismatch", algorithm, recorded, read }
//!                          | { status: "not_recorded" } | { status: "unverifiable" },
//!             copies: [{ destination, verified, verified_at|null, reused, identical,
//!                        error|null }] }],
//!   skipped: [{ path, reason }], warnings: [string], errors: [string] }
//! ```
//! `hashes` holds the requested formats first; when the card's record holds none of them, the
//! fastest recorded format follows (computed in the same read, to check the card).
//! `identical` is true when the copy re-read equals the source read; `verified` additionally
//! needs the source to match the card's record.
//! Times are RFC 3339 UTC. `--report FILE.html` writes the same object next to it as
//! `FILE.json` and a page for people as `FILE.html`.
//!
//! # `postflow verify --json`
//! ```text
//! { schema: "postflow.verify.v1", root, ok: bool, sampled: bool, started_at, seconds,
//!   bytes_hashed,
//!   files: [{ path, status: "ok"|"changed"|"missing"|"extra"|"unreadable"|"not_sampled",
//!             algorithm?, expected?, actual?, error?, size|null, verified_at|null }],
//!   history_problems: [string], generations_written: [path], warnings: [string],
//!   errors: [string],
//!   sample: null | { percent, checked, recorded },
//!   record_requested: bool, not_recorded: string|null }
//! ```
use anyhow::{bail, Context};
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use postflow_ingest::naming::NamingConventions;
use postflow_ingest::{
    DestinationStatus, FileStatus, HashAlgorithm, IngestOptions, IngestReport, Progress,
    VerifyOptions,
};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const INGEST_AFTER_HELP: &str = "\
Cards that carry an MHL (ascmhl/ or MHL v1 *.mhl files at their root) are checked while they \
are read: a file that differs from the record, or a recorded file that is missing, is named \
and the ingest is incomplete. The card's ascmhl/ history is copied to every destination and \
extended there, as offload tools do.

Recording in the catalog (--data-dir, --database-url or --server) needs --project CODE; the \
project is looked up before anything is copied.

Exit codes: 0 every file verified on every destination; 1 incomplete (a file or destination \
failed, or the card is not what its MHL says; each named); 2 could not start (bad arguments, \
an empty source, no --project or an unknown one when recording); 3 every copy verified but the \
catalog was not updated (run the same ingest again to record it). A source that refuses the \
--source-mhl history (write-protected card) only warns: the exit code stays 0.";

const VERIFY_AFTER_HELP: &str = "\
Files the history does not know are reported as extra and fail the run every time; they are \
never written into a generation unless you accept them with --create. A --sample run says how \
many of how many files it checked and is never recorded as a complete verification. On a \
read-only copy the files are still checked: a warning says why the history was not extended, \
and --no-record checks without writing at all.

Exit codes: 0 the copy is intact; 1 a file changed, is missing, extra or unreadable, or the \
history is damaged; 2 could not start (bad arguments, no history, no --project or an unknown \
one when recording); 3 the copy is intact but the catalog was not updated.";

#[derive(Debug, Args)]
#[command(after_help = INGEST_AFTER_HELP)]
pub struct IngestArgs {
    /// The card or sound-roll folder to copy.
    pub source: PathBuf,
    /// A destination folder; the source lands in DEST/<source folder name>. Repeat for more.
    #[arg(long = "dest", required = true)]
    pub dest: Vec<PathBuf>,
    /// Hash formats (xxh64, xxh3, xxh128, md5, sha1, c4); repeat or separate with commas.
    #[arg(long = "hash", value_delimiter = ',', default_value = "xxh64")]
    pub hash: Vec<String>,
    /// Project code; turns on the naming check with the default conventions. Required when
    /// recording in the catalog.
    #[arg(long)]
    pub project: Option<String>,
    /// Naming conventions file (TOML); checks every file name against it.
    #[arg(long)]
    pub naming: Option<PathBuf>,
    /// Rename files into the convention where upper-casing and separators suffice.
    #[arg(long)]
    pub rename: bool,
    /// Print the report as JSON on stdout (no progress bars).
    #[arg(long)]
    pub json: bool,
    /// Write an HTML report here, and the JSON report next to it.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Files copied at the same time.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// Also write the source's own ASC MHL history: a new generation in SOURCE/ascmhl/
    /// (created, or verified and extended) recording the hashes of this ingest's one read. On a
    /// write-protected card the ingest still completes and warns that it was not written.
    #[arg(long = "source-mhl")]
    pub source_mhl: bool,
    #[command(flatten, next_help_heading = CATALOG_HEADING)]
    pub catalog: super::catalog::CatalogArgs,
}

const CATALOG_HEADING: &str =
    "Catalog (nothing is recorded unless --data-dir, --database-url or --server is given)";

#[derive(Debug, Args)]
#[command(after_help = VERIFY_AFTER_HELP)]
pub struct VerifyArgs {
    /// The copy's top folder (the one holding ascmhl/, or MHL v1 files).
    pub path: PathBuf,
    /// Re-hash only this percentage of the recorded files, chosen at random.
    #[arg(long)]
    pub sample: Option<f64>,
    /// Additional hash formats to compute and record.
    #[arg(long = "hash", value_delimiter = ',')]
    pub hash: Vec<String>,
    /// Also record files the history does not know yet, and start a history on a copy that
    /// has none (what `ascmhl create` does): for a copy made by another tool, or to accept
    /// files added to a copy. Without it, such files are reported as extra, fail the run and are
    /// never written into the history.
    #[arg(long)]
    pub create: bool,
    /// Check only: write no new generation into the copy's ASC MHL history (for a read-only
    /// copy, or a copy that is not yours to change). The catalog is still recorded when asked.
    #[arg(long = "no-record", conflicts_with = "create")]
    pub no_record: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Project code the verified files belong to; required when recording in the catalog.
    #[arg(long)]
    pub project: Option<String>,
    #[command(flatten, next_help_heading = CATALOG_HEADING)]
    pub catalog: super::catalog::CatalogArgs,
}

#[derive(Debug, Args)]
pub struct ScaffoldArgs {
    /// Project code, e.g. ACME.
    pub code: String,
    /// Folder in which DIR/CODE is created.
    pub dir: PathBuf,
    /// Template: one folder per line, `{PROJECT}` replaced by the code.
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Print what was created as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchIngestArgs {
    /// Size of the generated card in GB.
    #[arg(long = "size-gb", default_value_t = 1.0)]
    pub size_gb: f64,
    /// Working folder (needs about 6× the size free); a temporary folder by default.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

fn parse_algorithms(names: &[String]) -> anyhow::Result<Vec<HashAlgorithm>> {
    let mut out = Vec::new();
    for n in names.iter().filter(|n| !n.trim().is_empty()) {
        let a: HashAlgorithm = n.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

struct Bars {
    multi: MultiProgress,
    bars: std::sync::Mutex<Vec<ProgressBar>>,
    visible: bool,
}

impl Progress for Bars {
    fn start(&self, total_bytes: u64, destinations: &[PathBuf]) {
        let style = ProgressStyle::with_template(
            "{prefix:<24!} [{bar:30}] {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        for d in destinations {
            // each byte is written once and read back once
            let bar = self.multi.add(ProgressBar::new(total_bytes * 2));
            if !self.visible {
                bar.set_draw_target(ProgressDrawTarget::hidden());
            }
            bar.set_style(style.clone());
            bar.set_prefix(d.display().to_string());
            bars.push(bar);
        }
    }
    fn advance(&self, dest: usize, bytes: u64) {
        if let Some(b) = self
            .bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(dest)
        {
            b.inc(bytes);
        }
    }
    fn destination_done(&self, dest: usize, status: DestinationStatus) {
        if let Some(b) = self
            .bars
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(dest)
        {
            b.finish_with_message(format!("{status:?}"));
        }
    }
}

pub fn run_ingest(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let algorithms = parse_algorithms(&args.hash)?;
    if algorithms.is_empty() {
        bail!("--hash is empty; give at least one of xxh64, xxh3, xxh128, md5, sha1, c4");
    }
    let naming = match (&args.naming, &args.project) {
        (Some(f), p) => {
            let text = std::fs::read_to_string(f).with_context(|| {
                format!("cannot read naming file {}; check the path", f.display())
            })?;
            Some(
                NamingConventions::from_toml(&text, p.as_deref())
                    .with_context(|| format!("naming file {} is not usable", f.display()))?,
            )
        }
        (None, Some(p)) => Some(NamingConventions::defaults(Some(p))?),
        (None, None) => None,
    };
    if args.rename && naming.is_none() {
        bail!("--rename needs --project CODE or --naming FILE to know the convention");
    }
    // Catalog flags are checked before anything is copied.
    let catalog = args.catalog.target()?;
    let labels = match &catalog {
        Some(target) => {
            let labels =
                super::catalog::destination_labels(&args.dest, &args.catalog.flags.volume)?;
            super::catalog::project_for_recording(target, args.project.as_deref(), "ingest")?;
            labels
        }
        None => Vec::new(),
    };
    let mut opts = IngestOptions::new(args.source.clone(), args.dest.clone());
    opts.algorithms = algorithms;
    opts.project = args.project.clone();
    opts.naming = naming;
    opts.rename = args.rename;
    opts.jobs = args.jobs.max(1);
    opts.write_source_history = args.source_mhl;
    let visible = !args.json && std::io::stderr().is_terminal();
    let bars = Bars {
        multi: MultiProgress::with_draw_target(if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }),
        bars: std::sync::Mutex::new(Vec::new()),
        visible,
    };
    let report = postflow_ingest::ingest(&opts, &bars)?;
    if let Some(path) = &args.report {
        write_reports(path, &report)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_ingest(&report);
    }
    let recorded = match &catalog {
        Some(target) => {
            let rec = super::catalog::ingest_record(&report, &labels);
            super::catalog::record_and_report(target, rec, "copies")
        }
        None => true,
    };
    Ok(exit_code(report.complete, recorded))
}

/// 1 when the media is not safe (it matters most); 3 when only the catalog write failed.
fn exit_code(media_ok: bool, recorded: bool) -> ExitCode {
    match (media_ok, recorded) {
        (true, true) => ExitCode::SUCCESS,
        (false, _) => ExitCode::from(1),
        (true, false) => ExitCode::from(super::catalog::EXIT_CATALOG_NOT_UPDATED),
    }
}

fn write_reports(path: &Path, report: &IngestReport) -> anyhow::Result<()> {
    let html = path.with_extension("html");
    let json = path.with_extension("json");
    std::fs::write(&html, postflow_ingest::report::render_html(report))
        .with_context(|| format!("cannot write the report {}", html.display()))?;
    std::fs::write(&json, serde_json::to_string_pretty(report)?)
        .with_context(|| format!("cannot write the report {}", json.display()))?;
    Ok(())
}

fn print_ingest(r: &IngestReport) {
    println!(
        "{} {} files, {} bytes from {}",
        if r.complete { "COMPLETE" } else { "INCOMPLETE" },
        r.totals.files,
        r.totals.bytes,
        r.source
    );
    for d in &r.destinations {
        println!(
            "  {:<10} {} ({} files verified, {:.1} MB/s){}",
            format!("{:?}", d.status).to_lowercase(),
            d.target,
            d.files_verified,
            d.throughput_mb_s,
            d.error
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
    }
    let sh = &r.source_history;
    match sh.carried {
        "ascmhl" | "mhl_v1" => println!(
            "  card MHL   {}: {} files matched, {} differ, {} missing",
            if sh.carried == "ascmhl" {
                format!("ASC MHL history, {} generation(s)", sh.generations)
            } else {
                format!("MHL v1 list(s) {}", sh.v1_lists.join(", "))
            },
            sh.files_matched,
            sh.mismatched.len(),
            sh.missing.len()
        ),
        _ => {}
    }
    if sh.requested {
        if sh.written {
            for g in &sh.generations_written {
                println!("  source     recorded {g}");
            }
        } else {
            println!("  source     history NOT written (see the warning)");
        }
    }
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    for e in &r.errors {
        eprintln!("error: {e}");
    }
}

pub fn run_verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let catalog = args.catalog.target()?;
    let (label, project) = match &catalog {
        Some(target) => {
            let label = super::catalog::verify_label(&args.path, &args.catalog.flags.volume)?;
            let project = super::catalog::project_for_recording(
                target,
                args.project.as_deref(),
                "verification",
            )?;
            (Some(label), Some(project))
        }
        None => (None, args.project.clone()),
    };
    let mut opts = VerifyOptions::new(args.path.clone());
    opts.sample_percent = args.sample;
    opts.create = args.create;
    opts.record = !args.no_record;
    opts.algorithms = parse_algorithms(&args.hash)?;
    let report = postflow_ingest::verify(&opts)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let mut counts = std::collections::BTreeMap::new();
        for f in &report.files {
            let (label, detail) = match &f.status {
                FileStatus::Ok | FileStatus::NotSampled => {
                    *counts.entry("ok").or_insert(0) += usize::from(f.status == FileStatus::Ok);
                    continue;
                }
                FileStatus::Changed {
                    algorithm,
                    expected,
                    actual,
                } => (
                    "changed",
                    format!(" ({algorithm} recorded {expected}, now {actual})"),
                ),
                FileStatus::Missing => ("missing", String::new()),
                FileStatus::Extra => (
                    "extra",
                    " (not in the history; accept it with `postflow verify --create`)".to_string(),
                ),
                FileStatus::Unreadable { error } => ("unreadable", format!(" ({error})")),
            };
            *counts.entry(label).or_insert(0) += 1;
            eprintln!("{label}: {}{detail}", f.path);
        }
        for p in &report.history_problems {
            eprintln!("history: {p}");
        }
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
        for e in &report.errors {
            eprintln!("error: {e}");
        }
        let sample_note = match &report.sample {
            Some(sm) => format!(
                " (sample only: {} of {} recorded files checked, {}%; the other {} were not re-read)",
                sm.checked,
                sm.recorded,
                sm.percent,
                sm.recorded.saturating_sub(sm.checked)
            ),
            None => String::new(),
        };
        println!(
            "{} {}: {}{sample_note}",
            if report.ok { "OK" } else { "FAILED" },
            report.root,
            counts
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if report.not_recorded.is_some() {
            println!("history NOT extended (see the warning)");
        }
        for g in &report.generations_written {
            println!("recorded {g}");
        }
    }
    let recorded = match (&catalog, &label) {
        (Some(target), Some(label)) => {
            let rec = super::catalog::verify_record(&report, &args.path, label, project);
            super::catalog::record_and_report(target, rec, "files")
        }
        _ => true,
    };
    Ok(exit_code(report.ok, recorded))
}

pub fn run_scaffold(args: ScaffoldArgs) -> anyhow::Result<ExitCode> {
    let template = match &args.template {
        Some(f) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read template {}; check the path", f.display()))?,
        None => postflow_ingest::scaffold::DEFAULT_TEMPLATE.to_string(),
    };
    let report = postflow_ingest::scaffold::scaffold(&args.code, &args.dir, &template)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for c in &report.created {
            println!("created {}/{c}", report.root);
        }
        println!(
            "{}: {} folders created, {} already there",
            report.root,
            report.created.len(),
            report.existing.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------- benchmark

fn evict_tree(root: &Path) {
    use postflow_ingest::scan::{join_rel, scan_tree};
    for f in scan_tree(root).files {
        if let Ok(f) = std::fs::File::open(join_rel(root, &f.path)) {
            postflow_ingest::fsutil::evict_from_cache(&f);
        }
    }
}

fn sh(script: &str) -> anyhow::Result<()> {
    let st = Command::new("bash")
        .arg("-c")
        .arg(script)
        .status()
        .with_context(|| format!("cannot run `{script}`"))?;
    if !st.success() {
        bail!("`{script}` failed with {st}");
    }
    Ok(())
}

fn timed(f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    sh("sync")?;
    let t = Instant::now();
    f()?;
    Ok(t.elapsed().as_secs_f64())
}

/// `ascmhl create` and postflow's MHL creation on the same folder, each starting with the folder
/// out of the page cache, so both read it from the medium; the reference tool once more with the
/// folder cached, to show what its own work costs.
struct MhlTimes {
    storage: f64,
    reference: (f64, f64),
    reference_cached: (f64, f64),
    ours: (f64, f64),
}

fn mhl_side_by_side(folder: &Path, ascmhl: &Path) -> anyhow::Result<MhlTimes> {
    let cold = || -> anyhow::Result<()> {
        sh("sync")?;
        evict_tree(folder);
        Ok(())
    };
    let reference = || {
        sh(&format!(
            "{} create -h xxh64 {} > /dev/null",
            ascmhl.display(),
            folder.display()
        ))
    };
    cold()?;
    let storage = timed(|| {
        sh(&format!(
            "find {} -type f -exec cat {{}} + > /dev/null",
            folder.display()
        ))
    })?;
    cold()?;
    let reference_timed = timed_cpu(reference)?;
    std::fs::remove_dir_all(folder.join("ascmhl"))?;
    let reference_cached = timed_cpu(reference)?;
    std::fs::remove_dir_all(folder.join("ascmhl"))?;
    cold()?;
    let ours = timed_cpu(|| {
        let mut o = VerifyOptions::new(folder.to_path_buf());
        o.create = true;
        o.algorithms = vec![HashAlgorithm::Xxh64];
        let r = postflow_ingest::verify(&o)?;
        if !r.ok {
            bail!("postflow MHL creation failed: {:?}", r.errors);
        }
        Ok(())
    })?;
    Ok(MhlTimes {
        storage,
        reference: reference_timed,
        reference_cached,
        ours,
    })
}

impl MhlTimes {
    fn print(&self, what: &str, mb: f64) {
        let row = |name: String, (t, cpu): (f64, f64)| {
            println!("{name:<44} {t:>8.2} s {:>9.1} MB/s  cpu {cpu:.2} s", mb / t);
        };
        row(
            format!("read {what} from the medium (find | cat)"),
            (self.storage, 0.0),
        );
        row(format!("ascmhl create on {what}"), self.reference);
        row(
            "  … again, already in the page cache".into(),
            self.reference_cached,
        );
        row(format!("postflow MHL creation on {what}"), self.ours);
    }

    fn print_ratios(&self, what: &str) {
        let (ours, ours_cpu) = self.ours;
        println!(
            "  ascmhl create / postflow MHL, {what:<9} = {:.2}×  (target ≥ 5×; cached ascmhl: {:.2}×; CPU: {:.2}×)",
            self.reference.0 / ours,
            self.reference_cached.0 / ours,
            self.reference.1 / ours_cpu.max(0.01)
        );
        println!(
            "  postflow MHL / medium read, {what:<9} = {:.2}×  (1.00 = hashing at the medium's read speed)",
            ours / self.storage
        );
    }
}

/// A frame-sequence folder: `frames` files of `size` bytes.
fn make_sequence(dir: &Path, frames: usize, size: usize) -> anyhow::Result<u64> {
    use rand::RngCore;
    std::fs::create_dir_all(dir)?;
    let mut buf = vec![0u8; size];
    let mut rng = rand::thread_rng();
    for i in 0..frames {
        rng.fill_bytes(&mut buf);
        std::fs::write(dir.join(format!("B001_FRAMES.{i:07}.dpx")), &buf)?;
    }
    Ok((frames * size) as u64)
}

/// Wall time and CPU time (this process's threads and its children) of `f`.
fn timed_cpu(f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<(f64, f64)> {
    // utime, stime, cutime and cstime from /proc/self/stat, in clock ticks (100 per second
    // on Linux); children count once they have been waited for, which `sh` does.
    fn cpu() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let after_name = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        after_name
            .split_whitespace()
            .skip(11)
            .take(4)
            .filter_map(|v| v.parse::<f64>().ok())
            .sum::<f64>()
            / 100.0
    }
    let before = cpu();
    let wall = timed(f)?;
    Ok((wall, cpu() - before))
}

/// Writes a card-like tree: a few large clips and many small sidecars, random content.
fn make_card(card: &Path, total: u64) -> anyhow::Result<u64> {
    use rand::RngCore;
    use std::io::Write;
    let clips = card.join("Clips");
    let meta = card.join("Metadata");
    std::fs::create_dir_all(&clips)?;
    std::fs::create_dir_all(&meta)?;
    let large = 4u64;
    let small = 300u64;
    let small_total = total / 10;
    let large_size = (total - small_total) / large;
    let small_size = (small_total / small).max(1);
    let mut rng = rand::thread_rng();
    let mut buf = vec![0u8; 1 << 20];
    let mut written = 0;
    let mut write = |path: PathBuf, size: u64| -> anyhow::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let mut left = size;
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            rng.fill_bytes(&mut buf[..n]);
            f.write_all(&buf[..n])?;
            left -= n as u64;
        }
        f.flush()?;
        written += size;
        Ok(())
    };
    for i in 0..large {
        write(
            clips.join(format!("A001C{:03}_260410_R1AB.mov", i + 1)),
            large_size,
        )?;
    }
    for i in 0..small {
        write(
            meta.join(format!("A001C{:03}_M{:02}.xml", i / 4 + 1, i % 4)),
            small_size,
        )?;
    }
    Ok(written)
}

fn ascmhl_venv() -> anyhow::Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/venv-ascmhl");
    let bin = root.join("bin/ascmhl");
    if !bin.exists() {
        eprintln!(
            "installing the ascmhl reference tool into {}",
            root.display()
        );
        sh(&format!(
            "mkdir -p {p}/.. && flock {p}.lock sh -c 'test -x {p}/bin/ascmhl || (python3 -m venv {p} && {p}/bin/pip install -q ascmhl)'",
            p = root.display()
        ))?;
    }
    Ok(bin)
}

pub fn run_bench_ingest(args: BenchIngestArgs) -> anyhow::Result<ExitCode> {
    if args.size_gb.is_nan() || args.size_gb <= 0.0 {
        bail!("--size-gb must be above 0");
    }
    let tmp;
    let work = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir_in(std::env::current_dir()?)?;
            tmp.path().to_path_buf()
        }
    };
    let work = work.join("postflow-bench");
    let _ = std::fs::remove_dir_all(&work);
    let card = work.join("src/A001R1AB");
    let d1 = work.join("dest1");
    let d2 = work.join("dest2");
    let total = (args.size_gb * 1e9) as u64;
    eprintln!(
        "building a {:.2} GB card in {}",
        args.size_gb,
        card.display()
    );
    let bytes = make_card(&card, total)?;
    let files = postflow_ingest::scan::scan_tree(&card).files.len();
    let ascmhl = ascmhl_venv()?;
    let reset = || -> anyhow::Result<()> {
        for d in [&d1, &d2] {
            let _ = std::fs::remove_dir_all(d);
            std::fs::create_dir_all(d)?;
        }
        sh("sync")?;
        evict_tree(&card);
        Ok(())
    };
    let src = card.display().to_string();
    let (s1, s2) = (d1.display().to_string(), d2.display().to_string());

    reset()?;
    let t_postflow = timed(|| {
        let opts = IngestOptions::new(card.clone(), vec![d1.clone(), d2.clone()]);
        let r = postflow_ingest::ingest(&opts, &postflow_ingest::NoProgress)?;
        if !r.complete {
            bail!("postflow ingest was incomplete: {:?}", r.errors);
        }
        Ok(())
    })?;

    reset()?;
    let t_manual = timed(|| {
        sh(&format!("cp -r {src} {s1}/ && cp -r {src} {s2}/ && sync"))?;
        evict_tree(&d1);
        evict_tree(&d2);
        evict_tree(&card);
        sh(&format!(
            "for d in {src} {s1}/A001R1AB {s2}/A001R1AB; do (cd $d && find . -type f -print0 | sort -z | xargs -0 xxhsum -H1 > /dev/null); done"
        ))
    })?;

    reset()?;
    let t_cp_sync = timed(|| sh(&format!("cp -r {src} {s1}/ && cp -r {src} {s2}/ && sync")))?;
    reset()?;
    let t_cp = timed(|| sh(&format!("cp -r {src} {s1}/ && cp -r {src} {s2}/")))?;

    // MHL creation on an existing copy: d1 holds a plain copy now. And a frame-sequence
    // folder, where the per-file cost of each tool shows.
    let card_mhl = mhl_side_by_side(&d1.join("A001R1AB"), &ascmhl)?;
    let seq = work.join("seq/B001_FRAMES");
    let seq_bytes = make_sequence(&seq, 10_000, 50_000)?;
    let seq_mhl = mhl_side_by_side(&seq, &ascmhl)?;

    let mb = bytes as f64 / 1e6;
    let row = |name: &str, t: f64| {
        println!("{name:<44} {t:>8.2} s {:>9.1} MB/s", mb / t);
    };
    println!(
        "card: {files} files, {:.2} GB ({} large clips, 300 sidecars); 2 destinations on {}",
        bytes as f64 / 1e9,
        4,
        work.display()
    );
    row("postflow ingest (read once, 2 dests, verified)", t_postflow);
    row("cp -r ×2 + sync + evict + xxhsum ×3", t_manual);
    row("cp -r ×2 + sync (no verification)", t_cp_sync);
    row("cp -r ×2 (no sync, no verification)", t_cp);
    card_mhl.print("the card copy", mb);
    println!(
        "frame sequence: 10000 files of 50 kB, {:.2} GB",
        seq_bytes as f64 / 1e9
    );
    seq_mhl.print("the sequence", seq_bytes as f64 / 1e6);
    println!("ratios:");
    println!(
        "  manual verified copy / postflow  = {:.2}×  (target ≥ 1.5×)",
        t_manual / t_postflow
    );
    println!(
        "  postflow / cp -r ×2 + sync       = {:.2}×  (target ≤ 1.3×)",
        t_postflow / t_cp_sync
    );
    println!(
        "  postflow / cp -r ×2 (no sync)    = {:.2}×",
        t_postflow / t_cp
    );
    card_mhl.print_ratios("card copy");
    seq_mhl.print_ratios("sequence");
    let _ = std::fs::remove_dir_all(&work);
    Ok(ExitCode::SUCCESS)
}
