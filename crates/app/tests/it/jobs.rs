//! Jobs as people ask for them: who may queue, cancel, retry and list; every change audited in
//! its transaction; bad drafts refused field by field with nothing queued.

use crate::support::{actor, client, user};
use postflow_app::jobs::{self, JobDraft};
use postflow_app::{projects, AppError, Context};
use postflow_core::access::{Action, Role};
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::jobs::{Backoff, CancelOutcome, JobFilter, JobState};
use postflow_store::studio::ProjectInput;
use postflow_store::Store;
use std::time::Duration;

backends!(
    a_project_job_is_queued_by_its_producer_audited_and_hidden_from_outsiders,
    studio_wide_jobs_need_storage_rights_and_lists_show_only_what_one_may_see,
    cancel_and_retry_are_audited_and_refused_when_there_is_nothing_to_do,
);

async fn project(store: &Store, client_code: &str, code: &str) -> i64 {
    let client_id = client(store, client_code).await;
    store
        .create_project(ProjectInput {
            code: Code::parse(code).unwrap(),
            name: code.into(),
            client_id,
            status: ProjectStatus::Editorial,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap()
        .id
}

fn draft(project: Option<&str>) -> JobDraft {
    JobDraft {
        kind: "noop".into(),
        payload: r#"{"ms": 10}"#.into(),
        project_code: project.map(String::from),
        ..Default::default()
    }
}

async fn a_project_job_is_queued_by_its_producer_audited_and_hidden_from_outsiders(store: &Store) {
    let ctx = Context::new(store.clone());
    let project_id = project(store, "ACME", "ACME-SPOT").await;
    let other_client = client(store, "GLOBEX").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let outsider = actor(
        store,
        &user(store, "ed@studio.test", Role::Artist, None).await,
    )
    .await;
    let globex = actor(
        store,
        &user(store, "g@globex.test", Role::Client, Some(other_client)).await,
    )
    .await;

    let job = jobs::enqueue(&ctx, &producer, &draft(Some("ACME-SPOT")))
        .await
        .unwrap();
    assert_eq!(job.project_id, Some(project_id));
    assert_eq!(job.created_by, Some(producer.user_id));
    assert_eq!(job.max_attempts, 3);
    let audit = store.recent_audit(5).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].user_id, audit[0].detail.as_str()),
        (
            Some(producer.user_id),
            format!("queued noop job {} for ACME-SPOT", job.id).as_str()
        )
    );

    for stranger in [&outsider, &globex] {
        let err = jobs::enqueue(&ctx, stranger, &draft(Some("ACME-SPOT")))
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
        let err = jobs::cancel(&ctx, stranger, job.id).await.unwrap_err();
        assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
        let err = jobs::list(&ctx, stranger, Some("ACME-SPOT"), &[])
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    }
    let listed = jobs::list(&ctx, &producer, Some("ACME-SPOT"), &[JobState::Queued])
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![job.id]
    );

    // Bad drafts: every field named, nothing queued or audited.
    let bad = JobDraft {
        kind: "Make Proxy!".into(),
        payload: "[1, 2]".into(),
        project_code: Some("ACME-SPOT".into()),
        priority: 500,
        max_attempts: Some(0),
    };
    let Err(AppError::Invalid(fields)) = jobs::enqueue(&ctx, &producer, &bad).await else {
        panic!("a bad draft is refused");
    };
    for f in ["kind", "payload", "priority", "max_attempts"] {
        assert!(!fields.get(f).is_empty(), "{f} refused: {fields:?}");
    }
    let not_json = JobDraft {
        payload: "{ms: 10".into(),
        ..draft(None)
    };
    let Err(AppError::Invalid(fields)) = jobs::enqueue(&ctx, &producer, &not_json).await else {
        panic!("a payload that is not JSON is refused");
    };
    assert!(fields.get("payload").starts_with("not valid JSON"));
    assert_eq!(
        store.list_jobs(&JobFilter::default()).await.unwrap().len(),
        1
    );
    assert_eq!(store.recent_audit(5).await.unwrap().len(), 1);
}

async fn studio_wide_jobs_need_storage_rights_and_lists_show_only_what_one_may_see(store: &Store) {
    let ctx = Context::new(store.clone());
    project(store, "ACME", "ACME-SPOT").await;
    project(store, "INIT", "INIT-DOC").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let artist_user = user(store, "ed@studio.test", Role::Artist, None).await;
    projects::add_member(&ctx, &producer, "ACME-SPOT", &artist_user.id.to_string())
        .await
        .unwrap();
    let artist = actor(store, &artist_user).await;

    let err = jobs::enqueue(&ctx, &artist, &draft(None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(Action::ManageStorage)),
        "{err:?}"
    );
    let studio = jobs::enqueue(&ctx, &producer, &draft(None)).await.unwrap();
    assert_eq!(studio.project_id, None);
    let spot = jobs::enqueue(&ctx, &producer, &draft(Some("ACME-SPOT")))
        .await
        .unwrap();
    let doc = jobs::enqueue(&ctx, &producer, &draft(Some("INIT-DOC")))
        .await
        .unwrap();

    let ids = |v: Vec<postflow_store::jobs::Job>| v.into_iter().map(|j| j.id).collect::<Vec<_>>();
    assert_eq!(
        ids(jobs::list(&ctx, &producer, None, &[]).await.unwrap()),
        vec![doc.id, spot.id, studio.id]
    );
    assert_eq!(
        ids(jobs::list(&ctx, &artist, None, &[]).await.unwrap()),
        vec![spot.id],
        "an artist sees only the jobs of their projects"
    );
}

async fn cancel_and_retry_are_audited_and_refused_when_there_is_nothing_to_do(store: &Store) {
    let ctx = Context::new(store.clone());
    project(store, "ACME", "ACME-SPOT").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let queued = jobs::enqueue(&ctx, &producer, &draft(Some("ACME-SPOT")))
        .await
        .unwrap();
    assert_eq!(
        jobs::cancel(&ctx, &producer, queued.id).await.unwrap(),
        CancelOutcome::Cancelled
    );
    let err = jobs::cancel(&ctx, &producer, queued.id).await.unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    let again = jobs::retry(&ctx, &producer, queued.id).await.unwrap();
    assert_eq!(again.job_state().unwrap(), JobState::Queued);
    let err = jobs::retry(&ctx, &producer, queued.id).await.unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(_)),
        "a queued job is not retried: {err:?}"
    );

    // Running: the cancel is a request the worker sees on its heartbeat.
    let lease = Duration::from_secs(30);
    store.claim("w1", &[], lease).await.unwrap().unwrap();
    assert_eq!(
        jobs::cancel(&ctx, &producer, queued.id).await.unwrap(),
        CancelOutcome::Requested
    );
    assert!(store.confirm_cancelled(queued.id, "w1").await.unwrap());

    // Failed for good, then retried with fresh attempts.
    let mut one_try = draft(Some("ACME-SPOT"));
    one_try.max_attempts = Some(1);
    let failing = jobs::enqueue(&ctx, &producer, &one_try).await.unwrap();
    store.claim("w1", &[], lease).await.unwrap().unwrap();
    store
        .fail(failing.id, "w1", "boom", Backoff::default())
        .await
        .unwrap();
    let retried = jobs::retry(&ctx, &producer, failing.id).await.unwrap();
    assert_eq!(retried.attempts, 0);
    let err = jobs::cancel(&ctx, &producer, 999_999).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");

    let details: Vec<String> = store
        .recent_audit(10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.detail)
        .collect();
    let (q, f) = (queued.id, failing.id);
    assert_eq!(
        details,
        vec![
            format!("queued noop job {f} again"),
            format!("queued noop job {f} for ACME-SPOT"),
            format!("asked the worker to stop noop job {q}"),
            format!("queued noop job {q} again"),
            format!("cancelled noop job {q}"),
            format!("queued noop job {q} for ACME-SPOT"),
        ]
    );
}
