//! Test media made by ffmpeg in a temporary directory (postflow-testkit's recipes).
#![allow(dead_code, unused_imports)]
pub use postflow_testkit::media::{ffmpeg, programme};
use std::path::{Path, PathBuf};

pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
