//! `postflow worker --server URL --token T`: a worker that never opens the database claims,
//! heartbeats and reports through a spawned postflow server's worker API. A proxy job runs to
//! completion (file in place, relink line on the job's project with the catalog's view), a
//! corrupt source fails for good with its sentence, and a token whose user may not manage
//! storage is refused by the server.
use postflow_store::jobs::{JobState, NewJob};
use postflow_testkit::media::ffmpeg;
use postflow_testkit::server::{create_token, signed_in, spawn_app, Backend};
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_through_the_api_runs_a_proxy_job_to_completion() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = signed_in(&app, "producer@demo.postflow").await;
    let token = create_token(&app, &c).await;
    let project = app
        .store
        .project_by_code(&postflow_core::project::Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("W001C001.mov");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=25:duration=2",
        "-c:v",
        "ffv1",
        "-timecode",
        "02:00:00:00",
        "-metadata:s:v:0",
        "reel_name=W001",
        src.to_str().unwrap(),
    ]);
    let bad = dir.path().join("W002C001.mov");
    std::fs::write(&bad, b"not a movie at all").unwrap();
    let dest = dir.path().join("proxies");
    let enqueue = |source: &std::path::Path| {
        let mut job = NewJob::new(
            "proxy",
            serde_json::json!({"source": source, "dest_dir": dest, "codec": "h264"}).to_string(),
        );
        job.project_id = Some(project.id);
        job.max_attempts = 1;
        job
    };
    let good_job = app.store.enqueue(enqueue(&src)).await.unwrap().id;
    let bad_job = app.store.enqueue(enqueue(&bad)).await.unwrap().id;

    let base = app.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_postflow"))
            .args(["worker", "--server", &base, "--token", &token])
            .args(["--drain", "--kinds", "proxy", "--lease-secs", "10"])
            // No store: a database the worker could fall back on does not exist.
            .args(["--data-dir", "/nonexistent/postflow-data"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!std::path::Path::new("/nonexistent/postflow-data").exists());

    let job = app.store.job(good_job).await.unwrap().unwrap();
    assert_eq!(job.job_state().unwrap(), JobState::Succeeded, "{job:?}");
    assert_eq!(job.progress, 1000);
    let proxy = dest.join("W001C001.mov");
    assert!(proxy.is_file());
    let logs = app.store.job_logs(good_job).await.unwrap();
    assert!(
        logs.iter().any(|l| l.line.starts_with("wrote ")),
        "{logs:?}"
    );
    let relinks = app.store.relinks(Some(project.id)).await.unwrap();
    assert_eq!(relinks.len(), 1, "{relinks:?}");
    assert_eq!(relinks[0].job_id, Some(good_job));
    assert_eq!(relinks[0].reel.as_deref(), Some("W001"));
    assert_eq!(relinks[0].start_timecode.as_deref(), Some("02:00:00:00"));

    let failed = app.store.job(bad_job).await.unwrap().unwrap();
    assert_eq!(failed.job_state().unwrap(), JobState::Failed, "{failed:?}");
    assert!(
        failed
            .message
            .as_deref()
            .unwrap_or("")
            .contains("W002C001.mov"),
        "{failed:?}"
    );
    assert!(!dest.join("W002C001.mov").exists());

    // An artist's token may not run the studio's machines: the claim is refused.
    let artist = signed_in(&app, "editor@demo.postflow").await;
    let artist_token = create_token(&app, &artist).await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/worker/claim", app.base))
        .bearer_auth(&artist_token)
        .json(&serde_json::json!({"worker": "w", "kinds": ["proxy"], "lease_secs": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
}
