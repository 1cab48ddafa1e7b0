//! `postflow qc … --server --token --deliverable`: the real binary QCs a real file and attaches
//! the result to a deliverable on a real server, where the QC-passed gate reads it.

use std::process::{Command, Output};

fn postflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn qc_result_is_attached_to_the_deliverable() {
    let tmp = tempfile::tempdir().unwrap();
    let master = tmp.path().join("spring_master.mp4");
    postflow_testkit::media::web_master(&master, 3, "high");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The real app on a seeded SQLite store, served on this runtime.
    let app = rt.block_on(postflow_testkit::server::spawn_app(
        postflow_testkit::server::Backend::Sqlite,
    ));
    let (store, base) = (app.store.clone(), app.base.clone());
    let project = rt
        .block_on(
            store.project_by_code(&postflow_core::project::Code::parse("ACME-SPRING").unwrap()),
        )
        .unwrap()
        .unwrap();
    let deliverable = rt
        .block_on(store.deliverables_of(project.id))
        .unwrap()
        .into_iter()
        .find(|d| d.profiles == "youtube")
        .unwrap();
    let editor = rt
        .block_on(store.user_by_email("editor@demo.postflow"))
        .unwrap()
        .unwrap();
    let token = "pft_qc_attach_test";
    rt.block_on(store.create_api_token(
        editor.id,
        "qc".into(),
        postflow_web::auth::sha256_hex(token),
    ))
    .unwrap();
    let target = format!("ACME-SPRING/{}", deliverable.id);
    let file = master.to_str().unwrap();

    // A malformed target is refused before any work, with an example.
    let o = postflow(&[
        "qc",
        file,
        "--profile",
        "youtube",
        "--server",
        &base,
        "--token",
        token,
        "--deliverable",
        "ACME-SPRING",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not PROJECT/ID, e.g. ACME-SPRING/3"));

    // A wrong token: the QC ran, nothing was attached, and the user is told both.
    let o = postflow(&[
        "qc",
        file,
        "--profile",
        "youtube",
        "--json",
        "--server",
        &base,
        "--token",
        "pft_wrong",
        "--deliverable",
        &target,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("was not attached") && err.contains("did not accept the token"),
        "{err}"
    );
    assert!(rt
        .block_on(store.qc_runs_of(deliverable.id))
        .unwrap()
        .is_empty());

    // The editor on the project attaches the run; the server records the verdict.
    let o = postflow(&[
        "qc",
        file,
        "--profile",
        "youtube",
        "--json",
        "--server",
        &base,
        "--token",
        token,
        "--deliverable",
        &target,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let printed: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("stdout stays the JSON report");
    assert_eq!(printed["status"], "pass");
    assert!(String::from_utf8_lossy(&o.stderr).contains("Attached as QC run"));
    let runs = rt.block_on(store.qc_runs_of(deliverable.id)).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, "pass");
    assert_eq!(runs[0].file_name, "spring_master.mp4");

    // Without --profile the run is evaluated against the deliverable's own profiles (it used
    // to be `basic`, which the QC-passed gate must not accept for a YouTube deliverable).
    let o = postflow(&[
        "qc",
        file,
        "--json",
        "--server",
        &base,
        "--token",
        token,
        "--deliverable",
        &target,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        printed["profiles"],
        serde_json::json!(["youtube"]),
        "{printed}"
    );
    let runs = rt.block_on(store.qc_runs_of(deliverable.id)).unwrap();
    let stored: serde_json::Value = serde_json::from_str(&runs[0].report_json).unwrap();
    assert_eq!(stored["profiles"], serde_json::json!(["youtube"]));
    assert!(
        stored["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "video.profile"),
        "YouTube's checks are in the stored run"
    );
    // Profiles asked for come first; the deliverable's are always added.
    let o = postflow(&[
        "qc",
        file,
        "--profile",
        "basic",
        "--json",
        "--server",
        &base,
        "--token",
        token,
        "--deliverable",
        &target,
    ]);
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        printed["profiles"],
        serde_json::json!(["basic", "youtube"]),
        "{printed}"
    );

    // A project the editor is not on does not exist for this token.
    let o = postflow(&[
        "qc",
        file,
        "--profile",
        "youtube",
        "--server",
        &base,
        "--token",
        token,
        "--deliverable",
        "LUMEN-NOVA/1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not found"));
}
