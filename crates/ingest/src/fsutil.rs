//! Small file-system helpers: atomic writes, directory fsync, page-cache eviction.
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Asks the kernel to drop the cached pages of `file`, so the next read comes from the medium.
/// Returns false when the kernel refused (the caller then still verifies, just maybe from
/// cache, and can say so).
#[allow(unsafe_code)]
pub fn evict_from_cache(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: posix_fadvise only reads the descriptor number and two integers; `file` keeps
    // the descriptor open for the duration of the call, and no memory is shared with the kernel.
    let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    rc == 0
}

/// A read buffer for a file of `len` bytes: `chunk` bytes, or less for a smaller file. A fresh
/// multi-megabyte zeroed buffer per small file costs more than reading it (100 000 sidecars would
/// zero hundreds of gigabytes).
pub fn read_buffer(len: u64, chunk: usize) -> Vec<u8> {
    let want = usize::try_from(len).unwrap_or(usize::MAX).saturating_add(1);
    vec![0u8; chunk.max(1).min(want.max(8192))]
}

/// fsync a directory so renames inside it survive a power cut.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to `path` via a temporary file, fsync and rename: a reader sees the old file
/// or the whole new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}{}", crate::scan::PARTIAL_SUFFIX));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    sync_dir(dir)
}
