//! Projects: list with filters, detail, create, edit (with a stale-edit guard), archive, team.
use super::{
    confirm_page, confirmed, project_row, render, render_status, Chrome, FieldErrors, ProjectRow,
};
use crate::auth::{CurrentUser, Posted};
use crate::guard;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use postflow_app::projects::{self, ProjectDraft};
use postflow_app::AppError as UseCaseError;
use postflow_core::access::{can, Action};
use postflow_core::project::ProjectStatus;
use postflow_store::studio::Project;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route("/projects/new", get(new_form))
        .route("/projects/{code}", get(show))
        .route("/projects/{code}/edit", get(edit_form).post(update))
        .route("/projects/{code}/archive", post(archive))
        .route("/projects/{code}/unarchive", post(unarchive))
        .route("/projects/{code}/members", post(add_member))
        .route(
            "/projects/{code}/members/{user_id}/remove",
            post(remove_member),
        )
}

fn status_options() -> Vec<(&'static str, &'static str)> {
    ProjectStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect()
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    chrome: Chrome,
    projects: Vec<ProjectRow>,
    can_create: bool,
    q: String,
    status: String,
    archived: bool,
    statuses: Vec<(&'static str, &'static str)>,
    page: u64,
    pages: u64,
    total: u64,
    /// The filter as a query string, for the page links.
    filter_query: String,
}

/// Rows per page of the project list.
const PER_PAGE: u64 = 50;

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    archived: String,
    #[serde(default)]
    page: String,
}

async fn list(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let archived = !query.archived.is_empty();
    let page = query.page.trim().parse::<u64>().unwrap_or(1).max(1);
    let request = projects::ListRequest {
        search: query.q.clone(),
        status: query.status.clone(),
        include_archived: archived,
        page,
        per_page: PER_PAGE,
    };
    let found = projects::list(&state.app(), &actor, &request).await?;
    let rows = found
        .rows
        .iter()
        .map(|r| project_row(&r.project, r.client_name.clone()))
        .collect();
    let filter_query = serde_urlencoded::to_string([
        ("q", query.q.as_str()),
        ("status", query.status.as_str()),
        ("archived", if archived { "1" } else { "" }),
    ])
    .unwrap_or_default();
    render(&ListPage {
        chrome: Chrome::new(&who, "Projects"),
        projects: rows,
        can_create: can(&actor, Action::CreateProject, None),
        q: query.q,
        status: query.status,
        archived,
        statuses: status_options(),
        page,
        pages: found.total.div_ceil(PER_PAGE).max(1),
        total: found.total,
        filter_query,
    })
}

struct MemberRow {
    id: i64,
    name: String,
    role: String,
    title: String,
}

#[derive(Template)]
#[template(path = "project.html")]
struct ShowPage {
    chrome: Chrome,
    p: ProjectRow,
    can_edit: bool,
    show_team: bool,
    show_plan: bool,
    members: Vec<MemberRow>,
    candidates: Vec<MemberRow>,
    deliverables: Vec<DeliverableRow>,
    profiles: Vec<(String, String)>,
    layouts: &'static [&'static str],
    /// The add-deliverable form as last typed, and why it was refused.
    new_deliverable: postflow_app::delivery::DeliverableDraft,
    errors: FieldErrors,
}

struct DeliverableRow {
    id: i64,
    owner: String,
    due: String,
    name: String,
    profiles: String,
    latest: String,
    passed: bool,
}

async fn show(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    show_page(
        &state,
        &who,
        &code,
        StatusCode::OK,
        Default::default(),
        FieldErrors::default(),
    )
    .await
}

/// The project page; `deliverable` and `errors` refill the add-deliverable form after a refusal.
pub(crate) async fn show_page(
    state: &AppState,
    who: &CurrentUser,
    code: &str,
    status: StatusCode,
    deliverable: postflow_app::delivery::DeliverableDraft,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let state = state.clone();
    let actor = guard::actor_for(&state, &who.user).await?;
    let project = guard::project_for(&state, &actor, code, Action::ViewProject).await?;
    let can_edit = can(&actor, Action::EditProject, Some(guard::scope(&project)));
    let show_team = can(&actor, Action::ViewTeam, Some(guard::scope(&project)));
    let member_ids = state.store.project_member_ids(project.id).await?;
    let users = if show_team {
        state.store.list_users().await?
    } else {
        Vec::new()
    };
    let to_row = |u: &postflow_store::accounts::User| MemberRow {
        id: u.id,
        name: u.name.clone(),
        role: u.role().as_str().to_string(),
        title: u.title.clone().unwrap_or_default(),
    };
    let members = users
        .iter()
        .filter(|u| member_ids.contains(&u.id))
        .map(to_row)
        .collect();
    let candidates = users
        .iter()
        .filter(|u| !member_ids.contains(&u.id) && !u.disabled && u.role().is_staff())
        .map(to_row)
        .collect();
    let mut deliverables = Vec::new();
    for d in state.store.deliverables_of(project.id).await? {
        let latest = state
            .store
            .latest_qc_status(d.id)
            .await?
            .unwrap_or_else(|| "no run".into());
        deliverables.push(DeliverableRow {
            id: d.id,
            owner: d
                .owner_id
                .and_then(|id| users.iter().find(|u| u.id == id))
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "—".into()),
            due: super::date_text(d.due_date),
            name: d.name.clone(),
            profiles: d.profiles.clone(),
            latest,
            passed: d.qc_passed_at.is_some(),
        });
    }
    let profiles = postflow_qc_model::ProfileSet::builtin()
        .profiles
        .into_iter()
        .map(|(_, p)| (p.name, p.title))
        .collect();
    let client_name = state
        .store
        .client_by_id(project.client_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let p = project_row(&project, client_name);
    render_status(
        status,
        &ShowPage {
            chrome: Chrome::new(who, "Projects"),
            p,
            can_edit,
            show_team,
            show_plan: can(&actor, Action::ViewPlan, Some(guard::scope(&project))),
            members,
            candidates,
            deliverables,
            profiles,
            layouts: super::delivery::LAYOUTS,
            new_deliverable: deliverable,
            errors,
        },
    )
}

/// The project form as typed, so a rejected submission comes back exactly as entered.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct ProjectForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    version: String,
}

impl ProjectForm {
    fn from_project(p: &Project) -> ProjectForm {
        ProjectForm::from_draft(ProjectDraft::of(p), p.version.to_string())
    }

    fn from_draft(d: ProjectDraft, version: String) -> ProjectForm {
        ProjectForm {
            code: d.code,
            name: d.name,
            client_id: d.client_id,
            status: d.status,
            start_date: d.start_date,
            due_date: d.due_date,
            version,
        }
    }

    fn draft(&self) -> ProjectDraft {
        ProjectDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            client_id: self.client_id.clone(),
            status: self.status.clone(),
            start_date: self.start_date.clone(),
            due_date: self.due_date.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "project_form.html")]
struct FormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    cancel: String,
    form: ProjectForm,
    errors: FieldErrors,
    general_error: Option<String>,
    clients: Vec<(i64, String)>,
    statuses: Vec<(&'static str, &'static str)>,
}

impl FormPage {
    fn err(&self, field: &str) -> &str {
        self.errors.get(field)
    }
    fn has_err(&self, field: &str) -> bool {
        !self.errors.get(field).is_empty()
    }
}

async fn client_options(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
    Ok(state
        .store
        .list_clients(false)
        .await?
        .into_iter()
        .map(|c| (c.id, format!("{} ({})", c.name, c.code)))
        .collect())
}

async fn new_form(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    guard::require(&actor, Action::CreateProject)?;
    let form = ProjectForm {
        status: "bidding".into(),
        version: "0".into(),
        ..Default::default()
    };
    render(&FormPage {
        chrome: Chrome::new(&who, "Projects"),
        heading: "New project".into(),
        action: "/projects".into(),
        cancel: "/projects".into(),
        form,
        errors: FieldErrors::default(),
        general_error: None,
        clients: client_options(&state).await?,
        statuses: status_options(),
    })
}

#[allow(clippy::too_many_arguments)]
async fn form_error(
    state: &AppState,
    who: &CurrentUser,
    status: StatusCode,
    heading: String,
    action: String,
    cancel: String,
    form: ProjectForm,
    errors: FieldErrors,
    general_error: Option<String>,
) -> Result<Response, AppError> {
    let general_error = general_error.or_else(|| errors.summary());
    render_status(
        status,
        &FormPage {
            chrome: Chrome::new(who, "Projects"),
            heading,
            action,
            cancel,
            form,
            errors,
            general_error,
            clients: client_options(state).await?,
            statuses: status_options(),
        },
    )
}

async fn create(
    State(state): State<AppState>,
    posted: Posted<ProjectForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    match projects::create(&state.app(), &actor, &form.draft()).await {
        Ok(p) => Ok(Redirect::to(&format!("/projects/{}", p.code)).into_response()),
        Err(UseCaseError::Invalid(errors)) => {
            let status = if errors.get("code").contains("already used") {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            form_error(
                &state,
                &who,
                status,
                "New project".into(),
                "/projects".into(),
                "/projects".into(),
                form,
                errors,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let project = guard::project_for(&state, &actor, &code, Action::EditProject).await?;
    render(&FormPage {
        chrome: Chrome::new(&who, "Projects"),
        heading: format!("Edit {}", project.code),
        action: format!("/projects/{}/edit", project.code),
        cancel: format!("/projects/{}", project.code),
        form: ProjectForm::from_project(&project),
        errors: FieldErrors::default(),
        general_error: None,
        clients: client_options(&state).await?,
        statuses: status_options(),
    })
}

async fn update(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<ProjectForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let project = guard::project_for(&state, &actor, &code, Action::EditProject).await?;
    let heading = format!("Edit {}", project.code);
    let action = format!("/projects/{}/edit", project.code);
    let cancel = format!("/projects/{}", project.code);
    let Ok(version) = form.version.trim().parse::<i64>() else {
        let general = Some("The form is missing its version; reload the page.".to_string());
        return form_error(
            &state,
            &who,
            StatusCode::BAD_REQUEST,
            heading,
            action,
            cancel,
            form,
            FieldErrors::default(),
            general,
        )
        .await;
    };
    match projects::update(&state.app(), &actor, &code, version, &form.draft()).await {
        Ok(p) => Ok(Redirect::to(&format!("/projects/{}", p.code)).into_response()),
        Err(UseCaseError::Invalid(errors)) => {
            let status = if errors.get("code").contains("already used") {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            form_error(
                &state, &who, status, heading, action, cancel, form, errors, None,
            )
            .await
        }
        Err(UseCaseError::Conflict(msg)) => {
            form_error(
                &state,
                &who,
                StatusCode::CONFLICT,
                heading,
                action,
                cancel,
                form,
                FieldErrors::default(),
                Some(msg),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_archived(
    state: AppState,
    code: String,
    posted: Posted<HashMap<String, String>>,
    archived: bool,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let project = projects::set_archived(&state.app(), &actor, &code, archived).await?;
    Ok(Redirect::to(&format!("/projects/{}", project.code)).into_response())
}

async fn archive(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    set_archived(state, code, posted, true).await
}

async fn unarchive(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    set_archived(state, code, posted, false).await
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    user_id: String,
}

async fn add_member(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<MemberForm>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let project = projects::add_member(&state.app(), &actor, &code, &posted.form.user_id).await?;
    Ok(Redirect::to(&format!("/projects/{}", project.code)).into_response())
}

async fn remove_member(
    State(state): State<AppState>,
    Path((code, user_id)): Path<(String, i64)>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    if !confirmed(&posted.form) {
        let project = guard::project_for(&state, &actor, &code, Action::EditProject).await?;
        let name = state
            .store
            .user_by_id(user_id)
            .await?
            .map_or_else(|| format!("user {user_id}"), |u| u.name);
        return confirm_page(
            &posted.who,
            "Projects",
            format!("Remove {name} from {}?", project.code),
            format!(
                "{name} no longer sees {} unless they are added again.",
                project.name
            ),
            format!("/projects/{}/members/{user_id}/remove", project.code),
            "Remove from team",
            format!("/projects/{}", project.code),
        );
    }
    let project = projects::remove_member(&state.app(), &actor, &code, user_id).await?;
    Ok(Redirect::to(&format!("/projects/{}", project.code)).into_response())
}
