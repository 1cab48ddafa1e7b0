//! What-if plans as pages: the list with "Propose a plan", and one scenario compared with the
//! current schedule (project finishes, tasks that move, bookings it would make) with Apply and
//! Discard.
use super::{render, render_status, Chrome};
use crate::auth::{self, CurrentUser, Posted};
use crate::{guard, AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use postflow_app::scenarios::{self, Scenario};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/schedule/scenarios", get(list_page).post(propose))
        .route("/schedule/scenarios/{id}", get(scenario_page))
        .route("/schedule/scenarios/{id}/apply", post(apply))
        .route("/schedule/scenarios/{id}/discard", post(discard))
}

#[derive(Template)]
#[template(path = "scenarios.html")]
struct ListPage {
    chrome: Chrome,
    scenarios: Vec<Scenario>,
}

#[derive(Template)]
#[template(path = "scenario.html")]
struct ScenarioPage {
    chrome: Chrome,
    s: Scenario,
    error: Option<String>,
    tz: String,
}

impl ScenarioPage {
    fn moved(&self) -> Vec<&postflow_app::scenarios::TaskMove> {
        self.s.proposal.moved().collect()
    }
    fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        let tz: chrono_tz::Tz = self.tz.parse().unwrap_or(chrono_tz::Tz::UTC);
        t.with_timezone(&tz).format("%a %Y-%m-%d %H:%M").to_string()
    }
    fn opt(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
    /// Proposed minus current finish in calendar days, as a signed label.
    fn finish_change(&self, p: &postflow_app::scenarios::ProjectFinish) -> String {
        match (p.current_finish, p.proposed_finish) {
            (Some(a), Some(b)) => {
                let d = (b - a).num_days();
                match d {
                    0 => "same day".into(),
                    d if d > 0 => format!("{} later", count_label(d as usize, "day", "days")),
                    d => format!("{} earlier", count_label((-d) as usize, "day", "days")),
                }
            }
            _ => "—".into(),
        }
    }
    fn late(&self, p: &postflow_app::scenarios::ProjectFinish) -> bool {
        matches!((p.proposed_finish, p.due), (Some(f), Some(d)) if f > d)
    }
}

fn count_label(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl ListPage {
    fn summary(&self, s: &Scenario) -> String {
        let moved = s.proposal.moved().count();
        let projects: HashMap<&str, ()> =
            s.proposal.moved().map(|t| (t.code.as_str(), ())).collect();
        format!(
            "{} in {}, {}",
            count_label(moved, "task moves", "tasks move"),
            count_label(projects.len(), "project", "projects"),
            count_label(s.proposal.bookings.len(), "booking", "bookings")
        )
    }
    fn created(&self, s: &Scenario) -> String {
        s.created_at.format("%Y-%m-%d %H:%M").to_string()
    }
}

async fn list_page(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let scenarios = scenarios::list(&state.app(), &actor).await?;
    render(&ListPage {
        chrome: Chrome::new(&who, "Schedule"),
        scenarios,
    })
}

async fn propose(
    State(state): State<AppState>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let who = posted.who;
    let actor = guard::actor_for(&state, &who.user).await?;
    let s = scenarios::propose(&state.app(), &actor, chrono::Utc::now().date_naive()).await?;
    Ok(auth::redirect_with_flash(
        &format!("/schedule/scenarios/{}", s.id),
        "Plan proposed: compare it with the current schedule, then apply or discard it.",
        state.config.secure_cookies,
    ))
}

async fn show(
    state: &AppState,
    who: &CurrentUser,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let app = state.app();
    let s = scenarios::get(&app, &actor, id).await?;
    let tz = postflow_app::feeds::studio_time_zone(&app)
        .await?
        .name()
        .to_string();
    let page = ScenarioPage {
        chrome: Chrome::new(who, "Schedule"),
        s,
        error,
        tz,
    };
    if status == StatusCode::OK {
        render(&page)
    } else {
        render_status(status, &page)
    }
}

async fn scenario_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    who: CurrentUser,
) -> Result<Response, AppError> {
    show(&state, &who, id, StatusCode::OK, None).await
}

async fn apply(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let who = posted.who;
    let actor = guard::actor_for(&state, &who.user).await?;
    match scenarios::apply(&state.app(), &actor, id).await {
        Ok(s) => Ok(auth::redirect_with_flash(
            &format!("/schedule/scenarios/{id}"),
            &format!(
                "Plan applied: {} moved, {} written as planning.",
                count_label(s.proposal.moved().count(), "task", "tasks"),
                count_label(s.proposal.bookings.len(), "booking", "bookings")
            ),
            state.config.secure_cookies,
        )),
        Err(postflow_app::AppError::Conflict(message)) => {
            show(&state, &who, id, StatusCode::CONFLICT, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn discard(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let who = posted.who;
    let actor = guard::actor_for(&state, &who.user).await?;
    match scenarios::discard(&state.app(), &actor, id).await {
        Ok(()) => Ok(auth::redirect_with_flash(
            "/schedule/scenarios",
            "Scenario discarded; nothing changed.",
            state.config.secure_cookies,
        )),
        Err(postflow_app::AppError::Store(postflow_store::StoreError::Conflict(message)))
        | Err(postflow_app::AppError::Conflict(message)) => {
            show(&state, &who, id, StatusCode::CONFLICT, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}
