//! The media catalog: volumes, a project's catalogued files, recording ingests and verifications.
use super::ApiJson;
use super::{ApiError, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppError;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use postflow_api_types::{
    CopyDto, FailingDto, FileDto, MediaDto, RecordedDto, RuleDto, VolumeDto, VolumeInputDto,
};
use postflow_core::access::Action;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    // A large card's report is several megabytes of JSON.
    let (schemas, paths, catalog) = routes!(record_catalog);
    let catalog = (
        schemas,
        paths,
        catalog.layer(axum::extract::DefaultBodyLimit::max(256 << 20)),
    );
    OpenApiRouter::new()
        .routes(routes!(volumes, register_volume))
        .routes(routes!(project_media))
        .routes(catalog)
}

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
