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
use crate::history::{Comparison, FileFacts, HistorySet, SealRequest};
use crate::naming::NamingConventions;
use crate::report::{
    CopyResult, DestinationReport, DestinationStatus, FileReport, IngestReport, Skipped, Totals,
    INGEST_SCHEMA,
};
use crate::scan::{join_rel, scan_tree, to_utc, ScannedFile, PARTIAL_SUFFIX};
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
    let mut buf = vec![0u8; chunk];
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
}

struct Job {
    index: usize,
    file: ScannedFile,
    dest_rel: String,
    original: Option<String>,
}

fn writer_thread(
    ctx: &Ctx<'_>,
    d: usize,
    temp: PathBuf,
    mut out: File,
    rx: Receiver<Msg>,
    times: (FileTime, FileTime),
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
                return match reread_hashes(&temp, &ctx.opts.algorithms, ctx.opts.chunk_size, |n| {
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
        seconds: 0.0,
        error: None,
        copies: Vec::new(),
    };
    let not_copied = |d: &DestState, error: String| CopyResult {
        destination: d.name(),
        verified: false,
        verified_at: None,
        reused: false,
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

    let mut hasher = MultiHasher::new(&opts.algorithms);
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
                    handles.push(Some(
                        s.spawn(move || writer_thread(ctx, d, temp, file, rx, times)),
                    ));
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
            let mut buf = Vec::with_capacity(buf_size);
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
                        match reread_hashes(&final_path, &opts.algorithms, opts.chunk_size, |n| {
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
    if read_error.is_none() {
        report.hashes = source_hashes.clone();
    }
    report.error = read_error.clone();

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
                        Ok(()) => CopyResult {
                            destination: dest.name(),
                            verified: true,
                            verified_at: Some(Utc::now()),
                            reused: false,
                            error: None,
                        },
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
                    CopyResult {
                        destination: dest.name(),
                        verified: true,
                        verified_at: Some(Utc::now()),
                        reused: true,
                        error: None,
                    }
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

fn copy_history_file(src: &Path, dst: &Path) -> std::io::Result<bool> {
    let bytes = std::fs::read(src)?;
    if let Ok(existing) = std::fs::read(dst) {
        return Ok(existing == bytes);
    }
    if let Some(p) = dst.parent() {
        std::fs::create_dir_all(p)?;
    }
    crate::fsutil::write_atomically(dst, &bytes)?;
    if let Ok(m) = std::fs::metadata(src) {
        let _ = filetime::set_file_mtime(dst, FileTime::from_last_modification_time(&m));
    }
    Ok(std::fs::read(dst)? == bytes)
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
        jobs.push(Job {
            index,
            file: f.clone(),
            dest_rel,
            original,
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

    // finish each working destination: links, folder dates, history
    let mut dest_reports = Vec::new();
    for (d, dest) in ctx.dests.iter().enumerate() {
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
            for hf in &scan.history_files {
                match copy_history_file(
                    &join_rel(&source, &hf.path),
                    &join_rel(&dest.target, &hf.path),
                ) {
                    Ok(true) => {}
                    Ok(false) => warnings.push(format!(
                        "{} on {} differs from the source's; the destination's history was kept",
                        hf.path,
                        dest.name()
                    )),
                    Err(e) => errors.push(format!(
                        "cannot copy history file {} to {}: {e}",
                        hf.path,
                        dest.name()
                    )),
                }
            }
            let verified: Vec<&FileReport> = files
                .iter()
                .filter(|f| f.copies.get(d).map(|c| c.verified) == Some(true))
                .collect();
            let all_verified = verified.len() == files.len() && scan.errors.is_empty();
            let facts: Vec<FileFacts> = verified
                .iter()
                .map(|f| FileFacts {
                    path: f.path.clone(),
                    size: f.size,
                    modified: f.modified,
                    hashes: f.hashes.clone(),
                    hashed_at: f.copies[d].verified_at.unwrap_or_else(Utc::now),
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
            let algs: Vec<HashAlgorithm> = if all_verified {
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
        files,
        skipped,
        warnings,
        errors,
    })
}
