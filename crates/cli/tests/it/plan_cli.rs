//! `postflow plan solve` as a script runs it: the real binary on real plan files.
use serde_json::Value;
use std::path::Path;
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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn solve(dir: &Path, plan: &str, json: bool) -> Output {
    let file = dir.join("plan.json");
    std::fs::write(&file, plan).unwrap();
    let path = file.to_str().unwrap();
    if json {
        postflow(&["plan", "solve", path, "--json"])
    } else {
        postflow(&["plan", "solve", path])
    }
}

fn solve_json(plan: &str) -> (Output, Value) {
    let dir = tempfile::tempdir().unwrap();
    let o = solve(dir.path(), plan, true);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    (o, v)
}

fn refused(plan: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let o = solve(dir.path(), plan, true);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(o.stdout.is_empty(), "{}", text(&o));
    let err = stderr(&o);
    assert!(err.starts_with("error: "), "{}", text(&o));
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one sentence: {}",
        text(&o)
    );
    err
}

/// Editorial, then color and sound in parallel, the mix and a delivery milestone, over Christmas
/// 2026 (Friday the 25th and Friday 1 January off).
const CHRISTMAS: &str = r#"{
  "calendar": {"start": "2026-12-21", "working_days": ["mon", "tue", "wed", "thu", "fri"],
               "holidays": ["2026-12-25", "2027-01-01"]},
  "tasks": [
    {"id": "edit", "duration_days": 3},
    {"id": "color", "duration_days": 4},
    {"id": "sound", "duration_days": 5},
    {"id": "mix", "duration_days": 2},
    {"id": "delivery", "duration_days": 0}
  ],
  "dependencies": [
    {"from": "edit", "to": "color", "type": "FS", "lag_days": 0},
    {"from": "edit", "to": "sound", "type": "SS", "lag_days": 1},
    {"from": "color", "to": "mix", "type": "FS"},
    {"from": "sound", "to": "mix", "type": "FF", "lag_days": 0},
    {"from": "mix", "to": "delivery"}
  ]
}"#;

fn task<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("task {id} in {v}"))
}

#[test]
fn solve_json_gives_offsets_and_dates_over_a_calendar_with_holidays() {
    let (o, v) = solve_json(CHRISTMAS);
    assert!(stderr(&o).is_empty(), "{}", text(&o));
    assert_eq!(v["finish_day"], 9);
    // Day 9 counts past Christmas Day, the weekends and New Year's Day.
    assert_eq!(v["finish"], "2027-01-05");
    let edit = task(&v, "edit");
    assert_eq!(
        (
            &edit["es_day"],
            &edit["ef_day"],
            &edit["ls_day"],
            &edit["lf_day"]
        ),
        (&0.into(), &3.into(), &0.into(), &3.into())
    );
    assert_eq!(edit["es"], "2026-12-21");
    assert_eq!(edit["ef"], "2026-12-24");
    assert_eq!(edit["duration_days"], 3);
    let color = task(&v, "color");
    assert_eq!(
        (&color["es"], &color["ef"]),
        (&"2026-12-24".into(), &"2026-12-31".into())
    );
    let sound = task(&v, "sound");
    assert_eq!((&sound["es_day"], &sound["ef_day"]), (&1.into(), &6.into()));
    assert_eq!((&sound["ls_day"], &sound["lf_day"]), (&4.into(), &9.into()));
    assert_eq!(sound["es"], "2026-12-22");
    assert_eq!(sound["ls"], "2026-12-28");
    assert_eq!(sound["lf"], "2027-01-05");
    assert_eq!(sound["total_float_days"], 3);
    assert_eq!(sound["free_float_days"], 3);
    assert_eq!(sound["critical"], false);
    let mix = task(&v, "mix");
    assert_eq!(
        (&mix["es"], &mix["ef"]),
        (&"2026-12-31".into(), &"2027-01-05".into())
    );
    assert_eq!(mix["driving"], serde_json::json!(["color"]));
    let delivery = task(&v, "delivery");
    assert_eq!(
        (&delivery["es_day"], &delivery["ef_day"]),
        (&9.into(), &9.into())
    );
    assert_eq!(
        v["critical_path"],
        serde_json::json!(["edit", "color", "mix", "delivery"])
    );
    assert_eq!(
        v["critical_paths"],
        serde_json::json!([["edit", "color", "mix", "delivery"]])
    );
    assert_eq!(v["late"], serde_json::json!([]));
    // Tasks come back in the file's order, each with every documented field.
    let ids: Vec<&str> = v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["edit", "color", "sound", "mix", "delivery"]);
    for field in [
        "id",
        "duration_days",
        "es_day",
        "ef_day",
        "ls_day",
        "lf_day",
        "es",
        "ef",
        "ls",
        "lf",
        "total_float_days",
        "free_float_days",
        "critical",
    ] {
        assert!(v["tasks"][0].get(field).is_some(), "field {field} in {v}");
    }
}

#[test]
fn solve_prints_a_readable_table_without_json() {
    let dir = tempfile::tempdir().unwrap();
    let o = solve(dir.path(), CHRISTMAS, false);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("critical path: edit → color → mix → delivery"),
        "{out}"
    );
    assert!(out.contains("finish: 2027-01-05"), "{out}");
    let sound = out
        .lines()
        .find(|l| l.starts_with("sound"))
        .expect("a row for sound");
    assert!(
        sound.contains("2026-12-22") && sound.contains("2026-12-30"),
        "{sound}"
    );
}

#[test]
fn a_delivery_date_that_cannot_be_met_warns_and_names_the_late_tasks() {
    let plan = CHRISTMAS.replacen(
        "\"dependencies\"",
        "\"fixed\": [{\"task\": \"delivery\", \"finish_by\": \"2026-12-31\"}],\n  \"dependencies\"",
        1,
    );
    let (o, v) = solve_json(&plan);
    let err = stderr(&o);
    assert!(err.starts_with("warning: "), "{}", text(&o));
    assert!(
        err.contains("late tasks: edit, color, mix, delivery"),
        "{}",
        text(&o)
    );
    assert_eq!(task(&v, "delivery")["total_float_days"], -1);
    assert_eq!(task(&v, "edit")["total_float_days"], -1);
    assert_eq!(task(&v, "sound")["total_float_days"], 2);
    assert_eq!(task(&v, "sound")["free_float_days"], 2);
    // Finished by the end of the 31st: the exclusive late finish is the next working day.
    assert_eq!(task(&v, "delivery")["lf_day"], 8);
    assert_eq!(task(&v, "delivery")["lf"], "2027-01-04");
    assert_eq!(
        v["late"],
        serde_json::json!(["edit", "color", "mix", "delivery"])
    );
    // The project still ends when the work ends; the date just cannot be met.
    assert_eq!(v["finish"], "2027-01-05");
}

#[test]
fn optional_fields_default_to_a_monday_to_friday_week_and_finish_to_start() {
    let (_, v) = solve_json(
        r#"{"calendar": {"start": "2026-12-05"},
            "tasks": [{"id": "a", "duration_days": 5}, {"id": "b", "duration_days": 1}],
            "dependencies": [{"from": "a", "to": "b"}]}"#,
    );
    // Saturday the 5th: day 0 is Monday the 7th; a's five days end on Friday; b starts Monday.
    assert_eq!(task(&v, "a")["es"], "2026-12-07");
    assert_eq!(task(&v, "b")["es"], "2026-12-14");
    assert_eq!(task(&v, "b")["es_day"], 5);
    assert_eq!(v["finish"], "2026-12-15");
}

#[test]
fn a_start_no_earlier_date_holds_a_task_back() {
    let (_, v) = solve_json(
        r#"{"calendar": {"start": "2026-12-07"},
            "tasks": [{"id": "vfx", "duration_days": 2}],
            "fixed": [{"task": "vfx", "start_no_earlier": "2026-12-12"}]}"#,
    );
    assert_eq!(task(&v, "vfx")["es"], "2026-12-14");
    assert_eq!(task(&v, "vfx")["es_day"], 5);
}

#[test]
fn a_cycle_exits_2_naming_the_cycle() {
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"},
            "tasks": [{"id": "a", "duration_days": 1}, {"id": "b", "duration_days": 1}],
            "dependencies": [{"from": "a", "to": "b"}, {"from": "b", "to": "a", "type": "SS"}]}"#,
    );
    assert_eq!(err.trim_end(), "error: dependency cycle: a → b → a");
}

#[test]
fn an_unknown_field_is_refused_by_name() {
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"},
            "tasks": [{"id": "a", "duration": 1}]}"#,
    );
    assert!(err.contains("unknown field `duration`"), "{err}");
    let err = refused(r#"{"calendar": {"start": "2026-12-07"}, "tasks": [], "deps": []}"#);
    assert!(err.contains("unknown field `deps`"), "{err}");
}

#[test]
fn bad_json_is_refused_with_line_and_column() {
    let err = refused("{\"calendar\": {\"start\": \"2026-12-07\"},\n \"tasks\": [,]}");
    assert!(err.contains("not a valid plan file"), "{err}");
    assert!(err.contains("line 2 column"), "{err}");
}

#[test]
fn an_unreadable_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let o = postflow(&["plan", "solve", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        stderr(&o).starts_with("error: cannot read the plan file"),
        "{}",
        text(&o)
    );
    assert!(stderr(&o).contains("nope.json"), "{}", text(&o));
}

#[test]
fn an_unknown_task_is_refused_by_name() {
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"},
            "tasks": [{"id": "a", "duration_days": 1}],
            "dependencies": [{"from": "a", "to": "ghost"}]}"#,
    );
    assert!(err.contains("unknown task \"ghost\""), "{err}");
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"},
            "tasks": [{"id": "a", "duration_days": 1}],
            "fixed": [{"task": "ghost", "finish_by": "2026-12-31"}]}"#,
    );
    assert!(err.contains("fixed: unknown task \"ghost\""), "{err}");
}

#[test]
fn bad_dates_weekdays_types_and_durations_are_refused() {
    let err = refused(r#"{"calendar": {"start": "2026-13-01"}, "tasks": []}"#);
    assert!(
        err.contains("calendar.start: \"2026-13-01\" is not a date"),
        "{err}"
    );
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07", "holidays": ["25/12/2026"]}, "tasks": []}"#,
    );
    assert!(
        err.contains("calendar.holidays: \"25/12/2026\" is not a date"),
        "{err}"
    );
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07", "working_days": ["mon", "fry"]}, "tasks": []}"#,
    );
    assert!(err.contains("unknown weekday \"fry\""), "{err}");
    let err = refused(r#"{"calendar": {"start": "2026-12-07", "working_days": []}, "tasks": []}"#);
    assert!(err.contains("no working days"), "{err}");
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"},
            "tasks": [{"id": "a", "duration_days": 1}, {"id": "b", "duration_days": 1}],
            "dependencies": [{"from": "a", "to": "b", "type": "XF"}]}"#,
    );
    assert!(err.contains("unknown type \"XF\""), "{err}");
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"}, "tasks": [{"id": "a", "duration_days": -2}]}"#,
    );
    assert!(err.contains("\"a\" has a negative duration"), "{err}");
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"},
            "tasks": [{"id": "a", "duration_days": 1}],
            "dependencies": [{"from": "a", "to": "a"}]}"#,
    );
    assert!(err.contains("\"a\" depends on itself"), "{err}");
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"}, "tasks": [{"id": "a", "duration_days": 900000000000}]}"#,
    );
    assert!(
        err.contains("task \"a\": duration_days 900000000000 is more than"),
        "{err}"
    );
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"},
            "tasks": [{"id": "a", "duration_days": 1}, {"id": "b", "duration_days": 1}],
            "dependencies": [{"from": "a", "to": "b", "lag_days": -9000000}]}"#,
    );
    assert!(err.contains("lag_days -9000000 is more than"), "{err}");
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"}, "tasks": [{"id": "a", "duration_days": 1}],
            "fixed": [{"task": "a", "finish_by": "262143-12-31"}]}"#,
    );
    assert!(err.contains("is not a date"), "{err}");
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"}, "tasks": [{"id": "a", "duration_days": 1}],
            "fixed": [{"task": "a"}]}"#,
    );
    assert!(err.contains("needs finish_by or start_no_earlier"), "{err}");
    let err = refused(
        r#"{"calendar": {"start": "2026-12-07"},
            "tasks": [{"id": "a", "duration_days": 1}, {"id": "a", "duration_days": 2}]}"#,
    );
    assert!(err.contains("task \"a\" is listed twice"), "{err}");
    let err = refused(r#"{"calendar": {"start": "2026-12-07"}}"#);
    assert!(err.contains("missing field `tasks`"), "{err}");
}

#[test]
fn solve_help_documents_the_json_output() {
    let o = postflow(&["plan", "solve", "--help"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "total_float_days",
        "critical_paths",
        "EXCLUSIVE",
        "finish_by",
    ] {
        assert!(help.contains(needle), "{needle} in {help}");
    }
}
