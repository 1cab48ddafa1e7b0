//! Re-hashing a copy against its ASC MHL history (or an MHL v1 list) and recording the
//! verification as a new generation.
use crate::fsutil::evict_from_cache;
use crate::hash::{HashAlgorithm, MultiHasher};
use crate::history::{Comparison, FileFacts, HistorySet, SealRequest};
use crate::scan::{join_rel, scan_tree, to_utc};
use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};

pub const VERIFY_SCHEMA: &str = "postflow.verify.v1";

#[derive(Clone, Debug)]
pub struct VerifyOptions {
    pub root: PathBuf,
    /// Percentage (0–100] of the recorded files to re-hash; `None` = all.
    pub sample_percent: Option<f64>,
    /// Formats to add; the recorded ones are always checked.
    pub algorithms: Vec<HashAlgorithm>,
    /// Write the new generation (the default).
    pub record: bool,
    /// Start a history where there is none (files not yet recorded count as fine): the
    /// "create" of the reference tool.
    pub create: bool,
    /// Files hashed at the same time.
    pub jobs: usize,
}

impl VerifyOptions {
    pub fn new(root: PathBuf) -> VerifyOptions {
        VerifyOptions {
            root,
            sample_percent: None,
            algorithms: Vec::new(),
            record: true,
            create: false,
            // More readers than cores: reads of small files wait on the medium, not the CPU,
            // and a drive or array serves several outstanding requests at once.
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()) * 4,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{0} is not a readable folder; give the copy's top folder (the one holding ascmhl/)")]
    BadRoot(PathBuf),
    #[error("{0} has no ASC MHL history and no MHL v1 list, so there is nothing to verify against; ingest it with `postflow ingest`, or start a history on this copy with `postflow verify --create`")]
    NoHistory(PathBuf),
    #[error("--sample must be a percentage above 0 and at most 100, not {0}")]
    BadSample(f64),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FileStatus {
    Ok,
    Changed {
        algorithm: HashAlgorithm,
        expected: String,
        actual: String,
    },
    Missing,
    Extra,
    Unreadable {
        error: String,
    },
    /// Recorded, present, not in this sample.
    NotSampled,
}

#[derive(Clone, Debug, Serialize)]
pub struct VerifiedFile {
    pub path: String,
    #[serde(flatten)]
    pub status: FileStatus,
    pub size: Option<u64>,
    pub verified_at: Option<DateTime<Utc>>,
    /// What the file hashed to now, for a file found as recorded (or newly recorded with
    /// `create`); empty otherwise, so a damaged copy's hash is never mistaken for the file's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<crate::hash::HashValue>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub schema: &'static str,
    pub root: String,
    pub ok: bool,
    pub sampled: bool,
    pub started_at: DateTime<Utc>,
    pub seconds: f64,
    pub bytes_hashed: u64,
    pub files: Vec<VerifiedFile>,
    /// Integrity problems of the history itself.
    pub history_problems: Vec<String>,
    pub generations_written: Vec<String>,
    pub warnings: Vec<String>,
    pub errors: Vec<String>,
    /// With `--sample`: how many of the recorded files were re-read. `None` for a full run.
    pub sample: Option<SampleReport>,
    /// Whether this run was to write a new generation (`false` with `--no-record`).
    pub record_requested: bool,
    /// Why the new generation could not be written (a read-only copy, a full disk): the
    /// verdict above still stands, only the copy's history was not extended.
    pub not_recorded: Option<String>,
}

/// What a sampled verification covered: `checked` of the `recorded` files present were re-read;
/// the others were not looked at and are not vouched for.
#[derive(Clone, Debug, Serialize)]
pub struct SampleReport {
    pub percent: f64,
    pub checked: u64,
    pub recorded: u64,
}

/// Hashes one file from the medium.
pub fn hash_file(
    path: &Path,
    algorithms: &[HashAlgorithm],
) -> std::io::Result<(u64, Vec<crate::hash::HashValue>)> {
    let mut f = std::fs::File::open(path)?;
    evict_from_cache(&f);
    let mut h = MultiHasher::new(algorithms);
    let mut buf = crate::fsutil::read_buffer(f.metadata()?.len(), 4 << 20);
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    evict_from_cache(&f);
    Ok((total, h.finish()))
}

type HashResult = std::io::Result<(u64, Vec<crate::hash::HashValue>)>;

/// Files at least this big are streamed by at most one reader per core: several concurrent
/// streams only make a drive seek between them. Smaller files get all `jobs` readers, whose
/// requests the medium serves together.
const LARGE_FILE: u64 = 16 << 20;

/// Hashes `files` with `jobs` threads, results in input order.
fn hash_all(
    root: &Path,
    files: &[&crate::scan::ScannedFile],
    set: &HistorySet,
    algorithms: &[HashAlgorithm],
    jobs: usize,
) -> Vec<HashResult> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (large, small): (Vec<usize>, Vec<usize>) =
        (0..files.len()).partition(|&i| files[i].size >= LARGE_FILE);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let jobs = jobs.max(1);
    let large_readers = if large.is_empty() { 0 } else { jobs.min(cores) };
    let small_readers = if small.is_empty() {
        0
    } else {
        jobs.saturating_sub(large_readers).max(1)
    };
    let out: std::sync::Mutex<Vec<Option<HashResult>>> =
        std::sync::Mutex::new((0..files.len()).map(|_| None).collect());
    let work = |queue: &[usize], next: &AtomicUsize| {
        while let Some(&i) = queue.get(next.fetch_add(1, Ordering::Relaxed)) {
            let f = files[i];
            let algs = set.algorithms_for(&f.path, algorithms);
            let r = hash_file(&join_rel(root, &f.path), &algs);
            out.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
        }
    };
    let (next_large, next_small) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        for _ in 0..large_readers {
            s.spawn(|| work(&large, &next_large));
        }
        for _ in 0..small_readers {
            s.spawn(|| work(&small, &next_small));
        }
    });
    out.into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(std::io::Error::other("not hashed"))))
        .collect()
}

pub fn verify(opts: &VerifyOptions) -> Result<VerifyReport, VerifyError> {
    let started_at = Utc::now();
    let t0 = std::time::Instant::now();
    if let Some(p) = opts.sample_percent {
        if !(p > 0.0 && p <= 100.0) {
            return Err(VerifyError::BadSample(p));
        }
    }
    let root = opts
        .root
        .canonicalize()
        .ok()
        .filter(|r| r.is_dir())
        .ok_or_else(|| VerifyError::BadRoot(opts.root.clone()))?;
    let scan = scan_tree(&root);
    let mut set = HistorySet::load(&root, &scan.histories);
    let known = set.known_paths();
    let has_v1 = set
        .histories
        .get("")
        .map(|h| !h.v1.is_empty())
        .unwrap_or(false);
    if !opts.create && known.is_empty() && !set.histories.values().any(|h| h.exists()) && !has_v1 {
        return Err(VerifyError::NoHistory(opts.root.clone()));
    }
    let v1_lists = set
        .histories
        .get("")
        .map(|h| h.v1_list_names())
        .unwrap_or_default();
    let mut warnings = Vec::new();
    let errors: Vec<String> = Vec::new();
    let history_problems: Vec<String> = set
        .problems()
        .into_iter()
        .map(|(k, p)| {
            if k.is_empty() {
                p.to_string()
            } else {
                format!("{k}: {p}")
            }
        })
        .collect();
    for p in &scan.partials {
        warnings.push(format!(
            "{p} is an unfinished postflow copy; run the ingest again to finish it"
        ));
    }
    for (p, t) in &scan.symlinks {
        warnings.push(format!("{p} is a symbolic link to {t}; not followed"));
    }

    let present: Vec<&crate::scan::ScannedFile> = scan
        .files
        .iter()
        .filter(|f| !v1_lists.contains(&f.path))
        .collect();
    let present_paths: std::collections::BTreeSet<&str> =
        present.iter().map(|f| f.path.as_str()).collect();

    // which present files to hash
    let mut to_hash: Vec<&crate::scan::ScannedFile> = present.clone();
    let sampled = opts.sample_percent.map(|p| p < 100.0).unwrap_or(false);
    let mut sample = None;
    if sampled {
        let pct = opts.sample_percent.unwrap_or(100.0);
        let mut recorded: Vec<&crate::scan::ScannedFile> = present
            .iter()
            .copied()
            .filter(|f| known.contains(&f.path))
            .collect();
        let n = ((recorded.len() as f64 * pct / 100.0).ceil() as usize)
            .clamp(usize::from(!recorded.is_empty()), recorded.len());
        sample = Some(SampleReport {
            percent: pct,
            checked: n as u64,
            recorded: recorded.len() as u64,
        });
        recorded.shuffle(&mut rand::thread_rng());
        recorded.truncate(n);
        recorded.sort_by(|a, b| a.path.cmp(&b.path));
        to_hash = recorded;
    }
    let root_algs = set.latest_root_algorithms();
    let mut dir_algs: Vec<HashAlgorithm> = opts.algorithms.clone();
    for a in root_algs {
        if !dir_algs.contains(&a) {
            dir_algs.push(a);
        }
    }
    if dir_algs.is_empty() {
        dir_algs.push(HashAlgorithm::Xxh64);
    }

    let mut files = Vec::new();
    let mut facts = Vec::new();
    let mut bytes_hashed = 0u64;
    let mut hashed: std::collections::BTreeSet<String> = Default::default();
    let results = hash_all(&root, &to_hash, &set, &dir_algs, opts.jobs);
    for (f, result) in to_hash.iter().zip(results) {
        match result {
            Ok((n, hashes)) => {
                bytes_hashed += n;
                let at = Utc::now();
                facts.push(FileFacts {
                    path: f.path.clone(),
                    size: n,
                    modified: to_utc(f.mtime),
                    hashes,
                    hashed_at: at,
                    previous_path: None,
                });
                hashed.insert(f.path.clone());
            }
            Err(e) => files.push(VerifiedFile {
                path: f.path.clone(),
                status: FileStatus::Unreadable {
                    error: e.to_string(),
                },
                size: Some(f.size),
                verified_at: None,
                hashes: Vec::new(),
            }),
        }
    }
    // comparisons come from the same code that records them in the new generation
    let mut comparisons = std::collections::BTreeMap::new();
    for fa in &facts {
        comparisons.insert(fa.path.clone(), set.compare(fa));
    }
    // A file the history does not know is sealed only when a person accepted it (`create`):
    // otherwise it stays extra, run after run, until someone looks at it.
    let extras: std::collections::BTreeSet<&str> = if opts.create {
        Default::default()
    } else {
        comparisons
            .iter()
            .filter(|(_, c)| matches!(c, Comparison::New))
            .map(|(p, _)| p.as_str())
            .collect()
    };
    let sealable: Vec<FileFacts> = facts
        .iter()
        .filter(|f| !extras.contains(f.path.as_str()))
        .cloned()
        .collect();
    let unlisted_extras = !opts.create
        && present
            .iter()
            .any(|f| !known.contains(&f.path) && !hashed.contains(&f.path));
    let mut generations_written = Vec::new();
    let mut not_recorded = None;
    if opts.record {
        let dirs: Vec<(String, Option<DateTime<Utc>>)> = scan
            .dirs
            .iter()
            .map(|d| (d.path.clone(), d.mtime.map(to_utc)))
            .collect();
        // Directory hashes cover every file below them, so none are written over a tree that
        // holds files left out of the generation.
        let complete = !sampled
            && files.is_empty()
            && scan.errors.is_empty()
            && extras.is_empty()
            && !unlisted_extras;
        let algs: Vec<HashAlgorithm> = if complete {
            dir_algs.clone()
        } else {
            Vec::new()
        };
        let writable = crate::fault::copy_write();
        for h in set.histories.values_mut().filter(|_| writable.is_ok()) {
            if let Ok(Some(g)) = h.complete_interrupted_chain() {
                warnings.push(format!(
                    "completed the chain entry for {g} left by an interrupted run"
                ));
            }
        }
        let req = SealRequest {
            files: &sealable,
            dirs: &dirs,
            dir_hash_algorithms: &algs,
            process: "in-place",
            comment: Some(if sampled {
                format!(
                    "postflow verify, {}% sample",
                    opts.sample_percent.unwrap_or(100.0)
                )
            } else {
                "postflow verify".to_string()
            }),
            now: Utc::now(),
        };
        match writable.and_then(|()| set.seal(&req)) {
            Ok(o) => {
                generations_written = o.written.iter().map(|p| p.display().to_string()).collect()
            }
            // The files were read and compared all the same: the verdict is theirs, and the
            // history that could not be extended is a separate warning.
            Err(e) => {
                let why = if e.raw_os_error() == Some(libc::EROFS) {
                    "the copy is on a read-only file system".to_string()
                } else if e.kind() == std::io::ErrorKind::PermissionDenied {
                    "the copy's folder is not writable".to_string()
                } else {
                    e.to_string()
                };
                let folder = root.join(crate::mhl::MHL_FOLDER);
                warnings.push(format!(
                    "this verification was not written into the copy's history in {} ({why}); the files were checked all the same, and `postflow verify --no-record` checks without trying to write",
                    folder.display()
                ));
                not_recorded = Some(format!("{why}: {e}"));
            }
        }
    }
    for fa in &facts {
        let status = match comparisons.get(&fa.path) {
            Some(Comparison::Changed {
                algorithm,
                expected,
                actual,
            }) => FileStatus::Changed {
                algorithm: *algorithm,
                expected: expected.clone(),
                actual: actual.clone(),
            },
            Some(Comparison::New) if !opts.create => FileStatus::Extra,
            _ => FileStatus::Ok,
        };
        let hashes = if status == FileStatus::Ok {
            fa.hashes.clone()
        } else {
            Vec::new()
        };
        files.push(VerifiedFile {
            path: fa.path.clone(),
            status,
            size: Some(fa.size),
            verified_at: Some(fa.hashed_at),
            hashes,
        });
    }
    for p in &known {
        if !present_paths.contains(p.as_str()) {
            files.push(VerifiedFile {
                path: p.clone(),
                status: FileStatus::Missing,
                size: set.known(p).and_then(|k| k.size),
                verified_at: None,
                hashes: Vec::new(),
            });
        }
    }
    // a set, not a scan of `files` per file: a 10 % sample of 100 000 files is 90 000 lookups
    let reported: std::collections::BTreeSet<String> =
        files.iter().map(|v| v.path.clone()).collect();
    for f in &present {
        if !hashed.contains(&f.path) && !reported.contains(&f.path) {
            let status = if known.contains(&f.path) {
                FileStatus::NotSampled
            } else {
                FileStatus::Extra
            };
            files.push(VerifiedFile {
                path: f.path.clone(),
                status,
                size: Some(f.size),
                verified_at: None,
                hashes: Vec::new(),
            });
        }
    }
    for (p, e) in &scan.errors {
        files.push(VerifiedFile {
            path: p.clone(),
            status: FileStatus::Unreadable { error: e.clone() },
            size: None,
            verified_at: None,
            hashes: Vec::new(),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let ok = errors.is_empty()
        && history_problems.is_empty()
        && files
            .iter()
            .all(|f| matches!(f.status, FileStatus::Ok | FileStatus::NotSampled));
    Ok(VerifyReport {
        schema: VERIFY_SCHEMA,
        root: root.display().to_string(),
        ok,
        sampled,
        started_at,
        seconds: t0.elapsed().as_secs_f64(),
        bytes_hashed,
        files,
        history_problems,
        generations_written,
        warnings,
        errors,
        sample,
        record_requested: opts.record,
        not_recorded,
    })
}
