//! The cli crate's integration tests, one binary: each module was its own test file.
//! One binary links the dependency graph once instead of once per file, which keeps a
//! fresh build's disk use and link time small; nextest still runs every test in its own process.
#[macro_use]
mod ingest_common;
mod catalog_cli;
mod delivery_encode;
mod delivery_encode_api;
mod ingest_ascmhl;
mod ingest_card_mhl;
mod ingest_faults;
mod ingest_flow;
mod ingest_verify;
mod media_jobs;
mod plan_cli;
mod qc_attach;
mod qc_cli;
mod schedule_cli;
mod server_cli;
mod worker_api;
mod worker_kill;
mod worker_token;
