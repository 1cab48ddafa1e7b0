//! The resource-constrained scheduler (core::plan::rcpsp) and the PSPLIB reader (core::plan::psplib):
//! real PSPLIB j30 instances against their proven optima, refusals of bad input, and properties on
//! random instances checked by `verify` and by the CPM module as an independent lower bound.
use postflow_core::plan::psplib::parse_sm;
use postflow_core::plan::rcpsp::{
    replan, solve, verify, verify_starts, Activity, Options, Problem, RcpspError, Resource,
    Solution, Violation,
};
use postflow_core::plan::{schedule, Dependency, DependencyKind, PlanTask};
use proptest::prelude::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/psplib");

fn fixtures() -> Vec<(String, Problem, i64)> {
    let csv = std::fs::read_to_string(format!("{FIXTURES}/optimum.csv")).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| {
            let (name, opt) = l.split_once(',').unwrap();
            let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
            (
                name.to_string(),
                parse_sm(&text).unwrap(),
                opt.trim().parse().unwrap(),
            )
        })
        .collect()
}

/// The critical-path finish of the network without resources, from the CPM module.
fn cpm_finish(p: &Problem) -> i64 {
    let tasks: Vec<PlanTask> = p
        .activities
        .iter()
        .map(|a| PlanTask {
            start_no_earlier: Some(a.release),
            ..PlanTask::new(a.id.clone(), a.duration)
        })
        .collect();
    schedule(&tasks, &p.dependencies).unwrap().finish
}

#[test]
fn psplib_file_reads_jobs_dependencies_and_capacities() {
    let text = std::fs::read_to_string(format!("{FIXTURES}/j301_1.sm")).unwrap();
    let p = parse_sm(&text).unwrap();
    assert_eq!(p.activities.len(), 32);
    assert_eq!(
        p.resources.iter().map(|r| r.capacity).collect::<Vec<_>>(),
        [12, 13, 4, 12]
    );
    assert_eq!(p.activities[1].id, "2");
    assert_eq!(p.activities[1].duration, 8);
    assert_eq!(p.activities[1].demand, [4, 0, 0, 0]);
    assert_eq!(p.dependencies.len(), 48);
    assert!(p.dependencies.iter().any(|d| d.from == "1" && d.to == "4"));
}

#[test]
fn j30_schedules_are_feasible_and_within_two_percent_of_the_optimum() {
    for (name, p, optimum) in fixtures() {
        let sol = solve(
            &p,
            Options {
                seed: 7,
                iterations: 20_000,
            },
        )
        .unwrap();
        eprintln!(
            "{name}: {} (optimum {optimum}, lower bound {})",
            sol.makespan, sol.lower_bound
        );
        verify(&p, &sol).unwrap_or_else(|v| panic!("{name}: {v}"));
        assert!(
            sol.makespan >= optimum,
            "{name}: {} below the optimum {optimum}",
            sol.makespan
        );
        assert!(
            sol.lower_bound <= optimum,
            "{name}: lower bound {} above the optimum",
            sol.lower_bound
        );
        // Stated gap: at most 2 % above the proven optimum with 20,000 schedules.
        assert!(
            sol.makespan * 100 <= optimum * 102,
            "{name}: makespan {} is more than 2 % above {optimum}",
            sol.makespan
        );
    }
}

#[test]
fn replanning_from_the_last_schedule_is_feasible_never_worse_and_deterministic() {
    for (name, p, _) in fixtures() {
        let options = Options {
            seed: 3,
            iterations: 2_000,
        };
        let first = solve(&p, options).unwrap();
        // Unchanged problem: the warm start alone keeps the makespan (serial SGS in start order
        // only shifts left, justification never lengthens).
        let small = Options {
            seed: 3,
            iterations: 1,
        };
        let again = replan(&p, &first.starts, small).unwrap();
        verify(&p, &again).unwrap_or_else(|v| panic!("{name}: {v}"));
        assert!(
            again.makespan <= first.makespan,
            "{name}: replan lost ground"
        );
        assert!(
            again.schedules <= 3,
            "{name}: {} schedules for a warm start",
            again.schedules
        );
        // Nothing changed, so nothing moves: the repair keeps every previous start.
        assert_eq!(
            again.starts, first.starts,
            "{name}: an unchanged re-plan moved tasks"
        );
        // A change: the first real job may not start before day 5 (its booking moved).
        let mut moved = p.clone();
        moved.activities[1].release = 5;
        let re = replan(
            &moved,
            &first.starts,
            Options {
                seed: 3,
                iterations: 50,
            },
        )
        .unwrap();
        verify(&moved, &re).unwrap_or_else(|v| panic!("{name} after the move: {v}"));
        assert!(re.starts[1] >= 5);
        // Stability: the re-plan never moves more tasks than planning afresh from the
        // previous order would (the cold SGS + justification of that list is one candidate).
        let fresh = solve(
            &moved,
            Options {
                seed: 3,
                iterations: 50,
            },
        )
        .unwrap();
        let moves = |s: &[i64]| s.iter().zip(&first.starts).filter(|(a, b)| a != b).count();
        if re.makespan == fresh.makespan {
            assert!(
                moves(&re.starts) <= moves(&fresh.starts),
                "{name}: the re-plan moved {} tasks, a fresh plan {}",
                moves(&re.starts),
                moves(&fresh.starts)
            );
        }
        assert_eq!(
            re,
            replan(
                &moved,
                &first.starts,
                Options {
                    seed: 3,
                    iterations: 50
                }
            )
            .unwrap()
        );
    }
}

#[test]
fn verify_catches_broken_schedules() {
    let (_, p, _) = fixtures().remove(0);
    let sol = solve(
        &p,
        Options {
            seed: 1,
            iterations: 200,
        },
    )
    .unwrap();
    let mut early = sol.starts.clone();
    // Job 2 follows job 1 (zero length, day 0): starting job 32 (the sink) at 0 breaks precedence.
    early[31] = 0;
    assert!(matches!(
        verify_starts(&p, &early),
        Err(Violation::Dependency { .. })
    ));
    let all_at_once: Vec<i64> = vec![0; p.activities.len()];
    let flat = Problem {
        dependencies: Vec::new(),
        ..p.clone()
    };
    assert!(matches!(
        verify_starts(&flat, &all_at_once),
        Err(Violation::OverCapacity { .. })
    ));
    let wrong = Solution {
        makespan: sol.makespan + 1,
        ..sol
    };
    assert!(matches!(
        verify(&p, &wrong),
        Err(Violation::WrongMakespan { .. })
    ));
}

fn one_resource(capacity: i64, acts: Vec<Activity>, deps: Vec<Dependency>) -> Problem {
    Problem {
        activities: acts,
        dependencies: deps,
        resources: vec![Resource::new("bay", capacity)],
    }
}

fn fs(from: &str, to: &str) -> Dependency {
    Dependency {
        from: from.into(),
        to: to.into(),
        kind: DependencyKind::FinishToStart,
        lag: 0,
    }
}

#[test]
fn bad_input_is_refused_with_a_clear_error() {
    let opts = Options::default();
    let too_big = one_resource(2, vec![Activity::new("grade", 3, vec![3])], vec![]);
    let e = solve(&too_big, opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "activity \"grade\" needs 3 of resource \"bay\", which has only 2"
    );
    let zero = one_resource(0, vec![Activity::new("grade", 3, vec![0])], vec![]);
    assert_eq!(
        solve(&zero, opts).unwrap_err(),
        RcpspError::NoCapacity("bay".into())
    );
    let cycle = one_resource(
        1,
        vec![
            Activity::new("a", 1, vec![1]),
            Activity::new("b", 1, vec![1]),
        ],
        vec![fs("a", "b"), fs("b", "a")],
    );
    let e = solve(&cycle, opts).unwrap_err();
    assert!(matches!(e, RcpspError::Cycle(_)), "{e:?}");
    assert!(
        e.to_string().starts_with("the dependencies form a cycle: "),
        "{e}"
    );
    let unknown = one_resource(1, vec![Activity::new("a", 1, vec![1])], vec![fs("a", "zz")]);
    assert!(solve(&unknown, opts)
        .unwrap_err()
        .to_string()
        .contains("\"zz\""));
    let short = one_resource(1, vec![Activity::new("a", 1, vec![])], vec![]);
    assert!(matches!(
        solve(&short, opts),
        Err(RcpspError::DemandCount { .. })
    ));
    let negative = one_resource(1, vec![Activity::new("a", -1, vec![1])], vec![]);
    assert!(matches!(
        solve(&negative, opts),
        Err(RcpspError::NegativeDuration(_))
    ));
    // Extreme numbers are refused or checked without overflowing.
    let mut overdue = Activity::new("a", 1, vec![1]);
    overdue.due = Some(i64::MIN);
    let p = one_resource(1, vec![overdue], vec![]);
    let sol = solve(&p, opts).unwrap();
    verify(&p, &sol).unwrap();
    let far = Problem {
        dependencies: vec![Dependency {
            lag: i64::MAX,
            ..fs("a", "b")
        }],
        ..one_resource(
            1,
            vec![
                Activity::new("a", 5, vec![1]),
                Activity::new("b", 1, vec![1]),
            ],
            vec![],
        )
    };
    assert!(matches!(
        verify_starts(&far, &[i64::MAX, 0]),
        Err(Violation::Dependency { .. })
    ));
    assert!(matches!(
        solve(&far, opts),
        Err(RcpspError::HorizonTooLong(_))
    ));
    let huge = one_resource(1, vec![Activity::new("a", i64::MAX, vec![1])], vec![]);
    assert!(matches!(
        solve(&huge, opts),
        Err(RcpspError::HorizonTooLong(_))
    ));
}

#[test]
fn malformed_sm_files_name_the_line() {
    let text = std::fs::read_to_string(format!("{FIXTURES}/j301_1.sm")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Line 20 is job 2's precedence row; give it a word instead of a successor.
    assert!(lines[19].trim_start().starts_with('2'));
    let mut broken = lines.clone();
    broken[19] = "   2        1          3           6  x  15";
    let e = parse_sm(&broken.join("\n")).unwrap_err();
    assert_eq!(e.line, 20);
    assert!(e.to_string().starts_with("line 20: "), "{e}");
    let truncated = lines[..60].join("\n");
    assert!(parse_sm(&truncated).is_err());
}

#[test]
fn calendars_lags_and_releases_are_respected() {
    // A color suite with a day off on day 1 and two units on day 3, a 2-day lead between grades.
    let mut suite = Resource::new("suite", 1);
    suite.calendar = vec![1, 0, 1, 2];
    let mut late = Activity::new("conform", 1, vec![1]);
    late.release = 2;
    let p = Problem {
        activities: vec![
            Activity::new("grade", 2, vec![1]),
            Activity::new("review", 1, vec![1]),
            late,
        ],
        dependencies: vec![Dependency {
            from: "grade".into(),
            to: "review".into(),
            kind: DependencyKind::FinishToFinish,
            lag: 1,
        }],
        resources: vec![suite],
    };
    let sol = solve(&p, Options::default()).unwrap();
    verify(&p, &sol).unwrap();
    // grade cannot span the day off: it runs on days 2–3 at the earliest.
    assert!(sol.starts[0] >= 2);
}

/// Random instances: a hidden topological order, mixed kinds and lags, 1–3 resources, some
/// with a capacity calendar (days off and days with less or more capacity).
fn instance() -> impl Strategy<Value = (Problem, u64)> {
    (1usize..16, 1usize..4)
        .prop_flat_map(|(n, r)| {
            (
                prop::collection::vec((0i64..6, prop::collection::vec(0i64..5, r), 0i64..4), n),
                prop::collection::vec((0..n, 0..n, 0u8..3, -2i64..4), 0..(n * 2)),
                prop::collection::vec((1i64..6, prop::collection::vec(0i64..8, 0..6)), r),
                any::<u64>(),
            )
        })
        .prop_map(|(acts, edges, caps, seed)| {
            let activities = acts
                .into_iter()
                .enumerate()
                .map(|(i, (d, demand, release))| {
                    let demand = demand.iter().zip(&caps).map(|(&x, c)| x.min(c.0)).collect();
                    Activity {
                        release,
                        ..Activity::new(format!("t{i}"), d, demand)
                    }
                })
                .collect();
            let dependencies = edges
                .into_iter()
                .filter(|(a, b, _, _)| a < b)
                .map(|(a, b, k, lag)| Dependency {
                    from: format!("t{a}"),
                    to: format!("t{b}"),
                    kind: DependencyKind::ALL[usize::from(k)],
                    lag,
                })
                .collect();
            let resources = caps
                .iter()
                .enumerate()
                .map(|(i, (c, calendar))| Resource {
                    calendar: calendar.clone(),
                    ..Resource::new(format!("r{i}"), *c)
                })
                .collect();
            (
                Problem {
                    activities,
                    dependencies,
                    resources,
                },
                seed,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_instances_schedule_feasibly_and_deterministically((p, seed) in instance()) {
        let opts = Options { seed, iterations: 300 };
        let sol = solve(&p, opts).unwrap();
        prop_assert_eq!(verify(&p, &sol), Ok(()));
        let cp = cpm_finish(&p);
        prop_assert!(sol.makespan >= cp, "makespan {} below the critical path {}", sol.makespan, cp);
        prop_assert!(sol.lower_bound >= cp);
        prop_assert!(sol.makespan >= sol.lower_bound);
        prop_assert_eq!(solve(&p, opts).unwrap(), sol);
    }
}
