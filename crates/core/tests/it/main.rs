//! The core crate's integration tests, one binary: each module was its own test file.
//! One binary links the dependency graph once instead of once per file, which keeps a
//! fresh build's disk use and link time small; nextest still runs every test in its own process.
mod billing_properties;
mod lut;
mod lut_ffmpeg;
mod lut_properties;
mod plan_cpm;
mod plan_properties;
mod properties;
mod rcpsp;
