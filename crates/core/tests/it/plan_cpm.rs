//! The critical path method and working calendars against networks computed by hand.
use chrono::{NaiveDate, Weekday};
use postflow_core::plan::cpm::MAX_CRITICAL_PATHS;
use postflow_core::plan::{
    schedule, CalendarError, Dependency, DependencyKind, PlanError, PlanTask, Schedule,
    WorkingCalendar,
};

use DependencyKind::{FinishToFinish as FF, FinishToStart as FS, StartToStart as SS};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn tasks(list: &[(&str, i64)]) -> Vec<PlanTask> {
    list.iter().map(|(id, d)| PlanTask::new(*id, *d)).collect()
}

fn deps(list: &[(&str, &str, DependencyKind, i64)]) -> Vec<Dependency> {
    list.iter()
        .map(|(f, t, k, l)| Dependency::new(*f, *t, *k, *l))
        .collect()
}

/// (es, ef, ls, lf, total float, free float) of one task.
fn dates(s: &Schedule, id: &str) -> (i64, i64, i64, i64, i64, i64) {
    let t = s
        .task(id)
        .unwrap_or_else(|| panic!("task {id} in the schedule"));
    (t.es, t.ef, t.ls, t.lf, t.total_float, t.free_float)
}

fn mon_fri() -> Vec<Weekday> {
    vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
}

#[test]
fn textbook_network_has_hand_computed_dates_floats_and_critical_path() {
    // A(3) → B(4) → D(5) → F(2) and A → C(2) → E(3) → F, all finish-to-start.
    let t = tasks(&[("A", 3), ("B", 4), ("C", 2), ("D", 5), ("E", 3), ("F", 2)]);
    let d = deps(&[
        ("A", "B", FS, 0),
        ("A", "C", FS, 0),
        ("B", "D", FS, 0),
        ("C", "E", FS, 0),
        ("D", "F", FS, 0),
        ("E", "F", FS, 0),
    ]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(s.finish, 14);
    assert_eq!(dates(&s, "A"), (0, 3, 0, 3, 0, 0));
    assert_eq!(dates(&s, "B"), (3, 7, 3, 7, 0, 0));
    assert_eq!(dates(&s, "C"), (3, 5, 7, 9, 4, 0));
    assert_eq!(dates(&s, "D"), (7, 12, 7, 12, 0, 0));
    assert_eq!(dates(&s, "E"), (5, 8, 9, 12, 4, 4));
    assert_eq!(dates(&s, "F"), (12, 14, 12, 14, 0, 0));
    assert_eq!(s.critical_path, ["A", "B", "D", "F"]);
    assert_eq!(s.critical_paths, vec![vec!["A", "B", "D", "F"]]);
    assert!(!s.task("C").unwrap().critical);
    assert_eq!(s.task("F").unwrap().driving, ["D"]);
    assert!(!s.is_late());
    // Tasks come back in input order.
    let ids: Vec<&str> = s.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["A", "B", "C", "D", "E", "F"]);
}

#[test]
fn start_to_start_and_finish_to_finish_with_positive_and_negative_lags() {
    // B starts 2 days after A starts; C finishes 1 day after B finishes; D starts a day before A
    // (clamped to day 0); E starts 2 days before C finishes.
    let t = tasks(&[("A", 5), ("B", 3), ("C", 4), ("D", 2), ("E", 1)]);
    let d = deps(&[
        ("A", "B", SS, 2),
        ("B", "C", FF, 1),
        ("A", "D", SS, -1),
        ("C", "E", FS, -2),
    ]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(s.finish, 6);
    assert_eq!(dates(&s, "A"), (0, 5, 0, 5, 0, 0));
    assert_eq!(dates(&s, "B"), (2, 5, 2, 5, 0, 0));
    assert_eq!(dates(&s, "C"), (2, 6, 2, 6, 0, 0));
    assert_eq!(dates(&s, "D"), (0, 2, 4, 6, 4, 4));
    assert_eq!(dates(&s, "E"), (4, 5, 5, 6, 1, 1));
    assert_eq!(s.critical_path, ["A", "B", "C"]);
    assert_eq!(s.critical_paths, vec![vec!["A", "B", "C"]]);
    assert_eq!(s.task("C").unwrap().driving, ["B"]);
    // D's lead would start it on day -1: it is held at day 0 and A does not drive it.
    assert!(s.task("D").unwrap().driving.is_empty());
}

#[test]
fn a_long_task_that_only_starts_a_short_one_still_ends_by_the_project_finish() {
    let t = tasks(&[("long", 10), ("short", 1)]);
    let d = deps(&[("long", "short", SS, 0)]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(s.finish, 10);
    assert_eq!(dates(&s, "long"), (0, 10, 0, 10, 0, 0));
    assert_eq!(dates(&s, "short"), (0, 1, 9, 10, 9, 9));
    assert_eq!(s.critical_paths, vec![vec!["long"]]);
}

#[test]
fn a_lead_never_starts_work_before_day_zero() {
    let t = tasks(&[("A", 2), ("B", 3)]);
    let d = deps(&[("A", "B", FS, -5)]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(dates(&s, "B"), (0, 3, 0, 3, 0, 0));
    assert_eq!(s.finish, 3);
    assert!(s.tasks.iter().all(|t| t.es >= 0 && t.ls >= 0));
}

#[test]
fn lag_on_finish_to_start_delays_the_successor() {
    let t = tasks(&[("shoot", 2), ("conform", 1)]);
    let d = deps(&[("shoot", "conform", FS, 3)]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(dates(&s, "conform"), (5, 6, 5, 6, 0, 0));
    assert_eq!(s.finish, 6);
}

#[test]
fn a_finish_by_that_cannot_be_met_gives_negative_float_on_exactly_the_tasks_that_cause_it() {
    // A(3) → B(4) → C(2) must finish by offset 7, but needs 9; X and Y have room.
    let mut t = tasks(&[("A", 3), ("B", 4), ("C", 2), ("X", 2), ("Y", 1)]);
    t[2].finish_by = Some(7);
    let d = deps(&[("A", "B", FS, 0), ("B", "C", FS, 0), ("A", "Y", FS, 0)]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(s.finish, 9);
    assert_eq!(dates(&s, "A"), (0, 3, -2, 1, -2, 0));
    assert_eq!(dates(&s, "B"), (3, 7, 1, 5, -2, 0));
    // C overruns its own date: total float says by how much, free float does not go negative.
    assert_eq!(dates(&s, "C"), (7, 9, 5, 7, -2, 0));
    assert_eq!(dates(&s, "X"), (0, 2, 7, 9, 7, 7));
    assert_eq!(dates(&s, "Y"), (3, 4, 8, 9, 5, 5));
    assert!(s.is_late());
    let late: Vec<&str> = s.late_tasks().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(late, ["A", "B", "C"]);
    assert_eq!(s.critical_path, ["A", "B", "C"]);
}

#[test]
fn a_finish_by_on_a_task_with_successors_tightens_it_and_its_predecessors() {
    // A(2) → B(3) → C(1); B must be done by offset 4 although the chain allows 5.
    let mut t = tasks(&[("A", 2), ("B", 3), ("C", 1)]);
    t[1].finish_by = Some(4);
    let d = deps(&[("A", "B", FS, 0), ("B", "C", FS, 0)]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(dates(&s, "A"), (0, 2, -1, 1, -1, 0));
    assert_eq!(dates(&s, "B"), (2, 5, 1, 4, -1, 0));
    assert_eq!(dates(&s, "C"), (5, 6, 5, 6, 0, 0));
    let late: Vec<&str> = s.late_tasks().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(late, ["A", "B"]);
}

#[test]
fn a_finish_by_that_can_be_met_leaves_float_non_negative() {
    let mut t = tasks(&[("A", 2), ("B", 3)]);
    t[1].finish_by = Some(8);
    let s = schedule(&t, &deps(&[("A", "B", FS, 0)])).unwrap();
    assert!(!s.is_late());
    // The project finish (5) is earlier than the date, so it is what limits B.
    assert_eq!(dates(&s, "B"), (2, 5, 2, 5, 0, 0));
}

#[test]
fn free_float_never_exceeds_total_float_when_a_date_tightens_the_late_schedule() {
    // sound FF→ mix: sound could slip 3 days without moving mix's early dates, but the delivery
    // date leaves it only 2 before the date is missed.
    let mut t = tasks(&[
        ("edit", 3),
        ("color", 4),
        ("sound", 5),
        ("mix", 2),
        ("delivery", 0),
    ]);
    t[4].finish_by = Some(8);
    let d = deps(&[
        ("edit", "color", FS, 0),
        ("edit", "sound", SS, 1),
        ("color", "mix", FS, 0),
        ("sound", "mix", FF, 0),
        ("mix", "delivery", FS, 0),
    ]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(dates(&s, "sound"), (1, 6, 3, 8, 2, 2));
    assert_eq!(dates(&s, "mix"), (7, 9, 6, 8, -1, 0));
    assert_eq!(s.task("edit").unwrap().total_float, -1);
}

#[test]
fn start_no_earlier_raises_the_early_start() {
    let mut t = tasks(&[("A", 2), ("B", 3)]);
    t[1].start_no_earlier = Some(4);
    let s = schedule(&t, &deps(&[("A", "B", FS, 0)])).unwrap();
    assert_eq!(dates(&s, "B"), (4, 7, 4, 7, 0, 0));
    assert_eq!(dates(&s, "A"), (0, 2, 2, 4, 2, 2));
    assert!(s.task("B").unwrap().driving.is_empty());
}

#[test]
fn zero_duration_tasks_are_milestones() {
    let t = tasks(&[("cut", 5), ("lock", 0), ("color", 3)]);
    let d = deps(&[("cut", "lock", FS, 0), ("lock", "color", FS, 0)]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(dates(&s, "lock"), (5, 5, 5, 5, 0, 0));
    assert_eq!(dates(&s, "color"), (5, 8, 5, 8, 0, 0));
    assert_eq!(s.critical_paths, vec![vec!["cut", "lock", "color"]]);
}

#[test]
fn an_empty_plan_finishes_on_day_zero() {
    let s = schedule(&[], &[]).unwrap();
    assert_eq!(s.finish, 0);
    assert!(s.tasks.is_empty() && s.critical_path.is_empty() && s.critical_paths.is_empty());
}

#[test]
fn parallel_critical_branches_are_separate_chains() {
    // A → {B, C} → D with B and C equally long: two critical chains.
    let t = tasks(&[("A", 1), ("B", 2), ("C", 2), ("D", 1)]);
    let d = deps(&[
        ("A", "B", FS, 0),
        ("A", "C", FS, 0),
        ("B", "D", FS, 0),
        ("C", "D", FS, 0),
    ]);
    let s = schedule(&t, &d).unwrap();
    assert_eq!(
        s.critical_paths,
        vec![vec!["A", "B", "D"], vec!["A", "C", "D"]]
    );
    assert_eq!(s.critical_path, ["A", "B", "C", "D"]);
    assert_eq!(s.task("D").unwrap().driving, ["B", "C"]);
}

#[test]
fn critical_chains_are_capped() {
    // 6 diamonds in series: 2^6 = 64 critical chains, listed up to the cap.
    let mut t = vec![PlanTask::new("n0", 1)];
    let mut d = Vec::new();
    for k in 0..6 {
        let (a, b, next) = (format!("a{k}"), format!("b{k}"), format!("n{}", k + 1));
        t.extend([
            PlanTask::new(&a, 1),
            PlanTask::new(&b, 1),
            PlanTask::new(&next, 1),
        ]);
        let prev = format!("n{k}");
        d.extend([
            Dependency::fs(&prev, &a),
            Dependency::fs(&prev, &b),
            Dependency::fs(&a, &next),
            Dependency::fs(&b, &next),
        ]);
    }
    let s = schedule(&t, &d).unwrap();
    assert_eq!(s.critical_paths.len(), MAX_CRITICAL_PATHS);
    assert!(s.critical_paths.iter().all(|c| c.len() == 13));
}

#[test]
fn a_cycle_is_refused_and_named_in_dependency_order() {
    let t = tasks(&[("ingest", 1), ("a", 1), ("b", 1), ("c", 1), ("after", 1)]);
    // b → c → a → b, entered out of order; `after` hangs off the cycle.
    let d = deps(&[
        ("ingest", "a", FS, 0),
        ("c", "a", FS, 0),
        ("a", "b", FS, 0),
        ("b", "c", SS, 0),
        ("c", "after", FS, 0),
    ]);
    let err = schedule(&t, &d).unwrap_err();
    assert_eq!(
        err,
        PlanError::Cycle(vec!["a".into(), "b".into(), "c".into()])
    );
    assert_eq!(err.to_string(), "dependency cycle: a → b → c → a");
}

#[test]
fn a_two_task_cycle_is_named() {
    let t = tasks(&[("x", 1), ("y", 1)]);
    let err = schedule(&t, &deps(&[("y", "x", FS, 0), ("x", "y", FF, 2)])).unwrap_err();
    assert_eq!(err.to_string(), "dependency cycle: x → y → x");
}

#[test]
fn a_task_depending_on_itself_is_refused() {
    let t = tasks(&[("grade", 2)]);
    let err = schedule(&t, &deps(&[("grade", "grade", FS, 0)])).unwrap_err();
    assert_eq!(err, PlanError::SelfDependency("grade".into()));
    assert!(err.to_string().contains("\"grade\" depends on itself"));
}

#[test]
fn a_negative_duration_is_refused_naming_the_task() {
    let err = schedule(&tasks(&[("ok", 1), ("mix", -3)]), &[]).unwrap_err();
    assert_eq!(
        err,
        PlanError::NegativeDuration {
            task: "mix".into(),
            duration: -3
        }
    );
    assert!(err.to_string().contains("\"mix\""));
}

#[test]
fn an_unknown_task_in_a_dependency_is_refused_naming_both() {
    let err = schedule(&tasks(&[("A", 1)]), &deps(&[("A", "Z", FS, 0)])).unwrap_err();
    assert!(matches!(&err, PlanError::UnknownTask { task, .. } if task == "Z"));
    assert_eq!(
        err.to_string(),
        "unknown task \"Z\" (referenced by the dependency A → Z)"
    );
}

#[test]
fn a_duplicate_task_is_refused() {
    let err = schedule(&tasks(&[("A", 1), ("A", 2)]), &[]).unwrap_err();
    assert_eq!(err, PlanError::DuplicateTask("A".into()));
}

// ---- calendars ----

/// Mon–Fri from Monday 21 December 2026, with Christmas and New Year's Day (both Fridays) off.
fn christmas() -> WorkingCalendar {
    WorkingCalendar::new(
        date("2026-12-21"),
        &mon_fri(),
        &[date("2027-01-01"), date("2026-12-25")],
    )
    .unwrap()
}

#[test]
fn calendar_skips_weekends_and_holidays() {
    let cal = christmas();
    let expected = [
        (0, "2026-12-21"),
        (1, "2026-12-22"),
        (3, "2026-12-24"),
        (4, "2026-12-28"),
        (7, "2026-12-31"),
        (8, "2027-01-04"),
        (9, "2027-01-05"),
        (13, "2027-01-11"),
        (-1, "2026-12-18"),
        (-5, "2026-12-14"),
        (-6, "2026-12-11"),
    ];
    for (day, d) in expected {
        assert_eq!(cal.date_of_day(day), date(d), "day {day}");
        assert_eq!(cal.day_on_or_after(date(d)), day, "date {d}");
    }
    assert!(!cal.is_working_day(date("2026-12-25")));
    assert!(!cal.is_working_day(date("2026-12-26")));
    assert!(cal.is_working_day(date("2026-12-24")));
    // Non-working dates round forward for a start, back for a finish.
    assert_eq!(cal.day_on_or_after(date("2026-12-25")), 4);
    assert_eq!(cal.day_on_or_after(date("2026-12-27")), 4);
    assert_eq!(cal.finish_day_by(date("2026-12-25")), 4);
    assert_eq!(cal.finish_day_by(date("2026-12-24")), 4);
    assert_eq!(cal.finish_day_by(date("2027-01-03")), 8);
    assert_eq!(cal.last_working_date(8), date("2026-12-31"));
    assert_eq!(
        cal.working_days_between(date("2026-12-21"), date("2027-01-04")),
        8
    );
    assert_eq!(cal.start(), date("2026-12-21"));
}

#[test]
fn calendar_starting_on_a_weekend_begins_on_the_next_working_day() {
    let cal = WorkingCalendar::new(date("2026-12-19"), &mon_fri(), &[date("2026-12-21")]).unwrap();
    assert_eq!(cal.date_of_day(0), date("2026-12-22"));
    assert_eq!(cal.date_of_day(-1), date("2026-12-18"));
    assert_eq!(cal.day_on_or_after(date("2026-12-19")), 0);
    assert_eq!(cal.finish_day_by(date("2026-12-21")), 0);
}

#[test]
fn holidays_before_the_start_count_when_going_back() {
    let cal = WorkingCalendar::new(date("2026-12-21"), &mon_fri(), &[date("2026-12-14")]).unwrap();
    assert_eq!(cal.date_of_day(-4), date("2026-12-15"));
    assert_eq!(cal.date_of_day(-5), date("2026-12-11"));
    assert_eq!(cal.day_on_or_after(date("2026-12-14")), -4);
}

#[test]
fn a_sunday_to_thursday_week() {
    let week: Vec<Weekday> = ["sun", "Mon", "tuesday", "WED", "thu"]
        .iter()
        .map(|d| WorkingCalendar::parse_weekday(d).unwrap())
        .collect();
    let cal = WorkingCalendar::new(date("2026-12-04"), &week, &[]).unwrap(); // a Friday
    assert_eq!(cal.date_of_day(0), date("2026-12-06")); // Sunday
    assert_eq!(cal.date_of_day(4), date("2026-12-10")); // Thursday
    assert_eq!(cal.date_of_day(5), date("2026-12-13")); // next Sunday
}

#[test]
fn a_persons_days_off_come_on_top_of_the_studio_calendar() {
    let person = christmas().with_days_off(&[date("2026-12-22")]);
    assert_eq!(person.date_of_day(1), date("2026-12-23"));
    assert_eq!(person.date_of_day(3), date("2026-12-28"));
    assert!(!person.is_working_day(date("2026-12-25")));
    // The studio calendar is unchanged.
    assert_eq!(christmas().date_of_day(1), date("2026-12-22"));
}

#[test]
fn calendar_errors_are_clear() {
    assert_eq!(
        WorkingCalendar::new(date("2026-12-21"), &[], &[]),
        Err(CalendarError::NoWorkingDays)
    );
    let err = WorkingCalendar::parse_weekday("mondy").unwrap_err();
    assert_eq!(err, CalendarError::UnknownWeekday("mondy".into()));
    assert!(err.to_string().contains("\"mondy\""));
}

#[test]
fn a_schedule_mapped_onto_the_christmas_calendar() {
    // A(3) → B(4) → C(0, the delivery milestone), from Monday 21 December.
    let t = tasks(&[("A", 3), ("B", 4), ("C", 0)]);
    let d = deps(&[("A", "B", FS, 0), ("B", "C", FS, 0)]);
    let s = schedule(&t, &d).unwrap();
    let cal = christmas();
    let b = s.task("B").unwrap();
    assert_eq!(cal.date_of_day(b.es), date("2026-12-24"));
    // B works Thu 24, Mon 28, Tue 29, Wed 30: its last working day is the 30th and its exclusive
    // finish is the next working day.
    assert_eq!(cal.last_working_date(b.ef), date("2026-12-30"));
    assert_eq!(cal.date_of_day(b.ef), date("2026-12-31"));
    assert_eq!(cal.date_of_day(s.finish), date("2026-12-31"));
    // A delivery due by the end of the 30th is met with no room to spare; by the 29th is a day late.
    let mut due = t.clone();
    due[2].finish_by = Some(cal.finish_day_by(date("2026-12-30")));
    let ok = schedule(&due, &d).unwrap();
    assert!(!ok.is_late());
    assert_eq!(ok.task("C").unwrap().total_float, 0);
    due[2].finish_by = Some(cal.finish_day_by(date("2026-12-29")));
    let late = schedule(&due, &d).unwrap();
    assert_eq!(late.task("C").unwrap().total_float, -1);
    assert_eq!(late.task("A").unwrap().total_float, -1);
}
