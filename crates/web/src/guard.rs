//! Where a signed-in user becomes an [`Actor`] for the web app. The decisions themselves live in
//! `core::access` and the loading in `postflow_app::access`; this module only adapts them to
//! the web's error type. A project the actor may not see answers 404, never 403.
use crate::{AppError, AppState};
use postflow_core::access::{Action, Actor, ProjectScope};
use postflow_store::accounts::User;
use postflow_store::studio::Project;

pub async fn actor_for(state: &AppState, user: &User) -> Result<Actor, AppError> {
    Ok(postflow_app::access::actor_for(&state.app(), user).await?)
}

pub fn scope(p: &Project) -> ProjectScope {
    postflow_app::access::scope(p)
}

/// Loads a project by code for `action`: 404 when the actor may not see it, 403 when they may
/// see it but not do `action`.
pub async fn project_for(
    state: &AppState,
    actor: &Actor,
    code: &str,
    action: Action,
) -> Result<Project, AppError> {
    let (project, _permit) =
        postflow_app::access::project(&state.app(), actor, code, action).await?;
    Ok(project)
}

/// The projects the actor may see, narrowed by the store rather than filtered afterwards.
pub async fn visible_projects(
    state: &AppState,
    actor: &Actor,
    include_archived: bool,
) -> Result<Vec<Project>, AppError> {
    Ok(postflow_app::access::visible_projects(&state.app(), actor, include_archived).await?)
}

/// Refuses with 403 unless the actor may perform a studio-wide action.
pub fn require(actor: &Actor, action: Action) -> Result<(), AppError> {
    postflow_app::access::studio(actor, action)?;
    Ok(())
}
