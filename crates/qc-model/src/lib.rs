//! postflow-qc-model: what a QC run produces and is judged by, without running anything — the
//! report ([`QcReport`]) and the facts it embeds (probe, timecode track, loudness), the delivery
//! profiles ([`ProfileSet`]), the checks that evaluate a profile over measurements, the gate's
//! facts from a stored report ([`gate`]) and the HTML report ([`render_html`]).
//!
//! Invariant: no child processes, no decoding, no store, no HTTP. The web app and the
//! application layer depend on this crate only; `postflow-qc` (the ffmpeg runner) builds on it
//! and re-exports it.
pub mod analysis;
pub mod audio;
pub mod checks;
pub mod detection;
pub mod error;
pub mod gate;
pub mod html;
pub mod layout;
pub mod loudness;
pub mod probe;
pub mod profile;
pub mod report;
pub mod timecode_track;
pub mod video;

pub use detection::DetectSettings;
pub use error::QcError;
pub use html::render_html;
pub use layout::DeclaredLayout;
pub use loudness::Loudness;
pub use profile::{Profile, ProfileSet};
pub use report::{Check, CheckStatus, Event, EventKind, QcReport, Verdict};
