//! `delivery_encode` jobs run by a real `postflow worker --drain` over a SQLite store: a clean
//! source encoded for a YouTube deliverable passes QC and the run is attached; a source with
//! four seconds of black in the programme is encoded, fails QC, the failed run is attached,
//! the deliverable stays open with the reason and the job fails naming the check.
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::delivery::DeliverableInput;
use postflow_store::jobs::{JobState, NewJob};
use postflow_store::studio::{ClientInput, ProjectInput};
use postflow_testkit::media::ffmpeg;
use std::path::Path;
use std::process::Command;

fn source(path: &Path, black_from_s: Option<u32>) {
    let mut vf = String::from("null");
    if let Some(s) = black_from_s {
        vf = format!(
            "drawbox=color=black:t=fill:enable='gte(t,{s})*lt(t,{})'",
            s + 4
        );
    }
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=25:duration=10",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000:duration=10",
        "-vf",
        &vf,
        "-af",
        "volume=-8dB,pan=stereo|c0=c0|c1=c0",
        "-c:v",
        "ffv1",
        "-c:a",
        "pcm_s24le",
        "-timecode",
        "00:59:50:00",
        path.to_str().unwrap(),
    ]);
}

#[test]
fn a_delivery_encode_attaches_its_qc_run_and_a_failed_one_keeps_the_deliverable_open() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(postflow_testkit::store::sqlite());
    let store = t.store.clone();
    let postflow_store::Location::SqliteDir(data) = &t.location else {
        unreachable!()
    };
    let (project, deliverable) = rt.block_on(async {
        let client = store
            .create_client(ClientInput {
                code: Code::parse("DELIV").unwrap(),
                name: "Deliv".into(),
                contact_email: None,
            })
            .await
            .unwrap();
        let p = store
            .create_project(ProjectInput {
                code: Code::parse("DEL-01").unwrap(),
                name: "Delivery".into(),
                client_id: client.id,
                status: ProjectStatus::Editorial,
                start_date: None,
                due_date: None,
            })
            .await
            .unwrap();
        let d = store
            .create_deliverable(DeliverableInput {
                project_id: p.id,
                name: "YouTube master".into(),
                profiles: vec!["youtube".into()],
                layout: Some("stereo".into()),
            })
            .await
            .unwrap();
        (p, d)
    });
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("SPOT_v3.mov");
    let bad = dir.path().join("SPOT_v2.mov");
    source(&good, None);
    source(&bad, Some(3));
    let dest = dir.path().join("out");
    let enqueue = |src: &Path| {
        let mut job = NewJob::new(
            "delivery_encode",
            serde_json::json!({"source": src, "deliverable_id": deliverable.id, "dest_dir": dest})
                .to_string(),
        );
        job.project_id = Some(project.id);
        job.max_attempts = 1;
        rt.block_on(store.enqueue(job)).unwrap().id
    };
    let bad_job = enqueue(&bad);
    let good_job = enqueue(&good);
    let out = Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(["worker", "--data-dir"])
        .arg(data)
        .args(["--drain", "--kinds", "delivery_encode", "--poll-ms", "50"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let failed = rt.block_on(store.job(bad_job)).unwrap().unwrap();
    assert_eq!(failed.job_state().unwrap(), JobState::Failed, "{failed:?}");
    let message = failed.message.clone().unwrap_or_default();
    assert!(
        message.contains("failed QC") && message.contains("black"),
        "{message}"
    );
    let mut runs = rt.block_on(store.qc_runs_of(deliverable.id)).unwrap();
    runs.sort_by_key(|r| r.id);
    assert_eq!(runs.len(), 2, "both runs attached: {runs:?}");
    assert!(
        dest.join("SPOT_v2_youtube.mp4").is_file(),
        "the failed encode is kept for review"
    );

    let done = rt.block_on(store.job(good_job)).unwrap().unwrap();
    assert_eq!(done.job_state().unwrap(), JobState::Succeeded, "{done:?}");
    let encoded = dest.join("SPOT_v3_youtube.mp4");
    assert!(encoded.is_file());
    // The runs, oldest first: the failed one, then the passing one (the latest).
    let statuses: Vec<&str> = runs.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, vec!["fail", "pass"], "{runs:?}");

    // The failed run, had it been the latest, leaves the gate shut with its reason; the
    // deliverable is not marked passed by the job.
    let d = rt
        .block_on(store.deliverable_in(project.id, deliverable.id))
        .unwrap()
        .unwrap();
    assert!(d.qc_passed_at.is_none());
    let failed_report = postflow_qc_model_report(&runs[0].report_json);
    assert!(
        failed_report.contains("black"),
        "the failed run names the black"
    );
}

fn postflow_qc_model_report(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["id"].as_str().unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join(",")
}
