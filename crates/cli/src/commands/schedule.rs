//! `postflow schedule solve`: one PSPLIB single-mode instance through the resource-constrained
//! scheduler (core::plan::rcpsp), for the benchmark and for scripts.
use super::rcpsp::solve_within;
use anyhow::Context;
use clap::{Args, Subcommand};
use postflow_core::plan::psplib::parse_sm;
use postflow_core::plan::rcpsp::{verify, Problem};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const SOLVE_HELP: &str = "\
OUTPUT (--json, stable; fields may be added, never renamed or removed):
  {\"makespan\": N, \"starts\": {\"1\": 0, \"2\": 3, ...}, \"lower_bound\": N,
   \"proven_optimal\": bool, \"schedules\": N, \"guarded\": bool, \"ms\": F}
  starts are keyed by the job numbers of the file, in file order. lower_bound is the solver's own
  bound (critical path and energy); proven_optimal says the makespan reached it. guarded says the
  clock guard ended the search before the schedule budget did (the result then depends on the
  machine's speed; without it the same file, seed and budget always give the same schedule).

EXIT STATUS:
  0 solved; 1 the schedule failed the independent feasibility check (a bug: please report it);
  2 bad input (a malformed file names its line).";

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Schedule a PSPLIB single-mode instance (.sm): start of every job and the makespan.
    Solve(ScheduleSolveArgs),
}

#[derive(Debug, Args)]
#[command(after_long_help = SOLVE_HELP)]
pub struct ScheduleSolveArgs {
    /// The PSPLIB single-mode instance.
    pub file: PathBuf,
    /// The clock guard: stop with the best schedule so far after this many ms.
    #[arg(long, default_value_t = 1_000)]
    pub time_limit_ms: u64,
    /// Schedules generated at most (the deterministic budget).
    #[arg(long, default_value_t = 200_000)]
    pub schedules: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Ignore resource limits: the critical-path (earliest-start) schedule.
    #[arg(long)]
    pub no_resources: bool,
    /// Print the schedule as JSON (see --help).
    #[arg(long)]
    pub json: bool,
}

pub fn run_schedule(command: ScheduleCommand) -> anyhow::Result<ExitCode> {
    match command {
        ScheduleCommand::Solve(args) => run_solve(args),
    }
}

/// The same network without resources: every job at its earliest precedence-feasible start.
fn without_resources(problem: &Problem) -> Problem {
    let mut relaxed = problem.clone();
    relaxed.resources.clear();
    for a in &mut relaxed.activities {
        a.demand.clear();
    }
    relaxed
}

fn run_solve(args: ScheduleSolveArgs) -> anyhow::Result<ExitCode> {
    if args.time_limit_ms == 0 || args.schedules == 0 {
        anyhow::bail!("--time-limit-ms and --schedules must be at least 1");
    }
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let parsed = parse_sm(&text).with_context(|| format!("{}", args.file.display()))?;
    let problem = if args.no_resources {
        without_resources(&parsed)
    } else {
        parsed
    };
    let (solution, guarded, seconds) = solve_within(
        &problem,
        args.seed,
        args.schedules,
        Some(args.time_limit_ms),
    )
    .with_context(|| format!("{}", args.file.display()))?;
    if let Err(violation) = verify(&problem, &solution) {
        eprintln!(
            "error: the schedule of {} failed the feasibility check: {violation}",
            args.file.display()
        );
        return Ok(ExitCode::from(1));
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        // Built by hand so the starts keep the file's job order (a JSON map would sort "10" before "2").
        let starts: Vec<String> = problem
            .activities
            .iter()
            .zip(&solution.starts)
            .map(|(a, s)| format!("{}: {s}", serde_json::to_string(&a.id).unwrap_or_default()))
            .collect();
        writeln!(
            out,
            "{{\"makespan\": {}, \"starts\": {{{}}}, \"lower_bound\": {}, \"proven_optimal\": {}, \"schedules\": {}, \"guarded\": {}, \"ms\": {:.3}}}",
            solution.makespan,
            starts.join(", "),
            solution.lower_bound,
            solution.proven_optimal,
            solution.schedules,
            guarded,
            seconds * 1000.0
        )?;
    } else {
        writeln!(
            out,
            "makespan {} (lower bound {}{}), {} schedules in {:.0} ms{}",
            solution.makespan,
            solution.lower_bound,
            if solution.proven_optimal {
                ", proven optimal"
            } else {
                ""
            },
            solution.schedules,
            seconds * 1000.0,
            if guarded {
                ", stopped by the clock guard"
            } else {
                ""
            }
        )?;
        writeln!(out, "{:>6} {:>6} {:>6}", "job", "start", "finish")?;
        for (a, s) in problem.activities.iter().zip(&solution.starts) {
            writeln!(out, "{:>6} {:>6} {:>6}", a.id, s, s + a.duration)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
