//! `postflow bench rcpsp`: the resource-constrained scheduler (core::plan::rcpsp) on the PSPLIB
//! single-mode sets, against the proven optima / best-known bounds and, side by side, OR-Tools
//! CP-SAT (one worker, the same time per instance) run by `scripts/bench/rcpsp_ortools.py` in a
//! virtualenv the bench creates under `target/`.
use anyhow::{bail, Context};
use clap::Args;
use postflow_core::plan::psplib::parse_sm;
use postflow_core::plan::rcpsp::{solve_until, verify, Options, Problem, Solution};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const BENCH_HELP: &str = "\
DATA:
  DIR/<set>.sm/*.sm and DIR/<set>.sm/optimum/optimum.csv (`problem,optimum`; `lb..ub` is an open
  bound and is compared with ub). DIR defaults to ../shared/benchmarks/psplib.

OUTPUT (--json, stable; fields may be added, never renamed or removed):
  {\"sets\": [{\"set\", \"instances\", \"iterations\", \"seed\",
     \"ours\": {\"mean_gap_pct\", \"max_gap_pct\", \"at_optimum\", \"at_optimum_pct\",
               \"proven_optimal\", \"mean_ms\"},
     \"peer\": {same fields, \"name\"} | null}]}
  The gap is (makespan − optimum or best-known upper bound) / that bound, in percent.
  proven_optimal counts instances whose makespan reached the solver's own lower bound.

EXIT STATUS:
  0 done; 1 a schedule failed the feasibility check; 2 bad input or the peer failed to run.";

#[derive(Debug, Args)]
#[command(after_long_help = BENCH_HELP)]
pub struct BenchRcpspArgs {
    /// Which set(s): j30, j60, j120 (repeat the flag for several).
    #[arg(long = "set", default_value = "j30")]
    pub sets: Vec<String>,
    /// Take N instances spread evenly over each set (default: all).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Schedules generated per instance (the scheduler's deterministic budget).
    #[arg(long, default_value_t = 5_000)]
    pub iterations: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The PSPLIB directory.
    #[arg(long, default_value = "../shared/benchmarks/psplib")]
    pub dir: PathBuf,
    /// Skip OR-Tools.
    #[arg(long)]
    pub no_peer: bool,
    /// CP-SAT's time per instance in ms (default: our mean time per instance, at least 100 ms).
    #[arg(long)]
    pub peer_time_ms: Option<u64>,
    /// The virtualenv with ortools (created and filled with pip when missing).
    #[arg(long, default_value = "target/venv-ortools")]
    pub venv: PathBuf,
    /// The peer script.
    #[arg(long, default_value = "scripts/bench/rcpsp_ortools.py")]
    pub peer_script: PathBuf,
    /// Print the figures as JSON (see --help).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Serialize)]
struct Figures {
    mean_gap_pct: f64,
    max_gap_pct: f64,
    at_optimum: usize,
    at_optimum_pct: f64,
    proven_optimal: usize,
    mean_ms: f64,
}

#[derive(Debug, Serialize)]
struct PeerFigures {
    name: &'static str,
    #[serde(flatten)]
    figures: Figures,
}

#[derive(Debug, Serialize)]
struct SetReport {
    set: String,
    instances: usize,
    iterations: u64,
    seed: u64,
    /// The clock guard per instance (`bench psplib`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    time_limit_ms: Option<u64>,
    /// Instances whose search the clock guard ended before the schedule budget did.
    guarded: usize,
    /// Instances without a known optimum or bound (validated and timed, not in the gaps).
    without_bound: usize,
    ours: Figures,
    peer: Option<PeerFigures>,
}

/// One outcome per instance: makespan, whether it is proven optimal, seconds.
pub(crate) struct Outcome {
    pub makespan: i64,
    pub proven: bool,
    pub seconds: f64,
}

/// The instances of one set with their optimum or best-known upper bound.
struct BenchSet {
    name: String,
    names: Vec<String>,
    problems: Vec<Problem>,
    bounds: Vec<Option<i64>>,
}

/// How long each instance is searched.
#[derive(Clone, Copy)]
struct Budget {
    seed: u64,
    schedules: u64,
    time_limit_ms: Option<u64>,
}

fn figures(bounds: &[i64], outcomes: &[Outcome]) -> Figures {
    let gaps: Vec<f64> = bounds
        .iter()
        .zip(outcomes)
        .map(|(&ub, o)| (o.makespan - ub) as f64 / ub.max(1) as f64 * 100.0)
        .collect();
    let n = outcomes.len().max(1) as f64;
    let at_optimum = bounds
        .iter()
        .zip(outcomes)
        .filter(|(&ub, o)| o.makespan <= ub)
        .count();
    Figures {
        mean_gap_pct: gaps.iter().sum::<f64>() / n,
        max_gap_pct: gaps
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
            .max(0.0),
        at_optimum,
        at_optimum_pct: at_optimum as f64 / n * 100.0,
        proven_optimal: outcomes.iter().filter(|o| o.proven).count(),
        mean_ms: outcomes.iter().map(|o| o.seconds).sum::<f64>() / n * 1000.0,
    }
}

/// `problem,optimum` rows; `lb..ub` gives ub.
fn read_optima(path: &Path) -> anyhow::Result<Vec<(String, i64)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rows = Vec::new();
    for (k, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(',') else {
            bail!(
                "{} line {}: expected `problem,optimum`",
                path.display(),
                k + 1
            );
        };
        let ub = value.rsplit("..").next().unwrap_or("").trim();
        let ub: i64 = ub.parse().with_context(|| {
            format!(
                "{} line {}: {value:?} is not a makespan",
                path.display(),
                k + 1
            )
        })?;
        rows.push((name.trim().to_string(), ub));
    }
    Ok(rows)
}

/// The python of a virtualenv with ortools, created on first use.
fn peer_python(venv: &Path) -> anyhow::Result<PathBuf> {
    let python = venv.join("bin/python");
    let has_ortools = |p: &Path| {
        Command::new(p)
            .args(["-c", "import ortools"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && has_ortools(&python) {
        return Ok(python);
    }
    eprintln!(
        "setting up {} with ortools (pip install ortools)…",
        venv.display()
    );
    if !python.exists() {
        let ok = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(venv)
            .status()?
            .success();
        if !ok {
            bail!("python3 -m venv {} failed", venv.display());
        }
    }
    let ok = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "ortools"])
        .status()
        .context("cannot run pip")?
        .success();
    if !ok || !has_ortools(&python) {
        bail!("pip install ortools into {} failed", venv.display());
    }
    Ok(python)
}

/// Where the OR-Tools peer runs from.
pub(crate) struct Peer<'a> {
    pub venv: &'a Path,
    pub script: &'a Path,
    /// Its time per instance; `None`: our mean time per instance, at least 100 ms.
    pub time_limit_ms: Option<u64>,
}

pub(crate) fn run_peer(
    peer: &Peer,
    names: &[String],
    problems: &[Problem],
    time_limit_s: f64,
) -> anyhow::Result<Vec<Outcome>> {
    let python = peer_python(peer.venv)?;
    let instances: Vec<serde_json::Value> = names
        .iter()
        .zip(problems)
        .map(|(name, p)| {
            let index: HashMap<&str, usize> = p
                .activities
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.as_str(), i))
                .collect();
            let mut successors = vec![Vec::new(); p.activities.len()];
            for d in &p.dependencies {
                successors[index[d.from.as_str()]].push(index[d.to.as_str()]);
            }
            serde_json::json!({
                "name": name,
                "durations": p.activities.iter().map(|a| a.duration).collect::<Vec<_>>(),
                "demands": p.activities.iter().map(|a| a.demand.clone()).collect::<Vec<_>>(),
                "capacities": p.resources.iter().map(|r| r.capacity).collect::<Vec<_>>(),
                "successors": successors,
                "releases": p.activities.iter().map(|a| a.release).collect::<Vec<_>>(),
            })
        })
        .collect();
    let spec =
        serde_json::json!({ "time_limit_s": time_limit_s, "workers": 1, "instances": instances });
    let mut file = tempfile::NamedTempFile::new()?;
    serde_json::to_writer(&mut file, &spec)?;
    let out = Command::new(&python)
        .arg(peer.script)
        .arg(file.path())
        .output()
        .with_context(|| format!("cannot run {}", peer.script.display()))?;
    if !out.status.success() {
        bail!(
            "the OR-Tools peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    let parsed: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("the peer printed no JSON")?;
    let results = parsed["results"]
        .as_array()
        .context("the peer printed no results")?;
    if results.len() != names.len() {
        bail!(
            "the peer answered {} of {} instances",
            results.len(),
            names.len()
        );
    }
    Ok(results
        .iter()
        .map(|r| Outcome {
            // No schedule found in time counts as the trivial serial one (sum of durations).
            makespan: r["makespan"].as_i64().unwrap_or(i64::MAX / 4),
            proven: r["optimal"].as_bool().unwrap_or(false),
            seconds: r["seconds"].as_f64().unwrap_or(0.0),
        })
        .collect())
}

pub fn run_bench_rcpsp(args: BenchRcpspArgs) -> anyhow::Result<ExitCode> {
    let mut sets = Vec::new();
    for set in &args.sets {
        if !["j30", "j60", "j120"].contains(&set.as_str()) {
            bail!("unknown set {set:?}: use j30, j60 or j120");
        }
        let set_dir = args.dir.join(format!("{set}.sm"));
        let optima = read_optima(&set_dir.join("optimum/optimum.csv"))?;
        if optima.is_empty() {
            bail!(
                "{} lists no instances",
                set_dir.join("optimum/optimum.csv").display()
            );
        }
        let picked: Vec<&(String, i64)> = match args.limit {
            Some(n) if n < optima.len() => (0..n.max(1))
                .map(|k| &optima[k * optima.len() / n.max(1)])
                .collect(),
            _ => optima.iter().collect(),
        };
        let files: Vec<(PathBuf, Option<i64>)> = picked
            .into_iter()
            .map(|(name, ub)| (set_dir.join(name), Some(*ub)))
            .collect();
        sets.push(load_set(set.clone(), &files)?);
    }
    let budget = Budget {
        seed: args.seed,
        schedules: args.iterations,
        time_limit_ms: None,
    };
    let peer = (!args.no_peer).then_some(Peer {
        venv: &args.venv,
        script: &args.peer_script,
        time_limit_ms: args.peer_time_ms,
    });
    run_sets(&sets, budget, peer.as_ref(), args.json)
}

const PSPLIB_HELP: &str = "\
DATA:
  DIR is one set (DIR/*.sm with DIR/optimum/optimum.csv) or a folder of sets (DIR/<set>/*.sm, each
  with its optimum/optimum.csv), e.g. ../shared/benchmarks/psplib or ../shared/benchmarks/psplib/j30.sm.
  optimum.csv rows are `problem,optimum`; `lb..ub` is an open bound and is compared with ub.

BUDGET:
  Each instance stops after --schedules schedules (deterministic for a given --seed), as soon as its
  makespan reaches the lower bound the solver computes (then it is proven optimal), or when the clock
  guard --time-limit-ms fires (counted as `guarded`). OR-Tools CP-SAT gets the same time per instance
  and one worker.

OUTPUT (--json, stable; fields may be added, never renamed or removed):
  {\"sets\": [{\"set\", \"instances\", \"iterations\", \"seed\", \"time_limit_ms\", \"guarded\",
     \"without_bound\",
     \"ours\": {\"mean_gap_pct\", \"max_gap_pct\", \"at_optimum\", \"at_optimum_pct\",
               \"proven_optimal\", \"mean_ms\"},
     \"peer\": {same fields, \"name\"} | null}]}

EXIT STATUS:
  0 done; 1 a schedule failed the feasibility check; 2 bad input or the peer failed to run.";

#[derive(Debug, Args)]
#[command(after_long_help = PSPLIB_HELP)]
pub struct BenchPsplibArgs {
    /// A PSPLIB set directory, or a directory of sets (see --help).
    pub dir: PathBuf,
    /// The clock guard per instance, in ms (also OR-Tools' time per instance).
    #[arg(long, default_value_t = 1_000)]
    pub time_limit_ms: u64,
    /// Schedules generated per instance at most (the deterministic budget).
    #[arg(long, default_value_t = 200_000)]
    pub schedules: u64,
    /// Take every Nth instance of each set (1 = all).
    #[arg(long, default_value_t = 1)]
    pub every: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Skip OR-Tools.
    #[arg(long)]
    pub no_peer: bool,
    /// The virtualenv with ortools (created and filled with pip when missing).
    #[arg(long, default_value = "target/venv-ortools")]
    pub venv: PathBuf,
    /// The peer script.
    #[arg(long, default_value = "scripts/bench/rcpsp_ortools.py")]
    pub peer_script: PathBuf,
    /// Print the figures as JSON (see --help).
    #[arg(long)]
    pub json: bool,
}

/// `j301_10.sm` before `j301_2.sm` reads wrong: compare digit runs as numbers.
fn natural_key(name: &str) -> Vec<(u8, u64, String)> {
    let mut key = Vec::new();
    let mut rest = name;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            let (d, r) = rest.split_at(digits);
            key.push((1, d.parse().unwrap_or(u64::MAX), String::new()));
            rest = r;
        } else {
            let text = rest.len() - rest.trim_start_matches(|c: char| !c.is_ascii_digit()).len();
            let (t, r) = rest.split_at(text);
            key.push((0, 0, t.to_string()));
            rest = r;
        }
    }
    key
}

/// The `.sm` files of one set directory with their bounds from `optimum/optimum.csv` (if any).
fn set_files(dir: &Path, every: usize) -> anyhow::Result<Vec<(PathBuf, Option<i64>)>> {
    let csv = dir.join("optimum/optimum.csv");
    let bounds: HashMap<String, i64> = if csv.exists() {
        read_optima(&csv)?.into_iter().collect()
    } else {
        HashMap::new()
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the directory {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "sm"))
        .collect();
    files.sort_by_cached_key(|p| natural_key(&p.file_name().unwrap_or_default().to_string_lossy()));
    Ok(files
        .into_iter()
        .step_by(every.max(1))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let bound = bounds.get(&name).copied();
            (p, bound)
        })
        .collect())
}

pub fn run_bench_psplib(args: BenchPsplibArgs) -> anyhow::Result<ExitCode> {
    if !args.dir.is_dir() {
        bail!(
            "{} is not a directory: give a PSPLIB set directory (with .sm files) or a folder of sets",
            args.dir.display()
        );
    }
    if args.time_limit_ms == 0 || args.schedules == 0 {
        bail!("--time-limit-ms and --schedules must be at least 1");
    }
    let set_name = |p: &Path| {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        name.strip_suffix(".sm").map(str::to_string).unwrap_or(name)
    };
    let mut dirs = Vec::new();
    let own = set_files(&args.dir, args.every)?;
    if !own.is_empty() {
        dirs.push((set_name(&args.dir), own));
    } else {
        let mut subdirs: Vec<PathBuf> = std::fs::read_dir(&args.dir)
            .with_context(|| format!("cannot read the directory {}", args.dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        subdirs.sort_by_cached_key(|p| natural_key(&set_name(p)));
        for sub in subdirs {
            let files = set_files(&sub, args.every)?;
            if !files.is_empty() {
                dirs.push((set_name(&sub), files));
            }
        }
    }
    if dirs.is_empty() {
        bail!(
            "{} holds no .sm files (nor do its sub-directories)",
            args.dir.display()
        );
    }
    let sets = dirs
        .into_iter()
        .map(|(name, files)| load_set(name, &files))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let budget = Budget {
        seed: args.seed,
        schedules: args.schedules,
        time_limit_ms: Some(args.time_limit_ms),
    };
    let peer = (!args.no_peer).then_some(Peer {
        venv: &args.venv,
        script: &args.peer_script,
        time_limit_ms: Some(args.time_limit_ms),
    });
    run_sets(&sets, budget, peer.as_ref(), args.json)
}

fn load_set(name: String, files: &[(PathBuf, Option<i64>)]) -> anyhow::Result<BenchSet> {
    let mut set = BenchSet {
        name,
        names: Vec::new(),
        problems: Vec::new(),
        bounds: Vec::new(),
    };
    for (path, bound) in files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let problem = parse_sm(&text).with_context(|| format!("{}", path.display()))?;
        set.names.push(
            path.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string(),
        );
        set.problems.push(problem);
        set.bounds.push(*bound);
    }
    Ok(set)
}

/// Solves one instance within the budget: the schedule, whether the clock ended it, seconds.
pub(crate) fn solve_within(
    problem: &Problem,
    seed: u64,
    schedules: u64,
    time_limit_ms: Option<u64>,
) -> Result<(Solution, bool, f64), postflow_core::plan::rcpsp::RcpspError> {
    let t0 = Instant::now();
    let mut guarded = false;
    let limit = time_limit_ms.map(std::time::Duration::from_millis);
    let mut stop = |_: u64| {
        // Reading the clock on every schedule costs ~20 ns against a schedule's microseconds.
        let fire = limit.is_some_and(|l| t0.elapsed() >= l);
        guarded |= fire;
        fire
    };
    let options = Options {
        seed,
        iterations: schedules,
    };
    let sol = solve_until(problem, options, &mut stop)?;
    Ok((sol, guarded, t0.elapsed().as_secs_f64()))
}

fn run_sets(
    sets: &[BenchSet],
    budget: Budget,
    peer: Option<&Peer>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut reports = Vec::new();
    let mut infeasible = 0usize;
    for set in sets {
        let mut ours = Vec::new();
        let mut guarded = 0usize;
        for (name, problem) in set.names.iter().zip(&set.problems) {
            let (sol, hit_guard, seconds) =
                solve_within(problem, budget.seed, budget.schedules, budget.time_limit_ms)
                    .with_context(|| name.clone())?;
            guarded += usize::from(hit_guard);
            if let Err(v) = verify(problem, &sol) {
                eprintln!(
                    "error: {}/{name}: the schedule is not feasible: {v}",
                    set.name
                );
                infeasible += 1;
            }
            ours.push(Outcome {
                makespan: sol.makespan,
                proven: sol.proven_optimal,
                seconds,
            });
        }
        // Gaps only where a bound is known.
        let bounded: Vec<usize> = (0..set.names.len())
            .filter(|&k| set.bounds[k].is_some())
            .collect();
        let bounds: Vec<i64> = bounded.iter().filter_map(|&k| set.bounds[k]).collect();
        let pick = |outcomes: &[Outcome]| -> Vec<Outcome> {
            bounded
                .iter()
                .map(|&k| Outcome {
                    makespan: outcomes[k].makespan,
                    proven: outcomes[k].proven,
                    seconds: outcomes[k].seconds,
                })
                .collect()
        };
        let mut our_figures = figures(&bounds, &pick(&ours));
        our_figures.proven_optimal = ours.iter().filter(|o| o.proven).count();
        let peer_figures = match peer {
            None => None,
            Some(peer) => {
                let limit_s = peer
                    .time_limit_ms
                    .map_or((our_figures.mean_ms / 1000.0).max(0.1), |ms| {
                        ms as f64 / 1000.0
                    });
                let outcomes = run_peer(peer, &set.names, &set.problems, limit_s)?;
                let mut f = figures(&bounds, &pick(&outcomes));
                f.proven_optimal = outcomes.iter().filter(|o| o.proven).count();
                Some(PeerFigures {
                    name: "OR-Tools CP-SAT (1 worker)",
                    figures: f,
                })
            }
        };
        reports.push(SetReport {
            set: set.name.clone(),
            instances: set.names.len(),
            iterations: budget.schedules,
            seed: budget.seed,
            time_limit_ms: budget.time_limit_ms,
            guarded,
            without_bound: set.names.len() - bounded.len(),
            ours: our_figures,
            peer: peer_figures,
        });
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "sets": reports }))?
        );
    } else {
        print_reports(&reports);
    }
    Ok(if infeasible > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_reports(reports: &[SetReport]) {
    for r in reports {
        let guard = r.time_limit_ms.map_or(String::new(), |ms| {
            format!(", clock guard {ms} ms ({} hit it)", r.guarded)
        });
        println!(
            "{} — {} instances, up to {} schedules per instance, seed {}{guard}",
            r.set, r.instances, r.iterations, r.seed
        );
        if r.without_bound > 0 {
            println!(
                "  ({} instances have no known bound: validated and timed, not in the gaps)",
                r.without_bound
            );
        }
        println!(
            "{:<28} {:>16} {:>26}  {:>10}",
            "", "postflow", "OR-Tools CP-SAT (1 worker)", "ratio"
        );
        let p = r.peer.as_ref().map(|p| &p.figures);
        let row = |label: &str, ours: f64, peer: Option<f64>, unit: &str| {
            let peer_text = peer.map_or("—".to_string(), |v| format!("{v:.3}{unit}"));
            let ratio = peer
                .filter(|v| v.abs() > 1e-9)
                .map_or("—".to_string(), |v| format!("{:.2}", ours / v));
            println!(
                "{label:<28} {:>16} {peer_text:>26}  {ratio:>10}",
                format!("{ours:.3}{unit}")
            );
        };
        row(
            "mean gap",
            r.ours.mean_gap_pct,
            p.map(|f| f.mean_gap_pct),
            " %",
        );
        row(
            "max gap",
            r.ours.max_gap_pct,
            p.map(|f| f.max_gap_pct),
            " %",
        );
        row(
            "at optimum / best known",
            r.ours.at_optimum_pct,
            p.map(|f| f.at_optimum_pct),
            " %",
        );
        row(
            "proven optimal",
            r.ours.proven_optimal as f64,
            p.map(|f| f.proven_optimal as f64),
            "",
        );
        row(
            "mean time per instance",
            r.ours.mean_ms,
            p.map(|f| f.mean_ms),
            " ms",
        );
        println!();
    }
}
