//! Time as people log it: manual entries, the running timer, the weekly timesheet and its
//! approval.
//!
//! Rules: an entry is 1 minute to 24 hours, a person's day holds at most 24 hours, and an
//! approved week is locked (no entry is added, changed or removed in it). Everyone logs their
//! own time on projects they may `LogTime` on; a producer (`ApproveTime`) may log, see and
//! approve anyone's. A second timer start is **refused** rather than stopping the first: the
//! running one may be on another project, and silently turning it into an entry would log
//! time nobody confirmed. A timer is stopped into an entry dated the day it started (UTC),
//! under the same rules as a manual entry; a refused stop keeps the timer running.
use crate::audit::{record, AuditEvent};
use crate::{access, AppError, Context, FieldErrors, Result};
use chrono::{DateTime, NaiveDate, Utc};
use postflow_core::access::{authorize, Action, Actor, Permit};
use postflow_store::billing::{
    week_start, Activity, NewTimeEntry, NewTimer, TimeEntry, TimeFilter, Timer,
};
use postflow_store::{ConnectionTrait, Repo};

/// The activities a new studio starts with; they are data, and a producer adds more.
pub const DEFAULT_ACTIVITIES: [(&str, bool); 10] = [
    ("Editing", true),
    ("Assembly", true),
    ("Color grading", true),
    ("Sound design", true),
    ("Mix", true),
    ("VFX", true),
    ("Graphics", true),
    ("QC", true),
    ("Ingest", true),
    ("Admin", false),
];

const DAY_MINUTES: i64 = 24 * 60;

/// Reads a duration as typed: `1:30`, `90m`, `90`, `1.5h`, `1h 30m`. Negative, empty and
/// unreadable durations are refused with the words a form shows.
pub fn parse_duration(text: &str) -> std::result::Result<i64, String> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Err("give a duration such as 1:30 or 90m".into());
    }
    if t.starts_with('-') {
        return Err(format!(
            "{:?} is negative; a duration is at least one minute",
            text.trim()
        ));
    }
    let refused = || {
        format!(
            "{:?} is not a duration; write it like 1:30, 90m or 1.5h",
            text.trim()
        )
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let minutes: i64 = if let Some((h, m)) = t.split_once(':') {
        if !digits(h) || !digits(m) || m.len() != 2 {
            return Err(refused());
        }
        let m: i64 = m.parse().map_err(|_| refused())?;
        if m >= 60 {
            return Err(refused());
        }
        h.parse::<i64>().map_err(|_| refused())?.saturating_mul(60) + m
    } else if let Some(h) = t.strip_suffix('h').filter(|h| !h.contains('m')) {
        let h = h.trim();
        let (whole, frac) = h.split_once('.').unwrap_or((h, ""));
        if !digits(whole) || !(frac.is_empty() || digits(frac)) || frac.len() > 2 {
            return Err(refused());
        }
        let hundredths: i64 = format!("{whole}{frac:0<2}")
            .parse()
            .map_err(|_| refused())?;
        if hundredths.saturating_mul(60) % 100 != 0 {
            return Err(format!(
                "{:?} is not a whole number of minutes",
                text.trim()
            ));
        }
        hundredths.saturating_mul(60) / 100
    } else if let Some((h, m)) = t.split_once('h') {
        let m = m.trim().strip_suffix('m').unwrap_or(m.trim()).trim();
        if !digits(h.trim()) || !digits(m) {
            return Err(refused());
        }
        h.trim()
            .parse::<i64>()
            .map_err(|_| refused())?
            .saturating_mul(60)
            + m.parse::<i64>().map_err(|_| refused())?
    } else {
        let m = t
            .strip_suffix("min")
            .or(t.strip_suffix('m'))
            .unwrap_or(&t)
            .trim();
        if !digits(m) {
            return Err(refused());
        }
        m.parse().map_err(|_| refused())?
    };
    if minutes <= 0 {
        return Err("a duration is at least one minute".into());
    }
    if minutes > DAY_MINUTES {
        return Err(format!(
            "{} is more than the 24 hours of a day",
            text.trim()
        ));
    }
    Ok(minutes)
}

/// `7:30` for 450 minutes.
pub fn hours_minutes(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.abs();
    format!("{sign}{}:{:02}", m / 60, m % 60)
}

/// An entry as typed or sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryDraft {
    pub project_code: String,
    /// Whose time: `None` is the actor's own (only `ApproveTime` logs for others).
    pub user_id: Option<i64>,
    /// A task key of the project, optional.
    pub task_key: String,
    pub activity_id: i64,
    /// YYYY-MM-DD.
    pub date: String,
    /// As [`parse_duration`] reads it.
    pub duration: String,
    pub billable: bool,
    pub note: String,
}

/// The person whose time `actor` touches: their own, or anyone's with `ApproveTime`.
fn whose(actor: &Actor, user_id: Option<i64>) -> Result<i64> {
    match user_id {
        None => Ok(actor.user_id),
        Some(u) if u == actor.user_id => Ok(u),
        Some(u) => {
            authorize(actor, Action::ApproveTime, None)?;
            Ok(u)
        }
    }
}

async fn activity_in<C: ConnectionTrait>(repo: &Repo<C>, id: i64) -> Result<Activity> {
    match repo.activity_by_id(id).await? {
        Some(a) if !a.archived => Ok(a),
        _ => Err(AppError::field(
            "activity",
            "choose one of the studio's activities",
        )),
    }
}

/// Refuses time in a locked week or beyond 24 hours in the person's day.
async fn check_day<C: ConnectionTrait>(
    repo: &Repo<C>,
    user_id: i64,
    date: NaiveDate,
    minutes: i64,
    except: Option<i64>,
) -> Result<()> {
    // Two entries racing for the same day see each other's minutes.
    repo.lock_person_time(user_id).await?;
    if repo.week_locked(user_id, date).await? {
        return Err(AppError::Conflict(format!(
            "the week of {} is approved and locked; its time cannot change",
            week_start(date)
        )));
    }
    let logged = repo.minutes_on_day(user_id, date, except).await?;
    if logged + minutes > DAY_MINUTES {
        return Err(AppError::field(
            "duration",
            format!(
                "{date} would hold {} (already {}); a day has 24 hours",
                hours_minutes(logged + minutes),
                hours_minutes(logged)
            ),
        ));
    }
    Ok(())
}

/// Logs a manual entry.
pub async fn log_time(ctx: &Context, actor: &Actor, draft: &EntryDraft) -> Result<TimeEntry> {
    let mut errors = FieldErrors::default();
    let date = match crate::date_input(&draft.date) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.add("date", "give the day the work was done");
            None
        }
        Err(e) => {
            errors.add("date", e);
            None
        }
    };
    let minutes = parse_duration(&draft.duration)
        .map_err(|e| errors.add("duration", e))
        .ok();
    errors.into_result()?;
    let (date, minutes) = (date.unwrap_or_default(), minutes.unwrap_or_default());
    let user_id = whose(actor, draft.user_id)?;
    let tx = ctx.store.begin().await?;
    let (project, permit) =
        access::project_in(&tx, actor, &draft.project_code, Action::LogTime).await?;
    let activity = activity_in(&tx, draft.activity_id).await?;
    let task_id = match draft.task_key.trim() {
        "" => None,
        key => Some(
            tx.task_by_key(project.id, key)
                .await?
                .ok_or_else(|| {
                    AppError::field("task", format!("{} has no task {key:?}", project.code))
                })?
                .id,
        ),
    };
    check_day(&tx, user_id, date, minutes, None).await?;
    let entry = tx
        .insert_time_entry(NewTimeEntry {
            user_id,
            project_id: project.id,
            task_id,
            activity_id: activity.id,
            work_date: date,
            minutes,
            billable: draft.billable,
            note: draft.note.trim().to_string(),
        })
        .await?;
    let event = AuditEvent::TimeChanged {
        entry_id: Some(entry.id),
        verb: "create",
        detail: format!(
            "logged {} of {} on {} for {date}",
            hours_minutes(minutes),
            activity.name,
            project.code
        ),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    crate::budget_alerts::announce(&tx, project.id).await?;
    tx.commit().await?;
    Ok(entry)
}

/// Loads an entry the actor may change: their own, or anyone's with `ApproveTime`.
async fn own_entry<C: ConnectionTrait>(
    repo: &Repo<C>,
    actor: &Actor,
    id: i64,
) -> Result<TimeEntry> {
    let not_found = || AppError::NotFound(format!("time entry {id}"));
    let entry = repo.time_entry(id).await?.ok_or_else(not_found)?;
    if entry.user_id != actor.user_id
        && !postflow_core::access::can(actor, Action::ApproveTime, None)
    {
        return Err(not_found());
    }
    Ok(entry)
}

/// Edits an entry with the same checks as logging one (a duration of 1 min–24 h, at most 24 h
/// in the person's day counting the person's other entries, an activity of the studio, a task
/// of the project): an artist their own, a producer (`ApproveTime`) anyone's. An entry in an
/// approved (locked) week, moved into one, or already on an invoice is refused with a message
/// saying so; the person stays the entry's.
pub async fn edit_entry(
    ctx: &Context,
    actor: &Actor,
    id: i64,
    draft: &EntryDraft,
) -> Result<TimeEntry> {
    let mut errors = FieldErrors::default();
    let date = match crate::date_input(&draft.date) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.add("date", "give the day the work was done");
            None
        }
        Err(e) => {
            errors.add("date", e);
            None
        }
    };
    let minutes = parse_duration(&draft.duration)
        .map_err(|e| errors.add("duration", e))
        .ok();
    errors.into_result()?;
    let (date, minutes) = (date.unwrap_or_default(), minutes.unwrap_or_default());
    let tx = ctx.store.begin().await?;
    let entry = own_entry(&tx, actor, id).await?;
    if tx.week_locked(entry.user_id, entry.work_date).await? {
        return Err(AppError::Conflict(format!(
            "the week of {} is approved and locked; its time cannot be edited",
            week_start(entry.work_date)
        )));
    }
    if entry.invoice_id.is_some() {
        return Err(AppError::Conflict(
            "this time is on an invoice; it cannot be edited".into(),
        ));
    }
    let (project, permit) =
        access::project_in(&tx, actor, &draft.project_code, Action::LogTime).await?;
    let activity = activity_in(&tx, draft.activity_id).await?;
    let task_id = match draft.task_key.trim() {
        "" => None,
        key => Some(
            tx.task_by_key(project.id, key)
                .await?
                .ok_or_else(|| {
                    AppError::field("task", format!("{} has no task {key:?}", project.code))
                })?
                .id,
        ),
    };
    check_day(&tx, entry.user_id, date, minutes, Some(id)).await?;
    let before = (entry.project_id, entry.minutes, entry.work_date);
    let person = entry.user_id;
    let updated = tx
        .update_time_entry(
            entry,
            NewTimeEntry {
                user_id: person,
                project_id: project.id,
                task_id,
                activity_id: activity.id,
                work_date: date,
                minutes,
                billable: draft.billable,
                note: draft.note.trim().to_string(),
            },
        )
        .await?;
    let event = AuditEvent::TimeChanged {
        entry_id: Some(id),
        verb: "update",
        detail: format!(
            "changed {} on {} to {} of {} on {} for {date}",
            hours_minutes(before.1),
            before.2,
            hours_minutes(minutes),
            activity.name,
            project.code
        ),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    crate::budget_alerts::announce(&tx, project.id).await?;
    if before.0 != project.id {
        crate::budget_alerts::announce(&tx, before.0).await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes an entry (not in a locked week, not once it is on an invoice).
pub async fn delete_entry(ctx: &Context, actor: &Actor, id: i64) -> Result<()> {
    let tx = ctx.store.begin().await?;
    let entry = own_entry(&tx, actor, id).await?;
    if tx.week_locked(entry.user_id, entry.work_date).await? {
        return Err(AppError::Conflict(format!(
            "the week of {} is approved and locked; its time cannot change",
            week_start(entry.work_date)
        )));
    }
    if entry.invoice_id.is_some() {
        return Err(AppError::Conflict(
            "this time is on an invoice; it cannot be deleted".into(),
        ));
    }
    tx.delete_time_entry(id).await?;
    let event = AuditEvent::TimeChanged {
        entry_id: Some(id),
        verb: "delete",
        detail: format!(
            "deleted {} logged for {}",
            hours_minutes(entry.minutes),
            entry.work_date
        ),
    };
    record(&tx, access::audited_user(actor), event).await?;
    tx.commit().await?;
    Ok(())
}

/// What starts a timer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimerDraft {
    pub project_code: String,
    pub activity_id: i64,
    pub note: String,
}

pub async fn start_timer(ctx: &Context, actor: &Actor, draft: &TimerDraft) -> Result<Timer> {
    start_timer_at(ctx, actor, draft, Utc::now()).await
}

/// [`start_timer`] as if the clock read `at`.
pub async fn start_timer_at(
    ctx: &Context,
    actor: &Actor,
    draft: &TimerDraft,
    at: DateTime<Utc>,
) -> Result<Timer> {
    let tx = ctx.store.begin().await?;
    let (project, permit) =
        access::project_in(&tx, actor, &draft.project_code, Action::LogTime).await?;
    let activity = activity_in(&tx, draft.activity_id).await?;
    // One running timer per person, also when two tabs start one at once.
    tx.lock_person_time(actor.user_id).await?;
    if let Some(running) = tx.timer_of(actor.user_id).await? {
        let on = tx
            .project_by_id(running.project_id)
            .await?
            .map(|p| p.code)
            .unwrap_or_default();
        return Err(AppError::Conflict(format!(
            "a timer is already running on {on} since {} UTC; stop it first",
            running.started_at.format("%H:%M")
        )));
    }
    // The unique index decides between two starts at once.
    let timer = tx
        .start_timer(NewTimer {
            user_id: actor.user_id,
            project_id: project.id,
            task_id: None,
            activity_id: activity.id,
            note: draft.note.trim().to_string(),
            started_at: at,
        })
        .await?;
    let event = AuditEvent::TimeChanged {
        entry_id: None,
        verb: "start",
        detail: format!("started a timer for {} on {}", activity.name, project.code),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(timer)
}

/// The actor's running timer, if any.
pub async fn current_timer(ctx: &Context, actor: &Actor) -> Result<Option<Timer>> {
    Ok(ctx.store.timer_of(actor.user_id).await?)
}

pub async fn stop_timer(ctx: &Context, actor: &Actor) -> Result<TimeEntry> {
    stop_timer_at(ctx, actor, Utc::now()).await
}

/// Stops the running timer into a billable entry (whole minutes, at least one).
pub async fn stop_timer_at(ctx: &Context, actor: &Actor, at: DateTime<Utc>) -> Result<TimeEntry> {
    let tx = ctx.store.begin().await?;
    let timer = tx
        .take_timer(actor.user_id)
        .await?
        .ok_or_else(|| AppError::Conflict("no timer is running".into()))?;
    let seconds = (at - timer.started_at).num_seconds().max(0);
    let minutes = ((seconds + 30) / 60).max(1);
    let date = timer.started_at.date_naive();
    if minutes > DAY_MINUTES {
        return Err(AppError::Conflict(format!(
            "the timer ran {}, more than a day; discard it and log the time by hand",
            hours_minutes(minutes)
        )));
    }
    check_day(&tx, actor.user_id, date, minutes, None).await?;
    let activity = activity_in(&tx, timer.activity_id).await?;
    let entry = tx
        .insert_time_entry(NewTimeEntry {
            user_id: actor.user_id,
            project_id: timer.project_id,
            task_id: timer.task_id,
            activity_id: timer.activity_id,
            work_date: date,
            minutes,
            billable: activity.billable,
            note: timer.note.clone(),
        })
        .await?;
    let event = AuditEvent::TimeChanged {
        entry_id: Some(entry.id),
        verb: "stop",
        detail: format!(
            "stopped the timer: {} of {} on {date}",
            hours_minutes(minutes),
            activity.name
        ),
    };
    record(&tx, access::audited_user(actor), event).await?;
    crate::budget_alerts::announce(&tx, timer.project_id).await?;
    tx.commit().await?;
    Ok(entry)
}

/// Throws the running timer away without logging anything.
pub async fn discard_timer(ctx: &Context, actor: &Actor) -> Result<()> {
    let tx = ctx.store.begin().await?;
    tx.take_timer(actor.user_id)
        .await?
        .ok_or_else(|| AppError::Conflict("no timer is running".into()))?;
    let event = AuditEvent::TimeChanged {
        entry_id: None,
        verb: "discard",
        detail: "discarded the running timer".into(),
    };
    record(&tx, access::audited_user(actor), event).await?;
    tx.commit().await?;
    Ok(())
}

/// One person's week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekSheet {
    pub user_id: i64,
    pub week_start: NaiveDate,
    pub entries: Vec<TimeEntry>,
    /// Minutes per day, Monday first.
    pub per_day: [i64; 7],
    pub total: i64,
    pub approved: bool,
}

/// A person's week (own, or anyone's with `ApproveTime`).
pub async fn week(
    ctx: &Context,
    actor: &Actor,
    user_id: Option<i64>,
    day: NaiveDate,
) -> Result<WeekSheet> {
    let user_id = whose(actor, user_id)?;
    let start = week_start(day);
    let end = start + chrono::Duration::days(6);
    let entries = ctx
        .store
        .time_entries(&TimeFilter {
            user_id: Some(user_id),
            from: Some(start),
            to: Some(end),
            ..Default::default()
        })
        .await?;
    let mut per_day = [0i64; 7];
    for e in &entries {
        per_day[(e.work_date - start).num_days().clamp(0, 6) as usize] += e.minutes;
    }
    Ok(WeekSheet {
        user_id,
        week_start: start,
        total: per_day.iter().sum(),
        per_day,
        approved: ctx.store.week_locked(user_id, start).await?,
        entries,
    })
}

/// Approves (and so locks) a person's week.
pub async fn approve_week(
    ctx: &Context,
    actor: &Actor,
    user_id: i64,
    day: NaiveDate,
) -> Result<()> {
    let permit: Permit = authorize(actor, Action::ApproveTime, None)?;
    let tx = ctx.store.begin().await?;
    let person = tx
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("user {user_id}")))?;
    if tx.week_locked(user_id, day).await? {
        return Err(AppError::Conflict(format!(
            "{}'s week of {} is already approved",
            person.name,
            week_start(day)
        )));
    }
    tx.approve_timesheet(user_id, day, access::audited_user(permit.actor()))
        .await?;
    let event = AuditEvent::TimeChanged {
        entry_id: None,
        verb: "approve",
        detail: format!("approved {}'s week of {}", person.name, week_start(day)),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    let start = week_start(day);
    let mut projects: Vec<i64> = tx
        .time_entries(&TimeFilter {
            user_id: Some(user_id),
            from: Some(start),
            to: Some(start + chrono::Duration::days(6)),
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|e| e.project_id)
        .collect();
    projects.sort();
    projects.dedup();
    for p in projects {
        crate::budget_alerts::announce(&tx, p).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The studio's activities.
pub async fn activities(ctx: &Context) -> Result<Vec<Activity>> {
    Ok(ctx.store.activities().await?)
}

/// Adds an activity (`ManageBilling`).
pub async fn add_activity(
    ctx: &Context,
    actor: &Actor,
    name: &str,
    billable: bool,
) -> Result<Activity> {
    let permit = authorize(actor, Action::ManageBilling, None)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::field(
            "name",
            "give the activity a name of up to 60 characters",
        ));
    }
    let tx = ctx.store.begin().await?;
    let activity = tx
        .create_activity(name, billable)
        .await
        .map_err(|e| match e {
            postflow_store::StoreError::Duplicate { .. } => {
                AppError::field("name", format!("an activity {name:?} exists already"))
            }
            other => other.into(),
        })?;
    let event = AuditEvent::BillingChanged {
        entity: "activity",
        id: activity.id,
        verb: "create",
        detail: format!("added the activity {name}"),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(activity)
}

/// Adds the [`DEFAULT_ACTIVITIES`] a store does not have yet.
pub async fn seed_activities(ctx: &Context, actor: &Actor) -> Result<Vec<Activity>> {
    authorize(actor, Action::ManageBilling, None)?;
    let have: Vec<String> = ctx
        .store
        .activities()
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    for (name, billable) in DEFAULT_ACTIVITIES {
        if !have.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            add_activity(ctx, actor, name, billable).await?;
        }
    }
    activities(ctx).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_typed_and_bad_ones_are_refused() {
        for (text, minutes) in [
            ("1:30", 90),
            ("90", 90),
            ("90m", 90),
            ("90 min", 90),
            ("1.5h", 90),
            ("1.25h", 75),
            ("1h 30m", 90),
            ("2h", 120),
            ("24:00", 1440),
        ] {
            assert_eq!(parse_duration(text), Ok(minutes), "{text}");
        }
        assert!(parse_duration("-1:00").unwrap_err().contains("negative"));
        assert!(parse_duration("25:00").unwrap_err().contains("24 hours"));
        assert!(parse_duration("0")
            .unwrap_err()
            .contains("at least one minute"));
        for bad in [
            "",
            "abc",
            "1:3",
            "1:75",
            "1.333h",
            "h",
            "9999999999999999999999",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(hours_minutes(450), "7:30");
    }
}

/// A confirmed booking of the person (a resource linked to them), offered as a time entry the
/// person confirms with the hours actually worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub booking_id: i64,
    pub project_code: String,
    pub resource: String,
    /// The day it starts (UTC).
    pub date: NaiveDate,
    /// The booked length, capped at 24 hours.
    pub minutes: i64,
}

/// The note an entry confirmed from a booking carries; it marks the booking as logged.
fn booking_note(booking_id: i64) -> String {
    format!("booking {booking_id}:")
}

/// The person's confirmed bookings in the week of `day` not logged yet.
pub async fn proposals(ctx: &Context, actor: &Actor, day: NaiveDate) -> Result<Vec<Proposal>> {
    use postflow_store::bookings::BookingFilter;
    let start = week_start(day);
    let from = start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let to = from + chrono::Duration::days(7);
    let logged: Vec<String> = ctx
        .store
        .time_entries(&TimeFilter {
            user_id: Some(actor.user_id),
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|e| e.note)
        .collect();
    let mut out = Vec::new();
    for r in ctx.store.resources(false).await? {
        if r.user_id != Some(actor.user_id) {
            continue;
        }
        let bookings = ctx
            .store
            .list_bookings(&BookingFilter {
                resource_id: Some(r.id),
                from: Some(from),
                to: Some(to),
                ..Default::default()
            })
            .await?;
        for b in bookings {
            if b.status != "confirmed" || b.starts_at < from || b.starts_at >= to {
                continue;
            }
            let note = booking_note(b.id);
            if logged.iter().any(|n| n.starts_with(&note)) {
                continue;
            }
            let code = ctx
                .store
                .project_by_id(b.project_id)
                .await?
                .map(|p| p.code)
                .unwrap_or_default();
            out.push(Proposal {
                booking_id: b.id,
                project_code: code,
                resource: r.name.clone(),
                date: b.starts_at.date_naive(),
                minutes: (b.ends_at - b.starts_at)
                    .num_minutes()
                    .clamp(1, DAY_MINUTES),
            });
        }
    }
    out.sort_by_key(|p| (p.date, p.booking_id));
    Ok(out)
}

/// Logs a proposed booking as the person's time: `duration` is what was actually worked (empty:
/// the booked length), under the same rules as any entry.
pub async fn confirm_proposal(
    ctx: &Context,
    actor: &Actor,
    booking_id: i64,
    activity_id: i64,
    duration: &str,
) -> Result<TimeEntry> {
    let day = ctx
        .store
        .booking(booking_id)
        .await?
        .map(|b| b.starts_at.date_naive())
        .ok_or_else(|| AppError::NotFound(format!("booking {booking_id}")))?;
    let proposal = proposals(ctx, actor, day)
        .await?
        .into_iter()
        .find(|p| p.booking_id == booking_id)
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "booking {booking_id} is not a confirmed booking of yours waiting to be logged"
            ))
        })?;
    let duration = if duration.trim().is_empty() {
        format!("{}m", proposal.minutes)
    } else {
        duration.to_string()
    };
    let draft = EntryDraft {
        project_code: proposal.project_code.clone(),
        user_id: None,
        task_key: String::new(),
        activity_id,
        date: proposal.date.to_string(),
        duration,
        billable: true,
        note: format!("{} {}", booking_note(booking_id), proposal.resource),
    };
    log_time(ctx, actor, &draft).await
}
