//! The app crate's integration tests, one binary: each module was its own test file.
//! One binary links the dependency graph once instead of once per file, which keeps a
//! fresh build's disk use and link time small; nextest still runs every test in its own process.
#[macro_use]
mod support;
mod accounts;
mod billing;
mod bookings;
mod channels;
mod delivery;
mod jobs;
mod luts;
mod mail;
mod notifications;
mod plan;
mod projects;
mod quotes;
mod scenarios;
mod search_rank;
mod storage;
mod templates;
mod time_edit;
