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

const STUDIO_HELP: &str = "\
THE STUDIO CASE:
  A generated studio (deterministic per --seed): --resources rooms and people in eight kinds
  (edit bays, VFX seats, sound suites, color suites, mix theaters, ingest stations, QC bays,
  screening rooms), --projects projects of --tasks-per-project tasks each (durations 1–10 working
  days, each task after one or two of the previous five of its project, most needing one unit of a
  kind, projects released over the first 60 days). `full plan` schedules all of it with the
  proposal budget; `re-plan` moves one booking (a task may start 3 days later than planned) and
  re-plans from the last schedule (warm start). Every schedule is verified. OR-Tools CP-SAT (one
  worker) gets the full plan with --peer-time-ms.

OUTPUT (--json, stable; fields may be added, never renamed or removed):
  {\"tasks\", \"resources\", \"projects\",
   \"full\": {\"ms\", \"makespan\", \"lower_bound\", \"schedules\"},
   \"replan\": {\"ms\", \"makespan\", \"schedules\", \"tasks_moved\"},
   \"peer\": {\"name\", \"ms\", \"makespan\", \"optimal\"} | null}";

#[derive(Debug, Args)]
#[command(after_long_help = STUDIO_HELP)]
pub struct BenchStudioArgs {
    #[arg(long, default_value_t = 40)]
    pub projects: usize,
    #[arg(long, default_value_t = 50)]
    pub tasks_per_project: usize,
    #[arg(long, default_value_t = 50)]
    pub resources: i64,
    /// Schedules for the full plan (the what-if proposal's budget by default).
    #[arg(long, default_value_t = postflow_app::scenarios::PROPOSAL_SCHEDULES)]
    pub schedules: u64,
    /// Schedules for the re-plan after one booking moved.
    #[arg(long, default_value_t = 20)]
    pub replan_schedules: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Skip OR-Tools.
    #[arg(long)]
    pub no_peer: bool,
    /// CP-SAT's time for the full plan.
    #[arg(long, default_value_t = 1_000)]
    pub peer_time_ms: u64,
    #[arg(long, default_value = "target/venv-ortools")]
    pub venv: PathBuf,
    #[arg(long, default_value = "scripts/bench/rcpsp_ortools.py")]
    pub peer_script: PathBuf,
    #[arg(long)]
    pub json: bool,
}

/// The generated studio as one problem.
fn studio_problem(args: &BenchStudioArgs) -> Problem {
    use postflow_core::plan::rcpsp::{Activity, Resource};
    use postflow_core::plan::{Dependency, DependencyKind};
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    // Shares of the rooms and people per kind (sums to 50 for the default studio).
    let shares = [
        ("edit_bay", 12),
        ("vfx_seat", 15),
        ("sound_suite", 6),
        ("color_suite", 4),
        ("mix_theater", 3),
        ("ingest_station", 4),
        ("qc_bay", 3),
        ("screening_room", 3),
    ];
    let total: i64 = shares.iter().map(|(_, n)| n).sum();
    let resources: Vec<Resource> = shares
        .iter()
        .map(|(kind, n)| Resource::new(*kind, (n * args.resources / total).max(1)))
        .collect();
    let mut activities = Vec::new();
    let mut dependencies = Vec::new();
    for p in 0..args.projects {
        let release = rng.gen_range(0..60);
        for t in 0..args.tasks_per_project {
            let mut demand = vec![0; resources.len()];
            if rng.gen_bool(0.8) {
                demand[rng.gen_range(0..resources.len())] = 1;
            }
            let mut a = Activity::new(format!("P{p}/T{t}"), rng.gen_range(1..=10), demand);
            a.release = release;
            activities.push(a);
            if t > 0 {
                let preds = if t > 1 && rng.gen_bool(0.3) { 2 } else { 1 };
                let mut chosen = Vec::new();
                for _ in 0..preds {
                    let from = t - rng.gen_range(1..=t.min(5));
                    if !chosen.contains(&from) {
                        chosen.push(from);
                        dependencies.push(Dependency {
                            from: format!("P{p}/T{from}"),
                            to: format!("P{p}/T{t}"),
                            kind: DependencyKind::FinishToStart,
                            lag: 0,
                        });
                    }
                }
            }
        }
    }
    Problem {
        activities,
        dependencies,
        resources,
    }
}

/// The peer's makespan, or `None` when it found no schedule in time.
fn found(o: &super::rcpsp::Outcome) -> Option<i64> {
    (o.makespan < i64::MAX / 8).then_some(o.makespan)
}

pub fn run_bench_studio(args: BenchStudioArgs) -> anyhow::Result<ExitCode> {
    use postflow_core::plan::rcpsp::{replan, solve, Options};
    use std::time::Instant;
    if args.projects == 0 || args.tasks_per_project == 0 || args.resources < 8 {
        anyhow::bail!("the studio needs at least one project, one task each and 8 resources");
    }
    let problem = studio_problem(&args);
    let t0 = Instant::now();
    let full = solve(
        &problem,
        Options {
            seed: args.seed,
            iterations: args.schedules,
        },
    )?;
    let full_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let mut bad = verify(&problem, &full)
        .err()
        .map(|v| format!("full plan: {v}"));
    // One booking moves: a task that needs a room may start 3 days later than planned.
    let moved_task = problem
        .activities
        .iter()
        .position(|a| a.demand.iter().any(|&d| d > 0))
        .unwrap_or(0);
    let mut moved = problem.clone();
    moved.activities[moved_task].release = full.starts[moved_task] + 3;
    let t1 = Instant::now();
    let again = replan(
        &moved,
        &full.starts,
        Options {
            seed: args.seed,
            iterations: args.replan_schedules,
        },
    )?;
    let replan_ms = t1.elapsed().as_secs_f64() * 1000.0;
    if let Err(v) = verify(&moved, &again) {
        bad.get_or_insert(format!("re-plan: {v}"));
    }
    let tasks_moved = full
        .starts
        .iter()
        .zip(&again.starts)
        .filter(|(a, b)| a != b)
        .count();
    let peer = if args.no_peer {
        None
    } else {
        let peer = super::rcpsp::Peer {
            venv: &args.venv,
            script: &args.peer_script,
            time_limit_ms: Some(args.peer_time_ms),
        };
        let outcome = super::rcpsp::run_peer(
            &peer,
            &["studio".to_string()],
            std::slice::from_ref(&problem),
            args.peer_time_ms as f64 / 1000.0,
        )?;
        outcome.into_iter().next()
    };
    let report = serde_json::json!({
        "tasks": problem.activities.len(),
        "resources": problem.resources.iter().map(|r| r.capacity).sum::<i64>(),
        "projects": args.projects,
        "full": {"ms": full_ms, "makespan": full.makespan, "lower_bound": full.lower_bound, "schedules": full.schedules},
        "replan": {"ms": replan_ms, "makespan": again.makespan, "schedules": again.schedules, "tasks_moved": tasks_moved},
        "peer": peer.as_ref().map(|o| serde_json::json!({
            "name": "OR-Tools CP-SAT (1 worker)", "ms": o.seconds * 1000.0,
            "makespan": found(o), "optimal": o.proven})),
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "studio: {} tasks in {} projects, {} resources in {} kinds",
            problem.activities.len(),
            args.projects,
            report["resources"],
            problem.resources.len()
        );
        println!(
            "{:<34} {:>12} {:>10} {:>12}",
            "", "time", "makespan", "schedules"
        );
        println!(
            "{:<34} {:>9.1} ms {:>10} {:>12}   (lower bound {})",
            "postflow full plan", full_ms, full.makespan, full.schedules, full.lower_bound
        );
        println!(
            "{:<34} {:>9.1} ms {:>10} {:>12}   ({} tasks moved; {:.0}× faster than the full plan)",
            "postflow re-plan, one booking moved",
            replan_ms,
            again.makespan,
            again.schedules,
            tasks_moved,
            full_ms / replan_ms.max(1e-6)
        );
        if let Some(o) = &peer {
            match found(o) {
                Some(m) => println!(
                    "{:<34} {:>9.1} ms {:>10} {:>12}   (makespan ratio postflow/CP-SAT {:.3})",
                    "OR-Tools CP-SAT (1 worker)",
                    o.seconds * 1000.0,
                    m,
                    "—",
                    full.makespan as f64 / m.max(1) as f64
                ),
                None => println!(
                    "{:<34} {:>9.1} ms {:>10} {:>12}   (no schedule within {} ms)",
                    "OR-Tools CP-SAT (1 worker)",
                    o.seconds * 1000.0,
                    "none",
                    "—",
                    args.peer_time_ms
                ),
            }
        }
    }
    if let Some(why) = bad {
        eprintln!("error: a schedule failed the feasibility check: {why}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
