//! Server-rendered pages. Each handler: who is asking (session) → guard → store → template.
mod account;
mod admin;
mod billing;
mod channels;
mod delivery;
mod exports;
mod feeds;
mod inbox;
mod jobs;
mod live;
mod mail;
mod media;
mod plan;
mod portal;
mod projects;
mod quotes;
mod resources;
mod scenarios;
mod time;
mod webhooks;

use crate::auth::{self, CurrentUser, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::guard;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use postflow_core::access::{can, Action, Actor};
use postflow_store::accounts::Attempt;
use postflow_store::studio::Project;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .merge(media::routes())
        .merge(projects::routes())
        .merge(plan::routes())
        .merge(delivery::routes())
        .merge(admin::routes())
        .merge(account::routes())
        .merge(feeds::routes())
        .merge(inbox::routes())
        .merge(live::routes())
        .merge(mail::routes())
        .merge(exports::routes())
        .merge(resources::routes())
        .merge(jobs::routes())
        .merge(scenarios::routes())
        .merge(webhooks::routes())
        .merge(time::routes())
        .merge(billing::routes())
        .merge(quotes::routes())
        .merge(portal::routes())
        .merge(channels::routes())
}

pub(crate) struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
}

/// What every signed-in page shows around its content.
pub(crate) struct Chrome {
    pub user_name: String,
    pub role: &'static str,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
}

impl Chrome {
    pub fn new(who: &CurrentUser, section: &str) -> Chrome {
        let role = who.user.role();
        // Studio-wide sections do not depend on project membership.
        let actor = Actor {
            user_id: who.user.id,
            role,
            client_id: who.user.client_id,
            member_of: Vec::new(),
        };
        let nav = postflow_core::access::nav_sections(&actor)
            .into_iter()
            .map(|s| NavItem {
                label: s.label,
                href: s.href,
                active: s.label == section,
            })
            .collect();
        Chrome {
            user_name: who.user.name.clone(),
            role: role.as_str(),
            csrf: who.csrf.clone(),
            nav,
            flash: who.flash.clone(),
        }
    }
}

pub(crate) fn render<T: Template>(t: &T) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

pub(crate) fn render_status<T: Template>(status: StatusCode, t: &T) -> Result<Response, AppError> {
    Ok((status, Html(t.render()?)).into_response())
}

/// Field-level form errors, shown next to the fields (the application layer's own).
pub(crate) use postflow_app::FieldErrors;

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    heading: String,
    question: String,
    action: String,
    button: &'static str,
    cancel: String,
}

/// Whether a one-click form was confirmed (by the page's JavaScript or the confirmation page).
pub(crate) fn confirmed(form: &HashMap<String, String>) -> bool {
    form.get("confirmed").is_some_and(|v| v == "yes")
}

/// Asks before a destructive one-click action when the browser ran no JavaScript.
pub(crate) fn confirm_page(
    who: &CurrentUser,
    section: &str,
    heading: String,
    question: String,
    action: String,
    button: &'static str,
    cancel: String,
) -> Result<Response, AppError> {
    render(&ConfirmPage {
        chrome: Chrome::new(who, section),
        heading,
        question,
        action,
        button,
        cancel,
    })
}

/// An API token as the account and admin pages list it.
pub(crate) struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

/// A person's API tokens, newest first as the store lists them.
pub(crate) async fn token_rows(state: &AppState, user_id: i64) -> Result<Vec<TokenRow>, AppError> {
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
    Ok(state
        .store
        .list_api_tokens(user_id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: fmt(t.created_at),
            last_used: t.last_used_at.map(fmt).unwrap_or_else(|| "never".into()),
            revoked: t.revoked_at.is_some(),
        })
        .collect())
}

pub(crate) fn date_text(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "—".into())
}

/// A project row as tables show it.
pub(crate) struct ProjectRow {
    pub code: String,
    pub name: String,
    pub client_name: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_rank: usize,
    pub start: String,
    pub due: String,
    pub archived: bool,
}

pub(crate) async fn project_rows(
    state: &AppState,
    projects: &[Project],
) -> Result<Vec<ProjectRow>, AppError> {
    let clients: HashMap<i64, String> = state
        .store
        .list_clients(true)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(projects
        .iter()
        .map(|p| project_row(p, clients.get(&p.client_id).cloned().unwrap_or_default()))
        .collect())
}

/// A project as the tables show it.
pub(crate) fn project_row(p: &Project, client_name: String) -> ProjectRow {
    let st = p.status();
    ProjectRow {
        code: p.code.clone(),
        name: p.name.clone(),
        client_name,
        status: st.as_str(),
        status_label: st.label(),
        status_rank: postflow_core::project::ProjectStatus::ALL
            .iter()
            .position(|s| *s == st)
            .unwrap_or(0),
        start: date_text(p.start_date),
        due: date_text(p.due_date),
        archived: p.archived,
    }
}

// --- sign in / out -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

fn login_response(
    state: &AppState,
    status: StatusCode,
    email: String,
    next: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let csrf = auth::random_token(24);
    let page = LoginPage {
        csrf: csrf.clone(),
        next,
        email,
        error,
    };
    let mut resp = render_status(status, &page)?;
    let cookie = auth::set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, state.config.secure_cookies);
    resp.headers_mut().append(
        header::SET_COOKIE,
        cookie
            .parse()
            .map_err(|_| AppError::Internal("cookie".into()))?,
    );
    Ok(resp)
}

async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = auth::safe_next(&q.next).to_string();
    login_response(&state, StatusCode::OK, String::new(), next, None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Sign-in attempts per account within an hour before each further one locks it (15 s, doubling).
const ACCOUNT_FREE_ATTEMPTS: i32 = 5;
/// Per address, generous: a whole office behind one proxy signs in through it, and one
/// person's typos must not lock the others out (their own account locks first).
const ADDRESS_FREE_ATTEMPTS: i32 = 100;
/// Longest email address (RFC 5321) and password considered; longer ones are refused before
/// the throttle or the hasher see them.
const MAX_EMAIL_LEN: usize = 254;
const MAX_PASSWORD_LEN: usize = 1024;

async fn login_submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    // Checked before anything else, so a bad `next` can never fail after a session exists.
    let next = auth::safe_next(&form.next).to_string();
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::constant_time_eq(expected.as_bytes(), form.csrf.as_bytes()) {
        return login_response(
            &state,
            StatusCode::FORBIDDEN,
            form.email,
            next,
            Some("The sign-in form expired. Please try again.".into()),
        );
    }
    let email = form.email.trim().to_lowercase();
    if email.len() > MAX_EMAIL_LEN || form.password.len() > MAX_PASSWORD_LEN {
        return login_response(
            &state,
            StatusCode::BAD_REQUEST,
            String::new(),
            next,
            Some("Email or password is wrong.".into()),
        );
    }
    let address = auth::client_address(&headers, peer.ip(), &state.config.trusted_proxies);
    let busy = |state: &AppState, email: String, next: String| {
        let mut resp = login_response(
            state,
            StatusCode::SERVICE_UNAVAILABLE,
            email,
            next,
            Some("The server is busy with other sign-ins. Try again in a moment.".into()),
        )?;
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("1"),
        );
        Ok::<_, AppError>(resp)
    };
    // A place in the password queue first: a sign-in refused as busy is not counted as a guess.
    let turn = match state.passwords.enter() {
        Ok(turn) => turn,
        Err(_) => return busy(&state, form.email, next),
    };
    let account_key = format!("account:{email}");
    let address_key = format!("address:{}", auth::throttle_network(address));
    for (key, free) in [
        (&address_key, ADDRESS_FREE_ATTEMPTS),
        (&account_key, ACCOUNT_FREE_ATTEMPTS),
    ] {
        if let Attempt::Locked { until } = state.store.admit_login_attempt(key, free).await? {
            let wait = (until - chrono::Utc::now()).num_seconds().max(1);
            let mut resp = login_response(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                form.email,
                next,
                Some(format!(
                    "Too many failed sign-in attempts. Wait {wait} seconds and try again."
                )),
            )?;
            resp.headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(wait));
            return Ok(resp);
        }
    }
    let candidate = postflow_app::accounts::sign_in_candidate(&state.app(), &email).await?;
    // An unknown email is checked against a hash nobody knows, so it costs the same time.
    let (user, hash) = match candidate {
        Some((user, password)) => (Some(user), Some(password.into_phc())),
        None => (None, None),
    };
    let ok = match turn.verify_or_dummy(form.password.clone(), hash).await {
        Ok(ok) => ok,
        Err(AppError::Busy) => return busy(&state, form.email, next),
        Err(e) => return Err(e),
    };
    drop(turn);
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            tracing::warn!(%address, "failed sign-in");
            // One message for every failure: no hint whether the account exists.
            return login_response(
                &state,
                StatusCode::UNAUTHORIZED,
                form.email,
                next,
                Some("Email or password is wrong.".into()),
            );
        }
    };
    // The attempts were counted before the check; a success forgets them.
    state.store.clear_login_failures(&account_key).await?;
    state.store.clear_login_failures(&address_key).await?;
    let token = auth::random_token(32);
    let expires = chrono::Utc::now() + chrono::Duration::hours(state.config.session_hours);
    state
        .store
        .create_session(
            auth::sha256_hex(&token),
            user.id,
            auth::random_token(24),
            expires,
        )
        .await?;
    state
        .store
        .audit(
            Some(user.id),
            "login",
            "user",
            Some(user.id),
            format!("{} signed in", user.email),
        )
        .await?;
    let cookie = auth::set_cookie(
        SESSION_COOKIE,
        &token,
        state.config.session_hours * 3600,
        state.config.secure_cookies,
    );
    let clear = auth::set_cookie(LOGIN_CSRF_COOKIE, "", 0, state.config.secure_cookies);
    Ok((
        axum::response::AppendHeaders([(header::SET_COOKIE, cookie), (header::SET_COOKIE, clear)]),
        Redirect::to(&next),
    )
        .into_response())
}

async fn logout(
    State(state): State<AppState>,
    posted: auth::Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    state.store.delete_session(&posted.who.session_hash).await?;
    let clear = auth::set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}

// --- dashboard ---------------------------------------------------------------------------------

/// A project in the cockpit: who runs it, what is due next, what is wrong.
pub(crate) struct CockpitRow {
    code: String,
    name: String,
    owner: String,
    next: String,
    forecast: String,
    planned: String,
    slip: i64,
    due: String,
    at_risk: bool,
    overdue: bool,
    planned_any: bool,
    failed_qc: usize,
    shortfalls: usize,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    active_count: usize,
    show_studio: bool,
    at_risk: usize,
    overdue: usize,
    failed_qc: usize,
    shortfalls: usize,
    my_open_tasks: usize,
    cockpit: Vec<CockpitRow>,
    projects: Vec<ProjectRow>,
    /// Booking conflicts (problem, fix), from `app::bookings`.
    booking_conflicts: Vec<(String, String)>,
    /// Budget alerts of the producer's projects (project code, message), from
    /// `app::budget_alerts`.
    budget_alerts: Vec<(String, String)>,
}

async fn dashboard(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let show_studio = can(&actor, Action::ViewStudio, None);
    let today = chrono::Utc::now().date_naive();
    if actor.role == postflow_core::access::Role::Client {
        // A client's home is the portal: timelines, approvals, plain verdicts.
        return portal::portal_response(&state, &who, "Dashboard", StatusCode::OK, None).await;
    }
    if !show_studio {
        let projects = guard::visible_projects(&state, &actor, false).await?;
        let rows = project_rows(&state, &projects).await?;
        return render(&DashboardPage {
            chrome: Chrome::new(&who, "Dashboard"),
            active_count: projects.len(),
            show_studio,
            at_risk: 0,
            overdue: 0,
            failed_qc: 0,
            shortfalls: 0,
            my_open_tasks: 0,
            cockpit: Vec::new(),
            projects: rows,
            booking_conflicts: Vec::new(),
            budget_alerts: Vec::new(),
        });
    }
    let c = postflow_app::dashboard::cockpit(&state.app(), &actor, today).await?;
    let cockpit = c
        .rows
        .iter()
        .map(|r| {
            let v = &r.summary.plan;
            let next = v.next_milestone();
            CockpitRow {
                code: v.code.clone(),
                name: v.name.clone(),
                owner: v
                    .owner
                    .as_ref()
                    .map(|o| o.name.clone())
                    .unwrap_or_else(|| "—".into()),
                next: next.map(|m| m.name.clone()).unwrap_or_else(|| "—".into()),
                forecast: next.map(|m| m.forecast.to_string()).unwrap_or_default(),
                planned: next.map(|m| m.planned.to_string()).unwrap_or_default(),
                slip: next.map(|m| m.slip_days).unwrap_or(0),
                due: date_text(v.due),
                at_risk: v.at_risk,
                overdue: r.summary.overdue,
                planned_any: !v.is_empty(),
                failed_qc: r.failed_qc,
                shortfalls: r.shortfalls,
            }
        })
        .collect();
    render(&DashboardPage {
        chrome: Chrome::new(&who, "Dashboard"),
        active_count: c.rows.len(),
        show_studio,
        at_risk: c.at_risk,
        overdue: c.overdue,
        failed_qc: c.failed_qc,
        shortfalls: c.shortfalls,
        my_open_tasks: c.my_open_tasks,
        cockpit,
        projects: Vec::new(),
        booking_conflicts: c
            .booking_conflicts
            .iter()
            .map(|k| (k.problem.clone(), k.fix.clone()))
            .collect(),
        budget_alerts: postflow_app::budget_alerts::dashboard_alerts(&state.app(), &actor)
            .await?
            .into_iter()
            .map(|a| (a.project_code, a.message))
            .collect(),
    })
}
