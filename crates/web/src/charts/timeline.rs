//! A project's timeline for clients: one row per milestone on a shared date axis — a hollow
//! diamond where it was planned, a filled one where it is forecast (amber when later than
//! planned, joined to the plan by a line), a green disc with a tick once reached — the project's
//! span as a band, the due date dashed and today marked.
//!
//! Geometry: a 170 px label column, a 780 px plot from the earliest to the latest date shown
//! (padded by two days each side), rows of 30 px under a 54 px axis (today's pill above the tick labels); ticks weekly up to ten
//! weeks, monthly beyond. Classes and `data-*` (ISO dates) are stable for scripts and tests.
use super::escape;
use chrono::{Datelike, Duration, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineMilestone {
    pub name: String,
    pub planned: NaiveDate,
    pub forecast: NaiveDate,
    pub actual: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineChart {
    /// A stable id for the `<svg>` (`timeline-ACME-SPRING`).
    pub id: String,
    pub title: String,
    pub start: NaiveDate,
    pub due: Option<NaiveDate>,
    pub today: NaiveDate,
    pub milestones: Vec<TimelineMilestone>,
}

const LABEL_W: f64 = 170.0;
const PLOT_W: f64 = 780.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 54.0;
const ROW_H: f64 = 30.0;

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn short(d: NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

/// A diamond centred on (x, y) with half-diagonal r.
fn diamond(x: f64, y: f64, r: f64) -> String {
    format!(
        "M{:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} Z",
        x,
        y - r,
        x + r,
        y,
        x,
        y + r,
        x - r,
        y
    )
}

pub fn render_timeline(chart: &TimelineChart) -> String {
    let mut dates: Vec<NaiveDate> = vec![chart.start, chart.today];
    dates.extend(chart.due);
    for m in &chart.milestones {
        dates.push(m.planned);
        dates.push(m.forecast);
        dates.extend(m.actual);
    }
    let lo = *dates.iter().min().expect("start is there") - Duration::days(2);
    let hi = *dates.iter().max().expect("start is there") + Duration::days(2);
    let span = (hi - lo).num_days().max(1) as f64;
    let x = |d: NaiveDate| LABEL_W + (d - lo).num_days() as f64 / span * PLOT_W;
    let rows = chart.milestones.len().max(1);
    let plot_bottom = TOP + ROW_H * rows as f64;
    let height = plot_bottom + 44.0;
    let width = LABEL_W + PLOT_W + RIGHT;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart timeline\" id=\"{}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\" data-today=\"{}\">",
        escape(&chart.id),
        escape(&chart.title),
        iso(chart.today)
    );
    s.push_str(&format!("<title>{}</title>", escape(&chart.title)));
    // Alternate row shading, then the axis ticks.
    for i in 0..rows {
        if i % 2 == 0 {
            s.push_str(&format!(
                "<rect class=\"row-band\" x=\"0\" y=\"{:.1}\" width=\"{width}\" height=\"{ROW_H}\" fill=\"#f6f7f9\"/>",
                TOP + ROW_H * i as f64
            ));
        }
    }
    let weekly = span <= 70.0;
    let mut tick = if weekly {
        // Mondays.
        lo + Duration::days((7 - lo.weekday().num_days_from_monday() as i64) % 7)
    } else {
        NaiveDate::from_ymd_opt(lo.year(), lo.month(), 1).expect("first of a month")
    };
    while tick <= hi {
        if tick >= lo {
            let tx = x(tick);
            let label = if weekly {
                short(tick)
            } else {
                tick.format("%b %Y").to_string()
            };
            s.push_str(&format!(
                "<line class=\"tick\" x1=\"{tx:.1}\" y1=\"{:.1}\" x2=\"{tx:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"#e1e4e8\"/><text class=\"tick-label\" x=\"{tx:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#6a7280\" text-anchor=\"middle\">{}</text>",
                TOP - 4.0,
                TOP - 10.0,
                escape(&label)
            ));
        }
        tick = if weekly {
            tick + Duration::days(7)
        } else {
            let (y, m) = if tick.month() == 12 {
                (tick.year() + 1, 1)
            } else {
                (tick.year(), tick.month() + 1)
            };
            NaiveDate::from_ymd_opt(y, m, 1).expect("first of a month")
        };
    }
    // The project's span, from start to due (or to the last date shown).
    let end = chart.due.unwrap_or(hi - Duration::days(2));
    s.push_str(&format!(
        "<rect class=\"span\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\" rx=\"3\" fill=\"#c9d6ee\" data-start=\"{}\" data-end=\"{}\"><title>Project from {} to {}</title></rect>",
        x(chart.start),
        TOP - 3.0,
        (x(end) - x(chart.start)).max(2.0),
        iso(chart.start),
        iso(end),
        short(chart.start),
        short(end)
    ));
    if let Some(due) = chart.due {
        let dx = x(due);
        s.push_str(&format!(
            "<g class=\"due\" data-date=\"{}\"><line x1=\"{dx:.1}\" y1=\"{TOP:.1}\" x2=\"{dx:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"#5b6475\" stroke-dasharray=\"4 3\"/><text x=\"{dx:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6475\" text-anchor=\"middle\">Due {}</text></g>",
            iso(due),
            plot_bottom + 14.0,
            escape(&short(due))
        ));
    }
    // Milestones.
    if chart.milestones.is_empty() {
        s.push_str(&format!(
            "<text x=\"{LABEL_W}\" y=\"{:.1}\" font-size=\"13\" fill=\"#6a7280\">No milestones planned yet.</text>",
            TOP + 20.0
        ));
    }
    for (i, m) in chart.milestones.iter().enumerate() {
        let y = TOP + ROW_H * i as f64 + ROW_H / 2.0;
        let (px, fx) = (x(m.planned), x(m.forecast));
        let late = m.actual.is_none() && m.forecast > m.planned;
        let state = match (m.actual, late) {
            (Some(_), _) => "done",
            (None, true) => "late",
            (None, false) => "on-track",
        };
        let when = match m.actual {
            Some(a) => format!("reached {}", short(a)),
            None if late => format!(
                "expected {} (planned {})",
                short(m.forecast),
                short(m.planned)
            ),
            None => format!("expected {}", short(m.forecast)),
        };
        s.push_str(&format!(
            "<g class=\"milestone {state}\" data-name=\"{}\" data-planned=\"{}\" data-forecast=\"{}\" data-actual=\"{}\"><title>{}: {}</title>",
            escape(&m.name),
            iso(m.planned),
            iso(m.forecast),
            m.actual.map(iso).unwrap_or_default(),
            escape(&m.name),
            escape(&when)
        ));
        s.push_str(&format!(
            "<text class=\"label\" x=\"12\" y=\"{:.1}\" font-size=\"13\" fill=\"#1d2330\">{}</text>",
            y + 4.0,
            escape(&m.name)
        ));
        match m.actual {
            Some(a) => {
                let ax = x(a);
                s.push_str(&format!(
                    "<path class=\"planned\" d=\"{}\" fill=\"none\" stroke=\"#9aa3b2\" stroke-width=\"1.5\"/><circle class=\"actual\" cx=\"{ax:.1}\" cy=\"{y:.1}\" r=\"7\" fill=\"#1e7e34\"/><path d=\"M{:.1} {:.1} l2.5 2.5 l4.5 -5\" fill=\"none\" stroke=\"#fff\" stroke-width=\"1.8\"/>",
                    diamond(px, y, 6.0),
                    ax - 3.5,
                    y
                ));
            }
            None => {
                let colour = if late { "#c77700" } else { "#2f5fb3" };
                if (fx - px).abs() > 1.0 {
                    s.push_str(&format!(
                        "<line class=\"slip\" x1=\"{px:.1}\" y1=\"{y:.1}\" x2=\"{fx:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"3 2\"/>"
                    ));
                }
                s.push_str(&format!(
                    "<path class=\"planned\" d=\"{}\" fill=\"#fff\" stroke=\"#9aa3b2\" stroke-width=\"1.5\"/><path class=\"forecast\" d=\"{}\" fill=\"{colour}\"/>",
                    diamond(px, y, 6.0),
                    diamond(fx, y, 7.0)
                ));
            }
        }
        let (left, right) = match m.actual {
            Some(a) => (x(a).min(px), x(a).max(px)),
            None => (fx.min(px), fx.max(px)),
        };
        // The date beside the marks, on the side with room (about 6.2 px a character).
        let text_w = when.chars().count() as f64 * 6.2;
        let (anchor, lx) = if right + 12.0 + text_w > width - 4.0 {
            ("end", left - 12.0)
        } else {
            ("start", right + 12.0)
        };
        s.push_str(&format!(
            "<text class=\"when\" x=\"{lx:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6475\" text-anchor=\"{anchor}\">{}</text></g>",
            y + 4.0,
            escape(&when)
        ));
    }
    // Today, over everything.
    let tdx = x(chart.today);
    s.push_str(&format!(
        "<g class=\"today\" data-date=\"{}\"><line x1=\"{tdx:.1}\" y1=\"{:.1}\" x2=\"{tdx:.1}\" y2=\"{plot_bottom:.1}\" stroke=\"#d0342c\" stroke-width=\"2\"/><rect x=\"{:.1}\" y=\"{:.1}\" width=\"44\" height=\"16\" rx=\"8\" fill=\"#d0342c\"/><text x=\"{tdx:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#fff\" text-anchor=\"middle\" font-weight=\"bold\">Today</text></g>",
        iso(chart.today),
        TOP - 34.0,
        tdx - 22.0,
        TOP - 50.0,
        TOP - 38.5
    ));
    // Legend.
    let ly = plot_bottom + 32.0;
    s.push_str(&format!(
        "<g class=\"legend\" font-size=\"11\" fill=\"#5b6475\"><path d=\"{}\" fill=\"#fff\" stroke=\"#9aa3b2\" stroke-width=\"1.5\"/><text x=\"22\" y=\"{:.1}\">planned</text><path d=\"{}\" fill=\"#2f5fb3\"/><text x=\"92\" y=\"{:.1}\">expected</text><path d=\"{}\" fill=\"#c77700\"/><text x=\"170\" y=\"{:.1}\">later than planned</text><circle cx=\"290\" cy=\"{ly:.1}\" r=\"5\" fill=\"#1e7e34\"/><text x=\"300\" y=\"{:.1}\">reached</text></g>",
        diamond(12.0, ly, 5.0),
        ly + 4.0,
        diamond(82.0, ly, 5.0),
        ly + 4.0,
        diamond(160.0, ly, 5.0),
        ly + 4.0,
        ly + 4.0
    ));
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn marks_today_due_and_each_milestone_state() {
        let svg = render_timeline(&TimelineChart {
            id: "timeline-X".into(),
            title: "X <&>".into(),
            start: d("2026-11-01"),
            due: Some(d("2026-12-20")),
            today: d("2026-12-03"),
            milestones: vec![
                TimelineMilestone {
                    name: "Picture lock".into(),
                    planned: d("2026-11-20"),
                    forecast: d("2026-11-20"),
                    actual: Some(d("2026-11-21")),
                },
                TimelineMilestone {
                    name: "Delivered".into(),
                    planned: d("2026-12-15"),
                    forecast: d("2026-12-18"),
                    actual: None,
                },
            ],
        });
        assert!(svg.contains("class=\"today\" data-date=\"2026-12-03\""));
        assert!(svg.contains("class=\"due\" data-date=\"2026-12-20\""));
        assert!(svg.contains("class=\"milestone done\" data-name=\"Picture lock\""));
        assert!(svg.contains("class=\"milestone late\" data-name=\"Delivered\""));
        assert!(svg.contains("X &lt;&amp;&gt;"));
    }
}
