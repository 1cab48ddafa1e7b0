//! postflow: the one binary. Parses flags, sets up logging, dispatches to a verb.
//!
//! Invariant: only this crate (and `web` for HTTP) knows about processes, flags and exit codes;
//! errors become one clear sentence on stderr and a non-zero exit code.
use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod commands;

#[derive(Debug, Parser)]
#[command(
    name = "postflow",
    version,
    about = "Run a post-production studio: ingest, QC, schedule, bill."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web application for producers, artists and clients.
    Serve(commands::server::ServeArgs),
    /// Start a throwaway demo studio on SQLite in a temporary directory.
    Demo(commands::server::DemoArgs),
    /// Manage accounts: add, list, passwd, disable.
    #[command(subcommand)]
    User(commands::server::UserCommand),
    /// Copy a card or sound roll to one or more destinations, verified, with ASC MHL histories.
    Ingest(commands::ingest::IngestArgs),
    /// Re-hash a copy against its ASC MHL history and record the verification.
    Verify(commands::ingest::VerifyArgs),
    /// Automated QC of a media file against delivery profiles.
    Qc(commands::qc::QcArgs),
    /// Project utilities.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Benchmarks that print figures next to a peer tool measured in the same run.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The media catalog's volumes: add (or update) and list.
    #[command(subcommand)]
    Volume(commands::catalog::VolumeCommand),
    /// Schedules: the critical path of a plan file.
    #[command(subcommand)]
    Plan(commands::plan::PlanCommand),
    /// The resource-constrained scheduler on PSPLIB instances: solve one file.
    #[command(subcommand)]
    Schedule(commands::schedule::ScheduleCommand),
    /// Run queued jobs (proxies, encodes, …) on this machine from the store.
    Worker(commands::worker::WorkerArgs),
    /// The job queue: add, list, cancel, retry.
    #[command(subcommand)]
    Job(commands::worker::JobCommand),
}

#[derive(Debug, Subcommand)]
enum ProjectCommand {
    /// Create a project's folder tree from its template.
    Scaffold(commands::ingest::ScaffoldArgs),
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Ingest vs. cp + sync + xxhsum, plain cp, and ascmhl create.
    Ingest(commands::ingest::BenchIngestArgs),
    /// Full QC vs. ffmpeg decode-only and ffmpeg's detection filter graph.
    Qc(commands::qc::BenchQcArgs),
    /// CPM on a generated 10,000-task network and a studio of 50 projects × 100 tasks.
    Plan(commands::plan::BenchPlanArgs),
    /// Workers draining a queue of short jobs: claim overhead, throughput, each job once.
    Jobs(commands::worker::BenchJobsArgs),
    /// The same proxy ffmpeg command by hand and through a `proxy` job, side by side.
    Proxy(commands::media::BenchProxyArgs),
    /// The resource-constrained scheduler on PSPLIB j30/j60/j120 vs. OR-Tools CP-SAT.
    Rcpsp(commands::rcpsp::BenchRcpspArgs),
    /// Every PSPLIB instance of a directory, validated, vs. the optima and OR-Tools CP-SAT.
    Psplib(commands::rcpsp::BenchPsplibArgs),
    /// The studio case: a full plan of 2,000 tasks on 50 resources, and a re-plan after one booking moves.
    Studio(commands::schedule::BenchStudioArgs),
    /// Channel search on 100,000 seeded messages, SQLite and PostgreSQL, vs. PostgreSQL's own full-text search; fan-out per post.
    Search(commands::search_bench::BenchSearchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(a) => commands::server::run_serve(a),
        Command::Demo(a) => commands::server::run_demo(a),
        Command::User(c) => commands::server::run_user(c),
        Command::Ingest(a) => commands::ingest::run_ingest(a),
        Command::Verify(a) => commands::ingest::run_verify(a),
        Command::Qc(a) => commands::qc::run_qc(a),
        Command::Project(ProjectCommand::Scaffold(a)) => commands::ingest::run_scaffold(a),
        Command::Bench(BenchCommand::Ingest(a)) => commands::ingest::run_bench_ingest(a),
        Command::Bench(BenchCommand::Qc(a)) => commands::qc::run_bench_qc(a),
        Command::Volume(c) => commands::catalog::run_volume(c),
        Command::Plan(c) => commands::plan::run_plan(c),
        Command::Bench(BenchCommand::Plan(a)) => commands::plan::run_bench_plan(a),
        Command::Worker(a) => commands::worker::run_worker(a),
        Command::Job(c) => commands::worker::run_job(c),
        Command::Bench(BenchCommand::Jobs(a)) => commands::worker::run_bench_jobs(a),
        Command::Bench(BenchCommand::Proxy(a)) => commands::media::run_bench_proxy(a),
        Command::Bench(BenchCommand::Rcpsp(a)) => commands::rcpsp::run_bench_rcpsp(a),
        Command::Bench(BenchCommand::Psplib(a)) => commands::rcpsp::run_bench_psplib(a),
        Command::Bench(BenchCommand::Studio(a)) => commands::schedule::run_bench_studio(a),
        Command::Bench(BenchCommand::Search(a)) => commands::search_bench::run_bench_search(a),
        Command::Schedule(c) => commands::schedule::run_schedule(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
