//! `postflow schedule solve` and `postflow bench psplib` as the benchmark runs them: the real
//! binary on PSPLIB files, every schedule re-checked here by a checker that shares no code with
//! the solver (its own reading of the file, its own precedence and capacity arithmetic).
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn postflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(args)
        .env_remove("POSTFLOW_DATA_DIR")
        .env_remove("POSTFLOW_DATABASE_URL")
        .output()
        .expect("postflow runs")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/psplib")
}

/// A PSPLIB instance as this checker reads it: job → (duration, requests, successors), capacities.
struct Instance {
    jobs: Vec<(String, i64, Vec<i64>, Vec<String>)>,
    capacities: Vec<i64>,
}

fn read_instance(path: &Path) -> Instance {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let section = |title: &str| lines.iter().position(|l| l.starts_with(title)).unwrap();
    let numbers =
        |l: &str| -> Vec<i64> { l.split_whitespace().map(|w| w.parse().unwrap()).collect() };
    let mut successors = HashMap::new();
    for l in &lines[section("PRECEDENCE RELATIONS:") + 2..] {
        if l.starts_with('*') {
            break;
        }
        let v = numbers(l);
        successors.insert(
            v[0],
            v[3..].iter().map(|j| j.to_string()).collect::<Vec<_>>(),
        );
    }
    let mut jobs = Vec::new();
    for l in &lines[section("REQUESTS/DURATIONS:") + 3..] {
        if l.starts_with('*') {
            break;
        }
        let v = numbers(l);
        jobs.push((
            v[0].to_string(),
            v[2],
            v[3..].to_vec(),
            successors[&v[0]].clone(),
        ));
    }
    let capacities = numbers(lines[section("RESOURCEAVAILABILITIES:") + 2]);
    Instance { jobs, capacities }
}

/// Every precedence and every day's capacity, from the printed starts; returns the makespan.
fn check(instance: &Instance, starts: &serde_json::Map<String, Value>, resources: bool) -> i64 {
    let start = |id: &str| {
        starts[id]
            .as_i64()
            .unwrap_or_else(|| panic!("no start for job {id}"))
    };
    assert_eq!(starts.len(), instance.jobs.len(), "one start per job");
    let mut makespan = 0;
    for (id, duration, _, succs) in &instance.jobs {
        assert!(start(id) >= 0, "job {id} starts before day 0");
        makespan = makespan.max(start(id) + duration);
        for s in succs {
            assert!(
                start(s) >= start(id) + duration,
                "job {s} starts at {} before its predecessor {id} finishes at {}",
                start(s),
                start(id) + duration
            );
        }
    }
    if resources {
        for day in 0..makespan {
            for (r, cap) in instance.capacities.iter().enumerate() {
                let used: i64 = instance
                    .jobs
                    .iter()
                    .filter(|(id, d, _, _)| start(id) <= day && day < start(id) + d)
                    .map(|(_, _, req, _)| req[r])
                    .sum();
                assert!(
                    used <= *cap,
                    "day {day}: resource {} uses {used} of {cap}",
                    r + 1
                );
            }
        }
    }
    makespan
}

fn optimum(name: &str) -> i64 {
    let csv = std::fs::read_to_string(fixtures().join("optimum.csv")).unwrap();
    csv.lines()
        .find_map(|l| l.strip_prefix(&format!("{name},")))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn solve_prints_a_feasible_schedule_keyed_by_job_number() {
    for name in ["j301_1.sm", "j3013_1.sm", "j3046_5.sm"] {
        let file = fixtures().join(name);
        let out = postflow(&["schedule", "solve", file.to_str().unwrap(), "--json"]);
        assert!(out.status.success(), "{}", text(&out));
        let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let instance = read_instance(&file);
        let makespan = check(&instance, json["starts"].as_object().unwrap(), true);
        assert_eq!(
            json["makespan"].as_i64(),
            Some(makespan),
            "{name}: makespan is the last finish"
        );
        assert!(
            makespan >= optimum(name),
            "{name}: {makespan} beats the proven optimum"
        );
        // The keys come in the file's job order, 1..n.
        let keys: Vec<&String> = json["starts"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 32);
        let first = std::str::from_utf8(&out.stdout).unwrap();
        assert!(
            first.find("\"2\":").unwrap() < first.find("\"10\":").unwrap(),
            "job order kept"
        );
    }
}

#[test]
fn solve_is_deterministic_per_seed() {
    let file = fixtures().join("j3046_5.sm");
    let path = file.to_str().unwrap();
    let run = |seed: &str| {
        let out = postflow(&[
            "schedule",
            "solve",
            path,
            "--json",
            "--seed",
            seed,
            "--schedules",
            "3000",
            "--time-limit-ms",
            "600000",
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (v["makespan"].clone(), v["starts"].clone())
    };
    assert_eq!(run("7"), run("7"));
}

#[test]
fn no_resources_gives_the_critical_path_schedule() {
    let file = fixtures().join("j301_1.sm");
    let out = postflow(&[
        "schedule",
        "solve",
        file.to_str().unwrap(),
        "--no-resources",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let instance = read_instance(&file);
    let starts = json["starts"].as_object().unwrap();
    check(&instance, starts, false);
    // Earliest starts, computed here: each job starts when its last predecessor finishes.
    let mut earliest: HashMap<String, i64> = HashMap::new();
    for (id, ..) in &instance.jobs {
        earliest.entry(id.clone()).or_insert(0);
    }
    for (id, duration, _, succs) in &instance.jobs {
        // PSPLIB numbers jobs topologically, so one pass in file order is enough.
        let finish = earliest[id] + duration;
        for s in succs {
            let e = earliest.get_mut(s).unwrap();
            *e = (*e).max(finish);
        }
    }
    for (id, ..) in &instance.jobs {
        assert_eq!(
            starts[id].as_i64(),
            Some(earliest[id]),
            "job {id} starts at its earliest"
        );
    }
    // j301_1's critical path is 38 days (the file's MPM-Time).
    assert_eq!(json["makespan"].as_i64(), Some(38));
}

#[test]
fn a_malformed_file_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixtures().join("j301_1.sm")).unwrap();
    let bad = good.replacen(
        "   2        1          3           6  11  15",
        "   2        1          3           6  x  15",
        1,
    );
    let file = dir.path().join("bad.sm");
    std::fs::write(&file, bad).unwrap();
    let out = postflow(&["schedule", "solve", file.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.sm") && err.contains("line 20"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "no schedule is printed for a refused file"
    );

    let out = postflow(&[
        "schedule",
        "solve",
        dir.path().join("missing.sm").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn bench_psplib_validates_every_instance_and_reports_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("j30.sm");
    std::fs::create_dir_all(set.join("optimum")).unwrap();
    for name in ["j301_1.sm", "j301_2.sm", "j305_3.sm", "j3013_1.sm"] {
        std::fs::copy(fixtures().join(name), set.join(name)).unwrap();
    }
    // An open bound (lb..ub) is compared with ub; j3013_1 has no bound at all.
    std::fs::write(
        set.join("optimum/optimum.csv"),
        "problem,optimum\nj301_1.sm,43\nj301_2.sm,40..47\nj305_3.sm,76\n",
    )
    .unwrap();
    let out = postflow(&[
        "bench",
        "psplib",
        dir.path().to_str().unwrap(),
        "--no-peer",
        "--json",
        "--schedules",
        "20000",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &json["sets"][0];
    assert_eq!(s["set"], "j30");
    assert_eq!(s["instances"], 4);
    assert_eq!(s["without_bound"], 1);
    let gap = s["ours"]["mean_gap_pct"].as_f64().unwrap();
    assert!((0.0..5.0).contains(&gap), "mean gap {gap}");
    assert!(s["ours"]["at_optimum"].as_u64().unwrap() <= 3);

    // --every 2 takes j301_1 and j305_3 (natural order: j301_1, j301_2, j305_3, j3013_1).
    let out = postflow(&[
        "bench",
        "psplib",
        set.to_str().unwrap(),
        "--no-peer",
        "--json",
        "--every",
        "2",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sets"][0]["instances"], 2);
    assert_eq!(json["sets"][0]["without_bound"], 0);

    let out = postflow(&[
        "bench",
        "psplib",
        dir.path().join("nothing").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a directory"));
}
