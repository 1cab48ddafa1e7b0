//! Budget alerts that reach people: when a stage (or the whole project) passes 80 % or 100 %
//! of its budgeted hours or money, or the project has used more revision rounds than its terms
//! include, the project's producer (its owner) is told in the inbox and by e-mail (their
//! preference for "budget": right away, in the digest or not) — **once per crossing**,
//! on the transaction that logs the time, approves the timesheet or changes the terms that
//! crosses it. What was sent is recorded (`budget_alerts_sent`, unique per project, budget,
//! measure and threshold), so a crossing is never announced twice, also when two writers cross
//! it at once; an accepted quote (a new budget) starts the count afresh.
//!
//! The arithmetic is [`postflow_core::billing::budget`]'s, through
//! [`crate::billing::budget_report`]'s figures.
use crate::billing::budget_statuses;
use crate::{AppError, Result};
use postflow_core::access::{can, Action, Actor};
use postflow_store::studio::Project;
use postflow_store::{ConnectionTrait, Repo, TransactionTrait};

/// One crossing of a project's budget, as the dashboard and the inbox say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossing {
    pub project_code: String,
    /// The stage key, `*` for the whole project, `rounds` for revision rounds.
    pub budget: String,
    /// hours, money or rounds
    pub measure: &'static str,
    /// 80 or 100 (percent; 100 for rounds beyond the included ones).
    pub threshold: i64,
    pub message: String,
}

/// Every threshold a project's budgets have crossed now (80 and 100 % of hours and money per
/// budget; rounds beyond the included ones).
pub(crate) async fn crossings<C: ConnectionTrait + TransactionTrait>(
    repo: &Repo<C>,
    project: &Project,
) -> Result<Vec<Crossing>> {
    // A project with no billing details has no budget to alert on.
    let (statuses, _) = match budget_statuses(repo, project).await {
        Ok(v) => v,
        Err(AppError::Conflict(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for (key, s) in &statuses {
        for (measure, percent) in [("hours", s.hours_percent), ("money", s.money_percent)] {
            let Some(p) = percent else { continue };
            for threshold in [80, 100] {
                if p >= threshold {
                    let what = if measure == "hours" { "hours" } else { "money" };
                    let message = if threshold == 100 {
                        format!(
                            "{} is over budget: {p} % of its budgeted {what} used",
                            s.budget.name
                        )
                    } else {
                        format!("{} has used {p} % of its budgeted {what}", s.budget.name)
                    };
                    out.push(Crossing {
                        project_code: project.code.clone(),
                        budget: key.clone(),
                        measure,
                        threshold,
                        message,
                    });
                }
            }
        }
    }
    if let Some(t) = repo.project_terms(project.id).await? {
        if let Some(a) = postflow_core::billing::budget::rounds_alert(
            t.rounds_used.max(0) as u32,
            t.included_rounds.max(0) as u32,
        ) {
            out.push(Crossing {
                project_code: project.code.clone(),
                budget: "rounds".into(),
                measure: "rounds",
                threshold: 100,
                message: format!("{}: {}", project.code, a.message()),
            });
        }
    }
    Ok(out)
}

/// Tells the project's producer of every crossing not announced before, on the caller's
/// transaction; returns how many were sent. Of 80 % and 100 % crossed in one step only the
/// 100 % one is sent (both are recorded).
pub(crate) async fn announce<C: ConnectionTrait + TransactionTrait>(
    repo: &Repo<C>,
    project_id: i64,
) -> Result<usize> {
    let Some(project) = repo.project_by_id(project_id).await? else {
        return Ok(0);
    };
    let found = crossings(repo, &project).await?;
    let mut fresh = Vec::new();
    for c in &found {
        if repo
            .claim_budget_alert(project.id, &c.budget, c.measure, c.threshold)
            .await?
        {
            fresh.push(c);
        }
    }
    let Some(owner) = project.owner_id else {
        return Ok(0);
    };
    let link = format!("/projects/{}/billing", project.code);
    let mut sent = 0;
    for c in &fresh {
        let superseded = c.threshold == 80
            && fresh
                .iter()
                .any(|o| o.budget == c.budget && o.measure == c.measure && o.threshold == 100);
        if superseded {
            continue;
        }
        let title = if c.threshold == 100 {
            format!("{} over budget", project.code)
        } else {
            format!("{} near budget", project.code)
        };
        repo.notify(owner, &title, &c.message, &link).await?;
        crate::mail::queue_for(repo, owner, "budget", &title, &c.message, &link).await?;
        sent += 1;
    }
    Ok(sent)
}

/// The budget alerts of the projects a producer owns (all projects for an admin), for the
/// dashboard: what is crossed now. Nothing for anyone without `ViewRates`.
pub async fn dashboard_alerts(ctx: &crate::Context, actor: &Actor) -> Result<Vec<Crossing>> {
    if !can(actor, Action::ViewRates, None) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for p in ctx
        .store
        .list_projects(&postflow_store::studio::ProjectFilter::default())
        .await?
    {
        if p.archived {
            continue;
        }
        if actor.role != postflow_core::access::Role::Admin && p.owner_id != Some(actor.user_id) {
            continue;
        }
        let mut found = crossings(&ctx.store, &p).await?;
        // 100 % hides 80 % of the same budget and measure.
        let full: Vec<(String, &'static str)> = found
            .iter()
            .filter(|c| c.threshold == 100)
            .map(|c| (c.budget.clone(), c.measure))
            .collect();
        found.retain(|c| c.threshold == 100 || !full.contains(&(c.budget.clone(), c.measure)));
        out.extend(found);
    }
    Ok(out)
}
