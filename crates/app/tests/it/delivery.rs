//! Recording a QC run: the run, the re-opened "QC passed" milestone and the audit line are one
//! transaction, on both stores; clients cannot attach runs.

use crate::support::{actor, client, user};
use postflow_app::delivery::record_qc_run;
use postflow_app::{AppError, Context};
use postflow_core::access::Role;
use postflow_core::project::{Code, ProjectStatus};
use postflow_qc_model::QcReport;
use postflow_store::delivery::{Deliverable, DeliverableInput};
use postflow_store::studio::ProjectInput;
use postflow_store::Store;

backends!(
    a_recorded_run_reopens_the_milestone_and_is_audited_with_it,
    a_client_cannot_attach_a_run_and_nothing_is_written
);

/// A report as `postflow qc --json` prints it, of one file and no checks failed.
fn report(file: &str) -> QcReport {
    let json = serde_json::json!({
        "schema": "postflow.qc/1", "file": file, "status": "fail", "profiles": ["basic"],
        "summary": {"pass": 0, "fail": 0, "warn": 0, "manual": 0}, "loudness": {},
        "loudness_target": null, "events": [], "checks": [],
        "probe": {"container": "mov,mp4,m4a,3gp,3g2,mj2", "container_long": "QuickTime / MOV",
                  "video": [], "audio": [], "other": []},
        "audio": [], "video": null, "programme": {"start_s": 0.0, "end_s": 10.0, "frame_s": 0.04},
        "decode_errors": [], "postflow_version": "0.1.0", "elapsed_s": 1.0
    });
    serde_json::from_value(json).unwrap()
}

async fn deliverable(store: &Store) -> Deliverable {
    let client_id = client(store, "ACME").await;
    let p = store
        .create_project(ProjectInput {
            code: Code::parse("ACME-SPOT").unwrap(),
            name: "Spot".into(),
            client_id,
            status: ProjectStatus::Editorial,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    store
        .create_deliverable(DeliverableInput {
            project_id: p.id,
            name: "Web master".into(),
            profiles: vec!["basic".into()],
            layout: None,
        })
        .await
        .unwrap()
}

async fn passed(store: &Store, d: &Deliverable) -> bool {
    store.deliverables_of(d.project_id).await.unwrap()[0]
        .qc_passed_at
        .is_some()
}

async fn a_recorded_run_reopens_the_milestone_and_is_audited_with_it(store: &Store) {
    let ctx = Context::new(store.clone());
    let d = deliverable(store).await;
    let producer_user = user(store, "pat@studio.test", Role::Producer, None).await;
    let producer = actor(store, &producer_user).await;
    let first = record_qc_run(&ctx, &producer, "acme-spot", d.id, report("/m/v1.mov"))
        .await
        .unwrap();
    assert_eq!(first.code, "ACME-SPOT", "the stored code, for the link");
    assert_eq!(first.run.file_name, "v1.mov");
    assert_eq!(
        first.run.status, "pass",
        "recomputed from the checks, not the upload"
    );
    store
        .mark_qc_passed(
            d.id,
            first.run.id,
            producer_user.id,
            "QC passed".into(),
            |_, _, _| Ok(()),
        )
        .await
        .unwrap();
    assert!(passed(store, &d).await);

    let second = record_qc_run(&ctx, &producer, "ACME-SPOT", d.id, report("/m/v2.mov"))
        .await
        .unwrap();
    assert!(!passed(store, &d).await, "a new run re-opens the milestone");
    assert_eq!(
        store.latest_qc_run(d.id).await.unwrap().map(|r| r.id),
        Some(second.run.id)
    );
    let audit = store.recent_audit(10).await.unwrap();
    let qc_lines: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "qc")
        .map(|a| (a.user_id, a.entity_id, a.detail.as_str()))
        .collect();
    assert_eq!(
        qc_lines,
        vec![
            (
                Some(producer.user_id),
                Some(d.id),
                "QC pass for ACME-SPOT / Web master"
            );
            2
        ]
    );
}

async fn a_client_cannot_attach_a_run_and_nothing_is_written(store: &Store) {
    let ctx = Context::new(store.clone());
    let d = deliverable(store).await;
    let acme = store.list_clients(true).await.unwrap()[0].id;
    let client_user = actor(
        store,
        &user(store, "cc@acme.test", Role::Client, Some(acme)).await,
    )
    .await;
    let err = record_qc_run(&ctx, &client_user, "ACME-SPOT", d.id, report("/m/v1.mov"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(_) | AppError::NotFound(_)),
        "{err:?}"
    );
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let err = record_qc_run(&ctx, &producer, "ACME-SPOT", d.id + 99, report("/m/v1.mov"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    assert!(store.latest_qc_run(d.id).await.unwrap().is_none());
    assert!(store.recent_audit(10).await.unwrap().is_empty());
}
