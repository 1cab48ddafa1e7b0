//! The resource board: resources × days as SVG, a pure function of [`BoardChart`].
//!
//! Geometry: a label column of [`LABEL_W`] px, then `px_per_day` px per calendar day (840 px
//! over the shown days); time runs left to right on the studio's wall clock (`tz`): a booking's
//! x is its start's local date's column plus the share of that local day gone (so a 23- or
//! 25-hour day of a clock change still fills one column). Overlapping bookings of one resource stack in lanes. Styling by
//! status: confirmed solid, preliminary pale and hatched (pencilled), planning an outline; a
//! booking in a conflict is outlined red (`class="booking conflict"`). Days the studio does not
//! work are shaded. Each row ends with the resource's utilization per week. Bookings carry
//! `data-id`, `data-start`, `data-end` (RFC 3339), `data-status` and `data-move-url` for
//! `static/board.js`, which drags them; the SVG root carries `data-from`, `data-px-per-day`
//! and `data-snap-minutes`.
use super::{escape, safe_url};
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use postflow_core::booking::BookingStatus;
use std::fmt::Write;

pub const LABEL_W: f64 = 170.0;
const DAYS_W: f64 = 840.0;
const LANE_H: f64 = 20.0;
const HEADER_H: f64 = 34.0;
const UTIL_H: f64 = 13.0;

/// Project colours, picked by `color_key` (a project id; 0: a project the viewer may not see).
const PALETTE: [&str; 8] = [
    "#2f6fb0", "#c0612b", "#3d8f4f", "#8a4fb0", "#b03d6a", "#2b8f8f", "#8f7a2b", "#5a6270",
];
const HIDDEN: &str = "#9aa0a6";

#[derive(Debug, Clone, PartialEq)]
pub struct BoardChart {
    pub from: NaiveDate,
    pub days: i64,
    pub non_working: Vec<NaiveDate>,
    pub today: Option<NaiveDate>,
    pub rows: Vec<BoardRow>,
    /// Minutes a drag snaps to (60 in the week view, a day in the month view).
    pub snap_minutes: i64,
    /// The wall clock the days are drawn in.
    pub tz: Tz,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoardRow {
    pub resource_id: i64,
    pub label: String,
    pub href: Option<String>,
    pub capacity: i64,
    /// (first day of the week shown, percent of the week's capacity booked).
    pub utilization: Vec<(NaiveDate, i64)>,
    pub bookings: Vec<BoardBooking>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoardBooking {
    pub id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: BookingStatus,
    /// What the bar says (the project's code, or "booked").
    pub label: String,
    /// The tooltip.
    pub title: String,
    pub color_key: i64,
    pub conflict: bool,
    /// Where board.js posts a move; `None`: not movable by this viewer.
    pub move_url: Option<String>,
}

fn color(key: i64) -> &'static str {
    if key <= 0 {
        HIDDEN
    } else {
        PALETTE[(key as usize) % PALETTE.len()]
    }
}

/// Lanes for overlapping bookings: each booking's lane, and how many lanes the row needs.
fn lanes(bookings: &[BoardBooking]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..bookings.len()).collect();
    order.sort_by_key(|i| (bookings[*i].start, bookings[*i].id));
    let mut lane_end: Vec<DateTime<Utc>> = Vec::new();
    let mut lane_of = vec![0; bookings.len()];
    for i in order {
        let b = &bookings[i];
        match lane_end.iter().position(|end| *end <= b.start) {
            Some(l) => {
                lane_end[l] = b.end;
                lane_of[i] = l;
            }
            None => {
                lane_end.push(b.end);
                lane_of[i] = lane_end.len() - 1;
            }
        }
    }
    (lane_of, lane_end.len().max(1))
}

pub fn render_board(chart: &BoardChart) -> String {
    let days = chart.days.max(1);
    let px_per_day = DAYS_W / days as f64;
    let x_of = |t: DateTime<Utc>| {
        let local = t.with_timezone(&chart.tz).naive_local();
        let day = (local.date() - chart.from).num_days() as f64;
        let share = f64::from(local.time().num_seconds_from_midnight()) / 86400.0;
        (LABEL_W + (day + share) * px_per_day).clamp(LABEL_W, LABEL_W + DAYS_W)
    };
    let laid: Vec<(Vec<usize>, usize)> = chart.rows.iter().map(|r| lanes(&r.bookings)).collect();
    let row_h = |n: usize| n as f64 * LANE_H + UTIL_H + 8.0;
    let height = HEADER_H + laid.iter().map(|(_, n)| row_h(*n)).sum::<f64>() + 2.0;
    let width = LABEL_W + DAYS_W + 2.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="board" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="Resource board from {} for {days} days" data-from="{}" data-days="{days}" data-px-per-day="{px_per_day:.4}" data-label-width="{LABEL_W}" data-snap-minutes="{}" data-time-zone="{}">"#,
        chart.from,
        chart.from,
        chart.snap_minutes,
        chart.tz.name()
    );
    s.push_str(r##"<defs><pattern id="pencil" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>"##);
    // Day columns: shaded when not working, a date header, today's line.
    for d in 0..days {
        let date = chart.from + Duration::days(d);
        let x = LABEL_W + d as f64 * px_per_day;
        if chart.non_working.contains(&date) {
            let _ = write!(
                s,
                r##"<rect class="non-working" data-date="{date}" x="{x:.1}" y="{HEADER_H}" width="{px_per_day:.1}" height="{:.1}" fill="#eef0f3"/>"##,
                height - HEADER_H
            );
        }
        let label = if px_per_day >= 60.0 {
            date.format("%a %d %b").to_string()
        } else {
            date.format("%d").to_string()
        };
        let _ = write!(
            s,
            r##"<text class="day" x="{:.1}" y="22" font-size="11" text-anchor="middle" fill="#444">{label}</text><line x1="{x:.1}" y1="{HEADER_H}" x2="{x:.1}" y2="{height:.1}" stroke="#e1e4e8"/>"##,
            x + px_per_day / 2.0
        );
    }
    if let Some(today) = chart.today {
        let d = (today - chart.from).num_days();
        if (0..days).contains(&d) {
            let x = LABEL_W + d as f64 * px_per_day;
            let _ = write!(
                s,
                r##"<line class="today" x1="{x:.1}" y1="{HEADER_H}" x2="{x:.1}" y2="{height:.1}" stroke="#d13" stroke-dasharray="3 3"/>"##
            );
        }
    }
    let mut y = HEADER_H;
    for (row, (lane_of, n)) in chart.rows.iter().zip(&laid) {
        let h = row_h(*n);
        let _ = write!(
            s,
            r##"<g class="board-row" data-resource="{}"><line x1="0" y1="{y:.1}" x2="{width:.0}" y2="{y:.1}" stroke="#c9ced6"/>"##,
            row.resource_id
        );
        let name = escape(&row.label);
        let text = format!(
            r##"<text x="6" y="{:.1}" font-size="12" fill="#222">{name}</text>"##,
            y + 16.0
        );
        match row.href.as_deref().and_then(safe_url) {
            Some(href) => {
                let _ = write!(s, r#"<a href="{}">{text}</a>"#, escape(href));
            }
            None => s.push_str(&text),
        }
        if row.capacity > 1 {
            let _ = write!(
                s,
                r##"<text x="6" y="{:.1}" font-size="10" fill="#666">capacity {}</text>"##,
                y + 29.0,
                row.capacity
            );
        }
        for (b, lane) in row.bookings.iter().zip(lane_of) {
            let x0 = x_of(b.start);
            let x1 = x_of(b.end).max(x0 + 3.0);
            let by = y + 4.0 + *lane as f64 * LANE_H;
            let c = color(b.color_key);
            let (fill, opacity, stroke, dash) = match b.status {
                BookingStatus::Confirmed => (c, "1", c, ""),
                BookingStatus::Preliminary => (c, "0.45", c, r#" stroke-dasharray="4 2""#),
                BookingStatus::Planning => ("#ffffff", "1", c, r#" stroke-dasharray="2 2""#),
            };
            let (stroke, stroke_w) = if b.conflict {
                ("#d0021b", "2.5")
            } else {
                (stroke, "1.2")
            };
            let class = if b.conflict {
                "booking conflict"
            } else {
                "booking"
            };
            let move_url = b
                .move_url
                .as_deref()
                .and_then(safe_url)
                .map(|u| format!(r#" data-move-url="{}""#, escape(u)))
                .unwrap_or_default();
            let _ = write!(
                s,
                r#"<g class="{class} {status}" data-id="{id}" data-start="{start}" data-end="{end}" data-status="{status}"{move_url}><title>{title}</title><rect class="bar" x="{x0:.1}" y="{by:.1}" width="{w:.1}" height="{bh:.1}" rx="3" fill="{fill}" fill-opacity="{opacity}" stroke="{stroke}" stroke-width="{stroke_w}"{dash}/>"#,
                status = b.status.as_str(),
                id = b.id,
                start = b.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                end = b.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                title = escape(&b.title),
                w = x1 - x0,
                bh = LANE_H - 4.0,
            );
            if b.status == BookingStatus::Preliminary {
                let _ = write!(
                    s,
                    r#"<rect x="{x0:.1}" y="{by:.1}" width="{:.1}" height="{:.1}" rx="3" fill="url(#pencil)" fill-opacity="0.6" pointer-events="none"/>"#,
                    x1 - x0,
                    LANE_H - 4.0
                );
            }
            if x1 - x0 > 30.0 {
                let text_fill = if b.status == BookingStatus::Confirmed {
                    "#ffffff"
                } else {
                    "#111111"
                };
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" font-size="10" fill="{text_fill}" pointer-events="none">{}</text>"#,
                    x0 + 4.0,
                    by + 12.0,
                    // About 6 px a character at 10 px: what fits inside the bar.
                    escape(
                        &b.label
                            .chars()
                            .take(((x1 - x0 - 8.0) / 6.0) as usize)
                            .collect::<String>()
                    )
                );
            }
            // The right edge extends the booking (board.js).
            let _ = write!(
                s,
                r##"<rect class="handle" x="{:.1}" y="{by:.1}" width="5" height="{:.1}" fill="#000000" fill-opacity="0"/></g>"##,
                x1 - 5.0,
                LANE_H - 4.0
            );
        }
        for (week, percent) in &row.utilization {
            let d = (*week - chart.from).num_days().clamp(0, days - 1);
            let x = LABEL_W + d as f64 * px_per_day + 3.0;
            let fill = if *percent > 100 { "#d0021b" } else { "#555555" };
            let _ = write!(
                s,
                r#"<text class="utilization" data-week="{week}" data-percent="{percent}" x="{x:.1}" y="{:.1}" font-size="9" fill="{fill}">week of {}: {percent}% booked</text>"#,
                y + h - 4.0,
                week.format("%d %b")
            );
        }
        s.push_str("</g>");
        y += h;
    }
    let _ = write!(
        s,
        r##"<line x1="0" y1="{y:.1}" x2="{width:.0}" y2="{y:.1}" stroke="#c9ced6"/></svg>"##
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn overlapping_bookings_stack_and_statuses_and_conflicts_are_styled() {
        let at = |d, h| Utc.with_ymd_and_hms(2027, 3, d, h, 0, 0).unwrap();
        let b = |id, s, e, status, conflict| BoardBooking {
            id,
            start: s,
            end: e,
            status,
            label: "ACME-<1>".into(),
            title: "t".into(),
            color_key: 3,
            conflict,
            move_url: Some(format!("/bookings/{id}/move")),
        };
        let chart = BoardChart {
            from: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            days: 7,
            non_working: vec![NaiveDate::from_ymd_opt(2027, 3, 6).unwrap()],
            today: None,
            snap_minutes: 60,
            tz: Tz::UTC,
            rows: vec![BoardRow {
                resource_id: 9,
                label: "Bay & 1".into(),
                href: Some("/resources/9".into()),
                capacity: 1,
                utilization: vec![(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(), 120)],
                bookings: vec![
                    b(1, at(1, 9), at(1, 18), BookingStatus::Confirmed, true),
                    b(2, at(1, 12), at(1, 14), BookingStatus::Preliminary, true),
                    b(3, at(2, 9), at(2, 12), BookingStatus::Planning, false),
                ],
            }],
        };
        let svg = render_board(&chart);
        assert_eq!(svg.matches(r#"class="booking conflict"#).count(), 2);
        assert!(svg.contains(r#"class="booking planning""#));
        assert!(svg.contains("url(#pencil)"));
        assert!(
            svg.contains("Bay &amp; 1") && svg.contains(">ACME-&lt;</text>"),
            "labels escaped and cut to the bar"
        );
        assert!(svg.contains(r#"data-date="2027-03-06""#));
        assert!(svg.contains(r#"data-percent="120""#));
        // Booking 2 overlaps 1: second lane (y = 34 + 4 + 20).
        assert!(svg.contains(r#"y="58.0""#), "{svg}");
        assert_eq!(lanes(&chart.rows[0].bookings).1, 2);
    }

    #[test]
    fn bookings_sit_on_the_studio_wall_clock() {
        // 09:00–18:00 in Los Angeles on Monday 2027-03-01 is 17:00–02:00 UTC.
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let start = la
            .with_ymd_and_hms(2027, 3, 1, 9, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let chart = BoardChart {
            from: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            days: 7,
            non_working: vec![],
            today: None,
            snap_minutes: 60,
            tz: la,
            rows: vec![BoardRow {
                resource_id: 1,
                label: "Bay".into(),
                href: None,
                capacity: 1,
                utilization: vec![],
                bookings: vec![BoardBooking {
                    id: 1,
                    start,
                    end: start + Duration::hours(9),
                    status: BookingStatus::Confirmed,
                    label: "X".into(),
                    title: "t".into(),
                    color_key: 1,
                    conflict: false,
                    move_url: None,
                }],
            }],
        };
        let svg = render_board(&chart);
        // 120 px a day: 09:00 is 45 px into Monday's column, 18:00 is 90 px.
        assert!(svg.contains(r#"x="215.0""#), "{svg}");
        assert!(svg.contains(r#"width="45.0""#), "{svg}");
        assert!(svg.contains(r#"data-time-zone="America/Los_Angeles""#));
    }
}
