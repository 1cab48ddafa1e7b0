//! Fault injection for the fault tests: `POSTFLOW_FAULT` names one fault to trigger at a
//! precise point of a real run (a kill, a vanished file, a file still being written). Unset in
//! normal use, where every check below is one environment lookup that finds nothing.
use std::sync::atomic::{AtomicU64, Ordering};

static CHUNKS: AtomicU64 = AtomicU64::new(0);
static FILES: AtomicU64 = AtomicU64::new(0);

fn spec() -> Option<String> {
    std::env::var("POSTFLOW_FAULT")
        .ok()
        .filter(|s| !s.is_empty())
}

/// SIGKILL this process, as `kill -9` from outside would, and never return.
fn kill_self() -> ! {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &std::process::id().to_string()])
        .status();
    loop {
        std::thread::park();
    }
}

/// `kill-after-chunks=N`: killed after the N-th chunk reached a destination.
pub(crate) fn chunk_written() {
    if let Some(s) = spec() {
        if let Some(n) = s
            .strip_prefix("kill-after-chunks=")
            .and_then(|n| n.parse::<u64>().ok())
        {
            if CHUNKS.fetch_add(1, Ordering::SeqCst) + 1 >= n {
                kill_self();
            }
        }
    }
}

/// `read-only-source`: the source refuses writes, as a write-protected card (or a read-only
/// mount) does: writing the source's own ASC MHL history fails with EROFS. For runs where a
/// real read-only mount cannot be made without privileges.
pub(crate) fn source_write() -> std::io::Result<()> {
    if spec().as_deref() == Some("read-only-source") {
        return Err(std::io::Error::from_raw_os_error(libc::EROFS));
    }
    Ok(())
}

/// `read-only-copy`: the copy being verified refuses writes (EROFS), as a read-only mount or a
/// write-protected tape does; for runs where a real read-only mount cannot be made.
pub(crate) fn copy_write() -> std::io::Result<()> {
    if spec().as_deref() == Some("read-only-copy") {
        return Err(std::io::Error::from_raw_os_error(libc::EROFS));
    }
    Ok(())
}

/// `kill-at=<point>`: killed at a named point (`before-mhl`, `after-generation`,
/// `after-source-history`).
pub(crate) fn at(point: &str) {
    if spec().as_deref() == Some(&format!("kill-at={point}")) {
        kill_self();
    }
}

/// `append-source=<rel>`: the source file `rel` grows after its first chunk was read, as a
/// file still being recorded does.
pub(crate) fn after_first_chunk(source: &std::path::Path, rel: &str) {
    if let Some(s) = spec() {
        if s.strip_prefix("append-source=") == Some(rel) {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(source) {
                let _ = f.write_all(b"more");
            }
        }
    }
}

/// `vanish-source=<rel>`: the source file disappears between listing and reading.
pub(crate) fn before_open(source: &std::path::Path, rel: &str) {
    if let Some(s) = spec() {
        if s.strip_prefix("vanish-source=") == Some(rel) {
            let _ = std::fs::remove_file(source);
        }
    }
}

/// `remove-dir-after-files=N:PATH`: PATH (a destination) disappears after N files finished.
pub(crate) fn file_finished() {
    if let Some(s) = spec() {
        if let Some((n, path)) = s
            .strip_prefix("remove-dir-after-files=")
            .and_then(|r| r.split_once(':'))
        {
            let done = FILES.fetch_add(1, Ordering::SeqCst) + 1;
            if n.parse::<u64>().ok() == Some(done) {
                let _ = std::fs::remove_dir_all(path);
            }
        }
    }
}
