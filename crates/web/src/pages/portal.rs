//! The client portal (`/portal`, and `/` for people with the client role): their projects'
//! timelines, what awaits their approval, deliverables with a plain verdict and a printable QC
//! summary, issued invoices when the studio shows them; the approve / ask-for-changes form.
//! Everything shown comes from `app::portal`'s read model, which holds no internal records.
use super::{render, render_status, Chrome};
use crate::auth::{CurrentUser, Posted};
use crate::charts::timeline::{render_timeline, TimelineChart, TimelineMilestone};
use crate::guard;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use postflow_app::portal::{DeliveryState, Portal, PortalDeliverable};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(portal_page))
        .route("/portal/deliverables/{id}/approval", post(answer))
        .route("/portal/deliverables/{id}/report", get(report_page))
        .route("/admin/portal", post(set_settings))
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    show_artist_names: Option<String>,
    #[serde(default)]
    show_invoices: Option<String>,
}

/// Admin → Client companies: the portal's switches.
async fn set_settings(
    State(state): State<AppState>,
    posted: Posted<SettingsForm>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let on = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    postflow_app::portal::set_settings(
        &state.app(),
        &actor,
        postflow_app::portal::PortalSettings {
            show_artist_names: on(&posted.form.show_artist_names),
            show_invoices: on(&posted.form.show_invoices),
        },
    )
    .await?;
    Ok(Redirect::to("/admin/clients#portal-settings").into_response())
}

pub(crate) fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_else(|| "—".into())
}

/// A deliverable as the portal's lists show it.
pub(crate) struct DeliverableRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub due: String,
    /// `ready`, `approved`, `fixes`, `review`, `progress`, `changes` (for the badge).
    pub tone: &'static str,
    pub verdict: String,
    pub problems: Vec<String>,
    pub run_id: Option<i64>,
    pub checked: String,
    pub answer: String,
}

fn row(d: &PortalDeliverable) -> DeliverableRow {
    let tone = match d.state {
        DeliveryState::InProgress => "progress",
        DeliveryState::NeedsFixes => "fixes",
        DeliveryState::InReview => "review",
        DeliveryState::Ready => "ready",
        DeliveryState::Approved => "approved",
        DeliveryState::ChangesRequested => "changes",
    };
    let answer = match &d.approval {
        Some(a) if a.current => {
            let when = a.at.format("%-d %b %Y, %H:%M UTC");
            if a.approved {
                format!("Approved by {} on {when}", a.by)
            } else {
                format!("{} asked for changes on {when}: “{}”", a.by, a.comment)
            }
        }
        _ => String::new(),
    };
    DeliverableRow {
        id: d.id,
        code: d.project_code.clone(),
        name: d.name.clone(),
        due: date(d.due),
        tone,
        verdict: d.verdict.clone(),
        problems: d.problems.clone(),
        run_id: d.run_id,
        checked: d
            .checked_at
            .map(|t| t.format("%-d %b %Y").to_string())
            .unwrap_or_default(),
        answer,
    }
}

pub(crate) struct ProjectBlock {
    pub code: String,
    pub name: String,
    pub status: String,
    pub due: String,
    pub finish: String,
    pub next: String,
    pub timeline_svg: String,
    pub deliverables: Vec<DeliverableRow>,
    pub team: Vec<(String, String)>,
}

pub(crate) struct InvoiceRow {
    pub number: String,
    pub kind: String,
    pub project: String,
    pub issued: String,
    pub due: String,
    pub total: String,
    pub paid: bool,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    chrome: Chrome,
    today: String,
    awaiting: Vec<DeliverableRow>,
    projects: Vec<ProjectBlock>,
    show_invoices: bool,
    invoices: Vec<InvoiceRow>,
    /// The deliverable whose form was refused, with the message and the comment typed.
    refused: Option<(i64, String, String)>,
}

fn blocks(portal: &Portal) -> Vec<ProjectBlock> {
    portal
        .projects
        .iter()
        .map(|p| {
            let next = p
                .milestones
                .iter()
                .filter(|m| m.actual.is_none())
                .min_by_key(|m| m.forecast)
                .map(|m| format!("{} — expected {}", m.name, date(Some(m.forecast))))
                .unwrap_or_else(|| "—".into());
            let chart = TimelineChart {
                id: format!("timeline-{}", p.code),
                title: format!("Timeline of {}", p.name),
                start: p.start,
                due: p.due,
                today: portal.today,
                milestones: p
                    .milestones
                    .iter()
                    .map(|m| TimelineMilestone {
                        name: m.name.clone(),
                        planned: m.planned,
                        forecast: m.forecast,
                        actual: m.actual,
                    })
                    .collect(),
            };
            ProjectBlock {
                code: p.code.clone(),
                name: p.name.clone(),
                status: p.status.clone(),
                due: date(p.due),
                finish: date(p.forecast_finish),
                next,
                timeline_svg: render_timeline(&chart),
                deliverables: p.deliverables.iter().map(row).collect(),
                team: p
                    .team
                    .iter()
                    .map(|t| (t.role.clone(), t.name.clone().unwrap_or_default()))
                    .collect(),
            }
        })
        .collect()
}

/// The portal, as a client's home and at `/portal`.
pub(crate) async fn portal_response(
    state: &AppState,
    who: &CurrentUser,
    section: &str,
    status: StatusCode,
    refused: Option<(i64, String, String)>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let today = chrono::Utc::now().date_naive();
    let portal = postflow_app::portal::home(&state.app(), &actor, today).await?;
    let page = PortalPage {
        chrome: Chrome::new(who, section),
        today: date(Some(today)),
        awaiting: portal.awaiting().into_iter().map(row).collect(),
        projects: blocks(&portal),
        show_invoices: portal.settings.show_invoices,
        invoices: portal
            .invoices
            .iter()
            .map(|i| InvoiceRow {
                number: i.number.clone(),
                kind: i.kind.clone(),
                project: i.project_code.clone().unwrap_or_default(),
                issued: date(i.issue_date),
                due: date(i.due_date),
                total: i.total.clone(),
                paid: i.paid,
            })
            .collect(),
        refused,
    };
    render_status(status, &page)
}

async fn portal_page(
    State(state): State<AppState>,
    who: CurrentUser,
) -> Result<Response, AppError> {
    portal_response(&state, &who, "Dashboard", StatusCode::OK, None).await
}

#[derive(Deserialize)]
struct AnswerForm {
    /// `approve` or `changes`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn answer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<AnswerForm>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let approve = match posted.form.decision.as_str() {
        "approve" => true,
        "changes" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "decision: {other:?} is neither \"approve\" nor \"changes\""
            )))
        }
    };
    match postflow_app::portal::decide(&state.app(), &actor, id, approve, &posted.form.comment)
        .await
    {
        Ok(_) => Ok(Redirect::to("/portal#awaiting").into_response()),
        Err(e @ (postflow_app::AppError::Invalid(_) | postflow_app::AppError::Conflict(_))) => {
            let status = if matches!(e, postflow_app::AppError::Invalid(_)) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::CONFLICT
            };
            let msg = match &e {
                postflow_app::AppError::Invalid(f) => f.get("comment").to_string(),
                other => other.to_string(),
            };
            portal_response(
                &state,
                &posted.who,
                "Dashboard",
                status,
                Some((id, msg, posted.form.comment.clone())),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

struct LoudnessRow {
    stream: String,
    integrated: String,
    true_peak: String,
}

#[derive(Template)]
#[template(path = "portal_report.html")]
struct ReportPage {
    project: String,
    d: DeliverableRow,
    file: String,
    checked: String,
    profiles: String,
    passed: usize,
    failed: usize,
    loudness: Vec<LoudnessRow>,
}

/// The printable QC summary a client may keep: the verdict, the problems in plain words and
/// the loudness figures — the file's name, never its path, and no probe output.
async fn report_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let (view, report, project) = postflow_app::portal::report(&state.app(), &actor, id).await?;
    let file = std::path::Path::new(&report.file.replace('\\', "/"))
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let f = |v: Option<f64>, unit: &str| {
        v.map(|x| format!("{x:.1} {unit}").replace('-', "−"))
            .unwrap_or_else(|| "—".into())
    };
    let loudness = report
        .audio
        .iter()
        .map(|a| LoudnessRow {
            stream: format!("Audio {} ({})", a.stream_index + 1, a.layout),
            integrated: f(a.loudness.integrated_lufs, "LUFS"),
            true_peak: f(a.loudness.true_peak_dbtp, "dBTP"),
        })
        .collect();
    use postflow_qc_model::CheckStatus;
    let count = |s: CheckStatus| report.checks.iter().filter(|c| c.status == s).count();
    render(&ReportPage {
        project,
        checked: view
            .checked_at
            .map(|t| t.format("%-d %b %Y, %H:%M UTC").to_string())
            .unwrap_or_default(),
        d: row(&view),
        file,
        profiles: report.profiles.join(", "),
        passed: count(CheckStatus::Pass),
        failed: count(CheckStatus::Fail),
        loudness,
    })
}
