//! JSON API under `/api/v1`, authenticated by personal API tokens (`Authorization: Bearer …`),
//! with the same permission checks as the pages (through [`crate::guard`]).
use crate::auth::ApiUser;
use crate::guard;
use crate::{AppError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use postflow_core::access::Action;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The API's routes. Each handler is registered with `routes!`, which reads its
/// `#[utoipa::path]`: the router and the OpenAPI document are collected from the same
/// annotations, so no route can be missing from the document or documented without a route.
pub fn routes() -> OpenApiRouter<AppState> {
    // A large card's report is several megabytes of JSON; a QC report with a loudness series
    // a few.
    let (schemas, paths, upload) = routes!(upload_qc_run);
    let upload = (
        schemas,
        paths,
        upload.layer(axum::extract::DefaultBodyLimit::max(64 << 20)),
    );
    let (schemas, paths, catalog) = routes!(record_catalog);
    let catalog = (
        schemas,
        paths,
        catalog.layer(axum::extract::DefaultBodyLimit::max(256 << 20)),
    );
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(projects))
        .routes(routes!(project))
        .routes(routes!(clients))
        .routes(routes!(volumes, register_volume))
        .routes(routes!(project_media))
        .routes(routes!(deliverables))
        .routes(upload)
        .routes(catalog)
        .merge(crate::api_plan::routes())
}

/// The OpenAPI document's frame; the paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(title = "postflow API", version = "1", description = "Projects, clients and the signed-in user. Authenticate with a personal API token: `Authorization: Bearer pft_…`."),
    components(schemas(ErrorDto)),
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

/// The whole API: its router and its OpenAPI document (served at /api/v1/openapi.json), both
/// built from the handlers' annotations.
pub fn router() -> Router<AppState> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", routes().merge(crate::token_api::routes()))
        .split_for_parts();
    let doc = std::sync::Arc::new(doc);
    router
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(doc.as_ref().clone()) }),
        )
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
}

use crate::api_error::not_found;
pub use crate::api_error::{ApiBytes, ApiError, ApiJson, ApiPath, ErrorDto};
// The bodies are shared with the CLI's client (postflow-api-types).
pub use postflow_api_types::{
    ClientDto, CopyDto, DeliverableDto, FailingDto, FileDto, MeDto, MediaDto, ProjectDto, QcRunDto,
    RecordedDto, RuleDto, VolumeDto, VolumeInputDto,
};

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

// --- media catalog -------------------------------------------------------------------------------

#[utoipa::path(get, path = "/volumes", responses((status = 200, body = Vec<VolumeDto>), (status = 403, body = ErrorDto)))]
async fn volumes(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<VolumeDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    guard::require(&actor, Action::ViewStudio)?;
    let list = state.store.list_volumes().await?;
    Ok(Json(
        list.into_iter()
            .map(|v| VolumeDto {
                kind: v.volume.kind().as_str().into(),
                media_type: v.volume.media().to_string(),
                location: v.volume.site().as_str().into(),
                label: v.volume.label,
                capacity_bytes: v.volume.capacity_bytes,
                notes: v.volume.notes,
                files_held: v.files_held,
                last_verified: v.last_verified.map(|t| t.to_rfc3339()),
            })
            .collect(),
    ))
}

/// Registers a volume, or updates the one with this label (producers and admins).
#[utoipa::path(post, path = "/volumes", request_body = VolumeInputDto,
    responses((status = 200, body = VolumeDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn register_volume(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<VolumeInputDto>,
) -> Result<Json<VolumeDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let draft = postflow_app::storage::VolumeDraft {
        label: input.label,
        kind: input.kind,
        media_type: input.media_type,
        location: input.location,
        capacity_bytes: input.capacity_bytes,
        notes: input.notes,
    };
    let v = postflow_app::storage::register_volume(&state.app(), &actor, &draft).await?;
    Ok(Json(VolumeDto {
        kind: v.kind().as_str().into(),
        media_type: v.media().to_string(),
        location: v.site().as_str().into(),
        label: v.label,
        capacity_bytes: v.capacity_bytes,
        notes: v.notes,
        files_held: 0,
        last_verified: None,
    }))
}

/// A project's catalogued files with their copies, and its 3-2-1 status.
#[utoipa::path(get, path = "/projects/{code}/media", params(("code" = String, Path, description = "Project code")),
    responses((status = 200, body = MediaDto), (status = 404, body = ErrorDto)))]
async fn project_media(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<MediaDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let p = guard::project_for(&state, &actor, &code, Action::ViewProject).await?;
    let show_paths =
        postflow_core::access::can(&actor, Action::ViewInternalPaths, Some(guard::scope(&p)));
    let entries = state.store.project_media(p.id).await?;
    let facts: Vec<_> = entries.iter().map(|e| e.facts()).collect();
    let status = postflow_core::integrity::three_two_one(&facts);
    let standing = serde_json::to_value(status.standing)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(Json(MediaDto {
        project: p.code,
        status: RuleDto {
            standing,
            compliant: status.compliant(),
            files: status.files,
            failing: status
                .failing
                .iter()
                .map(|f| FailingDto {
                    path: f.path.clone(),
                    reasons: f.reasons.iter().map(|r| r.to_string()).collect(),
                })
                .collect(),
        },
        files: entries
            .iter()
            .map(|e| FileDto {
                path: e.file.path.clone(),
                size: e.file.size,
                modified: e.file.modified.map(|t| t.to_rfc3339()),
                checksums: e.checksums(),
                original_path: e.file.original_path.clone(),
                copies: e
                    .copies
                    .iter()
                    .map(|c| CopyDto {
                        volume: c.volume.label.clone(),
                        media_type: c.volume.media().to_string(),
                        location: c.volume.site().as_str().into(),
                        state: c.state().as_str().into(),
                        path_on_volume: show_paths.then(|| c.copy.path_on_volume.clone()),
                        verified_at: c.copy.verified_at.map(|t| t.to_rfc3339()),
                        checked_at: c.copy.checked_at.to_rfc3339(),
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Records an ingest or verification (`postflow ingest|verify --server`): files, copies per
/// volume with their state, and the full report. Idempotent for files and copies; one log entry
/// per call. The project's staff (or, for files of no project, producers and admins).
#[utoipa::path(post, path = "/catalog/records",
    request_body(content = Object, description = "A catalog record: { kind: ingest|verify, project?, source, at, volumes: [{label, path}], files: [{path, size?, modified?, checksums: {alg: value}, original_path?, copies: [{volume, path_on_volume, state: verified|failed|missing, verified_at?}]}], complete, report }"),
    responses((status = 200, body = RecordedDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn record_catalog(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<RecordedDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let record: postflow_store::catalog::CatalogRecord = serde_json::from_value(body)
        .map_err(|e| AppError::BadRequest(format!("the catalog record could not be read: {e}")))?;
    let out = postflow_app::catalog::record(&state.app(), &actor, &user.email, &record).await?;
    Ok(Json(RecordedDto {
        event_id: out.event_id,
        files: out.files,
        verified_copies: out.verified_copies,
        failed_copies: out.failed_copies,
        new_volumes: out.new_volumes,
    }))
}

#[utoipa::path(get, path = "/projects/{code}/deliverables", params(("code" = String, Path, description = "Project code")),
    responses((status = 200, body = Vec<DeliverableDto>), (status = 404, body = ErrorDto)))]
async fn deliverables(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<DeliverableDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let p = guard::project_for(&state, &actor, &code, Action::ViewProject).await?;
    let mut out = Vec::new();
    for d in state.store.deliverables_of(p.id).await? {
        let gate = postflow_app::delivery::gate_state(&state.app(), &d).await?;
        out.push(DeliverableDto {
            id: d.id,
            name: d.name.clone(),
            profiles: d.profile_names(),
            layout: d.layout.clone(),
            latest_qc: gate.run.as_ref().map(|(_, r)| {
                if r.status == postflow_qc_model::Verdict::Pass {
                    "pass".to_string()
                } else {
                    "fail".to_string()
                }
            }),
            qc_passed_at: d.qc_passed_at.map(|t| t.to_rfc3339()),
            blockers: gate.blockers.iter().map(|b| b.to_string()).collect(),
        });
    }
    Ok(Json(out))
}

/// Attaches a QC result (the `postflow qc --json` document) to a deliverable. Staff on the
/// project only; clients cannot. The verdict is recomputed from the checks.
#[utoipa::path(post, path = "/projects/{code}/deliverables/{id}/qc-runs",
    params(("code" = String, Path, description = "Project code"), ("id" = i64, Path, description = "Deliverable id")),
    request_body(content = String, description = "The JSON printed by `postflow qc --json`", content_type = "application/json"),
    responses((status = 201, body = QcRunDto), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn upload_qc_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((code, id)): ApiPath<(String, i64)>,
    ApiBytes(body): ApiBytes,
) -> Result<(StatusCode, Json<QcRunDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::BadRequest("the body is not UTF-8 JSON".into()))?;
    let report = postflow_qc_model::QcReport::from_json(text).map_err(|e| {
        AppError::BadRequest(format!(
            "the body is not a postflow QC report (postflow qc --json): {e}"
        ))
    })?;
    let recorded =
        postflow_app::delivery::record_qc_run(&state.app(), &actor, &code, id, report).await?;
    let (d, run) = (recorded.deliverable, recorded.run);
    Ok((
        StatusCode::CREATED,
        Json(QcRunDto {
            run_id: run.id,
            status: run.status,
            url: format!("/projects/{}/deliverables/{}", recorded.code, d.id),
        }),
    ))
}
