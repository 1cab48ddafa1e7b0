//! The job queue on both stores: claim order, claimers that never share a job, backoff and
//! attempts, leases that expire and are taken over, cancellation.
use chrono::{Duration as ChronoDuration, Utc};
use postflow_store::jobs::{
    Backoff, CancelOutcome, FailOutcome, Heartbeat, JobFilter, JobState, NewJob,
};
use postflow_store::Store;
use postflow_testkit::backends;
use std::collections::BTreeSet;
use std::time::Duration;

backends!(
    claims_take_the_highest_priority_then_the_oldest,
    concurrent_claimers_never_get_the_same_job,
    a_failed_job_waits_its_backoff_and_fails_for_good_after_max_attempts,
    a_worker_that_lost_its_lease_changes_nothing,
    cancelling_a_queued_job_ends_it_and_a_running_one_is_asked_to_stop,
    an_expired_lease_is_taken_over_or_ends_the_job_when_nothing_is_left,
    a_released_job_is_queued_again_without_using_an_attempt,
);

const LEASE: Duration = Duration::from_secs(30);

fn kinds(k: &[&str]) -> Vec<String> {
    k.iter().map(|s| s.to_string()).collect()
}

async fn enqueue(store: &Store, kind: &str, priority: i64) -> i64 {
    let mut job = NewJob::new(kind, "{}");
    job.priority = priority;
    store.enqueue(job).await.unwrap().id
}

async fn claims_take_the_highest_priority_then_the_oldest(store: &Store) {
    let low_old = enqueue(store, "noop", 0).await;
    let high = enqueue(store, "noop", 5).await;
    let low_new = enqueue(store, "noop", 0).await;
    let other_kind = enqueue(store, "proxy", 9).await;
    let mut order = Vec::new();
    while let Some(job) = store.claim("w1", &kinds(&["noop"]), LEASE).await.unwrap() {
        assert_eq!(job.job_state().unwrap(), JobState::Running);
        assert_eq!(job.attempts, 1);
        assert_eq!(job.lease_owner.as_deref(), Some("w1"));
        order.push(job.id);
    }
    assert_eq!(order, vec![high, low_old, low_new]);
    // No kinds: every kind.
    let any = store.claim("w2", &[], LEASE).await.unwrap().unwrap();
    assert_eq!(any.id, other_kind);
    assert!(store.claim("w2", &[], LEASE).await.unwrap().is_none());
}

async fn concurrent_claimers_never_get_the_same_job(store: &Store) {
    let mut all = BTreeSet::new();
    for _ in 0..60 {
        all.insert(enqueue(store, "noop", 0).await);
    }
    let mut tasks = Vec::new();
    for w in 0..12 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut mine = Vec::new();
            while let Some(job) = store.claim(&worker, &[], LEASE).await.unwrap() {
                mine.push(job.id);
            }
            mine
        }));
    }
    let mut claimed = Vec::new();
    for t in tasks {
        claimed.extend(t.await.unwrap());
    }
    let distinct: BTreeSet<i64> = claimed.iter().copied().collect();
    assert_eq!(
        claimed.len(),
        distinct.len(),
        "a job was claimed twice: {claimed:?}"
    );
    assert_eq!(distinct, all, "every job is claimed once");
    for id in all {
        assert_eq!(store.job(id).await.unwrap().unwrap().attempts, 1);
    }
}

async fn a_failed_job_waits_its_backoff_and_fails_for_good_after_max_attempts(store: &Store) {
    let backoff = Backoff {
        base: Duration::from_secs(10),
        cap: Duration::from_secs(3600),
    };
    assert_eq!(backoff.delay(1), Duration::from_secs(20));
    assert_eq!(backoff.delay(3), Duration::from_secs(80));
    assert_eq!(backoff.delay(40), Duration::from_secs(3600), "capped");

    let mut new = NewJob::new("fail", "{}");
    new.max_attempts = 2;
    let id = store.enqueue(new).await.unwrap().id;
    let job = store.claim("w1", &[], LEASE).await.unwrap().unwrap();
    let before = Utc::now();
    let outcome = store
        .fail(job.id, "w1", "the source is corrupt", backoff)
        .await
        .unwrap();
    let FailOutcome::Retrying { run_after } = outcome else {
        panic!("the first failure is retried: {outcome:?}");
    };
    let wait = run_after - before;
    assert!(
        wait >= ChronoDuration::seconds(19) && wait <= ChronoDuration::seconds(21),
        "2^1 · 10 s after the first attempt, got {wait}"
    );
    let queued = store.job(id).await.unwrap().unwrap();
    assert_eq!(queued.job_state().unwrap(), JobState::Queued);
    assert_eq!(queued.message.as_deref(), Some("the source is corrupt"));
    assert!(queued.lease_owner.is_none());
    assert!(
        store.claim("w1", &[], LEASE).await.unwrap().is_none(),
        "not due before its backoff ends"
    );
    let again = store
        .claim_at("w2", &[], LEASE, run_after)
        .await
        .unwrap()
        .expect("due when the backoff ends");
    assert_eq!(again.attempts, 2);
    assert_eq!(
        store
            .fail(id, "w2", "still corrupt", backoff)
            .await
            .unwrap(),
        FailOutcome::Failed
    );
    let failed = store.job(id).await.unwrap().unwrap();
    assert_eq!(failed.job_state().unwrap(), JobState::Failed);
    assert_eq!(failed.message.as_deref(), Some("still corrupt"));
    assert!(failed.finished_at.is_some());
    let far = Utc::now() + ChronoDuration::days(1);
    assert!(store
        .claim_at("w3", &[], LEASE, far)
        .await
        .unwrap()
        .is_none());
    let listed = store
        .list_jobs(&JobFilter {
            states: vec![JobState::Failed],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);

    let retried = store.retry(id).await.unwrap();
    assert_eq!(retried.job_state().unwrap(), JobState::Queued);
    assert_eq!(retried.attempts, 0);
    assert_eq!(store.claim("w3", &[], LEASE).await.unwrap().unwrap().id, id);
    assert!(
        store.retry(id).await.is_err(),
        "a running job is not retried"
    );
    // Giving up fails it at once, attempts left or not.
    assert!(!store.give_up(id, "w1", "not mine").await.unwrap());
    assert!(store
        .give_up(id, "w3", "a payload from a newer postflow")
        .await
        .unwrap());
    let given_up = store.job(id).await.unwrap().unwrap();
    assert_eq!(given_up.job_state().unwrap(), JobState::Failed);
    assert_eq!(given_up.attempts, 1);
    assert_eq!(
        given_up.message.as_deref(),
        Some("a payload from a newer postflow")
    );
}

async fn a_worker_that_lost_its_lease_changes_nothing(store: &Store) {
    let id = enqueue(store, "noop", 0).await;
    let first = store.claim("w1", &[], LEASE).await.unwrap().unwrap();
    assert_eq!(
        store
            .heartbeat(id, "w1", LEASE, 250, Some("a quarter"))
            .await
            .unwrap(),
        Heartbeat::Kept {
            cancel_requested: false
        }
    );
    assert_eq!(store.job(id).await.unwrap().unwrap().progress, 250);
    // Not claimable while the lease holds …
    assert!(store.claim("w2", &[], LEASE).await.unwrap().is_none());
    // … taken over once it has expired.
    let later = first.lease_expires_at.unwrap() + ChronoDuration::seconds(1);
    let second = store
        .claim_at("w2", &[], LEASE, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.id, id);
    assert_eq!(second.attempts, 2);
    assert_eq!(second.lease_owner.as_deref(), Some("w2"));

    assert_eq!(
        store.heartbeat(id, "w1", LEASE, 900, None).await.unwrap(),
        Heartbeat::Lost
    );
    assert!(!store.complete(id, "w1").await.unwrap());
    assert_eq!(
        store
            .fail(id, "w1", "late", Backoff::default())
            .await
            .unwrap(),
        FailOutcome::Lost
    );
    assert!(!store.release(id, "w1").await.unwrap());
    let still = store.job(id).await.unwrap().unwrap();
    assert_eq!(still.job_state().unwrap(), JobState::Running);
    assert_eq!(still.lease_owner.as_deref(), Some("w2"));
    assert_eq!(still.attempts, 2);

    assert!(store.complete(id, "w2").await.unwrap());
    let done = store.job(id).await.unwrap().unwrap();
    assert_eq!(done.job_state().unwrap(), JobState::Succeeded);
    assert_eq!(done.progress, 1000);
    assert!(done.lease_owner.is_none());
    assert!(!store.complete(id, "w2").await.unwrap(), "completes once");
}

async fn cancelling_a_queued_job_ends_it_and_a_running_one_is_asked_to_stop(store: &Store) {
    let queued = enqueue(store, "noop", 0).await;
    assert_eq!(
        store.cancel(queued).await.unwrap(),
        CancelOutcome::Cancelled
    );
    assert!(store.claim("w1", &[], LEASE).await.unwrap().is_none());

    let running = enqueue(store, "noop", 0).await;
    store.claim("w1", &[], LEASE).await.unwrap().unwrap();
    assert_eq!(
        store.cancel(running).await.unwrap(),
        CancelOutcome::Requested
    );
    assert_eq!(
        store
            .job(running)
            .await
            .unwrap()
            .unwrap()
            .job_state()
            .unwrap(),
        JobState::Running,
        "a running job ends when its worker stops it"
    );
    assert_eq!(
        store
            .heartbeat(running, "w1", LEASE, 10, None)
            .await
            .unwrap(),
        Heartbeat::Kept {
            cancel_requested: true
        }
    );
    assert!(store.confirm_cancelled(running, "w1").await.unwrap());
    assert_eq!(
        store.cancel(running).await.unwrap(),
        CancelOutcome::AlreadyFinished(JobState::Cancelled)
    );
    assert!(
        store.cancel(999_999).await.is_err(),
        "an unknown job is not found"
    );

    let retried = store.retry(queued).await.unwrap();
    assert_eq!(retried.job_state().unwrap(), JobState::Queued);
}

async fn an_expired_lease_is_taken_over_or_ends_the_job_when_nothing_is_left(store: &Store) {
    // A job asked to stop whose worker died ends cancelled rather than running again.
    let asked = enqueue(store, "noop", 0).await;
    store.claim("w1", &[], LEASE).await.unwrap().unwrap();
    store.cancel(asked).await.unwrap();
    // A job that used its last attempt when its worker died ends failed.
    let mut last = NewJob::new("noop", "{}");
    last.max_attempts = 1;
    let last = store.enqueue(last).await.unwrap().id;
    store.claim("w1", &[], LEASE).await.unwrap().unwrap();
    let later = Utc::now() + ChronoDuration::seconds(60);
    assert!(store
        .claim_at("w2", &[], LEASE, later)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .job(asked)
            .await
            .unwrap()
            .unwrap()
            .job_state()
            .unwrap(),
        JobState::Cancelled
    );
    let failed = store.job(last).await.unwrap().unwrap();
    assert_eq!(failed.job_state().unwrap(), JobState::Failed);
    assert!(failed.message.unwrap().contains("stopped answering"));
}

async fn a_released_job_is_queued_again_without_using_an_attempt(store: &Store) {
    let id = enqueue(store, "noop", 0).await;
    store.claim("w1", &[], LEASE).await.unwrap().unwrap();
    assert!(store.release(id, "w1").await.unwrap());
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!(job.job_state().unwrap(), JobState::Queued);
    assert_eq!(job.attempts, 0);
    store.append_log(id, "released by w1").await.unwrap();
    let again = store.claim("w2", &[], LEASE).await.unwrap().unwrap();
    assert_eq!(again.attempts, 1);
    let logs = store.job_logs(id).await.unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].line, "released by w1");
}
