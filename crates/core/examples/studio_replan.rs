//! The studio case without the CLI: 40 projects × 50 tasks on 50 resources in 8 kinds (a
//! generator like `postflow bench studio`'s, with its own random numbers), a full plan, then one
//! booking moved (a task may start 3 days later) and a re-plan from the last starts. Prints the
//! times, makespans and how many tasks the re-plan moved.
//! `cargo run --release -p postflow-core --example studio_replan -- [SEED] [FULL_SCHEDULES]`
use postflow_core::plan::rcpsp::{replan, solve, verify, Activity, Options, Problem, Resource};
use postflow_core::plan::{Dependency, DependencyKind};
use std::time::Instant;

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
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let seed = args.first().copied().unwrap_or(1);
    let full_schedules = args.get(1).copied().unwrap_or(2_000);
    let mut rng = Rng(seed);
    let shares = [12, 15, 6, 4, 3, 4, 3, 3];
    let resources: Vec<Resource> = shares
        .iter()
        .enumerate()
        .map(|(k, &n)| Resource::new(format!("kind{k}"), n))
        .collect();
    let mut activities = Vec::new();
    let mut dependencies = Vec::new();
    for p in 0..40 {
        let release = rng.below(60) as i64;
        for t in 0..50u64 {
            let mut demand = vec![0; resources.len()];
            if rng.below(10) < 8 {
                demand[rng.below(resources.len() as u64) as usize] = 1;
            }
            let mut a = Activity::new(format!("P{p}/T{t}"), 1 + rng.below(10) as i64, demand);
            a.release = release;
            activities.push(a);
            if t > 0 {
                let preds = if t > 1 && rng.below(10) < 3 { 2 } else { 1 };
                let mut chosen = Vec::new();
                for _ in 0..preds {
                    let from = t - 1 - rng.below(t.min(5));
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
    let problem = Problem {
        activities,
        dependencies,
        resources,
    };
    let t0 = Instant::now();
    let full = solve(
        &problem,
        Options {
            seed,
            iterations: full_schedules,
        },
    )
    .unwrap();
    let full_ms = t0.elapsed().as_secs_f64() * 1000.0;
    verify(&problem, &full).unwrap();
    let task = problem
        .activities
        .iter()
        .position(|a| a.demand.iter().any(|&d| d > 0))
        .unwrap();
    let mut moved = problem.clone();
    moved.activities[task].release = full.starts[task] + 3;
    let t1 = Instant::now();
    let again = replan(
        &moved,
        &full.starts,
        Options {
            seed,
            iterations: 20,
        },
    )
    .unwrap();
    let replan_ms = t1.elapsed().as_secs_f64() * 1000.0;
    verify(&moved, &again).unwrap();
    let tasks_moved = full
        .starts
        .iter()
        .zip(&again.starts)
        .filter(|(a, b)| a != b)
        .count();
    println!(
        "full plan {full_ms:.1} ms, makespan {} (lower bound {}), {} schedules; re-plan {replan_ms:.1} ms, makespan {}, {} schedules, {tasks_moved} of {} tasks moved",
        full.makespan,
        full.lower_bound,
        full.schedules,
        again.makespan,
        again.schedules,
        problem.activities.len()
    );
}
