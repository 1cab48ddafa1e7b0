//! The job queue and the media it makes: list, queue (proxies and review copies), read, cancel
//! and retry jobs; a project's LUT library (upload `.cube` text, list) and its relink list as
//! CSV. Every decision is `postflow-app`'s (`app::jobs`, `app::media`).
use super::{ApiError, ApiJson, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::{AppError, AppState};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use postflow_api_types::{JobDto, LutDto, LutUploadDto, NewJobDto};
use postflow_app::jobs::{self, JobDraft};
use postflow_app::media;
use postflow_store::jobs::{Job, JobState};
use std::collections::{BTreeMap, HashMap};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    let (schemas, paths, upload) = routes!(add_lut);
    // A 65³ `.cube` is about 7 MB of text.
    let upload = (
        schemas,
        paths,
        upload.layer(axum::extract::DefaultBodyLimit::max(20 << 20)),
    );
    OpenApiRouter::new()
        .routes(routes!(list_jobs, queue_job))
        .routes(routes!(get_job))
        .routes(routes!(cancel_job))
        .routes(routes!(retry_job))
        .routes(routes!(list_luts))
        .routes(upload)
        .routes(routes!(relinks_csv))
}

/// The kinds people queue through the API (the others are the workers' tests and benches).
pub const QUEUED_KINDS: [&str; 2] = ["proxy", "review_copy"];

pub fn job_dto(job: &Job, codes: &BTreeMap<i64, String>, log: Vec<String>) -> JobDto {
    JobDto {
        id: job.id,
        kind: job.kind.clone(),
        state: job.state.clone(),
        project: job.project_id.and_then(|p| codes.get(&p).cloned()),
        priority: job.priority,
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        progress: job.progress,
        eta_seconds: jobs::eta_seconds(job, chrono::Utc::now()),
        message: job.message.clone(),
        cancel_requested: job.cancel_requested,
        lease_owner: job.lease_owner.clone(),
        payload: serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null),
        created_at: job.created_at.to_rfc3339(),
        started_at: job.started_at.map(|t| t.to_rfc3339()),
        finished_at: job.finished_at.map(|t| t.to_rfc3339()),
        log,
    }
}

/// Parses `state=queued,running` (empty: all).
pub fn parse_states(text: Option<&str>) -> Result<Vec<JobState>, AppError> {
    let mut states = Vec::new();
    for s in text
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        states.push(JobState::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!(
                "state {s:?} is not one of queued, running, succeeded, failed, cancelled"
            ))
        })?);
    }
    Ok(states)
}

/// Jobs newest first: one project's (`?project=CODE`) or every one the caller may see;
/// `?state=queued,running` narrows them.
#[utoipa::path(get, path = "/jobs",
    params(("project" = Option<String>, Query, description = "Project code"),
           ("state" = Option<String>, Query, description = "Comma-separated states")),
    responses((status = 200, body = Vec<JobDto>), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn list_jobs(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<JobDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let states = parse_states(query.get("state").map(String::as_str))?;
    let list = jobs::list(
        &state.app(),
        &actor,
        query.get("project").map(String::as_str),
        &states,
    )
    .await?;
    let codes = jobs::project_codes(&state.app(), &list).await?;
    Ok(Json(
        list.iter()
            .map(|j| job_dto(j, &codes, Vec::new()))
            .collect(),
    ))
}

/// Queues a `proxy` or `review_copy` job (payloads in `NewJobDto`'s description).
#[utoipa::path(post, path = "/jobs", request_body = NewJobDto,
    responses((status = 201, body = JobDto), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn queue_job(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewJobDto>,
) -> Result<(StatusCode, Json<JobDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    if !QUEUED_KINDS.contains(&body.kind.as_str()) {
        return Err(AppError::BadRequest(format!(
            "kind {:?} cannot be queued here; use one of {}",
            body.kind,
            QUEUED_KINDS.join(", ")
        ))
        .into());
    }
    if let Some(problem) = media::media_payload_problem(&body.kind, &body.payload) {
        return Err(AppError::BadRequest(problem).into());
    }
    let draft = JobDraft {
        kind: body.kind,
        payload: body.payload.to_string(),
        project_code: body.project,
        priority: body.priority,
        max_attempts: body.max_attempts,
    };
    let job = jobs::enqueue(&state.app(), &actor, &draft).await?;
    let codes = jobs::project_codes(&state.app(), std::slice::from_ref(&job)).await?;
    Ok((StatusCode::CREATED, Json(job_dto(&job, &codes, Vec::new()))))
}

/// One job with its last 20 log lines.
#[utoipa::path(get, path = "/jobs/{id}", params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = JobDto), (status = 404, body = ErrorDto)))]
async fn get_job(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<JobDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let (job, logs) = jobs::job(&state.app(), &actor, id, 20).await?;
    let codes = jobs::project_codes(&state.app(), std::slice::from_ref(&job)).await?;
    Ok(Json(job_dto(
        &job,
        &codes,
        logs.into_iter().map(|l| l.line).collect(),
    )))
}

/// Cancels a queued job, or asks a running job's worker to stop it.
#[utoipa::path(post, path = "/jobs/{id}/cancel", params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = JobDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn cancel_job(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<JobDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    jobs::cancel(&state.app(), &actor, id).await?;
    let (job, _) = jobs::job(&state.app(), &actor, id, 0).await?;
    let codes = jobs::project_codes(&state.app(), std::slice::from_ref(&job)).await?;
    Ok(Json(job_dto(&job, &codes, Vec::new())))
}

/// Queues a failed or cancelled job again, with fresh attempts.
#[utoipa::path(post, path = "/jobs/{id}/retry", params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = JobDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn retry_job(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<JobDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let job = jobs::retry(&state.app(), &actor, id).await?;
    let codes = jobs::project_codes(&state.app(), std::slice::from_ref(&job)).await?;
    Ok(Json(job_dto(&job, &codes, Vec::new())))
}

fn lut_dto(l: &postflow_store::media::Lut) -> LutDto {
    LutDto {
        id: l.id,
        name: l.name.clone(),
        kind: l.kind.clone(),
        dimension: l.dimension,
        size: l.size,
        created_at: l.created_at.to_rfc3339(),
    }
}

/// A project's LUT library.
#[utoipa::path(get, path = "/projects/{code}/luts", params(("code" = String, Path, description = "Project code")),
    responses((status = 200, body = Vec<LutDto>), (status = 404, body = ErrorDto)))]
async fn list_luts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<LutDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let list = media::luts(&state.app(), &actor, &code).await?;
    Ok(Json(list.iter().map(lut_dto).collect()))
}

/// Adds a `.cube` LUT; a file that does not parse is refused naming its line (`fields.file`).
#[utoipa::path(post, path = "/projects/{code}/luts", params(("code" = String, Path, description = "Project code")),
    request_body = LutUploadDto,
    responses((status = 201, body = LutDto), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn add_lut(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<LutUploadDto>,
) -> Result<(StatusCode, Json<LutDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let draft = media::LutDraft {
        name: body.name,
        kind: body.kind,
        file_name: body.file_name,
        text: body.text,
    };
    let lut = media::add_lut(&state.app(), &actor, &code, &draft).await?;
    Ok((StatusCode::CREATED, Json(lut_dto(&lut))))
}

/// The project's relink list as CSV (proxy ↔ original with checksums).
#[utoipa::path(get, path = "/projects/{code}/relinks.csv", params(("code" = String, Path, description = "Project code")),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 404, body = ErrorDto)))]
async fn relinks_csv(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let rows = media::relinks(&state.app(), &actor, &code).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        media::relinks_csv(&rows),
    ))
}

// --- workers through the API ---------------------------------------------------------------
//
// A `postflow worker --server URL --token T` claims, heartbeats and reports here instead of in
// the database. The token's user must be allowed `ManageStorage` (the studio's machines); every
// report is the store's conditional update on `lease_owner = worker`, exactly as for a worker
// on the database, so a worker that lost its lease changes nothing and is told so.

pub(super) fn worker_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(worker_claim))
        .routes(routes!(worker_report))
        .routes(routes!(worker_relink))
        .routes(routes!(worker_lut))
        .routes(routes!(worker_deliverable))
}

async fn worker_actor(
    state: &AppState,
    user: &postflow_store::accounts::User,
) -> Result<(), ApiError> {
    let actor = guard::actor_for(state, user).await?;
    guard::require(&actor, postflow_core::access::Action::ManageStorage)?;
    Ok(())
}

fn lease(secs: u64) -> Result<std::time::Duration, ApiError> {
    if !(1..=3600).contains(&secs) {
        return Err(AppError::BadRequest("lease_secs must be 1 to 3600".into()).into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

fn check_worker(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.len() > 200 {
        return Err(AppError::BadRequest("give the worker's name (up to 200 bytes)".into()).into());
    }
    Ok(())
}

/// The job if `worker` holds it now (running under its lease).
async fn held(state: &AppState, id: i64, worker: &str) -> Result<Job, ApiError> {
    match state.store.job(id).await? {
        Some(j)
            if j.state == JobState::Running.as_str()
                && j.lease_owner.as_deref() == Some(worker) =>
        {
            Ok(j)
        }
        _ => Err(AppError::Conflict(format!("worker {worker} does not hold job {id}")).into()),
    }
}

/// Claims the most urgent job of the given kinds under a lease; `null` when there is none.
#[utoipa::path(post, path = "/worker/claim", request_body = postflow_api_types::WorkerClaimDto,
    responses((status = 200, body = Option<postflow_api_types::WorkerJobDto>), (status = 403, body = ErrorDto)))]
async fn worker_claim(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<postflow_api_types::WorkerClaimDto>,
) -> Result<Json<Option<postflow_api_types::WorkerJobDto>>, ApiError> {
    worker_actor(&state, &user).await?;
    check_worker(&body.worker)?;
    let job = state
        .store
        .claim(&body.worker, &body.kinds, lease(body.lease_secs)?)
        .await?;
    Ok(Json(job.map(|j| postflow_api_types::WorkerJobDto {
        id: j.id,
        kind: j.kind,
        payload: j.payload,
        project_id: j.project_id,
        attempts: j.attempts,
        max_attempts: j.max_attempts,
    })))
}

/// A report on a held job: heartbeat, log, complete, fail, release or cancelled.
#[utoipa::path(post, path = "/worker/jobs/{id}/{report}",
    params(("id" = i64, Path, description = "Job id"), ("report" = String, Path, description = "heartbeat, log, complete, fail, release or cancelled")),
    request_body = postflow_api_types::WorkerReportDto,
    responses((status = 200, body = postflow_api_types::WorkerAnswerDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn worker_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, report)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<postflow_api_types::WorkerReportDto>,
) -> Result<Json<postflow_api_types::WorkerAnswerDto>, ApiError> {
    use postflow_api_types::WorkerAnswerDto;
    use postflow_store::jobs::{Backoff, FailOutcome, Heartbeat};
    worker_actor(&state, &user).await?;
    check_worker(&body.worker)?;
    let w = body.worker.as_str();
    let answer = |held: bool, outcome: &str| WorkerAnswerDto {
        held,
        cancel_requested: false,
        outcome: if held { outcome.into() } else { "lost".into() },
    };
    let message = body.message.clone().unwrap_or_default();
    let a = match report.as_str() {
        "heartbeat" => match state
            .store
            .heartbeat(
                id,
                w,
                lease(body.lease_secs)?,
                body.progress,
                body.message.as_deref(),
            )
            .await?
        {
            Heartbeat::Kept { cancel_requested } => WorkerAnswerDto {
                held: true,
                cancel_requested,
                outcome: "kept".into(),
            },
            Heartbeat::Lost => answer(false, ""),
        },
        "log" => {
            held(&state, id, w).await?;
            state.store.append_log(id, &message).await?;
            answer(true, "logged")
        }
        "complete" => answer(state.store.complete(id, w).await?, "recorded"),
        "release" => answer(state.store.release(id, w).await?, "released"),
        "cancelled" => answer(state.store.confirm_cancelled(id, w).await?, "cancelled"),
        "fail" if !body.retry => answer(state.store.give_up(id, w, &message).await?, "failed"),
        "fail" => match state
            .store
            .fail(id, w, &message, Backoff::default())
            .await?
        {
            FailOutcome::Retrying { run_after } => {
                answer(true, &format!("retrying after {}", run_after.to_rfc3339()))
            }
            FailOutcome::Failed => answer(true, "failed"),
            FailOutcome::Lost => answer(false, ""),
        },
        other => {
            return Err(AppError::BadRequest(format!(
            "{other:?} is not a report; use heartbeat, log, complete, fail, release or cancelled"
        ))
            .into())
        }
    };
    Ok(Json(a))
}

/// Puts what a held media job wrote on its project's relink list (with the catalog's checksum
/// of the original when the catalog knows it).
#[utoipa::path(post, path = "/worker/jobs/{id}/relink", params(("id" = i64, Path, description = "Job id")),
    request_body = postflow_api_types::WorkerRelinkDto,
    responses((status = 200, body = postflow_api_types::WorkerAnswerDto), (status = 409, body = ErrorDto)))]
async fn worker_relink(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<postflow_api_types::WorkerRelinkDto>,
) -> Result<Json<postflow_api_types::WorkerAnswerDto>, ApiError> {
    worker_actor(&state, &user).await?;
    let job = held(&state, id, &body.worker).await?;
    let original_checksum = match job.project_id {
        Some(p) => {
            state
                .store
                .catalog_checksum_of(p, &body.original_path)
                .await?
        }
        None => None,
    };
    state
        .store
        .record_relink(postflow_store::media::NewRelink {
            project_id: job.project_id,
            job_id: Some(job.id),
            kind: body.kind,
            original_path: body.original_path,
            original_checksum,
            proxy_path: body.proxy_path,
            proxy_checksum: body.proxy_checksum,
            start_timecode: body.start_timecode,
            reel: body.reel,
            codec: body.codec,
            width: body.width,
            height: body.height,
        })
        .await?;
    Ok(Json(postflow_api_types::WorkerAnswerDto {
        held: true,
        cancel_requested: false,
        outcome: "recorded".into(),
    }))
}

/// A LUT of the held job's project, for ffmpeg.
#[utoipa::path(post, path = "/worker/jobs/{id}/lut", params(("id" = i64, Path, description = "Job id")),
    request_body = postflow_api_types::WorkerLutDto,
    responses((status = 200, body = postflow_api_types::WorkerLutDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn worker_lut(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<postflow_api_types::WorkerLutDto>,
) -> Result<Json<postflow_api_types::WorkerLutDto>, ApiError> {
    worker_actor(&state, &user).await?;
    let job = held(&state, id, &body.worker).await?;
    let lut = state
        .store
        .lut(body.lut_id)
        .await?
        .filter(|l| Some(l.project_id) == job.project_id)
        .ok_or(AppError::NotFound)?;
    Ok(Json(postflow_api_types::WorkerLutDto {
        worker: body.worker,
        lut_id: lut.id,
        dimension: lut.dimension,
        body: lut.body,
    }))
}

/// The deliverable a held delivery encode job works for, with its delivery profiles: what the
/// worker encodes to and judges the result by. The QC run goes to the project's
/// `deliverables/{id}/qc-runs`, like any other.
#[utoipa::path(post, path = "/worker/jobs/{id}/deliverable", params(("id" = i64, Path, description = "Job id")),
    request_body = postflow_api_types::WorkerDeliverableDto,
    responses((status = 200, body = postflow_api_types::WorkerDeliverableDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn worker_deliverable(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<postflow_api_types::WorkerDeliverableDto>,
) -> Result<Json<postflow_api_types::WorkerDeliverableDto>, ApiError> {
    worker_actor(&state, &user).await?;
    let job = held(&state, id, &body.worker).await?;
    let project_id = job.project_id.ok_or(AppError::NotFound)?;
    let target =
        postflow_app::delivery::encode_target(&state.app(), project_id, body.deliverable_id)
            .await?;
    let profiles = target
        .profiles
        .iter()
        .map(|p| serde_json::to_value(p).map_err(|e| AppError::Internal(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(postflow_api_types::WorkerDeliverableDto {
        worker: body.worker,
        deliverable_id: target.deliverable_id,
        project_code: target.code,
        name: target.name,
        layout: target.layout,
        profiles,
    }))
}
