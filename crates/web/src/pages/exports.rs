//! CSV exports (RFC 4180, `core::csv`) of the lists people take to spreadsheets: projects, a
//! plan's tasks, bookings, QC runs and a project's catalog — each with the same filters and the
//! same permission checks as its page (a client's export holds what the client's page shows).
use crate::auth::CurrentUser;
use crate::{guard, AppError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use postflow_core::access::{can, Action};
use postflow_core::csv;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects.csv", get(projects_csv))
        .route("/projects/{code}/plan/tasks.csv", get(tasks_csv))
        .route("/projects/{code}/media.csv", get(media_csv))
        .route("/bookings.csv", get(bookings_csv))
        .route("/qc.csv", get(qc_csv))
}

/// A CSV download named `filename`.
pub(crate) fn csv_response(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize, Default)]
struct ProjectsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    archived: String,
}

async fn projects_csv(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(query): Query<ProjectsQuery>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let mut rows = Vec::new();
    // Every page of the filtered list.
    for page in 1.. {
        let request = postflow_app::projects::ListRequest {
            search: query.q.clone(),
            status: query.status.clone(),
            include_archived: !query.archived.is_empty(),
            page,
            per_page: 500,
        };
        let found = postflow_app::projects::list(&state.app(), &actor, &request).await?;
        let last = (page * 500) >= found.total || found.rows.is_empty();
        for r in found.rows {
            let p = r.project;
            rows.push(vec![
                p.code.to_string(),
                p.name.clone(),
                r.client_name,
                p.status.clone(),
                p.start_date.map(|d| d.to_string()).unwrap_or_default(),
                p.due_date.map(|d| d.to_string()).unwrap_or_default(),
                if p.archived { "yes" } else { "no" }.to_string(),
            ]);
        }
        if last {
            break;
        }
    }
    let body = csv::document(
        &[
            "code", "name", "client", "status", "start", "due", "archived",
        ],
        rows,
    );
    Ok(csv_response("projects.csv", body))
}

async fn tasks_csv(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let view =
        postflow_app::plan::view(&state.app(), &actor, &code, chrono::Utc::now().date_naive())
            .await?;
    let show_team = can(&actor, Action::ViewTeam, Some(view.scope()));
    let rows = view.tasks.iter().map(|t| {
        vec![
            t.key.clone(),
            t.name.clone(),
            t.stage.clone(),
            t.status.as_str().to_string(),
            t.percent_complete.to_string(),
            if show_team {
                t.assignees
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                String::new()
            },
            t.resource_kind.clone().unwrap_or_default(),
            t.duration_days.to_string(),
            t.planned.start.to_string(),
            t.planned.end.to_string(),
            t.forecast.start.to_string(),
            t.forecast.end.to_string(),
            t.forecast.total_float_days.to_string(),
            if t.forecast.critical { "yes" } else { "no" }.to_string(),
        ]
    });
    let body = csv::document(
        &[
            "key",
            "task",
            "stage",
            "status",
            "percent_complete",
            "assignees",
            "resource_kind",
            "duration_days",
            "planned_start",
            "planned_end",
            "forecast_start",
            "forecast_end",
            "total_float_days",
            "critical",
        ],
        rows,
    );
    Ok(csv_response(&format!("{}-tasks.csv", view.code), body))
}

#[derive(Deserialize, Default)]
struct BookingsQuery {
    #[serde(default)]
    resource: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn bookings_csv(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<BookingsQuery>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let query = postflow_app::bookings::BookingQuery {
        resource_id: match text(&q.resource) {
            Some(r) => Some(r.parse().map_err(|_| {
                AppError::BadRequest(format!("resource {r:?} is not a resource id"))
            })?),
            None => None,
        },
        project_code: text(&q.project),
        from: text(&q.from),
        to: text(&q.to),
    };
    let list = postflow_app::bookings::list(&state.app(), &actor, &query).await?;
    let rows = list.into_iter().map(|b| {
        let (code, name) = b.project.unwrap_or_default();
        vec![
            b.booking.id.to_string(),
            b.resource_name,
            code,
            name,
            b.booking.task_id.map(|t| t.to_string()).unwrap_or_default(),
            b.booking.starts_at.to_rfc3339(),
            b.booking.ends_at.to_rfc3339(),
            b.status.as_str().to_string(),
            b.booking.units.to_string(),
            b.booking.note,
        ]
    });
    let body = csv::document(
        &[
            "id",
            "resource",
            "project",
            "project_name",
            "task_id",
            "start",
            "end",
            "status",
            "units",
            "note",
        ],
        rows,
    );
    Ok(csv_response("bookings.csv", body))
}

async fn qc_csv(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    guard::require(&actor, Action::ViewStudio)?;
    let mut rows = Vec::new();
    for p in guard::visible_projects(&state, &actor, false).await? {
        for d in state.store.deliverables_of(p.id).await? {
            let latest = state.store.latest_qc_status(d.id).await?;
            rows.push(vec![
                p.code.to_string(),
                d.name.clone(),
                latest.unwrap_or_else(|| "no run".into()),
                d.qc_passed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            ]);
        }
    }
    let body = csv::document(
        &["project", "deliverable", "latest_qc", "qc_passed_at"],
        rows,
    );
    Ok(csv_response("qc.csv", body))
}

async fn media_csv(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let project = guard::project_for(&state, &actor, &code, Action::ViewProject).await?;
    // Volume names and paths on studio storage are the studio's business.
    let internal = can(
        &actor,
        Action::ViewInternalPaths,
        Some(guard::scope(&project)),
    );
    let entries = state.store.project_media(project.id).await?;
    let rows = entries.iter().map(|e| {
        let checksums = e.checksums();
        let verified = e
            .copies
            .iter()
            .filter(|c| c.state() == postflow_core::integrity::CopyState::Verified)
            .count();
        let mut row = vec![
            e.file
                .path
                .rsplit('/')
                .next()
                .unwrap_or(&e.file.path)
                .to_string(),
            e.file.size.to_string(),
            checksums.get("xxh64").cloned().unwrap_or_default(),
            checksums.get("md5").cloned().unwrap_or_default(),
            e.copies.len().to_string(),
            verified.to_string(),
        ];
        if internal {
            row.push(e.file.path.clone());
            row.push(
                e.copies
                    .iter()
                    .map(|c| c.volume.label.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        row
    });
    let mut header = vec!["file", "size", "xxh64", "md5", "copies", "verified_copies"];
    if internal {
        header.extend(["path", "volumes"]);
    }
    let body = csv::document(&header, rows);
    Ok(csv_response(&format!("{}-media.csv", project.code), body))
}
