//! Deliverables of a project, their QC runs, the signed manual checklist and the "QC passed"
//! milestone, plus the studio-wide QC overview.
use super::{render, render_status, Chrome};
use crate::auth::{CurrentUser, Posted};
use crate::guard;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use postflow_core::access::{can, Action, Role};
use postflow_qc_model::{CheckStatus, QcReport};
use postflow_store::delivery::Deliverable;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/qc", get(overview))
        .route("/projects/{code}/deliverables", post(create))
        .route("/projects/{code}/deliverables/{id}", get(show))
        .route("/projects/{code}/deliverables/{id}/signoff", post(sign))
        .route(
            "/projects/{code}/deliverables/{id}/qc-passed",
            post(mark_passed),
        )
        .route(
            "/projects/{code}/deliverables/{id}/runs/{run}/report",
            get(report),
        )
}

pub(crate) use postflow_app::delivery::LAYOUTS;

use postflow_app::delivery::{gate_blockers, stored_report, GateState};

/// The gate's state, as the pages and the API show it.
pub(crate) async fn gate_state(state: &AppState, d: &Deliverable) -> Result<GateState, AppError> {
    Ok(postflow_app::delivery::gate_state(&state.app(), d).await?)
}

struct CheckRow {
    id: String,
    profile: String,
    status: &'static str,
    expected: String,
    measured: String,
    message: String,
    signed_by: String,
}

#[derive(Template)]
#[template(path = "deliverable.html")]
struct ShowPage {
    chrome: Chrome,
    code: String,
    project_name: String,
    d: Deliverable,
    layout: String,
    passed_text: String,
    run_id: i64,
    run_file: String,
    run_status: String,
    run_when: String,
    loudness: String,
    checks: Vec<CheckRow>,
    blockers: Vec<String>,
    can_sign: bool,
    can_pass: bool,
    error: Option<String>,
}

async fn show_page(
    state: &AppState,
    who: &CurrentUser,
    code: &str,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let project = guard::project_for(state, &actor, code, Action::ViewProject).await?;
    let d = state
        .store
        .deliverable_in(project.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let gate = gate_state(state, &d).await?;
    let staff = actor.role != Role::Client;
    let signed: HashMap<&str, String> = gate
        .signed
        .iter()
        .map(|(c, who, at)| (c.as_str(), format!("{who}, {at}")))
        .collect();
    let (run_id, run_file, run_status, run_when, loudness, checks) = match &gate.run {
        Some((run, report)) => {
            let l = &report.loudness;
            let f = |v: Option<f64>, unit: &str| {
                v.map(|x| format!("{x:.1} {unit}"))
                    .unwrap_or_else(|| "—".into())
            };
            let loudness = format!(
                "integrated {}, LRA {}, true peak {}",
                f(l.integrated_lufs, "LUFS"),
                f(l.lra_lu, "LU"),
                f(l.true_peak_dbtp, "dBTP")
            );
            let checks = report
                .checks
                .iter()
                .map(|c| CheckRow {
                    id: c.id.clone(),
                    profile: c.profile.clone(),
                    status: match c.status {
                        CheckStatus::Pass => "pass",
                        CheckStatus::Fail => "fail",
                        CheckStatus::Warn => "warn",
                        CheckStatus::Manual => "manual",
                    },
                    expected: c.expected.clone(),
                    measured: c.measured.clone(),
                    message: c.message.clone(),
                    signed_by: signed.get(c.id.as_str()).cloned().unwrap_or_default(),
                })
                .collect();
            let status = if report.status == postflow_qc_model::Verdict::Pass {
                "pass"
            } else {
                "fail"
            };
            (
                run.id,
                run.file_name.clone(),
                status.to_string(),
                run.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                loudness,
                checks,
            )
        }
        None => (
            0,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            Vec::new(),
        ),
    };
    let passed_text = match d.qc_passed_at {
        Some(at) => format!("QC passed on {}", at.format("%Y-%m-%d %H:%M UTC")),
        None => String::new(),
    };
    let page = ShowPage {
        chrome: Chrome::new(who, "Projects"),
        code: project.code.clone(),
        project_name: project.name.clone(),
        layout: d.layout.clone().unwrap_or_else(|| "—".into()),
        d,
        passed_text,
        run_id,
        run_file,
        run_status,
        run_when,
        loudness,
        checks,
        blockers: gate.blockers.iter().map(|b| b.to_string()).collect(),
        can_sign: staff && can(&actor, Action::ViewProject, Some(guard::scope(&project))),
        can_pass: can(&actor, Action::EditProject, Some(guard::scope(&project))),
        error,
    };
    render_status(status, &page)
}

async fn show(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    show_page(&state, &who, &code, id, StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct NewDeliverable {
    #[serde(default)]
    name: String,
    #[serde(default)]
    profile: String,
    #[serde(default)]
    layout: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    due_date: String,
}

async fn create(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<NewDeliverable>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let f = posted.form;
    let draft = postflow_app::delivery::DeliverableDraft {
        name: f.name,
        profile: f.profile,
        layout: f.layout,
        owner_id: f.owner_id,
        due_date: f.due_date,
    };
    let d = match postflow_app::delivery::add_deliverable(&state.app(), &actor, &code, &draft).await
    {
        Ok(d) => d,
        // The project page again, the error beside the field and the input kept.
        Err(postflow_app::AppError::Invalid(errors)) => {
            return super::projects::show_page(
                &state,
                &posted.who,
                &code,
                StatusCode::BAD_REQUEST,
                draft,
                errors,
            )
            .await
        }
        Err(e) => return Err(e.into()),
    };
    let project = guard::project_for(&state, &actor, &code, Action::ViewProject).await?;
    Ok(Redirect::to(&format!("/projects/{}/deliverables/{}", project.code, d.id)).into_response())
}

#[derive(Deserialize)]
struct SignForm {
    #[serde(default)]
    check_id: String,
    #[serde(default)]
    run_id: String,
    #[serde(default)]
    note: String,
}

async fn sign(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    posted: Posted<SignForm>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let project = guard::project_for(&state, &actor, &code, Action::ViewProject).await?;
    if actor.role == Role::Client {
        return Err(AppError::Forbidden);
    }
    let d = state
        .store
        .deliverable_in(project.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let gate = gate_state(&state, &d).await?;
    let Some((run, _)) = &gate.run else {
        return show_page(
            &state,
            &posted.who,
            &code,
            id,
            StatusCode::CONFLICT,
            Some("There is no QC run to sign off yet.".into()),
        )
        .await;
    };
    // Signatures belong to the run the person looked at; a newer run needs new signatures.
    if posted.form.run_id.trim() != run.id.to_string() {
        return show_page(
            &state,
            &posted.who,
            &code,
            id,
            StatusCode::CONFLICT,
            Some(
                "A newer QC run arrived while you were reviewing; check it and sign again.".into(),
            ),
        )
        .await;
    }
    if !gate.manual.contains(&posted.form.check_id) {
        return Err(AppError::BadRequest(format!(
            "check_id: {:?} is not a manual check of this run",
            posted.form.check_id
        )));
    }
    state
        .store
        .sign_off(
            run.id,
            &posted.form.check_id,
            posted.who.user.id,
            posted.form.note.trim().to_string(),
        )
        .await?;
    state
        .store
        .audit(
            Some(posted.who.user.id),
            "sign",
            "qc_run",
            Some(run.id),
            format!(
                "signed {} of {} / {}",
                posted.form.check_id, project.code, d.name
            ),
        )
        .await?;
    Ok(Redirect::to(&format!("/projects/{}/deliverables/{}", project.code, d.id)).into_response())
}

#[derive(Deserialize)]
struct PassForm {
    #[serde(default)]
    run_id: String,
}

async fn mark_passed(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    posted: Posted<PassForm>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let project = guard::project_for(&state, &actor, &code, Action::EditProject).await?;
    let d = state
        .store
        .deliverable_in(project.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The run the producer reviewed; the store re-reads the latest run and its signatures in
    // the transaction that sets the milestone, and the gate is asked again about exactly those.
    let Ok(reviewed) = posted.form.run_id.trim().parse::<i64>() else {
        return show_page(
            &state,
            &posted.who,
            &code,
            id,
            StatusCode::CONFLICT,
            Some("The form did not say which QC run you reviewed; reload the page.".into()),
        )
        .await;
    };
    let detail = format!("QC passed: {} / {}", project.code, d.name);
    let result = state
        .store
        .mark_qc_passed(
            d.id,
            reviewed,
            posted.who.user.id,
            detail,
            |d, run, signoffs| {
                let report = stored_report(run).map_err(|e| e.to_string())?;
                let signed: Vec<String> = signoffs.iter().map(|s| s.check_id.clone()).collect();
                let blockers = gate_blockers(d, &report, &signed);
                if blockers.is_empty() {
                    Ok(())
                } else {
                    let why: Vec<String> = blockers.iter().map(|b| b.to_string()).collect();
                    Err(format!("QC passed cannot be set yet: {}.", why.join("; ")))
                }
            },
        )
        .await;
    match result {
        Ok(_) => {}
        Err(postflow_store::StoreError::Conflict(m)) => {
            let m = if m.contains("newer QC run") {
                "A newer QC run arrived while you were reviewing; check it first.".to_string()
            } else {
                m
            };
            return show_page(
                &state,
                &posted.who,
                &code,
                id,
                StatusCode::CONFLICT,
                Some(m),
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/projects/{}/deliverables/{}", project.code, d.id)).into_response())
}

async fn report(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((code, id, run)): Path<(String, i64, i64)>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let project = guard::project_for(&state, &actor, &code, Action::ViewProject).await?;
    let d = state
        .store
        .deliverable_in(project.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The engineering report names where the file sits and what ffprobe said: a client gets
    // the portal's plain summary instead.
    if !can(
        &actor,
        Action::ViewInternalPaths,
        Some(guard::scope(&project)),
    ) {
        return Ok(Redirect::to(&format!("/portal/deliverables/{}/report", d.id)).into_response());
    }
    let run = state
        .store
        .qc_run_in(d.id, run)
        .await?
        .ok_or(AppError::NotFound)?;
    let report =
        QcReport::from_json(&run.report_json).map_err(|e| AppError::Internal(e.to_string()))?;
    // The report is self-contained HTML (inline SVG and CSS), as the CLI writes it.
    Ok((
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        )],
        Html(postflow_qc_model::render_html(&report)),
    )
        .into_response())
}

struct OverviewRow {
    code: String,
    project: String,
    id: i64,
    name: String,
    status: String,
    passed: bool,
}

#[derive(Template)]
#[template(path = "qc_overview.html")]
struct OverviewPage {
    chrome: Chrome,
    rows: Vec<OverviewRow>,
}

async fn overview(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    guard::require(&actor, Action::ViewStudio)?;
    let mut rows = Vec::new();
    for p in guard::visible_projects(&state, &actor, false).await? {
        for d in state.store.deliverables_of(p.id).await? {
            let latest = state.store.latest_qc_status(d.id).await?;
            rows.push(OverviewRow {
                code: p.code.clone(),
                project: p.name.clone(),
                id: d.id,
                name: d.name.clone(),
                status: latest.unwrap_or_else(|| "no run".into()),
                passed: d.qc_passed_at.is_some(),
            });
        }
    }
    render(&OverviewPage {
        chrome: Chrome::new(&who, "QC"),
        rows,
    })
}
