//! The in-app inbox, and who is told when a milestone is reached: the people assigned to the
//! work *downstream* of it in the plan (every task that depends on it, directly or through other
//! tasks — color and sound after picture lock) and the project's producer, never the person who
//! made the change. Written on the change's own transaction, so nobody is told of a change that
//! did not happen.
use crate::plan::MilestoneView;
use crate::{Context, Result};
use postflow_core::access::Actor;
use postflow_core::plan::MilestoneKind;
use postflow_store::notifications::Notification;
use postflow_store::{ConnectionTrait, Repo};
use std::collections::{BTreeSet, HashMap, VecDeque};

pub async fn inbox(ctx: &Context, actor: &Actor) -> Result<Vec<Notification>> {
    Ok(ctx.store.notifications_of(actor.user_id, 200).await?)
}

pub async fn unread(ctx: &Context, actor: &Actor) -> Result<u64> {
    Ok(ctx.store.unread_notifications(actor.user_id).await?)
}

/// Marks one of the actor's notifications read, or all of them with `None`.
pub async fn mark_read(ctx: &Context, actor: &Actor, id: Option<i64>) -> Result<u64> {
    Ok(ctx.store.mark_notifications_read(actor.user_id, id).await?)
}

/// The people downstream of `milestone_task_id` in the project's plan (assignees of every task
/// reachable along dependencies), plus the project's owner.
pub(crate) async fn downstream_people<C: ConnectionTrait>(
    repo: &Repo<C>,
    project_id: i64,
    milestone_task_id: i64,
) -> postflow_store::Result<BTreeSet<i64>> {
    let rows = repo.plans_of(&[project_id]).await?;
    let mut successors: HashMap<i64, Vec<i64>> = HashMap::new();
    for d in &rows.dependencies {
        successors
            .entry(d.from_task_id)
            .or_default()
            .push(d.to_task_id);
    }
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([milestone_task_id]);
    while let Some(t) = queue.pop_front() {
        for &s in successors.get(&t).into_iter().flatten() {
            if seen.insert(s) {
                queue.push_back(s);
            }
        }
    }
    let mut people: BTreeSet<i64> = rows
        .assignees
        .iter()
        .filter(|(task, _)| seen.contains(task))
        .map(|(_, user)| *user)
        .collect();
    if let Some(owner) = repo
        .project_by_id(project_id)
        .await?
        .and_then(|p| p.owner_id)
    {
        people.insert(owner);
    }
    Ok(people)
}

/// Tells the people downstream of a picture-lock milestone (not `by`), on the caller's
/// transaction.
pub(crate) async fn tell_downstream<C: ConnectionTrait>(
    repo: &Repo<C>,
    project_id: i64,
    milestone_task_id: i64,
    by: Option<i64>,
    title: &str,
    body: &str,
    link: &str,
) -> postflow_store::Result<usize> {
    tell_downstream_as(
        repo,
        "picture_lock",
        project_id,
        milestone_task_id,
        by,
        title,
        body,
        link,
    )
    .await
}

/// Tells the people downstream of a milestone (not `by`) in their inbox and, by each one's
/// preference for `category` (see [`crate::mail::CATEGORIES`]), by e-mail — all on the
/// caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn tell_downstream_as<C: ConnectionTrait>(
    repo: &Repo<C>,
    category: &str,
    project_id: i64,
    milestone_task_id: i64,
    by: Option<i64>,
    title: &str,
    body: &str,
    link: &str,
) -> postflow_store::Result<usize> {
    let people = downstream_people(repo, project_id, milestone_task_id).await?;
    let mut told = 0;
    for user in people.into_iter().filter(|u| Some(*u) != by) {
        repo.notify(user, title, body, link).await?;
        crate::mail::queue_for(repo, user, category, title, body, link).await?;
        told += 1;
    }
    Ok(told)
}

/// Tells the people downstream of every milestone a plan change moved (its planned date) or
/// reached (its actual finish set), comparing the plan before and after the change. Picture
/// lock being reached has its own notification, so it is left out here.
pub(crate) async fn milestones_changed<C: ConnectionTrait>(
    repo: &Repo<C>,
    project: &postflow_store::studio::Project,
    before: &[MilestoneView],
    after: &[MilestoneView],
    by: Option<i64>,
) -> postflow_store::Result<usize> {
    let link = format!("/projects/{}/plan", project.code);
    let mut told = 0;
    for m in after {
        let Some(old) = before.iter().find(|b| b.task_key == m.task_key) else {
            continue;
        };
        let mut news = Vec::new();
        if old.planned != m.planned {
            news.push((
                format!(
                    "Milestone {} moved to {} on {}",
                    m.name, m.planned, project.code
                ),
                format!(
                    "{} {}: the milestone {} moved from {} to {}.",
                    project.code, project.name, m.name, old.planned, m.planned
                ),
            ));
        }
        if old.actual.is_none() && m.kind != MilestoneKind::PictureLock {
            if let Some(on) = m.actual {
                news.push((
                    format!("Milestone {} reached on {}", m.name, project.code),
                    format!(
                        "{} {}: the milestone {} was reached on {on}.",
                        project.code, project.name, m.name
                    ),
                ));
            }
        }
        if news.is_empty() {
            continue;
        }
        let Some(task) = repo.task_by_key(project.id, &m.task_key).await? else {
            continue;
        };
        for (title, body) in news {
            told += tell_downstream_as(
                repo,
                "milestones",
                project.id,
                task.id,
                by,
                &title,
                &body,
                &link,
            )
            .await?;
        }
    }
    Ok(told)
}
