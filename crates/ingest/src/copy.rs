//! The verified multi-destination copy.
//!
//! Each source file is read once; every chunk is hashed and handed to one writer thread per
//! destination through a bounded channel (so a slow destination holds the reader back only
//! once its buffer is full). A writer writes to a temporary name, sets the source's times,
//! fsyncs, evicts the file from the page cache and re-reads it from the medium; the copy is
//! renamed to its final name only when that re-read hash equals the source's. Files are
//! processed by a few workers in parallel.
use crate::fsutil::{evict_from_cache, sync_dir};
use crate::hash::{HashAlgorithm, HashValue, MultiHasher};
use crate::history::{copy_history, Comparison, FileFacts, HistorySet, Known, SealRequest};
use crate::mhl::MHL_FOLDER;
use crate::naming::NamingConventions;
use crate::report::{
    CardRecord, CopyResult, DestinationReport, DestinationStatus, FileReport, IngestReport,
    Skipped, SourceHistoryReport, Totals, INGEST_SCHEMA,
};
use crate::scan::{join_rel, scan_tree, to_utc, Scan, ScannedFile, PARTIAL_SUFFIX};
use chrono::Utc;
use crossbeam_channel::{bounded, Receiver, Sender};
use filetime::FileTime;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

/// Everything an ingest needs, passed explicitly.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    pub source: PathBuf,
    pub destinations: Vec<PathBuf>,
    /// Formats to compute; the first is the one shown first in reports.
    pub algorithms: Vec<HashAlgorithm>,
    pub project: Option<String>,
    /// Checked against every file name when set.
    pub naming: Option<NamingConventions>,
    /// Rename files into the convention where mechanical fixes suffice.
    pub rename: bool,
    /// Files copied at the same time.
    pub jobs: usize,
    /// Bytes per chunk read from the source.
    pub chunk_size: usize,
    /// Chunks buffered per destination.
    pub queue_depth: usize,
    /// Also record the hashes read from the source as a new generation in the source's own
    /// `ascmhl/` history (created when absent). A source that refuses writes (write-protected
    /// card, read-only mount) does not stop the ingest: the report says it was not written.
    pub write_source_history: bool,
}

impl IngestOptions {
    pub fn new(source: PathBuf, destinations: Vec<PathBuf>) -> IngestOptions {
        IngestOptions {
            source,
            destinations,
            algorithms: vec![HashAlgorithm::Xxh64],
            project: None,
            naming: None,
            rename: false,
            jobs: 2,
            chunk_size: 4 << 20,
            queue_depth: 8,
            write_source_history: false,
        }
    }
}

/// Errors that stop an ingest before it starts.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("source {0} is not a readable folder; give the card or sound-roll folder to copy")]
    BadSource(PathBuf),
    #[error("no destination given; add at least one --dest DIR")]
    NoDestination,
    #[error("destination {0} does not exist or is not a folder; mount the drive or create the folder first")]
    BadDestination(PathBuf),
    #[error("destination {dest} overlaps the source {src}; choose a folder outside it")]
    DestinationInSource { dest: PathBuf, src: PathBuf },
    #[error("the same destination {0} is given twice")]
    DuplicateDestination(PathBuf),
    #[error("source {0} has no files to copy; check that the card is mounted and that you gave the card's own folder, not an empty one")]
    EmptySource(PathBuf),
}

/// Progress callbacks (the CLI draws bars with them). Called from worker threads.
pub trait Progress: Sync {
    fn start(&self, _total_bytes: u64, _destinations: &[PathBuf]) {}
    /// `bytes` more were written (or re-read for verification) on destination `dest`.
    fn advance(&self, _dest: usize, _bytes: u64) {}
    fn destination_done(&self, _dest: usize, _status: DestinationStatus) {}
}

/// A progress sink that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

struct DestState {
    root: PathBuf,
    target: PathBuf,
    failed: AtomicBool,
    error: Mutex<Option<String>>,
    bytes_written: AtomicU64,
}

impl DestState {
    fn fail(&self, msg: String) {
        let mut e = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if e.is_none() {
            *e = Some(msg);
        }
        self.failed.store(true, Ordering::SeqCst);
    }
    fn is_failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }
    fn name(&self) -> String {
        self.root.display().to_string()
    }
}

enum Msg {
    Data(Arc<Vec<u8>>),
    Finish,
    Abort,
}

/// What a writer or verifier thread reports back.
enum DestOutcome {
    /// Copy written under `temp` and re-read: its hashes.
    Written {
        temp: PathBuf,
        hashes: Vec<HashValue>,
    },
    /// Existing final file re-read: its hashes.
    Reread {
        hashes: Vec<HashValue>,
    },
    /// The destination itself failed (full, gone, read-only, I/O error).
    DestinationError(String),
    Aborted,
}

const SYNC_EVERY: u64 = 64 << 20;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn temp_path(final_path: &Path) -> PathBuf {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = final_path.parent().unwrap_or(Path::new("."));
    dir.join(format!(
        ".postflow-{}-{n}{PARTIAL_SUFFIX}",
        std::process::id()
    ))
}

/// Reads `path` from the medium (after evicting it) and hashes it.
fn reread_hashes(
    path: &Path,
    algorithms: &[HashAlgorithm],
    chunk: usize,
    mut on_bytes: impl FnMut(u64),
) -> std::io::Result<Vec<HashValue>> {
    let mut f = File::open(path)?;
    evict_from_cache(&f);
    let mut hasher = MultiHasher::new(algorithms);
    let mut buf = crate::fsutil::read_buffer(f.metadata()?.len(), chunk);
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        on_bytes(n as u64);
    }
    // the verified copy need not stay in memory either
    evict_from_cache(&f);
    Ok(hasher.finish())
}

struct Ctx<'a> {
    opts: &'a IngestOptions,
    dests: Vec<DestState>,
    progress: &'a dyn Progress,
    /// The history (or MHL v1 lists) the card carried; empty when it carried none.
    card: &'a HistorySet,
    /// How the card's record is named in messages.
    card_record_name: &'static str,
}

struct Job {
    index: usize,
    file: ScannedFile,
    dest_rel: String,
    original: Option<String>,
    /// Formats computed in the one read: the requested ones, plus one the card's record holds
    /// when it holds none of them.
    algorithms: Vec<HashAlgorithm>,
    /// Compare with the card's record (it carries one, and this is not an MHL v1 list itself).
    check_record: bool,
}

/// Preference among recorded formats when the requested ones were not recorded: the fastest.
const CHECK_PREFERENCE: [HashAlgorithm; 6] = [
    HashAlgorithm::Xxh3,
    HashAlgorithm::Xxh128,
    HashAlgorithm::Xxh64,
    HashAlgorithm::Md5,
    HashAlgorithm::Sha1,
    HashAlgorithm::C4,
];

/// The formats to compute for a file with record `known`: the requested ones, plus the
/// fastest recorded one when none of the requested formats was recorded (the reference tool
/// likewise verifies one recorded format before it vouches for a new one).
fn algorithms_for_check(requested: &[HashAlgorithm], known: Option<&Known>) -> Vec<HashAlgorithm> {
    let mut out = requested.to_vec();
    if let Some(k) = known {
        if !k.hashes.is_empty() && !requested.iter().any(|a| k.hashes.contains_key(a)) {
            if let Some(a) = CHECK_PREFERENCE
                .into_iter()
                .find(|a| k.hashes.contains_key(a))
            {
                out.push(a);
            }
        }
    }
    out
}

/// Compares the hashes read from the source with the card's record of the file.
fn check_record(known: Option<&Known>, read: &[HashValue]) -> CardRecord {
    let Some(k) = known else {
        return CardRecord::NotRecorded;
    };
    let mut matched = None;
    for hv in read {
        if let Some(recorded) = k.hashes.get(&hv.algorithm) {
            if !recorded.eq_ignore_ascii_case(&hv.value) {
                return CardRecord::Mismatch {
                    algorithm: hv.algorithm,
                    recorded: recorded.clone(),
                    read: hv.value.clone(),
                };
            }
            matched.get_or_insert(hv.algorithm);
        }
    }
    match matched {
        Some(algorithm) => CardRecord::Matched { algorithm },
        None => CardRecord::Unverifiable,
    }
}

fn writer_thread(
    ctx: &Ctx<'_>,
    d: usize,
    temp: PathBuf,
    mut out: File,
    rx: Receiver<Msg>,
    times: (FileTime, FileTime),
    algorithms: &[HashAlgorithm],
) -> DestOutcome {
    let dest = &ctx.dests[d];
    let fail = |what: &str, e: std::io::Error, temp: &Path| {
        let _ = std::fs::remove_file(temp);
        DestOutcome::DestinationError(format!("{what} {}: {e}", temp.display()))
    };
    let mut unsynced = 0u64;
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Data(chunk) => {
                if let Err(e) = out.write_all(&chunk) {
                    drop(rx);
                    return fail("cannot write", e, &temp);
                }
                dest.bytes_written
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                crate::fault::chunk_written();
                // start writing back early, so the final fsync before verification is short
                // and the disk works while the source is still being read
                unsynced += chunk.len() as u64;
                if unsynced >= SYNC_EVERY {
                    unsynced = 0;
                    if let Err(e) = out.sync_data() {
                        return fail("cannot flush", e, &temp);
                    }
                }
                ctx.progress.advance(d, chunk.len() as u64);
            }
            Msg::Abort => {
                drop(out);
                let _ = std::fs::remove_file(&temp);
                return DestOutcome::Aborted;
            }
            Msg::Finish => {
                if let Err(e) = filetime::set_file_handle_times(&out, Some(times.0), Some(times.1))
                {
                    return fail("cannot set the modification time of", e, &temp);
                }
                if let Err(e) = out.sync_all() {
                    return fail("cannot flush", e, &temp);
                }
                evict_from_cache(&out);
                drop(out);
                return match reread_hashes(&temp, algorithms, ctx.opts.chunk_size, |n| {
                    ctx.progress.advance(d, n)
                }) {
                    Ok(hashes) => DestOutcome::Written { temp, hashes },
                    Err(e) => fail("cannot re-read", e, &temp),
                };
            }
        }
    }
    // the reader went away without a verdict
    let _ = std::fs::remove_file(&temp);
    DestOutcome::Aborted
}

enum Plan {
    Write {
        temp: PathBuf,
        file: File,
    },
    Reuse,
    Skip(CopyResult),
    /// Handed to a writer thread.
    Writing,
}

fn mtime_eq(a: SystemTime, b: SystemTime) -> bool {
    FileTime::from_system_time(a) == FileTime::from_system_time(b)
}

fn copy_one(ctx: &Ctx<'_>, job: &Job) -> FileReport {
    let started = Instant::now();
    let opts = ctx.opts;
    let src = join_rel(&opts.source, &job.file.path);
    let mut report = FileReport {
        path: job.dest_rel.clone(),
        original_path: job.original.clone(),
        size: job.file.size,
        modified: to_utc(job.file.mtime),
        hashes: Vec::new(),
        read_at: None,
        seconds: 0.0,
        error: None,
        card_record: None,
        copies: Vec::new(),
    };
    let not_copied = |d: &DestState, error: String| CopyResult {
        destination: d.name(),
        verified: false,
        verified_at: None,
        reused: false,
        identical: false,
        error: Some(error),
    };
    crate::fault::before_open(&src, &job.file.path);
    let open = File::open(&src).and_then(|f| f.metadata().map(|m| (f, m)));
    let (mut input, before) = match open {
        Ok(x) => x,
        Err(e) => {
            report.error = Some(format!(
                "cannot read {}: {e}; check the card reader and the file's permissions",
                src.display()
            ));
            report.copies = ctx
                .dests
                .iter()
                .map(|d| not_copied(d, "source unreadable".into()))
                .collect();
            return report;
        }
    };
    report.size = before.len();
    report.modified = to_utc(before.modified().unwrap_or(job.file.mtime));
    let times = (
        FileTime::from_last_access_time(&before),
        FileTime::from_last_modification_time(&before),
    );

    // decide per destination: write, re-verify an existing copy, or skip
    let mut plans: Vec<Plan> = Vec::new();
    for d in &ctx.dests {
        if d.is_failed() {
            plans.push(Plan::Skip(not_copied(
                d,
                "destination failed earlier in this ingest".into(),
            )));
            continue;
        }
        let final_path = join_rel(&d.target, &job.dest_rel);
        if let Ok(m) = std::fs::symlink_metadata(&final_path) {
            let same = m.is_file()
                && m.len() == before.len()
                && before
                    .modified()
                    .ok()
                    .zip(m.modified().ok())
                    .map(|(a, b)| mtime_eq(a, b))
                    == Some(true);
            plans.push(if same {
                Plan::Reuse
            } else {
                Plan::Skip(not_copied(
                    d,
                    format!(
                        "{} already exists and differs from the source; move it away to copy this file again",
                        final_path.display()
                    ),
                ))
            });
            continue;
        }
        // never recreate a destination that vanished (an unmounted drive would be recreated
        // as an empty folder on the system disk)
        if !d.target.is_dir() {
            let msg = format!("{} disappeared", d.target.display());
            d.fail(msg.clone());
            plans.push(Plan::Skip(not_copied(
                d,
                format!("destination failed: {msg}"),
            )));
            continue;
        }
        let temp = temp_path(&final_path);
        let created = final_path
            .parent()
            .map(std::fs::create_dir_all)
            .unwrap_or(Ok(()))
            .and_then(|_| File::create(&temp));
        match created {
            Ok(file) => plans.push(Plan::Write { temp, file }),
            Err(e) => {
                d.fail(format!("cannot create {}: {e}", temp.display()));
                plans.push(Plan::Skip(not_copied(
                    d,
                    format!("destination failed: {e}"),
                )));
            }
        }
    }

    let algorithms = &job.algorithms;
    let mut hasher = MultiHasher::new(algorithms);
    let mut read_error: Option<String> = None;
    let mut bytes_read: u64 = 0;
    let outcomes: Vec<Option<DestOutcome>> = std::thread::scope(|s| {
        let mut senders: Vec<Option<Sender<Msg>>> = Vec::new();
        let mut handles = Vec::new();
        for (d, plan) in plans.iter_mut().enumerate() {
            match std::mem::replace(plan, Plan::Writing) {
                Plan::Write { temp, file } => {
                    let (tx, rx) = bounded::<Msg>(opts.queue_depth.max(1));
                    senders.push(Some(tx));
                    handles.push(Some(s.spawn(move || {
                        writer_thread(ctx, d, temp, file, rx, times, algorithms)
                    })));
                }
                other => {
                    *plan = other;
                    senders.push(None);
                    handles.push(None);
                }
            }
        }
        let buf_size = opts.chunk_size.max(4096);
        loop {
            // read_to_end on a fresh buffer fills whole chunks without zeroing them first
            // sized to what is left of the file (a file still growing just takes more reads)
            let left = before.len().saturating_sub(bytes_read).saturating_add(1);
            let mut buf =
                Vec::with_capacity(buf_size.min(usize::try_from(left).unwrap_or(buf_size)));
            let n = match (&mut input).take(buf_size as u64).read_to_end(&mut buf) {
                Ok(n) => n,
                Err(e) => {
                    read_error = Some(format!("read error in {}: {e}", src.display()));
                    break;
                }
            };
            if n == 0 {
                break;
            }
            hasher.update(&buf);
            if bytes_read == 0 {
                crate::fault::after_first_chunk(&src, &job.file.path);
            }
            bytes_read += n as u64;
            let chunk = Arc::new(buf);
            for tx in senders.iter_mut() {
                if let Some(t) = tx {
                    if t.send(Msg::Data(chunk.clone())).is_err() {
                        *tx = None;
                    }
                }
            }
        }
        // a file still being written shows a different size or date after the read
        if read_error.is_none() {
            let after = input.metadata().ok();
            let path_after = std::fs::metadata(&src).ok();
            let changed = match (after, path_after) {
                (Some(a), Some(p)) => {
                    a.len() != before.len()
                        || p.len() != before.len()
                        || bytes_read != before.len()
                        || !before
                            .modified()
                            .ok()
                            .zip(a.modified().ok())
                            .map(|(x, y)| mtime_eq(x, y))
                            .unwrap_or(false)
                        || !before
                            .modified()
                            .ok()
                            .zip(p.modified().ok())
                            .map(|(x, y)| mtime_eq(x, y))
                            .unwrap_or(false)
                }
                _ => true,
            };
            if changed {
                read_error = Some(format!(
                    "{} changed while it was being copied (size or modification time differ); copy it again once it is no longer being written",
                    src.display()
                ));
            }
        }
        let last = if read_error.is_some() {
            Msg::Abort
        } else {
            Msg::Finish
        };
        for t in senders.iter().flatten() {
            let _ = t.send(match last {
                Msg::Abort => Msg::Abort,
                _ => Msg::Finish,
            });
        }
        drop(senders);
        // existing copies from an earlier run are re-read now, in parallel
        let mut reuse_handles = Vec::new();
        for (d, plan) in plans.iter().enumerate() {
            if matches!(plan, Plan::Reuse) && read_error.is_none() {
                let final_path = join_rel(&ctx.dests[d].target, &job.dest_rel);
                reuse_handles.push((
                    d,
                    s.spawn(move || {
                        match reread_hashes(&final_path, algorithms, opts.chunk_size, |n| {
                            ctx.progress.advance(d, 2 * n)
                        }) {
                            Ok(hashes) => DestOutcome::Reread { hashes },
                            Err(e) => DestOutcome::DestinationError(format!(
                                "cannot re-read {}: {e}",
                                final_path.display()
                            )),
                        }
                    }),
                ));
            }
        }
        let mut out: Vec<Option<DestOutcome>> = handles
            .into_iter()
            .map(|h| {
                h.map(|h| {
                    h.join().unwrap_or_else(|_| {
                        DestOutcome::DestinationError("writer thread crashed".into())
                    })
                })
            })
            .collect();
        for (d, h) in reuse_handles {
            out[d] = Some(h.join().unwrap_or_else(|_| {
                DestOutcome::DestinationError("verifier thread crashed".into())
            }));
        }
        out
    });
    let source_hashes = hasher.finish();
    report.read_at = Some(Utc::now());
    // a file that does not match the history the card carried is not what was sealed: its
    // copies are kept (they are faithful to the card) but never count as verified
    let mut sealed_differently: Option<String> = None;
    if read_error.is_none() {
        report.hashes = source_hashes.clone();
        if job.check_record {
            let check = check_record(ctx.card.known(&job.file.path), &source_hashes);
            if let CardRecord::Mismatch {
                algorithm,
                recorded,
                read,
            } = &check
            {
                sealed_differently = Some(format!(
                    "{} on the source does not match the card's {} ({algorithm} recorded {recorded}, read {read}): the card is not what was sealed",
                    job.file.path, ctx.card_record_name
                ));
            }
            report.card_record = Some(check);
        }
    }
    report.error = read_error.clone().or_else(|| sealed_differently.clone());
    let verified_result = |d: &DestState, reused: bool| {
        match &sealed_differently {
        None => CopyResult {
            destination: d.name(),
            verified: true,
            verified_at: Some(Utc::now()),
            reused,
            identical: true,
            error: None,
        },
        Some(_) => CopyResult {
            destination: d.name(),
            verified: false,
            verified_at: None,
            reused,
            identical: true,
            error: Some(format!(
                "copied as read, but the source does not match the card's {}; not a verified copy of the sealed card",
                ctx.card_record_name
            )),
        },
    }
    };

    for (d, (plan, outcome)) in plans.into_iter().zip(outcomes).enumerate() {
        let dest = &ctx.dests[d];
        let final_path = join_rel(&dest.target, &job.dest_rel);
        let result = match (plan, outcome) {
            (Plan::Skip(r), _) => r,
            (_, Some(DestOutcome::Aborted)) | (_, None) => not_copied(
                dest,
                read_error
                    .clone()
                    .unwrap_or_else(|| "copy not finished".into()),
            ),
            (_, Some(DestOutcome::DestinationError(e))) => {
                dest.fail(e.clone());
                not_copied(dest, format!("destination failed: {e}"))
            }
            (_, Some(DestOutcome::Written { temp, hashes })) => {
                if hashes != source_hashes {
                    let _ = std::fs::remove_file(&temp);
                    not_copied(
                        dest,
                        format!(
                            "the copy read back from {} does not match the source ({} vs {}); the destination may be failing",
                            dest.name(),
                            hashes.first().map(|h| h.value.as_str()).unwrap_or(""),
                            source_hashes.first().map(|h| h.value.as_str()).unwrap_or("")
                        ),
                    )
                } else {
                    match std::fs::rename(&temp, &final_path) {
                        Ok(()) => verified_result(dest, false),
                        Err(e) => {
                            let _ = std::fs::remove_file(&temp);
                            let msg = format!("cannot rename {} into place: {e}", temp.display());
                            dest.fail(msg.clone());
                            not_copied(dest, format!("destination failed: {msg}"))
                        }
                    }
                }
            }
            (_, Some(DestOutcome::Reread { hashes })) => {
                if hashes == source_hashes {
                    verified_result(dest, true)
                } else {
                    not_copied(
                        dest,
                        format!(
                            "{} already exists with the source's size and date but different content; move it away to copy this file again",
                            final_path.display()
                        ),
                    )
                }
            }
        };
        report.copies.push(result);
    }
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// Why writing into the source failed, in the words a data wrangler expects.
fn why_not_written(folder: &Path, e: &std::io::Error) -> String {
    let read_only = e.raw_os_error() == Some(libc::EROFS)
        || e.kind() == std::io::ErrorKind::PermissionDenied
        || e.kind() == std::io::ErrorKind::ReadOnlyFilesystem;
    if read_only {
        format!(
            "the source is read-only (a write-protected card or a read-only mount): cannot write {}: {e}",
            folder.display()
        )
    } else {
        format!("cannot write {}: {e}", folder.display())
    }
}

/// Records the hashes of the one source read as a new `in-place` generation of the source's
/// own history (the card's, extended; or a new one). Returns the generation files written.
fn write_source_history(
    card: &mut HistorySet,
    scan: &Scan,
    files: &[FileReport],
    opts: &IngestOptions,
    destinations: usize,
) -> Result<Vec<String>, String> {
    let folder = card.root.join(MHL_FOLDER);
    if !card.problems().is_empty() {
        return Err(format!(
            "the history in {} has problems (named in the errors), and a damaged history is never extended",
            folder.display()
        ));
    }
    crate::fault::source_write().map_err(|e| why_not_written(&folder, &e))?;
    let facts: Vec<FileFacts> = files
        .iter()
        .filter(|f| !f.hashes.is_empty())
        .map(|f| FileFacts {
            path: f.original_path.clone().unwrap_or_else(|| f.path.clone()),
            size: f.size,
            modified: f.modified,
            hashes: f.hashes.clone(),
            hashed_at: f.read_at.unwrap_or_else(Utc::now),
            previous_path: None,
        })
        .collect();
    let all_read = facts.len() == files.len() && scan.errors.is_empty();
    let dirs: Vec<(String, Option<chrono::DateTime<Utc>>)> = scan
        .dirs
        .iter()
        .map(|d| (d.path.clone(), d.mtime.map(to_utc)))
        .collect();
    let algs: Vec<HashAlgorithm> = if all_read {
        opts.algorithms.clone()
    } else {
        Vec::new()
    };
    let project = opts
        .project
        .as_ref()
        .map(|p| format!(" for project {p}"))
        .unwrap_or_default();
    let req = SealRequest {
        files: &facts,
        dirs: &dirs,
        dir_hash_algorithms: &algs,
        process: "in-place",
        comment: Some(format!(
            "postflow ingest{project}: source hashed while copying to {destinations} destination(s)"
        )),
        now: Utc::now(),
    };
    let outcome = card.seal(&req).map_err(|e| why_not_written(&folder, &e))?;
    Ok(outcome
        .written
        .iter()
        .map(|p| p.display().to_string())
        .collect())
}

fn remove_partials(target: &Path) -> usize {
    let mut n = 0;
    for e in walkdir::WalkDir::new(target)
        .follow_links(false)
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file()
            && e.file_name().to_string_lossy().ends_with(PARTIAL_SUFFIX)
            && std::fs::remove_file(e.path()).is_ok()
        {
            n += 1;
        }
    }
    n
}

/// Copies `opts.source` into `<dest>/<source folder name>` on every destination, verified, and
/// writes a new ASC MHL generation on each. Problems with single files or destinations are in
/// the report (`complete == false`), not in the `Err`.
pub fn ingest(opts: &IngestOptions, progress: &dyn Progress) -> Result<IngestReport, IngestError> {
    let started_at = Utc::now();
    let t0 = Instant::now();
    let source = opts
        .source
        .canonicalize()
        .map_err(|_| IngestError::BadSource(opts.source.clone()))?;
    if !source.is_dir() {
        return Err(IngestError::BadSource(opts.source.clone()));
    }
    if opts.destinations.is_empty() {
        return Err(IngestError::NoDestination);
    }
    let folder = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| IngestError::BadSource(opts.source.clone()))?;
    let mut dests = Vec::new();
    let mut seen = BTreeSet::new();
    for d in &opts.destinations {
        let canon = d
            .canonicalize()
            .ok()
            .filter(|c| c.is_dir())
            .ok_or_else(|| IngestError::BadDestination(d.clone()))?;
        let target = canon.join(&folder);
        if canon.starts_with(&source) || source.starts_with(&target) {
            return Err(IngestError::DestinationInSource {
                dest: d.clone(),
                src: opts.source.clone(),
            });
        }
        if !seen.insert(canon.clone()) {
            return Err(IngestError::DuplicateDestination(d.clone()));
        }
        dests.push(DestState {
            root: d.clone(),
            target,
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
            bytes_written: AtomicU64::new(0),
        });
    }
    let opts_canon = IngestOptions {
        source: source.clone(),
        ..opts.clone()
    };
    let opts = &opts_canon;
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut skipped = Vec::new();

    let scan = scan_tree(&source);
    // Nothing to copy is never a complete offload: an unmounted card or a wrong folder would
    // otherwise be reported as COMPLETE.
    if scan.files.is_empty() && scan.symlinks.is_empty() && scan.errors.is_empty() {
        return Err(IngestError::EmptySource(opts.source.clone()));
    }
    for (p, e) in &scan.errors {
        errors.push(format!("cannot read {p} on the source: {e}"));
        skipped.push(Skipped {
            path: p.clone(),
            reason: format!("unreadable: {e}"),
        });
    }
    for (p, t) in &scan.symlinks {
        warnings.push(format!("{p} is a symbolic link to {t}; recreated as a link, its target is not copied or hashed"));
        skipped.push(Skipped {
            path: p.clone(),
            reason: format!("symbolic link to {t}"),
        });
    }
    for p in &scan.special {
        warnings.push(format!(
            "{p} is not a regular file (device, socket or pipe) and was not copied"
        ));
        skipped.push(Skipped {
            path: p.clone(),
            reason: "not a regular file".into(),
        });
    }
    for p in &scan.partials {
        warnings.push(format!(
            "{p} on the source is an unfinished postflow copy and was not copied"
        ));
    }

    // the history the card carried: every file is checked against it during the one read,
    // and every destination's history continues it
    let mut card = HistorySet::load(&source, &scan.histories);
    let v1_lists: BTreeSet<String> = card
        .histories
        .get("")
        .map(|h| h.v1_list_names())
        .unwrap_or_default();
    let carried = if card.histories.values().any(|h| h.exists()) {
        "ascmhl"
    } else if card.histories.get("").is_some_and(|h| !h.v1.is_empty()) {
        "mhl_v1"
    } else {
        "none"
    };
    let card_record_name = if carried == "mhl_v1" {
        "MHL v1 list"
    } else {
        "ASC MHL history"
    };
    let mut source_history = SourceHistoryReport {
        carried,
        generations: card.histories.values().map(|h| h.generations.len()).sum(),
        v1_lists: v1_lists.iter().cloned().collect(),
        requested: opts.write_source_history,
        ..SourceHistoryReport::default()
    };
    if opts.write_source_history {
        // a generation of ours that a kill left unchained on the source is completed first
        // (when the source takes writes at all)
        for h in card.histories.values_mut() {
            if crate::fault::source_write().is_ok() {
                if let Ok(Some(g)) = h.complete_interrupted_chain() {
                    warnings.push(format!(
                        "completed the chain entry for {g} on the source left by an interrupted run"
                    ));
                }
            }
        }
    }
    for (k, p) in card.problems() {
        let at = if k.is_empty() {
            String::new()
        } else {
            format!(" (in {k})")
        };
        errors.push(format!("ASC MHL history on the source{at}: {p}"));
        source_history.problems.push(format!("{p}{at}"));
    }
    if carried != "none" {
        let on_card: BTreeSet<&str> = scan
            .files
            .iter()
            .map(|f| f.path.as_str())
            .chain(scan.errors.iter().map(|(p, _)| p.as_str()))
            .collect();
        for p in card.known_paths() {
            if !on_card.contains(p.as_str()) {
                errors.push(format!(
                    "{p} is recorded in the card's {card_record_name} but missing from the card: the card is not what was sealed"
                ));
                source_history.missing.push(p);
            }
        }
    }

    // names: check, and optionally rename the file name part
    let mut jobs: Vec<Job> = Vec::new();
    let mut taken: BTreeSet<String> = scan.files.iter().map(|f| f.path.clone()).collect();
    for (index, f) in scan.files.iter().enumerate() {
        let mut dest_rel = f.path.clone();
        let mut original = None;
        if let Some(n) = &opts.naming {
            if let Some(v) = n.check(&f.path) {
                let name = f.path.rsplit('/').next().unwrap_or(&f.path);
                let suggestion = if opts.rename {
                    n.suggest(name, opts.project.as_deref())
                } else {
                    None
                };
                match suggestion {
                    Some(new_name) => {
                        let new_rel = match f.path.rsplit_once('/') {
                            Some((dir, _)) => format!("{dir}/{new_name}"),
                            None => new_name.clone(),
                        };
                        if taken.contains(&new_rel) {
                            warnings.push(format!("{} does not follow the {} naming convention ({}); not renamed because {new_rel} exists", f.path, v.kind, v.expected));
                        } else {
                            warnings.push(format!(
                                "{} renamed to {new_name} to follow the {} naming convention",
                                f.path, v.kind
                            ));
                            taken.insert(new_rel.clone());
                            original = Some(f.path.clone());
                            dest_rel = new_rel;
                        }
                    }
                    None => warnings.push(format!(
                        "{} does not follow the {} naming convention {}",
                        f.path, v.kind, v.expected
                    )),
                }
            }
        }
        let algorithms = if carried != "none" {
            algorithms_for_check(&opts.algorithms, card.known(&f.path))
        } else {
            opts.algorithms.clone()
        };
        jobs.push(Job {
            index,
            file: f.clone(),
            dest_rel,
            original,
            algorithms,
            check_record: carried != "none" && !v1_lists.contains(&f.path),
        });
    }

    // prepare destinations: clean leftovers of an interrupted run, create the folder tree
    for d in &dests {
        if d.target.is_dir() {
            let n = remove_partials(&d.target);
            if n > 0 {
                warnings.push(format!(
                    "removed {n} unfinished cop{} left in {} by an interrupted run",
                    if n == 1 { "y" } else { "ies" },
                    d.target.display()
                ));
            }
        }
        let mut made = std::fs::create_dir_all(&d.target);
        for dir in &scan.dirs {
            if made.is_ok() {
                made = std::fs::create_dir_all(join_rel(&d.target, &dir.path));
            }
        }
        if let Err(e) = made {
            d.fail(format!(
                "cannot create folders in {}: {e}",
                d.target.display()
            ));
        }
    }

    let total_bytes: u64 = scan.files.iter().map(|f| f.size).sum();
    let dest_roots: Vec<PathBuf> = dests.iter().map(|d| d.root.clone()).collect();
    progress.start(total_bytes, &dest_roots);
    let ctx = Ctx {
        opts,
        dests,
        progress,
        card: &card,
        card_record_name,
    };

    // big files first would starve the small ones of parallelism; keep the source order
    let (job_tx, job_rx) = bounded::<&Job>(jobs.len().max(1));
    for j in &jobs {
        let _ = job_tx.send(j);
    }
    drop(job_tx);
    let results: Mutex<Vec<(usize, FileReport)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            let rx = job_rx.clone();
            let ctx = &ctx;
            let results = &results;
            s.spawn(move || {
                while let Ok(job) = rx.recv() {
                    let r = copy_one(ctx, job);
                    crate::fault::file_finished();
                    results
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((job.index, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _)| *i);
    let files: Vec<FileReport> = results.into_iter().map(|(_, r)| r).collect();
    let Ctx { dests, .. } = ctx;

    for f in &files {
        if let Some(e) = &f.error {
            errors.push(e.clone());
        }
        for c in &f.copies {
            if let Some(e) = &c.error {
                if f.error.is_none() && !e.starts_with("destination failed") {
                    errors.push(format!("{} on {}: {e}", f.path, c.destination));
                }
            }
        }
    }

    let mut sealed_differently: BTreeSet<&str> = BTreeSet::new();
    for f in &files {
        let on_card = f.original_path.as_ref().unwrap_or(&f.path);
        match &f.card_record {
            Some(CardRecord::Matched { .. }) => source_history.files_matched += 1,
            Some(CardRecord::Mismatch { .. }) => {
                source_history.mismatched.push(on_card.clone());
                sealed_differently.insert(f.path.as_str());
            }
            Some(CardRecord::NotRecorded) => {
                warnings.push(format!(
                    "{on_card} is not recorded in the card's {card_record_name}; copied and recorded as new"
                ));
                source_history.not_recorded.push(on_card.clone());
            }
            Some(CardRecord::Unverifiable) => warnings.push(format!(
                "{on_card} is recorded in the card's {card_record_name} only in hash formats postflow does not compute; it could not be checked against it"
            )),
            None => {}
        }
    }

    // the source's own history, from the hashes of the one read, before the destinations
    // copy it
    if opts.write_source_history {
        match write_source_history(&mut card, &scan, &files, opts, dests.len()) {
            Ok(written) => {
                source_history.written = true;
                source_history.generations_written = written;
            }
            Err(reason) => {
                warnings.push(format!(
                    "the source's own ASC MHL history was not written: {reason}; the copies are not affected"
                ));
                source_history.not_written = Some(reason);
            }
        }
        crate::fault::at("after-source-history");
    }
    let card_history_roots: Vec<String> = card
        .histories
        .keys()
        .filter(|k| join_rel(&source, k).join(MHL_FOLDER).is_dir())
        .cloned()
        .collect();

    // finish each working destination: links, folder dates, history
    let mut dest_reports = Vec::new();
    for (d, dest) in dests.iter().enumerate() {
        let mut generations = Vec::new();
        if !dest.is_failed() {
            for (p, t) in &scan.symlinks {
                let link = join_rel(&dest.target, p);
                if std::fs::symlink_metadata(&link).is_err() {
                    if let Err(e) = std::os::unix::fs::symlink(t, &link) {
                        warnings.push(format!("could not recreate link {} : {e}", link.display()));
                    }
                }
            }
            for key in &card_history_roots {
                let dst_root = join_rel(&dest.target, key);
                match copy_history(&join_rel(&source, key), &dst_root) {
                    Ok(c) => {
                        if let Some(n) = c.diverged_after {
                            warnings.push(format!(
                                "the ASC MHL history in {} and the card's have diverged after generation {n} (each got generations of its own); the copy's history was kept and extended",
                                dst_root.display()
                            ));
                        }
                        for f in c.conflicts {
                            warnings.push(format!(
                                "{} differs from the card's; the destination's was kept",
                                join_rel(&dst_root, &f).display()
                            ));
                        }
                    }
                    Err(e) => errors.push(format!(
                        "cannot copy the card's ASC MHL history to {}: {e}",
                        dst_root.display()
                    )),
                }
            }
            // every copy identical to the source read is recorded; one whose source failed the
            // card's history is recorded too, and the comparison with the card's history the
            // destination now holds marks it failed, as the reference tool would
            let copied: Vec<&FileReport> = files
                .iter()
                .filter(|f| f.copies.get(d).map(|c| c.identical) == Some(true))
                .collect();
            let all_copied = copied.len() == files.len() && scan.errors.is_empty();
            let facts: Vec<FileFacts> = copied
                .iter()
                .map(|f| FileFacts {
                    path: f.path.clone(),
                    size: f.size,
                    modified: f.modified,
                    hashes: f.hashes.clone(),
                    hashed_at: f.copies[d]
                        .verified_at
                        .or(f.read_at)
                        .unwrap_or_else(Utc::now),
                    previous_path: f.original_path.clone(),
                })
                .collect();
            let mut dir_list: Vec<(String, Option<chrono::DateTime<Utc>>)> = Vec::new();
            for dir in scan.dirs.iter().rev() {
                let p = join_rel(&dest.target, &dir.path);
                if let Some(m) = dir.mtime {
                    let _ = filetime::set_file_mtime(&p, FileTime::from_system_time(m));
                }
                let _ = sync_dir(&p);
                dir_list.push((dir.path.clone(), dir.mtime.map(to_utc)));
            }
            dir_list.reverse();
            let _ = sync_dir(&dest.target);
            crate::fault::at("before-mhl");
            let mut set = HistorySet::load(&dest.target, &scan.histories);
            for h in set.histories.values_mut() {
                if let Ok(Some(g)) = h.complete_interrupted_chain() {
                    warnings.push(format!(
                        "completed the chain entry for {g} on {} left by an interrupted run",
                        dest.name()
                    ));
                }
            }
            for (k, p) in set.problems() {
                let at = if k.is_empty() {
                    String::new()
                } else {
                    format!(" (in {k})")
                };
                errors.push(format!("ASC MHL history on {}{at}: {p}", dest.name()));
            }
            let algs: Vec<HashAlgorithm> = if all_copied {
                opts.algorithms.clone()
            } else {
                Vec::new()
            };
            let req = SealRequest {
                files: &facts,
                dirs: &dir_list,
                dir_hash_algorithms: &algs,
                process: "transfer",
                comment: opts
                    .project
                    .as_ref()
                    .map(|p| format!("postflow ingest for project {p}")),
                now: Utc::now(),
            };
            match set.seal(&req) {
                Ok(outcome) => {
                    for (path, c) in &outcome.comparisons {
                        if let Comparison::Changed {
                            algorithm,
                            expected,
                            actual,
                        } = c
                        {
                            if sealed_differently.contains(path.as_str()) {
                                // already named once, as a file the card does not match
                                continue;
                            }
                            errors.push(format!(
                                "{path} on {} does not match its ASC MHL history ({algorithm} recorded {expected}, now {actual})",
                                dest.name()
                            ));
                        }
                    }
                    generations = outcome
                        .written
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect();
                }
                Err(e) => {
                    dest.fail(format!(
                        "cannot write the ASC MHL history in {}: {e}",
                        dest.target.display()
                    ));
                }
            }
        }
        let files_verified = files
            .iter()
            .filter(|f| f.copies.get(d).map(|c| c.verified) == Some(true))
            .count() as u64;
        let bytes_verified: u64 = files
            .iter()
            .filter(|f| f.copies.get(d).map(|c| c.verified) == Some(true))
            .map(|f| f.size)
            .sum();
        let status = if dest.is_failed() {
            DestinationStatus::Failed
        } else if files_verified as usize == files.len() && scan.errors.is_empty() {
            DestinationStatus::Complete
        } else {
            DestinationStatus::Incomplete
        };
        let error = dest.error.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(e) = &error {
            let missing = files.len() as u64 - files_verified;
            errors.push(format!(
                "destination {} failed: {e}; {missing} file(s) are not verified there — free space or reconnect it and run the same ingest again",
                dest.name()
            ));
        }
        let secs = t0.elapsed().as_secs_f64();
        progress.destination_done(d, status);
        dest_reports.push(DestinationReport {
            path: dest.name(),
            target: dest.target.display().to_string(),
            status,
            error,
            files_verified,
            bytes_verified,
            bytes_written: dest.bytes_written.load(Ordering::Relaxed),
            seconds: secs,
            throughput_mb_s: if secs > 0.0 {
                bytes_verified as f64 / secs / 1e6
            } else {
                0.0
            },
            mhl_generations: generations,
        });
    }
    let verified_copies = files
        .iter()
        .flat_map(|f| &f.copies)
        .filter(|c| c.verified)
        .count() as u64;
    let failed_copies = files
        .iter()
        .flat_map(|f| &f.copies)
        .filter(|c| !c.verified)
        .count() as u64;
    let complete = errors.is_empty()
        && failed_copies == 0
        && dest_reports
            .iter()
            .all(|d| d.status == DestinationStatus::Complete);
    Ok(IngestReport {
        schema: INGEST_SCHEMA,
        source: source.display().to_string(),
        folder,
        project: opts.project.clone(),
        started_at,
        finished_at: Utc::now(),
        seconds: t0.elapsed().as_secs_f64(),
        algorithms: opts.algorithms.clone(),
        complete,
        totals: Totals {
            files: files.len() as u64,
            bytes: total_bytes,
            verified_copies,
            failed_copies,
        },
        destinations: dest_reports,
        source_history,
        files,
        skipped,
        warnings,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(pairs: &[(HashAlgorithm, &str)]) -> Known {
        Known {
            size: Some(5),
            hashes: pairs.iter().map(|(a, v)| (*a, v.to_string())).collect(),
        }
    }

    fn hv(algorithm: HashAlgorithm, value: &str) -> HashValue {
        HashValue {
            algorithm,
            value: value.into(),
        }
    }

    #[test]
    fn a_recorded_format_is_added_only_when_none_requested_was_recorded() {
        use HashAlgorithm::*;
        let md5_only = known(&[(Md5, "aa"), (C4, "c4x")]);
        assert_eq!(algorithms_for_check(&[Xxh64], None), vec![Xxh64]);
        assert_eq!(
            algorithms_for_check(&[Xxh64], Some(&md5_only)),
            vec![Xxh64, Md5]
        );
        assert_eq!(algorithms_for_check(&[C4], Some(&md5_only)), vec![C4]);
        assert_eq!(
            algorithms_for_check(&[Xxh64], Some(&known(&[]))),
            vec![Xxh64]
        );
    }

    #[test]
    fn the_record_check_names_the_differing_format() {
        use HashAlgorithm::*;
        let k = known(&[(Md5, "AA"), (Xxh64, "0ea03b369a463d9d")]);
        assert_eq!(
            check_record(Some(&k), &[hv(Xxh64, "0ea03b369a463d9d"), hv(Md5, "aa")]),
            CardRecord::Matched { algorithm: Xxh64 }
        );
        assert_eq!(
            check_record(Some(&k), &[hv(Xxh64, "0ea03b369a463d9d"), hv(Md5, "bb")]),
            CardRecord::Mismatch {
                algorithm: Md5,
                recorded: "AA".into(),
                read: "bb".into()
            }
        );
        assert_eq!(
            check_record(None, &[hv(Md5, "aa")]),
            CardRecord::NotRecorded
        );
        assert_eq!(
            check_record(Some(&k), &[hv(Sha1, "aa")]),
            CardRecord::Unverifiable
        );
    }
}
