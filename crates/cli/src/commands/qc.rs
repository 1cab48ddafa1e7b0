//! `postflow qc`, `bench qc` (owned by the QC work).
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct QcArgs {}
#[derive(Debug, Args)]
pub struct BenchQcArgs {}

pub fn run_qc(_args: QcArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("qc is not built yet")
}
pub fn run_bench_qc(_args: BenchQcArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("bench qc is not built yet")
}
