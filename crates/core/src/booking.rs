//! Bookings as plain facts, and the conflicts a producer should resolve: pure functions, no IO.
//!
//! The store guarantees that *confirmed* bookings never over-commit a resource; everything else
//! here is advice. [`find_conflicts`] looks at every booking (planning, preliminary and
//! confirmed) and reports, each with a fix to consider in plain words:
//! - **over-booked**: a stretch of time where the bookings of a resource need more units than it
//!   has (pencils over each other or over a confirmed booking);
//! - **not a working day**: a booking on a date its resource's calendar does not work (a weekend,
//!   a studio holiday, the booked person's day off);
//! - **outside working hours**: a booking that starts before the studio opens or ends after it
//!   closes, on the studio's wall clock (a booking from local midnight to local midnight reads as
//!   "those whole days" and is never outside hours);
//! - **before its predecessors**: a booking for a task that starts before the date the task's
//!   predecessors allow in the plan's forecast;
//! - **missing skill**: a task that needs a skill (or resource kind) and is booked only on
//!   resources that have neither.
//!
//! A booking covers the half-open range `[start, end)` of instants; its dates are the dates it
//! touches on the studio's wall clock ([`StudioClock`]): a 09:00–18:00 booking in Los Angeles is
//! one Monday, not a Monday and a Tuesday in UTC.
use crate::plan::calendar::WorkingCalendar;
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// How firm a booking is (the Farmer's Wife convention).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BookingStatus {
    /// Pencilled by the plan; may overlap anything.
    Planning,
    /// Pencilled by a person (a hold); may overlap anything.
    Preliminary,
    /// Committed: the store never lets these over-commit a resource.
    Confirmed,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 3] = [
        BookingStatus::Planning,
        BookingStatus::Preliminary,
        BookingStatus::Confirmed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Planning => "planning",
            BookingStatus::Preliminary => "preliminary",
            BookingStatus::Confirmed => "confirmed",
        }
    }
    /// "confirmed", "Confirmed " … → the status; anything else is `None`.
    pub fn parse(s: &str) -> Option<BookingStatus> {
        let s = s.trim().to_ascii_lowercase();
        BookingStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// An instant typed by a person or sent by a client: RFC 3339 (`2027-03-01T09:00:00Z`,
/// any offset), or `YYYY-MM-DDTHH:MM` / `YYYY-MM-DD HH:MM` read on the wall clock of `tz` (what
/// a `datetime-local` field sends), or `YYYY-MM-DD` (midnight there). A wall-clock time the
/// clocks skip is refused; one they pass twice is the first of the two.
pub fn parse_instant(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("give a date and time, e.g. 2027-03-01T09:00:00Z".into());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(t, format).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        });
    let Some(local) = local else {
        return Err(format!(
            "{t:?} is not a date and time; use RFC 3339, e.g. 2027-03-01T09:00:00Z"
        ));
    };
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Ok(at.with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "{} does not exist in {} (the clocks go forward then); pick a time an hour later",
            local.format("%Y-%m-%d %H:%M"),
            tz.name()
        )),
    }
}

/// The hours the studio works, on its wall clock: `open` ≤ time < `close`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkingHours {
    pub open: NaiveTime,
    pub close: NaiveTime,
}

impl WorkingHours {
    /// `09:00-18:00` (or with an en dash, or `9:00 - 18:00`).
    pub fn parse(text: &str) -> Result<WorkingHours, String> {
        let t = text.trim();
        let Some((a, b)) = t.split_once(['-', '–']) else {
            return Err(format!(
                "{t:?} is not working hours; write opening and closing time, e.g. 09:00-18:00"
            ));
        };
        let time = |s: &str| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M")
                .map_err(|_| format!("{:?} is not a time of day; use HH:MM, e.g. 09:00", s.trim()))
        };
        let (open, close) = (time(a)?, time(b)?);
        if close <= open {
            return Err(format!(
                "the studio closes ({}) before it opens ({}); give the closing time after the opening time",
                close.format("%H:%M"),
                open.format("%H:%M")
            ));
        }
        Ok(WorkingHours { open, close })
    }

    pub fn label(&self) -> String {
        format!(
            "{}–{}",
            self.open.format("%H:%M"),
            self.close.format("%H:%M")
        )
    }
}

/// The studio's wall clock: the time zone its dates are read in, and its working hours (none:
/// any hour of a working day is fine).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StudioClock {
    pub tz: Tz,
    pub hours: Option<WorkingHours>,
}

impl StudioClock {
    pub fn utc() -> StudioClock {
        StudioClock {
            tz: Tz::UTC,
            hours: None,
        }
    }

    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.tz).naive_local()
    }

    /// The first instant of `date` on the studio's wall clock: its midnight, or where the
    /// clocks skip midnight (a few zones start summer time at 00:00), the first hour after.
    pub fn day_start(&self, date: NaiveDate) -> DateTime<Utc> {
        (0..24)
            .find_map(|h| {
                let local = date.and_hms_opt(h, 0, 0)?;
                self.tz.from_local_datetime(&local).earliest()
            })
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| date.and_time(NaiveTime::MIN).and_utc())
    }

    /// `2027-03-01 09:00` on the studio's wall clock.
    pub fn when(&self, t: DateTime<Utc>) -> String {
        self.local(t).format("%Y-%m-%d %H:%M").to_string()
    }

    /// Where a booking leaves the working hours: its first offending wall-clock time, or `None`.
    fn outside_hours(&self, b: &BookingFact) -> Option<NaiveDateTime> {
        let hours = self.hours?;
        let (start, end) = (self.local(b.start), self.local(b.end));
        let midnight = NaiveTime::MIN;
        if start.time() == midnight && end.time() == midnight {
            return None; // whole days
        }
        if start.time() < hours.open || start.time() >= hours.close {
            return Some(start);
        }
        // An end at midnight is 24:00 of the day before: after any closing time.
        if end.time() == midnight || end.time() > hours.close || end.time() <= hours.open {
            return Some(end);
        }
        None
    }
}

/// A booking as the conflict rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingFact {
    pub id: i64,
    pub resource_id: i64,
    pub project_id: i64,
    pub task_id: Option<i64>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub units: i64,
    pub status: BookingStatus,
}

impl BookingFact {
    /// The wall-clock dates the booking touches (at most `limit` of them).
    fn dates(&self, clock: &StudioClock, limit: usize) -> Vec<NaiveDate> {
        let first = clock.local(self.start).date();
        let last = clock.local(self.end - Duration::seconds(1)).date();
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .take(limit)
            .collect()
    }
}

/// A kind or skill as people type it, in the one form resources store: "Edit bay", "edit-bay"
/// and "edit_bay" are one kind (templates say "edit bay", resources store `edit_bay`).
pub fn kind_key(kind: &str) -> String {
    kind.trim().to_lowercase().replace([' ', '-'], "_")
}

/// A resource as the conflict rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceFact {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub capacity: i64,
    pub skills: Vec<String>,
    /// The days it works (the studio's, with the linked person's days off); `None`: every day.
    pub calendar: Option<WorkingCalendar>,
}

impl ResourceFact {
    /// Whether it offers `need` (its kind or one of its skills, compared by [`kind_key`]).
    pub fn offers(&self, need: &str) -> bool {
        let need = kind_key(need);
        kind_key(&self.kind) == need || self.skills.iter().any(|s| kind_key(s) == need)
    }
}

/// A task as the conflict rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFact {
    pub id: i64,
    pub name: String,
    /// The first date its predecessors allow in the forecast, and who they are.
    pub earliest_start: Option<(NaiveDate, Vec<String>)>,
    /// The skill or resource kind the work needs.
    pub needs: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConflictKind {
    OverBooked,
    NotAWorkingDay,
    OutsideWorkingHours,
    BeforePredecessors,
    MissingSkill,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::OverBooked => "over_booked",
            ConflictKind::NotAWorkingDay => "not_a_working_day",
            ConflictKind::OutsideWorkingHours => "outside_working_hours",
            ConflictKind::BeforePredecessors => "before_predecessors",
            ConflictKind::MissingSkill => "missing_skill",
        }
    }
}

/// Something to resolve, with the fix to consider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub kind: ConflictKind,
    pub resource_id: Option<i64>,
    pub task_id: Option<i64>,
    /// The bookings involved, by id.
    pub bookings: Vec<i64>,
    /// What is wrong, in one sentence.
    pub problem: String,
    /// What to consider doing about it.
    pub fix: String,
}

/// At most this many dates of one booking are checked against its calendar.
const DATES_CHECKED: usize = 400;

fn ids(list: &[i64]) -> String {
    list.iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every conflict among `bookings`, in a stable order (kind, then resource, then time); dates
/// and hours are read on `clock`.
pub fn find_conflicts(
    resources: &[ResourceFact],
    bookings: &[BookingFact],
    tasks: &[TaskFact],
    clock: &StudioClock,
) -> Vec<Conflict> {
    let resource_of: BTreeMap<i64, &ResourceFact> = resources.iter().map(|r| (r.id, r)).collect();
    let task_of: BTreeMap<i64, &TaskFact> = tasks.iter().map(|t| (t.id, t)).collect();
    let mut by_resource: BTreeMap<i64, Vec<&BookingFact>> = BTreeMap::new();
    for b in bookings {
        by_resource.entry(b.resource_id).or_default().push(b);
    }
    let mut found = Vec::new();
    for (resource_id, held) in &by_resource {
        let Some(resource) = resource_of.get(resource_id) else {
            continue;
        };
        found.extend(over_booked(resource, held, clock));
        if let Some(cal) = &resource.calendar {
            for b in held {
                if let Some(at) = clock.outside_hours(b) {
                    let hours = clock.hours.map(|h| h.label()).unwrap_or_default();
                    found.push(Conflict {
                        kind: ConflictKind::OutsideWorkingHours,
                        resource_id: Some(resource.id),
                        task_id: b.task_id,
                        bookings: vec![b.id],
                        problem: format!(
                            "Booking #{} of {} runs {} to {} ({}), outside the studio's working hours {hours} (at {}).",
                            b.id,
                            resource.name,
                            clock.when(b.start),
                            clock.when(b.end),
                            clock.tz.name(),
                            at.format("%Y-%m-%d %H:%M")
                        ),
                        fix: format!(
                            "Move booking #{} within {hours}, or agree the overtime with the people booked and widen the working hours on the Schedule page.",
                            b.id
                        ),
                    });
                }
                let off: Vec<NaiveDate> = b
                    .dates(clock, DATES_CHECKED)
                    .into_iter()
                    .filter(|d| !cal.is_working_day(*d))
                    .collect();
                if let Some(first) = off.first() {
                    let days = if off.len() == 1 {
                        format!("{first}, which is not a working day")
                    } else {
                        format!(
                            "{} days that are not working days (first {first})",
                            off.len()
                        )
                    };
                    found.push(Conflict {
                        kind: ConflictKind::NotAWorkingDay,
                        resource_id: Some(resource.id),
                        task_id: b.task_id,
                        bookings: vec![b.id],
                        problem: format!(
                            "Booking #{} of {} falls on {days} for it.",
                            b.id, resource.name
                        ),
                        fix: format!(
                            "Move booking #{} to working days of {}, or book a resource that works then.",
                            b.id, resource.name
                        ),
                    });
                }
            }
        }
    }
    for b in bookings {
        let Some(task) = b.task_id.and_then(|t| task_of.get(&t)) else {
            continue;
        };
        if let Some((earliest, predecessors)) = &task.earliest_start {
            if clock.local(b.start).date() < *earliest {
                found.push(Conflict {
                    kind: ConflictKind::BeforePredecessors,
                    resource_id: Some(b.resource_id),
                    task_id: Some(task.id),
                    bookings: vec![b.id],
                    problem: format!(
                        "Booking #{} for “{}” starts {} but its predecessors ({}) cannot finish before {earliest}.",
                        b.id,
                        task.name,
                        clock.local(b.start).date(),
                        predecessors.join(", ")
                    ),
                    fix: format!(
                        "Move booking #{} to {earliest} or later, or bring the predecessors forward.",
                        b.id
                    ),
                });
            }
        }
    }
    for task in tasks {
        let Some(need) = task.needs.as_deref().filter(|n| !n.trim().is_empty()) else {
            continue;
        };
        let booked: Vec<&BookingFact> = bookings
            .iter()
            .filter(|b| b.task_id == Some(task.id))
            .collect();
        if booked.is_empty() {
            continue;
        }
        let covered = booked.iter().any(|b| {
            resource_of
                .get(&b.resource_id)
                .is_some_and(|r| r.offers(need))
        });
        if covered {
            continue;
        }
        let candidates: Vec<&str> = resources
            .iter()
            .filter(|r| r.offers(need))
            .map(|r| r.name.as_str())
            .collect();
        let booking_ids: Vec<i64> = booked.iter().map(|b| b.id).collect();
        let fix = if candidates.is_empty() {
            format!(
                "No resource of the studio offers {need:?}: add the skill to a person or a resource of that kind, or change what the task needs."
            )
        } else {
            format!(
                "Book {} instead (they offer {need:?}).",
                candidates.join(" or ")
            )
        };
        found.push(Conflict {
            kind: ConflictKind::MissingSkill,
            resource_id: None,
            task_id: Some(task.id),
            bookings: booking_ids.clone(),
            problem: format!(
                "“{}” needs {need:?} but is booked only on resources without it ({}).",
                task.name,
                ids(&booking_ids)
            ),
            fix,
        });
    }
    found.sort_by(|a, b| {
        (a.kind, a.resource_id, a.bookings.first()).cmp(&(
            b.kind,
            b.resource_id,
            b.bookings.first(),
        ))
    });
    found
}

/// The stretches where the bookings of `resource` need more than its capacity, each once
/// (contiguous over-committed time is one conflict naming every booking in it).
fn over_booked(
    resource: &ResourceFact,
    held: &[&BookingFact],
    clock: &StudioClock,
) -> Vec<Conflict> {
    // Sweep: at equal instants, ends before starts (the ranges are half-open).
    let mut events: Vec<(DateTime<Utc>, i64, usize)> = Vec::new();
    for (i, b) in held.iter().enumerate() {
        if b.end <= b.start {
            continue;
        }
        events.push((b.start, Ord::max(b.units, 1), i));
        events.push((b.end, -Ord::max(b.units, 1), i));
    }
    events.sort_by_key(|(t, delta, _)| (*t, *delta));
    let mut load = 0i64;
    let mut active: Vec<usize> = Vec::new();
    let mut found = Vec::new();
    // The stretch being collected: (from, involved bookings, peak).
    let mut stretch: Option<(DateTime<Utc>, Vec<usize>, i64)> = None;
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        while i < events.len() && events[i].0 == t {
            let (_, delta, idx) = events[i];
            load += delta;
            if delta > 0 {
                active.push(idx);
            } else {
                active.retain(|a| *a != idx);
            }
            i += 1;
        }
        if load > resource.capacity {
            let s = stretch.get_or_insert_with(|| (t, Vec::new(), 0));
            s.1.extend(active.iter().copied());
            s.2 = Ord::max(s.2, load);
        } else if let Some((from, involved, peak)) = stretch.take() {
            let mut booking_ids: Vec<i64> = involved.iter().map(|k| held[*k].id).collect();
            booking_ids.sort_unstable();
            booking_ids.dedup();
            found.push(Conflict {
                kind: ConflictKind::OverBooked,
                resource_id: Some(resource.id),
                task_id: None,
                problem: format!(
                    "{} is booked for {peak} at once from {} to {} but holds {} (bookings {}).",
                    resource.name,
                    clock.when(from),
                    clock.when(t),
                    resource.capacity,
                    ids(&booking_ids)
                ),
                fix: format!(
                    "Move or shorten one of bookings {}, or book another {} for it.",
                    ids(&booking_ids),
                    resource.kind.replace('_', " ")
                ),
                bookings: booking_ids,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Weekday};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn a_day_starts_at_local_midnight_or_where_the_clocks_skip_it() {
        let berlin = StudioClock {
            tz: "Europe/Berlin".parse().unwrap(),
            hours: None,
        };
        let day = NaiveDate::from_ymd_opt(2027, 7, 1).unwrap();
        assert_eq!(
            berlin.day_start(day),
            Utc.with_ymd_and_hms(2027, 6, 30, 22, 0, 0).unwrap()
        );
        // Santiago moves its clocks from 00:00 to 01:00 on 2026-09-06.
        let santiago = StudioClock {
            tz: "America/Santiago".parse().unwrap(),
            hours: None,
        };
        let skipped = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        assert_eq!(
            santiago.day_start(skipped),
            Utc.with_ymd_and_hms(2026, 9, 6, 4, 0, 0).unwrap()
        );
        assert_eq!(
            StudioClock::utc().day_start(day),
            day.and_time(NaiveTime::MIN).and_utc()
        );
    }

    fn booking(
        id: i64,
        resource_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        status: BookingStatus,
    ) -> BookingFact {
        BookingFact {
            id,
            resource_id,
            project_id: 1,
            task_id: None,
            start: from,
            end: to,
            units: 1,
            status,
        }
    }

    fn bay(id: i64, capacity: i64, calendar: Option<WorkingCalendar>) -> ResourceFact {
        ResourceFact {
            id,
            name: format!("Bay {id}"),
            kind: "edit_bay".into(),
            capacity,
            skills: vec![],
            calendar,
        }
    }

    #[test]
    fn overlapping_pencils_are_one_over_booking_naming_every_booking_in_it() {
        use BookingStatus::*;
        let bookings = [
            booking(1, 7, at(1, 9), at(1, 12), Confirmed),
            booking(2, 7, at(1, 11), at(1, 13), Preliminary),
            booking(3, 7, at(1, 12), at(1, 14), Planning),
            // Back to back with 1 on another day: fine.
            booking(4, 7, at(2, 9), at(2, 10), Planning),
            booking(5, 7, at(2, 10), at(2, 11), Planning),
        ];
        let found = find_conflicts(&[bay(7, 1, None)], &bookings, &[], &StudioClock::utc());
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].kind, ConflictKind::OverBooked);
        assert_eq!(found[0].bookings, vec![1, 2, 3]);
        assert!(
            found[0]
                .problem
                .contains("2027-03-01 11:00 to 2027-03-01 13:00"),
            "{}",
            found[0].problem
        );
        assert!(
            found[0].fix.contains("another edit bay"),
            "{}",
            found[0].fix
        );
        // Capacity 2 carries the same bookings.
        assert!(find_conflicts(&[bay(7, 2, None)], &bookings, &[], &StudioClock::utc()).is_empty());
    }

    #[test]
    fn a_booking_on_a_weekend_or_a_day_off_is_named_with_the_date() {
        let week = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ];
        // 2027-03-06 is a Saturday; the person is off on Wednesday the 3rd.
        let cal = WorkingCalendar::new(at(1, 0).date_naive(), &week, &[])
            .unwrap()
            .with_days_off(&[at(3, 0).date_naive()]);
        let bookings = [
            booking(1, 7, at(1, 9), at(2, 18), BookingStatus::Confirmed),
            booking(2, 7, at(3, 9), at(3, 18), BookingStatus::Confirmed),
            booking(3, 7, at(6, 9), at(6, 12), BookingStatus::Planning),
        ];
        let found = find_conflicts(&[bay(7, 1, Some(cal))], &bookings, &[], &StudioClock::utc());
        let named: Vec<(i64, bool)> = found
            .iter()
            .map(|c| {
                (
                    c.bookings[0],
                    c.problem.contains(&format!(
                        "2027-03-0{}",
                        [0, 0, 3, 6][c.bookings[0] as usize]
                    )),
                )
            })
            .collect();
        assert_eq!(named, vec![(2, true), (3, true)], "{found:#?}");
        // Without a calendar it works every day.
        assert!(find_conflicts(&[bay(7, 1, None)], &bookings, &[], &StudioClock::utc()).is_empty());
    }

    #[test]
    fn a_task_booked_too_early_or_on_the_wrong_skill_says_what_to_do() {
        let mut colorist = bay(8, 1, None);
        colorist.name = "Ana".into();
        colorist.kind = "person".into();
        colorist.skills = vec!["Grading".into()];
        let mut b1 = booking(1, 7, at(1, 9), at(1, 18), BookingStatus::Preliminary);
        b1.task_id = Some(40);
        let mut b2 = booking(2, 8, at(5, 9), at(5, 18), BookingStatus::Preliminary);
        b2.task_id = Some(41);
        let tasks = [
            TaskFact {
                id: 40,
                name: "Grade".into(),
                earliest_start: Some((at(4, 0).date_naive(), vec!["Conform".into()])),
                needs: Some("grading".into()),
            },
            TaskFact {
                id: 41,
                name: "Online".into(),
                earliest_start: Some((at(4, 0).date_naive(), vec![])),
                needs: Some("grading".into()),
            },
        ];
        let found = find_conflicts(
            &[bay(7, 1, None), colorist],
            &[b1, b2],
            &tasks,
            &StudioClock::utc(),
        );
        let kinds: Vec<ConflictKind> = found.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            vec![ConflictKind::BeforePredecessors, ConflictKind::MissingSkill],
            "{found:#?}"
        );
        assert!(found[0].problem.contains("Conform") && found[0].fix.contains("2027-03-04"));
        assert_eq!(found[1].task_id, Some(40));
        assert!(found[1].fix.contains("Book Ana"), "{}", found[1].fix);
    }

    #[test]
    fn instants_are_read_from_rfc3339_and_form_fields_and_bad_text_is_named() {
        assert_eq!(
            parse_instant("2027-03-01T10:00:00+01:00", Tz::UTC).unwrap(),
            at(1, 9)
        );
        assert_eq!(
            parse_instant("2027-03-01T09:00", Tz::UTC).unwrap(),
            at(1, 9)
        );
        assert_eq!(parse_instant(" 2027-03-01 ", Tz::UTC).unwrap(), at(1, 0));
        let err = parse_instant("next tuesday", Tz::UTC).unwrap_err();
        assert!(
            err.contains("\"next tuesday\"") && err.contains("RFC 3339"),
            "{err}"
        );
        assert!(parse_instant("", Tz::UTC).is_err());
        assert_eq!(
            BookingStatus::parse(" Confirmed"),
            Some(BookingStatus::Confirmed)
        );
        assert_eq!(BookingStatus::parse("maybe"), None);
    }

    fn weekdays() -> WorkingCalendar {
        use Weekday::*;
        WorkingCalendar::new(at(1, 0).date_naive(), &[Mon, Tue, Wed, Thu, Fri], &[]).unwrap()
    }

    #[test]
    fn bookings_outside_working_hours_are_named_on_the_studio_clock() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let clock = StudioClock {
            tz: la,
            hours: Some(WorkingHours::parse("09:00-18:00").unwrap()),
        };
        // 2027-03-01 is a Monday; 09:00 in Los Angeles (PST) is 17:00 UTC.
        let local = |day: u32, h: u32| {
            la.with_ymd_and_hms(2027, 3, day, h, 0, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        let bookings = [
            booking(1, 7, local(1, 9), local(1, 18), BookingStatus::Confirmed),
            booking(2, 7, local(2, 7), local(2, 12), BookingStatus::Confirmed),
            booking(3, 7, local(3, 14), local(3, 21), BookingStatus::Preliminary),
            // Monday 09:00 to Tuesday 18:00: the night between is not worked, not a conflict.
            booking(4, 8, local(1, 9), local(2, 18), BookingStatus::Confirmed),
            // Whole days, midnight to midnight.
            booking(5, 9, local(1, 0), local(3, 0), BookingStatus::Planning),
        ];
        let rooms = [
            bay(7, 1, Some(weekdays())),
            bay(8, 1, Some(weekdays())),
            bay(9, 1, Some(weekdays())),
        ];
        let found = find_conflicts(&rooms, &bookings, &[], &clock);
        let outside: Vec<&Conflict> = found
            .iter()
            .filter(|c| c.kind == ConflictKind::OutsideWorkingHours)
            .collect();
        assert_eq!(
            outside.iter().map(|c| c.bookings[0]).collect::<Vec<_>>(),
            vec![2, 3],
            "{found:#?}"
        );
        assert!(
            outside[0].problem.contains("2027-03-02 07:00"),
            "{}",
            outside[0].problem
        );
        assert!(outside[0].problem.contains("America/Los_Angeles"));
        assert!(outside[0].fix.contains("09:00–18:00"));
        assert!(outside[1].problem.contains("2027-03-03 21:00"));
        // A Monday-evening booking in Los Angeles is Tuesday in UTC, yet only Monday here.
        assert!(
            found.iter().all(|c| c.kind != ConflictKind::NotAWorkingDay),
            "{found:#?}"
        );
        // The same bookings without working hours raise nothing about hours.
        let any_hour = StudioClock {
            tz: la,
            hours: None,
        };
        assert!(find_conflicts(&rooms, &bookings, &[], &any_hour).is_empty());
    }

    #[test]
    fn a_friday_evening_in_los_angeles_is_not_a_saturday_booking() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let clock = StudioClock {
            tz: la,
            hours: None,
        };
        // Friday 2027-03-05 16:00–20:00 PST = Saturday 00:00–04:00 UTC.
        let start = la
            .with_ymd_and_hms(2027, 3, 5, 16, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let b = booking(
            1,
            7,
            start,
            start + Duration::hours(4),
            BookingStatus::Confirmed,
        );
        assert!(
            find_conflicts(&[bay(7, 1, Some(weekdays()))], &[b.clone()], &[], &clock).is_empty()
        );
        // Read in UTC it would be a Saturday.
        let utc = find_conflicts(
            &[bay(7, 1, Some(weekdays()))],
            &[b],
            &[],
            &StudioClock::utc(),
        );
        assert_eq!(utc[0].kind, ConflictKind::NotAWorkingDay);
    }

    #[test]
    fn wall_clock_times_are_read_in_the_studio_zone_and_skipped_times_refused() {
        let london: Tz = "Europe/London".parse().unwrap();
        // Summer time: 09:00 in London is 08:00 UTC.
        assert_eq!(
            parse_instant("2027-07-01T09:00", london).unwrap(),
            Utc.with_ymd_and_hms(2027, 7, 1, 8, 0, 0).unwrap()
        );
        // An explicit offset wins over the zone.
        assert_eq!(
            parse_instant("2027-07-01T09:00:00Z", london).unwrap(),
            Utc.with_ymd_and_hms(2027, 7, 1, 9, 0, 0).unwrap()
        );
        // 2027-03-28 01:30 does not exist in London (01:00 → 02:00).
        let err = parse_instant("2027-03-28 01:30", london).unwrap_err();
        assert!(err.contains("does not exist in Europe/London"), "{err}");
        // 2027-10-31 01:30 happens twice: the first (BST, 00:30 UTC).
        assert_eq!(
            parse_instant("2027-10-31 01:30", london).unwrap(),
            Utc.with_ymd_and_hms(2027, 10, 31, 0, 30, 0).unwrap()
        );
    }

    #[test]
    fn working_hours_parse_and_bad_text_is_named() {
        let h = WorkingHours::parse(" 9:00 – 18:30 ").unwrap();
        assert_eq!(h.label(), "09:00–18:30");
        assert!(WorkingHours::parse("18:00-09:00")
            .unwrap_err()
            .contains("before it opens"));
        assert!(WorkingHours::parse("nine to six")
            .unwrap_err()
            .contains("09:00-18:00"));
        assert!(WorkingHours::parse("09:00-25:00")
            .unwrap_err()
            .contains("\"25:00\""));
    }
}
