//! `postflow worker`: runs queued jobs on this machine, straight from the store
//! (`--data-dir`, `--database-url`); `postflow job add|list|cancel|retry` (the app's use cases);
//! and `postflow bench jobs`.
//!
//! A worker claims a job under a lease (`store::jobs`), runs the kind's [`JobHandler`] and
//! heartbeats every few seconds meanwhile, which extends the lease, records progress and learns
//! of a cancellation. A worker that lost its lease (it stalled and another worker took the job
//! over) drops the job and changes nothing. SIGINT/SIGTERM stop claiming; running jobs get
//! `--grace-secs` to finish and are then given back to the queue unfinished.
//!
//! Job kinds plug in through [`Registry`]: `noop` (sleeps `ms` from its payload, for tests and
//! the benchmark), `fail` (always fails, for retry tests), and the media kinds `proxy` and
//! `review_copy` (`commands/media.rs`). With `--server URL --token T` the worker claims,
//! heartbeats and reports through the server's worker API instead of the database
//! (`commands/queue.rs`).
use super::queue::{ApiQueue, ClaimError, Queue};
use super::server::StoreArgs;
use anyhow::{bail, Context};
use clap::Args;
use postflow_store::jobs::{Backoff, FailOutcome, Heartbeat, Job, JobState, NewJob};
use postflow_store::BoxFuture;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// How many jobs to run at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Only these job kinds (comma-separated; default: every kind this worker can run).
    #[arg(long, value_delimiter = ',')]
    pub kinds: Vec<String>,
    /// How long a claimed job stays this worker's without a heartbeat; after that another
    /// worker may take it over.
    #[arg(long, default_value_t = 30)]
    pub lease_secs: u64,
    /// Seconds between heartbeats (default: a third of the lease).
    #[arg(long)]
    pub heartbeat_secs: Option<u64>,
    /// Milliseconds to wait before looking again when there is nothing to do.
    #[arg(long, default_value_t = 1000)]
    pub poll_ms: u64,
    /// On SIGINT/SIGTERM, how long running jobs may go on before they are given back.
    #[arg(long, default_value_t = 30)]
    pub grace_secs: u64,
    /// Stop once there is nothing to claim (instead of waiting for more work).
    #[arg(long)]
    pub drain: bool,
    /// This worker's name in leases and logs (default: host-pid-random).
    #[arg(long)]
    pub worker_id: Option<String>,
    /// Take jobs from this postflow server's API instead of the database (with --token).
    #[arg(long)]
    pub server: Option<String>,
    /// An API token whose user may manage storage (with --server).
    #[arg(long, env = "POSTFLOW_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// A job being run, as its handler sees it.
pub struct JobRun {
    pub job: Job,
    pub queue: Queue,
    pub worker: String,
    progress: Mutex<(i64, Option<String>)>,
    cancel: watch::Receiver<bool>,
}

impl JobRun {
    /// Progress in per mille (0–1000) and a short message, sent with the next heartbeat.
    pub fn set_progress(&self, per_mille: i64, message: impl Into<String>) {
        *self.progress.lock().unwrap() = (per_mille, Some(message.into()));
    }

    pub async fn log(&self, line: &str) -> Result<(), String> {
        self.queue
            .append_log(self.job.id, &self.worker, line)
            .await
            .map_err(|e| format!("cannot write the job's log: {e}"))
    }

    /// Resolves when someone cancelled the job; long handlers select on it.
    pub async fn cancelled(&self) {
        let mut rx = self.cancel.clone();
        let _ = rx.wait_for(|c| *c).await;
    }
}

/// Why an attempt failed, in one sentence; `retry: false` when another attempt cannot help
/// (a payload this build cannot read), so the job fails at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    pub message: String,
    pub retry: bool,
}

impl JobError {
    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            retry: false,
        }
    }
}

impl From<String> for JobError {
    fn from(message: String) -> Self {
        JobError {
            message,
            retry: true,
        }
    }
}

impl From<&str> for JobError {
    fn from(message: &str) -> Self {
        JobError::from(message.to_string())
    }
}

/// One kind of job. `run` returns `Err` with one sentence when the attempt failed.
pub trait JobHandler: Send + Sync {
    fn kind(&self) -> &'static str;
    fn run<'a>(&'a self, run: &'a JobRun) -> BoxFuture<'a, Result<(), JobError>>;
}

/// The job kinds this build can run.
#[derive(Clone)]
pub struct Registry {
    handlers: BTreeMap<&'static str, Arc<dyn JobHandler>>,
}

impl Registry {
    pub fn builtin() -> Registry {
        let mut r = Registry {
            handlers: BTreeMap::new(),
        };
        r.add(Arc::new(Noop));
        r.add(Arc::new(AlwaysFail));
        r.add(Arc::new(super::media::Proxy));
        r.add(Arc::new(super::media::ReviewCopy));
        r.add(Arc::new(super::media::DeliveryEncode));
        r
    }
    pub fn add(&mut self, handler: Arc<dyn JobHandler>) {
        self.handlers.insert(handler.kind(), handler);
    }
    fn names(&self) -> Vec<String> {
        self.handlers.keys().map(|k| k.to_string()).collect()
    }
}

/// A payload field this build does not know means the job came from a newer postflow: refused
/// with a sentence rather than half-understood.
pub(crate) fn payload<T: serde::de::DeserializeOwned>(job: &Job) -> Result<T, JobError> {
    serde_json::from_str(&job.payload).map_err(|e| {
        JobError::permanent(format!(
            "the {} job's payload is not one this postflow understands ({e}); it may come from a newer version",
            job.kind
        ))
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoopPayload {
    #[serde(default)]
    ms: u64,
}

/// Waits `ms` milliseconds (cancellable) and logs which worker ran it.
struct Noop;

impl JobHandler for Noop {
    fn kind(&self) -> &'static str {
        "noop"
    }
    fn run<'a>(&'a self, run: &'a JobRun) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let p: NoopPayload = payload(&run.job)?;
            if p.ms > 0 {
                run.set_progress(0, format!("waiting {} ms", p.ms));
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(p.ms)) => {}
                    _ = run.cancelled() => return Err("cancelled".into()),
                }
            }
            run.log(&format!(
                "ran on {} (attempt {})",
                run.worker, run.job.attempts
            ))
            .await?;
            Ok(())
        })
    }
}

/// Always fails: exercises retries and backoff.
struct AlwaysFail;

impl JobHandler for AlwaysFail {
    fn kind(&self) -> &'static str {
        "fail"
    }
    fn run<'a>(&'a self, run: &'a JobRun) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            run.log(&format!(
                "failing on {} (attempt {})",
                run.worker, run.job.attempts
            ))
            .await?;
            Err("this job always fails (kind \"fail\")".into())
        })
    }
}

/// How one worker behaves.
#[derive(Clone)]
pub struct WorkerConfig {
    pub id: String,
    pub kinds: Vec<String>,
    pub concurrency: usize,
    pub lease: Duration,
    pub heartbeat: Duration,
    pub poll: Duration,
    pub grace: Duration,
    pub drain: bool,
    pub backoff: Backoff,
    /// Print a line per job start and end on stderr.
    pub verbose: bool,
}

/// A worker over one queue (a store or a server): its slots claim and run jobs until told to
/// stop.
#[derive(Clone)]
pub struct Worker {
    pub queue: Queue,
    pub registry: Registry,
    pub config: WorkerConfig,
    /// When set, each claim's duration is recorded here (the benchmark).
    pub claim_times: Option<Arc<Mutex<Vec<Duration>>>>,
    /// Set when the server refused the token: every slot stops and the worker exits non-zero.
    pub refused: Arc<Mutex<Option<String>>>,
}

fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".into());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

impl Worker {
    /// Runs `concurrency` slots until `stop` turns true (or, draining, until nothing is left).
    pub async fn run(&self, stop: watch::Receiver<bool>) {
        let mut slots = Vec::new();
        for slot in 0..self.config.concurrency.max(1) {
            let worker = self.clone();
            let stop = stop.clone();
            slots.push(tokio::spawn(async move { worker.slot(slot, stop).await }));
        }
        for s in slots {
            let _ = s.await;
        }
    }

    async fn slot(&self, slot: usize, mut stop: watch::Receiver<bool>) {
        let id = if self.config.concurrency > 1 {
            format!("{}/{slot}", self.config.id)
        } else {
            self.config.id.clone()
        };
        while !*stop.borrow() && self.refused.lock().unwrap().is_none() {
            let started = Instant::now();
            let claimed = self
                .queue
                .claim(&id, &self.config.kinds, self.config.lease)
                .await;
            if let Some(times) = &self.claim_times {
                times.lock().unwrap().push(started.elapsed());
            }
            match claimed {
                Ok(Some(job)) => self.run_job(&id, job, stop.clone()).await,
                Ok(None) if self.config.drain => break,
                Err(ClaimError::Refused(why)) => {
                    self.refused.lock().unwrap().get_or_insert(why);
                    break;
                }
                Ok(None) => {
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.poll) => {}
                        _ = stop.changed() => {}
                    }
                }
                Err(e) => {
                    eprintln!("worker {id}: cannot claim a job: {e}");
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.poll) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        }
    }

    async fn run_job(&self, worker: &str, job: Job, mut stop: watch::Receiver<bool>) {
        let Some(handler) = self.registry.handlers.get(job.kind.as_str()).cloned() else {
            // Only claimed kinds are registered ones; a row changed under us is failed, not run.
            let _ = self
                .queue
                .fail(
                    job.id,
                    worker,
                    "no handler for this kind",
                    self.config.backoff,
                )
                .await;
            return;
        };
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let run = JobRun {
            job: job.clone(),
            queue: self.queue.clone(),
            worker: worker.to_string(),
            progress: Mutex::new((0, None)),
            cancel: cancel_rx,
        };
        if self.config.verbose {
            eprintln!(
                "worker {worker}: job {} ({}) started, attempt {}",
                job.id, job.kind, job.attempts
            );
        }
        // Boxed, so giving the job back can drop (and so stop) the handler's work first.
        let mut work = handler.run(&run);
        let mut beat = tokio::time::interval(self.config.heartbeat);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        beat.tick().await; // the claim itself was the first beat
        let mut give_back_at: Option<tokio::time::Instant> = None;
        let result = loop {
            let grace = async {
                match give_back_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                result = &mut work => break result,
                _ = beat.tick() => {
                    let (progress, message) = run.progress.lock().unwrap().clone();
                    match self.queue.heartbeat(job.id, worker, self.config.lease, progress, message.as_deref()).await {
                        Ok(Heartbeat::Kept { cancel_requested }) => {
                            if cancel_requested {
                                let _ = cancel_tx.send(true);
                            }
                        }
                        Ok(Heartbeat::Lost) => {
                            eprintln!("worker {worker}: job {} was taken over by another worker; dropping it", job.id);
                            return;
                        }
                        // The store may come back before the lease ends; if not, another
                        // worker takes the job over and this one's report is refused.
                        Err(e) => eprintln!("worker {worker}: heartbeat of job {} failed: {e}", job.id),
                    }
                }
                _ = stop.changed(), if give_back_at.is_none() => {
                    give_back_at = Some(tokio::time::Instant::now() + self.config.grace);
                }
                _ = grace => {
                    drop(work);
                    match self.queue.release(job.id, worker).await {
                        Ok(true) => eprintln!("worker {worker}: job {} given back unfinished (stopping)", job.id),
                        Ok(false) => {}
                        Err(e) => eprintln!("worker {worker}: cannot give job {} back: {e}; another worker takes it when its lease ends", job.id),
                    }
                    return;
                }
            }
        };
        let report = if *cancel_tx.borrow() {
            self.queue
                .confirm_cancelled(job.id, worker)
                .await
                .map(|ok| (ok, "cancelled".to_string()))
        } else {
            match result {
                Ok(()) => self
                    .queue
                    .complete(job.id, worker)
                    .await
                    .map(|ok| (ok, "succeeded".to_string())),
                Err(JobError { message: e, retry }) => {
                    let _ = run.log(&format!("failed: {e}")).await;
                    if !retry {
                        let gave_up = self.queue.give_up(job.id, worker, &e).await;
                        return self.report(
                            worker,
                            &job,
                            gave_up.map(|ok| (ok, format!("failed for good: {e}"))),
                        );
                    }
                    self.queue
                        .fail(job.id, worker, &e, self.config.backoff)
                        .await
                        .map(|o| match o {
                            FailOutcome::Retrying { run_after } => {
                                (true, format!("failed ({e}); retrying after {run_after}"))
                            }
                            FailOutcome::Failed => (true, format!("failed for good: {e}")),
                            FailOutcome::Lost => (false, String::new()),
                        })
                }
            }
        };
        self.report(worker, &job, report);
    }

    fn report(&self, worker: &str, job: &Job, report: Result<(bool, String), String>) {
        match report {
            Ok((true, what)) if self.config.verbose => {
                eprintln!("worker {worker}: job {} {what}", job.id)
            }
            Ok((true, _)) => {}
            Ok((false, _)) => eprintln!(
                "worker {worker}: job {} had been taken over by another worker; its result was not recorded",
                job.id
            ),
            Err(e) => eprintln!("worker {worker}: cannot record the end of job {}: {e}", job.id),
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Turns the first SIGINT or SIGTERM into `stop`.
fn stop_on_signals() -> anyhow::Result<watch::Receiver<bool>> {
    use tokio::signal::unix::{signal, SignalKind};
    let (tx, rx) = watch::channel(false);
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    tokio::spawn(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        eprintln!("worker: stopping; running jobs may finish within the grace period");
        let _ = tx.send(true);
    });
    Ok(rx)
}

fn config(args: &WorkerArgs, registry: &Registry) -> anyhow::Result<WorkerConfig> {
    let known = registry.names();
    let kinds: Vec<String> = args
        .kinds
        .iter()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect();
    if let Some(unknown) = kinds.iter().find(|k| !known.contains(k)) {
        bail!(
            "this worker cannot run jobs of kind {unknown:?}; it knows {}",
            known.join(", ")
        );
    }
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    if args.lease_secs == 0 {
        bail!("--lease-secs must be at least 1");
    }
    let lease = Duration::from_secs(args.lease_secs);
    let heartbeat = args
        .heartbeat_secs
        .map(Duration::from_secs)
        .unwrap_or(lease / 3)
        .max(Duration::from_millis(200));
    if heartbeat >= lease {
        bail!("--heartbeat-secs must be shorter than --lease-secs, or the lease runs out between beats");
    }
    Ok(WorkerConfig {
        id: args.worker_id.clone().unwrap_or_else(default_worker_id),
        // A worker claims only what it can run.
        kinds: if kinds.is_empty() { known } else { kinds },
        concurrency: args.concurrency,
        lease,
        heartbeat,
        poll: Duration::from_millis(args.poll_ms.max(10)),
        grace: Duration::from_secs(args.grace_secs),
        drain: args.drain,
        backoff: Backoff::default(),
        verbose: true,
    })
}

pub fn run_worker(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let registry = Registry::builtin();
    let config = config(&args, &registry)?;
    runtime()?.block_on(async move {
        let queue = match (&args.server, &args.token) {
            (Some(server), Some(token)) => {
                let api = ApiQueue::new(server, token).map_err(anyhow::Error::msg)?;
                // A refused token is said once, before anything else, rather than retried.
                if let Err(ClaimError::Refused(why)) = api.check_token().await {
                    bail!("{why}");
                }
                Queue::Api(api)
            }
            (Some(_), None) => bail!("--server needs --token (or POSTFLOW_TOKEN): an API token whose user may manage storage"),
            _ => Queue::Store(args.store.open().await?),
        };
        let stop = stop_on_signals()?;
        eprintln!(
            "worker {} on {}: kinds {}, concurrency {}, lease {} s",
            config.id,
            queue.describe(),
            config.kinds.join(","),
            config.concurrency,
            config.lease.as_secs()
        );
        let worker = Worker {
            queue,
            registry,
            config,
            claim_times: None,
            refused: Default::default(),
        };
        worker.run(stop).await;
        if let Some(why) = worker.refused.lock().unwrap().take() {
            bail!("{why}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Debug, Args)]
pub struct BenchJobsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Worker loops, each with a connection pool of its own.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// How many 0 ms `noop` jobs to drain.
    #[arg(long, default_value_t = 1000)]
    pub jobs: usize,
}

/// Enqueues `--jobs` noop jobs, drains them with `--workers` worker loops (each on its own
/// pool), checks every job ran exactly once and prints the claim overhead.
pub fn run_bench_jobs(args: BenchJobsArgs) -> anyhow::Result<ExitCode> {
    if args.workers == 0 || args.jobs == 0 {
        bail!("--workers and --jobs must be at least 1");
    }
    runtime()?.block_on(async move {
        let store = args.store.open().await?;
        let tag = format!("bench-{:08x}", rand::random::<u32>());
        let mut ids = Vec::with_capacity(args.jobs);
        let enqueue_started = Instant::now();
        for _ in 0..args.jobs {
            ids.push(
                store
                    .enqueue(NewJob::new("noop", r#"{"ms":0}"#))
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot enqueue: {e}"))?
                    .id,
            );
        }
        let enqueue_time = enqueue_started.elapsed();
        let times = Arc::new(Mutex::new(Vec::new()));
        let (_stop_tx, stop) = watch::channel(false);
        let started = Instant::now();
        let mut loops = Vec::new();
        for n in 0..args.workers {
            let own = args.store.open().await?;
            let worker = Worker {
                queue: Queue::Store(own),
                registry: Registry::builtin(),
                config: WorkerConfig {
                    id: format!("{tag}-w{n}"),
                    kinds: vec!["noop".into()],
                    concurrency: 1,
                    lease: Duration::from_secs(60),
                    heartbeat: Duration::from_secs(20),
                    poll: Duration::from_millis(100),
                    grace: Duration::from_secs(5),
                    drain: true,
                    backoff: Backoff::default(),
                    verbose: false,
                },
                claim_times: Some(times.clone()),
                refused: Default::default(),
            };
            let stop = stop.clone();
            loops.push(tokio::spawn(async move { worker.run(stop).await }));
        }
        for l in loops {
            l.await.context("a worker loop panicked")?;
        }
        let total = started.elapsed();

        // Every job: succeeded, one attempt, exactly one "ran on" line in its log.
        let mut problems = Vec::new();
        let mut per_worker: BTreeMap<String, usize> = BTreeMap::new();
        for id in &ids {
            let job = store.job(*id).await?.context("a benchmark job vanished")?;
            let runs: Vec<String> = store
                .job_logs(*id)
                .await?
                .into_iter()
                .map(|l| l.line)
                .filter(|l| l.starts_with("ran on "))
                .collect();
            if job.job_state()? != JobState::Succeeded || job.attempts != 1 || runs.len() != 1 {
                problems.push(format!(
                    "job {id}: {} after {} attempts, {} runs",
                    job.state,
                    job.attempts,
                    runs.len()
                ));
            }
            if let Some(line) = runs.first() {
                let who = line["ran on ".len()..]
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_string();
                *per_worker.entry(who).or_default() += 1;
            }
        }
        let mut claims: Vec<f64> = times
            .lock()
            .unwrap()
            .iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        claims.sort_by(|a, b| a.total_cmp(b));
        let mean = claims.iter().sum::<f64>() / claims.len().max(1) as f64;
        let p95 = claims
            .get(((claims.len() as f64 * 0.95).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0);
        println!(
            "bench jobs on {}: {} noop jobs (0 ms), {} worker loops with a pool each",
            store.backend_name(),
            args.jobs,
            args.workers
        );
        println!(
            "  enqueue: {:.0} ms ({:.2} ms per job)",
            enqueue_time.as_secs_f64() * 1000.0,
            enqueue_time.as_secs_f64() * 1000.0 / args.jobs as f64
        );
        println!(
            "  drained in {:.0} ms: {:.0} jobs/s",
            total.as_secs_f64() * 1000.0,
            args.jobs as f64 / total.as_secs_f64()
        );
        println!(
            "  claim overhead per job: mean {mean:.2} ms, p95 {p95:.2} ms ({} claims, including each loop's final empty one)",
            claims.len()
        );
        println!(
            "  jobs per worker: {}",
            per_worker
                .iter()
                .map(|(w, n)| format!("{w}={n}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        if !problems.is_empty() {
            bail!(
                "{} of {} jobs did not run exactly once: {}",
                problems.len(),
                args.jobs,
                problems.iter().take(10).cloned().collect::<Vec<_>>().join("; ")
            );
        }
        println!("  every job succeeded exactly once (attempts = 1, one run logged)");
        Ok(ExitCode::SUCCESS)
    })
}

/// `postflow job …`: the queue as people see it, through the app's use cases (as the local
/// operator, like every verb on a store it opens directly).
#[derive(Debug, clap::Subcommand)]
pub enum JobCommand {
    /// Queue a job and print its id.
    Add(JobAddArgs),
    /// List jobs, newest first.
    List(JobListArgs),
    /// Cancel a queued job, or ask a running job's worker to stop it.
    Cancel(JobIdArgs),
    /// Queue a failed or cancelled job again, with fresh attempts.
    Retry(JobIdArgs),
    /// Print a project's relink list (proxy ↔ original with checksums) as CSV.
    Relinks(JobRelinksArgs),
}

#[derive(Debug, Args)]
pub struct JobRelinksArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The project (code).
    #[arg(long)]
    pub project: String,
}

#[derive(Debug, Args)]
pub struct JobAddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The job kind (e.g. noop).
    pub kind: String,
    /// The kind's payload, a JSON object.
    #[arg(long, default_value = "{}")]
    pub payload: String,
    /// The project (code) it works for; default: studio-wide.
    #[arg(long)]
    pub project: Option<String>,
    /// -100..=100, higher first.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i64,
    /// How many attempts before it fails for good (1..=20).
    #[arg(long, default_value_t = 3)]
    pub max_attempts: i64,
}

#[derive(Debug, Args)]
pub struct JobListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only this project's jobs (by code).
    #[arg(long)]
    pub project: Option<String>,
    /// Only jobs in these states (queued, running, succeeded, failed, cancelled; comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub state: Vec<String>,
    /// Print JSON: an array of {id, kind, state, project_id, priority, attempts, max_attempts,
    /// progress, message, lease_owner, created_at, run_after, finished_at}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JobIdArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The job's id.
    pub id: i64,
}

fn job_refusal(e: postflow_app::AppError) -> anyhow::Error {
    match e {
        postflow_app::AppError::Invalid(fields) => {
            let parts: Vec<String> = fields
                .0
                .iter()
                .map(|(f, m)| {
                    let flag = match *f {
                        "kind" => "KIND".to_string(),
                        other => format!("--{}", other.replace('_', "-")),
                    };
                    format!("{flag}: {m}")
                })
                .collect();
            anyhow::anyhow!("the job was refused: {}", parts.join("; "))
        }
        other => anyhow::anyhow!("{other}"),
    }
}

pub fn run_job(command: JobCommand) -> anyhow::Result<ExitCode> {
    use postflow_app::{access::local_operator, jobs, Context as AppContext};
    runtime()?.block_on(async move {
        let operator = local_operator();
        match command {
            JobCommand::Add(a) => {
                let ctx = AppContext::new(a.store.open().await?);
                let draft = jobs::JobDraft {
                    kind: a.kind,
                    payload: a.payload,
                    project_code: a.project,
                    priority: a.priority,
                    max_attempts: Some(a.max_attempts),
                };
                let job = jobs::enqueue(&ctx, &operator, &draft)
                    .await
                    .map_err(job_refusal)?;
                println!("{}", job.id);
            }
            JobCommand::List(a) => {
                let mut states = Vec::new();
                for s in &a.state {
                    states.push(JobState::parse(s.trim()).with_context(|| {
                        format!(
                            "--state {s:?} is not one of queued, running, succeeded, failed, cancelled"
                        )
                    })?);
                }
                let ctx = AppContext::new(a.store.open().await?);
                let list = jobs::list(&ctx, &operator, a.project.as_deref(), &states)
                    .await
                    .map_err(job_refusal)?;
                if a.json {
                    let rows: Vec<serde_json::Value> = list
                        .iter()
                        .map(|j| {
                            serde_json::json!({
                                "id": j.id, "kind": j.kind, "state": j.state,
                                "project_id": j.project_id, "priority": j.priority,
                                "attempts": j.attempts, "max_attempts": j.max_attempts,
                                "progress": j.progress, "message": j.message,
                                "lease_owner": j.lease_owner,
                                "created_at": j.created_at.to_rfc3339(),
                                "run_after": j.run_after.to_rfc3339(),
                                "finished_at": j.finished_at.map(|t| t.to_rfc3339()),
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                } else {
                    for j in &list {
                        println!(
                            "{:>6}  {:<10} {:<9} attempt {}/{}  {:>5.1}%  {}",
                            j.id,
                            j.kind,
                            j.state,
                            j.attempts,
                            j.max_attempts,
                            j.progress as f64 / 10.0,
                            j.message.as_deref().unwrap_or("")
                        );
                    }
                }
            }
            JobCommand::Cancel(a) => {
                let ctx = AppContext::new(a.store.open().await?);
                match jobs::cancel(&ctx, &operator, a.id)
                    .await
                    .map_err(job_refusal)?
                {
                    postflow_store::jobs::CancelOutcome::Requested => println!(
                        "job {} is running; its worker stops it at its next heartbeat",
                        a.id
                    ),
                    _ => println!("job {} cancelled", a.id),
                }
            }
            JobCommand::Retry(a) => {
                let ctx = AppContext::new(a.store.open().await?);
                jobs::retry(&ctx, &operator, a.id)
                    .await
                    .map_err(job_refusal)?;
                println!("job {} queued again", a.id);
            }
            JobCommand::Relinks(a) => {
                let ctx = AppContext::new(a.store.open().await?);
                let rows = postflow_app::media::relinks(&ctx, &operator, &a.project)
                    .await
                    .map_err(job_refusal)?;
                print!("{}", postflow_app::media::relinks_csv(&rows));
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
