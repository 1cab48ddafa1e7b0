//! Properties of the critical path method and the working calendar on random inputs.
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use postflow_core::plan::{
    schedule, Dependency, DependencyKind, PlanError, PlanTask, Schedule, WorkingCalendar,
};
use proptest::prelude::*;
use std::collections::HashMap;

/// A random DAG: tasks in a shuffled input order, edges only from an earlier to a later task of a
/// hidden topological order, mixed kinds and lags (leads included).
#[derive(Debug, Clone)]
struct Net {
    tasks: Vec<PlanTask>,
    deps: Vec<Dependency>,
}

fn kind_of(k: u8) -> DependencyKind {
    DependencyKind::ALL[usize::from(k % 3)]
}

fn network() -> impl Strategy<Value = Net> {
    (1usize..30)
        .prop_flat_map(|n| {
            (
                prop::collection::vec(0i64..8, n),
                prop::collection::vec((0..n, 0..n, 0u8..3, -3i64..5), 0..(n * 2)),
                Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
            )
        })
        .prop_map(|(durations, edges, order)| {
            // Task `rank` of the hidden order is listed at position order[rank].
            let n = durations.len();
            let mut tasks = vec![PlanTask::new("", 0); n];
            for rank in 0..n {
                tasks[order[rank]] = PlanTask::new(format!("t{rank}"), durations[rank]);
            }
            let deps = edges
                .into_iter()
                .filter(|(a, b, _, _)| a != b)
                .map(|(a, b, k, lag)| {
                    let (from, to) = (a.min(b), a.max(b));
                    Dependency::new(format!("t{from}"), format!("t{to}"), kind_of(k), lag)
                })
                .collect();
            Net { tasks, deps }
        })
}

fn by_id(s: &Schedule) -> HashMap<&str, &postflow_core::plan::TaskSchedule> {
    s.tasks.iter().map(|t| (t.id.as_str(), t)).collect()
}

fn early_bound(d: &Dependency, from: (i64, i64), to_duration: i64) -> i64 {
    match d.kind {
        DependencyKind::FinishToStart => from.1 + d.lag,
        DependencyKind::StartToStart => from.0 + d.lag,
        DependencyKind::FinishToFinish => from.1 + d.lag - to_duration,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn early_and_late_schedules_satisfy_every_dependency(net in network()) {
        let s = schedule(&net.tasks, &net.deps).unwrap();
        let t = by_id(&s);
        let duration: HashMap<&str, i64> = net.tasks.iter().map(|t| (t.id.as_str(), t.duration)).collect();
        for task in &s.tasks {
            prop_assert!(task.es >= 0, "{} starts before day 0", task.id);
            prop_assert_eq!(task.ef, task.es + duration[task.id.as_str()]);
            prop_assert_eq!(task.lf, task.ls + duration[task.id.as_str()]);
            prop_assert!(task.lf <= s.finish);
            prop_assert_eq!(task.total_float, task.ls - task.es);
        }
        prop_assert_eq!(s.finish, s.tasks.iter().map(|t| t.ef).max().unwrap_or(0));
        for d in &net.deps {
            let (p, q) = (t[d.from.as_str()], t[d.to.as_str()]);
            let (early_ok, late_ok) = match d.kind {
                DependencyKind::FinishToStart => (q.es >= p.ef + d.lag, q.ls >= p.lf + d.lag),
                DependencyKind::StartToStart => (q.es >= p.es + d.lag, q.ls >= p.ls + d.lag),
                DependencyKind::FinishToFinish => (q.ef >= p.ef + d.lag, q.lf >= p.lf + d.lag),
            };
            prop_assert!(early_ok, "early schedule breaks {:?}", d);
            prop_assert!(late_ok, "late schedule breaks {:?}", d);
        }
    }

    #[test]
    fn float_is_never_negative_without_a_finish_by(net in network()) {
        let s = schedule(&net.tasks, &net.deps).unwrap();
        prop_assert!(!s.is_late());
        for task in &s.tasks {
            prop_assert!(task.total_float >= 0, "{:?}", task);
            prop_assert!(task.free_float >= 0 && task.free_float <= task.total_float, "{:?}", task);
            prop_assert_eq!(task.critical, task.total_float == 0);
        }
        prop_assert!(!s.tasks.is_empty() && !s.critical_paths.is_empty());
    }

    #[test]
    fn every_critical_chain_is_as_long_as_the_project(net in network()) {
        let s = schedule(&net.tasks, &net.deps).unwrap();
        let t = by_id(&s);
        let duration: HashMap<&str, i64> = net.tasks.iter().map(|t| (t.id.as_str(), t.duration)).collect();
        for chain in &s.critical_paths {
            // Walk the chain from day 0, adding durations and the lags of the links only.
            let first = chain[0].as_str();
            prop_assert!(t[first].critical);
            let (mut es, mut ef) = (0i64, duration[first]);
            for pair in chain.windows(2) {
                let (from, to) = (pair[0].as_str(), pair[1].as_str());
                prop_assert!(t[to].critical);
                let start = net.deps.iter()
                    .filter(|d| d.from == from && d.to == to)
                    .map(|d| early_bound(d, (es, ef), duration[to]))
                    .max();
                prop_assert!(start.is_some(), "no dependency {} → {}", from, to);
                es = start.unwrap().max(0);
                ef = es + duration[to];
            }
            prop_assert_eq!(ef, s.finish, "chain {:?}", chain);
        }
    }

    #[test]
    fn removing_a_non_critical_task_never_lengthens_the_project(net in network(), pick in any::<prop::sample::Index>()) {
        let s = schedule(&net.tasks, &net.deps).unwrap();
        let slack: Vec<&str> = s.tasks.iter().filter(|t| !t.critical).map(|t| t.id.as_str()).collect();
        prop_assume!(!slack.is_empty());
        let gone = slack[pick.index(slack.len())];
        let tasks: Vec<PlanTask> = net.tasks.iter().filter(|t| t.id != gone).cloned().collect();
        let deps: Vec<Dependency> = net.deps.iter().filter(|d| d.from != gone && d.to != gone).cloned().collect();
        let after = schedule(&tasks, &deps).unwrap();
        prop_assert!(after.finish <= s.finish);
        // The critical chain is untouched, so the finish does not move at all.
        prop_assert_eq!(after.finish, s.finish);
    }

    #[test]
    fn a_finish_by_only_takes_float_away_and_leaves_the_early_schedule(net in network(), pick in any::<prop::sample::Index>(), early in 0i64..5) {
        let base = schedule(&net.tasks, &net.deps).unwrap();
        let mut tasks = net.tasks.clone();
        let k = pick.index(tasks.len());
        let due = base.tasks[k].ef - early;
        tasks[k].finish_by = Some(due);
        let s = schedule(&tasks, &net.deps).unwrap();
        let own = &s.tasks[k];
        prop_assert_eq!(own.total_float, own.lf - own.ef);
        prop_assert!(own.lf <= due);
        prop_assert_eq!(s.is_late(), own.lf < own.ef);
        for (a, b) in base.tasks.iter().zip(&s.tasks) {
            // A date only takes float away, and the early schedule does not move.
            prop_assert_eq!((a.es, a.ef), (b.es, b.ef));
            prop_assert!(b.total_float <= a.total_float);
            prop_assert!(b.free_float >= 0 && b.free_float <= b.total_float.max(0), "{:?}", b);
        }
    }

    #[test]
    fn a_closing_edge_is_reported_as_a_cycle_of_real_dependencies(net in network(), pick in any::<prop::sample::Index>()) {
        prop_assume!(!net.deps.is_empty());
        let d = &net.deps[pick.index(net.deps.len())];
        let mut deps = net.deps.clone();
        deps.push(Dependency::new(d.to.clone(), d.from.clone(), DependencyKind::FinishToStart, 0));
        match schedule(&net.tasks, &deps) {
            Err(PlanError::Cycle(ids)) => {
                prop_assert!(ids.len() >= 2);
                for k in 0..ids.len() {
                    let (from, to) = (&ids[k], &ids[(k + 1) % ids.len()]);
                    prop_assert!(deps.iter().any(|d| &d.from == from && &d.to == to), "{} → {} is not a dependency", from, to);
                }
            }
            other => prop_assert!(false, "expected a cycle, got {:?}", other),
        }
    }

    #[test]
    fn calendar_mapping_agrees_with_counting_day_by_day(
        start_offset in 0i64..60,
        week_bits in 1u8..128,
        holiday_offsets in prop::collection::vec(-40i64..120, 0..25),
        day in -40i64..80,
    ) {
        let start = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + Duration::days(start_offset);
        let week: Vec<Weekday> = (0..7u8).filter(|d| week_bits & (1 << d) != 0).map(|d| Weekday::try_from(d).unwrap()).collect();
        let holidays: Vec<NaiveDate> = holiday_offsets.iter().map(|o| start + Duration::days(*o)).collect();
        let cal = WorkingCalendar::new(start, &week, &holidays).unwrap();
        let working = |d: NaiveDate| week.contains(&d.weekday()) && !holidays.contains(&d);
        // Day 0 by walking forward from the start, then `day` working days on or back.
        let mut d0 = start;
        while !working(d0) { d0 += Duration::days(1); }
        let mut expected = d0;
        let mut left = day;
        while left > 0 { expected += Duration::days(1); if working(expected) { left -= 1; } }
        while left < 0 { expected -= Duration::days(1); if working(expected) { left += 1; } }
        prop_assert_eq!(cal.date_of_day(day), expected);
        prop_assert!(cal.is_working_day(expected));
        prop_assert_eq!(cal.day_on_or_after(expected), day);
        prop_assert_eq!(cal.finish_day_by(expected), day + 1);
        prop_assert_eq!(cal.last_working_date(day + 1), expected);
        // A non-working date rounds forward for a start and back for a finish.
        let next = expected + Duration::days(1);
        if !working(next) {
            prop_assert_eq!(cal.day_on_or_after(next), day + 1);
            prop_assert_eq!(cal.finish_day_by(next), day + 1);
        }
        prop_assert_eq!(cal.working_days_between(d0, expected), day);
    }
}
