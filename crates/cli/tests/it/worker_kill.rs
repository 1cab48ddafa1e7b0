//! `postflow worker` as a real child process on a throwaway PostgreSQL: a worker killed with
//! SIGKILL mid-job leaves a job that a second worker re-runs to completion exactly once after
//! the lease expires; SIGTERM gives an unfinished job back; a cancelled running job stops; a
//! failing job ends failed with its reason.
use postflow_store::jobs::{CancelOutcome, Job, JobState, NewJob};
use postflow_store::{Location, Store};
use postflow_testkit::TempPostgres;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

struct Queue {
    _pg: TempPostgres,
    url: String,
    store: Store,
    rt: tokio::runtime::Runtime,
}

impl Queue {
    fn start() -> Queue {
        let pg = TempPostgres::start().expect("start PostgreSQL");
        let rt = rt();
        let url = rt.block_on(pg.create_database("jobs")).unwrap();
        let store = rt
            .block_on(Store::open(&Location::Url(url.clone())))
            .unwrap();
        Queue {
            _pg: pg,
            url,
            store,
            rt,
        }
    }

    fn enqueue(&self, kind: &str, payload: &str, max_attempts: i64) -> i64 {
        let mut job = NewJob::new(kind, payload);
        job.max_attempts = max_attempts;
        self.rt.block_on(self.store.enqueue(job)).unwrap().id
    }

    fn job(&self, id: i64) -> Job {
        self.rt.block_on(self.store.job(id)).unwrap().unwrap()
    }

    fn runs(&self, id: i64) -> Vec<String> {
        self.rt
            .block_on(self.store.job_logs(id))
            .unwrap()
            .into_iter()
            .map(|l| l.line)
            .filter(|l| l.starts_with("ran on "))
            .collect()
    }

    /// Polls the store until `done` holds (the worker is another process; the store is where
    /// its progress shows). Gives up after a minute with what the job looked like.
    fn wait_for(&self, id: i64, what: &str, done: impl Fn(&Job) -> bool) -> Job {
        let start = Instant::now();
        loop {
            let job = self.job(id);
            if done(&job) {
                return job;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "job {id} never became {what}: {job:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn worker(&self, id: &str, extra: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_postflow"))
            .args(["worker", "--database-url", &self.url, "--worker-id", id])
            .args(["--poll-ms", "100"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start postflow worker")
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    child.wait().unwrap()
}

#[test]
fn a_worker_killed_mid_job_leaves_it_to_another_that_runs_it_once_more() {
    let q = Queue::start();
    let id = q.enqueue("noop", r#"{"ms":4000}"#, 3);
    let mut first = q.worker("first", &["--lease-secs", "2", "--heartbeat-secs", "1"]);
    let running = q.wait_for(id, "running on the first worker", |j| j.state == "running");
    assert_eq!(running.lease_owner.as_deref(), Some("first"));
    assert_eq!(running.attempts, 1);
    first.kill().unwrap(); // SIGKILL: no goodbye, the lease just stops being renewed
    first.wait().unwrap();
    assert!(q.runs(id).is_empty(), "killed before its job finished");

    let mut second = q.worker("second", &["--lease-secs", "2", "--heartbeat-secs", "1"]);
    let done = q.wait_for(id, "finished", |j| {
        j.state != "running" && j.state != "queued"
    });
    assert_eq!(done.job_state().unwrap(), JobState::Succeeded, "{done:?}");
    assert_eq!(done.attempts, 2);
    assert_eq!(q.runs(id), vec!["ran on second (attempt 2)".to_string()]);
    assert!(
        terminate(&mut second).success(),
        "SIGTERM stops an idle worker cleanly"
    );
    assert_eq!(q.job(id).attempts, 2, "never run again");
}

#[test]
fn sigterm_gives_an_unfinished_job_back_and_cancel_and_failure_end_jobs() {
    let q = Queue::start();
    // SIGTERM with no grace: the running job is queued again, its attempt not counted.
    let long = q.enqueue("noop", r#"{"ms":600000}"#, 3);
    let mut w = q.worker("stopping", &["--grace-secs", "0", "--lease-secs", "30"]);
    q.wait_for(long, "running", |j| j.state == "running");
    assert!(terminate(&mut w).success());
    let back = q.job(long);
    assert_eq!(back.job_state().unwrap(), JobState::Queued, "{back:?}");
    assert_eq!(back.attempts, 0);
    assert!(back.lease_owner.is_none());

    // Cancelling it while it runs: the worker learns on its heartbeat and stops it.
    let mut w = q.worker(
        "cancelling",
        &["--lease-secs", "3", "--heartbeat-secs", "1"],
    );
    q.wait_for(long, "running again", |j| j.state == "running");
    assert_eq!(
        q.rt.block_on(q.store.cancel(long)).unwrap(),
        CancelOutcome::Requested
    );
    let cancelled = q.wait_for(long, "cancelled", |j| j.state != "running");
    assert_eq!(cancelled.job_state().unwrap(), JobState::Cancelled);
    assert!(q.runs(long).is_empty());
    assert!(terminate(&mut w).success());

    // A job that keeps failing ends failed with its reason; --drain exits when nothing is left.
    let failing = q.enqueue("fail", "{}", 1);
    // A payload from a newer postflow fails at once: another attempt cannot help.
    let newer = q.enqueue("noop", r#"{"ms":0,"colour":"red"}"#, 3);
    let status = Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(["worker", "--database-url", &q.url, "--drain"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let failed = q.job(failing);
    assert_eq!(failed.job_state().unwrap(), JobState::Failed);
    assert_eq!(
        failed.message.as_deref(),
        Some("this job always fails (kind \"fail\")")
    );
    let refused = q.job(newer);
    assert_eq!(refused.job_state().unwrap(), JobState::Failed);
    assert_eq!(refused.attempts, 1, "not retried: {refused:?}");
    assert!(
        refused
            .message
            .as_deref()
            .unwrap()
            .contains("newer version"),
        "{refused:?}"
    );

    // Kinds it cannot run are refused up front with one sentence.
    let out = Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args([
            "worker",
            "--database-url",
            &q.url,
            "--kinds",
            "noop,teleport",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot run jobs of kind \"teleport\""),
        "{err}"
    );
}

fn postflow(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .expect("run postflow")
}

fn listed(dir: &std::path::Path, state: &str) -> Vec<serde_json::Value> {
    let out = postflow(dir, &["job", "list", "--json", "--state", state]);
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

#[test]
fn job_verbs_queue_list_cancel_and_retry_on_a_local_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let out = postflow(&dir, &["job", "add", "noop", "--payload", r#"{"ms":0}"#]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");

    let bad = postflow(&dir, &["job", "add", "Bad Kind", "--payload", "[1]"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.starts_with("error: the job was refused: KIND"), "{err}");
    assert!(err.contains("--payload: give a JSON object"), "{err}");

    let out = postflow(&dir, &["job", "add", "fail", "--max-attempts", "1"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2");
    assert_eq!(listed(&dir, "queued").len(), 2);

    let out = postflow(&dir, &["worker", "--drain"]);
    assert!(out.status.success(), "{out:?}");
    let ok = listed(&dir, "succeeded");
    assert_eq!(ok.len(), 1);
    assert_eq!(
        (ok[0]["id"].as_i64(), ok[0]["attempts"].as_i64()),
        (Some(1), Some(1))
    );
    let failed = listed(&dir, "failed");
    assert_eq!(failed[0]["id"].as_i64(), Some(2));
    assert_eq!(
        failed[0]["message"].as_str(),
        Some("this job always fails (kind \"fail\")")
    );

    let refused = postflow(&dir, &["job", "retry", "1"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("only a failed or cancelled job can be retried"));
    assert!(postflow(&dir, &["job", "retry", "2"]).status.success());
    let out = postflow(&dir, &["job", "cancel", "2"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "job 2 cancelled"
    );
    assert_eq!(listed(&dir, "cancelled")[0]["id"].as_i64(), Some(2));
    let unknown = postflow(&dir, &["job", "cancel", "99"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("job 99 not found"));
}
