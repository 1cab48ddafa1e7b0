//! What-if plans under `/api/v1/scenarios`: propose a whole-studio plan, read it, apply or
//! discard it (producers and admins).
use crate::api_error::{ApiError, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use postflow_api_types::{ScenarioBookingDto, ScenarioDto, ScenarioProjectDto, ScenarioTaskDto};
use postflow_app::scenarios::{self, Scenario};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(propose, list))
        .routes(routes!(read))
        .routes(routes!(apply))
        .routes(routes!(discard))
}

pub fn dto(s: &Scenario) -> ScenarioDto {
    let p = &s.proposal;
    ScenarioDto {
        id: s.id,
        status: s.status.clone(),
        created_at: s.created_at.to_rfc3339(),
        projects: p
            .projects
            .iter()
            .map(|f| ScenarioProjectDto {
                project: f.code.clone(),
                due: f.due.map(|d| d.to_string()),
                current_finish: f.current_finish.map(|d| d.to_string()),
                proposed_finish: f.proposed_finish.map(|d| d.to_string()),
            })
            .collect(),
        moved: p
            .moved()
            .map(|t| ScenarioTaskDto {
                project: t.code.clone(),
                task_id: t.task_id,
                task_key: t.task_key.clone(),
                task: t.task_name.clone(),
                resource_kind: t.resource_kind.clone(),
                current_start: t.current_start.to_string(),
                current_end: t.current_end.to_string(),
                proposed_start: t.proposed_start.to_string(),
                proposed_end: t.proposed_end.to_string(),
                shift_days: t.shift_days,
            })
            .collect(),
        bookings: p
            .bookings
            .iter()
            .map(|b| ScenarioBookingDto {
                resource: b.resource_id,
                resource_name: b.resource_name.clone(),
                project: b.code.clone(),
                task_id: b.task_id,
                task: b.task_name.clone(),
                start: b.starts_at.to_rfc3339(),
                end: b.ends_at.to_rfc3339(),
            })
            .collect(),
        notes: p.notes.clone(),
        makespan_days: p.makespan_days,
        lower_bound_days: p.lower_bound_days,
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Schedules every open project against the studio's resources and saves the proposal.
#[utoipa::path(post, path = "/scenarios",
    responses((status = 201, body = ScenarioDto), (status = 403, body = ErrorDto)))]
async fn propose(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<(StatusCode, Json<ScenarioDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let s = scenarios::propose(&state.app(), &actor, today()).await?;
    Ok((StatusCode::CREATED, Json(dto(&s))))
}

#[utoipa::path(get, path = "/scenarios",
    responses((status = 200, body = Vec<ScenarioDto>), (status = 403, body = ErrorDto)))]
async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<ScenarioDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let all = scenarios::list(&state.app(), &actor).await?;
    Ok(Json(all.iter().map(dto).collect()))
}

#[utoipa::path(get, path = "/scenarios/{id}", params(("id" = i64, Path, description = "Scenario id")),
    responses((status = 200, body = ScenarioDto), (status = 404, body = ErrorDto)))]
async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ScenarioDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    Ok(Json(dto(&scenarios::get(&state.app(), &actor, id).await?)))
}

/// Applies a proposed scenario: 409 when a plan changed since, or it was already decided.
#[utoipa::path(post, path = "/scenarios/{id}/apply", params(("id" = i64, Path, description = "Scenario id")),
    responses((status = 200, body = ScenarioDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn apply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ScenarioDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    Ok(Json(
        dto(&scenarios::apply(&state.app(), &actor, id).await?),
    ))
}

#[utoipa::path(post, path = "/scenarios/{id}/discard", params(("id" = i64, Path, description = "Scenario id")),
    responses((status = 204), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn discard(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    scenarios::discard(&state.app(), &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
