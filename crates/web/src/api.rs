//! JSON API under `/api/v1`, authenticated by personal API tokens (`Authorization: Bearer …`),
//! with the same permission checks as the pages (through [`crate::guard`]).
use crate::auth::ApiUser;
use crate::guard;
use crate::{AppError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use postflow_core::access::{Action, Role};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route("/projects", get(projects))
        .route("/projects/{code}", get(project))
        .route("/clients", get(clients))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "postflow API", version = "1", description = "Projects, clients and the signed-in user. Authenticate with a personal API token: `Authorization: Bearer pft_…`."),
    paths(me, projects, project, clients),
    components(schemas(MeDto, ProjectDto, ClientDto, ErrorDto)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// API errors are JSON: `{"error": "…"}` with the matching status.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    App(AppError),
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<postflow_store::StoreError> for ApiError {
    fn from(e: postflow_store::StoreError) -> Self {
        ApiError::App(e.into())
    }
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDto {
    pub error: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, msg) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "send a valid API token as `Authorization: Bearer <token>`".to_string(),
            ),
            ApiError::App(AppError::Internal(detail)) => {
                tracing::error!(%detail, "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error; it has been logged".to_string(),
                )
            }
            ApiError::App(e) => (e.status(), e.to_string()),
        };
        (status, Json(ErrorDto { error: msg })).into_response()
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// admin, producer, artist or client
    pub role: String,
    pub client_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeDto), (status = 401, body = ErrorDto)))]
async fn me(ApiUser(user): ApiUser) -> Json<MeDto> {
    Json(MeDto {
        id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role().as_str().into(),
        client_id: user.client_id,
    })
}

#[derive(Serialize, ToSchema)]
pub struct ProjectDto {
    pub code: String,
    pub name: String,
    pub client_code: String,
    pub client_name: String,
    /// bidding, ingest, editorial, locked, finishing, delivered, archived
    pub status: String,
    /// ISO date (YYYY-MM-DD)
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    pub archived: bool,
    /// Send back unchanged when editing; a stale version is refused.
    pub version: i64,
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

#[utoipa::path(get, path = "/api/v1/projects", responses((status = 200, body = Vec<ProjectDto>), (status = 401, body = ErrorDto)))]
async fn projects(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<ProjectDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let list = guard::visible_projects(&state, &actor, true).await?;
    Ok(Json(project_dtos(&state, list).await?))
}

#[utoipa::path(get, path = "/api/v1/projects/{code}", params(("code" = String, Path, description = "Project code")),
    responses((status = 200, body = ProjectDto), (status = 404, body = ErrorDto)))]
async fn project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> Result<Json<ProjectDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let p = guard::project_for(&state, &actor, &code, Action::ViewProject).await?;
    Ok(Json(project_dtos(&state, vec![p]).await?.remove(0)))
}

#[derive(Serialize, ToSchema)]
pub struct ClientDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub archived: bool,
}

#[utoipa::path(get, path = "/api/v1/clients", responses((status = 200, body = Vec<ClientDto>), (status = 401, body = ErrorDto)))]
async fn clients(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<ClientDto>>, ApiError> {
    let all = state.store.list_clients(true).await?;
    let visible: Vec<_> = match user.role() {
        Role::Admin | Role::Producer | Role::Artist => all,
        Role::Client => all
            .into_iter()
            .filter(|c| Some(c.id) == user.client_id)
            .collect(),
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
