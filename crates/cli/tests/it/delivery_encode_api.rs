//! Delivery encodes on a `postflow worker --server URL --token T` (no database): the worker
//! fetches the deliverable's profiles through the worker API, encodes with the first profile's
//! `[encode]` settings — here EBU R 128: ProRes 422 HQ 1080p25, 24-bit PCM, loudness normalised
//! to -23 LUFS in two `loudnorm` passes — runs QC (our own meter measures the loudness again)
//! and attaches the run through the API. A master whose tone is 14 LU too quiet comes out
//! within ±0.5 LU of the target and passes; one with black in the programme is encoded, its
//! failed run is attached and the deliverable stays open with the reason.
use postflow_store::delivery::DeliverableInput;
use postflow_store::jobs::{JobState, NewJob};
use postflow_testkit::media::tone_master;
use postflow_testkit::server::{create_token, signed_in, spawn_app, Backend};
use std::path::Path;
use std::process::Command;

fn integrated_lufs(file: &Path) -> f64 {
    let basic = postflow_qc::profile::ProfileSet::builtin()
        .get("basic")
        .unwrap()
        .clone();
    let report =
        postflow_qc::run_qc(file, &postflow_qc::QcOptions::new(vec![basic]), &mut |_| {}).unwrap();
    report.loudness.integrated_lufs.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_worker_encodes_to_the_profiles_loudness_and_attaches_the_qc_run() {
    let app = spawn_app(Backend::Sqlite).await;
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let token = create_token(&app, &producer).await;
    let project = app
        .store
        .project_by_code(&postflow_core::project::Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    let deliverable = app
        .store
        .create_deliverable(DeliverableInput {
            project_id: project.id,
            name: "Broadcast master".into(),
            profiles: vec!["ebu-r128".into()],
            layout: Some("stereo".into()),
        })
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("SPOT_v3.mov");
    let black = dir.path().join("SPOT_v2.mov");
    tone_master(&quiet, 10, -16.0, None);
    tone_master(&black, 10, -16.0, Some(3));
    let before = integrated_lufs(&quiet);
    assert!(before < -30.0, "the fixture is off target: {before}");
    let dest = dir.path().join("out");
    let enqueue = |src: &Path| {
        let mut job = NewJob::new(
            "delivery_encode",
            serde_json::json!({"source": src, "deliverable_id": deliverable.id, "dest_dir": dest})
                .to_string(),
        );
        job.project_id = Some(project.id);
        job.max_attempts = 1;
        job
    };
    let bad_job = app.store.enqueue(enqueue(&black)).await.unwrap().id;
    let good_job = app.store.enqueue(enqueue(&quiet)).await.unwrap().id;

    let base = app.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_postflow"))
            .args(["worker", "--server", &base, "--token", &token])
            .args(["--drain", "--kinds", "delivery_encode", "--poll-ms", "50"])
            .args(["--data-dir", "/nonexistent/postflow-data"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");

    let done = app.store.job(good_job).await.unwrap().unwrap();
    let logs = app.store.job_logs(good_job).await.unwrap();
    assert_eq!(
        done.job_state().unwrap(),
        JobState::Succeeded,
        "{done:?} {logs:?} {stderr}"
    );
    assert!(
        logs.iter()
            .any(|l| l.line.starts_with("loudness measured: ")),
        "{logs:?}"
    );
    let encoded = dest.join("SPOT_v3_ebu-r128.mov");
    let after = integrated_lufs(&encoded);
    assert!(
        (after - -23.0).abs() <= 0.5,
        "delivered at {after:.2} LUFS (source {before:.2})"
    );
    let probe =
        postflow_qc::probe::probe_file(&encoded, std::time::Duration::from_secs(30)).unwrap();
    let v = &probe.video[0];
    assert_eq!(
        (v.width, v.height, v.codec.as_str()),
        (1920, 1080, "prores"),
        "{v:?}"
    );

    let failed = app.store.job(bad_job).await.unwrap().unwrap();
    assert_eq!(failed.job_state().unwrap(), JobState::Failed, "{failed:?}");
    let message = failed.message.clone().unwrap_or_default();
    assert!(
        message.contains("failed QC") && message.contains("black"),
        "{message}"
    );

    let mut runs = app.store.qc_runs_of(deliverable.id).await.unwrap();
    runs.sort_by_key(|r| r.id);
    let statuses: Vec<&str> = runs.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(
        statuses,
        vec!["fail", "pass"],
        "both runs attached: {runs:?}"
    );
    let d = app
        .store
        .deliverable_in(project.id, deliverable.id)
        .await
        .unwrap()
        .unwrap();
    assert!(d.qc_passed_at.is_none(), "the job never marks it passed");
}
