//! Helpers shared by the `ingest_*` integration tests: real trees on disk, the real binary,
//! the ascmhl reference tool in a virtualenv, xmllint.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_postflow"))
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("postflow runs")
}

pub fn run_env(args: &[&str], key: &str, value: &str) -> Output {
    bin()
        .args(args)
        .env(key, value)
        .output()
        .expect("postflow runs")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn text(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Deterministic pseudo-random bytes.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A small camera card: clips, sidecars, an empty file, spaces and Unicode in names.
pub fn make_card(root: &Path, name: &str) -> PathBuf {
    let card = root.join(name);
    write(
        &card.join("Clips/A001C001_260410_R1AB.mov"),
        &bytes(1, 300_000),
    );
    write(
        &card.join("Clips/A001C002_260410_R1AB.mov"),
        &bytes(2, 150_001),
    );
    write(
        &card.join("Clips/A001C003_260410_R1AB.mov"),
        &bytes(3, 9_000),
    );
    write(&card.join("Metadata/A001C001.xml"), b"<clip id=\"1\"/>\n");
    write(
        &card.join("Sidecar notes/é à ü — take 1.txt"),
        b"good take\n",
    );
    write(&card.join("empty.bin"), b"");
    std::fs::create_dir_all(card.join("Empty folder")).unwrap();
    card
}

/// Relative path -> content of every regular file below `root`, without `ascmhl/`.
pub fn tree(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let t = e.file_type().unwrap();
            if t.is_dir() && e.file_name() != "ascmhl" {
                stack.push(p);
            } else if t.is_file() {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

pub fn mhl_files(folder: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(folder.join("ascmhl"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().map(|e| e == "mhl").unwrap_or(false));
    v.sort();
    v
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixtures() -> PathBuf {
    workspace().join("tests/fixtures/ascmhl")
}

/// The ascmhl reference tool, installed once into `target/venv-ascmhl` under a file lock so
/// parallel test processes do not race.
pub fn ascmhl() -> PathBuf {
    let venv = workspace().join("target/venv-ascmhl");
    let exe = venv.join("bin/ascmhl");
    std::fs::create_dir_all(venv.parent().unwrap()).unwrap();
    let script = format!(
        "test -x {v}/bin/ascmhl || (python3 -m venv {v} && {v}/bin/pip install -q ascmhl)",
        v = venv.display()
    );
    let lock = format!("{}.lock", venv.display());
    let out = Command::new("flock")
        .args([lock.as_str(), "sh", "-c", script.as_str()])
        .output()
        .expect("flock and python3 are needed to install the ascmhl reference tool");
    assert!(
        out.status.success(),
        "installing ascmhl failed: {}",
        text(&out)
    );
    exe
}

/// Validates XML files against an XSD with xmllint (Debian: libxml2-utils).
pub fn xmllint(xsd: &Path, files: &[PathBuf]) {
    let probe = Command::new("xmllint").arg("--version").output();
    assert!(
        probe.is_ok(),
        "xmllint is missing; install it with `apt-get install libxml2-utils`"
    );
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "XSD validation failed: {}",
        text(&out)
    );
}

/// The directory XSD imports ASCMHL.xsd from the web; point it at the local copy.
pub fn directory_xsd(dir: &Path) -> PathBuf {
    let f = fixtures();
    let xsd = std::fs::read_to_string(f.join("ASCMHLDirectory.xsd"))
        .unwrap()
        .replace(
            "https://raw.githubusercontent.com/ascmitc/mhl/master/xsd/ASCMHL.xsd",
            &f.join("ASCMHL.xsd").display().to_string(),
        );
    let out = dir.join("ASCMHLDirectory.local.xsd");
    std::fs::write(&out, xsd).unwrap();
    out
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `postflow ingest CARD --dest D… EXTRA…`, optionally with a fault injected.
pub fn ingest(card: &Path, dests: &[&Path], extra: &[&str], fault: Option<&str>) -> Output {
    let mut c = bin();
    c.arg("ingest").arg(card);
    for d in dests {
        c.arg("--dest").arg(d);
    }
    c.args(extra);
    if let Some(f) = fault {
        c.env("POSTFLOW_FAULT", f);
    }
    c.output().expect("postflow runs")
}
