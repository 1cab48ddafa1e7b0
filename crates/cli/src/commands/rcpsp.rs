//! `postflow bench rcpsp`: the resource-constrained scheduler (core::plan::rcpsp) on the PSPLIB
//! single-mode sets, against the proven optima / best-known bounds and, side by side, OR-Tools
//! CP-SAT (one worker, the same time per instance) run by `scripts/bench/rcpsp_ortools.py` in a
//! virtualenv the bench creates under `target/`.
use anyhow::{bail, Context};
use clap::Args;
use postflow_core::plan::psplib::parse_sm;
use postflow_core::plan::rcpsp::{solve, verify, Options, Problem};
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
    ours: Figures,
    peer: Option<PeerFigures>,
}

/// One outcome per instance: makespan, whether it is proven optimal, seconds.
struct Outcome {
    makespan: i64,
    proven: bool,
    seconds: f64,
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

fn run_peer(
    args: &BenchRcpspArgs,
    names: &[String],
    problems: &[Problem],
    time_limit_s: f64,
) -> anyhow::Result<Vec<Outcome>> {
    let python = peer_python(&args.venv)?;
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
            })
        })
        .collect();
    let spec =
        serde_json::json!({ "time_limit_s": time_limit_s, "workers": 1, "instances": instances });
    let mut file = tempfile::NamedTempFile::new()?;
    serde_json::to_writer(&mut file, &spec)?;
    let out = Command::new(&python)
        .arg(&args.peer_script)
        .arg(file.path())
        .output()
        .with_context(|| format!("cannot run {}", args.peer_script.display()))?;
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
    let mut reports = Vec::new();
    let mut infeasible = 0usize;
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
        let mut names = Vec::new();
        let mut problems = Vec::new();
        let mut bounds = Vec::new();
        for (name, ub) in picked {
            let path = set_dir.join(name);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let problem = parse_sm(&text).with_context(|| format!("{}", path.display()))?;
            names.push(name.clone());
            problems.push(problem);
            bounds.push(*ub);
        }
        let mut ours = Vec::new();
        for (name, problem) in names.iter().zip(&problems) {
            let t0 = Instant::now();
            let sol = solve(
                problem,
                Options {
                    seed: args.seed,
                    iterations: args.iterations,
                },
            )
            .with_context(|| name.clone())?;
            let seconds = t0.elapsed().as_secs_f64();
            if let Err(v) = verify(problem, &sol) {
                eprintln!("error: {set}/{name}: the schedule is not feasible: {v}");
                infeasible += 1;
            }
            ours.push(Outcome {
                makespan: sol.makespan,
                proven: sol.proven_optimal,
                seconds,
            });
        }
        let our_figures = figures(&bounds, &ours);
        let peer = if args.no_peer {
            None
        } else {
            let limit_s = args
                .peer_time_ms
                .map_or((our_figures.mean_ms / 1000.0).max(0.1), |ms| {
                    ms as f64 / 1000.0
                });
            let outcomes = run_peer(&args, &names, &problems, limit_s)?;
            Some(PeerFigures {
                name: "OR-Tools CP-SAT (1 worker)",
                figures: figures(&bounds, &outcomes),
            })
        };
        reports.push(SetReport {
            set: set.clone(),
            instances: names.len(),
            iterations: args.iterations,
            seed: args.seed,
            ours: our_figures,
            peer,
        });
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "sets": reports }))?
        );
    } else {
        for r in &reports {
            println!(
                "{} — {} instances, {} schedules per instance, seed {}",
                r.set, r.instances, r.iterations, r.seed
            );
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
    Ok(if infeasible > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
