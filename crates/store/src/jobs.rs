//! The job queue: work for the studio's machines (proxies, review copies, delivery encodes, …),
//! claimed by `postflow worker`s under a lease they keep alive with heartbeats.
//!
//! One code path on both stores. A claim is one transaction that picks the most urgent due job
//! and takes its lease: on PostgreSQL the pick is `SELECT … FOR UPDATE SKIP LOCKED LIMIT 1`, so
//! claimers running at once each lock a different row; on SQLite the same select runs without
//! the lock clause inside `BEGIN IMMEDIATE`, where only one writer exists at a time. Every later
//! change by a worker (heartbeat, log, complete, fail, release) is a conditional update on
//! `lease_owner = worker AND state = 'running'`, so a worker whose lease was taken over changes
//! nothing and is told so: a job never runs to completion twice concurrently.
use crate::entities::{job, job_log};
use crate::{now, Repo, Result, Store, StoreError};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::time::Duration;

pub use crate::entities::job::Model as Job;
pub use crate::entities::job_log::Model as JobLog;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl Job {
    /// The row's state; an unknown one is [`StoreError::Corrupt`], never a guess.
    pub fn job_state(&self) -> Result<JobState> {
        JobState::parse(&self.state).ok_or_else(|| {
            StoreError::Corrupt(format!("job {} has state {:?}", self.id, self.state))
        })
    }
}

/// A job to queue.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: String,
    /// JSON text for the kind's handler.
    pub payload: String,
    pub project_id: Option<i64>,
    /// Higher runs first; equal priorities run oldest first.
    pub priority: i64,
    pub max_attempts: i64,
    pub created_by: Option<i64>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: impl Into<String>) -> NewJob {
        NewJob {
            kind: kind.into(),
            payload: payload.into(),
            project_id: None,
            priority: 0,
            max_attempts: 3,
            created_by: None,
        }
    }
}

/// How long a failed job waits before its next attempt: `base · 2^attempts`, at most `cap`.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(15 * 60),
        }
    }
}

impl Backoff {
    /// The wait after a job's `attempts`-th attempt failed.
    pub fn delay(&self, attempts: i64) -> Duration {
        let factor = 2u32.saturating_pow(Ord::clamp(attempts, 0, 31) as u32);
        Ord::min(self.base.saturating_mul(factor), self.cap)
    }
}

/// What a heartbeat found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heartbeat {
    /// The lease is extended; `cancel_requested` asks the worker to stop the job.
    Kept { cancel_requested: bool },
    /// The worker no longer holds the job (its lease expired and another worker took it, or it
    /// was finished); it must stop and change nothing.
    Lost,
}

/// What a failure report did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOutcome {
    /// Queued again, not before this time.
    Retrying { run_after: DateTime<Utc> },
    /// Out of attempts: failed for good (until someone retries it).
    Failed,
    /// The worker no longer held the job; nothing changed.
    Lost,
}

/// What a cancellation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// It was queued and is now cancelled.
    Cancelled,
    /// It is running; its worker stops it on its next heartbeat.
    Requested,
    /// It had already finished (succeeded, failed or cancelled); nothing changed.
    AlreadyFinished(JobState),
}

/// Which jobs to list (newest first).
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    pub states: Vec<JobState>,
    pub project_id: Option<i64>,
    pub kinds: Vec<String>,
    /// At most this many (default 200).
    pub limit: Option<u64>,
}

fn lease_until(at: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    at + ChronoDuration::from_std(lease).unwrap_or(ChronoDuration::MAX)
}

/// Progress is stored per mille.
fn clamp_progress(p: i64) -> i64 {
    Ord::clamp(p, 0, 1000)
}

impl<C: ConnectionTrait> Repo<C> {
    pub async fn enqueue(&self, new: NewJob) -> Result<Job> {
        let at = now();
        let row = job::ActiveModel {
            kind: Set(new.kind),
            payload: Set(new.payload),
            project_id: Set(new.project_id),
            priority: Set(new.priority),
            state: Set(JobState::Queued.as_str().into()),
            attempts: Set(0),
            max_attempts: Set(Ord::max(new.max_attempts, 1)),
            run_after: Set(at),
            lease_owner: Set(None),
            lease_expires_at: Set(None),
            heartbeat_at: Set(None),
            cancel_requested: Set(false),
            progress: Set(0),
            message: Set(None),
            created_at: Set(at),
            started_at: Set(None),
            finished_at: Set(None),
            created_by: Set(new.created_by),
            ..Default::default()
        };
        Ok(row.insert(self.conn()).await?)
    }

    pub async fn job(&self, id: i64) -> Result<Option<Job>> {
        Ok(job::Entity::find_by_id(id).one(self.conn()).await?)
    }

    pub async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let mut q = job::Entity::find();
        if !filter.states.is_empty() {
            q = q.filter(job::Column::State.is_in(filter.states.iter().map(|s| s.as_str())));
        }
        if let Some(p) = filter.project_id {
            q = q.filter(job::Column::ProjectId.eq(p));
        }
        if !filter.kinds.is_empty() {
            q = q.filter(job::Column::Kind.is_in(filter.kinds.iter().map(String::as_str)));
        }
        Ok(q.order_by_desc(job::Column::Id)
            .limit(filter.limit.unwrap_or(200))
            .all(self.conn())
            .await?)
    }

    /// The update every worker report goes through: only while `worker` holds the running job.
    fn owned_by(job_id: i64, worker: &str) -> Condition {
        Condition::all()
            .add(job::Column::Id.eq(job_id))
            .add(job::Column::State.eq(JobState::Running.as_str()))
            .add(job::Column::LeaseOwner.eq(worker))
    }

    /// Extends the lease to now + `lease` and records progress (0–1000) and a message, only if
    /// `worker` still holds the job.
    pub async fn heartbeat(
        &self,
        job_id: i64,
        worker: &str,
        lease: Duration,
        progress: i64,
        message: Option<&str>,
    ) -> Result<Heartbeat> {
        let at = now();
        let mut update = job::Entity::update_many()
            .col_expr(
                job::Column::LeaseExpiresAt,
                Expr::value(lease_until(at, lease)),
            )
            .col_expr(job::Column::HeartbeatAt, Expr::value(at))
            .col_expr(job::Column::Progress, Expr::value(clamp_progress(progress)));
        if let Some(m) = message {
            update = update.col_expr(job::Column::Message, Expr::value(m.to_string()));
        }
        let result = update
            .filter(Self::owned_by(job_id, worker))
            .exec(self.conn())
            .await?;
        if result.rows_affected == 0 {
            return Ok(Heartbeat::Lost);
        }
        let cancel_requested = self.job(job_id).await?.is_some_and(|j| j.cancel_requested);
        Ok(Heartbeat::Kept { cancel_requested })
    }

    pub async fn append_log(&self, job_id: i64, line: &str) -> Result<()> {
        job_log::ActiveModel {
            job_id: Set(job_id),
            at: Set(now()),
            line: Set(line.to_string()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }

    pub async fn job_logs(&self, job_id: i64) -> Result<Vec<JobLog>> {
        Ok(job_log::Entity::find()
            .filter(job_log::Column::JobId.eq(job_id))
            .order_by_asc(job_log::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Ends the job in `state` if `worker` still holds it; false when it did not (nothing
    /// changed).
    async fn finish(
        &self,
        job_id: i64,
        worker: &str,
        state: JobState,
        message: Option<&str>,
    ) -> Result<bool> {
        let mut update = job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(state.as_str()))
            .col_expr(job::Column::FinishedAt, Expr::value(now()))
            .col_expr(job::Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                job::Column::LeaseExpiresAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        if state == JobState::Succeeded {
            update = update.col_expr(job::Column::Progress, Expr::value(1000i64));
        }
        if let Some(m) = message {
            update = update.col_expr(job::Column::Message, Expr::value(m.to_string()));
        }
        let result = update
            .filter(Self::owned_by(job_id, worker))
            .exec(self.conn())
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Marks the job succeeded; false (and nothing changed) when `worker` lost it.
    pub async fn complete(&self, job_id: i64, worker: &str) -> Result<bool> {
        self.finish(job_id, worker, JobState::Succeeded, None).await
    }

    /// Fails the job for good, whatever attempts it has left: another attempt cannot help (its
    /// payload is one this build cannot read). False when `worker` lost it.
    pub async fn give_up(&self, job_id: i64, worker: &str, error: &str) -> Result<bool> {
        self.finish(job_id, worker, JobState::Failed, Some(error))
            .await
    }

    /// The worker stopped the job because it was asked to (see [`Heartbeat::Kept`]).
    pub async fn confirm_cancelled(&self, job_id: i64, worker: &str) -> Result<bool> {
        self.finish(job_id, worker, JobState::Cancelled, Some("cancelled"))
            .await
    }

    /// Reports a failed attempt: queued again after the backoff, or failed when it has used
    /// its `max_attempts`.
    pub async fn fail(
        &self,
        job_id: i64,
        worker: &str,
        error: &str,
        backoff: Backoff,
    ) -> Result<FailOutcome> {
        let Some(current) = self.job(job_id).await? else {
            return Ok(FailOutcome::Lost);
        };
        if current.lease_owner.as_deref() != Some(worker) || current.state != "running" {
            return Ok(FailOutcome::Lost);
        }
        if current.attempts >= current.max_attempts {
            let done = self
                .finish(job_id, worker, JobState::Failed, Some(error))
                .await?;
            return Ok(if done {
                FailOutcome::Failed
            } else {
                FailOutcome::Lost
            });
        }
        let run_after = lease_until(now(), backoff.delay(current.attempts));
        // Attempts only change when a claim takes the lease, which changes the owner, so the
        // owner condition also guarantees the count read above is still the job's.
        let result = job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(JobState::Queued.as_str()))
            .col_expr(job::Column::RunAfter, Expr::value(run_after))
            .col_expr(job::Column::Message, Expr::value(error.to_string()))
            .col_expr(job::Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                job::Column::LeaseExpiresAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(Self::owned_by(job_id, worker))
            .exec(self.conn())
            .await?;
        Ok(if result.rows_affected == 1 {
            FailOutcome::Retrying { run_after }
        } else {
            FailOutcome::Lost
        })
    }

    /// Gives a job back unfinished (a worker stopping): queued again at once, and the attempt
    /// it did not finish is not counted.
    pub async fn release(&self, job_id: i64, worker: &str) -> Result<bool> {
        let result = job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(JobState::Queued.as_str()))
            .col_expr(job::Column::RunAfter, Expr::value(now()))
            .col_expr(
                job::Column::Attempts,
                Expr::col(job::Column::Attempts).sub(1),
            )
            .col_expr(job::Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                job::Column::LeaseExpiresAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(Self::owned_by(job_id, worker))
            .exec(self.conn())
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Cancels a queued job, or asks a running job's worker to stop it.
    pub async fn cancel(&self, job_id: i64) -> Result<CancelOutcome> {
        let queued = job::Entity::update_many()
            .col_expr(
                job::Column::State,
                Expr::value(JobState::Cancelled.as_str()),
            )
            .col_expr(job::Column::FinishedAt, Expr::value(now()))
            .filter(job::Column::Id.eq(job_id))
            .filter(job::Column::State.eq(JobState::Queued.as_str()))
            .exec(self.conn())
            .await?;
        if queued.rows_affected == 1 {
            return Ok(CancelOutcome::Cancelled);
        }
        let running = job::Entity::update_many()
            .col_expr(job::Column::CancelRequested, Expr::value(true))
            .filter(job::Column::Id.eq(job_id))
            .filter(job::Column::State.eq(JobState::Running.as_str()))
            .exec(self.conn())
            .await?;
        if running.rows_affected == 1 {
            return Ok(CancelOutcome::Requested);
        }
        let job = self
            .job(job_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("job {job_id}")))?;
        Ok(CancelOutcome::AlreadyFinished(job.job_state()?))
    }

    /// Queues a failed or cancelled job again with fresh attempts.
    pub async fn retry(&self, job_id: i64) -> Result<Job> {
        let result = job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(JobState::Queued.as_str()))
            .col_expr(job::Column::Attempts, Expr::value(0i64))
            .col_expr(job::Column::RunAfter, Expr::value(now()))
            .col_expr(job::Column::CancelRequested, Expr::value(false))
            .col_expr(job::Column::Progress, Expr::value(0i64))
            .col_expr(job::Column::Message, Expr::value(Option::<String>::None))
            .col_expr(
                job::Column::FinishedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(job::Column::Id.eq(job_id))
            .filter(
                job::Column::State.is_in([JobState::Failed.as_str(), JobState::Cancelled.as_str()]),
            )
            .exec(self.conn())
            .await?;
        let job = self
            .job(job_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("job {job_id}")))?;
        if result.rows_affected == 0 {
            return Err(StoreError::Conflict(format!(
                "job {job_id} is {}; only a failed or cancelled job can be retried",
                job.state
            )));
        }
        Ok(job)
    }
}

impl Store {
    /// Takes the most urgent due job of one of `kinds` (all kinds when empty) for `worker`,
    /// with a lease of `lease`: a queued job whose `run_after` has come, or a running job whose
    /// lease expired (its worker died). `None` when there is nothing to do.
    pub async fn claim(
        &self,
        worker: &str,
        kinds: &[String],
        lease: Duration,
    ) -> Result<Option<Job>> {
        self.claim_at(worker, kinds, lease, now()).await
    }

    /// [`Store::claim`] as if the clock read `at` (tests and backoff checks use a later time
    /// instead of waiting).
    pub async fn claim_at(
        &self,
        worker: &str,
        kinds: &[String],
        lease: Duration,
        at: DateTime<Utc>,
    ) -> Result<Option<Job>> {
        let tx = self.begin().await?;
        let claimed = loop {
            // Two ordered picks, each stopping at the first row it can lock: a job whose
            // worker died (lease expired) first, then the most urgent due queued job.
            let expired = job::Entity::find()
                .filter(job::Column::State.eq(JobState::Running.as_str()))
                .filter(job::Column::LeaseExpiresAt.lt(at))
                .order_by_asc(job::Column::LeaseExpiresAt)
                .order_by_asc(job::Column::Id);
            let queued = job::Entity::find()
                .filter(job::Column::State.eq(JobState::Queued.as_str()))
                .filter(job::Column::RunAfter.lte(at))
                .order_by_desc(job::Column::Priority)
                .order_by_asc(job::Column::CreatedAt)
                .order_by_asc(job::Column::Id);
            let mut found = None;
            for pick in [expired, queued] {
                let mut pick = pick.limit(1);
                if !kinds.is_empty() {
                    pick = pick.filter(job::Column::Kind.is_in(kinds.iter().map(String::as_str)));
                }
                // SQLite has no row locks (and no such clause); its BEGIN IMMEDIATE already
                // made this transaction the only writer.
                if tx.conn().get_database_backend() == DbBackend::Postgres {
                    pick = pick.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
                }
                found = pick.one(tx.conn()).await?;
                if found.is_some() {
                    break;
                }
            }
            let Some(found) = found else {
                break None;
            };
            // An expired lease of a job that was asked to stop, or that has used its attempts,
            // ends it instead of running it again.
            let expired = found.state == JobState::Running.as_str();
            if expired && (found.cancel_requested || found.attempts >= found.max_attempts) {
                let (state, message) = if found.cancel_requested {
                    (JobState::Cancelled, "cancelled".to_string())
                } else {
                    (
                        JobState::Failed,
                        format!(
                            "its worker {} stopped answering and the job has used its {} attempts",
                            found.lease_owner.as_deref().unwrap_or("?"),
                            found.max_attempts
                        ),
                    )
                };
                let mut ended: job::ActiveModel = found.into();
                ended.state = Set(state.as_str().into());
                ended.message = Set(Some(message));
                ended.finished_at = Set(Some(at));
                ended.lease_owner = Set(None);
                ended.lease_expires_at = Set(None);
                ended.update(tx.conn()).await?;
                continue;
            }
            let mut taken: job::ActiveModel = found.clone().into();
            taken.state = Set(JobState::Running.as_str().into());
            taken.attempts = Set(found.attempts + 1);
            taken.lease_owner = Set(Some(worker.to_string()));
            taken.lease_expires_at = Set(Some(lease_until(at, lease)));
            taken.heartbeat_at = Set(Some(at));
            taken.started_at = Set(Some(at));
            taken.progress = Set(0);
            if expired {
                taken.message = Set(Some(format!(
                    "taken over from {} after its lease expired",
                    found.lease_owner.as_deref().unwrap_or("?")
                )));
            }
            break Some(taken.update(tx.conn()).await?);
        };
        tx.commit().await?;
        Ok(claimed)
    }
}
