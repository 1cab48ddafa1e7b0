//! Listing a tree the way ingest and verify need it: regular files, directories, symlinks
//! (reported, never followed) and everything that could not be read, each named.
use crate::mhl::MHL_FOLDER;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Suffix of copies in flight; a file with it is never a finished copy.
pub const PARTIAL_SUFFIX: &str = ".postflow-partial";

#[derive(Clone, Debug, Serialize)]
pub struct ScannedFile {
    /// Relative, `/`-separated.
    pub path: String,
    pub size: u64,
    #[serde(skip)]
    pub mtime: SystemTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScannedDir {
    pub path: String,
    #[serde(skip)]
    pub mtime: Option<SystemTime>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Scan {
    pub files: Vec<ScannedFile>,
    pub dirs: Vec<ScannedDir>,
    /// (path, link target)
    pub symlinks: Vec<(String, String)>,
    /// Sockets, FIFOs, devices.
    pub special: Vec<String>,
    /// (path, error) for entries that could not be listed or stat'ed.
    pub errors: Vec<(String, String)>,
    /// Leftover copies of an interrupted run.
    pub partials: Vec<String>,
    /// `ascmhl` folders found (relative path of the folder holding them); their files are
    /// never hashed into a list, and reach a copy through `history::copy_history`.
    pub histories: Vec<String>,
}

pub fn to_utc(t: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(t)
}

pub fn rel_string(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn is_ignored(name: &str) -> bool {
    name == ".DS_Store"
}

/// Lists `root` in sorted order without following symlinks.
pub fn scan_tree(root: &Path) -> Scan {
    let mut scan = Scan::default();
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter();
    while let Some(item) = walker.next() {
        let entry = match item {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| rel_string(root, p))
                    .unwrap_or_else(|| ".".into());
                let msg = e
                    .io_error()
                    .map(|io| io.to_string())
                    .unwrap_or_else(|| e.to_string());
                scan.errors.push((path, msg));
                continue;
            }
        };
        let rel = rel_string(root, entry.path());
        let name = entry.file_name().to_string_lossy().into_owned();
        let ft = entry.file_type();
        if ft.is_dir() && name == MHL_FOLDER {
            let parent = rel
                .rsplit_once('/')
                .map(|(p, _)| p.to_string())
                .unwrap_or_default();
            scan.histories.push(parent);
            walker.skip_current_dir();
            continue;
        }
        if is_ignored(&name) {
            continue;
        }
        if ft.is_symlink() {
            let target = std::fs::read_link(entry.path())
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            scan.symlinks.push((rel, target));
        } else if ft.is_dir() {
            let mtime = entry.metadata().ok().and_then(|m| m.modified().ok());
            scan.dirs.push(ScannedDir { path: rel, mtime });
        } else if ft.is_file() {
            if name.ends_with(PARTIAL_SUFFIX) {
                scan.partials.push(rel);
                continue;
            }
            match entry.metadata() {
                Ok(m) => scan.files.push(ScannedFile {
                    path: rel,
                    size: m.len(),
                    mtime: m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                }),
                Err(e) => scan.errors.push((rel, e.to_string())),
            }
        } else {
            scan.special.push(rel);
        }
    }
    scan
}

/// `root/rel` with `/`-separated `rel`.
pub fn join_rel(root: &Path, rel: &str) -> PathBuf {
    let mut p = root.to_path_buf();
    for part in rel.split('/').filter(|s| !s.is_empty()) {
        p.push(part);
    }
    p
}
