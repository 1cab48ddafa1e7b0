//! Deliverables and their QC runs.
use super::ApiBytes;
use super::{ApiError, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppError;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use postflow_api_types::{DeliverableDto, QcRunDto};
use postflow_core::access::Action;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    // A QC report with a loudness series is a few megabytes of JSON.
    let (schemas, paths, upload) = routes!(upload_qc_run);
    let upload = (
        schemas,
        paths,
        upload.layer(axum::extract::DefaultBodyLimit::max(64 << 20)),
    );
    OpenApiRouter::new()
        .routes(routes!(deliverables))
        .routes(upload)
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
