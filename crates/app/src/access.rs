//! Turning a signed-in user into an [`Actor`] and a request into a [`Permit`]: the one path every
//! page, API route and CLI verb takes before a use case.
use crate::{AppError, Context, Result};
use postflow_core::access::{authorize, Action, Actor, Permit, ProjectScope, Role};
use postflow_core::project::Code;
use postflow_store::accounts::User;
use postflow_store::studio::{Project, ProjectFilter};
use postflow_store::{ConnectionTrait, Repo};

pub async fn actor_for(ctx: &Context, user: &User) -> Result<Actor> {
    actor_in(&ctx.store, user).await
}

pub(crate) async fn actor_in<C: ConnectionTrait>(repo: &Repo<C>, user: &User) -> Result<Actor> {
    Ok(Actor {
        user_id: user.id,
        role: user.role(),
        client_id: user.client_id,
        member_of: repo.project_ids_of_member(user.id).await?,
    })
}

/// The person a CLI verb acts as when it opens the store directly: whoever can read the
/// database file runs the installation, so it may do what an admin may. The audit log records
/// such changes as the system's (no user).
pub fn local_operator() -> Actor {
    Actor {
        user_id: 0,
        role: Role::Admin,
        client_id: None,
        member_of: Vec::new(),
    }
}

/// The user an audit line names: `None` for the local operator.
pub fn audited_user(actor: &Actor) -> Option<i64> {
    (actor.user_id > 0).then_some(actor.user_id)
}

pub fn scope(p: &Project) -> ProjectScope {
    ProjectScope {
        project_id: p.id,
        client_id: p.client_id,
    }
}

/// A studio-wide action.
pub fn studio(actor: &Actor, action: Action) -> Result<Permit> {
    Ok(authorize(actor, action, None)?)
}

/// Loads a project by code and authorises `action` on it: "not found" when the actor may not
/// see it (so nobody can probe for other companies' codes), "forbidden" when they may see it but
/// not do `action`.
pub async fn project(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    action: Action,
) -> Result<(Project, Permit)> {
    project_in(&ctx.store, actor, code, action).await
}

pub(crate) async fn project_in<C: ConnectionTrait>(
    repo: &Repo<C>,
    actor: &Actor,
    code: &str,
    action: Action,
) -> Result<(Project, Permit)> {
    let not_found = || AppError::NotFound(format!("project {:?}", code.trim()));
    let code = Code::parse(code).map_err(|_| not_found())?;
    let project = repo.project_by_code(&code).await?.ok_or_else(not_found)?;
    let permit = authorize(actor, action, Some(scope(&project))).map_err(|d| match d {
        postflow_core::access::Denied::Hidden => not_found(),
        postflow_core::access::Denied::Forbidden(a) => AppError::Forbidden(a),
    })?;
    Ok((project, permit))
}

/// The store filter that narrows projects to those the actor may see (`None`: none at all).
pub fn visibility(actor: &Actor, include_archived: bool) -> Option<ProjectFilter> {
    Some(match actor.role {
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
            None => return None,
        },
    })
}

/// The projects the actor may see, narrowed by the store rather than filtered afterwards.
pub async fn visible_projects(
    ctx: &Context,
    actor: &Actor,
    include_archived: bool,
) -> Result<Vec<Project>> {
    let Some(filter) = visibility(actor, include_archived) else {
        return Ok(Vec::new());
    };
    let projects = ctx.store.list_projects(&filter).await?;
    // The rule in core has the last word.
    Ok(projects
        .into_iter()
        .filter(|p| postflow_core::access::can(actor, Action::ViewProject, Some(scope(p))))
        .collect())
}
