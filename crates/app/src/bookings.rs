//! Bookings as people make them: book a resource for a project (and optionally a task), move or
//! extend it, change its status, cancel it; list them; find the conflicts to resolve.
//!
//! Who may: `ManageBookings` (producers, admins) books, moves, confirms and cancels; everyone
//! with `ViewStudio` sees the board — a booking of a project they may not see shows as "booked"
//! without the project. Confirmed bookings never over-commit a resource: the store checks inside
//! the transaction (see `postflow_store::bookings`), and a refusal is [`BookingError::Overbooked`]
//! naming the bookings it collides with.
use crate::audit::{record, AuditEvent};
use crate::{access, plan, AppError, Context, FieldErrors, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use postflow_core::access::{can, Action, Actor, Denied};
use postflow_core::booking::{
    find_conflicts, parse_instant, BookingFact, BookingStatus, Conflict, ResourceFact, StudioClock,
    TaskFact, WorkingHours,
};
use postflow_core::plan::DependencyKind;
use postflow_store::bookings::{Booking, BookingChange, BookingFilter, NewBooking, Overbooked};
use postflow_store::studio::{Project, Resource};
use postflow_store::{ConnectionTrait, Repo, StoreError};
use std::collections::BTreeMap;

/// Why a booking change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    /// Confirmed bookings would over-commit the resource; `conflicts_with` names them.
    #[error("{message}")]
    Overbooked {
        message: String,
        conflicts_with: Vec<i64>,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for BookingError {
    fn from(e: StoreError) -> Self {
        BookingError::App(e.into())
    }
}

impl From<Denied> for BookingError {
    fn from(d: Denied) -> Self {
        BookingError::App(d.into())
    }
}

impl From<BookingError> for AppError {
    fn from(e: BookingError) -> Self {
        match e {
            BookingError::Overbooked { message, .. } => AppError::Conflict(message),
            BookingError::App(a) => a,
        }
    }
}

/// A booking as typed into a form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingDraft {
    pub resource_id: i64,
    pub project_code: String,
    pub task_id: Option<i64>,
    /// RFC 3339, or `YYYY-MM-DDTHH:MM` (UTC), or a date.
    pub start: String,
    pub end: String,
    /// planning, preliminary or confirmed (empty: preliminary).
    pub status: String,
    /// Units of the capacity (empty: 1).
    pub units: Option<i64>,
    pub note: String,
}

/// What to change on a booking; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingEdit {
    pub start: Option<String>,
    pub end: Option<String>,
    pub status: Option<String>,
    pub units: Option<i64>,
    pub note: Option<String>,
}

/// The studio setting holding its working hours (`09:00-18:00`); unset: any hour.
pub const WORKING_HOURS_SETTING: &str = "working_hours";

/// The studio's wall clock: its time zone and working hours.
pub async fn studio_clock<C: ConnectionTrait>(repo: &Repo<C>) -> Result<StudioClock> {
    let tz = crate::feeds::time_zone_in(repo).await?;
    let hours = match repo.studio_setting(WORKING_HOURS_SETTING).await? {
        None => None,
        Some(text) if text.trim().is_empty() => None,
        Some(text) => Some(WorkingHours::parse(&text).map_err(|e| {
            AppError::Store(StoreError::Corrupt(format!(
                "the studio's working hours: {e}"
            )))
        })?),
    };
    Ok(StudioClock { tz, hours })
}

/// Sets the studio's working hours (`09:00-18:00`), or clears them with an empty text (then a
/// booking may be at any hour of a working day).
pub async fn set_working_hours(
    ctx: &Context,
    actor: &Actor,
    text: &str,
) -> Result<Option<WorkingHours>> {
    access::studio(actor, Action::ManageCalendar)?;
    let hours = match text.trim() {
        "" => None,
        t => Some(WorkingHours::parse(t).map_err(|e| AppError::field("working_hours", e))?),
    };
    let tx = ctx.store.begin().await?;
    let stored = hours
        .map(|h| format!("{}-{}", h.open.format("%H:%M"), h.close.format("%H:%M")))
        .unwrap_or_default();
    tx.set_studio_setting(WORKING_HOURS_SETTING, &stored)
        .await?;
    record(
        &tx,
        crate::access::audited_user(actor),
        AuditEvent::CalendarChanged {
            detail: match hours {
                Some(h) => format!("set the studio's working hours to {}", h.label()),
                None => "cleared the studio's working hours".into(),
            },
        },
    )
    .await?;
    tx.commit().await?;
    Ok(hours)
}

/// Reads the range and status fields, each refusal named by its field; wall-clock times are on
/// the studio's clock.
fn read_range(
    errors: &mut FieldErrors,
    clock: &StudioClock,
    start: &str,
    end: &str,
    status: &str,
) -> (DateTime<Utc>, DateTime<Utc>, BookingStatus) {
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    let start_at = parse_instant(start, clock.tz).unwrap_or_else(|e| {
        errors.add("start", e);
        epoch
    });
    let end_at = parse_instant(end, clock.tz).unwrap_or_else(|e| {
        errors.add("end", e);
        epoch
    });
    if errors.is_empty() && end_at <= start_at {
        errors.add(
            "end",
            format!(
                "the end ({}) must be after the start ({})",
                end_at.to_rfc3339(),
                start_at.to_rfc3339()
            ),
        );
    }
    if errors.is_empty() && end_at - start_at > Duration::days(366) {
        errors.add(
            "end",
            "a booking lasts at most a year; book longer stretches in parts",
        );
    }
    let status = match status.trim() {
        "" => BookingStatus::Preliminary,
        text => BookingStatus::parse(text).unwrap_or_else(|| {
            errors.add(
                "status",
                format!("{text:?} is not a status; use planning, preliminary or confirmed"),
            );
            BookingStatus::Preliminary
        }),
    };
    (start_at, end_at, status)
}

fn check_units(errors: &mut FieldErrors, units: Option<i64>, resource: &Resource) -> i64 {
    let units = units.unwrap_or(1);
    if units < 1 || units > resource.capacity {
        errors.add(
            "units",
            format!(
                "{} holds {} at a time; book 1 to {} units",
                resource.name, resource.capacity, resource.capacity
            ),
        );
    }
    units
}

fn booking_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("booking {id}"))
}

/// The refusal in words a producer reads: each colliding booking with its project and time.
async fn overbooked<C: ConnectionTrait>(repo: &Repo<C>, refused: Overbooked) -> BookingError {
    let mut named = Vec::new();
    for id in &refused.conflicts_with {
        if let Ok(Some(b)) = repo.booking(*id).await {
            let code = match repo.project_by_id(b.project_id).await {
                Ok(Some(p)) => p.code,
                _ => "?".into(),
            };
            let clock = studio_clock(repo).await.unwrap_or(StudioClock::utc());
            named.push(format!(
                "#{id} ({code}, {} to {} {})",
                clock.when(b.starts_at),
                clock.when(b.ends_at),
                clock.tz.name()
            ));
        }
    }
    let message = if named.is_empty() {
        format!("{refused}")
    } else {
        format!(
            "{} (capacity {}) is already confirmed then: booking {}; pick another time or resource, or book it as preliminary",
            refused.resource_name,
            refused.capacity,
            named.join(", ")
        )
    };
    BookingError::Overbooked {
        message,
        conflicts_with: refused.conflicts_with,
    }
}

async fn task_in_project<C: ConnectionTrait>(
    repo: &Repo<C>,
    project_id: i64,
    task_id: i64,
) -> Result<bool> {
    Ok(repo
        .plans_of(&[project_id])
        .await?
        .tasks
        .iter()
        .any(|t| t.id == task_id))
}

/// Books a resource.
pub async fn book(
    ctx: &Context,
    actor: &Actor,
    draft: &BookingDraft,
) -> std::result::Result<Booking, BookingError> {
    let permit = access::studio(actor, Action::ManageBookings)?;
    let mut errors = FieldErrors::default();
    let clock = studio_clock(&ctx.store).await?;
    let (start, end, status) =
        read_range(&mut errors, &clock, &draft.start, &draft.end, &draft.status);
    let tx = ctx.store.begin().await?;
    let project =
        match access::project_in(&tx, actor, &draft.project_code, Action::ViewProject).await {
            Ok((p, _)) => Some(p),
            Err(AppError::NotFound(_)) => {
                errors.add(
                    "project",
                    format!("there is no project {:?}", draft.project_code.trim()),
                );
                None
            }
            Err(e) => return Err(e.into()),
        };
    let resource = match tx.resource_by_id(draft.resource_id).await? {
        Some(r) if !r.archived => Some(r),
        Some(r) => {
            errors.add("resource", format!("{} is archived", r.name));
            None
        }
        None => {
            errors.add(
                "resource",
                format!("there is no resource {}", draft.resource_id),
            );
            None
        }
    };
    let units = match &resource {
        Some(r) => check_units(&mut errors, draft.units, r),
        None => 1,
    };
    if let (Some(p), Some(task)) = (&project, draft.task_id) {
        if !task_in_project(&tx, p.id, task).await? {
            errors.add("task", format!("task {task} is not a task of {}", p.code));
        }
    }
    errors.into_result()?;
    let (project, resource) = (project.expect("checked"), resource.expect("checked"));
    let new = NewBooking {
        resource_id: resource.id,
        project_id: project.id,
        task_id: draft.task_id,
        starts_at: start,
        ends_at: end,
        units,
        status,
        note: draft.note.trim().to_string(),
        created_by: access::audited_user(permit.actor()),
    };
    let booking = match tx.insert_booking(new).await? {
        Ok(b) => b,
        Err(refused) => return Err(overbooked(&tx, refused).await),
    };
    let event = AuditEvent::BookingChanged {
        booking_id: booking.id,
        verb: "create",
        detail: format!(
            "booked {} for {} from {} to {} ({})",
            resource.name,
            project.code,
            booking.starts_at.to_rfc3339(),
            booking.ends_at.to_rfc3339(),
            status.as_str()
        ),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(booking)
}

/// Moves, extends, re-statuses a booking (the same rule as booking it).
pub async fn change(
    ctx: &Context,
    actor: &Actor,
    id: i64,
    edit: &BookingEdit,
) -> std::result::Result<Booking, BookingError> {
    let permit = access::studio(actor, Action::ManageBookings)?;
    let tx = ctx.store.begin().await?;
    let current = tx.booking(id).await?.ok_or_else(|| booking_not_found(id))?;
    refuse_if_billed(&tx, &current).await?;
    let resource = tx
        .resource_by_id(current.resource_id)
        .await?
        .ok_or_else(|| booking_not_found(id))?;
    let mut errors = FieldErrors::default();
    let start = edit
        .start
        .clone()
        .unwrap_or_else(|| current.starts_at.to_rfc3339());
    let end = edit
        .end
        .clone()
        .unwrap_or_else(|| current.ends_at.to_rfc3339());
    let status = edit
        .status
        .clone()
        .unwrap_or_else(|| current.status.clone());
    let clock = studio_clock(&tx).await?;
    let (starts_at, ends_at, status) = read_range(&mut errors, &clock, &start, &end, &status);
    let units = check_units(&mut errors, edit.units.or(Some(current.units)), &resource);
    errors.into_result()?;
    let change = BookingChange {
        task_id: current.task_id,
        starts_at,
        ends_at,
        units,
        status,
        note: edit
            .note
            .as_deref()
            .map(|n| n.trim().to_string())
            .unwrap_or_else(|| current.note.clone()),
    };
    let booking = match tx.update_booking(id, change).await? {
        Ok(b) => b,
        Err(refused) => return Err(overbooked(&tx, refused).await),
    };
    let event = AuditEvent::BookingChanged {
        booking_id: id,
        verb: "update",
        detail: format!(
            "booking #{id} of {} now {} to {} ({})",
            resource.name,
            booking.starts_at.to_rfc3339(),
            booking.ends_at.to_rfc3339(),
            booking.status
        ),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(booking)
}

/// A booking an invoice bills is history: moving or cancelling it would leave the invoice
/// billing time that no longer exists.
async fn refuse_if_billed<C: ConnectionTrait>(repo: &Repo<C>, booking: &Booking) -> Result<()> {
    let Some(invoice_id) = booking.invoice_id else {
        return Ok(());
    };
    let label = match repo.invoice(invoice_id).await? {
        Some(inv) if inv.is_draft() => {
            format!("the draft invoice #{invoice_id}; delete the draft first")
        }
        Some(inv) => format!("invoice {}; issue a credit note for it first", inv.label()),
        None => format!("invoice #{invoice_id}"),
    };
    Err(AppError::Conflict(format!(
        "booking #{} is billed on {label}",
        booking.id
    )))
}

/// Cancels (removes) a booking; the audit log keeps what it was.
pub async fn cancel(ctx: &Context, actor: &Actor, id: i64) -> Result<Booking> {
    let permit = access::studio(actor, Action::ManageBookings)?;
    let tx = ctx.store.begin().await?;
    if let Some(current) = tx.booking(id).await? {
        refuse_if_billed(&tx, &current).await?;
    }
    let gone = tx
        .delete_booking(id)
        .await?
        .ok_or_else(|| booking_not_found(id))?;
    let resource = tx
        .resource_by_id(gone.resource_id)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    let event = AuditEvent::BookingChanged {
        booking_id: id,
        verb: "cancel",
        detail: format!(
            "cancelled booking #{id} of {resource} ({} to {}, {})",
            gone.starts_at.to_rfc3339(),
            gone.ends_at.to_rfc3339(),
            gone.status
        ),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(gone)
}

/// A booking as the board and the API show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingView {
    pub booking: Booking,
    pub status: BookingStatus,
    /// The project's code and name; `None` when the actor may not see the project.
    pub project: Option<(String, String)>,
    pub resource_name: String,
}

/// Which bookings to list (text from a query string or a form).
#[derive(Debug, Clone, Default)]
pub struct BookingQuery {
    pub resource_id: Option<i64>,
    pub project_code: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The bookings the query asks for, by start. Bookings of projects the actor may not see are
/// listed without their project (the board shows the resource as booked).
pub async fn list(ctx: &Context, actor: &Actor, query: &BookingQuery) -> Result<Vec<BookingView>> {
    access::studio(actor, Action::ViewStudio)?;
    let clock = studio_clock(&ctx.store).await?;
    let mut errors = FieldErrors::default();
    let mut instant = |field: &'static str, text: &Option<String>| match text.as_deref() {
        None | Some("") => None,
        Some(t) => parse_instant(t, clock.tz)
            .map_err(|e| errors.add(field, e))
            .ok(),
    };
    let from = instant("from", &query.from);
    let to = instant("to", &query.to);
    errors.into_result()?;
    let project_id = match query.project_code.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => Some(
            access::project(ctx, actor, code, Action::ViewProject)
                .await?
                .0
                .id,
        ),
    };
    let rows = ctx
        .store
        .list_bookings(&BookingFilter {
            resource_id: query.resource_id,
            project_id,
            from,
            to,
            limit: None,
        })
        .await?;
    let resources: BTreeMap<i64, String> = ctx
        .store
        .resources(true)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut projects: BTreeMap<i64, Option<Project>> = BTreeMap::new();
    let mut out = Vec::new();
    for b in rows {
        if let std::collections::btree_map::Entry::Vacant(slot) = projects.entry(b.project_id) {
            slot.insert(ctx.store.project_by_id(b.project_id).await?);
        }
        let project = projects[&b.project_id]
            .as_ref()
            .filter(|p| can(actor, Action::ViewProject, Some(access::scope(p))))
            .map(|p| (p.code.clone(), p.name.clone()));
        out.push(BookingView {
            status: b.booking_status()?,
            resource_name: resources.get(&b.resource_id).cloned().unwrap_or_default(),
            project,
            booking: b,
        });
    }
    Ok(out)
}

/// The conflicts among the bookings ending on or after `today` (see `postflow_core::booking`),
/// for the board and the dashboard. A task's predecessors come from the plan's forecast.
pub async fn conflicts(ctx: &Context, actor: &Actor, today: NaiveDate) -> Result<Vec<Conflict>> {
    access::studio(actor, Action::ViewStudio)?;
    conflicts_with(ctx, actor, today, None).await
}

/// [`conflicts`] over plans the caller already computed (the cockpit's), so no plan is
/// scheduled twice.
pub async fn conflicts_in(
    ctx: &Context,
    actor: &Actor,
    today: NaiveDate,
    plans: &[plan::PlanSummary],
) -> Result<Vec<Conflict>> {
    access::studio(actor, Action::ViewStudio)?;
    conflicts_with(ctx, actor, today, Some(plans)).await
}

async fn conflicts_with(
    ctx: &Context,
    actor: &Actor,
    today: NaiveDate,
    plans: Option<&[plan::PlanSummary]>,
) -> Result<Vec<Conflict>> {
    let from = today.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let bookings = ctx
        .store
        .list_bookings(&BookingFilter {
            from: Some(from),
            ..BookingFilter::default()
        })
        .await?;
    if bookings.is_empty() {
        return Ok(Vec::new());
    }
    let resources = ctx.store.resources(true).await?;
    let studio = plan::studio_calendar(&ctx.store, today).await?;
    let mut days_off: BTreeMap<i64, Vec<NaiveDate>> = BTreeMap::new();
    for d in ctx.store.calendar_days(true).await? {
        if let Some(u) = d.user_id {
            days_off.entry(u).or_default().push(d.day);
        }
    }
    let resource_facts: Vec<ResourceFact> = resources
        .iter()
        .map(|r| ResourceFact {
            id: r.id,
            name: r.name.clone(),
            kind: r.kind.clone(),
            capacity: r.capacity,
            skills: r.skill_list(),
            calendar: (r.calendar != "always").then(|| match r.user_id {
                Some(u) => studio.with_days_off(days_off.get(&u).map(Vec::as_slice).unwrap_or(&[])),
                None => studio.clone(),
            }),
        })
        .collect();
    // Tasks: from the plans the actor may read, only those booked.
    let booked_tasks: std::collections::BTreeSet<i64> =
        bookings.iter().filter_map(|b| b.task_id).collect();
    let mut tasks = Vec::new();
    if !booked_tasks.is_empty() {
        let computed;
        let plans = match plans {
            Some(p) => p,
            None => {
                computed = plan::studio(ctx, actor, today).await?;
                &computed[..]
            }
        };
        for summary in plans {
            let p = &summary.plan;
            for t in p.tasks.iter().filter(|t| booked_tasks.contains(&t.id)) {
                let mut earliest: Option<(NaiveDate, Vec<String>)> = None;
                for d in p.dependencies.iter().filter(|d| d.to == t.key) {
                    let Some(pred) = p.task(&d.from) else {
                        continue;
                    };
                    let day = match d.kind {
                        DependencyKind::FinishToStart => pred.forecast.ef_day + d.lag_days,
                        DependencyKind::StartToStart => pred.forecast.es_day + d.lag_days,
                        DependencyKind::FinishToFinish => continue,
                    };
                    let date = p.calendar.date_of_day(day);
                    match &mut earliest {
                        Some((e, names)) if *e == date => names.push(pred.name.clone()),
                        Some((e, _)) if *e > date => {}
                        _ => earliest = Some((date, vec![pred.name.clone()])),
                    }
                }
                tasks.push(TaskFact {
                    id: t.id,
                    name: t.name.clone(),
                    earliest_start: earliest,
                    needs: t.skill.clone().or_else(|| t.resource_kind.clone()),
                });
            }
        }
    }
    let facts: Vec<BookingFact> = bookings
        .iter()
        .filter_map(|b| {
            Some(BookingFact {
                id: b.id,
                resource_id: b.resource_id,
                project_id: b.project_id,
                task_id: b.task_id,
                start: b.starts_at,
                end: b.ends_at,
                units: b.units,
                status: b.booking_status().ok()?,
            })
        })
        .collect();
    let clock = studio_clock(&ctx.store).await?;
    Ok(find_conflicts(&resource_facts, &facts, &tasks, &clock))
}
