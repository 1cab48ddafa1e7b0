//! `postflow ingest`, `verify`, `project scaffold`, `bench ingest` (owned by the ingest work).
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct IngestArgs {}
#[derive(Debug, Args)]
pub struct VerifyArgs {}
#[derive(Debug, Args)]
pub struct ScaffoldArgs {}
#[derive(Debug, Args)]
pub struct BenchIngestArgs {}

pub fn run_ingest(_args: IngestArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("ingest is not built yet")
}
pub fn run_verify(_args: VerifyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("verify is not built yet")
}
pub fn run_scaffold(_args: ScaffoldArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("project scaffold is not built yet")
}
pub fn run_bench_ingest(_args: BenchIngestArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("bench ingest is not built yet")
}
