//! `postflow plan solve`: the schedule of a plan file, without a store; and `postflow bench plan`.
//!
//! The file names dates; core::plan counts working days. This module maps one to the other through
//! the file's calendar and prints the result as a table or as stable JSON.
use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use clap::{Args, Subcommand};
use postflow_core::plan::cpm::Network;
use postflow_core::plan::{
    schedule, Dependency, DependencyKind, PlanTask, Schedule, WorkingCalendar,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Compute the schedule (early/late dates, float, critical path) of a plan file.
    Solve(SolveArgs),
}

const SOLVE_HELP: &str = "\
INPUT (JSON):
  {\"calendar\": {\"start\": \"YYYY-MM-DD\", \"working_days\": [\"mon\", …], \"holidays\": [\"YYYY-MM-DD\", …]},
   \"tasks\": [{\"id\": \"…\", \"duration_days\": N}],
   \"dependencies\": [{\"from\": \"…\", \"to\": \"…\", \"type\": \"FS|SS|FF\", \"lag_days\": N}],
   \"fixed\": [{\"task\": \"…\", \"finish_by\": \"YYYY-MM-DD\", \"start_no_earlier\": \"YYYY-MM-DD\"}]}
  working_days defaults to mon–fri; holidays, dependencies, fixed and lag_days to none/0; type to FS.
  A fixed entry needs finish_by (finished by the end of that date) or start_no_earlier, or both.
  Unknown fields are refused. FS: successor starts ≥ finish + lag; SS: start ≥ start + lag;
  FF: finish ≥ finish + lag; a negative lag is a lead; no task starts before day 0.

OUTPUT (--json, stable; fields may be added, never renamed or removed):
  {\"tasks\": [{\"id\", \"duration_days\", \"es_day\", \"ef_day\", \"ls_day\", \"lf_day\",
              \"es\", \"ef\", \"ls\", \"lf\", \"total_float_days\", \"free_float_days\", \"critical\",
              \"driving\"}],
   \"finish_day\", \"finish\", \"critical_path\": [ids], \"critical_paths\": [[ids]], \"late\": [ids]}
  *_day fields are working-day offsets from day 0 (the first working day on or after the start).
  es/ef/ls/lf/finish are the dates of those offsets. ef, lf and finish are EXCLUSIVE: the first
  working day after the work (a task ending on Friday has ef on Monday). critical_path lists every
  critical task (total float ≤ 0) by start; critical_paths are the chains of critical tasks linked
  by binding dependencies (at most 32); late lists the tasks with negative float; driving lists
  the predecessors that set each task's early start.

EXIT STATUS:
  0 the schedule was computed (also when a date cannot be met: a warning on stderr names the late
  tasks); 2 bad input (unreadable file, bad JSON, unknown task, bad date, dependency cycle).";

#[derive(Debug, Args)]
#[command(after_long_help = SOLVE_HELP)]
pub struct SolveArgs {
    /// The plan file (JSON; see --help for the format).
    pub file: PathBuf,
    /// Print the schedule as JSON (the format is described under --help).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    calendar: CalendarSpec,
    tasks: Vec<TaskSpec>,
    #[serde(default)]
    dependencies: Vec<DependencySpec>,
    #[serde(default)]
    fixed: Vec<FixedSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarSpec {
    start: String,
    working_days: Option<Vec<String>>,
    #[serde(default)]
    holidays: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskSpec {
    id: String,
    duration_days: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DependencySpec {
    from: String,
    to: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    lag_days: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixedSpec {
    task: String,
    finish_by: Option<String>,
    start_no_earlier: Option<String>,
}

#[derive(Debug, Serialize)]
struct TaskOut {
    id: String,
    duration_days: i64,
    es_day: i64,
    ef_day: i64,
    ls_day: i64,
    lf_day: i64,
    es: NaiveDate,
    ef: NaiveDate,
    ls: NaiveDate,
    lf: NaiveDate,
    total_float_days: i64,
    free_float_days: i64,
    critical: bool,
    driving: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ScheduleOut {
    tasks: Vec<TaskOut>,
    finish_day: i64,
    finish: NaiveDate,
    critical_path: Vec<String>,
    critical_paths: Vec<Vec<String>>,
    late: Vec<String>,
}

/// Durations and lags beyond this (about 400 years of working days) are typos; refusing them keeps
/// every offset and date far from overflow.
const MAX_DAYS: i64 = 100_000;

fn parse_date(what: &str, s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (1..=9999).contains(&d.year()))
        .ok_or_else(|| anyhow::anyhow!("{what}: {s:?} is not a date (expected YYYY-MM-DD)"))
}

/// The calendar and the core's view of the plan, or the first problem in the file.
fn read_plan(file: &PlanFile) -> anyhow::Result<(WorkingCalendar, Vec<PlanTask>, Vec<Dependency>)> {
    let start = parse_date("calendar.start", &file.calendar.start)?;
    let week = match &file.calendar.working_days {
        None => ["mon", "tue", "wed", "thu", "fri"]
            .iter()
            .map(|d| WorkingCalendar::parse_weekday(d))
            .collect::<Result<Vec<_>, _>>()?,
        Some(days) => days
            .iter()
            .map(|d| WorkingCalendar::parse_weekday(d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("calendar.working_days: {e}"))?,
    };
    let holidays = file
        .calendar
        .holidays
        .iter()
        .map(|h| parse_date("calendar.holidays", h))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let calendar = WorkingCalendar::new(start, &week, &holidays)
        .map_err(|e| anyhow::anyhow!("calendar.working_days: {e}"))?;

    for t in &file.tasks {
        if t.duration_days > MAX_DAYS {
            anyhow::bail!(
                "task {:?}: duration_days {} is more than {MAX_DAYS} working days",
                t.id,
                t.duration_days
            );
        }
    }
    for d in &file.dependencies {
        if d.lag_days.abs() > MAX_DAYS {
            anyhow::bail!(
                "dependency {} → {}: lag_days {} is more than {MAX_DAYS} working days either way",
                d.from,
                d.to,
                d.lag_days
            );
        }
    }
    let mut tasks: Vec<PlanTask> = file
        .tasks
        .iter()
        .map(|t| PlanTask::new(t.id.clone(), t.duration_days))
        .collect();
    for f in &file.fixed {
        let Some(task) = tasks.iter_mut().find(|t| t.id == f.task) else {
            anyhow::bail!("fixed: unknown task {:?}", f.task);
        };
        if f.finish_by.is_none() && f.start_no_earlier.is_none() {
            anyhow::bail!(
                "fixed: the entry for task {:?} needs finish_by or start_no_earlier",
                f.task
            );
        }
        // Several dates for one task: the tightest one holds.
        if let Some(d) = &f.finish_by {
            let day =
                calendar.finish_day_by(parse_date(&format!("fixed {:?} finish_by", f.task), d)?);
            task.finish_by = Some(task.finish_by.map_or(day, |old| old.min(day)));
        }
        if let Some(d) = &f.start_no_earlier {
            let date = parse_date(&format!("fixed {:?} start_no_earlier", f.task), d)?;
            let day = calendar.day_on_or_after(date);
            task.start_no_earlier = Some(task.start_no_earlier.map_or(day, |old| old.max(day)));
        }
    }
    let dependencies = file
        .dependencies
        .iter()
        .map(|d| {
            let kind = match &d.kind {
                None => DependencyKind::FinishToStart,
                Some(k) => DependencyKind::parse(k).ok_or_else(|| {
                    anyhow::anyhow!(
                        "dependency {} → {}: unknown type {k:?} (expected FS, SS or FF)",
                        d.from,
                        d.to
                    )
                })?,
            };
            Ok(Dependency::new(
                d.from.clone(),
                d.to.clone(),
                kind,
                d.lag_days,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((calendar, tasks, dependencies))
}

fn output(calendar: &WorkingCalendar, tasks: &[PlanTask], s: &Schedule) -> ScheduleOut {
    ScheduleOut {
        tasks: s
            .tasks
            .iter()
            .zip(tasks)
            .map(|(t, p)| TaskOut {
                id: t.id.clone(),
                duration_days: p.duration,
                es_day: t.es,
                ef_day: t.ef,
                ls_day: t.ls,
                lf_day: t.lf,
                es: calendar.date_of_day(t.es),
                ef: calendar.date_of_day(t.ef),
                ls: calendar.date_of_day(t.ls),
                lf: calendar.date_of_day(t.lf),
                total_float_days: t.total_float,
                free_float_days: t.free_float,
                critical: t.critical,
                driving: t.driving.clone(),
            })
            .collect(),
        finish_day: s.finish,
        finish: calendar.date_of_day(s.finish),
        critical_path: s.critical_path.clone(),
        critical_paths: s.critical_paths.clone(),
        late: s.late_tasks().iter().map(|t| t.id.clone()).collect(),
    }
}

pub fn run_plan(command: PlanCommand) -> anyhow::Result<ExitCode> {
    match command {
        PlanCommand::Solve(args) => run_solve(args),
    }
}

fn run_solve(args: SolveArgs) -> anyhow::Result<ExitCode> {
    let name = args.file.display();
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read the plan file {name}"))?;
    let file: PlanFile = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{name} is not a valid plan file: {e}"))?;
    let (calendar, tasks, dependencies) =
        read_plan(&file).map_err(|e| anyhow::anyhow!("{name}: {e:#}"))?;
    // A cycle's message stands on its own: "dependency cycle: a → b → a".
    let s = schedule(&tasks, &dependencies)?;
    let out = output(&calendar, &tasks, &s);
    if !out.late.is_empty() {
        let worst = s.tasks.iter().map(|t| t.total_float).min().unwrap_or(0);
        eprintln!(
            "warning: the plan cannot meet its fixed dates (up to {} working day{} late); late tasks: {}",
            -worst,
            if worst == -1 { "" } else { "s" },
            out.late.join(", ")
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_table(&out);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(out: &ScheduleOut) {
    let width = out
        .tasks
        .iter()
        .map(|t| t.id.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<width$}  {:>4}  {:<10}  {:<10}  {:<10}  {:<10}  {:>5}  {:>5}  crit",
        "task", "days", "start", "finish", "late start", "late fin.", "float", "free"
    );
    for t in &out.tasks {
        println!(
            "{:<width$}  {:>4}  {}  {}  {}  {}  {:>5}  {:>5}  {}",
            t.id,
            t.duration_days,
            t.es,
            t.ef,
            t.ls,
            t.lf,
            t.total_float_days,
            t.free_float_days,
            if t.critical { "*" } else { "" }
        );
    }
    println!();
    println!(
        "finish: {} (day {}; finish dates are exclusive: the first working day after the work)",
        out.finish, out.finish_day
    );
    println!("critical path: {}", out.critical_path.join(" → "));
    if out.critical_paths.len() > 1 {
        for (k, chain) in out.critical_paths.iter().enumerate() {
            println!("  chain {}: {}", k + 1, chain.join(" → "));
        }
    }
}

// ---- bench ----

#[derive(Debug, Args)]
pub struct BenchPlanArgs {
    /// Seed of the generated networks (the same seed gives the same networks).
    #[arg(long, default_value_t = 9)]
    pub seed: u64,
    /// How many one-task duration changes to re-plan.
    #[arg(long, default_value_t = 200)]
    pub changes: usize,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

/// SplitMix64: tiny, seeded, and the same on every platform and crate version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

/// A random project network: each task depends on 0–3 of the `window` tasks before it, mostly
/// finish-to-start, some start-to-start and finish-to-finish, lags from a 2-day lead to 3 days.
fn generate(
    rng: &mut Rng,
    prefix: &str,
    n: usize,
    window: usize,
) -> (Vec<PlanTask>, Vec<Dependency>) {
    let id = |i: usize| format!("{prefix}t{i}");
    let tasks: Vec<PlanTask> = (0..n)
        .map(|i| {
            // About one task in twenty is a milestone.
            let d = if rng.below(20) == 0 {
                0
            } else {
                rng.range(1, 10)
            };
            PlanTask::new(id(i), d)
        })
        .collect();
    let mut deps = Vec::new();
    for i in 1..n {
        let count = rng.range(if i < 3 { 1 } else { 0 }, 3);
        for _ in 0..count {
            let back = 1 + rng.below(window.min(i) as u64) as usize;
            let kind = match rng.below(10) {
                0 | 1 => DependencyKind::StartToStart,
                2 => DependencyKind::FinishToFinish,
                _ => DependencyKind::FinishToStart,
            };
            deps.push(Dependency::new(id(i - back), id(i), kind, rng.range(-2, 3)));
        }
    }
    (tasks, deps)
}

#[derive(Debug, Serialize)]
struct BenchRow {
    case: String,
    tasks: usize,
    dependencies: usize,
    finish_day: i64,
    critical_tasks: usize,
    /// Median of the full `schedule()` (validate, index, sort, both passes).
    full_cpm_ms: f64,
    /// After changing one task's duration: the full `schedule()` again, median and p95.
    replan_median_ms: f64,
    replan_p95_ms: f64,
    /// The same change on a prepared network (order kept, two passes only).
    resolve_median_ms: f64,
    resolve_p95_ms: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort_unstable();
    let k = ((samples.len() as f64 - 1.0) * p).round() as usize;
    ms(samples[k.min(samples.len() - 1)])
}

fn bench_case(
    case: &str,
    tasks: &[PlanTask],
    deps: &[Dependency],
    changes: usize,
    rng: &mut Rng,
) -> anyhow::Result<BenchRow> {
    let first = schedule(tasks, deps)?;
    let mut full: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            let s = schedule(tasks, deps);
            let elapsed = t.elapsed();
            std::hint::black_box(s).ok();
            elapsed
        })
        .collect();
    let mut replan = Vec::with_capacity(changes);
    let mut resolve = Vec::with_capacity(changes);
    let mut network = Network::new(tasks, deps)?;
    let mut edited = tasks.to_vec();
    for _ in 0..changes.max(1) {
        let k = rng.below(tasks.len() as u64) as usize;
        let d = rng.range(0, 12);
        edited[k].duration = d;
        let t = Instant::now();
        let s = schedule(&edited, deps)?;
        replan.push(t.elapsed());
        std::hint::black_box(&s);

        network.set_duration(k, d)?;
        let t = Instant::now();
        let again = network.solve();
        resolve.push(t.elapsed());
        // The two ways of re-planning must agree.
        anyhow::ensure!(
            again == s,
            "re-solving a prepared network disagreed with schedule()"
        );
    }
    Ok(BenchRow {
        case: case.to_string(),
        tasks: tasks.len(),
        dependencies: deps.len(),
        finish_day: first.finish,
        critical_tasks: first.critical_path.len(),
        full_cpm_ms: percentile(&mut full, 0.5),
        replan_median_ms: percentile(&mut replan, 0.5),
        replan_p95_ms: percentile(&mut replan, 0.95),
        resolve_median_ms: percentile(&mut resolve, 0.5),
        resolve_p95_ms: percentile(&mut resolve, 0.95),
    })
}

pub fn run_bench_plan(args: BenchPlanArgs) -> anyhow::Result<ExitCode> {
    let mut rng = Rng(args.seed);
    let (big_tasks, big_deps) = generate(&mut rng, "", 10_000, 50);
    // The studio: 50 independent projects of 100 tasks, scheduled together and one at a time.
    let mut studio_tasks = Vec::new();
    let mut studio_deps = Vec::new();
    let mut projects = Vec::new();
    for p in 0..50 {
        let (t, d) = generate(&mut rng, &format!("p{p}."), 100, 12);
        studio_tasks.extend(t.iter().cloned());
        studio_deps.extend(d.iter().cloned());
        projects.push((t, d));
    }
    let mut rows = vec![
        bench_case(
            "network 10,000 tasks",
            &big_tasks,
            &big_deps,
            args.changes,
            &mut rng,
        )?,
        bench_case(
            "studio 50 × 100, whole studio",
            &studio_tasks,
            &studio_deps,
            args.changes,
            &mut rng,
        )?,
    ];
    // Changing a task in one project re-plans that project only.
    let mut per_project = Vec::new();
    for _ in 0..args.changes.max(1) {
        let (t, d) = &projects[rng.below(projects.len() as u64) as usize];
        per_project.push(bench_case("", t, d, 1, &mut rng)?);
    }
    let mut replan: Vec<f64> = per_project.iter().map(|r| r.replan_median_ms).collect();
    let mut resolve: Vec<f64> = per_project.iter().map(|r| r.resolve_median_ms).collect();
    let mut full: Vec<f64> = per_project.iter().map(|r| r.full_cpm_ms).collect();
    let pick = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v[(((v.len() as f64) - 1.0) * p).round() as usize]
    };
    rows.push(BenchRow {
        case: "studio 50 × 100, one project".to_string(),
        tasks: 100,
        dependencies: projects[0].1.len(),
        finish_day: schedule(&projects[0].0, &projects[0].1)?.finish,
        critical_tasks: schedule(&projects[0].0, &projects[0].1)?
            .critical_path
            .len(),
        full_cpm_ms: pick(&mut full, 0.5),
        replan_median_ms: pick(&mut replan, 0.5),
        replan_p95_ms: pick(&mut replan, 0.95),
        resolve_median_ms: pick(&mut resolve, 0.5),
        resolve_p95_ms: pick(&mut resolve, 0.95),
    });

    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    if args.json {
        let out = serde_json::json!({ "seed": args.seed, "changes": args.changes, "profile": profile, "cases": rows });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "CPM benchmark (seed {}, {} one-task duration changes, {profile} build)",
        args.seed, args.changes
    );
    println!(
        "{:<30} {:>6} {:>6} {:>6} {:>5} {:>9} {:>11} {:>9} {:>11} {:>9}",
        "case",
        "tasks",
        "deps",
        "finish",
        "crit",
        "full ms",
        "replan p50",
        "p95",
        "resolve p50",
        "p95"
    );
    for r in &rows {
        println!(
            "{:<30} {:>6} {:>6} {:>6} {:>5} {:>9.3} {:>11.3} {:>9.3} {:>11.3} {:>9.3}",
            r.case,
            r.tasks,
            r.dependencies,
            r.finish_day,
            r.critical_tasks,
            r.full_cpm_ms,
            r.replan_median_ms,
            r.replan_p95_ms,
            r.resolve_median_ms,
            r.resolve_p95_ms
        );
    }
    println!(
        "finish = project finish (working days), crit = critical tasks (for one project: the first);\n\
         full = schedule() from task and dependency lists (validate, index, sort, both passes);\n\
         replan = schedule() again after one task's duration changed; resolve = the same change on a\n\
         prepared core::plan::cpm::Network (both passes only). One project = its 100 tasks, p50/p95 over changes."
    );
    Ok(ExitCode::SUCCESS)
}
