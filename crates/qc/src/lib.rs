//! postflow-qc: media probe, one-pass analysis (loudness, black, freeze, silence, clipping) and
//! delivery-profile checks.
//!
//! Invariant: ffmpeg/ffprobe are only ever run as child processes with a timeout, killed on drop;
//! all analysis is Rust over decoded sample streams and never touches the store or HTTP.
