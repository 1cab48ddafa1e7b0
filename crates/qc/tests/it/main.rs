//! The qc crate's integration tests, one binary: each module was its own test file.
//! One binary links the dependency graph once instead of once per file, which keeps a
//! fresh build's disk use and link time small; nextest still runs every test in its own process.
#[macro_use]
mod common;
mod bad_input;
mod bars_freeze;
mod detection;
mod ebu_tech3341_3342;
mod layout_inference;
mod probe_fixtures;
mod timecode_track;
