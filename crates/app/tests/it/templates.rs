//! Project templates: the shipped ones are sound plans of the workflow guide, a saved template
//! reads back unchanged, and a hand-edited file with a mistake is refused with the file, the
//! line and the task named.
use postflow_app::templates::{self, PlanTemplate, TemplateError};
use postflow_core::plan::{schedule, DependencyKind, MilestoneKind, TaskDuration};

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the text"));
    text[..at].matches('\n').count() + 1
}

/// A small valid template around the given `[[task]]` tables.
fn doc(tasks: &str) -> String {
    format!(
        r#"key = "tiny"
name = "Tiny"
typical_length = "1 week"

[[stage]]
key = "edit"
name = "Edit"

[[stage]]
key = "finish"
name = "Finish"

[checklists]
lock = ["Timecode", "Black at head and tail"]

{tasks}"#
    )
}

fn refused(text: &str) -> TemplateError {
    match templates::parse("tiny.toml", text) {
        Ok(t) => panic!("accepted: {t:?}"),
        Err(e) => e,
    }
}

fn critical_path_days(t: &PlanTemplate) -> i64 {
    let (tasks, deps) = t.network();
    schedule(&tasks, &deps)
        .unwrap_or_else(|e| panic!("{}: {e}", t.key))
        .finish
}

#[test]
fn every_shipped_template_parses_and_has_every_milestone() {
    let all = templates::builtin();
    let keys: Vec<&str> = all.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["commercial", "documentary", "feature"]);
    for t in &all {
        for kind in MilestoneKind::ALL {
            if kind == MilestoneKind::Custom {
                continue;
            }
            let m = t
                .milestone(kind)
                .unwrap_or_else(|| panic!("{} has no {} milestone", t.key, kind.as_str()));
            assert_eq!(m.duration, TaskDuration::Days(0), "{}: {}", t.key, m.key);
        }
        assert_eq!(t.revision_buffer_percent, 25, "{}", t.key);
        assert!(!t.description.is_empty() && !t.typical_length.is_empty());
        assert_eq!(templates::builtin_named(&t.key).as_ref(), Some(t));
    }
    assert_eq!(templates::builtin_named("wedding"), None);
}

#[test]
fn shipped_critical_paths_fit_their_documented_length() {
    // Plain working days, before the revision buffer: 3–4 weeks, 3–6 months, 6–12 months.
    for (key, range) in [
        ("commercial", 15..=20),
        ("documentary", 60..=130),
        ("feature", 120..=260),
    ] {
        let t = templates::builtin_named(key).unwrap();
        let days = critical_path_days(&t);
        assert!(range.contains(&days), "{key}: {days} working days");
    }
}

#[test]
fn shipped_templates_follow_the_workflow_guide() {
    for t in templates::builtin() {
        let stage_names: Vec<&str> = t.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            stage_names,
            [
                "Ingest & organization",
                "Assembly & rough cut",
                "Fine cut & picture lock",
                "Color",
                "Sound",
                "VFX & graphics",
                "Final mix & QC",
                "Deliverables",
                "Archive"
            ],
            "{}",
            t.key
        );
        // Every stage has work in it, and every piece of work says what room and who it needs.
        for s in &t.stages {
            assert!(
                t.tasks
                    .iter()
                    .any(|x| x.stage == s.key && !x.is_milestone()),
                "{}: stage {} is empty",
                t.key,
                s.key
            );
        }
        for task in t.tasks.iter().filter(|x| !x.is_milestone()) {
            assert!(
                task.resource_kind.is_some() && task.skill.is_some(),
                "{}: {} names no resource or skill",
                t.key,
                task.key
            );
        }
        let lock = t.milestone(MilestoneKind::PictureLock).unwrap();
        let lock_items = lock.checklist.join("\n").to_lowercase();
        for item in [
            "timecode",
            "duration",
            "black at head and tail",
            "audio sync",
            "every cut",
            "edl/xml",
            "aaf",
            "reference export",
        ] {
            assert!(
                lock_items.contains(item),
                "{}: lock checklist lacks {item}",
                t.key
            );
        }
        assert!(lock.editorial, "{}: the lock is editorial", t.key);
        let qc = t.task("qc").unwrap();
        let qc_items = qc.checklist.join("\n").to_lowercase();
        for item in [
            "video levels",
            "loudness",
            "captions",
            "black",
            "freeze",
            "sync",
            "timecode",
        ] {
            assert!(
                qc_items.contains(item),
                "{}: QC checklist lacks {item}",
                t.key
            );
        }
        // Editorial work is exactly what picture lock freezes: nothing after the lock is editorial.
        for task in &t.tasks {
            if task.editorial {
                assert!(
                    ["edit", "lock"].contains(&task.stage.as_str()),
                    "{}: {} is editorial outside the edit",
                    t.key,
                    task.key
                );
            }
        }
        // Color and sound both wait for the lock and run side by side.
        let (tasks, deps) = t.network();
        let s = schedule(&tasks, &deps).unwrap();
        let lock_day = s.task("picture_lock").unwrap().es;
        assert!(s.task("conform").unwrap().es >= lock_day);
        assert!(s.task("dialogue").unwrap().es >= lock_day);
        let color = s.task("color_finish").unwrap().es;
        let sound = s.task("sound_delivered").unwrap().es;
        assert!(
            (color - sound).abs() < (color - lock_day),
            "{}: color and sound are not in parallel",
            t.key
        );
        // VFX can start before the lock, and its final comes before the online.
        let vfx_start = t
            .tasks
            .iter()
            .filter(|x| x.stage == "vfx" && !x.is_milestone())
            .map(|x| s.task(&x.key).unwrap().es)
            .min()
            .unwrap();
        assert!(vfx_start < lock_day, "{}: VFX starts only at lock", t.key);
        let online = t
            .tasks
            .iter()
            .find(|x| x.depends_on.iter().any(|d| d.task == "vfx_final"))
            .unwrap();
        assert_eq!(online.stage, "finish", "{}", t.key);
        assert!(
            s.task("vfx_final").unwrap().es >= lock_day,
            "{}: VFX final before lock",
            t.key
        );
        // The plan ends with the archive.
        assert_eq!(s.task("archived").unwrap().ef, s.finish, "{}", t.key);
    }
}

#[test]
fn longer_formats_have_more_review_rounds_and_sound_work() {
    let c = templates::builtin_named("commercial").unwrap();
    let d = templates::builtin_named("documentary").unwrap();
    let f = templates::builtin_named("feature").unwrap();
    assert!(d.tasks.len() > c.tasks.len() && f.tasks.len() > c.tasks.len());
    assert!(d.task("string_outs").is_some() && d.task("paper_edit").is_some());
    assert!(f.task("adr").is_some() && f.task("temp_mix").is_some());
    assert!(f.task("trailer").is_some());
    assert!(f.tasks.iter().any(|t| t.name.contains("M&E")));
    let reviews = |t: &PlanTemplate| {
        t.tasks
            .iter()
            .filter(|x| x.editorial && x.resource_kind.as_deref() == Some("screening room"))
            .count()
    };
    assert!(reviews(&d) >= 3 && reviews(&f) >= 3);
}

#[test]
fn a_saved_template_reads_back_unchanged() {
    for t in templates::builtin() {
        let text = templates::to_toml(&t);
        let back = templates::parse("saved.toml", &text)
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", t.key));
        assert_eq!(back, t);
    }
    // Awkward text, hours, and an SS dependency listed before a plain one.
    let mut t = templates::builtin_named("commercial").unwrap();
    t.key = "studio-spot".into();
    t.name = "Spot \"house style\" — ünïcode".into();
    t.description = "Line one\nline two\twith a tab and a backslash \\".into();
    t.revision_buffer_percent = 0;
    t.hours_per_day = 10;
    let grade = t.tasks.iter_mut().find(|x| x.key == "grade").unwrap();
    grade.duration = TaskDuration::Hours(15);
    grade.notes = "Ask for \"warm\"\nbut not orange".into();
    grade.checklist = vec!["LUT 'A' applied".into(), "# not a comment".into()];
    grade.depends_on.insert(
        0,
        templates::DependencyTemplate {
            task: "fine_cut".into(),
            kind: DependencyKind::StartToStart,
            lag_days: -2,
        },
    );
    let text = templates::to_toml(&t);
    assert_eq!(templates::parse("saved.toml", &text), Ok(t));
}

#[test]
fn a_misspelt_field_is_refused_with_its_line_and_task() {
    let text = templates::BUILTIN[0]
        .1
        .replacen("days = 2", "duraton = 2", 1);
    let e = refused(&text);
    assert!(matches!(e, TemplateError::Syntax { .. }), "{e:?}");
    assert_eq!(e.line(), line_of(&text, "duraton = 2"));
    assert_eq!(e.task(), Some("selects"));
    let msg = e.to_string();
    assert!(msg.contains("duraton"), "{msg}");
    assert!(msg.contains(&format!("line {}", e.line())), "{msg}");
    assert!(
        msg.contains("selects") && msg.contains("tiny.toml"),
        "{msg}"
    );

    // A misspelt field of the template itself, and one inside a dependency.
    let text = doc("").replace("typical_length", "typical_lenght");
    let e = refused(&text);
    assert_eq!(e.line(), 3);
    assert!(e.to_string().contains("typical_lenght"), "{e}");
    let text = doc(r#"[[task]]
key = "cut"
name = "Cut"
stage = "edit"
days = 2

[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1

[[task.depends]]
task = "cut"
typ = "SS"
"#);
    let e = refused(&text);
    assert_eq!(e.line(), line_of(&text, "typ = "));
    assert_eq!(e.task(), Some("mix"));
}

#[test]
fn a_missing_field_names_the_task_it_is_missing_from() {
    let text = doc(r#"[[task]]
key = "cut"
name = "Cut"
stage = "edit"
days = 2

[[task]]
key = "mix"
stage = "finish"
days = 1
"#);
    let e = refused(&text);
    assert_eq!(e.task(), Some("mix"), "{e}");
    assert!(e.to_string().contains("missing field `name`"), "{e}");
    let line = e.line();
    assert!(
        (line_of(&text, "key = \"mix\"") - 1..=line_of(&text, "days = 1")).contains(&line),
        "{e}"
    );
}

#[test]
fn a_cycle_is_refused_naming_the_cycle() {
    let text = doc(r#"[[task]]
key = "cut"
name = "Cut"
stage = "edit"
days = 2
after = ["review"]

[[task]]
key = "review"
name = "Review"
stage = "edit"
days = 1
after = ["notes"]

[[task]]
key = "notes"
name = "Notes"
stage = "edit"
days = 1

[[task.depends]]
task = "cut"
type = "SS"
lag = 1

[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1
after = ["cut"]
"#);
    let e = refused(&text);
    let TemplateError::Cycle { cycle, .. } = &e else {
        panic!("not a cycle: {e:?}")
    };
    let mut sorted = cycle.clone();
    sorted.sort();
    assert_eq!(sorted, ["cut", "notes", "review"]);
    let msg = e.to_string();
    assert!(msg.contains("cycle"), "{msg}");
    for k in ["cut", "review", "notes"] {
        assert!(msg.contains(k), "{msg}");
    }
    assert!(!msg.contains("mix"), "{msg}");
    let first = cycle[0].as_str();
    assert_eq!(e.line(), line_of(&text, &format!("key = \"{first}\"")));
}

/// A template whose only fault is in `faulty`; the error must name `task` and `needle`'s line.
fn assert_refused(faulty: &str, task: &str, needle: &str, says: &str) {
    let text = doc(&format!(
        r#"[[task]]
key = "cut"
name = "Cut"
stage = "edit"
days = 2

{faulty}"#
    ));
    let e = refused(&text);
    assert_eq!(e.task(), Some(task), "{e}");
    assert_eq!(e.line(), line_of(&text, needle), "{e}");
    let msg = e.to_string();
    assert!(msg.contains(&format!("\"{task}\"")), "{msg}");
    assert!(msg.contains(says), "{msg}");
    assert!(msg.starts_with("template tiny.toml, line "), "{msg}");
}

#[test]
fn a_task_in_an_unknown_stage_is_refused() {
    assert_refused(
        r#"[[task]]
key = "grade"
name = "Grade"
stage = "colour"
days = 3
"#,
        "grade",
        "stage = \"colour\"",
        "stage \"colour\" is not one of this template's stages (edit, finish)",
    );
}

#[test]
fn a_dependency_on_an_unknown_task_is_refused() {
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1
after = ["cut", "dialog"]
"#,
        "mix",
        "after = ",
        "depends on \"dialog\", which is not a task",
    );
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1

[[task.depends]]
task = "sound"
type = "FF"
"#,
        "mix",
        "task = \"sound\"",
        "\"sound\", which is not a task",
    );
}

#[test]
fn a_task_depending_on_itself_is_refused() {
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1

[[task.depends]]
task = "mix"
type = "SS"
lag = 1
"#,
        "mix",
        "task = \"mix\"",
        "depends on itself",
    );
}

#[test]
fn durations_must_be_positive_except_for_milestones() {
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 0
"#,
        "mix",
        "days = 0",
        "only a milestone takes 0",
    );
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
hours = -4
"#,
        "mix",
        "hours = -4",
        "not a duration",
    );
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
"#,
        "mix",
        "key = \"mix\"",
        "no duration",
    );
    assert_refused(
        r#"[[task]]
key = "lock"
name = "Picture lock"
stage = "edit"
milestone = "picture_lock"
days = 1
"#,
        "lock",
        "days = 1",
        "a milestone takes no time",
    );
    // A milestone with `days = 0` or no duration at all is fine.
    let t = templates::parse(
        "tiny.toml",
        &doc(r#"[[task]]
key = "cut"
name = "Cut"
stage = "edit"
days = 2

[[task]]
key = "lock"
name = "Picture lock"
stage = "edit"
milestone = "picture_lock"
after = ["cut"]
checklist = "lock"

[[task]]
key = "done"
name = "Client approval"
stage = "finish"
milestone = "custom"
days = 0
after = ["lock"]
"#),
    )
    .unwrap();
    let lock = t.task("lock").unwrap();
    assert_eq!(lock.duration, TaskDuration::Days(0));
    assert_eq!(lock.checklist, ["Timecode", "Black at head and tail"]);
    assert_eq!(
        t.task("done").unwrap().milestone,
        Some(MilestoneKind::Custom)
    );
}

#[test]
fn a_task_with_two_durations_is_refused() {
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1
hours = 6
"#,
        "mix",
        "hours = 6",
        "either `days` or `hours`, not both",
    );
}

#[test]
fn other_mistakes_are_refused_with_the_task_named() {
    assert_refused(
        r#"[[task]]
key = "cut"
name = "Cut again"
stage = "edit"
days = 1
"#,
        "cut",
        "key = \"cut\"\nname = \"Cut again\"",
        "defined twice",
    );
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1
checklist = "qc"
"#,
        "mix",
        "checklist = \"qc\"",
        "there is no checklist \"qc\"; the named checklists are lock",
    );
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1
milestone = "picture_lok"
"#,
        "mix",
        "milestone = ",
        "\"picture_lok\" is not a milestone",
    );
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1

[[task.depends]]
task = "cut"
type = "SF"
"#,
        "mix",
        "type = \"SF\"",
        "not a dependency type",
    );
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1

[[task.depends]]
task = "cut"
type = "SS"
lag = -40
"#,
        "mix",
        "lag = -40",
        "longer than all the template's tasks together (3 days)",
    );
    assert_refused(
        r#"[[task]]
key = "Final Mix"
name = "Mix"
stage = "finish"
days = 1
"#,
        "Final Mix",
        "key = \"Final Mix\"",
        "is not a key",
    );
    assert_refused(
        r#"[[task]]
key = "mix"
name = "Mix"
stage = "finish"
days = 1
after = ["cut", "cut"]
"#,
        "mix",
        "after = ",
        "listed twice",
    );
}

#[test]
fn the_revision_buffer_is_a_percentage() {
    let text = doc(r#"[[task]]
key = "cut"
name = "Cut"
stage = "edit"
days = 2
"#)
    .replace(
        "typical_length = \"1 week\"",
        "typical_length = \"1 week\"\nrevision_buffer_percent = 150",
    );
    let e = refused(&text);
    assert_eq!(e.line(), line_of(&text, "revision_buffer_percent"));
    assert!(e.to_string().contains("0 to 100"), "{e}");
    let ok = templates::parse("tiny.toml", &text.replace("150", "10")).unwrap();
    assert_eq!(ok.revision_buffer_percent, 10);
    let default = templates::parse(
        "tiny.toml",
        &text.replace("revision_buffer_percent = 150\n", ""),
    )
    .unwrap();
    assert_eq!(default.revision_buffer_percent, 25);
    assert_eq!(default.hours_per_day, 8);
}

#[test]
fn text_that_is_not_toml_is_refused_not_panicked_on() {
    for text in [
        "",
        "key = ",
        "[[task]]\nkey = \"é",
        "\u{feff}\0",
        "key = \"x\"\n[[stage]]\n[[task]]",
    ] {
        let e = refused(text);
        assert!(e.line() >= 1, "{e}");
        assert!(
            e.to_string().starts_with("template tiny.toml, line "),
            "{e}"
        );
    }
}

#[test]
fn a_damaged_file_is_refused_never_panicked_on() {
    // Every shipped file with one line removed, and cut short at many places: each either
    // parses or is refused with a line inside the text.
    for (file, text) in templates::BUILTIN {
        let lines: Vec<&str> = text.lines().collect();
        for skip in 0..lines.len() {
            let damaged: String = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            if let Err(e) = templates::parse(file, &damaged) {
                assert!(
                    (1..=lines.len()).contains(&e.line()),
                    "{file} without line {skip}: {e}"
                );
            }
        }
        for cut in (0..text.len())
            .step_by(53)
            .filter(|c| text.is_char_boundary(*c))
        {
            if let Err(e) = templates::parse(file, &text[..cut]) {
                assert!(e.line() <= lines.len(), "{file} cut at {cut}: {e}");
            }
        }
    }
}
