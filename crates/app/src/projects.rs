//! Projects: create, edit (refused when someone else changed it first), archive, team.
use crate::access;
use crate::audit::{record, AuditEvent};
use crate::{AppError, Context, FieldErrors, Result};
use chrono::NaiveDate;
use postflow_core::access::{authorize, Action, Actor, Role};
use postflow_core::project::{check_date_order, Code, ProjectStatus};
use postflow_store::studio::{ListPage, Project, ProjectInput, ProjectListQuery, ProjectListRow};
use postflow_store::StoreError;

/// A project as typed into a form or sent by a client program: every field as text, validated
/// here so pages and API refuse the same things with the same words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectDraft {
    pub code: String,
    pub name: String,
    pub client_id: String,
    pub status: String,
    pub start_date: String,
    pub due_date: String,
}

impl ProjectDraft {
    pub fn of(p: &Project) -> ProjectDraft {
        let d = |d: Option<NaiveDate>| {
            d.map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        };
        ProjectDraft {
            code: p.code.clone(),
            name: p.name.clone(),
            client_id: p.client_id.to_string(),
            status: p.status.clone(),
            start_date: d(p.start_date),
            due_date: d(p.due_date),
        }
    }

    pub fn validate(&self) -> Result<ProjectInput> {
        let mut errors = FieldErrors::default();
        let code = Code::parse(&self.code)
            .map_err(|e| errors.add("code", e.to_string()))
            .ok();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.add("name", "give the project a name");
        } else if name.chars().count() > 200 {
            errors.add("name", "use at most 200 characters");
        }
        let client_id = self
            .client_id
            .trim()
            .parse::<i64>()
            .map_err(|_| errors.add("client_id", "choose a client"))
            .ok();
        let status = ProjectStatus::parse(&self.status).or_else(|| {
            errors.add("status", "choose a status");
            None
        });
        let mut date = |field: &'static str, v: &str| {
            crate::date_input(v)
                .map_err(|e| errors.add(field, e))
                .ok()
                .flatten()
        };
        let start_date = date("start_date", &self.start_date);
        let due_date = date("due_date", &self.due_date);
        if let Err(msg) = check_date_order(start_date, due_date) {
            errors.add("due_date", msg);
        }
        match (code, client_id, status) {
            (Some(code), Some(client_id), Some(status)) if errors.is_empty() => Ok(ProjectInput {
                code,
                name,
                client_id,
                status,
                start_date,
                due_date,
            }),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// A refusal of the code field when another project has it.
fn code_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate { value, .. } => AppError::field(
            "code",
            format!("{value} is already used by another project"),
        ),
        StoreError::NotFound(what) if what.starts_with("client") => {
            AppError::field("client_id", "choose a client")
        }
        other => other.into(),
    }
}

pub async fn create(ctx: &Context, actor: &Actor, draft: &ProjectDraft) -> Result<Project> {
    let permit = authorize(actor, Action::CreateProject, None)?;
    let input = draft.validate()?;
    let tx = ctx.store.begin().await?;
    let project = tx.create_project(input).await.map_err(code_taken)?;
    let event = AuditEvent::ProjectCreated {
        project_id: project.id,
        code: project.code.clone(),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(project)
}

/// Saves an edit made from `expected_version`; refused with a conflict when the project
/// changed since.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    expected_version: i64,
    draft: &ProjectDraft,
) -> Result<Project> {
    let input = draft.validate()?;
    let tx = ctx.store.begin().await?;
    let (project, permit) = access::project_in(&tx, actor, code, Action::EditProject).await?;
    let saved = tx
        .update_project(project.id, expected_version, input)
        .await
        .map_err(code_taken)?;
    let event = AuditEvent::ProjectEdited {
        project_id: saved.id,
        code: saved.code.clone(),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(saved)
}

pub async fn set_archived(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    archived: bool,
) -> Result<Project> {
    let tx = ctx.store.begin().await?;
    let (project, permit) = access::project_in(&tx, actor, code, Action::EditProject).await?;
    tx.set_project_archived(project.id, archived).await?;
    let event = AuditEvent::ProjectArchived {
        project_id: project.id,
        code: project.code.clone(),
        archived,
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(project)
}

/// Puts a studio person on the project's team. Client users see their company's projects
/// already and are refused.
pub async fn add_member(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    user_id: &str,
) -> Result<Project> {
    let user_id: i64 = user_id
        .trim()
        .parse()
        .map_err(|_| AppError::field("user_id", "choose a person"))?;
    let tx = ctx.store.begin().await?;
    let (project, permit) = access::project_in(&tx, actor, code, Action::EditProject).await?;
    let user = ctx
        .store
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AppError::field("user_id", "no such person"))?;
    if user.role() == Role::Client {
        return Err(AppError::field(
            "user_id",
            "client users see their company's projects already",
        ));
    }
    if user.disabled {
        return Err(AppError::field(
            "user_id",
            format!("{} is disabled; enable the account first", user.name),
        ));
    }
    tx.add_project_member(project.id, user.id).await?;
    let event = AuditEvent::MemberAdded {
        project_id: project.id,
        code: project.code.clone(),
        user_id,
        name: user.name,
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(project)
}

pub async fn remove_member(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    user_id: i64,
) -> Result<Project> {
    let tx = ctx.store.begin().await?;
    let (project, permit) = access::project_in(&tx, actor, code, Action::EditProject).await?;
    let name = match ctx.store.user_by_id(user_id).await? {
        Some(u) => u.name,
        None => format!("user {user_id}"),
    };
    tx.remove_project_member(project.id, user_id).await?;
    let event = AuditEvent::MemberRemoved {
        project_id: project.id,
        code: project.code.clone(),
        user_id,
        name,
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(project)
}

/// What a project list asks for: a search, a status, archived or not, a page.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub search: String,
    /// A status name, or empty for any.
    pub status: String,
    pub include_archived: bool,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

/// The projects the actor may see, filtered, ordered and paginated by the database.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    req: &ListRequest,
) -> Result<ListPage<ProjectListRow>> {
    let Some(filter) = access::visibility(actor, req.include_archived) else {
        return Ok(ListPage {
            rows: Vec::new(),
            total: 0,
        });
    };
    let status =
        match req.status.trim() {
            "" => None,
            s => Some(ProjectStatus::parse(s).ok_or_else(|| {
                AppError::field("status", format!("{s:?} is not a project status"))
            })?),
        };
    let per_page = req.per_page.clamp(1, 500);
    let query = ProjectListQuery {
        filter,
        status,
        search: req.search.chars().take(200).collect(),
        limit: per_page,
        offset: req.page.max(1).saturating_sub(1).saturating_mul(per_page),
    };
    let mut page = ctx.store.project_list(&query).await?;
    // The rule in core has the last word on every row.
    page.rows.retain(|r| {
        postflow_core::access::can(actor, Action::ViewProject, Some(access::scope(&r.project)))
    });
    Ok(page)
}
