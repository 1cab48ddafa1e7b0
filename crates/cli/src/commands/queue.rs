//! Where a worker takes its jobs from and reports to: the store itself (`--data-dir`,
//! `--database-url`) or a postflow server's API (`--server URL --token T`, the worker endpoints
//! under `/api/v1/worker`). Both answer alike: a report on a job the worker no longer holds
//! changes nothing and says so.
use postflow_api_types::{
    WorkerAnswerDto, WorkerClaimDto, WorkerDeliverableDto, WorkerJobDto, WorkerLutDto,
    WorkerRelinkDto, WorkerReportDto,
};
use postflow_app::delivery::EncodeTarget;
use postflow_store::jobs::{Backoff, FailOutcome, Heartbeat, Job};
use postflow_store::media::NewRelink;
use postflow_store::Store;
use std::time::Duration;

/// A postflow server's worker API, reached with a token whose user may manage storage.
#[derive(Clone)]
pub struct ApiQueue {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl ApiQueue {
    pub fn new(server: &str, token: &str) -> Result<ApiQueue, String> {
        let base = server.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "--server {server:?} is not an http:// or https:// address"
            ));
        }
        if token.trim().is_empty() {
            return Err("--token is empty; create an API token on your account page".into());
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        Ok(ApiQueue {
            base,
            token: token.trim().to_string(),
            http,
        })
    }

    async fn post<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, String> {
        self.post_status(path, body).await.map_err(|(_, e)| e)
    }

    /// Checks the token without taking a job: a claim of a kind no job has.
    pub async fn check_token(&self) -> Result<(), ClaimError> {
        let claim = WorkerClaimDto {
            worker: "token-check".into(),
            kinds: vec!["\u{0}no-such-kind".into()],
            lease_secs: 1,
        };
        self.post_status::<_, Option<WorkerJobDto>>("/worker/claim", &claim)
            .await
            .map(|_| ())
            .map_err(|e| self.claim_error(e))
    }

    /// A refused token (401/403) cannot get better by waiting; anything else may.
    fn claim_error(&self, (status, message): (Option<reqwest::StatusCode>, String)) -> ClaimError {
        match status {
            Some(reqwest::StatusCode::UNAUTHORIZED) => ClaimError::Refused(format!(
                "the server {} refused the token (it is unknown, revoked or expired); create a new API token on your account page and pass it with --token or POSTFLOW_TOKEN",
                self.base
            )),
            Some(reqwest::StatusCode::FORBIDDEN) => ClaimError::Refused(format!(
                "the server {} refused the token: its user may not run the studio's jobs (manage storage); create a new API token as a user who may",
                self.base
            )),
            _ => ClaimError::Failed(message),
        }
    }

    async fn post_status<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, (Option<reqwest::StatusCode>, String)> {
        let url = format!("{}/api/v1{path}", self.base);
        let resp = self
            .http
            .post(&url)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| (None, format!("cannot reach {url}: {e}")))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| (None, format!("cannot read the answer of {url}: {e}")))?;
        if !status.is_success() {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(String::from))
                .unwrap_or(text);
            return Err((Some(status), format!("{url} answered {status}: {message}")));
        }
        serde_json::from_str(&text).map_err(|e| {
            (
                None,
                format!("{url} gave an answer postflow cannot read: {e}"),
            )
        })
    }

    async fn report(
        &self,
        id: i64,
        what: &str,
        body: WorkerReportDto,
    ) -> Result<WorkerAnswerDto, String> {
        self.post(&format!("/worker/jobs/{id}/{what}"), &body).await
    }
}

/// Why a claim failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimError {
    /// The server refused the worker's token: no later claim can succeed, the worker stops.
    Refused(String),
    /// The store or the server could not answer now; the worker tries again.
    Failed(String),
}

impl std::fmt::Display for ClaimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClaimError::Refused(m) | ClaimError::Failed(m) => f.write_str(m),
        }
    }
}

/// The worker's side of the queue.
#[derive(Clone)]
pub enum Queue {
    Store(Store),
    Api(ApiQueue),
}

fn report(worker: &str) -> WorkerReportDto {
    WorkerReportDto {
        worker: worker.to_string(),
        ..Default::default()
    }
}

impl Queue {
    pub fn describe(&self) -> String {
        match self {
            Queue::Store(s) => s.backend_name().to_string(),
            Queue::Api(a) => a.base.clone(),
        }
    }

    pub async fn claim(
        &self,
        worker: &str,
        kinds: &[String],
        lease: Duration,
    ) -> Result<Option<Job>, ClaimError> {
        match self {
            Queue::Store(s) => s
                .claim(worker, kinds, lease)
                .await
                .map_err(|e| ClaimError::Failed(e.to_string())),
            Queue::Api(a) => {
                let claimed: Option<WorkerJobDto> = a
                    .post_status(
                        "/worker/claim",
                        &WorkerClaimDto {
                            worker: worker.into(),
                            kinds: kinds.to_vec(),
                            lease_secs: lease.as_secs().max(1),
                        },
                    )
                    .await
                    .map_err(|e| a.claim_error(e))?;
                Ok(claimed.map(|j| {
                    let now = chrono::Utc::now();
                    // What the handlers read of a job; the rest stays the server's.
                    Job {
                        id: j.id,
                        kind: j.kind,
                        payload: j.payload,
                        project_id: j.project_id,
                        priority: 0,
                        state: "running".into(),
                        attempts: j.attempts,
                        max_attempts: j.max_attempts,
                        run_after: now,
                        lease_owner: Some(worker.into()),
                        lease_expires_at: None,
                        heartbeat_at: None,
                        cancel_requested: false,
                        progress: 0,
                        message: None,
                        created_at: now,
                        started_at: Some(now),
                        finished_at: None,
                        created_by: None,
                    }
                }))
            }
        }
    }

    pub async fn heartbeat(
        &self,
        id: i64,
        worker: &str,
        lease: Duration,
        progress: i64,
        message: Option<&str>,
    ) -> Result<Heartbeat, String> {
        match self {
            Queue::Store(s) => s
                .heartbeat(id, worker, lease, progress, message)
                .await
                .map_err(|e| e.to_string()),
            Queue::Api(a) => {
                let answer = a
                    .report(
                        id,
                        "heartbeat",
                        WorkerReportDto {
                            lease_secs: lease.as_secs().max(1),
                            progress,
                            message: message.map(String::from),
                            ..report(worker)
                        },
                    )
                    .await?;
                Ok(if answer.held {
                    Heartbeat::Kept {
                        cancel_requested: answer.cancel_requested,
                    }
                } else {
                    Heartbeat::Lost
                })
            }
        }
    }

    pub async fn append_log(&self, id: i64, worker: &str, line: &str) -> Result<(), String> {
        match self {
            Queue::Store(s) => s.append_log(id, line).await.map_err(|e| e.to_string()),
            Queue::Api(a) => a
                .report(
                    id,
                    "log",
                    WorkerReportDto {
                        message: Some(line.into()),
                        ..report(worker)
                    },
                )
                .await
                .map(|_| ()),
        }
    }

    /// complete, release or cancelled: true when the worker still held the job.
    async fn end(&self, id: i64, worker: &str, what: &str) -> Result<bool, String> {
        match self {
            Queue::Store(s) => match what {
                "complete" => s.complete(id, worker).await,
                "release" => s.release(id, worker).await,
                _ => s.confirm_cancelled(id, worker).await,
            }
            .map_err(|e| e.to_string()),
            Queue::Api(a) => a.report(id, what, report(worker)).await.map(|r| r.held),
        }
    }

    pub async fn complete(&self, id: i64, worker: &str) -> Result<bool, String> {
        self.end(id, worker, "complete").await
    }
    pub async fn release(&self, id: i64, worker: &str) -> Result<bool, String> {
        self.end(id, worker, "release").await
    }
    pub async fn confirm_cancelled(&self, id: i64, worker: &str) -> Result<bool, String> {
        self.end(id, worker, "cancelled").await
    }

    pub async fn give_up(&self, id: i64, worker: &str, error: &str) -> Result<bool, String> {
        match self {
            Queue::Store(s) => s
                .give_up(id, worker, error)
                .await
                .map_err(|e| e.to_string()),
            Queue::Api(a) => a
                .report(
                    id,
                    "fail",
                    WorkerReportDto {
                        message: Some(error.into()),
                        retry: false,
                        ..report(worker)
                    },
                )
                .await
                .map(|r| r.held),
        }
    }

    /// A failed attempt; through the API the server's backoff applies.
    pub async fn fail(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        backoff: Backoff,
    ) -> Result<FailOutcome, String> {
        match self {
            Queue::Store(s) => s
                .fail(id, worker, error, backoff)
                .await
                .map_err(|e| e.to_string()),
            Queue::Api(a) => {
                let r = a
                    .report(
                        id,
                        "fail",
                        WorkerReportDto {
                            message: Some(error.into()),
                            retry: true,
                            ..report(worker)
                        },
                    )
                    .await?;
                Ok(match r.outcome.strip_prefix("retrying after ") {
                    _ if !r.held => FailOutcome::Lost,
                    Some(at) => FailOutcome::Retrying {
                        run_after: chrono::DateTime::parse_from_rfc3339(at)
                            .map(|t| t.with_timezone(&chrono::Utc))
                            .unwrap_or_else(|_| chrono::Utc::now()),
                    },
                    None => FailOutcome::Failed,
                })
            }
        }
    }

    /// A LUT of the job's project (dimension, `.cube` text); `None` when it is not there.
    pub async fn lut(
        &self,
        job: &Job,
        worker: &str,
        lut_id: i64,
    ) -> Result<Option<(i64, String)>, String> {
        match self {
            Queue::Store(s) => Ok(s
                .lut(lut_id)
                .await
                .map_err(|e| e.to_string())?
                .filter(|l| Some(l.project_id) == job.project_id)
                .map(|l| (l.dimension, l.body))),
            Queue::Api(a) => {
                let r: Result<WorkerLutDto, String> = a
                    .post(
                        &format!("/worker/jobs/{}/lut", job.id),
                        &WorkerLutDto {
                            worker: worker.into(),
                            lut_id,
                            dimension: 0,
                            body: String::new(),
                        },
                    )
                    .await;
                match r {
                    Ok(l) => Ok(Some((l.dimension, l.body))),
                    Err(e) if e.contains("404") => Ok(None),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// The deliverable a delivery encode job works for, with its profiles. `Ok(Err(_))` is an
    /// answer no retry changes (no such deliverable, an unknown profile).
    pub async fn encode_target(
        &self,
        job: &Job,
        worker: &str,
        deliverable_id: i64,
    ) -> Result<Result<EncodeTarget, String>, String> {
        let Some(project_id) = job.project_id else {
            return Ok(Err(
                "a delivery encode belongs to a project; queue it with one".into(),
            ));
        };
        match self {
            Queue::Store(s) => {
                let ctx = postflow_app::Context::new(s.clone());
                match postflow_app::delivery::encode_target(&ctx, project_id, deliverable_id).await
                {
                    Ok(t) => Ok(Ok(t)),
                    Err(e @ postflow_app::AppError::Store(_)) => Err(e.to_string()),
                    Err(e) => Ok(Err(e.to_string())),
                }
            }
            Queue::Api(a) => {
                let asked = WorkerDeliverableDto {
                    worker: worker.into(),
                    deliverable_id,
                    project_code: String::new(),
                    name: String::new(),
                    layout: None,
                    profiles: vec![],
                };
                let answer: WorkerDeliverableDto = match a
                    .post_status(&format!("/worker/jobs/{}/deliverable", job.id), &asked)
                    .await
                {
                    Ok(d) => d,
                    Err((Some(status), e)) if status.is_client_error() => return Ok(Err(e)),
                    Err((_, e)) => return Err(e),
                };
                let mut profiles = Vec::new();
                for p in answer.profiles {
                    match serde_json::from_value(p) {
                        Ok(p) => profiles.push(p),
                        Err(e) => return Ok(Err(format!(
                            "the server sent a delivery profile this postflow cannot read ({e}); update the worker"
                        ))),
                    }
                }
                Ok(Ok(EncodeTarget {
                    code: answer.project_code,
                    deliverable_id: answer.deliverable_id,
                    name: answer.name,
                    layout: answer.layout,
                    profiles,
                }))
            }
        }
    }

    /// Attaches a QC run to the deliverable (which stays open when it failed); the run's id.
    pub async fn attach_qc_run(
        &self,
        target: &EncodeTarget,
        report: postflow_qc::QcReport,
    ) -> Result<i64, String> {
        match self {
            Queue::Store(s) => {
                let ctx = postflow_app::Context::new(s.clone());
                postflow_app::delivery::record_qc_run(
                    &ctx,
                    &postflow_app::access::local_operator(),
                    &target.code,
                    target.deliverable_id,
                    report,
                )
                .await
                .map(|r| r.run.id)
                .map_err(|e| e.to_string())
            }
            Queue::Api(a) => {
                let path = format!(
                    "/projects/{}/deliverables/{}/qc-runs",
                    target.code, target.deliverable_id
                );
                let run: postflow_api_types::QcRunDto = a
                    .post(
                        &path,
                        &serde_json::from_str::<serde_json::Value>(&report.to_json())
                            .map_err(|e| format!("cannot write the QC report: {e}"))?,
                    )
                    .await?;
                Ok(run.run_id)
            }
        }
    }

    /// Puts a written file on the job's project's relink list, with the catalog's checksum of
    /// the original when the catalog knows it.
    pub async fn record_relink(
        &self,
        job: &Job,
        worker: &str,
        new: NewRelink,
    ) -> Result<(), String> {
        match self {
            Queue::Store(s) => {
                let original_checksum = match job.project_id {
                    Some(p) => s
                        .catalog_checksum_of(p, &new.original_path)
                        .await
                        .map_err(|e| e.to_string())?,
                    None => None,
                };
                s.record_relink(NewRelink {
                    original_checksum,
                    ..new
                })
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
            }
            Queue::Api(a) => a
                .post::<_, WorkerAnswerDto>(
                    &format!("/worker/jobs/{}/relink", job.id),
                    &WorkerRelinkDto {
                        worker: worker.into(),
                        kind: new.kind,
                        original_path: new.original_path,
                        proxy_path: new.proxy_path,
                        proxy_checksum: new.proxy_checksum,
                        start_timecode: new.start_timecode,
                        reel: new.reel,
                        codec: new.codec,
                        width: new.width,
                        height: new.height,
                    },
                )
                .await
                .map(|_| ()),
        }
    }
}
