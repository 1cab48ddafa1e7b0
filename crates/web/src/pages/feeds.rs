//! Calendar feeds: the page where people create and revoke their private `.ics` URLs (their own
//! tasks and bookings, a room's bookings, a project's milestones), the studio's time zone, and
//! the feed itself at `/feeds/<token>.ics` — answered without a session, the token being the
//! credential.
use super::{render, render_status, Chrome};
use crate::auth::{self, CurrentUser, Posted};
use crate::{guard, AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use postflow_app::feeds::{self, FeedSubject, FeedSummary};
use postflow_core::access::{can, Action};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar-feeds", get(feeds_page).post(create_feed))
        .route("/calendar-feeds/{id}/revoke", post(revoke_feed))
        .route("/calendar-feeds/time-zone", post(set_time_zone))
        .route("/feeds/{file}", get(feed))
}

/// One choice of the "new feed" form: `person:3`, `room:2`, `project:ACME-001`.
struct SubjectOption {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "feeds.html")]
struct FeedsPage {
    chrome: Chrome,
    feeds: Vec<FeedSummary>,
    subjects: Vec<SubjectOption>,
    /// The URL just created (shown once).
    new_url: Option<String>,
    time_zone: String,
    can_manage: bool,
    error: Option<String>,
    kept_subject: String,
    kept_time_zone: String,
}

fn stamp(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

impl FeedsPage {
    fn created(&self, f: &FeedSummary) -> String {
        stamp(&f.created_at)
    }
    fn fetched(&self, f: &FeedSummary) -> String {
        f.last_fetched_at
            .as_ref()
            .map(stamp)
            .unwrap_or_else(|| "never".into())
    }
}

#[derive(Default)]
struct Shown {
    new_url: Option<String>,
    error: Option<String>,
    kept_subject: String,
    kept_time_zone: String,
}

async fn page(
    state: &AppState,
    who: &CurrentUser,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let app = state.app();
    let feeds = feeds::list_feeds(&app, &actor).await?;
    let can_manage = can(&actor, Action::ManageCalendar, None);
    let mut subjects = Vec::new();
    if who.user.role() != postflow_core::access::Role::Client {
        subjects.push(SubjectOption {
            value: format!("person:{}", who.user.id),
            label: "My tasks and bookings".into(),
        });
    }
    if can(&actor, Action::ViewStudio, None) {
        for r in state.store.resources(false).await? {
            subjects.push(SubjectOption {
                value: format!("room:{}", r.id),
                label: format!("Bookings of {}", r.name),
            });
        }
    }
    for p in guard::visible_projects(state, &actor, false).await? {
        if can(&actor, Action::ViewPlan, Some(guard::scope(&p))) {
            subjects.push(SubjectOption {
                value: format!("project:{}", p.code),
                label: format!("Project {} {}", p.code, p.name),
            });
        }
    }
    if can_manage {
        for u in state.store.list_users().await? {
            if u.id != who.user.id && !u.disabled && u.role() != postflow_core::access::Role::Client
            {
                subjects.push(SubjectOption {
                    value: format!("person:{}", u.id),
                    label: format!("Tasks and bookings of {}", u.name),
                });
            }
        }
    }
    let p = FeedsPage {
        chrome: Chrome::new(who, ""),
        feeds,
        subjects,
        new_url: shown.new_url,
        time_zone: feeds::studio_time_zone(&app).await?.name().to_string(),
        can_manage,
        error: shown.error,
        kept_subject: shown.kept_subject,
        kept_time_zone: shown.kept_time_zone,
    };
    if status == StatusCode::OK {
        render(&p)
    } else {
        render_status(status, &p)
    }
}

async fn feeds_page(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    page(&state, &who, StatusCode::OK, Shown::default()).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    subject: String,
}

fn parse_subject(value: &str) -> Option<FeedSubject> {
    let (kind, id) = value.split_once(':')?;
    match kind {
        "person" => id.parse().ok().map(FeedSubject::Person),
        "room" => id.parse().ok().map(FeedSubject::Room),
        "project" => Some(FeedSubject::Project(id.to_string())),
        _ => None,
    }
}

/// `https://host` as the browser reached us (calendar apps need an absolute URL).
fn origin(headers: &HeaderMap, secure: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("{}://{host}", if secure { "https" } else { "http" })
}

async fn create_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    posted: Posted<CreateForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let refused = |message: String| Shown {
        error: Some(message),
        kept_subject: form.subject.clone(),
        ..Default::default()
    };
    let Some(subject) = parse_subject(form.subject.trim()) else {
        let shown = refused("Choose what the feed should show.".into());
        return page(&state, &who, StatusCode::BAD_REQUEST, shown).await;
    };
    match feeds::create_feed(&state.app(), &actor, subject).await {
        Ok(created) => {
            let shown = Shown {
                new_url: Some(format!(
                    "{}{}",
                    origin(&headers, state.config.secure_cookies),
                    created.path
                )),
                ..Default::default()
            };
            page(&state, &who, StatusCode::OK, shown).await
        }
        Err(postflow_app::AppError::Invalid(fields)) => {
            let shown = refused(first_message(&fields));
            page(&state, &who, StatusCode::BAD_REQUEST, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The first refused field's own sentence (the summary only names the fields).
fn first_message(fields: &postflow_app::FieldErrors) -> String {
    fields
        .first()
        .map(|f| fields.get(f).to_string())
        .unwrap_or_else(|| "the input was refused".into())
}

async fn revoke_feed(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let who = posted.who;
    let actor = guard::actor_for(&state, &who.user).await?;
    feeds::revoke_feed(&state.app(), &actor, id).await?;
    Ok(auth::redirect_with_flash(
        "/calendar-feeds",
        "Feed revoked: calendar apps subscribed to it stop updating.",
        state.config.secure_cookies,
    ))
}

#[derive(Deserialize)]
struct TimeZoneForm {
    #[serde(default)]
    time_zone: String,
}

async fn set_time_zone(
    State(state): State<AppState>,
    posted: Posted<TimeZoneForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    match feeds::set_studio_time_zone(&state.app(), &actor, &form.time_zone).await {
        Ok(tz) => Ok(auth::redirect_with_flash(
            "/calendar-feeds",
            &format!("Studio time zone set to {}.", tz.name()),
            state.config.secure_cookies,
        )),
        Err(postflow_app::AppError::Invalid(fields)) => {
            let shown = Shown {
                error: Some(first_message(&fields)),
                kept_time_zone: form.time_zone.clone(),
                ..Default::default()
            };
            page(&state, &who, StatusCode::BAD_REQUEST, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The feed: `text/calendar`, or 404 for an unknown or revoked token (nothing tells the two
/// apart).
async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let Some(token) = feeds::token_of(&file) else {
        return Err(AppError::NotFound);
    };
    let Some(text) = feeds::render_feed(&state.app(), token, chrono::Utc::now()).await? else {
        return Err(AppError::NotFound);
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"postflow.ics\"",
            ),
        ],
        text,
    )
        .into_response())
}
