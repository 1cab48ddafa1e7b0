//! Quick solver-quality check on a PSPLIB set without building the CLI:
//! `cargo run --release -p postflow-core --example psplib_gap -- DIR [--every N] [--schedules N]
//! [--ms N] [--seed N] [--worst K]` prints the mean and worst gap to `DIR/optimum/optimum.csv`
//! (`lb..ub` compared with ub), the share at the optimum, how many were proven optimal and the
//! time per instance. The clock is only a guard (as in `postflow bench psplib`).
use postflow_core::plan::psplib::parse_sm;
use postflow_core::plan::rcpsp::{solve_until, verify, Options};
use std::collections::HashMap;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir = None;
    let (mut every, mut schedules, mut ms, mut seed, mut worst) =
        (1usize, 200_000u64, 1_000u64, 1u64, 5usize);
    let mut k = 0;
    while k < args.len() {
        let val = |k: usize| {
            args.get(k + 1)
                .and_then(|v| v.parse::<u64>().ok())
                .expect("a number")
        };
        match args[k].as_str() {
            "--every" => every = val(k) as usize,
            "--schedules" => schedules = val(k),
            "--ms" => ms = val(k),
            "--seed" => seed = val(k),
            "--worst" => worst = val(k) as usize,
            d => {
                dir = Some(d.to_string());
                k += 1;
                continue;
            }
        }
        k += 2;
    }
    let dir = std::path::PathBuf::from(dir.expect("DIR"));
    let csv = std::fs::read_to_string(dir.join("optimum/optimum.csv")).expect("optimum.csv");
    let best: HashMap<String, i64> = csv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (name, v) = l.split_once(',')?;
            let v = v.trim();
            let ub = v.rsplit("..").next()?;
            Some((name.trim().to_string(), ub.parse().ok()?))
        })
        .collect();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sm"))
        .collect();
    let key = |p: &std::path::PathBuf| {
        let s = p.file_stem().unwrap().to_string_lossy().to_string();
        let digits: Vec<u64> = s
            .split(|c: char| !c.is_ascii_digit())
            .filter(|x| !x.is_empty())
            .map(|x| x.parse().unwrap())
            .collect();
        digits
    };
    files.sort_by_key(key);
    let (mut n, mut gap_sum, mut at_opt, mut proven, mut secs, mut scheds) =
        (0, 0.0, 0, 0, 0.0, 0u64);
    let mut gaps: Vec<(f64, String, i64, i64, i64)> = Vec::new();
    for p in files.iter().step_by(every.max(1)) {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let Some(&ub) = best.get(&name) else { continue };
        let problem = parse_sm(&std::fs::read_to_string(p).unwrap()).unwrap();
        let t0 = Instant::now();
        let limit = std::time::Duration::from_millis(ms);
        let sol = solve_until(
            &problem,
            Options {
                seed,
                iterations: schedules,
            },
            &mut |_| t0.elapsed() >= limit,
        )
        .unwrap();
        secs += t0.elapsed().as_secs_f64();
        verify(&problem, &sol).unwrap_or_else(|v| panic!("{name}: {v}"));
        let gap = 100.0 * (sol.makespan - ub) as f64 / ub as f64;
        n += 1;
        gap_sum += gap;
        at_opt += usize::from(sol.makespan <= ub);
        proven += usize::from(sol.proven_optimal);
        scheds += sol.schedules;
        gaps.push((gap, name, sol.makespan, ub, sol.lower_bound));
    }
    gaps.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "{}: {n} instances, mean gap {:.3} %, max gap {:.2} %, at best known {:.2} % ({at_opt}), proven optimal {proven}, {:.0} ms and {:.0} schedules per instance",
        dir.display(),
        gap_sum / n as f64,
        gaps.first().map_or(0.0, |g| g.0),
        100.0 * at_opt as f64 / n as f64,
        1000.0 * secs / n as f64,
        scheds as f64 / n as f64
    );
    for (gap, name, mk, ub, lb) in gaps.iter().take(worst) {
        println!("  {name}: {mk} vs {ub} ({gap:.2} %), lower bound {lb}");
    }
}
