//! Bookings as plain facts, and the conflicts a producer should resolve: pure functions, no IO.
//!
//! The store guarantees that *confirmed* bookings never over-commit a resource; everything else
//! here is advice. [`find_conflicts`] looks at every booking (planning, preliminary and
//! confirmed) and reports, each with a fix to consider in plain words:
//! - **over-booked**: a stretch of time where the bookings of a resource need more units than it
//!   has (pencils over each other or over a confirmed booking);
//! - **not a working day**: a booking on a date its resource's calendar does not work (a weekend,
//!   a studio holiday, the booked person's day off);
//! - **before its predecessors**: a booking for a task that starts before the date the task's
//!   predecessors allow in the plan's forecast;
//! - **missing skill**: a task that needs a skill (or resource kind) and is booked only on
//!   resources that have neither.
//!
//! A booking covers the half-open range `[start, end)` in UTC; its dates are the UTC dates it
//! touches.
use crate::plan::calendar::WorkingCalendar;
use chrono::{DateTime, Duration, NaiveDate, Utc};
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
/// any offset), or `YYYY-MM-DDTHH:MM` / `YYYY-MM-DD HH:MM` read as UTC (what a
/// `datetime-local` field sends), or `YYYY-MM-DD` (midnight UTC).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("give a date and time, e.g. 2027-03-01T09:00:00Z".into());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(t, format) {
            return Ok(naive.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(date
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc());
    }
    Err(format!(
        "{t:?} is not a date and time; use RFC 3339, e.g. 2027-03-01T09:00:00Z"
    ))
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
    /// The UTC dates the booking touches (at most `limit` of them).
    fn dates(&self, limit: usize) -> Vec<NaiveDate> {
        let first = self.start.date_naive();
        let last = (self.end - Duration::seconds(1)).date_naive();
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
    BeforePredecessors,
    MissingSkill,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::OverBooked => "over_booked",
            ConflictKind::NotAWorkingDay => "not_a_working_day",
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

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// Every conflict among `bookings`, in a stable order (kind, then resource, then time).
pub fn find_conflicts(
    resources: &[ResourceFact],
    bookings: &[BookingFact],
    tasks: &[TaskFact],
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
        found.extend(over_booked(resource, held));
        if let Some(cal) = &resource.calendar {
            for b in held {
                let off: Vec<NaiveDate> = b
                    .dates(DATES_CHECKED)
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
            if b.start.date_naive() < *earliest {
                found.push(Conflict {
                    kind: ConflictKind::BeforePredecessors,
                    resource_id: Some(b.resource_id),
                    task_id: Some(task.id),
                    bookings: vec![b.id],
                    problem: format!(
                        "Booking #{} for “{}” starts {} but its predecessors ({}) cannot finish before {earliest}.",
                        b.id,
                        task.name,
                        b.start.date_naive(),
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
fn over_booked(resource: &ResourceFact, held: &[&BookingFact]) -> Vec<Conflict> {
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
                    when(from),
                    when(t),
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
        let found = find_conflicts(&[bay(7, 1, None)], &bookings, &[]);
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
        assert!(find_conflicts(&[bay(7, 2, None)], &bookings, &[]).is_empty());
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
        let found = find_conflicts(&[bay(7, 1, Some(cal))], &bookings, &[]);
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
        assert!(find_conflicts(&[bay(7, 1, None)], &bookings, &[]).is_empty());
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
        let found = find_conflicts(&[bay(7, 1, None), colorist], &[b1, b2], &tasks);
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
            parse_instant("2027-03-01T10:00:00+01:00").unwrap(),
            at(1, 9)
        );
        assert_eq!(parse_instant("2027-03-01T09:00").unwrap(), at(1, 9));
        assert_eq!(parse_instant(" 2027-03-01 ").unwrap(), at(1, 0));
        let err = parse_instant("next tuesday").unwrap_err();
        assert!(
            err.contains("\"next tuesday\"") && err.contains("RFC 3339"),
            "{err}"
        );
        assert!(parse_instant("").is_err());
        assert_eq!(
            BookingStatus::parse(" Confirmed"),
            Some(BookingStatus::Confirmed)
        );
        assert_eq!(BookingStatus::parse("maybe"), None);
    }
}
