//! The Gantt chart's SVG: what a producer reads off it and what the page's script and the browser
//! tests rely on (positions, classes, data attributes), checked on the parsed document.

use chrono::{Datelike, NaiveDate, Weekday};
use postflow_core::plan::DependencyKind;
use postflow_web::charts::gantt::{LABEL_WIDTH, TIMELINE_WIDTH};
use postflow_web::charts::{render_gantt, GanttChart, GanttLink, GanttRow};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::BTreeMap;

/// An element of the parsed SVG, with its attributes (unescaped) and its own text.
#[derive(Debug, Clone, Default)]
struct El {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<El>,
}

impl El {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }
    fn num(&self, key: &str) -> f64 {
        self.attr(key)
            .unwrap_or_else(|| panic!("<{}> has no {key}: {:?}", self.name, self.attrs))
            .parse()
            .unwrap()
    }
    fn classes(&self) -> Vec<&str> {
        self.attr("class")
            .unwrap_or("")
            .split_whitespace()
            .collect()
    }
    fn has_class(&self, class: &str) -> bool {
        self.classes().contains(&class)
    }
    fn walk<'a>(&'a self, out: &mut Vec<&'a El>) {
        out.push(self);
        for c in &self.children {
            c.walk(out);
        }
    }
    fn all(&self) -> Vec<&El> {
        let mut out = Vec::new();
        self.walk(&mut out);
        out
    }
    fn find(&self, name: &str, class: &str) -> Vec<&El> {
        self.all()
            .into_iter()
            .filter(|e| e.name == name && e.has_class(class))
            .collect()
    }
    fn all_text(&self) -> String {
        self.all()
            .iter()
            .map(|e| e.text.as_str())
            .collect::<Vec<_>>()
            .join("")
    }
    /// The task group `<g class="task" data-task=id>`.
    fn task(&self, id: &str) -> &El {
        self.all()
            .into_iter()
            .find(|e| e.has_class("task") && e.attr("data-task") == Some(id))
            .unwrap_or_else(|| panic!("no task {id}"))
    }
    fn title(&self) -> String {
        self.children
            .iter()
            .find(|c| c.name == "title")
            .map(|t| t.text.clone())
            .unwrap_or_default()
    }
}

fn element(start: &BytesStart) -> El {
    let mut el = El {
        name: String::from_utf8(start.name().as_ref().to_vec()).unwrap(),
        ..El::default()
    };
    for attr in start.attributes() {
        let attr = attr.expect("well-formed attribute");
        let key = String::from_utf8(attr.key.as_ref().to_vec()).unwrap();
        let value = attr.unescape_value().expect("valid escapes").into_owned();
        assert!(el.attrs.insert(key, value).is_none(), "duplicate attribute");
    }
    el
}

/// Parses the whole document as XML (any error fails the test) and returns the root element.
fn parse(svg: &str) -> El {
    let mut reader = Reader::from_str(svg);
    let mut stack: Vec<El> = vec![El::default()];
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => stack.push(element(&e)),
            Ok(Event::Empty(e)) => {
                let el = element(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Ok(Event::End(_)) => {
                let done = stack.pop().unwrap();
                stack.last_mut().expect("balanced tags").children.push(done);
            }
            Ok(Event::Text(t)) => {
                let text = t.unescape().expect("valid text escapes");
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Ok(Event::Eof) => break,
            Ok(Event::Decl(_) | Event::Comment(_)) => {}
            Ok(other) => panic!("unexpected XML event {other:?}"),
            Err(e) => panic!(
                "the SVG is not well-formed XML at {}: {e}",
                reader.buffer_position()
            ),
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    let root = doc.children.remove(0);
    assert_eq!(root.name, "svg");
    root
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn row(id: &str, label: &str, start: &str, finish: &str) -> GanttRow {
    GanttRow {
        id: id.into(),
        label: label.into(),
        group: None,
        start: d(start),
        finish: d(finish),
        late_finish: d(finish),
        critical: false,
        milestone: false,
        late: false,
        progress_percent: 0,
        status: "not_started".into(),
        href: None,
        move_url: None,
        baseline: None,
    }
}

fn chart(rows: Vec<GanttRow>) -> GanttChart {
    GanttChart {
        title: "Test plan".into(),
        today: None,
        rows,
        links: Vec::new(),
        due: None,
        non_working: Vec::new(),
    }
}

fn weekends(from: &str, to: &str) -> Vec<NaiveDate> {
    d(from)
        .iter_days()
        .take_while(|x| *x < d(to))
        .filter(|x| matches!(x.weekday(), Weekday::Sat | Weekday::Sun))
        .collect()
}

/// x of a date, from the root's own description of its axis.
fn x_of(root: &El, date: NaiveDate) -> f64 {
    let origin = d(root.attr("data-origin").unwrap());
    root.num("data-timeline-x") + (date - origin).num_days() as f64 * root.num("data-px-per-day")
}

fn bar_of(task: &El) -> &El {
    task.all()
        .into_iter()
        .find(|e| e.name == "rect" && e.has_class("bar"))
        .expect("a bar")
}

/// Two tasks around a weekend, on the day scale: the pixels are computed by hand.
fn two_tasks() -> GanttChart {
    let mut a = row("a", "Assembly", "2026-12-07", "2026-12-10");
    a.critical = true;
    a.move_url = Some("/projects/7/tasks/a/move".into());
    a.href = Some("/projects/7/tasks/a".into());
    // Finishes Friday; the exclusive finish is the next working day (Monday).
    let b = row("b", "Titles", "2026-12-10", "2026-12-14");
    let mut c = chart(vec![a, b]);
    c.non_working = weekends("2026-12-01", "2027-01-01");
    c.today = Some(d("2026-12-09"));
    c
}

#[test]
fn bars_sit_at_their_dates_on_the_day_scale() {
    let root = parse(&render_gantt(&two_tasks()));
    // Span Mon 7 – Fri 11 Dec, a day either side: 6 Dec … 12 Dec (7 days), 44 px a day (the cap).
    assert_eq!(root.attr("data-scale"), Some("day"));
    assert_eq!(root.attr("data-origin"), Some("2026-12-06"));
    assert_eq!(root.num("data-px-per-day"), 44.0);
    assert_eq!(root.num("data-timeline-x"), LABEL_WIDTH);

    let a = bar_of(root.task("a"));
    assert_eq!(a.num("x"), 240.0 + 44.0);
    assert_eq!(a.num("width"), 3.0 * 44.0, "Mon–Wed");
    let b = bar_of(root.task("b"));
    assert_eq!(b.num("x"), 240.0 + 4.0 * 44.0);
    assert_eq!(
        b.num("width"),
        2.0 * 44.0,
        "Thu–Fri: the bar stops at the last working day, not across the weekend"
    );
    // The weekend is shaded.
    let shaded: Vec<f64> = root
        .find("rect", "nonworking")
        .iter()
        .map(|r| r.num("x"))
        .collect();
    assert_eq!(
        shaded,
        vec![240.0, 240.0 + 6.0 * 44.0],
        "Sun 6 and Sat 12 Dec"
    );
}

#[test]
fn the_today_line_is_at_the_start_of_today() {
    let root = parse(&render_gantt(&two_tasks()));
    let today = root.find("line", "today");
    let line = today
        .iter()
        .find(|l| l.attr("y2").map(|y| y.parse::<f64>().unwrap() > 100.0) == Some(true))
        .expect("the today line across the rows");
    assert_eq!(line.num("x1"), 240.0 + 3.0 * 44.0, "Wed 9 Dec");
    assert_eq!(line.num("x1"), line.num("x2"));
    assert_eq!(x_of(&root, d("2026-12-09")), line.num("x1"));
}

#[test]
fn the_svg_describes_itself_and_carries_what_the_drag_script_needs() {
    let svg = render_gantt(&two_tasks());
    let root = parse(&svg);
    assert_eq!(root.attr("role"), Some("img"));
    assert!(root.has_class("gantt"));
    assert!(root.attr("aria-label").unwrap().contains("Test plan"));
    let desc = root.children.iter().find(|c| c.name == "desc").unwrap();
    assert!(desc.text.contains("2 tasks"), "{}", desc.text);
    assert!(
        desc.text.contains("Critical path: Assembly"),
        "{}",
        desc.text
    );
    assert!(root.attr("data-px-per-day").is_some());
    assert!(root
        .attr("data-non-working")
        .unwrap()
        .contains("2026-12-12"));
    // Days off beyond the visible timeline too: a bar may be dragged past its end.
    let days_off = root.attr("data-non-working").unwrap();
    assert!(days_off.contains("2026-12-13") && days_off.contains("2026-12-19"));

    let a = root.task("a");
    assert_eq!(a.attr("data-start"), Some("2026-12-07"));
    assert_eq!(a.attr("data-finish"), Some("2026-12-10"));
    assert_eq!(a.attr("data-duration-days"), Some("3"));
    assert_eq!(a.attr("data-move-url"), Some("/projects/7/tasks/a/move"));
    assert_eq!(root.task("b").attr("data-move-url"), None);
    assert_eq!(root.task("b").attr("data-duration-days"), Some("2"));
    // The bar is a link to the task.
    let link = a
        .all()
        .into_iter()
        .find(|e| e.name == "a" && e.children.iter().any(|c| c.has_class("bar")))
        .expect("the bar is wrapped in a link");
    assert_eq!(link.attr("href"), Some("/projects/7/tasks/a"));
    // The tooltip names the task, its dates, float and status.
    let tip = a.title();
    assert!(tip.starts_with("Assembly\n"), "{tip}");
    assert!(
        tip.contains("Mon 7 Dec 2026 – Wed 9 Dec 2026 (3 working days)"),
        "{tip}"
    );
    assert!(tip.contains("Float: 0 working days"), "{tip}");
    assert!(tip.contains("Status: Not started"), "{tip}");
    assert!(tip.contains("critical path"), "{tip}");
}

#[test]
fn critical_bars_and_links_carry_the_critical_class_and_a_text_mark() {
    let mut c = two_tasks();
    c.links = vec![
        GanttLink {
            from: "a".into(),
            to: "b".into(),
            kind: DependencyKind::FinishToStart,
            critical: true,
        },
        GanttLink {
            from: "a".into(),
            to: "b".into(),
            kind: DependencyKind::StartToStart,
            critical: false,
        },
    ];
    let svg = render_gantt(&c);
    assert!(svg.contains(r#"class="bar critical""#));
    assert!(svg.contains(r#"class="link critical""#));
    let root = parse(&svg);
    assert_eq!(bar_of(root.task("a")).classes(), vec!["bar", "critical"]);
    assert_eq!(bar_of(root.task("b")).classes(), vec!["bar"]);
    assert!(root.task("a").has_class("critical"));
    // Not colour alone: a hatch over the bar and the word beside it.
    assert_eq!(root.task("a").find("rect", "hatch").len(), 1);
    let label = &root.task("a").find("text", "label")[0];
    assert!(label.has_class("critical"), "the name is set in bold");
    assert!(!root.task("b").find("text", "label")[0].has_class("critical"));
    assert!(root.task("b").find("rect", "hatch").is_empty());

    let links = root.find("path", "link");
    assert_eq!(links.len(), 2);
    let critical: Vec<_> = links.iter().filter(|l| l.has_class("critical")).collect();
    assert_eq!(critical.len(), 1);
    assert_eq!(critical[0].attr("data-kind"), Some("FS"));
    assert_eq!(
        critical[0].attr("marker-end"),
        Some("url(#gantt-arrow-critical)")
    );
}

/// The path's first and last points.
fn ends(path: &El) -> ((f64, f64), (f64, f64)) {
    let d = path.attr("d").unwrap();
    let mut x = 0.0;
    let mut y = 0.0;
    let mut first = None;
    for part in d.split_whitespace() {
        let (cmd, rest) = part.split_at(1);
        match cmd {
            "M" => {
                let (a, b) = rest.split_once(',').unwrap();
                x = a.parse().unwrap();
                y = b.parse().unwrap();
            }
            "H" => x = rest.parse().unwrap(),
            "V" => y = rest.parse().unwrap(),
            other => panic!("unexpected path command {other}"),
        }
        first.get_or_insert((x, y));
    }
    (first.unwrap(), (x, y))
}

#[test]
fn dependency_arrows_run_between_the_right_ends() {
    let mut c = two_tasks();
    let kinds = [
        DependencyKind::FinishToStart,
        DependencyKind::StartToStart,
        DependencyKind::FinishToFinish,
    ];
    c.links = kinds
        .iter()
        .map(|&kind| GanttLink {
            from: "a".into(),
            to: "b".into(),
            kind,
            critical: false,
        })
        .chain([GanttLink {
            from: "a".into(),
            to: "nobody".into(),
            kind: DependencyKind::FinishToStart,
            critical: false,
        }])
        .collect();
    let root = parse(&render_gantt(&c));
    let (a, b) = (bar_of(root.task("a")), bar_of(root.task("b")));
    let (a_start, a_end) = (a.num("x"), a.num("x") + a.num("width"));
    let (b_start, b_end) = (b.num("x"), b.num("x") + b.num("width"));
    let a_mid = a.num("y") + a.num("height") / 2.0;
    let b_mid = b.num("y") + b.num("height") / 2.0;
    let links = root.find("path", "link");
    assert_eq!(links.len(), 3, "a link to an unknown task is left out");
    let by_kind = |k: &str| {
        *links
            .iter()
            .find(|l| l.attr("data-kind") == Some(k))
            .unwrap()
    };
    assert_eq!(ends(by_kind("FS")), ((a_end, a_mid), (b_start, b_mid)));
    assert_eq!(ends(by_kind("SS")), ((a_start, a_mid), (b_start, b_mid)));
    assert_eq!(ends(by_kind("FF")), ((a_end, a_mid), (b_end, b_mid)));
    for l in links {
        assert_eq!(l.attr("marker-end"), Some("url(#gantt-arrow)"));
    }
}

#[test]
fn a_milestone_is_a_diamond_on_its_date() {
    let mut c = two_tasks();
    let mut lock = row("lock", "Picture lock", "2026-12-14", "2026-12-14");
    lock.milestone = true;
    lock.critical = true;
    c.rows.push(lock);
    let svg = render_gantt(&c);
    let root = parse(&svg);
    let task = root.task("lock");
    assert!(
        task.find("rect", "bar").is_empty(),
        "no bar for a milestone"
    );
    let diamonds = task.find("path", "milestone");
    assert_eq!(diamonds.len(), 1);
    assert!(diamonds[0].has_class("critical"));
    let x = x_of(&root, d("2026-12-14"));
    let points: Vec<(f64, f64)> = diamonds[0]
        .attr("d")
        .unwrap()
        .split(['M', 'L', 'Z'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (a, b) = p.split_once(',').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect();
    assert_eq!(points.len(), 4);
    let y = points[1].1;
    let r = points[1].0 - x;
    assert!(r > 3.0);
    assert_eq!(
        points,
        vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)],
        "a diamond centred on the date"
    );
    assert!(task.title().contains("Milestone: Mon 14 Dec 2026"));
}

#[test]
fn float_and_lateness_are_drawn_after_the_bar() {
    let mut c = two_tasks();
    // b may finish as late as Wed 16 Dec: two working days of float (Mon, Tue).
    c.rows[1].late_finish = d("2026-12-16");
    // a must be done by Tue 8 Dec but runs to Wed 9: one day late.
    c.rows[0].late_finish = d("2026-12-09");
    c.rows[0].late = true;
    let root = parse(&render_gantt(&c));

    let b = root.task("b");
    let float = b.find("rect", "float");
    assert_eq!(float.len(), 1);
    let bar = bar_of(b);
    assert_eq!(float[0].num("x"), bar.num("x") + bar.num("width"));
    assert_eq!(
        float[0].num("x") + float[0].num("width"),
        x_of(&root, d("2026-12-16")),
        "float runs to the end of the latest finish"
    );
    assert!(b.title().contains("Float: 2 working days"), "{}", b.title());

    let a = root.task("a");
    assert!(a.has_class("late"));
    assert!(a.find("rect", "float").is_empty());
    let overrun = a.find("rect", "overrun");
    assert_eq!(overrun.len(), 1);
    assert_eq!(overrun[0].num("x"), x_of(&root, d("2026-12-09")));
    assert!(
        a.title().contains("Late: 1 working day past"),
        "{}",
        a.title()
    );
    assert!(a.find("text", "note")[0].text.contains("Late 1d"));
}

#[test]
fn without_days_off_the_tooltips_count_calendar_days() {
    let mut c = two_tasks();
    c.non_working.clear();
    let root = parse(&render_gantt(&c));
    let tip = root.task("b").title();
    assert!(tip.contains("(4 days)"), "Thu 10 – Sun 13 Dec: {tip}");
    assert!(!tip.contains("working"), "{tip}");
}

#[test]
fn progress_fills_part_of_the_bar_and_the_status_is_a_class() {
    let mut c = two_tasks();
    c.rows[0].progress_percent = 50;
    c.rows[0].status = "in_progress".into();
    c.rows[1].progress_percent = 250;
    let root = parse(&render_gantt(&c));
    let a = root.task("a");
    assert!(a.has_class("status-in_progress"));
    let progress = a.find("rect", "progress");
    assert_eq!(progress[0].num("width"), bar_of(a).num("width") / 2.0);
    let b = root.task("b");
    assert_eq!(
        b.find("rect", "progress")[0].num("width"),
        bar_of(b).num("width"),
        "more than 100 % is shown full"
    );
}

#[test]
fn text_is_escaped_everywhere() {
    let mut c = two_tasks();
    c.title = "Acme \"Launch\" <b>".into();
    c.rows[0].label = "<script>&".into();
    c.rows[0].id = "x\"><script>".into();
    c.rows[0].group = Some("Edit & <Lock>".into());
    c.rows[0].status = "in<progress".into();
    c.rows[1].href = Some("javascript:alert(1)".into());
    c.rows[1].label = "NUL\u{0}here".into();
    let svg = render_gantt(&c);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(!svg.contains("javascript:"));
    let root = parse(&svg);
    let labels: Vec<String> = root
        .find("text", "label")
        .iter()
        .map(|t| t.all_text())
        .collect();
    assert!(labels.contains(&"<script>&".to_string()), "{labels:?}");
    assert!(labels.contains(&"NULhere".to_string()), "{labels:?}");
    assert_eq!(
        root.task("x\"><script>").attr("data-task"),
        Some("x\"><script>")
    );
    assert!(root
        .find("text", "group-label")
        .iter()
        .any(|t| t.text == "Edit & <Lock>"));
    assert!(root
        .attr("aria-label")
        .unwrap()
        .contains("Acme \"Launch\" <b>"));
    assert!(root
        .all()
        .iter()
        .all(|e| e.name != "a" || e.attr("href") != Some("javascript:alert(1)")));
}

#[test]
fn a_long_name_is_shortened_in_the_column_and_whole_in_the_tooltip() {
    let mut c = two_tasks();
    let long = "Dialogue edit, ADR spotting and loop group for reels 1 to 6";
    c.rows[0].label = long.into();
    let root = parse(&render_gantt(&c));
    let task = root.task("a");
    let shown = task.find("text", "label")[0].all_text();
    assert!(shown.ends_with('…'), "{shown}");
    assert!(shown.chars().count() <= 30, "{shown}");
    assert!(long.starts_with(shown.trim_end_matches('…')));
    assert!(task.title().starts_with(long));
}

#[test]
fn nonsense_dates_still_render_a_valid_chart() {
    let mut inverted = row(
        "inverted",
        "Finish before start",
        "2027-03-10",
        "2027-03-01",
    );
    inverted.late_finish = d("2027-02-01");
    inverted.late = true;
    let mut ancient = row("ancient", "Year one to 9999", "0001-01-01", "9999-12-31");
    ancient.baseline = Some((d("9999-12-31"), d("0001-01-01")));
    let mut c = chart(vec![inverted, ancient]);
    c.today = Some(d("9999-12-31"));
    c.due = Some(d("9999-12-31"));
    c.non_working = weekends("2027-01-01", "2027-04-01");
    let root = parse(&render_gantt(&c));
    assert_eq!(root.attr("data-scale"), Some("month"));
    assert!(root.num("width") <= 1200.0);
    let bar = bar_of(root.task("inverted"));
    assert!(bar.num("width") > 0.0);
}

#[test]
fn an_empty_chart_says_so() {
    let svg = render_gantt(&chart(Vec::new()));
    let root = parse(&svg);
    assert!(root.has_class("gantt") && root.has_class("empty"));
    assert_eq!(root.attr("role"), Some("img"));
    assert!(root.all_text().contains("No tasks planned yet."));
    assert!(root.num("width") <= 1200.0);
}

fn long_plan(start: &str, months: u32) -> GanttChart {
    let start = d(start);
    let end = start
        .checked_add_months(chrono::Months::new(months))
        .unwrap();
    let total = (end - start).num_days();
    let rows = (0..12)
        .map(|i| {
            let s = start + chrono::Duration::days(total * i / 12);
            let f = start + chrono::Duration::days(total * (i + 1) / 12);
            let mut r = row(
                &format!("t{i}"),
                &format!("Stage {i}"),
                "2000-01-01",
                "2000-01-01",
            );
            r.start = s;
            r.finish = f;
            r.late_finish = f;
            r.group = Some(format!("Group {}", i / 4));
            r
        })
        .collect();
    let mut c = chart(rows);
    c.non_working = weekends("2026-12-01", "2028-06-01");
    c
}

#[test]
fn long_plans_switch_to_weeks_or_months_and_stay_within_the_screen() {
    for (months, scale) in [
        (1, "day"),
        (3, "week"),
        (9, "week"),
        (12, "month"),
        (30, "month"),
    ] {
        let c = long_plan("2027-01-04", months);
        let root = parse(&render_gantt(&c));
        assert_eq!(root.attr("data-scale"), Some(scale), "{months} months");
        assert!(root.num("width") <= 1200.0, "{months} months");
        let timeline_end = LABEL_WIDTH + TIMELINE_WIDTH;
        for task in root.find("g", "task") {
            let bar = bar_of(task);
            assert!(bar.num("x") >= LABEL_WIDTH);
            assert!(bar.num("x") + bar.num("width") <= timeline_end + 0.01);
            let start = d(task.attr("data-start").unwrap());
            assert!((bar.num("x") - x_of(&root, start)).abs() < 0.01);
        }
        // Labelled in the scale's unit: months are named on week and month scales.
        if scale != "day" {
            assert!(root.all_text().contains("Mar"), "{months} months");
        }
    }
}

#[test]
fn axis_labels_never_crowd_each_other() {
    for start in ["2026-12-28", "2027-01-04", "2027-03-31", "2027-06-17"] {
        for months in [1, 2, 3, 6, 9, 12, 24, 60, 240] {
            let root = parse(&render_gantt(&long_plan(start, months)));
            for (class, gap) in [
                ("axis-upper", 50.0),
                ("axis-day", 12.0),
                ("axis-week", 12.0),
                ("axis-month", 20.0),
            ] {
                let mut xs: Vec<f64> = root
                    .find("text", class)
                    .iter()
                    .map(|t| t.num("x"))
                    .collect();
                xs.sort_by(f64::total_cmp);
                for pair in xs.windows(2) {
                    assert!(
                        pair[1] - pair[0] >= gap,
                        "{start} + {months} months, {class}: labels at {} and {}",
                        pair[0],
                        pair[1]
                    );
                }
            }
        }
    }
}

#[test]
fn rows_of_a_group_are_drawn_together_under_one_header() {
    let mut c = two_tasks();
    c.rows[0].group = Some("Editorial".into());
    c.rows[1].group = Some("Graphics".into());
    let mut more = row("c", "Fine cut", "2026-12-10", "2026-12-11");
    more.group = Some("Editorial".into());
    c.rows.push(more);
    let root = parse(&render_gantt(&c));
    let groups: Vec<&str> = root
        .find("g", "group")
        .iter()
        .map(|g| g.attr("data-group").unwrap())
        .collect();
    assert_eq!(groups, vec!["Editorial", "Graphics"]);
    let y = |id: &str| bar_of(root.task(id)).num("y");
    assert!(
        y("a") < y("c") && y("c") < y("b"),
        "Fine cut joins Editorial"
    );
}

/// A commercial's schedule as the project page shows it; written out for a look in a browser
/// (`$CARGO_TARGET_TMPDIR/gantt-sample.svg`).
#[test]
fn a_commercial_schedule_renders_every_element() {
    let holidays = [d("2026-12-24"), d("2026-12-25")];
    let mut non_working = weekends("2026-11-01", "2027-02-01");
    non_working.extend(holidays);
    let day = |n: i64| {
        d("2026-11-23")
            .iter_days()
            .filter(|x| !non_working.contains(x))
            .nth(n as usize)
            .unwrap()
    };
    struct T(
        &'static str,
        &'static str,
        &'static str,
        i64,
        i64,
        i64,
        &'static str,
        u8,
    );
    // id, label, stage, es, ef, lf, status, progress
    let tasks = [
        T(
            "ingest",
            "Ingest & sync dailies",
            "Ingest & organization",
            0,
            2,
            2,
            "approved",
            100,
        ),
        T(
            "logging",
            "Log & organise bins",
            "Ingest & organization",
            1,
            3,
            5,
            "approved",
            100,
        ),
        T(
            "assembly",
            "Assembly",
            "Editorial",
            2,
            7,
            6,
            "in_progress",
            60,
        ),
        T(
            "rough",
            "Rough cut & agency review",
            "Editorial",
            7,
            10,
            9,
            "not_started",
            0,
        ),
        T(
            "fine",
            "Fine cut",
            "Editorial",
            10,
            14,
            14,
            "not_started",
            0,
        ),
        T(
            "lock",
            "Picture lock",
            "Editorial",
            14,
            14,
            14,
            "not_started",
            0,
        ),
        T("conform", "Conform", "Color", 14, 15, 15, "not_started", 0),
        T("grade", "Grade", "Color", 15, 19, 19, "not_started", 0),
        T(
            "review",
            "Color review",
            "Color",
            19,
            20,
            20,
            "not_started",
            0,
        ),
        T(
            "dialogue",
            "Dialogue edit",
            "Sound",
            14,
            17,
            18,
            "not_started",
            0,
        ),
        T(
            "sfx",
            "Effects & foley",
            "Sound",
            14,
            18,
            18,
            "not_started",
            0,
        ),
        T(
            "music",
            "Music (composer)",
            "Sound",
            8,
            16,
            18,
            "in_progress",
            20,
        ),
        T("mix", "Final mix", "Sound", 18, 20, 20, "not_started", 0),
        T(
            "vfx",
            "VFX shots (4) & titles",
            "VFX & graphics",
            4,
            17,
            20,
            "blocked",
            30,
        ),
        T(
            "qc",
            "QC (Netflix profile)",
            "Final mix & QC",
            20,
            21,
            21,
            "not_started",
            0,
        ),
        T(
            "deliver",
            "Deliverables & upload",
            "Deliverables",
            21,
            22,
            22,
            "not_started",
            0,
        ),
        T(
            "delivered",
            "Delivered",
            "Deliverables",
            22,
            22,
            22,
            "not_started",
            0,
        ),
    ];
    let rows: Vec<GanttRow> = tasks
        .iter()
        .map(
            |T(id, label, stage, es, ef, lf, status, progress)| GanttRow {
                id: id.to_string(),
                label: label.to_string(),
                group: Some(stage.to_string()),
                start: day(*es),
                finish: day(*ef),
                late_finish: day(*lf),
                critical: lf <= ef,
                milestone: es == ef,
                late: lf < ef,
                progress_percent: *progress,
                status: status.to_string(),
                href: Some(format!("/projects/14/tasks/{id}")),
                move_url: Some(format!("/projects/14/tasks/{id}/move")),
                baseline: (*id == "assembly").then(|| (day(2), day(6))),
            },
        )
        .collect();
    let critical = |from: &str, to: &str| {
        let is = |id: &str| rows.iter().find(|r| r.id == id).unwrap().critical;
        is(from) && is(to)
    };
    let deps = [
        ("ingest", "assembly", DependencyKind::FinishToStart),
        ("ingest", "logging", DependencyKind::StartToStart),
        ("logging", "assembly", DependencyKind::FinishToStart),
        ("assembly", "rough", DependencyKind::FinishToStart),
        ("rough", "fine", DependencyKind::FinishToStart),
        ("fine", "lock", DependencyKind::FinishToStart),
        ("lock", "conform", DependencyKind::FinishToStart),
        ("conform", "grade", DependencyKind::FinishToStart),
        ("grade", "review", DependencyKind::FinishToStart),
        ("lock", "dialogue", DependencyKind::FinishToStart),
        ("lock", "sfx", DependencyKind::FinishToStart),
        ("rough", "music", DependencyKind::StartToStart),
        ("dialogue", "mix", DependencyKind::FinishToStart),
        ("sfx", "mix", DependencyKind::FinishToStart),
        ("music", "mix", DependencyKind::FinishToStart),
        ("assembly", "vfx", DependencyKind::StartToStart),
        ("vfx", "review", DependencyKind::FinishToFinish),
        ("review", "qc", DependencyKind::FinishToStart),
        ("mix", "qc", DependencyKind::FinishToStart),
        ("qc", "deliver", DependencyKind::FinishToStart),
        ("deliver", "delivered", DependencyKind::FinishToStart),
    ];
    let links = deps
        .iter()
        .map(|(from, to, kind)| GanttLink {
            from: from.to_string(),
            to: to.to_string(),
            kind: *kind,
            critical: critical(from, to),
        })
        .collect();
    let chart = GanttChart {
        title: "ACME-014 · Acme “Launch” 30s".into(),
        today: Some(d("2026-12-02")),
        rows,
        links,
        due: Some(day(22).pred_opt().unwrap()),
        non_working,
    };
    let svg = render_gantt(&chart);
    let root = parse(&svg);
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gantt-sample.svg"),
        &svg,
    )
    .unwrap();

    assert_eq!(root.attr("data-scale"), Some("day"));
    assert!(root.num("width") <= 1200.0);
    assert_eq!(root.find("g", "group").len(), 7);
    assert_eq!(root.find("path", "milestone").len(), 3, "legend and 2");
    assert_eq!(root.find("line", "due").len(), 2, "legend and chart");
    assert_eq!(root.find("line", "today").len(), 2, "legend and chart");
    assert!(root
        .find("path", "link")
        .iter()
        .any(|l| l.has_class("critical")));
    assert_eq!(
        root.find("rect", "baseline").len(),
        2,
        "legend and assembly"
    );
    assert!(root.task("assembly").has_class("late"));
    assert!(root.task("assembly").title().contains("Planned: "));
}

/// The drag script against the page contract, in Chromium: dragging a bar two days fills the
/// shared `form.gantt-move` with the task and its new start (duration left "unchanged"), aimed at
/// the task's move URL; dragging a right edge over a weekend fills the task's own form with the
/// working days it now covers. The script comes from the real server's `/static/gantt.js`;
/// the page's submit listener records what would be posted instead of navigating.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dragging_a_bar_fills_and_submits_the_move_form_in_chromium() {
    use crate::common::chromium::{browser, start_chromedriver};
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    use fantoccini::Locator;

    let app = crate::common::spawn_app(crate::common::Backend::Sqlite).await;
    let script = crate::common::client()
        .get(format!("{}/static/gantt.js", app.base))
        .send()
        .await
        .unwrap();
    assert!(script.status().is_success());
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );

    let mut c = two_tasks();
    c.rows[1].move_url = Some("/projects/7/tasks/b/move".into());
    // As the plan page has them: one shared form naming its task, and a task's own form.
    let shared = r#"<form class="gantt-move" method="post" action="/projects/7/plan/move"><select name="task"><option value="a">Assembly</option><option value="b" selected>Titles</option></select><input name="start" value=""><input name="duration_days" value="" placeholder="same"><input type="hidden" name="csrf" value="token"></form>"#;
    let own = r#"<form class="gantt-move" method="post" action="/projects/7/tasks/b/move"><input name="start" value=""><input name="duration_days" value=""><input type="hidden" name="csrf" value="token"></form>"#;
    let page = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Gantt</title></head><body>{svg}{shared}{own}<pre id="posted"></pre>
<script>document.addEventListener("submit", function (e) {{ e.preventDefault(); var f = e.target; document.getElementById("posted").textContent += f.getAttribute("action") + " start=" + f.elements.start.value + " duration_days=" + f.elements.duration_days.value + " task=" + (f.elements.task ? f.elements.task.value : "") + "\n"; }}, true);</script>
<script src="{base}/static/gantt.js"></script></body></html>"#,
        svg = render_gantt(&c),
        base = app.base,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gantt.html");
    std::fs::write(&path, page).unwrap();
    let url = format!("file://{}", path.display());

    let driver = start_chromedriver();
    let b = browser(&driver).await;
    b.goto(&url).await.unwrap();
    let drag = |css: &'static str, dx: f64| {
        let b = b.clone();
        async move {
            let element = b.find(Locator::Css(css)).await.unwrap();
            let actions = MouseActions::new("mouse".into())
                .then(PointerAction::MoveToElement {
                    element,
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::MoveBy {
                    duration: None,
                    x: dx / 2.0,
                    y: 0.0,
                })
                .then(PointerAction::MoveBy {
                    duration: None,
                    x: dx / 2.0,
                    y: 0.0,
                })
                .then(PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                });
            b.perform_actions(actions).await.unwrap();
            b.release_actions().await.unwrap();
        }
    };
    // 44 px a day (see bars_sit_at_their_dates_on_the_day_scale); the page is not scaled.
    drag(r#"g.task[data-task="a"] rect.bar"#, 2.0 * 44.0).await;
    // b covers Thu–Fri; its edge three days on (Mon 14 Dec) covers Thu, Fri and Mon.
    drag(r#"g.task[data-task="b"] rect.resize"#, 3.0 * 44.0).await;
    let posted = b
        .find(Locator::Id("posted"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        posted.lines().collect::<Vec<_>>(),
        vec![
            "/projects/7/tasks/a/move start=2026-12-09 duration_days= task=a",
            "/projects/7/tasks/b/move start=2026-12-10 duration_days=3 task=",
        ],
        "what the forms would post"
    );
    assert_eq!(
        b.current_url().await.unwrap().as_str(),
        url,
        "the bar's link is not followed after a drag"
    );
    b.close().await.unwrap();
}
