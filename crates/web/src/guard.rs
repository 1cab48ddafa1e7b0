//! The one place where a user becomes an [`Actor`] and a project request is allowed or refused.
//! A project the actor may not see does not exist for them: 404, never 403, so nobody can probe
//! for other companies' project codes.
use crate::{AppError, AppState};
use postflow_core::access::{can, Action, Actor, ProjectScope, Role};
use postflow_core::project::Code;
use postflow_store::accounts::User;
use postflow_store::studio::{Project, ProjectFilter};

pub async fn actor_for(state: &AppState, user: &User) -> Result<Actor, AppError> {
    let member_of = state.store.project_ids_of_member(user.id).await?;
    Ok(Actor {
        user_id: user.id,
        role: user.role(),
        client_id: user.client_id,
        member_of,
    })
}

pub fn scope(p: &Project) -> ProjectScope {
    ProjectScope {
        project_id: p.id,
        client_id: p.client_id,
    }
}

/// Loads a project by code for `action`: 404 when the actor may not see it, 403 when they may
/// see it but not do `action`.
pub async fn project_for(
    state: &AppState,
    actor: &Actor,
    code: &str,
    action: Action,
) -> Result<Project, AppError> {
    let code = Code::parse(code).map_err(|_| AppError::NotFound)?;
    let project = state
        .store
        .project_by_code(&code)
        .await?
        .ok_or(AppError::NotFound)?;
    if !can(actor, Action::ViewProject, Some(scope(&project))) {
        return Err(AppError::NotFound);
    }
    if !can(actor, action, Some(scope(&project))) {
        return Err(AppError::Forbidden);
    }
    Ok(project)
}

/// The projects the actor may see, narrowed by the store rather than filtered afterwards.
pub async fn visible_projects(
    state: &AppState,
    actor: &Actor,
    include_archived: bool,
) -> Result<Vec<Project>, AppError> {
    let filter = match actor.role {
        Role::Admin | Role::Producer => ProjectFilter {
            include_archived,
            ..Default::default()
        },
        Role::Artist => ProjectFilter {
            member_user_id: Some(actor.user_id),
            include_archived,
            ..Default::default()
        },
        Role::Client => match actor.client_id {
            Some(c) => ProjectFilter {
                client_id: Some(c),
                include_archived,
                ..Default::default()
            },
            None => return Ok(Vec::new()),
        },
    };
    let projects = state.store.list_projects(&filter).await?;
    // Belt and braces: the rule in core has the last word.
    Ok(projects
        .into_iter()
        .filter(|p| can(actor, Action::ViewProject, Some(scope(p))))
        .collect())
}

/// Refuses with 403 unless the actor may perform a studio-wide action.
pub fn require(actor: &Actor, action: Action) -> Result<(), AppError> {
    if can(actor, action, None) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
