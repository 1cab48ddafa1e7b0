//! Jobs as people ask for them: queue one, cancel it, retry it, list them. The workers' own
//! reports (claim, heartbeat, complete, fail) are the queue's machinery in `store::jobs`, not
//! use cases.
//!
//! Who may: a project's jobs need `EditProject` to queue, cancel or retry and `ViewInternal` to
//! list (their logs name studio paths); studio-wide jobs (no project) are the studio's machines'
//! work and need `ManageStorage`, and the studio-wide list needs `ViewStudio` and shows only the
//! jobs of projects the actor may see inside.
use crate::audit::{record, AuditEvent};
use crate::{AppError, Context, FieldErrors, Result};
use postflow_core::access::{authorize, Action, Actor, Denied, Permit};
use postflow_store::jobs::{CancelOutcome, Job, JobFilter, JobState, NewJob};
use postflow_store::{ConnectionTrait, Repo};
use std::collections::BTreeMap;

/// A job as typed or sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobDraft {
    pub kind: String,
    /// A JSON object for the kind's handler (empty: `{}`).
    pub payload: String,
    /// The project it works for, by code; `None`: studio-wide.
    pub project_code: Option<String>,
    /// -100..=100, higher first.
    pub priority: i64,
    /// 1..=20; `None`: 3.
    pub max_attempts: Option<i64>,
}

impl JobDraft {
    fn validate(&self) -> Result<(String, String, i64, i64)> {
        let mut errors = FieldErrors::default();
        let kind = self.kind.trim().to_string();
        if kind.is_empty()
            || kind.len() > 40
            || !kind
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            errors.add(
                "kind",
                format!(
                    "{:?} is not a job kind (lower-case letters, digits, - and _, up to 40)",
                    self.kind
                ),
            );
        }
        let payload = if self.payload.trim().is_empty() {
            "{}".to_string()
        } else {
            self.payload.trim().to_string()
        };
        match serde_json::from_str::<serde_json::Value>(&payload) {
            Ok(serde_json::Value::Object(_)) => {}
            Ok(_) => errors.add("payload", "give a JSON object, e.g. {\"ms\": 100}"),
            Err(e) => errors.add("payload", format!("not valid JSON: {e}")),
        }
        if !(-100..=100).contains(&self.priority) {
            errors.add("priority", "give a priority from -100 to 100");
        }
        let max_attempts = self.max_attempts.unwrap_or(3);
        if !(1..=20).contains(&max_attempts) {
            errors.add("max_attempts", "give 1 to 20 attempts");
        }
        errors.into_result()?;
        Ok((kind, payload, self.priority, max_attempts))
    }
}

fn job_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("job {id}"))
}

/// Authorises `action` on a job's project (or `ManageStorage` for a studio-wide job); a job of
/// a project the actor may not see is "not found".
async fn authorize_on_job<C: ConnectionTrait>(
    repo: &Repo<C>,
    actor: &Actor,
    job: &Job,
    action: Action,
) -> Result<Permit> {
    let Some(project_id) = job.project_id else {
        return Ok(authorize(actor, Action::ManageStorage, None)?);
    };
    let project = repo
        .project_by_id(project_id)
        .await?
        .ok_or_else(|| job_not_found(job.id))?;
    authorize(actor, action, Some(crate::access::scope(&project))).map_err(|d| match d {
        Denied::Hidden => job_not_found(job.id),
        Denied::Forbidden(a) => AppError::Forbidden(a),
    })
}

/// Queues a job.
pub async fn enqueue(ctx: &Context, actor: &Actor, draft: &JobDraft) -> Result<Job> {
    let (kind, payload, priority, max_attempts) = draft.validate()?;
    let tx = ctx.store.begin().await?;
    let (project, permit) = match &draft.project_code {
        Some(code) if !code.trim().is_empty() => {
            let (p, permit) =
                crate::access::project_in(&tx, actor, code, Action::EditProject).await?;
            (Some(p), permit)
        }
        _ => (None, authorize(actor, Action::ManageStorage, None)?),
    };
    let job = tx
        .enqueue(NewJob {
            kind: kind.clone(),
            payload,
            project_id: project.as_ref().map(|p| p.id),
            priority,
            max_attempts,
            created_by: crate::access::audited_user(permit.actor()),
        })
        .await?;
    let event = AuditEvent::JobEnqueued {
        job_id: job.id,
        kind,
        project_code: project.map(|p| p.code),
    };
    record(&tx, crate::access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(job)
}

/// Cancels a queued job, or asks a running one's worker to stop it.
pub async fn cancel(ctx: &Context, actor: &Actor, job_id: i64) -> Result<CancelOutcome> {
    let tx = ctx.store.begin().await?;
    let job = tx.job(job_id).await?.ok_or_else(|| job_not_found(job_id))?;
    let permit = authorize_on_job(&tx, actor, &job, Action::EditProject).await?;
    let outcome = tx.cancel(job_id).await?;
    if let CancelOutcome::AlreadyFinished(state) = outcome {
        return Err(AppError::Conflict(format!(
            "job {job_id} has already {}; there is nothing to cancel",
            match state {
                JobState::Succeeded => "succeeded",
                JobState::Failed => "failed",
                _ => "been cancelled",
            }
        )));
    }
    let event = AuditEvent::JobCancelled {
        job_id,
        kind: job.kind.clone(),
        was_running: outcome == CancelOutcome::Requested,
    };
    record(&tx, crate::access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Queues a failed or cancelled job again, with fresh attempts.
pub async fn retry(ctx: &Context, actor: &Actor, job_id: i64) -> Result<Job> {
    let tx = ctx.store.begin().await?;
    let job = tx.job(job_id).await?.ok_or_else(|| job_not_found(job_id))?;
    let permit = authorize_on_job(&tx, actor, &job, Action::EditProject).await?;
    let job = tx.retry(job_id).await?;
    let event = AuditEvent::JobRetried {
        job_id,
        kind: job.kind.clone(),
    };
    record(&tx, crate::access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(job)
}

/// The jobs of one project (by code), or studio-wide (only those the actor may see inside),
/// newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    project_code: Option<&str>,
    states: &[JobState],
) -> Result<Vec<Job>> {
    let mut filter = JobFilter {
        states: states.to_vec(),
        ..Default::default()
    };
    if let Some(code) = project_code.filter(|c| !c.trim().is_empty()) {
        let (project, _) = crate::access::project(ctx, actor, code, Action::ViewInternal).await?;
        filter.project_id = Some(project.id);
        return Ok(ctx.store.list_jobs(&filter).await?);
    }
    authorize(actor, Action::ViewStudio, None)?;
    let studio_wide = authorize(actor, Action::ManageStorage, None).is_ok();
    let mut allowed: BTreeMap<i64, bool> = BTreeMap::new();
    let mut shown = Vec::new();
    for job in ctx.store.list_jobs(&filter).await? {
        let visible = match job.project_id {
            None => studio_wide,
            Some(p) => match allowed.get(&p) {
                Some(v) => *v,
                None => {
                    let v = match ctx.store.project_by_id(p).await? {
                        Some(project) => authorize(
                            actor,
                            Action::ViewInternal,
                            Some(crate::access::scope(&project)),
                        )
                        .is_ok(),
                        None => false,
                    };
                    allowed.insert(p, v);
                    v
                }
            },
        };
        if visible {
            shown.push(job);
        }
    }
    Ok(shown)
}

/// One job with its last `log_lines` log lines (oldest first), if the actor may see it
/// (`ViewInternal` on its project; `ManageStorage` for a studio-wide job).
pub async fn job(
    ctx: &Context,
    actor: &Actor,
    job_id: i64,
    log_lines: usize,
) -> Result<(Job, Vec<postflow_store::jobs::JobLog>)> {
    let job = ctx
        .store
        .job(job_id)
        .await?
        .ok_or_else(|| job_not_found(job_id))?;
    authorize_on_job(&ctx.store, actor, &job, Action::ViewInternal)
        .await
        .map_err(|e| match e {
            AppError::Forbidden(_) => job_not_found(job_id),
            other => other,
        })?;
    let mut logs = ctx.store.job_logs(job_id).await?;
    let keep = logs.len().saturating_sub(log_lines);
    logs.drain(..keep);
    Ok((job, logs))
}

/// Seconds left at the rate so far, for a running job that has made progress.
pub fn eta_seconds(job: &Job, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let started = job.started_at?;
    if job.state != JobState::Running.as_str() || job.progress <= 0 || job.progress >= 1000 {
        return None;
    }
    let elapsed = (now - started).num_milliseconds().max(0) as f64 / 1000.0;
    Some((elapsed * (1000 - job.progress) as f64 / job.progress as f64).round() as i64)
}

/// The codes of the projects of jobs the actor was shown (one read per project).
pub async fn project_codes(ctx: &Context, list: &[Job]) -> Result<BTreeMap<i64, String>> {
    let mut codes = BTreeMap::new();
    for id in list.iter().filter_map(|j| j.project_id) {
        if let std::collections::btree_map::Entry::Vacant(e) = codes.entry(id) {
            if let Some(p) = ctx.store.project_by_id(id).await? {
                e.insert(p.code.to_string());
            }
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eta_extrapolates_the_rate_so_far() {
        let now = chrono::Utc::now();
        let job = Job {
            id: 1,
            kind: "proxy".into(),
            payload: "{}".into(),
            project_id: None,
            priority: 0,
            state: "running".into(),
            attempts: 1,
            max_attempts: 3,
            run_after: now,
            lease_owner: None,
            lease_expires_at: None,
            heartbeat_at: None,
            cancel_requested: false,
            progress: 250,
            message: None,
            created_at: now,
            started_at: Some(now - chrono::Duration::seconds(10)),
            finished_at: None,
            created_by: None,
        };
        assert_eq!(eta_seconds(&job, now), Some(30));
        let queued = Job {
            state: "queued".into(),
            ..job
        };
        assert_eq!(eta_seconds(&queued, now), None);
    }
}
