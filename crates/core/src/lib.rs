//! postflow-core: the studio's domain as plain types and pure functions.
//!
//! Invariant: this crate does no IO — no files, no network, no database, no clock reads,
//! no async runtime. Every value that crosses into it is parsed into a type that cannot hold an
//! invalid state (a `ProjectCode`, `Money`, `Timecode`), and every function is deterministic.

pub mod access;
pub mod billing;
pub mod booking;
pub mod channels;
pub mod csv;
pub mod ical;
pub mod integrity;
pub mod lut;
pub mod money;
pub mod plan;
pub mod project;
pub mod qc_gate;
pub mod timecode;
