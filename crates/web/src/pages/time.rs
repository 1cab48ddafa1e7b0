//! Time: the weekly timesheet with its entries and day totals, logging and deleting entries,
//! the timer (also from the header of every page: start on the last project and activity,
//! stop), and approving a person's week (producers). Refusals come back as the flash
//! message on the page they were made from; nothing is saved.
use super::{render, Chrome};
use crate::auth::{self, CurrentUser, Posted};
use crate::{guard, AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use postflow_app::time::{self, hours_minutes, EntryDraft, TimerDraft};
use postflow_core::access::{can, Action};
use postflow_store::billing::{TimeEntry, TimeFilter};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/time", get(time_page))
        .route("/time/entries", post(log_entry))
        .route("/time/entries/{id}/delete", post(delete_entry))
        .route("/time/timer/start", post(start_timer))
        .route("/time/timer/start-last", post(start_last))
        .route("/time/timer/stop", post(stop_timer))
        .route("/time/approve", post(approve))
        .route("/time/proposals/{id}/confirm", post(confirm_proposal))
}

/// The sentence a refusal shows: the first refused field's own words, or the error's.
pub(crate) fn refusal(e: &postflow_app::AppError) -> Option<String> {
    match e {
        postflow_app::AppError::Invalid(f) => Some(
            f.first()
                .map(|k| f.get(k).to_string())
                .unwrap_or_else(|| "the input was refused".into()),
        ),
        postflow_app::AppError::Conflict(m) => Some(m.clone()),
        _ => None,
    }
}

/// Redirects to `to` with `message`, or passes errors a page cannot show (404, 403) on.
pub(crate) fn outcome<T>(
    state: &AppState,
    to: &str,
    result: Result<T, postflow_app::AppError>,
    ok: impl FnOnce(T) -> String,
) -> Result<Response, AppError> {
    match result {
        Ok(v) => Ok(auth::redirect_with_flash(
            to,
            &ok(v),
            state.config.secure_cookies,
        )),
        Err(e) => match refusal(&e) {
            Some(message) => Ok(auth::redirect_with_flash(
                to,
                &format!("Not saved: {message}"),
                state.config.secure_cookies,
            )),
            None => Err(e.into()),
        },
    }
}

struct Row {
    id: i64,
    date: String,
    project: String,
    activity: String,
    duration: String,
    billable: bool,
    note: String,
    on_invoice: bool,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "time.html")]
struct TimePage {
    chrome: Chrome,
    week_start: String,
    prev_week: String,
    next_week: String,
    whose: String,
    user_id: i64,
    own: bool,
    approved: bool,
    can_approve: bool,
    rows: Vec<Row>,
    days: Vec<(String, String)>,
    total: String,
    projects: Vec<Choice>,
    activities: Vec<Choice>,
    people: Vec<Choice>,
    timer: Option<String>,
    today: String,
    /// Confirmed bookings of the person's own week waiting to be logged.
    proposals: Vec<(i64, String, String, String)>,
}

#[derive(Deserialize, Default)]
struct WeekQuery {
    #[serde(default)]
    week: String,
    #[serde(default)]
    user: Option<i64>,
}

async fn time_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<WeekQuery>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    guard::require(&actor, Action::ViewStudio)?;
    let app = state.app();
    let today = chrono::Utc::now().date_naive();
    let day = NaiveDate::parse_from_str(q.week.trim(), "%Y-%m-%d").unwrap_or(today);
    let sheet = time::week(&app, &actor, q.user, day).await?;
    let activities = time::activities(&app).await?;
    let names: HashMap<i64, String> = activities.iter().map(|a| (a.id, a.name.clone())).collect();
    let mut codes: HashMap<i64, String> = HashMap::new();
    let mut rows = Vec::new();
    for e in &sheet.entries {
        if let std::collections::hash_map::Entry::Vacant(slot) = codes.entry(e.project_id) {
            let code = state
                .store
                .project_by_id(e.project_id)
                .await?
                .map(|p| p.code)
                .unwrap_or_default();
            slot.insert(code);
        }
        rows.push(Row {
            id: e.id,
            date: e.work_date.format("%a %d %b").to_string(),
            project: codes[&e.project_id].clone(),
            activity: names.get(&e.activity_id).cloned().unwrap_or_default(),
            duration: hours_minutes(e.minutes),
            billable: e.billable,
            note: e.note.clone(),
            on_invoice: e.invoice_id.is_some(),
        });
    }
    let days = (0..7)
        .map(|i| {
            let d = sheet.week_start + chrono::Duration::days(i);
            (
                d.format("%a %d").to_string(),
                hours_minutes(sheet.per_day[i as usize]),
            )
        })
        .collect();
    let mut projects = Vec::new();
    for p in guard::visible_projects(&state, &actor, false).await? {
        if can(&actor, Action::LogTime, Some(guard::scope(&p))) {
            projects.push(Choice {
                value: p.code.clone(),
                label: format!("{} {}", p.code, p.name),
            });
        }
    }
    let can_approve = can(&actor, Action::ApproveTime, None);
    let mut people = Vec::new();
    let mut whose = who.user.name.clone();
    if can_approve {
        for u in state.store.list_users().await? {
            if u.role() != postflow_core::access::Role::Client && !u.disabled {
                if u.id == sheet.user_id {
                    whose = u.name.clone();
                }
                people.push(Choice {
                    value: u.id.to_string(),
                    label: u.name.clone(),
                });
            }
        }
    }
    let timer = match time::current_timer(&app, &actor).await? {
        Some(t) => {
            let code = state
                .store
                .project_by_id(t.project_id)
                .await?
                .map(|p| p.code)
                .unwrap_or_default();
            Some(format!(
                "{} on {code} since {} UTC",
                names.get(&t.activity_id).cloned().unwrap_or_default(),
                t.started_at.format("%H:%M")
            ))
        }
        None => None,
    };
    let proposals = if sheet.user_id == who.user.id {
        time::proposals(&app, &actor, sheet.week_start)
            .await?
            .into_iter()
            .map(|p| {
                (
                    p.booking_id,
                    p.date.format("%a %d %b").to_string(),
                    format!("{} · {}", p.project_code, p.resource),
                    hours_minutes(p.minutes),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    render(&TimePage {
        proposals,
        chrome: Chrome::new(&who, "Time"),
        week_start: sheet.week_start.to_string(),
        prev_week: (sheet.week_start - chrono::Duration::days(7)).to_string(),
        next_week: (sheet.week_start + chrono::Duration::days(7)).to_string(),
        whose,
        user_id: sheet.user_id,
        own: sheet.user_id == who.user.id,
        approved: sheet.approved,
        can_approve,
        rows,
        days,
        total: hours_minutes(sheet.total),
        projects,
        activities: activities
            .iter()
            .filter(|a| !a.archived)
            .map(|a| Choice {
                value: a.id.to_string(),
                label: a.name.clone(),
            })
            .collect(),
        people,
        timer,
        today: today.to_string(),
    })
}

fn week_url(date: &str, user: Option<i64>) -> String {
    let mut url = format!("/time?week={}", date.trim());
    if let Some(u) = user {
        url.push_str(&format!("&user={u}"));
    }
    url
}

#[derive(Deserialize)]
struct EntryForm {
    #[serde(default)]
    project: String,
    #[serde(default)]
    activity: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    billable: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    user: Option<i64>,
}

async fn log_entry(
    State(state): State<AppState>,
    posted: Posted<EntryForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let draft = EntryDraft {
        project_code: form.project.clone(),
        user_id: form.user.filter(|u| *u != who.user.id),
        task_key: String::new(),
        activity_id: form.activity.trim().parse().unwrap_or(0),
        date: form.date.clone(),
        duration: form.duration.clone(),
        billable: form.billable.is_some(),
        note: form.note.clone(),
    };
    let result = time::log_time(&state.app(), &actor, &draft).await;
    let back = week_url(&form.date, draft.user_id);
    outcome(&state, &back, result, |e: TimeEntry| {
        format!("Logged {} on {}.", hours_minutes(e.minutes), e.work_date)
    })
}

async fn delete_entry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let who = posted.who;
    let actor = guard::actor_for(&state, &who.user).await?;
    let date = state
        .store
        .time_entry(id)
        .await?
        .map(|e| e.work_date.to_string())
        .unwrap_or_default();
    let result = time::delete_entry(&state.app(), &actor, id).await;
    outcome(&state, &week_url(&date, None), result, |_| {
        "Entry deleted.".into()
    })
}

#[derive(Deserialize)]
struct TimerForm {
    #[serde(default)]
    project: String,
    #[serde(default)]
    activity: String,
    #[serde(default)]
    note: String,
}

/// Where a header control returns to: the page it was used on (same site only).
fn back_to(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| {
            let path = r.split_once("://").map(|(_, rest)| rest).unwrap_or(r);
            path.find('/').map(|i| path[i..].to_string())
        })
        .map(|p| auth::safe_next(&p).to_string())
        .unwrap_or_else(|| "/time".into())
}

async fn start_timer(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Posted<TimerForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let draft = TimerDraft {
        project_code: form.project.clone(),
        activity_id: form.activity.trim().parse().unwrap_or(0),
        note: form.note.clone(),
    };
    let result = time::start_timer(&state.app(), &actor, &draft).await;
    outcome(&state, &back_to(&headers), result, |_| {
        format!("Timer started on {}.", form.project.trim())
    })
}

/// The header's one-click start: the project and activity of the person's latest entry.
async fn start_last(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let who = posted.who;
    let actor = guard::actor_for(&state, &who.user).await?;
    let latest = state
        .store
        .time_entries(&TimeFilter {
            user_id: Some(who.user.id),
            ..Default::default()
        })
        .await?
        .into_iter()
        .max_by_key(|e| (e.created_at, e.id));
    // A running timer is "the last one" too (the start is then refused, saying so).
    let running = time::current_timer(&state.app(), &actor).await?;
    let last = match (running, latest) {
        (Some(t), _) => (t.project_id, t.activity_id),
        (None, Some(e)) => (e.project_id, e.activity_id),
        (None, None) => {
            return Ok(auth::redirect_with_flash(
                "/time",
                "Choose a project and activity to start your first timer.",
                state.config.secure_cookies,
            ))
        }
    };
    let code = state
        .store
        .project_by_id(last.0)
        .await?
        .map(|p| p.code)
        .unwrap_or_default();
    let draft = TimerDraft {
        project_code: code.clone(),
        activity_id: last.1,
        note: String::new(),
    };
    let result = time::start_timer(&state.app(), &actor, &draft).await;
    outcome(&state, &back_to(&headers), result, |_| {
        format!("Timer started on {code}.")
    })
}

async fn stop_timer(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let who = posted.who;
    let actor = guard::actor_for(&state, &who.user).await?;
    let result = time::stop_timer(&state.app(), &actor).await;
    outcome(&state, &back_to(&headers), result, |e: TimeEntry| {
        format!(
            "Timer stopped: {} logged on {}.",
            hours_minutes(e.minutes),
            e.work_date
        )
    })
}

#[derive(Deserialize)]
struct ApproveForm {
    user: i64,
    week: String,
}

async fn approve(
    State(state): State<AppState>,
    posted: Posted<ApproveForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let day = NaiveDate::parse_from_str(form.week.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest(format!("{:?} is not a date", form.week)))?;
    let result = time::approve_week(&state.app(), &actor, form.user, day).await;
    outcome(
        &state,
        &week_url(&form.week, Some(form.user)),
        result,
        |_| "Week approved and locked.".into(),
    )
}

#[derive(Deserialize)]
struct ProposalForm {
    #[serde(default)]
    activity: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    week: String,
}

async fn confirm_proposal(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<ProposalForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let activity = form.activity.trim().parse().unwrap_or(0);
    let result = time::confirm_proposal(&state.app(), &actor, id, activity, &form.duration).await;
    outcome(
        &state,
        &week_url(&form.week, None),
        result,
        |e: TimeEntry| format!("Logged {} from the booking.", hours_minutes(e.minutes)),
    )
}
