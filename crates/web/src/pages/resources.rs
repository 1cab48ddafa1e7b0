//! Resources and bookings on the web: the resource list (with the add form), a resource's page
//! (details, its bookings by day, the person's days off, the booking form that keeps its input
//! on a refusal), the resource board (resources × days, week or month, drag to move or extend),
//! and the booking forms the board and pages post. Every change goes through `app::resources`
//! and `app::bookings`; a double-booking comes back naming the booking it collides with.
use super::{render, render_status, Chrome, FieldErrors};
use crate::auth::{redirect_with_flash, CurrentUser, Posted};
use crate::charts::board::{render_board, BoardBooking, BoardChart, BoardRow};
use crate::guard;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use postflow_app::bookings::{
    self, BookingDraft, BookingEdit, BookingError, BookingQuery, BookingView,
};
use postflow_app::resources::{self, ResourceDraft, ResourceView};
use postflow_app::AppError as UseCaseError;
use postflow_core::access::{can, Action, Actor};
use postflow_core::booking::{BookingStatus, Conflict, StudioClock};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/resources", get(list_page).post(create))
        .route("/resources/{id}", get(resource_page).post(edit))
        .route("/resources/{id}/archive", post(archive))
        .route("/resources/{id}/bookings", post(book))
        .route("/board", get(board_page))
        .route("/bookings/move", post(move_chosen_booking))
        .route("/bookings/{id}/move", post(move_booking))
        .route("/bookings/{id}/cancel", post(cancel_booking))
}

type Form = HashMap<String, String>;

fn field<'a>(form: &'a Form, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or("")
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn draft_of(form: &Form) -> ResourceDraft {
    ResourceDraft {
        name: field(form, "name").into(),
        kind: field(form, "kind").into(),
        notes: field(form, "notes").into(),
        capacity: field(form, "capacity").into(),
        cost_rate: field(form, "cost_rate").into(),
        currency: field(form, "currency").into(),
        user_id: field(form, "user_id").into(),
        skills: field(form, "skills").into(),
        calendar: field(form, "calendar").into(),
    }
}

// --- the list ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "resources.html")]
struct ResourcesPage {
    chrome: Chrome,
    resources: Vec<ResourceView>,
    people: Vec<(String, String, String)>,
    can_manage: bool,
    sees_rates: bool,
    form: ResourceDraft,
    errors: FieldErrors,
    users: Vec<(i64, String)>,
}

impl ResourcesPage {
    fn err(&self, f: &str) -> &str {
        self.errors.get(f)
    }
    fn has_err(&self, f: &str) -> bool {
        !self.errors.get(f).is_empty()
    }
}

async fn list_with(
    state: &AppState,
    who: &CurrentUser,
    form: ResourceDraft,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let actor: Actor = guard::actor_for(state, &who.user).await?;
    let list = resources::list(&state.app(), &actor, false).await?;
    let staff: Vec<_> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.role().is_staff())
        .collect();
    let people = staff
        .iter()
        .map(|u| {
            (
                u.name.clone(),
                u.role().as_str().to_string(),
                u.title.clone().unwrap_or_default(),
            )
        })
        .collect();
    let users = staff.iter().map(|u| (u.id, u.name.clone())).collect();
    let page = ResourcesPage {
        chrome: Chrome::new(who, "Resources"),
        resources: list,
        people,
        can_manage: can(&actor, Action::ManageResources, None),
        sees_rates: can(&actor, Action::ViewRates, None),
        form,
        errors,
        users,
    };
    render_status(status, &page)
}

async fn list_page(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    let form = ResourceDraft {
        capacity: "1".into(),
        calendar: "studio".into(),
        ..ResourceDraft::default()
    };
    list_with(&state, &who, form, FieldErrors::default(), StatusCode::OK).await
}

async fn create(State(state): State<AppState>, posted: Posted<Form>) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let draft = draft_of(&posted.form);
    match resources::create(&state.app(), &actor, &draft).await {
        Ok(r) => Ok(redirect_with_flash(
            &format!("/resources/{}", r.id),
            &format!("{} added.", r.name),
            state.config.secure_cookies,
        )),
        Err(UseCaseError::Invalid(errors)) => {
            list_with(&state, &posted.who, draft, errors, StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A booking on a day of the resource's calendar: (id, from–to, status, project, note).
type DayLine = (i64, String, &'static str, String, String);

// --- one resource -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "resource.html")]
struct ResourcePage {
    chrome: Chrome,
    r: ResourceView,
    can_manage: bool,
    can_book: bool,
    sees_rates: bool,
    form: ResourceDraft,
    errors: FieldErrors,
    /// The booking form's input and its refusal.
    booking: Form,
    booking_errors: FieldErrors,
    booking_refusal: Option<String>,
    /// The studio's time zone, which the times are in.
    time_zone: String,
    /// (date, bookings that day as (id, from–to, status, project, note)).
    days: Vec<(NaiveDate, Vec<DayLine>)>,
    days_off: Vec<(NaiveDate, String)>,
    conflicts: Vec<Conflict>,
    projects: Vec<(String, String)>,
    users: Vec<(i64, String)>,
    statuses: Vec<&'static str>,
}

impl ResourcePage {
    fn err(&self, f: &str) -> &str {
        self.errors.get(f)
    }
    fn has_err(&self, f: &str) -> bool {
        !self.errors.get(f).is_empty()
    }
    fn berr(&self, f: &str) -> &str {
        self.booking_errors.get(f)
    }
    fn bval(&self, f: &str) -> &str {
        field(&self.booking, f)
    }
}

struct ResourceInput {
    form: Option<ResourceDraft>,
    errors: FieldErrors,
    booking: Form,
    booking_errors: FieldErrors,
    booking_refusal: Option<String>,
}

impl Default for ResourceInput {
    fn default() -> Self {
        let start = today() + Duration::days(1);
        let mut booking = Form::new();
        booking.insert("start".into(), format!("{start}T09:00"));
        booking.insert("end".into(), format!("{start}T18:00"));
        booking.insert("status".into(), "preliminary".into());
        ResourceInput {
            form: None,
            errors: FieldErrors::default(),
            booking,
            booking_errors: FieldErrors::default(),
            booking_refusal: None,
        }
    }
}

/// A booking's range on the studio's wall clock.
fn span(b: &BookingView, clock: &StudioClock) -> String {
    format!(
        "{} – {}",
        clock.when(b.booking.starts_at),
        clock.when(b.booking.ends_at)
    )
}

async fn resource_with(
    state: &AppState,
    who: &CurrentUser,
    id: i64,
    input: ResourceInput,
    status: StatusCode,
) -> Result<Response, AppError> {
    let actor: Actor = guard::actor_for(state, &who.user).await?;
    let app = state.app();
    let r = resources::get(&app, &actor, id).await?;
    let from = today() - Duration::days(7);
    let listed = bookings::list(
        &app,
        &actor,
        &BookingQuery {
            resource_id: Some(id),
            from: Some(from.to_string()),
            ..BookingQuery::default()
        },
    )
    .await?;
    let clock = bookings::studio_clock(&state.store).await?;
    let mut by_day: BTreeMap<NaiveDate, Vec<DayLine>> = BTreeMap::new();
    for b in &listed {
        let first = clock.local(b.booking.starts_at).date();
        let last = clock.local(b.booking.ends_at - Duration::seconds(1)).date();
        for d in first.iter_days().take_while(|d| *d <= last).take(62) {
            by_day.entry(d).or_default().push((
                b.booking.id,
                span(b, &clock),
                b.status.as_str(),
                b.project
                    .as_ref()
                    .map(|p| p.0.clone())
                    .unwrap_or_else(|| "booked".into()),
                b.booking.note.clone(),
            ));
        }
    }
    let days_off = match r.resource.user_id {
        Some(u) => state
            .store
            .calendar_days(true)
            .await?
            .into_iter()
            .filter(|d| d.user_id == Some(u) && d.day >= from)
            .map(|d| (d.day, d.label))
            .collect(),
        None => Vec::new(),
    };
    let conflicts = bookings::conflicts(&app, &actor, today())
        .await?
        .into_iter()
        .filter(|c| {
            c.resource_id == Some(id)
                || c.bookings
                    .iter()
                    .any(|b| listed.iter().any(|l| l.booking.id == *b))
        })
        .collect();
    let projects = postflow_app::access::visible_projects(&app, &actor, false)
        .await?
        .into_iter()
        .map(|p| (p.code, p.name))
        .collect();
    let users = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.role().is_staff())
        .map(|u| (u.id, u.name))
        .collect();
    let page = ResourcePage {
        chrome: Chrome::new(who, "Resources"),
        form: input.form.unwrap_or_else(|| ResourceDraft::of(&r.resource)),
        r,
        can_manage: can(&actor, Action::ManageResources, None),
        can_book: can(&actor, Action::ManageBookings, None),
        sees_rates: can(&actor, Action::ViewRates, None),
        errors: input.errors,
        booking: input.booking,
        booking_errors: input.booking_errors,
        booking_refusal: input.booking_refusal,
        time_zone: clock.tz.name().to_string(),
        days: by_day.into_iter().collect(),
        days_off,
        conflicts,
        projects,
        users,
        statuses: BookingStatus::ALL.iter().map(|s| s.as_str()).collect(),
    };
    render_status(status, &page)
}

async fn resource_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    who: CurrentUser,
) -> Result<Response, AppError> {
    resource_with(&state, &who, id, ResourceInput::default(), StatusCode::OK).await
}

async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let draft = draft_of(&posted.form);
    match resources::edit(&state.app(), &actor, id, &draft).await {
        Ok(r) => Ok(redirect_with_flash(
            &format!("/resources/{id}"),
            &format!("{} saved.", r.name),
            state.config.secure_cookies,
        )),
        Err(UseCaseError::Invalid(errors)) => {
            let input = ResourceInput {
                form: Some(draft),
                errors,
                ..ResourceInput::default()
            };
            resource_with(&state, &posted.who, id, input, StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn archive(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let archived = field(&posted.form, "archived") != "no";
    let r = resources::archive(&state.app(), &actor, id, archived).await?;
    let done = if archived { "archived" } else { "restored" };
    Ok(redirect_with_flash(
        "/resources",
        &format!("{} {done}.", r.name),
        state.config.secure_cookies,
    ))
}

async fn book(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let f = &posted.form;
    let draft = BookingDraft {
        resource_id: id,
        project_code: field(f, "project").into(),
        task_id: field(f, "task").trim().parse().ok(),
        start: field(f, "start").into(),
        end: field(f, "end").into(),
        status: field(f, "status").into(),
        units: field(f, "units").trim().parse().ok(),
        note: field(f, "note").into(),
    };
    let refused = |errors: FieldErrors, refusal: Option<String>| ResourceInput {
        booking: f.clone(),
        booking_errors: errors,
        booking_refusal: refusal,
        ..ResourceInput::default()
    };
    match bookings::book(&state.app(), &actor, &draft).await {
        Ok(b) => Ok(redirect_with_flash(
            &format!("/resources/{id}"),
            &format!("Booked (#{}, {}).", b.id, b.status),
            state.config.secure_cookies,
        )),
        Err(BookingError::Overbooked { message, .. }) => {
            let input = refused(FieldErrors::default(), Some(message));
            resource_with(&state, &posted.who, id, input, StatusCode::CONFLICT).await
        }
        Err(BookingError::App(UseCaseError::Invalid(errors))) => {
            let input = refused(errors, None);
            resource_with(&state, &posted.who, id, input, StatusCode::BAD_REQUEST).await
        }
        Err(BookingError::App(e)) => Err(e.into()),
    }
}

/// Where a booking form goes back to: a same-site path it names, else the board.
fn back(form: &Form) -> String {
    let b = field(form, "back");
    if b.starts_with('/') && !b.starts_with("//") {
        b.to_string()
    } else {
        "/board".into()
    }
}

/// Moves or extends a booking (from the board's drag or the forms), or changes its status.
async fn move_booking(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    move_with(&state, &posted, id).await
}

/// The board's form without JavaScript: the booking is named in the form.
async fn move_chosen_booking(
    State(state): State<AppState>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let Ok(id) = field(&posted.form, "id")
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
    else {
        return Ok(redirect_with_flash(
            &back(&posted.form),
            "Not moved: give the booking's number.",
            state.config.secure_cookies,
        ));
    };
    move_with(&state, &posted, id).await
}

async fn move_with(state: &AppState, posted: &Posted<Form>, id: i64) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &posted.who.user).await?;
    let f = &posted.form;
    let some = |name: &str| Some(field(f, name).to_string()).filter(|v| !v.trim().is_empty());
    let edit = BookingEdit {
        start: some("start"),
        end: some("end"),
        status: some("status"),
        units: None,
        note: None,
    };
    let to = back(f);
    let secure = state.config.secure_cookies;
    let clock = bookings::studio_clock(&state.store).await?;
    Ok(
        match bookings::change(&state.app(), &actor, id, &edit).await {
            Ok(b) => redirect_with_flash(
                &to,
                &format!(
                    "Booking #{} is now {} to {} {} ({}).",
                    b.id,
                    clock.when(b.starts_at),
                    clock.when(b.ends_at),
                    clock.tz.name(),
                    b.status
                ),
                secure,
            ),
            Err(BookingError::Overbooked { message, .. }) => {
                redirect_with_flash(&to, &format!("Not moved: {message}."), secure)
            }
            Err(BookingError::App(UseCaseError::Invalid(errors))) => {
                let why: Vec<String> = errors.0.values().cloned().collect();
                redirect_with_flash(&to, &format!("Not moved: {}.", why.join("; ")), secure)
            }
            Err(BookingError::App(e)) => return Err(e.into()),
        },
    )
}

async fn cancel_booking(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Form>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    bookings::cancel(&state.app(), &actor, id).await?;
    Ok(redirect_with_flash(
        &back(&posted.form),
        &format!("Booking #{id} cancelled."),
        state.config.secure_cookies,
    ))
}

// --- the board --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    chrome: Chrome,
    svg: String,
    view: &'static str,
    from: NaiveDate,
    prev: NaiveDate,
    next: NaiveDate,
    conflicts: Vec<Conflict>,
    can_book: bool,
    back: String,
    time_zone: String,
}

#[derive(serde::Deserialize)]
struct BoardParams {
    view: Option<String>,
    from: Option<String>,
}

/// The instant the studio's wall clock reads midnight starting `day` (the first instant of the
/// day where a clock change skips midnight).
fn local_midnight(clock: &StudioClock, day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight");
    (0..3)
        .find_map(|h| {
            clock
                .tz
                .from_local_datetime(&(midnight + Duration::hours(h)))
                .earliest()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

async fn board_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<BoardParams>,
) -> Result<Response, AppError> {
    let actor: Actor = guard::actor_for(&state, &who.user).await?;
    let app = state.app();
    let month = q.view.as_deref() == Some("month");
    let anchor = q
        .from
        .as_deref()
        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .unwrap_or_else(today);
    let (from, days, prev, next) = if month {
        let first = anchor.with_day(1).unwrap_or(anchor);
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first + Duration::days(31));
        let prev = first
            .checked_sub_months(chrono::Months::new(1))
            .unwrap_or(first - Duration::days(31));
        (first, (next - first).num_days(), prev, next)
    } else {
        let monday = anchor - Duration::days(anchor.weekday().num_days_from_monday() as i64);
        (
            monday,
            7,
            monday - Duration::days(7),
            monday + Duration::days(7),
        )
    };
    let until = from + Duration::days(days);
    let resources = resources::list(&app, &actor, false).await?;
    let listed = bookings::list(
        &app,
        &actor,
        &BookingQuery {
            from: Some(from.to_string()),
            to: Some(until.to_string()),
            ..BookingQuery::default()
        },
    )
    .await?;
    let conflicts = bookings::conflicts(&app, &actor, from.min(today())).await?;
    let in_conflict: BTreeSet<i64> = conflicts.iter().flat_map(|c| c.bookings.clone()).collect();
    let calendar = postflow_app::plan::studio_calendar(&state.store, from).await?;
    let clock = bookings::studio_clock(&state.store).await?;
    let non_working: Vec<NaiveDate> = from
        .iter_days()
        .take(days as usize)
        .filter(|d| !calendar.is_working_day(*d))
        .collect();
    let can_book = can(&actor, Action::ManageBookings, None);
    let back = format!(
        "/board?view={}&from={from}",
        if month { "month" } else { "week" }
    );
    // Weeks shown (from each Monday, or the first day).
    let mut weeks: Vec<NaiveDate> = vec![from];
    for d in from.iter_days().take(days as usize).skip(1) {
        if d.weekday() == chrono::Weekday::Mon {
            weeks.push(d);
        }
    }
    let rows = resources
        .iter()
        .map(|rv| {
            let r = &rv.resource;
            let mine: Vec<&BookingView> = listed
                .iter()
                .filter(|b| b.booking.resource_id == r.id)
                .collect();
            let utilization = weeks
                .iter()
                .map(|w| {
                    let w_end = (*w + Duration::days(7)).min(until);
                    let working = w
                        .iter_days()
                        .take_while(|d| *d < w_end)
                        .filter(|d| r.calendar == "always" || calendar.is_working_day(*d))
                        .count() as i64;
                    let seconds_per_day = match clock.hours {
                        _ if r.calendar == "always" => 24 * 3600,
                        Some(h) => (h.close - h.open).num_seconds(),
                        None => 8 * 3600,
                    };
                    let available = working * seconds_per_day * r.capacity;
                    let (ws, we) = (local_midnight(&clock, *w), local_midnight(&clock, w_end));
                    let booked: i64 = mine
                        .iter()
                        .filter(|b| b.status != BookingStatus::Planning)
                        .map(|b| {
                            let s = b.booking.starts_at.max(ws);
                            let e = b.booking.ends_at.min(we);
                            (e - s).num_seconds().max(0) * b.booking.units
                        })
                        .sum();
                    let percent = if available > 0 {
                        booked * 100 / available
                    } else {
                        0
                    };
                    (*w, percent)
                })
                .collect();
            let bookings = mine
                .iter()
                .map(|b| {
                    let project = b.project.as_ref();
                    BoardBooking {
                        id: b.booking.id,
                        start: b.booking.starts_at,
                        end: b.booking.ends_at,
                        status: b.status,
                        label: project
                            .map(|p| p.0.clone())
                            .unwrap_or_else(|| "booked".into()),
                        title: format!(
                            "#{} {} · {} · {}{}",
                            b.booking.id,
                            project
                                .map(|p| format!("{} {}", p.0, p.1))
                                .unwrap_or_else(|| "booked".into()),
                            span(b, &clock),
                            b.status.as_str(),
                            if b.booking.note.is_empty() {
                                String::new()
                            } else {
                                format!(" · {}", b.booking.note)
                            }
                        ),
                        color_key: if project.is_some() {
                            b.booking.project_id
                        } else {
                            0
                        },
                        conflict: in_conflict.contains(&b.booking.id),
                        move_url: can_book.then(|| format!("/bookings/{}/move", b.booking.id)),
                    }
                })
                .collect();
            BoardRow {
                resource_id: r.id,
                label: r.name.clone(),
                href: Some(format!("/resources/{}", r.id)),
                capacity: r.capacity,
                utilization,
                bookings,
            }
        })
        .collect();
    let chart = BoardChart {
        from,
        days,
        non_working,
        today: Some(today()),
        rows,
        snap_minutes: if month { 24 * 60 } else { 60 },
        tz: clock.tz,
    };
    let page = BoardPage {
        chrome: Chrome::new(&who, "Resources"),
        svg: render_board(&chart),
        view: if month { "month" } else { "week" },
        from,
        prev,
        next,
        conflicts,
        can_book,
        back,
        time_zone: clock.tz.name().to_string(),
    };
    render(&page)
}
