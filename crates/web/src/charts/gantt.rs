//! The Gantt chart as one SVG document, for a project (rows grouped by stage) or the studio (rows
//! grouped by project).
//!
//! The page maps the computed schedule (`postflow_core::plan`: ES/EF/LS/LF as working-day offsets,
//! mapped to dates by a `WorkingCalendar`) onto [`GanttChart`] and calls [`render_gantt`]. The
//! renderer only draws: it decides nothing about the plan. What it guarantees:
//!
//! * the time scale follows the span: days (with ISO week labels) up to about two months, weeks
//!   (with months above) up to about ten months, months (with years; every quarter, year or more
//!   on plans of many years) beyond; the timeline is never wider than [`TIMELINE_WIDTH`] pixels,
//!   so a 12-month feature fits a laptop screen;
//! * `x(date) = LABEL_WIDTH + days(origin → date) × px_per_day`; the root `<svg>` carries
//!   `data-origin`, `data-px-per-day`, `data-timeline-x` and `data-scale` so a script (and a test)
//!   can map pixels back to dates;
//! * stable classes for scripts and browser tests: `bar` (+ `critical`), `progress`, `float`,
//!   `overrun`, `milestone` (+ `critical`), `link` (+ `critical`), `today`, `due`, `baseline`,
//!   `nonworking`, `group`; each task is a `<g class="task …" data-task=… data-start=…
//!   data-finish=… data-duration-days=… data-move-url=…>` with a `<title>` tooltip;
//! * every text is escaped, and links are only same-site paths or http(s) addresses.
//!
//! Dates: `start` is the first working day; `finish` and `late_finish` are exclusive (the day
//! after the work). A bar is drawn to the end of the last working day before `finish`, so it
//! does not matter whether the caller maps "the day after" to the next calendar day or the next
//! working day. `due` is the last day the delivery may take (inclusive): its line sits at the
//! end of that day. The today line sits at the start of `today`.
use super::{escape, safe_url};
use chrono::{Datelike, Months, NaiveDate, Weekday};
use postflow_core::plan::{DependencyKind, TaskStatus};
use std::collections::HashMap;
use std::fmt::Write;

/// What the chart shows. `non_working` (weekends and holidays) is shaded on day and week scales
/// and is what the tooltips' working-day counts skip; without it they count calendar days.
#[derive(Debug, Clone, PartialEq)]
pub struct GanttChart {
    pub title: String,
    pub today: Option<NaiveDate>,
    pub rows: Vec<GanttRow>,
    pub links: Vec<GanttLink>,
    /// The delivery date (inclusive): a line at the end of that day.
    pub due: Option<NaiveDate>,
    pub non_working: Vec<NaiveDate>,
}

/// One task (or milestone). Rows keep their order; rows of one `group` are drawn together under
/// one header, groups in the order they first appear.
#[derive(Debug, Clone, PartialEq)]
pub struct GanttRow {
    /// The task's key, unique in the chart; links refer to it.
    pub id: String,
    pub label: String,
    /// The stage (project view) or the project code (studio view).
    pub group: Option<String>,
    pub start: NaiveDate,
    /// Exclusive: the first day after the work.
    pub finish: NaiveDate,
    /// Exclusive. Float is `finish..late_finish`; before `finish` means negative float.
    pub late_finish: NaiveDate,
    pub critical: bool,
    /// Drawn as a diamond at `start`.
    pub milestone: bool,
    /// The plan cannot meet a fixed date through this task (negative float).
    pub late: bool,
    /// 0–100; more is shown as 100.
    pub progress_percent: u8,
    /// A `TaskStatus` code (`in_progress`) or any word; it becomes the class `status-…`.
    pub status: String,
    /// The task's page: the bar and its label link there.
    pub href: Option<String>,
    /// Where the page's move form posts for this task (for the drag script).
    pub move_url: Option<String>,
    /// The planned (baseline) `start..finish`, drawn under the bar to show slip.
    pub baseline: Option<(NaiveDate, NaiveDate)>,
}

/// A dependency between two rows (by `GanttRow::id`). Links naming an unknown row are skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct GanttLink {
    pub from: String,
    pub to: String,
    pub kind: DependencyKind,
    pub critical: bool,
}

/// Left column for the task names.
pub const LABEL_WIDTH: f64 = 240.0;
/// The timeline never gets wider than this.
pub const TIMELINE_WIDTH: f64 = 840.0;
/// Room right of the timeline for the notes beside the last bars.
const RIGHT_MARGIN: f64 = 96.0;
const TITLE_HEIGHT: f64 = 34.0;
const LEGEND_HEIGHT: f64 = 26.0;
const AXIS_TIER: f64 = 20.0;
/// Above the axis: the tags of the today and due-date lines, so they never cover a label.
const MARKER_TIER: f64 = 18.0;
const HEADER_HEIGHT: f64 = TITLE_HEIGHT + LEGEND_HEIGHT + MARKER_TIER + 2.0 * AXIS_TIER;
const ROW_HEIGHT: f64 = 26.0;
const GROUP_HEIGHT: f64 = 24.0;
const BAR_HEIGHT: f64 = 14.0;
const FOOTER_HEIGHT: f64 = 26.0;
const DIAMOND: f64 = 7.0;
const MAX_PX_PER_DAY: f64 = 44.0;
/// Label length (characters) that fits the left column; the full name is in the tooltip.
const LABEL_CHARS: usize = 30;

/// The unit the axis is labelled in, picked from the span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeScale {
    Days,
    Weeks,
    Months,
}

impl TimeScale {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeScale::Days => "day",
            TimeScale::Weeks => "week",
            TimeScale::Months => "month",
        }
    }
}

/// The timeline: which dates it covers and how many pixels a day takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub scale: TimeScale,
    /// The first day drawn (x = `LABEL_WIDTH`).
    pub origin: NaiveDate,
    /// Exclusive end of the timeline.
    pub end: NaiveDate,
    pub px_per_day: f64,
}

impl Axis {
    /// Picks the scale for the dates `lo..hi` (exclusive) and rounds the ends out to whole
    /// days, weeks or months, keeping the timeline within [`TIMELINE_WIDTH`].
    pub fn for_span(lo: NaiveDate, hi: NaiveDate) -> Axis {
        let hi = hi.max(next(lo));
        let raw_span = days_between(lo, hi).max(1) as f64;
        let guess = TIMELINE_WIDTH / raw_span;
        let (scale, origin, end) = if guess >= 14.0 {
            // A day either side, so the first bar does not touch the label column.
            (TimeScale::Days, prev(lo), next(hi))
        } else if guess >= 2.5 {
            (
                TimeScale::Weeks,
                monday_on_or_before(lo),
                monday_on_or_after(hi),
            )
        } else {
            let first = lo.with_day(1).unwrap_or(lo);
            let last = prev(hi);
            let end = last
                .with_day(1)
                .and_then(|d| d.checked_add_months(Months::new(1)))
                .unwrap_or(hi);
            (TimeScale::Months, first, end)
        };
        let span = days_between(origin, end).max(1) as f64;
        let exact = TIMELINE_WIDTH / span;
        // Whole pixels per day when a day is at least a pixel, so dragging snaps cleanly.
        let px_per_day = if exact >= 1.0 {
            exact.floor().min(MAX_PX_PER_DAY)
        } else {
            exact
        };
        Axis {
            scale,
            origin,
            end,
            px_per_day,
        }
    }

    pub fn x(&self, date: NaiveDate) -> f64 {
        LABEL_WIDTH + days_between(self.origin, date) as f64 * self.px_per_day
    }

    pub fn width(&self) -> f64 {
        days_between(self.origin, self.end) as f64 * self.px_per_day
    }
}

/// Renders the chart as a standalone SVG document (also fit for inline use in a page).
pub fn render_gantt(chart: &GanttChart) -> String {
    if chart.rows.is_empty() {
        return render_empty(chart);
    }
    let non_working = DaysOff::new(&chart.non_working);
    let tasks: Vec<TaskGeometry> = chart
        .rows
        .iter()
        .map(|row| TaskGeometry::of(row, &non_working))
        .collect();
    let axis = axis_for(chart, &tasks);
    let lines = layout(&chart.rows);
    let body_height: f64 = lines.iter().map(Line::height).sum();
    let body_top = HEADER_HEIGHT;
    let body_bottom = body_top + body_height;
    let width = (LABEL_WIDTH + axis.width() + RIGHT_MARGIN).ceil();
    let height = (body_bottom + FOOTER_HEIGHT).ceil();

    let mut row_y: HashMap<&str, (usize, f64)> = HashMap::new();
    for line in &lines {
        if let Line::Task { index, top } = line {
            row_y
                .entry(chart.rows[*index].id.as_str())
                .or_insert((*index, top + ROW_HEIGHT / 2.0));
        }
    }

    let mut svg = String::with_capacity(4096 + chart.rows.len() * 900);
    let aria = format!(
        "Gantt chart: {}, {} tasks, {} to {}",
        chart.title,
        chart.rows.len(),
        long_date(tasks.iter().map(|t| t.start).min().unwrap_or(axis.origin)),
        long_date(prev(
            tasks.iter().map(|t| t.bar_end).max().unwrap_or(axis.end)
        )),
    );
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}" aria-label="{aria}" data-scale="{scale}" data-origin="{origin}" data-end="{end}" data-px-per-day="{ppd}" data-timeline-x="{tx}" data-non-working="{nw}">"#,
        w = num(width),
        h = num(height),
        aria = escape(&aria),
        scale = axis.scale.as_str(),
        origin = axis.origin,
        end = axis.end,
        ppd = if axis.px_per_day >= 1.0 {
            num(axis.px_per_day)
        } else {
            format!("{:.8}", axis.px_per_day)
        },
        tx = num(LABEL_WIDTH),
        nw = non_working_in(&non_working, &axis),
    );
    let _ = write!(svg, "<desc>{}</desc>", escape(&describe(chart, &tasks)));
    svg.push_str(STYLE);
    svg.push_str(DEFS);
    let _ = write!(
        svg,
        r#"<rect class="canvas" x="0" y="0" width="{}" height="{}"/>"#,
        num(width),
        num(height)
    );
    let _ = write!(
        svg,
        r#"<text class="title" x="12" y="23">{}</text>"#,
        escape(&chart.title)
    );
    legend(&mut svg, chart);
    shading_and_grid(&mut svg, &axis, &non_working, body_top, body_bottom);
    axis_labels(&mut svg, &axis);
    for line in &lines {
        match line {
            Line::Group { name, top, members } => {
                group_header(&mut svg, &axis, name, *top, members, &tasks, width)
            }
            Line::Task { index, top } => {
                let _ = write!(
                    svg,
                    r#"<line class="rowline" x1="0" x2="{}" y1="{y}" y2="{y}"/>"#,
                    num(width),
                    y = num(top + ROW_HEIGHT)
                );
                task_row(&mut svg, &axis, &chart.rows[*index], &tasks[*index], *top);
            }
        }
    }
    links(&mut svg, &axis, chart, &tasks, &row_y);
    if let Some(today) = chart.today {
        if today >= axis.origin && today <= axis.end {
            marker_line(&mut svg, "today", axis.x(today), "Today", body_bottom);
        }
    }
    if let Some(due) = chart.due {
        let at = next(due);
        if at >= axis.origin && at <= axis.end {
            let label = format!("Due {}", short_date(due));
            marker_line(&mut svg, "due", axis.x(at), &label, body_bottom);
        }
    }
    footer(&mut svg, chart, &axis, height);
    svg.push_str("</svg>");
    svg
}

/// What the renderer derives from a row before drawing it.
struct TaskGeometry {
    start: NaiveDate,
    /// Exclusive end of the bar: the day after the last working day before `finish`.
    bar_end: NaiveDate,
    late_end: NaiveDate,
    duration_days: i64,
    /// Working days between finish and late finish; negative when late.
    float_days: i64,
    /// What the counts are in: working days, or calendar days when no days off were given.
    unit: &'static str,
}

impl TaskGeometry {
    fn of(row: &GanttRow, non_working: &DaysOff) -> TaskGeometry {
        let finish = row.finish.max(row.start);
        let bar_end = if row.milestone {
            row.start
        } else {
            work_end(row.start, finish, non_working)
        };
        let late_end = if row.milestone {
            // A milestone's float runs from its date to its latest date.
            row.late_finish
        } else {
            work_end(row.start, row.late_finish.max(row.start), non_working)
        };
        TaskGeometry {
            start: row.start,
            bar_end,
            late_end,
            duration_days: working_days(row.start, finish, non_working),
            float_days: working_days(row.finish, row.late_finish, non_working),
            unit: if non_working.is_empty() {
                "day"
            } else {
                "working day"
            },
        }
    }
}

/// The exclusive end of work from `start` to `finish`: the day after the last working day
/// before `finish` (or `start` itself when there is none).
fn work_end(start: NaiveDate, finish: NaiveDate, non_working: &DaysOff) -> NaiveDate {
    let mut last = prev(finish);
    while last >= start && non_working.contains(last) {
        if last == start {
            return start;
        }
        last = prev(last);
    }
    if last < start {
        start
    } else {
        next(last)
    }
}

/// Working days in `from..to`; negative when `to` is before `from`.
fn working_days(from: NaiveDate, to: NaiveDate, non_working: &DaysOff) -> i64 {
    if from <= to {
        days_between(from, to) - non_working.count_in(from, to)
    } else {
        -working_days(to, from, non_working)
    }
}

/// The days off, sorted: membership and counts by binary search, so a row spanning years costs
/// no more than one spanning a week.
struct DaysOff(Vec<NaiveDate>);

impl DaysOff {
    fn new(days: &[NaiveDate]) -> DaysOff {
        let mut days = days.to_vec();
        days.sort();
        days.dedup();
        DaysOff(days)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, day: NaiveDate) -> bool {
        self.0.binary_search(&day).is_ok()
    }

    /// Days off in `from..to`.
    fn count_in(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let a = self.0.partition_point(|d| *d < from);
        let b = self.0.partition_point(|d| *d < to);
        b.saturating_sub(a) as i64
    }

    fn within(&self, from: NaiveDate, to: NaiveDate) -> &[NaiveDate] {
        let a = self.0.partition_point(|d| *d < from);
        let b = self.0.partition_point(|d| *d < to).max(a);
        &self.0[a..b]
    }
}

fn axis_for(chart: &GanttChart, tasks: &[TaskGeometry]) -> Axis {
    let mut lo = NaiveDate::MAX;
    let mut hi = NaiveDate::MIN;
    let mut include = |d: NaiveDate| {
        lo = lo.min(d);
        hi = hi.max(d);
    };
    for (row, t) in chart.rows.iter().zip(tasks) {
        include(t.start);
        include(t.bar_end.max(next(t.start)));
        include(t.late_end);
        if let Some((s, f)) = row.baseline {
            include(s);
            include(f.max(s));
        }
    }
    if let Some(due) = chart.due {
        include(next(due));
    }
    let (plan_lo, plan_hi) = (lo, hi);
    // Today widens the chart only when it is near the plan; far away, the footer says where it is.
    if let Some(today) = chart.today {
        let near = 14;
        if days_between(today, plan_lo) <= near && days_between(plan_hi, today) <= near {
            lo = lo.min(today);
            hi = hi.max(next(today));
        }
    }
    Axis::for_span(lo, hi)
}

enum Line {
    Group {
        name: String,
        top: f64,
        members: Vec<usize>,
    },
    Task {
        index: usize,
        top: f64,
    },
}

impl Line {
    fn height(&self) -> f64 {
        match self {
            Line::Group { .. } => GROUP_HEIGHT,
            Line::Task { .. } => ROW_HEIGHT,
        }
    }
}

/// Rows grouped (groups in order of first appearance, rows in their order inside a group).
fn layout(rows: &[GanttRow]) -> Vec<Line> {
    let mut order: Vec<Option<&str>> = Vec::new();
    let mut members: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let key = row.group.as_deref();
        let list = members.entry(key).or_default();
        if list.is_empty() {
            order.push(key);
        }
        list.push(i);
    }
    let mut lines = Vec::new();
    let mut top = HEADER_HEIGHT;
    for key in order {
        let indexes = members.remove(&key).unwrap_or_default();
        if let Some(name) = key {
            lines.push(Line::Group {
                name: name.to_string(),
                top,
                members: indexes.clone(),
            });
            top += GROUP_HEIGHT;
        }
        for index in indexes {
            lines.push(Line::Task { index, top });
            top += ROW_HEIGHT;
        }
    }
    lines
}

fn legend(svg: &mut String, chart: &GanttChart) {
    let y = TITLE_HEIGHT + 4.0;
    let mut x = 12.0;
    let mut item = |svg: &mut String, swatch: String, label: &str| {
        let _ = write!(
            svg,
            r#"<g class="legend-item" transform="translate({},{})">{swatch}<text class="legend" x="20" y="12">{}</text></g>"#,
            num(x),
            num(y),
            escape(label)
        );
        x += 30.0 + label.chars().count() as f64 * 6.4;
    };
    svg.push_str(r#"<g class="legend">"#);
    for status in TaskStatus::ALL {
        let swatch = format!(
            r#"<g class="status-{}"><rect class="bar" x="0" y="2" width="14" height="12" rx="2"/><rect class="progress" x="0" y="2" width="7" height="12" rx="2"/></g>"#,
            status.as_str()
        );
        item(svg, swatch, status.label());
    }
    item(
        svg,
        r#"<rect class="bar critical swatch" x="0" y="2" width="14" height="12" rx="2"/><rect class="hatch" x="0" y="2" width="14" height="12" rx="2"/>"#.to_string(),
        "Critical path",
    );
    item(
        svg,
        r#"<rect class="float" x="0" y="7" width="14" height="3"/><line class="float-cap" x1="14" x2="14" y1="4" y2="13"/>"#.to_string(),
        "Float",
    );
    item(
        svg,
        r#"<rect class="overrun" x="0" y="2" width="14" height="12"/>"#.to_string(),
        "Late (negative float)",
    );
    item(
        svg,
        format!(
            r#"<path class="milestone" d="{}"/>"#,
            diamond(7.0, 8.0, DIAMOND - 1.0)
        ),
        "Milestone",
    );
    if chart.rows.iter().any(|r| r.baseline.is_some()) {
        item(
            svg,
            r#"<rect class="baseline" x="0" y="10" width="14" height="4"/>"#.to_string(),
            "Planned",
        );
    }
    item(
        svg,
        r#"<line class="today" x1="7" x2="7" y1="0" y2="16"/>"#.to_string(),
        "Today",
    );
    if chart.due.is_some() {
        item(
            svg,
            r#"<line class="due" x1="7" x2="7" y1="0" y2="16"/>"#.to_string(),
            "Due date",
        );
    }
    svg.push_str("</g>");
}

fn shading_and_grid(
    svg: &mut String,
    axis: &Axis,
    non_working: &DaysOff,
    body_top: f64,
    body_bottom: f64,
) {
    let top = body_top - AXIS_TIER;
    let height = body_bottom - top;
    svg.push_str(r#"<g class="grid">"#);
    // Below a few pixels a day, every weekend shaded is only noise.
    if axis.px_per_day >= 5.0 {
        for &d in non_working.within(axis.origin, axis.end) {
            let _ = write!(
                svg,
                r#"<rect class="nonworking" x="{}" y="{}" width="{}" height="{}"/>"#,
                num(axis.x(d)),
                num(top),
                num(axis.px_per_day),
                num(height)
            );
        }
    }
    for (d, kind) in ticks(axis) {
        let x = num(axis.x(d));
        let _ = write!(
            svg,
            r#"<line class="tick {kind}" x1="{x}" x2="{x}" y1="{}" y2="{}"/>"#,
            num(top),
            num(body_bottom)
        );
    }
    let _ = write!(
        svg,
        r#"<line class="tick edge" x1="{x}" x2="{x}" y1="{}" y2="{}"/>"#,
        num(body_top - 2.0 * AXIS_TIER),
        num(body_bottom),
        x = num(LABEL_WIDTH)
    );
    svg.push_str("</g>");
}

/// Grid lines: (date, strength) for each day, week or month boundary the scale shows.
fn ticks(axis: &Axis) -> Vec<(NaiveDate, &'static str)> {
    let mut out = Vec::new();
    for d in steps(axis) {
        let kind = if axis.scale == TimeScale::Months {
            (month_index(d).rem_euclid(month_step(axis.px_per_day)) == 0).then_some("month")
        } else if d.day() == 1 && axis.scale != TimeScale::Days {
            Some("month")
        } else if d.weekday() == Weekday::Mon && axis.scale != TimeScale::Months {
            Some("week")
        } else if axis.scale == TimeScale::Days {
            Some("day")
        } else {
            None
        };
        if let Some(kind) = kind {
            if d > axis.origin {
                out.push((d, kind));
            }
        }
    }
    out
}

/// On the month scale, every how many months a line and a label go: enough for a label to fit
/// (a quarter, half year, year or more on plans of many years).
fn month_step(px_per_day: f64) -> i32 {
    const STEPS: [i32; 9] = [1, 3, 6, 12, 24, 60, 120, 600, 1200];
    STEPS
        .into_iter()
        .find(|&n| f64::from(n) * 30.44 * px_per_day >= 28.0)
        .unwrap_or(12_000)
}

/// Months since year 0, to pick every n-th month the same way on every chart.
fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// The dates the axis may mark: every day, or on the month scale only the first of each month
/// (the origin is one), so even a plan of centuries costs a few thousand steps.
fn steps(axis: &Axis) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = axis.origin;
    while d < axis.end {
        out.push(d);
        let following = if axis.scale == TimeScale::Months {
            d.with_day(1)
                .and_then(|m| m.checked_add_months(Months::new(1)))
                .unwrap_or(d)
        } else {
            next(d)
        };
        if following <= d {
            break;
        }
        d = following;
    }
    out
}

fn axis_labels(svg: &mut String, axis: &Axis) {
    let upper = HEADER_HEIGHT - 2.0 * AXIS_TIER;
    let lower = HEADER_HEIGHT - AXIS_TIER;
    let _ = write!(
        svg,
        r#"<g class="axis"><rect class="axis-bg" x="{}" y="{}" width="{}" height="{}"/>"#,
        num(LABEL_WIDTH),
        num(upper),
        num(axis.width()),
        num(2.0 * AXIS_TIER)
    );
    let _ = write!(
        svg,
        r#"<line class="axis-rule" x1="0" x2="{}" y1="{y}" y2="{y}"/>"#,
        num(LABEL_WIDTH + axis.width()),
        y = num(HEADER_HEIGHT)
    );
    let _ = write!(
        svg,
        r#"<text class="axis-caption" x="12" y="{}">Task</text>"#,
        num(HEADER_HEIGHT - 6.0)
    );
    let ppd = axis.px_per_day;
    for d in steps(axis) {
        let x = axis.x(d);
        match axis.scale {
            TimeScale::Days => {
                if d.weekday() == Weekday::Mon || d == axis.origin {
                    let week_start = monday_on_or_before(d);
                    let room = axis.x(monday_on_or_after(next(d))).min(axis.x(axis.end)) - x;
                    let text = if room >= 70.0 {
                        format!("W{} · {}", d.iso_week().week(), short_date(week_start))
                    } else if room >= 28.0 {
                        format!("W{}", d.iso_week().week())
                    } else {
                        String::new()
                    };
                    if !text.is_empty() {
                        upper_label(svg, x + 4.0, upper, &text);
                    }
                }
                let every = if ppd >= 16.0 { 1 } else { 2 };
                if d.ordinal0().is_multiple_of(every) {
                    let _ = write!(
                        svg,
                        r#"<text class="axis-day{}" x="{}" y="{}">{}</text>"#,
                        if d.weekday().number_from_monday() >= 6 {
                            " weekend"
                        } else {
                            ""
                        },
                        num(x + ppd / 2.0),
                        num(lower + 14.0),
                        d.day()
                    );
                }
            }
            TimeScale::Weeks => {
                // The origin is named too, unless the next month's name follows too closely.
                let next_month = d
                    .with_day(1)
                    .and_then(|m| m.checked_add_months(Months::new(1)))
                    .unwrap_or(axis.end);
                let named = d.day() == 1 || axis.x(next_month) - x >= 60.0;
                if named && (d.day() == 1 || d == axis.origin) {
                    let room = 30.0 * ppd;
                    let text = if room >= 60.0 {
                        d.format("%b %Y").to_string()
                    } else {
                        d.format("%b").to_string()
                    };
                    upper_label(svg, x + 4.0, upper, &text);
                }
                if d.weekday() == Weekday::Mon {
                    let _ = write!(
                        svg,
                        r#"<text class="axis-week" x="{}" y="{}">{}</text>"#,
                        num(x + 3.0),
                        num(lower + 14.0),
                        d.day()
                    );
                }
            }
            TimeScale::Months => {
                let step = month_step(ppd);
                let marked = month_index(d).rem_euclid(step) == 0;
                if step < 12 {
                    let next_year = NaiveDate::from_ymd_opt(d.year() + 1, 1, 1).unwrap_or(axis.end);
                    let origin_named = axis.x(next_year) - x >= 60.0;
                    if d.ordinal0() == 0 || (d == axis.origin && origin_named) {
                        upper_label(svg, x + 4.0, upper, &d.year().to_string());
                    }
                }
                if marked {
                    let text = if step < 12 {
                        d.format("%b").to_string()
                    } else {
                        d.year().to_string()
                    };
                    let _ = write!(
                        svg,
                        r#"<text class="axis-month" x="{}" y="{}">{}</text>"#,
                        num(x + 3.0),
                        num(lower + 14.0),
                        text
                    );
                }
            }
        }
    }
    svg.push_str("</g>");
}

fn upper_label(svg: &mut String, x: f64, upper: f64, text: &str) {
    let _ = write!(
        svg,
        r#"<text class="axis-upper" x="{}" y="{}">{}</text>"#,
        num(x),
        num(upper + 14.0),
        escape(text)
    );
}

fn group_header(
    svg: &mut String,
    axis: &Axis,
    name: &str,
    top: f64,
    members: &[usize],
    tasks: &[TaskGeometry],
    width: f64,
) {
    let _ = write!(
        svg,
        r#"<g class="group" data-group="{}"><rect class="group-band" x="0" y="{}" width="{}" height="{}"/>"#,
        escape(name),
        num(top),
        num(width),
        num(GROUP_HEIGHT)
    );
    let _ = write!(
        svg,
        r#"<text class="group-label" x="12" y="{}">{}</text>"#,
        num(top + 16.0),
        escape(&truncate(name, LABEL_CHARS))
    );
    let start = members.iter().map(|&i| tasks[i].start).min();
    let end = members.iter().map(|&i| tasks[i].bar_end).max();
    if let (Some(start), Some(end)) = (start, end) {
        let (x1, x2) = (axis.x(start), axis.x(end).max(axis.x(start) + 2.0));
        let y = top + GROUP_HEIGHT / 2.0 - 2.0;
        let _ = write!(
            svg,
            r#"<path class="group-span" d="M{a},{b} H{c} V{d} L{e},{f} H{g} L{h},{d} Z"><title>{t}</title></path>"#,
            a = num(x1),
            b = num(y),
            c = num(x2),
            d = num(y + 8.0),
            e = num(x2 - 4.0),
            f = num(y + 4.0),
            g = num(x1 + 4.0),
            h = num(x1),
            t = escape(&format!(
                "{name}: {} – {}",
                long_date(start),
                long_date(prev(end).max(start))
            )),
        );
    }
    svg.push_str("</g>");
}

fn task_row(svg: &mut String, axis: &Axis, row: &GanttRow, t: &TaskGeometry, top: f64) {
    let indent = if row.group.is_some() { 24.0 } else { 12.0 };
    let href = row.href.as_deref().and_then(safe_url);
    let mut classes = String::from("task");
    if row.critical {
        classes.push_str(" critical");
    }
    if row.late {
        classes.push_str(" late");
    }
    if row.milestone {
        classes.push_str(" is-milestone");
    }
    let _ = write!(classes, " status-{}", status_class(&row.status));
    let _ = write!(
        svg,
        r#"<g class="{classes}" data-task="{id}" data-start="{start}" data-finish="{finish}" data-late-finish="{lf}" data-duration-days="{dur}" data-status="{status}""#,
        id = escape(&row.id),
        start = row.start,
        finish = row.finish,
        lf = row.late_finish,
        dur = t.duration_days,
        status = escape(&row.status),
    );
    if let Some(url) = row.move_url.as_deref().and_then(safe_url) {
        let _ = write!(svg, r#" data-move-url="{}""#, escape(url));
    }
    svg.push('>');
    let _ = write!(svg, "<title>{}</title>", escape(&tooltip(row, t)));
    let _ = write!(
        svg,
        r#"<rect class="row-hit" x="0" y="{}" width="{}" height="{}"/>"#,
        num(top),
        num(LABEL_WIDTH + axis.width()),
        num(ROW_HEIGHT)
    );

    // The name on the left.
    // Indented names and the late badge take room from the name.
    let room = LABEL_CHARS - if row.group.is_some() { 2 } else { 0 } - if row.late { 2 } else { 0 };
    let label = truncate(&row.label, room);
    let label_text = format!(
        r#"<text class="label{}" x="{}" y="{}">{}</text>"#,
        if row.critical { " critical" } else { "" },
        num(indent),
        num(top + 17.0),
        escape(&label)
    );
    link_wrapped(svg, href, &label_text);
    if row.late {
        let _ = write!(
            svg,
            r#"<g class="late-badge"><circle cx="{cx}" cy="{cy}" r="6"/><text x="{cx}" y="{ty}">!</text></g>"#,
            cx = num(LABEL_WIDTH - 12.0),
            cy = num(top + ROW_HEIGHT / 2.0),
            ty = num(top + ROW_HEIGHT / 2.0 + 4.0)
        );
    }

    let mid = top + ROW_HEIGHT / 2.0;
    let bar_top = mid - BAR_HEIGHT / 2.0;
    let mut mark = String::new();
    if let Some((planned_start, planned_finish)) = row.baseline {
        let x1 = axis.x(planned_start);
        let x2 = axis.x(planned_finish.max(planned_start)).max(x1 + 2.0);
        let _ = write!(
            svg,
            r#"<rect class="baseline" x="{}" y="{}" width="{}" height="4" rx="1"/>"#,
            num(x1),
            num(bar_top + BAR_HEIGHT + 1.0),
            num(x2 - x1)
        );
    }
    let note_x = if row.milestone {
        let x = axis.x(row.start);
        // Float of a milestone: from its date to the latest date it may take.
        if t.late_end > row.start {
            float_line(&mut mark, x + DIAMOND, axis.x(t.late_end), mid);
        }
        let _ = write!(
            mark,
            r#"<path class="milestone{}" d="{}"/>"#,
            if row.critical { " critical" } else { "" },
            diamond(x, mid, DIAMOND)
        );
        x + DIAMOND + 5.0
    } else {
        let x1 = axis.x(t.start);
        let x2 = axis.x(t.bar_end).max(x1 + 2.0);
        let w = x2 - x1;
        if t.late_end > t.bar_end {
            float_line(&mut mark, x2, axis.x(t.late_end), mid);
        }
        let _ = write!(
            mark,
            r#"<rect class="bar{}" x="{}" y="{}" width="{}" height="{}" rx="3"/>"#,
            if row.critical { " critical" } else { "" },
            num(x1),
            num(bar_top),
            num(w),
            num(BAR_HEIGHT)
        );
        let progress = f64::from(row.progress_percent.min(100)) / 100.0;
        if progress > 0.0 {
            let _ = write!(
                mark,
                r#"<rect class="progress" x="{}" y="{}" width="{}" height="{}" rx="3"/>"#,
                num(x1),
                num(bar_top),
                num(w * progress),
                num(BAR_HEIGHT)
            );
        }
        if row.critical {
            let _ = write!(
                mark,
                r#"<rect class="hatch" x="{}" y="{}" width="{}" height="{}" rx="3"/>"#,
                num(x1),
                num(bar_top),
                num(w),
                num(BAR_HEIGHT)
            );
        }
        if t.late_end < t.bar_end {
            // The part of the work that lies beyond its latest finish.
            let over = axis.x(t.late_end.max(t.start));
            let _ = write!(
                mark,
                r#"<rect class="overrun" x="{}" y="{}" width="{}" height="{}"/>"#,
                num(over),
                num(bar_top),
                num(x2 - over),
                num(BAR_HEIGHT)
            );
        }
        if row.move_url.is_some() {
            // The right edge: a handle for changing the duration by dragging.
            let _ = write!(
                mark,
                r#"<rect class="resize" x="{}" y="{}" width="6" height="{}"/>"#,
                num(x2 - 3.0),
                num(bar_top),
                num(BAR_HEIGHT)
            );
        }
        x2.max(axis.x(t.late_end)) + 5.0
    };
    link_wrapped(svg, href, &mark);

    let mut notes = Vec::new();
    if row.milestone {
        notes.push(short_date(row.start));
    }
    if row.late || t.float_days < 0 {
        notes.push(format!("Late {}d", t.float_days.abs().max(1)));
    }
    if !notes.is_empty() {
        let _ = write!(
            svg,
            r#"<text class="note{}{}" x="{}" y="{}">{}</text>"#,
            if row.critical { " critical" } else { "" },
            if row.late { " late" } else { "" },
            num(note_x),
            num(mid + 4.0),
            escape(&notes.join(" · "))
        );
    }
    svg.push_str("</g>");
}

fn float_line(svg: &mut String, x1: f64, x2: f64, mid: f64) {
    let _ = write!(
        svg,
        r#"<rect class="float" x="{}" y="{}" width="{}" height="3"/><line class="float-cap" x1="{x}" x2="{x}" y1="{}" y2="{}"/>"#,
        num(x1),
        num(mid - 1.5),
        num((x2 - x1).max(0.0)),
        num(mid - 4.5),
        num(mid + 4.5),
        x = num(x2)
    );
}

fn link_wrapped(svg: &mut String, href: Option<&str>, inner: &str) {
    match href {
        Some(url) => {
            let _ = write!(svg, r#"<a href="{}">{inner}</a>"#, escape(url));
        }
        None => svg.push_str(inner),
    }
}

fn links(
    svg: &mut String,
    axis: &Axis,
    chart: &GanttChart,
    tasks: &[TaskGeometry],
    row_y: &HashMap<&str, (usize, f64)>,
) {
    svg.push_str(r#"<g class="links">"#);
    // Critical links last, so they stay visible where links overlap.
    let mut ordered: Vec<&GanttLink> = chart.links.iter().collect();
    ordered.sort_by_key(|l| l.critical);
    for link in ordered {
        let (Some(&(from, y1)), Some(&(to, y2))) =
            (row_y.get(link.from.as_str()), row_y.get(link.to.as_str()))
        else {
            continue;
        };
        let (a, b) = (&chart.rows[from], &chart.rows[to]);
        let start_of = |row: &GanttRow, t: &TaskGeometry| {
            if row.milestone {
                axis.x(row.start) - DIAMOND
            } else {
                axis.x(t.start)
            }
        };
        let end_of = |row: &GanttRow, t: &TaskGeometry| {
            if row.milestone {
                axis.x(row.start) + DIAMOND
            } else {
                axis.x(t.bar_end).max(axis.x(t.start) + 2.0)
            }
        };
        let gap = 8.0;
        let d = match link.kind {
            DependencyKind::FinishToStart => {
                let x1 = end_of(a, &tasks[from]);
                let x2 = start_of(b, &tasks[to]);
                if x2 - x1 >= 2.0 * gap {
                    format!(
                        "M{},{} H{} V{} H{}",
                        num(x1),
                        num(y1),
                        num(x1 + gap),
                        num(y2),
                        num(x2)
                    )
                } else {
                    // Not enough room ahead: go round between the two rows.
                    let between = if y2 >= y1 {
                        y2 - ROW_HEIGHT / 2.0
                    } else {
                        y2 + ROW_HEIGHT / 2.0
                    };
                    format!(
                        "M{},{} H{} V{} H{} V{} H{}",
                        num(x1),
                        num(y1),
                        num(x1 + gap),
                        num(between),
                        num(x2 - gap),
                        num(y2),
                        num(x2)
                    )
                }
            }
            DependencyKind::StartToStart => {
                let x1 = start_of(a, &tasks[from]);
                let x2 = start_of(b, &tasks[to]);
                format!(
                    "M{},{} H{} V{} H{}",
                    num(x1),
                    num(y1),
                    num(x1.min(x2) - gap),
                    num(y2),
                    num(x2)
                )
            }
            DependencyKind::FinishToFinish => {
                let x1 = end_of(a, &tasks[from]);
                let x2 = end_of(b, &tasks[to]);
                format!(
                    "M{},{} H{} V{} H{}",
                    num(x1),
                    num(y1),
                    num(x1.max(x2) + gap),
                    num(y2),
                    num(x2)
                )
            }
        };
        let _ = write!(
            svg,
            r#"<path class="link{c}" data-from="{f}" data-to="{t}" data-kind="{k}" d="{d}" marker-end="url(#gantt-arrow{m})"><title>{tip}</title></path>"#,
            c = if link.critical { " critical" } else { "" },
            f = escape(&link.from),
            t = escape(&link.to),
            k = link.kind.as_str(),
            m = if link.critical { "-critical" } else { "" },
            tip = escape(&format!(
                "{} → {} ({}){}",
                a.label,
                b.label,
                link.kind.label(),
                if link.critical { ", critical" } else { "" }
            )),
        );
    }
    svg.push_str("</g>");
}

fn marker_line(svg: &mut String, class: &str, x: f64, label: &str, body_bottom: f64) {
    let top = HEADER_HEIGHT - 2.0 * AXIS_TIER - MARKER_TIER;
    let text_w = label.chars().count() as f64 * 6.2 + 10.0;
    let _ = write!(
        svg,
        r#"<g class="marker {class}"><line class="{class}" x1="{x}" x2="{x}" y1="{}" y2="{}"/><rect class="{class}-tag" x="{}" y="{}" width="{}" height="16" rx="3"/><text class="{class}-text" x="{}" y="{}">{}</text></g>"#,
        num(top + 16.0),
        num(body_bottom),
        num(x - text_w / 2.0),
        num(top),
        num(text_w),
        num(x),
        num(top + 12.0),
        escape(label),
        x = num(x),
    );
}

fn footer(svg: &mut String, chart: &GanttChart, axis: &Axis, height: f64) {
    let scale = match axis.scale {
        TimeScale::Days => "days",
        TimeScale::Weeks => "weeks",
        TimeScale::Months => "months",
    };
    let mut text = format!(
        "Scale: {scale} ({} px per day). Bars end with the last working day; the thin line after a bar is its float.",
        num(axis.px_per_day)
    );
    if let Some(today) = chart.today {
        if today < axis.origin || today > axis.end {
            let _ = write!(text, " Today ({}) is outside the chart.", long_date(today));
        }
    }
    let _ = write!(
        svg,
        r#"<text class="footer" x="12" y="{}">{}</text>"#,
        num(height - 9.0),
        escape(&text)
    );
}

fn tooltip(row: &GanttRow, t: &TaskGeometry) -> String {
    let mut lines = vec![row.label.clone()];
    if row.milestone {
        lines.push(format!("Milestone: {}", long_date(row.start)));
    } else {
        lines.push(format!(
            "{} – {} ({} {}{})",
            long_date(row.start),
            long_date(prev(t.bar_end).max(row.start)),
            t.duration_days,
            t.unit,
            if t.duration_days == 1 { "" } else { "s" }
        ));
    }
    lines.push(if t.float_days < 0 {
        format!(
            "Late: {} {}{} past its latest finish",
            -t.float_days,
            t.unit,
            if t.float_days == -1 { "" } else { "s" }
        )
    } else {
        format!(
            "Float: {} {}{}",
            t.float_days,
            t.unit,
            if t.float_days == 1 { "" } else { "s" }
        )
    });
    lines.push(format!(
        "Status: {}, {}% done",
        status_label(&row.status),
        row.progress_percent.min(100)
    ));
    if row.critical {
        lines.push("On the critical path".to_string());
    }
    if let Some((s, f)) = row.baseline {
        let slip = days_between(f, row.finish);
        let slip_text = match slip {
            0 => "on plan".to_string(),
            n if n > 0 => format!("{n} day{} later", if n == 1 { "" } else { "s" }),
            n => format!("{} day{} earlier", -n, if n == -1 { "" } else { "s" }),
        };
        lines.push(format!(
            "Planned: {} – {} ({slip_text})",
            long_date(s),
            long_date(prev(f).max(s))
        ));
    }
    lines.join("\n")
}

/// The `<desc>`: the chart in a few sentences, for screen readers and for anyone reading the file.
fn describe(chart: &GanttChart, tasks: &[TaskGeometry]) -> String {
    let start = tasks.iter().map(|t| t.start).min();
    let end = tasks.iter().map(|t| t.bar_end).max();
    let mut text = format!("{}: {} tasks", chart.title, chart.rows.len());
    if let (Some(s), Some(e)) = (start, end) {
        let _ = write!(
            text,
            " from {} to {}",
            long_date(s),
            long_date(prev(e).max(s))
        );
    }
    text.push('.');
    if let Some(due) = chart.due {
        let _ = write!(text, " Due {}.", long_date(due));
    }
    let mut critical: Vec<(NaiveDate, &str)> = chart
        .rows
        .iter()
        .filter(|r| r.critical)
        .map(|r| (r.start, r.label.as_str()))
        .collect();
    critical.sort();
    if !critical.is_empty() {
        let names: Vec<&str> = critical.iter().take(40).map(|(_, n)| *n).collect();
        let _ = write!(text, " Critical path: {}.", names.join(" → "));
    }
    let late: Vec<&str> = chart
        .rows
        .iter()
        .filter(|r| r.late)
        .map(|r| r.label.as_str())
        .collect();
    if !late.is_empty() {
        let _ = write!(text, " Late: {}.", late.join(", "));
    }
    text
}

fn render_empty(chart: &GanttChart) -> String {
    let (w, h) = (LABEL_WIDTH + TIMELINE_WIDTH, 120.0);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="gantt empty" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}" aria-label="{aria}"><desc>{desc}</desc>{STYLE}<rect class="canvas" x="0" y="0" width="{w}" height="{h}"/><text class="title" x="12" y="23">{title}</text><text class="empty-text" x="{cx}" y="68">No tasks planned yet.</text><text class="empty-hint" x="{cx}" y="90">Add tasks (or create the project from a template) and the schedule appears here.</text></svg>"#,
        w = num(w),
        h = num(h),
        cx = num(w / 2.0),
        aria = escape(&format!(
            "Gantt chart: {}, no tasks planned yet",
            chart.title
        )),
        desc = escape(&format!("{}: no tasks planned yet.", chart.title)),
        title = escape(&chart.title),
    )
}

fn status_class(status: &str) -> String {
    let cleaned: String = status
        .trim()
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "other".to_string()
    } else {
        cleaned
    }
}

fn status_label(status: &str) -> String {
    TaskStatus::parse(status)
        .map(|s| s.label().to_string())
        .unwrap_or_else(|| status.to_string())
}

fn diamond(x: f64, y: f64, r: f64) -> String {
    format!(
        "M{},{} L{},{} L{},{} L{},{} Z",
        num(x),
        num(y - r),
        num(x + r),
        num(y),
        num(x),
        num(y + r),
        num(x - r),
        num(y)
    )
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The days off a drag may reach: from the chart's origin to a year past its end (a bar dragged
/// beyond the visible timeline still counts working days right).
fn non_working_in(days: &DaysOff, axis: &Axis) -> String {
    let horizon = axis
        .end
        .checked_add_signed(chrono::Duration::days(366))
        .unwrap_or(axis.end);
    days.within(axis.origin, horizon)
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A number for an attribute: at most two decimals, no trailing zeros.
fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    b.signed_duration_since(a).num_days()
}

fn next(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

fn prev(d: NaiveDate) -> NaiveDate {
    d.pred_opt().unwrap_or(d)
}

fn monday_on_or_before(d: NaiveDate) -> NaiveDate {
    let back = i64::from(d.weekday().num_days_from_monday());
    d.checked_sub_signed(chrono::Duration::days(back))
        .unwrap_or(d)
}

fn monday_on_or_after(d: NaiveDate) -> NaiveDate {
    let ahead = (7 - i64::from(d.weekday().num_days_from_monday())) % 7;
    d.checked_add_signed(chrono::Duration::days(ahead))
        .unwrap_or(d)
}

fn short_date(d: NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

fn long_date(d: NaiveDate) -> String {
    d.format("%a %-d %b %Y").to_string()
}

/// Markers and patterns the chart refers to. Ids are shared by every chart on a page; the
/// definitions are identical, so whichever the browser picks draws the same.
const DEFS: &str = concat!(
    r##"<defs>"##,
    r##"<marker id="gantt-arrow" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 Z" fill="#7b8597"/></marker>"##,
    r##"<marker id="gantt-arrow-critical" viewBox="0 0 8 8" refX="7.5" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 Z" fill="#b42318"/></marker>"##,
    r##"<pattern id="gantt-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#b42318" stroke-width="1.6" stroke-opacity="0.45"/></pattern>"##,
    r##"<pattern id="gantt-late" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="5" height="5" fill="#fde2e0"/><line x1="0" y1="0" x2="0" y2="5" stroke="#d92d20" stroke-width="2.2"/></pattern>"##,
    r##"</defs>"##
);

/// The chart's own styles, scoped to `svg.gantt` so the document works on its own (a download,
/// an e-mail) and inline in a page without touching anything else there.
const STYLE: &str = concat!(
    "<style>",
    ".gantt{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:12px}",
    ".gantt text{fill:#1d2330}",
    ".gantt .canvas{fill:#fff}",
    ".gantt .title{font-size:16px;font-weight:700}",
    ".gantt .legend{font-size:11.5px;fill:#5d6677}",
    ".gantt .axis-bg{fill:#f4f6f9}",
    ".gantt .axis-rule{stroke:#c5ccd8}",
    ".gantt .axis-caption{font-size:11px;font-weight:600;fill:#5d6677;text-transform:uppercase;letter-spacing:.04em}",
    ".gantt .axis-upper{font-size:11.5px;font-weight:600;fill:#34405a}",
    ".gantt .axis-day,.gantt .axis-week,.gantt .axis-month{font-size:10.5px;fill:#5d6677}",
    ".gantt .axis-day{text-anchor:middle}",
    ".gantt .axis-day.weekend{fill:#9aa3b5}",
    ".gantt .nonworking{fill:#f1f3f7}",
    ".gantt .tick{stroke:#eceff4}",
    ".gantt .tick.week{stroke:#dfe3ea}",
    ".gantt .tick.month{stroke:#c9cfd9}",
    ".gantt .tick.edge{stroke:#c5ccd8}",
    ".gantt .rowline{stroke:#f0f2f6}",
    ".gantt .row-hit{fill:transparent}",
    ".gantt .task:hover .row-hit{fill:#2f5bea;fill-opacity:.06}",
    ".gantt .group-band{fill:#eef1f6}",
    ".gantt .group-label{font-weight:700;fill:#34405a}",
    ".gantt .group-span{fill:#5d6677}",
    ".gantt .label{fill:#1d2330}",
    ".gantt .label.critical{font-weight:700}",
    ".gantt a .label{fill:#1d2330}",
    ".gantt a:hover .label,.gantt a:focus .label{fill:#2f5bea;text-decoration:underline}",
    ".gantt .bar{stroke-width:1}",
    ".gantt .task .bar{fill:#e5e7eb;stroke:#6b7280}",
    ".gantt .task .progress{fill:#6b7280}",
    ".gantt .status-not_started .bar{fill:#e3e7ee;stroke:#8e99ab}",
    ".gantt .status-not_started .progress{fill:#8e99ab}",
    ".gantt .status-in_progress .bar{fill:#d6e1ff;stroke:#2f5bea}",
    ".gantt .status-in_progress .progress{fill:#2f5bea}",
    ".gantt .status-in_review .bar{fill:#ebe2fc;stroke:#7c4ddb}",
    ".gantt .status-in_review .progress{fill:#7c4ddb}",
    ".gantt .status-approved .bar{fill:#d3f0dd;stroke:#1f8a4c}",
    ".gantt .status-approved .progress{fill:#1f8a4c}",
    ".gantt .status-blocked .bar{fill:#ffe4c7;stroke:#c2570c}",
    ".gantt .status-blocked .progress{fill:#c2570c}",
    ".gantt .bar.critical,.gantt .task .bar.critical{stroke:#b42318;stroke-width:2}",
    ".gantt .bar.swatch{fill:#fff}",
    ".gantt .hatch{fill:url(#gantt-hatch);pointer-events:none}",
    ".gantt .overrun{fill:url(#gantt-late);stroke:#d92d20;stroke-width:1}",
    ".gantt .float{fill:#9aa3b5}",
    ".gantt .float-cap{stroke:#9aa3b5;stroke-width:1.5}",
    ".gantt .baseline{fill:#c5ccd8}",
    ".gantt .milestone{fill:#1d2330;stroke:#fff;stroke-width:1.5}",
    ".gantt .milestone.critical{fill:#b42318}",
    ".gantt .note{font-size:11px;fill:#5d6677}",
    ".gantt .note.critical{fill:#b42318;font-weight:600}",
    ".gantt .note.late{fill:#d92d20;font-weight:700}",
    ".gantt .late-badge circle{fill:#d92d20}",
    ".gantt .late-badge text{fill:#fff;font-weight:700;font-size:10px;text-anchor:middle}",
    ".gantt .link{fill:none;stroke:#7b8597;stroke-width:1.2;pointer-events:stroke}",
    ".gantt .link.critical{stroke:#b42318;stroke-width:1.8}",
    ".gantt .resize{fill:transparent;cursor:ew-resize}",
    ".gantt .task[data-move-url] .bar{cursor:grab}",
    ".gantt line.today{stroke:#e8590c;stroke-width:2}",
    ".gantt .today-tag{fill:#e8590c}",
    ".gantt .today-text,.gantt .due-text{fill:#fff;font-size:10.5px;font-weight:700;text-anchor:middle}",
    ".gantt line.due{stroke:#1d2330;stroke-width:1.5;stroke-dasharray:5 3}",
    ".gantt .due-tag{fill:#1d2330}",
    ".gantt .legend-item line.today,.gantt .legend-item line.due{stroke-width:2}",
    ".gantt .marker{pointer-events:none}",
    ".gantt .footer{font-size:11px;fill:#8a93a5}",
    ".gantt .empty-text{font-size:15px;font-weight:600;text-anchor:middle;fill:#34405a}",
    ".gantt .empty-hint{font-size:12.5px;text-anchor:middle;fill:#5d6677}",
    "</style>"
);
