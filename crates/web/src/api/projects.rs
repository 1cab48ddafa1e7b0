//! The signed-in user, projects and client companies.
use super::{ApiError, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use postflow_api_types::{ClientDto, MeDto, ProjectDto};
use postflow_core::access::Action;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(projects))
        .routes(routes!(project))
        .routes(routes!(clients))
}

#[utoipa::path(get, path = "/me", responses((status = 200, body = MeDto), (status = 401, body = ErrorDto)))]
async fn me(ApiUser(user): ApiUser) -> Json<MeDto> {
    Json(MeDto {
        id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role().as_str().into(),
        client_id: user.client_id,
    })
}

async fn project_dtos(
    state: &AppState,
    projects: Vec<postflow_store::studio::Project>,
) -> Result<Vec<ProjectDto>, ApiError> {
    let clients: std::collections::HashMap<i64, (String, String)> = state
        .store
        .list_clients(true)
        .await?
        .into_iter()
        .map(|c| (c.id, (c.code, c.name)))
        .collect();
    Ok(projects
        .into_iter()
        .map(|p| {
            let (client_code, client_name) = clients.get(&p.client_id).cloned().unwrap_or_default();
            ProjectDto {
                code: p.code,
                name: p.name,
                client_code,
                client_name,
                status: p.status,
                start_date: p.start_date.map(|d| d.to_string()),
                due_date: p.due_date.map(|d| d.to_string()),
                archived: p.archived,
                version: p.version,
            }
        })
        .collect())
}

#[utoipa::path(get, path = "/projects", responses((status = 200, body = Vec<ProjectDto>), (status = 401, body = ErrorDto)))]
async fn projects(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<ProjectDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let list = guard::visible_projects(&state, &actor, true).await?;
    Ok(Json(project_dtos(&state, list).await?))
}

#[utoipa::path(get, path = "/projects/{code}", params(("code" = String, Path, description = "Project code")),
    responses((status = 200, body = ProjectDto), (status = 404, body = ErrorDto)))]
async fn project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ProjectDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let p = guard::project_for(&state, &actor, &code, Action::ViewProject).await?;
    Ok(Json(project_dtos(&state, vec![p]).await?.remove(0)))
}

#[utoipa::path(get, path = "/clients", responses((status = 200, body = Vec<ClientDto>), (status = 401, body = ErrorDto)))]
async fn clients(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<ClientDto>>, ApiError> {
    let all = state.store.list_clients(true).await?;
    // Staff see every company; a client user only their own.
    let visible: Vec<_> = if user.role().is_staff() {
        all
    } else {
        all.into_iter()
            .filter(|c| Some(c.id) == user.client_id)
            .collect()
    };
    Ok(Json(
        visible
            .into_iter()
            .map(|c| ClientDto {
                id: c.id,
                code: c.code,
                name: c.name,
                archived: c.archived,
            })
            .collect(),
    ))
}
