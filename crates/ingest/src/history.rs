//! ASC MHL histories on disk: loading (with the integrity checks the reference tool skips),
//! nested histories, MHL v1 lists, and writing a new generation plus its chain entry.
use crate::dirhash::{directory_hashes, TreeNode};
use crate::fsutil::write_atomically;
use crate::hash::{hash_bytes, HashAlgorithm, HashValue};
use crate::mhl::{
    self, Action, ChainEntry, CreatorInfo, DirEntry, DirRecord, Entry, FileEntry, HashList,
    HashRecord, Reference, CHAIN_FILE, DEFAULT_IGNORE, MHL_FOLDER,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub const TOOL_NAME: &str = "postflow";

/// Something wrong with a history itself (not with the media it lists).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryProblem {
    NoChainFile {
        folder: String,
    },
    UnreadableChain {
        file: String,
        error: String,
    },
    UnreadableGeneration {
        file: String,
        error: String,
    },
    BadGenerationName {
        file: String,
    },
    MissingGeneration {
        sequence: u32,
    },
    DuplicateSequence {
        sequence: u32,
        files: Vec<String>,
    },
    ChainHashMismatch {
        file: String,
        recorded: String,
        actual: String,
    },
    ChainFileMissing {
        file: String,
    },
    NotInChain {
        file: String,
    },
    UnreadableV1 {
        file: String,
        error: String,
    },
}

impl fmt::Display for HistoryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryProblem::NoChainFile { folder } => {
                write!(f, "{folder} holds generations but no {CHAIN_FILE}")
            }
            HistoryProblem::UnreadableChain { file, error } => {
                write!(f, "chain file {file} cannot be read: {error}")
            }
            HistoryProblem::UnreadableGeneration { file, error } => {
                write!(f, "generation {file} cannot be read: {error}")
            }
            HistoryProblem::BadGenerationName { file } => {
                write!(f, "{file} is not named NNNN_<folder>_<date>.mhl")
            }
            HistoryProblem::MissingGeneration { sequence } => {
                write!(f, "generation {sequence:04} is missing from the history")
            }
            HistoryProblem::DuplicateSequence { sequence, files } => write!(
                f,
                "sequence number {sequence:04} is used more than once ({})",
                files.join(", ")
            ),
            HistoryProblem::ChainHashMismatch {
                file,
                recorded,
                actual,
            } => write!(
                f,
                "generation {file} was changed after it was written (chain c4 {recorded}, file c4 {actual})"
            ),
            HistoryProblem::ChainFileMissing { file } => {
                write!(f, "the chain lists {file} but the file is missing")
            }
            HistoryProblem::NotInChain { file } => {
                write!(f, "generation {file} is not recorded in the chain")
            }
            HistoryProblem::UnreadableV1 { file, error } => {
                write!(f, "MHL v1 file {file} cannot be read: {error}")
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Generation {
    pub sequence: u32,
    pub file_name: String,
    pub list: HashList,
}

/// What a history knows about one path.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub size: Option<u64>,
    /// The first recorded (not failed) value per format.
    pub hashes: BTreeMap<HashAlgorithm, String>,
}

/// One `ascmhl` folder.
#[derive(Clone, Debug)]
pub struct History {
    /// The folder that holds `ascmhl/`.
    pub root: PathBuf,
    pub generations: Vec<Generation>,
    pub chain: Vec<ChainEntry>,
    pub problems: Vec<HistoryProblem>,
    /// Entries from MHL v1 files at the root (older cards), used when no v2 record exists.
    pub v1: BTreeMap<String, Known>,
    index: BTreeMap<String, Known>,
    /// Paths a later generation records as the `previousPath` of a renamed file (and that no
    /// generation after the rename records again): known, but not expected on disk.
    moved: BTreeSet<String>,
}

fn parse_generation_name(name: &str) -> Option<u32> {
    let stem = name.strip_suffix(".mhl")?;
    let digits: String = stem.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return None;
    }
    let rest = &stem[digits.len()..];
    if !(rest.is_empty() || rest.starts_with('_')) {
        return None;
    }
    digits.parse().ok()
}

impl History {
    /// Loads `root/ascmhl` (absent folder = empty history) and checks it.
    pub fn load(root: &Path) -> History {
        let mut h = History {
            root: root.to_path_buf(),
            generations: Vec::new(),
            chain: Vec::new(),
            problems: Vec::new(),
            v1: BTreeMap::new(),
            index: BTreeMap::new(),
            moved: BTreeSet::new(),
        };
        let folder = root.join(MHL_FOLDER);
        let mut names: Vec<String> = match std::fs::read_dir(&folder) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        let chain_path = folder.join(CHAIN_FILE);
        match std::fs::read(&chain_path) {
            Ok(bytes) => match mhl::parse_chain(&bytes) {
                Ok(c) => h.chain = c,
                Err(e) => h.problems.push(HistoryProblem::UnreadableChain {
                    file: chain_path.display().to_string(),
                    error: e.to_string(),
                }),
            },
            Err(_) => {
                if names.iter().any(|n| n.ends_with(".mhl")) {
                    h.problems.push(HistoryProblem::NoChainFile {
                        folder: folder.display().to_string(),
                    });
                }
            }
        }
        let chain_by_path: BTreeMap<String, String> = h
            .chain
            .iter()
            .map(|c| (c.path.clone(), c.c4.clone()))
            .collect();
        let name_set: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        let mut by_seq: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for name in names
            .iter()
            .filter(|n| n.ends_with(".mhl") && !n.starts_with("._"))
        {
            let Some(seq) = parse_generation_name(name) else {
                h.problems
                    .push(HistoryProblem::BadGenerationName { file: name.clone() });
                continue;
            };
            by_seq.entry(seq).or_default().push(name.clone());
            let path = folder.join(name);
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    h.problems.push(HistoryProblem::UnreadableGeneration {
                        file: name.clone(),
                        error: e.to_string(),
                    });
                    continue;
                }
            };
            match chain_by_path.get(name) {
                Some(recorded) => {
                    let actual = hash_bytes(HashAlgorithm::C4, &bytes);
                    if &actual != recorded {
                        h.problems.push(HistoryProblem::ChainHashMismatch {
                            file: name.clone(),
                            recorded: recorded.clone(),
                            actual,
                        });
                    }
                }
                None => {
                    if h.chain.is_empty()
                        && h.problems.iter().any(|p| {
                            matches!(
                                p,
                                HistoryProblem::NoChainFile { .. }
                                    | HistoryProblem::UnreadableChain { .. }
                            )
                        })
                    {
                        // already reported as a missing chain
                    } else {
                        h.problems
                            .push(HistoryProblem::NotInChain { file: name.clone() });
                    }
                }
            }
            match mhl::parse_hash_list(&bytes) {
                Ok(list) => h.generations.push(Generation {
                    sequence: seq,
                    file_name: name.clone(),
                    list,
                }),
                Err(e) => h.problems.push(HistoryProblem::UnreadableGeneration {
                    file: name.clone(),
                    error: e.to_string(),
                }),
            }
        }
        let mut highest = by_seq.keys().max().copied().unwrap_or(0);
        for c in &h.chain {
            if !name_set.contains(c.path.as_str()) {
                h.problems.push(HistoryProblem::ChainFileMissing {
                    file: c.path.clone(),
                });
            }
            highest = highest.max(c.sequence);
        }
        let mut chain_seqs: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for c in &h.chain {
            chain_seqs
                .entry(c.sequence)
                .or_default()
                .push(c.path.clone());
        }
        for (seq, files) in by_seq.iter().chain(chain_seqs.iter()) {
            if files.len() > 1 {
                let p = HistoryProblem::DuplicateSequence {
                    sequence: *seq,
                    files: files.clone(),
                };
                if !h.problems.contains(&p) {
                    h.problems.push(p);
                }
            }
        }
        // every sequence number up to the highest one known must have its file
        for s in 1..=highest {
            if !by_seq.contains_key(&s) {
                h.problems
                    .push(HistoryProblem::MissingGeneration { sequence: s });
            }
        }
        h.generations.sort_by_key(|g| g.sequence);
        h.load_v1();
        h.rebuild_index();
        h
    }

    fn load_v1(&mut self) {
        if !self.generations.is_empty() {
            return;
        }
        let Ok(rd) = std::fs::read_dir(&self.root) else {
            return;
        };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().map(|e| e == "mhl").unwrap_or(false) && p.is_file())
            .collect();
        files.sort();
        for f in files {
            let parsed = std::fs::read(&f)
                .map_err(|e| e.to_string())
                .and_then(|b| mhl::parse_v1(&b).map_err(|e| e.to_string()));
            match parsed {
                Ok(entries) => {
                    for e in entries {
                        let k = self.v1.entry(e.path).or_default();
                        k.size = k.size.or(e.size);
                        for (a, v) in e.hashes {
                            k.hashes.entry(a).or_insert(v);
                        }
                    }
                }
                Err(error) => self.problems.push(HistoryProblem::UnreadableV1 {
                    file: f.display().to_string(),
                    error,
                }),
            }
        }
    }

    /// True when the history lists v1 `.mhl` files at its root; those are media to skip.
    pub fn v1_list_names(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Ok(rd) = std::fs::read_dir(&self.root) {
            for e in rd.filter_map(|e| e.ok()) {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".mhl") && !self.v1.is_empty() {
                    out.insert(name);
                }
            }
        }
        out
    }

    fn rebuild_index(&mut self) {
        let mut index: BTreeMap<String, Known> = BTreeMap::new();
        let mut moved = BTreeSet::new();
        for g in &self.generations {
            for f in g.list.files() {
                moved.remove(&f.path);
                if let Some(p) = &f.previous_path {
                    if p != &f.path {
                        moved.insert(p.clone());
                    }
                }
                let k = index.entry(f.path.clone()).or_default();
                k.size = k.size.or(f.size);
                for r in &f.hashes {
                    if r.action != Some(Action::Failed) {
                        k.hashes
                            .entry(r.algorithm)
                            .or_insert_with(|| r.value.clone());
                    }
                }
            }
        }
        self.index = index;
        self.moved = moved;
    }

    pub fn exists(&self) -> bool {
        !self.generations.is_empty() || !self.chain.is_empty()
    }

    /// What the history (or, failing that, a v1 list) recorded for `path`.
    pub fn known(&self, path: &str) -> Option<&Known> {
        self.index.get(path).or_else(|| self.v1.get(path))
    }

    /// Every path the history expects on disk (renamed files under their new name only).
    pub fn known_paths(&self) -> BTreeSet<String> {
        self.index
            .keys()
            .filter(|p| !self.moved.contains(*p))
            .chain(self.v1.keys())
            .cloned()
            .collect()
    }

    /// True when the history records anything (v2 generations or v1 entries).
    pub fn records_anything(&self) -> bool {
        !self.index.is_empty() || !self.v1.is_empty()
    }

    fn folder_name(&self) -> String {
        self.root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "root".into())
    }

    fn next_sequence(&self) -> u32 {
        let a = self
            .generations
            .iter()
            .map(|g| g.sequence)
            .max()
            .unwrap_or(0);
        let b = self.chain.iter().map(|c| c.sequence).max().unwrap_or(0);
        a.max(b) + 1
    }

    /// After a kill between writing a generation and its chain entry, the newest generation
    /// is complete (it was renamed into place after fsync) but unchained: chain it.
    pub fn complete_interrupted_chain(&mut self) -> std::io::Result<Option<String>> {
        let chain_max = self.chain.iter().map(|c| c.sequence).max().unwrap_or(0);
        let Some(last) = self.generations.last() else {
            return Ok(None);
        };
        let unchained = HistoryProblem::NotInChain {
            file: last.file_name.clone(),
        };
        let only_problem = self.problems.len() == 1 && self.problems[0] == unchained;
        let no_chain_first = self.chain.is_empty()
            && self.generations.len() == 1
            && self.problems.len() == 1
            && matches!(self.problems[0], HistoryProblem::NoChainFile { .. });
        if !(only_problem || no_chain_first)
            || last.sequence != chain_max + 1
            || last.list.creator.tool_name != TOOL_NAME
        {
            return Ok(None);
        }
        let folder = self.root.join(MHL_FOLDER);
        let bytes = std::fs::read(folder.join(&last.file_name))?;
        self.chain.push(ChainEntry {
            sequence: last.sequence,
            path: last.file_name.clone(),
            c4: hash_bytes(HashAlgorithm::C4, &bytes),
        });
        write_atomically(
            &folder.join(CHAIN_FILE),
            mhl::write_chain(&self.chain).as_bytes(),
        )?;
        self.problems.clear();
        Ok(Some(last.file_name.clone()))
    }

    /// Writes `list` as the next generation and records it in the chain. Never rewrites an
    /// existing generation. Returns the new file's path and its c4.
    pub fn append_generation(
        &mut self,
        list: HashList,
        now: DateTime<Utc>,
    ) -> std::io::Result<(PathBuf, String)> {
        let folder = self.root.join(MHL_FOLDER);
        std::fs::create_dir_all(&folder)?;
        let sequence = self.next_sequence();
        let file_name = format!(
            "{sequence:04}_{}_{}.mhl",
            self.folder_name(),
            now.format("%Y-%m-%d_%H%M%SZ")
        );
        let xml = mhl::write_hash_list(&list);
        let path = folder.join(&file_name);
        if path.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", path.display()),
            ));
        }
        write_atomically(&path, xml.as_bytes())?;
        crate::fault::at("after-generation");
        let c4 = hash_bytes(HashAlgorithm::C4, xml.as_bytes());
        self.chain.push(ChainEntry {
            sequence,
            path: file_name.clone(),
            c4: c4.clone(),
        });
        write_atomically(
            &folder.join(CHAIN_FILE),
            mhl::write_chain(&self.chain).as_bytes(),
        )?;
        self.generations.push(Generation {
            sequence,
            file_name,
            list,
        });
        self.rebuild_index();
        Ok((path, c4))
    }
}

pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The facts gathered about one file for a new generation.
#[derive(Clone, Debug)]
pub struct FileFacts {
    /// Relative to the set's root, `/`-separated.
    pub path: String,
    pub size: u64,
    pub modified: DateTime<Utc>,
    pub hashes: Vec<HashValue>,
    pub hashed_at: DateTime<Utc>,
    pub previous_path: Option<String>,
}

/// How a file compared with its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Comparison {
    /// Not in any history before: recorded as `original`.
    New,
    /// Every recorded format matched.
    Verified,
    /// A recorded format did not match.
    Changed {
        algorithm: HashAlgorithm,
        expected: String,
        actual: String,
    },
}

/// A root folder and the histories nested in it.
pub struct HistorySet {
    pub root: PathBuf,
    /// Keyed by path relative to `root` (`""` for the root itself).
    pub histories: BTreeMap<String, History>,
}

/// What a new generation needs besides the file facts.
pub struct SealRequest<'a> {
    pub files: &'a [FileFacts],
    /// All directories below the root with their modification times; used for directory
    /// hashes. Empty `dir_hash_algorithms` means "no directory hashes" (e.g. a sample).
    pub dirs: &'a [(String, Option<DateTime<Utc>>)],
    pub dir_hash_algorithms: &'a [HashAlgorithm],
    /// `transfer` for an ingest, `in-place` for a verification.
    pub process: &'a str,
    pub comment: Option<String>,
    pub now: DateTime<Utc>,
}

pub struct SealOutcome {
    pub comparisons: BTreeMap<String, Comparison>,
    /// Paths of the generation files written, deepest history first.
    pub written: Vec<PathBuf>,
}

fn within(history_root: &str, path: &str) -> Option<String> {
    if history_root.is_empty() {
        return Some(path.to_string());
    }
    path.strip_prefix(history_root)
        .and_then(|r| r.strip_prefix('/'))
        .map(str::to_string)
}

impl HistorySet {
    /// Loads the root history and every nested one found by a scan (`history_roots`).
    pub fn load(root: &Path, history_roots: &[String]) -> HistorySet {
        let mut histories = BTreeMap::new();
        histories.insert(String::new(), History::load(root));
        for r in history_roots.iter().filter(|r| !r.is_empty()) {
            histories.insert(r.clone(), History::load(&crate::scan::join_rel(root, r)));
        }
        HistorySet {
            root: root.to_path_buf(),
            histories,
        }
    }

    /// The deepest history holding `path`, and `path` relative to it. Walks up `path`'s own
    /// folders (one map lookup each), so it costs the depth of the path, not the number of
    /// nested histories.
    pub fn owner(&self, path: &str) -> (&str, String) {
        let mut end = path.len();
        while let Some(i) = path[..end].rfind('/') {
            if let Some((key, _)) = self.histories.get_key_value(&path[..i]) {
                if !key.is_empty() {
                    return (key.as_str(), path[i + 1..].to_string());
                }
            }
            end = i;
        }
        ("", path.to_string())
    }

    pub fn known(&self, path: &str) -> Option<&Known> {
        let (key, rel) = self.owner(path);
        self.histories.get(key).and_then(|h| h.known(&rel))
    }

    /// Every path any history knows, relative to the set's root.
    pub fn known_paths(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (key, h) in &self.histories {
            for p in h.known_paths() {
                let full = if key.is_empty() {
                    p
                } else {
                    format!("{key}/{p}")
                };
                // a path belongs to the deepest history; ignore stale records in parents
                if self.owner(&full).0 == key.as_str() {
                    out.insert(full);
                }
            }
        }
        out
    }

    /// Formats to compute for `path`: those recorded for it plus `requested`.
    pub fn algorithms_for(&self, path: &str, requested: &[HashAlgorithm]) -> Vec<HashAlgorithm> {
        let mut out: Vec<HashAlgorithm> = requested.to_vec();
        if let Some(k) = self.known(path) {
            for a in k.hashes.keys() {
                if !out.contains(a) {
                    out.push(*a);
                }
            }
        }
        out
    }

    /// Formats the latest generation used for its root hash (to keep directory hashes going).
    pub fn latest_root_algorithms(&self) -> Vec<HashAlgorithm> {
        self.histories
            .get("")
            .and_then(|h| h.generations.last())
            .map(|g| g.list.root_hash.iter().map(|r| r.algorithm).collect())
            .unwrap_or_default()
    }

    pub fn problems(&self) -> Vec<(String, HistoryProblem)> {
        let mut out = Vec::new();
        for (k, h) in &self.histories {
            for p in &h.problems {
                out.push((k.clone(), p.clone()));
            }
        }
        out
    }

    /// What the histories recorded for the file `facts` describes: under its path, or, for a
    /// renamed file, under its previous path.
    pub fn known_for(&self, facts: &FileFacts) -> Option<&Known> {
        self.known(&facts.path)
            .or_else(|| facts.previous_path.as_deref().and_then(|p| self.known(p)))
    }

    pub fn compare(&self, facts: &FileFacts) -> Comparison {
        let Some(known) = self.known_for(facts) else {
            return Comparison::New;
        };
        for hv in &facts.hashes {
            if let Some(expected) = known.hashes.get(&hv.algorithm) {
                if !expected.eq_ignore_ascii_case(&hv.value) {
                    return Comparison::Changed {
                        algorithm: hv.algorithm,
                        expected: expected.clone(),
                        actual: hv.value.clone(),
                    };
                }
            }
        }
        Comparison::Verified
    }

    /// Writes one new generation in every history that has something to record, children
    /// first so parents can reference them by c4.
    pub fn seal(&mut self, req: &SealRequest<'_>) -> std::io::Result<SealOutcome> {
        let mut comparisons = BTreeMap::new();
        let mut lists: BTreeMap<String, HashList> = self
            .histories
            .keys()
            .map(|k| (k.clone(), HashList::default()))
            .collect();
        let date = iso(req.now);
        let facts_by_path: BTreeMap<&str, &FileFacts> =
            req.files.iter().map(|f| (f.path.as_str(), f)).collect();

        // directory hashes per format, over the whole tree (nested histories included)
        let mut dir_hashes: BTreeMap<HashAlgorithm, BTreeMap<String, crate::dirhash::DirHash>> =
            BTreeMap::new();
        for &alg in req.dir_hash_algorithms {
            let mut nodes: Vec<TreeNode<'_>> = Vec::new();
            let mut complete = true;
            for f in req.files {
                match f.hashes.iter().find(|h| h.algorithm == alg) {
                    Some(h) => nodes.push(TreeNode::File {
                        path: &f.path,
                        hash: &h.value,
                    }),
                    None => complete = false,
                }
            }
            for (d, _) in req.dirs {
                nodes.push(TreeNode::Dir { path: d });
            }
            if complete {
                if let Ok(h) = directory_hashes(alg, &nodes) {
                    dir_hashes.insert(alg, h);
                }
            }
        }
        let dir_records = |dir: &str| -> Vec<DirRecord> {
            dir_hashes
                .iter()
                .filter_map(|(alg, m)| {
                    m.get(dir).map(|h| DirRecord {
                        algorithm: *alg,
                        content: h.content.clone(),
                        structure: h.structure.clone(),
                        hash_date: Some(date.clone()),
                    })
                })
                .collect()
        };

        // post-order, names sorted: sub-directories, then the files, then the directory itself
        let mut children: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
        children.entry(String::new()).or_default();
        let parent_of = |p: &str| {
            p.rsplit_once('/')
                .map(|(a, _)| a.to_string())
                .unwrap_or_default()
        };
        for (d, _) in req.dirs {
            children.entry(d.clone()).or_default();
            children.entry(parent_of(d)).or_default().0.push(d.clone());
        }
        for f in req.files {
            children
                .entry(parent_of(&f.path))
                .or_default()
                .1
                .push(f.path.clone());
        }
        let dir_mtimes: BTreeMap<&str, Option<DateTime<Utc>>> =
            req.dirs.iter().map(|(d, m)| (d.as_str(), *m)).collect();
        let mut order: Vec<(bool, String)> = Vec::new();
        fn visit(
            dir: &str,
            children: &BTreeMap<String, (Vec<String>, Vec<String>)>,
            order: &mut Vec<(bool, String)>,
        ) {
            if let Some((dirs, files)) = children.get(dir) {
                let mut dirs = dirs.clone();
                dirs.sort();
                for d in &dirs {
                    visit(d, children, order);
                }
                let mut files = files.clone();
                files.sort();
                for f in files {
                    order.push((false, f));
                }
            }
            if !dir.is_empty() {
                order.push((true, dir.to_string()));
            }
        }
        visit("", &children, &mut order);

        for (is_dir, path) in order {
            if is_dir {
                let records = dir_records(&path);
                if records.is_empty() {
                    continue;
                }
                let modified = dir_mtimes.get(path.as_str()).copied().flatten().map(iso);
                if self.histories.contains_key(&path) {
                    // a nested history's root: its own roothash, and a directory entry above
                    if let Some(l) = lists.get_mut(&path) {
                        l.root_hash = records.clone();
                    }
                    let parent = parent_of(&path);
                    let (pkey, prel) = self.owner_of_dir(&parent, &path);
                    if let Some(l) = lists.get_mut(&pkey) {
                        l.entries.push(Entry::Dir(DirEntry {
                            path: prel,
                            last_modified: modified,
                            hashes: records,
                        }));
                    }
                } else {
                    let (key, rel) = self.owner(&path);
                    let key = key.to_string();
                    if let Some(l) = lists.get_mut(&key) {
                        l.entries.push(Entry::Dir(DirEntry {
                            path: rel,
                            last_modified: modified,
                            hashes: records,
                        }));
                    }
                }
                continue;
            }
            let Some(facts) = facts_by_path.get(path.as_str()) else {
                continue;
            };
            let comparison = self.compare(facts);
            let (key, rel) = self.owner(&path);
            let key = key.to_string();
            let known = self.known_for(facts).cloned();
            // a renamed file that matches the record of its previous name is, under its new
            // name, an original with a previousPath, as the reference tool records a rename
            let renamed_match =
                self.known(&path).is_none() && !matches!(comparison, Comparison::Changed { .. });
            let mut records = Vec::new();
            for hv in &facts.hashes {
                let action = match (&known, &comparison) {
                    (None, _) => Action::Original,
                    (Some(_), _) if renamed_match => Action::Original,
                    (Some(k), Comparison::Changed { .. }) => match k.hashes.get(&hv.algorithm) {
                        Some(e) if !e.eq_ignore_ascii_case(&hv.value) => Action::Failed,
                        Some(_) => Action::Verified,
                        // a new format is only vouched for when the old ones matched
                        None => continue,
                    },
                    (Some(_), _) => Action::Verified,
                };
                records.push(HashRecord {
                    algorithm: hv.algorithm,
                    value: hv.value.clone(),
                    action: Some(action),
                    hash_date: Some(iso(facts.hashed_at)),
                });
            }
            comparisons.insert(path.clone(), comparison);
            if let Some(l) = lists.get_mut(&key) {
                l.entries.push(Entry::File(FileEntry {
                    path: rel,
                    size: Some(facts.size),
                    last_modified: Some(iso(facts.modified)),
                    hashes: records,
                    previous_path: facts.previous_path.clone(),
                }));
            }
        }
        let root_records = dir_records("");
        if let Some(l) = lists.get_mut("") {
            l.root_hash = root_records;
        }

        // write deepest first; parents reference the children's new generations
        let mut keys: Vec<String> = lists.keys().cloned().collect();
        keys.sort_by_key(|k| {
            std::cmp::Reverse(if k.is_empty() {
                0
            } else {
                k.matches('/').count() + 1
            })
        });
        let hostname = hostname();
        let mut written = Vec::new();
        let mut new_refs: BTreeMap<String, Vec<Reference>> = BTreeMap::new();
        for key in keys {
            let mut list = lists.remove(&key).unwrap_or_default();
            list.references = new_refs.remove(&key).unwrap_or_default();
            if !key.is_empty() && list.entries.is_empty() && list.root_hash.is_empty() {
                continue;
            }
            list.creator = CreatorInfo {
                creation_date: date.clone(),
                hostname: hostname.clone(),
                tool_name: TOOL_NAME.into(),
                tool_version: env!("CARGO_PKG_VERSION").into(),
                location: None,
                comment: req.comment.clone(),
            };
            list.process = req.process.to_string();
            list.ignore = DEFAULT_IGNORE.iter().map(|s| s.to_string()).collect();
            let Some(history) = self.histories.get_mut(&key) else {
                continue;
            };
            let (path, c4) = history.append_generation(list, req.now)?;
            if !key.is_empty() {
                let parent = parent_of(&key);
                let (pkey, _) = self.owner_of_dir(&parent, &key);
                let pkey_prefix = if pkey.is_empty() {
                    String::new()
                } else {
                    format!("{pkey}/")
                };
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let rel_to_parent = format!("{key}/{MHL_FOLDER}/{file_name}");
                let rel_to_parent = rel_to_parent
                    .strip_prefix(&pkey_prefix)
                    .unwrap_or(&rel_to_parent)
                    .to_string();
                new_refs.entry(pkey).or_default().push(Reference {
                    path: rel_to_parent,
                    c4,
                });
            }
            written.push(path);
        }
        Ok(SealOutcome {
            comparisons,
            written,
        })
    }

    /// The history owning directory `dir` (a parent of nested history `child`) and the
    /// child's path relative to it.
    fn owner_of_dir(&self, dir: &str, child: &str) -> (String, String) {
        let (key, _) = if dir.is_empty() {
            ("", String::new())
        } else {
            self.owner(&format!("{dir}/x"))
        };
        let rel = within(key, child).unwrap_or_else(|| child.to_string());
        (key.to_string(), rel)
    }
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// What copying a card's `ascmhl` folder onto a destination's did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryCopy {
    /// Files written into the destination's `ascmhl` folder.
    pub copied: usize,
    /// The destination's history and the card's each hold generations the other lacks after
    /// this many common ones (both were extended independently); nothing was copied and the
    /// destination's history was kept as it is.
    pub diverged_after: Option<u32>,
    /// Files of the same name with different content on both sides; the destination's kept.
    pub conflicts: Vec<String>,
}

fn read_chain(dir: &Path) -> Option<Result<Vec<ChainEntry>, ()>> {
    let bytes = std::fs::read(dir.join(CHAIN_FILE)).ok()?;
    Some(mhl::parse_chain(&bytes).map_err(|_| ()))
}

enum FileCopy {
    Written,
    AlreadyThere,
    /// `dst` exists with other content and was kept.
    Conflict,
}

/// Copies one file; an existing `dst` is replaced only when `replace` says so.
fn copy_history_file(src: &Path, dst: &Path, replace: bool) -> std::io::Result<FileCopy> {
    let bytes = std::fs::read(src)?;
    if let Ok(existing) = std::fs::read(dst) {
        if existing == bytes {
            return Ok(FileCopy::AlreadyThere);
        }
        if !replace {
            return Ok(FileCopy::Conflict);
        }
    }
    if let Some(p) = dst.parent() {
        std::fs::create_dir_all(p)?;
    }
    write_atomically(dst, &bytes)?;
    if let Ok(m) = std::fs::metadata(src) {
        let _ = filetime::set_file_mtime(dst, filetime::FileTime::from_last_modification_time(&m));
    }
    if std::fs::read(dst)? != bytes {
        return Err(std::io::Error::other(format!(
            "{} reads back different from what was written",
            dst.display()
        )));
    }
    Ok(FileCopy::Written)
}

/// Brings the card's history (`src_root/ascmhl`) to the copy at `dst_root`, as offload tools
/// do, so the copy's history continues the card's generations and chain:
///
/// - no history at the destination yet: every file is copied (the chain last);
/// - the destination's chain starts with the card's whole chain (an earlier ingest copied it
///   and added its own generations): only missing files are copied;
/// - the card's chain continues the destination's (the card got new generations since, and
///   the destination none of its own): the new generations are copied, then the chain;
/// - otherwise the two have diverged: nothing is copied, the destination's history is kept.
///
/// A generation file is never overwritten; the chain file only by a longer chain that starts
/// with it. Generation files go first, so a kill leaves at most unchained copies of the card's
/// generations, which the next run completes.
pub fn copy_history(src_root: &Path, dst_root: &Path) -> std::io::Result<HistoryCopy> {
    let src_dir = src_root.join(MHL_FOLDER);
    let dst_dir = dst_root.join(MHL_FOLDER);
    let mut files: Vec<String> = Vec::new();
    for e in walkdir::WalkDir::new(&src_dir)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let e = e.map_err(std::io::Error::other)?;
        if e.file_type().is_file() {
            files.push(crate::scan::rel_string(&src_dir, e.path()));
        }
    }
    let mut out = HistoryCopy::default();
    let src_chain = read_chain(&src_dir);
    let dst_chain = read_chain(&dst_dir);
    // None: copy the chain like any other file (only when the destination has none)
    let mut chain_plan: Option<bool> = None;
    if let (Some(Ok(src)), Some(Ok(dst))) = (&src_chain, &dst_chain) {
        let common = src
            .iter()
            .zip(dst.iter())
            .take_while(|(a, b)| a == b)
            .count();
        let src_names: BTreeSet<&str> = src.iter().map(|c| c.path.as_str()).collect();
        let dst_names: BTreeSet<&str> = dst.iter().map(|c| c.path.as_str()).collect();
        // generations at the destination that neither chain knows (its own, interrupted run)
        let foreign = std::fs::read_dir(&dst_dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .any(|n| {
                        n.ends_with(".mhl")
                            && !dst_names.contains(n.as_str())
                            && !src_names.contains(n.as_str())
                    })
            })
            .unwrap_or(false);
        if common == src.len() {
            // the destination already continues the card's history: keep its chain
            chain_plan = Some(false);
        } else if common == dst.len() && !foreign {
            chain_plan = Some(true);
        } else {
            out.diverged_after = Some(
                src.get(..common)
                    .and_then(|c| c.last())
                    .map(|c| c.sequence)
                    .unwrap_or(0),
            );
            return Ok(out);
        }
    }
    // generations first, the chain last
    files.sort_by_key(|f| f == CHAIN_FILE);
    for f in files {
        let is_chain = f == CHAIN_FILE;
        if is_chain && chain_plan == Some(false) {
            continue;
        }
        let replace = is_chain && chain_plan == Some(true);
        let dst = crate::scan::join_rel(&dst_dir, &f);
        match copy_history_file(&crate::scan::join_rel(&src_dir, &f), &dst, replace)? {
            FileCopy::Written => out.copied += 1,
            FileCopy::AlreadyThere => {}
            FileCopy::Conflict => out.conflicts.push(format!("{MHL_FOLDER}/{f}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts(path: &str, xxh64: &str, previous: Option<&str>) -> FileFacts {
        let t = Utc.with_ymd_and_hms(2026, 4, 10, 12, 0, 0).unwrap();
        FileFacts {
            path: path.into(),
            size: 1,
            modified: t,
            hashes: vec![HashValue {
                algorithm: HashAlgorithm::Xxh64,
                value: xxh64.into(),
            }],
            hashed_at: t,
            previous_path: previous.map(str::to_string),
        }
    }

    /// Seals `files` as the next generation of the history at `root`, at second `sec`.
    fn seal(root: &Path, files: &[FileFacts], sec: u32) {
        let mut set = HistorySet::load(root, &[]);
        assert!(set.problems().is_empty(), "{:?}", set.problems());
        let req = SealRequest {
            files,
            dirs: &[],
            dir_hash_algorithms: &[],
            process: "in-place",
            comment: None,
            now: Utc.with_ymd_and_hms(2026, 4, 10, 12, 0, sec).unwrap(),
        };
        set.seal(&req).unwrap();
    }

    fn chain(root: &Path) -> Vec<ChainEntry> {
        mhl::parse_chain(&std::fs::read(root.join(MHL_FOLDER).join(CHAIN_FILE)).unwrap()).unwrap()
    }

    #[test]
    fn a_copied_history_continues_the_cards_and_never_loses_a_generation() {
        let t = tempfile::tempdir().unwrap();
        let (card, copy) = (t.path().join("card"), t.path().join("copy"));
        std::fs::create_dir_all(&card).unwrap();
        std::fs::create_dir_all(&copy).unwrap();
        seal(&card, &[facts("a.mov", "0ea03b369a463d9d", None)], 1);

        // first copy: everything, chain included
        let c = copy_history(&card, &copy).unwrap();
        assert_eq!(
            (c.copied, c.diverged_after, c.conflicts.len()),
            (2, None, 0)
        );
        assert_eq!(chain(&copy), chain(&card));

        // the copy gets a generation of its own: copying again changes nothing, says nothing
        seal(&copy, &[facts("a.mov", "0ea03b369a463d9d", None)], 2);
        let c = copy_history(&card, &copy).unwrap();
        assert_eq!(c, HistoryCopy::default());
        assert_eq!(chain(&copy).len(), 2);

        // the card gets a generation too: the two diverged after generation 1; nothing copied
        seal(&card, &[facts("a.mov", "0ea03b369a463d9d", None)], 3);
        let c = copy_history(&card, &copy).unwrap();
        assert_eq!(c.diverged_after, Some(1));
        assert_eq!(c.copied, 0);
        assert!(History::load(&copy).problems.is_empty());

        // a copy that is behind the card and has nothing of its own catches up
        let behind = t.path().join("behind");
        std::fs::create_dir_all(behind.join(MHL_FOLDER)).unwrap();
        let gen1 = &chain(&card)[0].path;
        std::fs::copy(
            card.join(MHL_FOLDER).join(gen1),
            behind.join(MHL_FOLDER).join(gen1),
        )
        .unwrap();
        std::fs::write(
            behind.join(MHL_FOLDER).join(CHAIN_FILE),
            mhl::write_chain(&chain(&card)[..1]),
        )
        .unwrap();
        let c = copy_history(&card, &behind).unwrap();
        assert_eq!((c.copied, c.diverged_after), (2, None));
        assert_eq!(chain(&behind), chain(&card));
        let h = History::load(&behind);
        assert!(h.problems.is_empty(), "{:?}", h.problems);
        assert_eq!(h.generations.len(), 2);
    }

    #[test]
    fn a_generation_of_the_same_name_is_never_overwritten() {
        let t = tempfile::tempdir().unwrap();
        let (card, copy) = (t.path().join("card"), t.path().join("copy"));
        seal(&card, &[facts("a.mov", "0ea03b369a463d9d", None)], 1);
        std::fs::create_dir_all(copy.join(MHL_FOLDER)).unwrap();
        let gen1 = chain(&card)[0].path.clone();
        std::fs::write(copy.join(MHL_FOLDER).join(&gen1), b"someone else's").unwrap();
        // no chain at the copy: file by file, the existing one is kept and named
        let c = copy_history(&card, &copy).unwrap();
        assert_eq!(c.conflicts, vec![format!("{MHL_FOLDER}/{gen1}")]);
        assert_eq!(
            std::fs::read(copy.join(MHL_FOLDER).join(&gen1)).unwrap(),
            b"someone else's"
        );
    }

    #[test]
    fn the_deepest_nested_history_owns_a_path() {
        let t = tempfile::tempdir().unwrap();
        let keys = [
            "Reels".to_string(),
            "Reels/A002".to_string(),
            "B".to_string(),
        ];
        let set = HistorySet::load(t.path(), &keys);
        assert_eq!(
            set.owner("Reels/A002/Clips/a.mov"),
            ("Reels/A002", "Clips/a.mov".into())
        );
        assert_eq!(set.owner("Reels/A0021/x"), ("Reels", "A0021/x".into()));
        assert_eq!(set.owner("Reels/x"), ("Reels", "x".into()));
        assert_eq!(set.owner("Reels"), ("", "Reels".into()));
        assert_eq!(set.owner("Bx/y"), ("", "Bx/y".into()));
        assert_eq!(set.owner("a.mov"), ("", "a.mov".into()));
    }

    #[test]
    fn a_renamed_file_is_expected_under_its_new_name_only() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("r");
        seal(&root, &[facts("old.mov", "0ea03b369a463d9d", None)], 1);
        // the renamed file is compared with the record of its previous name
        let set = HistorySet::load(&root, &[]);
        let renamed = facts("NEW.MOV", "0ea03b369a463d9d", Some("old.mov"));
        assert_eq!(set.compare(&renamed), Comparison::Verified);
        let wrong = facts("NEW.MOV", "7680e5f98f4a80fd", Some("old.mov"));
        assert!(matches!(set.compare(&wrong), Comparison::Changed { .. }));
        seal(&root, &[renamed], 2);
        let h = History::load(&root);
        let entry = h.generations[1].list.files().next().unwrap().clone();
        assert_eq!(entry.previous_path.as_deref(), Some("old.mov"));
        assert_eq!(entry.hashes[0].action, Some(Action::Original));
        assert_eq!(
            h.known_paths().into_iter().collect::<Vec<_>>(),
            vec!["NEW.MOV".to_string()]
        );
        assert!(h.known("old.mov").is_some());
    }
}
