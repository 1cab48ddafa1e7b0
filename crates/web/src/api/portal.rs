//! The client portal under `/api/v1`: `GET /portal` (the caller's projects with their timeline
//! data, deliverables with a plain verdict, what awaits their approval, issued invoices when the
//! studio shows them) and `POST /deliverables/{id}/approval` (approve, or ask for changes).
//! Like the plan bodies, these are the server's own until a postflow client reads them.
use crate::api_error::{ApiError, ApiJson, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use postflow_app::portal::{self, PortalDeliverable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(approval))
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A milestone on the client's timeline (dates `YYYY-MM-DD`).
#[derive(Serialize, ToSchema)]
pub struct PortalMilestoneDto {
    pub name: String,
    pub kind: String,
    pub planned: String,
    pub forecast: String,
    pub actual: Option<String>,
    /// Forecast later than planned, in working days.
    pub slip_days: i64,
}

/// A deliverable as the client sees it.
#[derive(Serialize, ToSchema)]
pub struct PortalDeliverableDto {
    pub id: i64,
    pub project_code: String,
    pub name: String,
    pub due: Option<String>,
    /// `in_progress`, `needs_fixes`, `in_review`, `ready`, `approved` or `changes_requested`.
    pub state: String,
    /// In plain words: "Passed QC — ready for your approval", "Needs fixes: audio too loud (…)".
    pub verdict: String,
    pub problems: Vec<String>,
    /// Where the printable QC report is, once checked.
    pub report_url: Option<String>,
    pub awaiting_approval: bool,
    /// The standing answer on this QC pass: `approved` or `changes_requested`.
    pub decision: Option<String>,
    pub decision_comment: Option<String>,
    pub decided_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PortalProjectDto {
    pub code: String,
    pub name: String,
    pub status: String,
    pub start: String,
    pub due: Option<String>,
    pub planned_finish: Option<String>,
    pub forecast_finish: Option<String>,
    pub milestones: Vec<PortalMilestoneDto>,
    pub deliverables: Vec<PortalDeliverableDto>,
    /// Where the project's conversation with the studio is.
    pub channel_url: String,
}

/// An issued invoice or credit note addressed to the client (shown only when the studio allows).
#[derive(Serialize, ToSchema)]
pub struct PortalInvoiceDto {
    pub number: String,
    pub kind: String,
    pub project_code: Option<String>,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub total: String,
    pub paid: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PortalDto {
    pub today: String,
    pub projects: Vec<PortalProjectDto>,
    /// Every deliverable waiting for the caller's answer.
    pub awaiting_approval: Vec<PortalDeliverableDto>,
    pub invoices: Vec<PortalInvoiceDto>,
}

fn deliverable_dto(d: &PortalDeliverable) -> PortalDeliverableDto {
    let current = d.approval.as_ref().filter(|a| a.current);
    PortalDeliverableDto {
        id: d.id,
        project_code: d.project_code.clone(),
        name: d.name.clone(),
        due: d.due.map(day),
        state: serde_json::to_value(d.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        verdict: d.verdict.clone(),
        problems: d.problems.clone(),
        report_url: d
            .run_id
            .map(|_| format!("/portal/deliverables/{}/report", d.id)),
        awaiting_approval: d.awaiting_approval,
        decision: current.map(|a| {
            if a.approved {
                "approved".into()
            } else {
                "changes_requested".into()
            }
        }),
        decision_comment: current.map(|a| a.comment.clone()),
        decided_at: current.map(|a| a.at.to_rfc3339()),
    }
}

/// The caller's portal: their projects' timelines, deliverables and pending approvals.
#[utoipa::path(get, path = "/portal",
    responses((status = 200, body = PortalDto), (status = 401, body = ErrorDto)))]
async fn home(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<PortalDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let today = chrono::Utc::now().date_naive();
    let p = portal::home(&state.app(), &actor, today).await?;
    Ok(Json(PortalDto {
        today: day(p.today),
        awaiting_approval: p.awaiting().into_iter().map(deliverable_dto).collect(),
        projects: p
            .projects
            .iter()
            .map(|pr| PortalProjectDto {
                code: pr.code.clone(),
                name: pr.name.clone(),
                status: pr.status.clone(),
                start: day(pr.start),
                due: pr.due.map(day),
                planned_finish: pr.planned_finish.map(day),
                forecast_finish: pr.forecast_finish.map(day),
                milestones: pr
                    .milestones
                    .iter()
                    .map(|m| PortalMilestoneDto {
                        name: m.name.clone(),
                        kind: m.kind.to_string(),
                        planned: day(m.planned),
                        forecast: day(m.forecast),
                        actual: m.actual.map(day),
                        slip_days: m.slip_days,
                    })
                    .collect(),
                deliverables: pr.deliverables.iter().map(deliverable_dto).collect(),
                channel_url: format!("/projects/{}/client-channel", pr.code),
            })
            .collect(),
        invoices: p
            .invoices
            .iter()
            .map(|i| PortalInvoiceDto {
                number: i.number.clone(),
                kind: i.kind.clone(),
                project_code: i.project_code.clone(),
                issue_date: i.issue_date.map(day),
                due_date: i.due_date.map(day),
                total: i.total.clone(),
                paid: i.paid,
            })
            .collect(),
    }))
}

/// The client's answer on a deliverable that passed QC.
#[derive(Deserialize, ToSchema)]
pub struct ApprovalInputDto {
    /// `approve` or `changes`.
    pub decision: String,
    /// Required when asking for changes.
    #[serde(default)]
    pub comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalDto {
    pub id: i64,
    pub deliverable_id: i64,
    /// `approved` or `changes_requested`.
    pub decision: String,
    pub comment: String,
    pub by_user_id: Option<i64>,
    pub at: String,
}

/// Approves a deliverable that passed QC, or asks for changes with a comment; recorded with
/// who and when, audited, the producer told.
#[utoipa::path(post, path = "/deliverables/{id}/approval", request_body = ApprovalInputDto,
    params(("id" = i64, Path, description = "Deliverable id")),
    responses((status = 201, body = ApprovalDto), (status = 400, body = ErrorDto),
        (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn approval(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ApprovalInputDto>,
) -> Result<(StatusCode, Json<ApprovalDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let approve = match input.decision.trim() {
        "approve" | "approved" => true,
        "changes" | "changes_requested" => false,
        _ => {
            return Err(postflow_app::AppError::field(
                "decision",
                "Say \"approve\" or \"changes\".",
            )
            .into())
        }
    };
    let a = portal::decide(&state.app(), &actor, id, approve, &input.comment).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApprovalDto {
            id: a.id,
            deliverable_id: a.deliverable_id,
            decision: a.decision,
            comment: a.comment,
            by_user_id: a.user_id,
            at: a.created_at.to_rfc3339(),
        }),
    ))
}
