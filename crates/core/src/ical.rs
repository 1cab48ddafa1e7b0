//! iCalendar (RFC 5545) text for calendar feeds: pure, no IO.
//!
//! [`render_calendar`] writes one `VCALENDAR` with its events. Conventions:
//! - lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character);
//! - TEXT values escape `\`, `;`, `,` and newlines;
//! - all-day events (tasks, milestones) are `VALUE=DATE` with an exclusive `DTEND`;
//! - timed events (bookings) are written in the calendar's time zone with `TZID`, and the
//!   `VTIMEZONE` is generated from the IANA database (chrono-tz): every offset change within the
//!   events' years, each as its own `STANDARD`/`DAYLIGHT` observance with `DTSTART` in the local
//!   time before the change, so subscribers need no zone rules of their own; a UTC calendar
//!   writes UTC times (`…Z`) and no `VTIMEZONE`;
//! - `UID`s are stable per thing (`booking-17@host`), so a re-fetched feed updates events in place.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// When an event happens: whole days, or a span of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTime {
    /// `first..=last` whole days.
    Days { first: NaiveDate, last: NaiveDate },
    /// `[start, end)`.
    Span {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
}

/// How sure an event is (RFC 5545 `STATUS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Tentative,
    Confirmed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unique and stable across fetches (e.g. `booking-17@studio.example`).
    pub uid: String,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub when: EventTime,
    pub status: Option<EventStatus>,
    pub categories: Vec<String>,
    /// When the thing last changed (`LAST-MODIFIED`), if known.
    pub last_modified: Option<DateTime<Utc>>,
}

/// The feed as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Shown by calendar apps as the subscription's name (`X-WR-CALNAME`, RFC 7986 `NAME`).
    pub name: String,
    /// The zone timed events are written in.
    pub time_zone: Tz,
    pub events: Vec<Event>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets with CRLF + space (RFC 5545 §3.1).
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

fn date_stamp(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    if s % 60 == 0 {
        format!("{sign}{:02}{:02}", s / 3600, s / 60 % 60)
    } else {
        format!("{sign}{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

/// What a zone observes at one instant: UTC offset in seconds, whether it is daylight time, name.
fn observance(tz: Tz, at: DateTime<Utc>) -> (i32, bool, String) {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    let name = offset
        .abbreviation()
        .map(str::to_string)
        .unwrap_or_else(|| offset_text(offset.fix().local_minus_utc()));
    (
        offset.fix().local_minus_utc(),
        offset.dst_offset() != Duration::zero(),
        name,
    )
}

/// The `VTIMEZONE` of `tz` covering the years `from..=to`: the observance at the start of `from`
/// and every change until the end of `to`, each found to the second.
fn push_vtimezone(out: &mut String, tz: Tz, from: i32, to: i32) {
    let start = Utc
        .with_ymd_and_hms(from, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let end = Utc
        .with_ymd_and_hms(to + 1, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut changes = Vec::new();
    let mut before = observance(tz, start);
    let first = before.clone();
    let mut day = start;
    while day < end {
        let next = day + Duration::days(1);
        let after = observance(tz, next);
        if after.0 != before.0 || after.1 != before.1 {
            // Binary search the first second of the new observance within the day.
            let (mut lo, mut hi) = (day.timestamp(), next.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let at = DateTime::from_timestamp(mid, 0).unwrap_or(day);
                if observance(tz, at).0 == before.0 && observance(tz, at).1 == before.1 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let at = DateTime::from_timestamp(hi, 0).unwrap_or(next);
            changes.push((at, before.0, after.clone()));
            before = after;
        }
        day = next;
    }
    push_line(out, "BEGIN:VTIMEZONE");
    push_line(out, &format!("TZID:{}", tz.name()));
    let observe =
        |out: &mut String, onset_local: NaiveDateTime, from: i32, to: &(i32, bool, String)| {
            let kind = if to.1 { "DAYLIGHT" } else { "STANDARD" };
            push_line(out, &format!("BEGIN:{kind}"));
            push_line(out, &format!("DTSTART:{}", local_stamp(onset_local)));
            push_line(out, &format!("TZOFFSETFROM:{}", offset_text(from)));
            push_line(out, &format!("TZOFFSETTO:{}", offset_text(to.0)));
            push_line(out, &format!("TZNAME:{}", escape_text(&to.2)));
            push_line(out, &format!("END:{kind}"));
        };
    observe(
        out,
        start.naive_utc() + Duration::seconds(i64::from(first.0)),
        first.0,
        &first,
    );
    for (at, from, to) in &changes {
        // The onset is the local time just before the change, in the offset being left.
        observe(
            out,
            at.naive_utc() + Duration::seconds(i64::from(*from)),
            *from,
            to,
        );
    }
    push_line(out, "END:VTIMEZONE");
}

/// The whole `VCALENDAR`, `stamp` being the time of this fetch (`DTSTAMP`).
pub fn render_calendar(calendar: &Calendar, stamp: DateTime<Utc>) -> String {
    let tz = calendar.time_zone;
    let utc = tz == Tz::UTC || tz == Tz::Etc__UTC;
    let mut out = String::new();
    push_line(&mut out, "BEGIN:VCALENDAR");
    push_line(&mut out, "VERSION:2.0");
    push_line(&mut out, "PRODID:-//postflow//calendar feed//EN");
    push_line(&mut out, "CALSCALE:GREGORIAN");
    push_line(&mut out, "METHOD:PUBLISH");
    push_line(&mut out, &format!("NAME:{}", escape_text(&calendar.name)));
    push_line(
        &mut out,
        &format!("X-WR-CALNAME:{}", escape_text(&calendar.name)),
    );
    push_line(&mut out, &format!("X-WR-TIMEZONE:{}", tz.name()));
    push_line(&mut out, "REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    push_line(&mut out, "X-PUBLISHED-TTL:PT1H");
    let years = calendar
        .events
        .iter()
        .filter_map(|e| match e.when {
            EventTime::Span { start, end } => Some((start.year(), end.year())),
            EventTime::Days { .. } => None,
        })
        .fold(None, |acc: Option<(i32, i32)>, (a, b)| {
            Some(acc.map_or((a, b), |(lo, hi)| (lo.min(a), hi.max(b))))
        });
    if let (false, Some((from, to))) = (utc, years) {
        push_vtimezone(&mut out, tz, from, to);
    }
    let timed = |t: DateTime<Utc>, name: &str| -> String {
        if utc {
            format!("{name}:{}", utc_stamp(t))
        } else {
            let local = tz.from_utc_datetime(&t.naive_utc()).naive_local();
            format!("{name};TZID={}:{}", tz.name(), local_stamp(local))
        }
    };
    for event in &calendar.events {
        push_line(&mut out, "BEGIN:VEVENT");
        push_line(&mut out, &format!("UID:{}", escape_text(&event.uid)));
        push_line(&mut out, &format!("DTSTAMP:{}", utc_stamp(stamp)));
        match &event.when {
            EventTime::Days { first, last } => {
                let end = (*last).max(*first).succ_opt().unwrap_or(*last);
                push_line(
                    &mut out,
                    &format!("DTSTART;VALUE=DATE:{}", date_stamp(*first)),
                );
                push_line(&mut out, &format!("DTEND;VALUE=DATE:{}", date_stamp(end)));
                push_line(&mut out, "TRANSP:TRANSPARENT");
            }
            EventTime::Span { start, end } => {
                push_line(&mut out, &timed(*start, "DTSTART"));
                push_line(&mut out, &timed((*end).max(*start), "DTEND"));
            }
        }
        push_line(
            &mut out,
            &format!("SUMMARY:{}", escape_text(&event.summary)),
        );
        if let Some(d) = &event.description {
            push_line(&mut out, &format!("DESCRIPTION:{}", escape_text(d)));
        }
        if let Some(l) = &event.location {
            push_line(&mut out, &format!("LOCATION:{}", escape_text(l)));
        }
        if let Some(s) = event.status {
            let s = match s {
                EventStatus::Tentative => "TENTATIVE",
                EventStatus::Confirmed => "CONFIRMED",
                EventStatus::Cancelled => "CANCELLED",
            };
            push_line(&mut out, &format!("STATUS:{s}"));
        }
        if !event.categories.is_empty() {
            let list: Vec<String> = event.categories.iter().map(|c| escape_text(c)).collect();
            push_line(&mut out, &format!("CATEGORIES:{}", list.join(",")));
        }
        if let Some(m) = event.last_modified {
            push_line(&mut out, &format!("LAST-MODIFIED:{}", utc_stamp(m)));
        }
        push_line(&mut out, "END:VEVENT");
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn booking(tz: Tz) -> String {
        render_calendar(
            &Calendar {
                name: "Color suite 1".into(),
                time_zone: tz,
                events: vec![Event {
                    uid: "booking-1@postflow".into(),
                    summary: "ACME-001 grade; day 1, reel A\nbring LUTs".into(),
                    description: Some("ü".repeat(60)),
                    location: None,
                    when: EventTime::Span {
                        start: at("2027-03-30T08:00:00Z"),
                        end: at("2027-03-30T17:00:00Z"),
                    },
                    status: Some(EventStatus::Confirmed),
                    categories: vec!["confirmed".into()],
                    last_modified: None,
                }],
            },
            at("2027-03-01T00:00:00Z"),
        )
    }

    #[test]
    fn lines_are_crlf_folded_at_75_octets_and_text_is_escaped() {
        let text = booking(Tz::UTC);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
            assert!(!line.contains('\n'));
        }
        assert!(text.contains("SUMMARY:ACME-001 grade\\; day 1\\, reel A\\nbring LUTs"));
        assert!(text.contains("DTSTART:20270330T080000Z"));
        assert!(!text.contains("VTIMEZONE"));
        // Unfolding gives back the 60 ü.
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("DESCRIPTION:{}", "ü".repeat(60))));
    }

    #[test]
    fn a_zoned_calendar_carries_its_transitions_and_local_times() {
        let text = booking(chrono_tz::Europe::London);
        // 2027-03-30 is after the spring change (28 March 2027): 08:00Z is 09:00 BST.
        assert!(
            text.contains("DTSTART;TZID=Europe/London:20270330T090000"),
            "{text}"
        );
        assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London"));
        // The change on 28 March 2027 at 01:00 GMT, and back on 31 October at 02:00 BST.
        assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20270328T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST"), "{text}");
        assert!(text.contains("BEGIN:STANDARD\r\nDTSTART:20271031T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT"), "{text}");
    }

    #[test]
    fn all_day_events_end_the_day_after() {
        let text = render_calendar(
            &Calendar {
                name: "p".into(),
                time_zone: Tz::UTC,
                events: vec![Event {
                    uid: "t@x".into(),
                    summary: "Picture lock".into(),
                    description: None,
                    location: None,
                    when: EventTime::Days {
                        first: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
                        last: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
                    },
                    status: None,
                    categories: vec![],
                    last_modified: None,
                }],
            },
            at("2027-03-01T00:00:00Z"),
        );
        assert!(text.contains("DTSTART;VALUE=DATE:20271231\r\nDTEND;VALUE=DATE:20280101"));
    }
}
