//! The jobs pages: studio-wide `/jobs` and per project `/projects/{code}/jobs` — queued,
//! running, failed and finished jobs with progress, ETA and the last log lines, cancel and
//! retry buttons (CSRF-checked forms), a form to queue a proxy or review copy, and on the
//! project page the LUT library (paste a `.cube`, refused naming the line) and the relink list
//! as CSV. The pages refresh themselves every few seconds while a job is queued or running.
use super::{render, render_status, Chrome};
use crate::auth::{CurrentUser, Posted};
use crate::{guard, AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use postflow_app::jobs::{self, JobDraft};
use postflow_app::media;
use postflow_core::access::{can, Action};
use postflow_store::jobs::Job;
use postflow_store::media::Lut;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(studio_jobs))
        .route(
            "/projects/{code}/jobs",
            get(project_jobs).post(queue_from_form),
        )
        .route("/projects/{code}/luts", post(add_lut_from_form))
        .route("/projects/{code}/luts/upload", post(upload_lut))
        .route("/projects/{code}/relinks.csv", get(relinks_csv))
        .route("/jobs/{id}/cancel", post(cancel))
        .route("/jobs/{id}/retry", post(retry))
}

/// One row of the jobs table.
struct JobRow {
    id: i64,
    kind: String,
    state: String,
    project: String,
    percent: String,
    eta: String,
    attempts: String,
    message: String,
    log: Vec<String>,
    can_cancel: bool,
    can_retry: bool,
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    chrome: Chrome,
    /// `Some(code)` on a project's page.
    project: Option<String>,
    rows: Vec<JobRow>,
    /// Refresh while something is queued or running.
    live: bool,
    /// Where cancel/retry come back to.
    back: String,
    can_edit: bool,
    luts: Vec<Lut>,
    error: Option<String>,
    lut_error: Option<String>,
    /// What the LUT forms showed when refused, shown again.
    lut_name: String,
    lut_kind: String,
    lut_text: String,
}

fn eta_text(seconds: Option<i64>) -> String {
    match seconds {
        None => String::new(),
        Some(s) if s < 60 => format!("{s} s"),
        Some(s) if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        Some(s) => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

async fn rows(state: &AppState, list: &[Job]) -> Result<Vec<JobRow>, AppError> {
    let codes = jobs::project_codes(&state.app(), list).await?;
    let now = chrono::Utc::now();
    let mut out = Vec::new();
    for j in list {
        let mut log: Vec<String> = state
            .store
            .job_logs(j.id)
            .await?
            .into_iter()
            .map(|l| l.line)
            .collect();
        let keep = log.len().saturating_sub(3);
        log.drain(..keep);
        out.push(JobRow {
            id: j.id,
            kind: j.kind.clone(),
            state: j.state.clone(),
            project: j
                .project_id
                .and_then(|p| codes.get(&p).cloned())
                .unwrap_or_default(),
            percent: format!("{:.1}", j.progress as f64 / 10.0),
            eta: eta_text(jobs::eta_seconds(j, now)),
            attempts: format!("{}/{}", j.attempts, j.max_attempts),
            message: j.message.clone().unwrap_or_default(),
            log,
            can_cancel: matches!(j.state.as_str(), "queued" | "running") && !j.cancel_requested,
            can_retry: matches!(j.state.as_str(), "failed" | "cancelled"),
        });
    }
    Ok(out)
}

#[derive(Default)]
struct Shown {
    error: Option<String>,
    lut_error: Option<String>,
    lut_name: String,
    lut_kind: String,
    lut_text: String,
}

async fn page(
    state: &AppState,
    who: &CurrentUser,
    code: Option<&str>,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let app = state.app();
    let list = jobs::list(&app, &actor, code, &[]).await?;
    let (can_edit, luts, back) = match code {
        Some(code) => {
            let p = guard::project_for(state, &actor, code, Action::ViewInternal).await?;
            (
                can(&actor, Action::EditProject, Some(guard::scope(&p))),
                media::luts(&app, &actor, code).await?,
                format!("/projects/{}/jobs", p.code),
            )
        }
        None => (false, Vec::new(), "/jobs".to_string()),
    };
    let live = list
        .iter()
        .any(|j| matches!(j.state.as_str(), "queued" | "running"));
    let page = JobsPage {
        chrome: Chrome::new(who, if code.is_none() { "Jobs" } else { "" }),
        project: code.map(|c| c.to_string()),
        rows: rows(state, &list).await?,
        live,
        back,
        can_edit,
        luts,
        error: shown.error,
        lut_error: shown.lut_error,
        lut_name: shown.lut_name,
        lut_kind: shown.lut_kind,
        lut_text: shown.lut_text,
    };
    if status == StatusCode::OK {
        render(&page)
    } else {
        render_status(status, &page)
    }
}

async fn studio_jobs(
    State(state): State<AppState>,
    who: CurrentUser,
) -> Result<Response, AppError> {
    page(&state, &who, None, StatusCode::OK, Shown::default()).await
}

async fn project_jobs(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    page(&state, &who, Some(&code), StatusCode::OK, Shown::default()).await
}

#[derive(Deserialize)]
struct BackForm {
    #[serde(default)]
    back: String,
}

/// Only our own pages are gone back to.
fn back_to(back: &str) -> String {
    let ok = back == "/jobs"
        || (back.starts_with("/projects/")
            && back.ends_with("/jobs")
            && back
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_')));
    if ok {
        back.to_string()
    } else {
        "/jobs".to_string()
    }
}

async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<BackForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    jobs::cancel(&state.app(), &actor, id).await?;
    Ok(Redirect::to(&back_to(&form.back)).into_response())
}

async fn retry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<BackForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    jobs::retry(&state.app(), &actor, id).await?;
    Ok(Redirect::to(&back_to(&form.back)).into_response())
}

#[derive(Deserialize)]
struct QueueForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    dest_dir: String,
    #[serde(default)]
    codec: String,
    #[serde(default)]
    scale: String,
    #[serde(default)]
    watermark: String,
    #[serde(default)]
    lut_id: String,
}

/// The form's fields as the kind's payload (empty fields left out, so the kind's defaults apply).
fn payload_of(form: &QueueForm) -> Result<serde_json::Value, String> {
    let mut p = serde_json::Map::new();
    let source = form.source.trim();
    if source.is_empty() {
        return Err("Give the path of the original on the worker's machine.".into());
    }
    p.insert("source".into(), source.into());
    if !form.dest_dir.trim().is_empty() {
        p.insert("dest_dir".into(), form.dest_dir.trim().into());
    }
    if !form.lut_id.trim().is_empty() {
        let id: i64 = form
            .lut_id
            .trim()
            .parse()
            .map_err(|_| "Choose a LUT from the library.".to_string())?;
        p.insert("lut_id".into(), id.into());
    }
    match form.kind.as_str() {
        "proxy" => {
            if !form.codec.is_empty() {
                p.insert("codec".into(), form.codec.clone().into());
            }
            if !form.scale.is_empty() {
                p.insert("scale".into(), form.scale.clone().into());
            }
        }
        "review_copy" => {
            if !form.watermark.trim().is_empty() {
                p.insert("watermark".into(), form.watermark.trim().into());
            }
        }
        _ => return Err("Choose a proxy or a review copy.".into()),
    }
    Ok(serde_json::Value::Object(p))
}

async fn queue_from_form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<QueueForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let payload = match payload_of(&form) {
        Ok(p) => p,
        Err(message) => {
            let shown = Shown {
                error: Some(message),
                ..Default::default()
            };
            return page(&state, &who, Some(&code), StatusCode::BAD_REQUEST, shown).await;
        }
    };
    if let Some(problem) = media::media_payload_problem(&form.kind, &payload) {
        let shown = Shown {
            error: Some(problem),
            ..Default::default()
        };
        return page(&state, &who, Some(&code), StatusCode::BAD_REQUEST, shown).await;
    }
    let draft = JobDraft {
        kind: form.kind.clone(),
        payload: payload.to_string(),
        project_code: Some(code.clone()),
        priority: 0,
        max_attempts: None,
    };
    match jobs::enqueue(&state.app(), &actor, &draft).await {
        Ok(job) => {
            Ok(Redirect::to(&format!("/projects/{}/jobs#job-{}", code, job.id)).into_response())
        }
        Err(postflow_app::AppError::Invalid(fields)) => {
            let shown = Shown {
                error: Some(first_message(&fields)),
                ..Default::default()
            };
            page(&state, &who, Some(&code), StatusCode::BAD_REQUEST, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

fn first_message(fields: &postflow_app::FieldErrors) -> String {
    fields
        .0
        .values()
        .next()
        .cloned()
        .unwrap_or_else(|| "The input was refused.".into())
}

#[derive(Deserialize)]
struct LutForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

async fn add_lut_from_form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<LutForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let draft = media::LutDraft {
        name: form.name.clone(),
        kind: form.kind.clone(),
        file_name: if form.name.trim().is_empty() {
            "the pasted LUT".into()
        } else {
            format!("{}.cube", form.name.trim())
        },
        text: form.text.clone(),
    };
    match media::add_lut(&state.app(), &actor, &code, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{code}/jobs#luts")).into_response()),
        Err(postflow_app::AppError::Invalid(fields)) => {
            let shown = Shown {
                lut_error: Some(first_message(&fields)),
                lut_name: form.name,
                lut_kind: form.kind,
                lut_text: form.text,
                ..Default::default()
            };
            page(&state, &who, Some(&code), StatusCode::BAD_REQUEST, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, PartialEq)]
struct FormPart {
    name: String,
    file_name: Option<String>,
    data: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A `name="…"` parameter of a Content-Disposition header.
fn disposition_param(header: &str, param: &str) -> Option<String> {
    let marker = format!("{param}=\"");
    let mut at = 0;
    // `filename="…"` also contains `name="`: take the one that stands on its own.
    while let Some(i) = header[at..].find(&marker).map(|i| i + at) {
        let before = header[..i].chars().last();
        if matches!(before, Some(' ') | Some(';')) {
            let start = i + marker.len();
            let end = header[start..].find('"')? + start;
            return Some(header[start..end].to_string());
        }
        at = i + marker.len();
    }
    None
}

/// The parts of a `multipart/form-data` body (RFC 7578), for the one upload form: the boundary
/// from the Content-Type, each part's name, file name and bytes. Malformed input is an error
/// sentence, never a panic.
fn multipart_parts(content_type: &str, body: &[u8]) -> Result<Vec<FormPart>, String> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or("the upload is not multipart/form-data with a boundary")?;
    let delimiter = format!("--{boundary}");
    let next = format!("\r\n--{boundary}");
    let mut at =
        find(body, delimiter.as_bytes(), 0).ok_or("the upload has no parts")? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err("the upload's parts are malformed".into());
        }
        at += 2;
        let head_end = find(body, b"\r\n\r\n", at).ok_or("an upload part has no end of headers")?;
        let head = std::str::from_utf8(&body[at..head_end])
            .map_err(|_| "an upload part's headers are not text".to_string())?;
        let disposition = head
            .split("\r\n")
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .ok_or("an upload part has no Content-Disposition")?;
        let name =
            disposition_param(disposition, "name").ok_or("an upload part has no field name")?;
        let file_name = disposition_param(disposition, "filename");
        let data_start = head_end + 4;
        let data_end = find(body, next.as_bytes(), data_start).ok_or("the upload is cut short")?;
        parts.push(FormPart {
            name,
            file_name,
            data: body[data_start..data_end].to_vec(),
        });
        at = data_end + next.len();
        if parts.len() > 20 {
            return Err("the upload has too many parts".into());
        }
    }
}

/// The LUT library's file upload: a `.cube` file with a name (default: the file's) and a use.
/// Refused files come back on the page with the reason (the line, for a bad table), the name
/// and use kept and the file's text in the paste box, to be fixed there.
async fn upload_lut(
    State(state): State<AppState>,
    Path(code): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, AppError> {
    use axum::extract::FromRequestParts;
    let (mut parts, body) = request.into_parts();
    let who = CurrentUser::from_request_parts(&mut parts, &state).await?;
    let content_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // A 65³ `.cube` is about 7 MB of text.
    let bytes = axum::body::to_bytes(body, 20 << 20).await.map_err(|_| {
        AppError::BadRequest("the file is too large for a LUT (20 MB at most)".into())
    })?;
    let fields = multipart_parts(&content_type, &bytes).map_err(AppError::BadRequest)?;
    let text_of = |name: &str| {
        fields
            .iter()
            .find(|p| p.name == name && p.file_name.is_none())
            .map(|p| String::from_utf8_lossy(&p.data).trim().to_string())
            .unwrap_or_default()
    };
    let csrf = text_of("csrf");
    if !crate::auth::constant_time_eq(csrf.as_bytes(), who.csrf.as_bytes()) {
        return Err(AppError::BadCsrf);
    }
    let (name, kind) = (text_of("name"), text_of("kind"));
    let file = fields
        .iter()
        .find(|p| p.name == "file" && p.file_name.as_deref().is_some_and(|f| !f.is_empty()));
    let refused = |message: String, text: String| Shown {
        lut_error: Some(message),
        lut_name: name.clone(),
        lut_kind: kind.clone(),
        lut_text: text,
        ..Default::default()
    };
    let Some(file) = file else {
        let shown = refused("Choose a .cube file to upload.".into(), String::new());
        return page(&state, &who, Some(&code), StatusCode::BAD_REQUEST, shown).await;
    };
    let file_name = file.file_name.clone().unwrap_or_default();
    let Ok(text) = String::from_utf8(file.data.clone()) else {
        let shown = refused(
            format!("{file_name} is not a text file; a .cube LUT is plain text."),
            String::new(),
        );
        return page(&state, &who, Some(&code), StatusCode::BAD_REQUEST, shown).await;
    };
    let actor = guard::actor_for(&state, &who.user).await?;
    let draft = media::LutDraft {
        name: name.clone(),
        kind: kind.clone(),
        file_name,
        text: text.clone(),
    };
    match media::add_lut(&state.app(), &actor, &code, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{code}/jobs#luts")).into_response()),
        Err(postflow_app::AppError::Invalid(fields)) => {
            let shown = refused(first_message(&fields), text);
            page(&state, &who, Some(&code), StatusCode::BAD_REQUEST, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_body_is_split_into_its_fields_and_a_broken_one_is_refused() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"look.cube\"\r\nContent-Type: application/octet-stream\r\n\r\nLUT_1D_SIZE 2\r\n0 0 0\r\n--XyZ--\r\n";
        let parts = multipart_parts("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].data.as_slice()),
            ("csrf", &b"abc"[..])
        );
        assert_eq!(parts[1].file_name.as_deref(), Some("look.cube"));
        assert_eq!(parts[1].data, b"LUT_1D_SIZE 2\r\n0 0 0");
        for cut in 0..body.len() {
            // Never a panic, whatever is cut off.
            let _ = multipart_parts("multipart/form-data; boundary=XyZ", &body[..cut]);
        }
        assert!(multipart_parts("multipart/form-data", body).is_err());
        assert!(multipart_parts("multipart/form-data; boundary=XyZ", b"junk").is_err());
    }
}

async fn relinks_csv(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let rows = media::relinks(&state.app(), &actor, &code).await?;
    Ok(super::exports::csv_response(
        &format!("{code}-relinks.csv"),
        media::relinks_csv(&rows),
    ))
}
