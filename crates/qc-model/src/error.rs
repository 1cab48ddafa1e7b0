//! The library's error type: one clear sentence naming the input and what to do.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum QcError {
    #[error("{path}: file not found or unreadable ({cause}); check the path and permissions")]
    Open {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("`{tool}` could not be started ({cause}); install ffmpeg or set POSTFLOW_FFMPEG / POSTFLOW_FFPROBE to its path")]
    ToolMissing { tool: String, cause: std::io::Error },
    #[error("{path}: `{tool}` gave up after {seconds} s without finishing; the file may be damaged or on a stalled volume")]
    Timeout {
        path: PathBuf,
        tool: String,
        seconds: u64,
    },
    #[error("{path}: ffprobe cannot read this file ({detail}); it is not a media file ffmpeg understands, or it is truncated or corrupt")]
    Unreadable { path: PathBuf, detail: String },
    #[error("{path}: ffprobe gave JSON postflow cannot read ({detail}); report this with the file's ffprobe output")]
    ProbeJson { path: PathBuf, detail: String },
    #[error("{path}: has no audio or video stream to check; QC needs a media file with picture or sound")]
    NoStreams { path: PathBuf },
    #[error("{path}: decoding failed ({detail}); the file is truncated, corrupt or uses a codec this ffmpeg cannot decode")]
    Decode { path: PathBuf, detail: String },
    #[error("profile `{name}` is not known; run `postflow qc --list-profiles` to see the profiles, or pass --profile-file")]
    UnknownProfile { name: String },
    #[error("{file}: profile is not valid: {detail}")]
    Profile { file: String, detail: String },
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
}

pub type Result<T, E = QcError> = std::result::Result<T, E>;
