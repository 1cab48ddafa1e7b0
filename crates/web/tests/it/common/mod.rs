//! Test helpers: the spawned app and its HTTP helpers come from postflow-testkit (feature
//! `server`); the browser harness is the web's own.
#![allow(dead_code)]
pub mod chromium;
pub use postflow_testkit::server::*;
