//! The OpenAPI document against the running API: schemathesis (from PyPI) generates requests
//! from every documented operation — valid and invalid bodies, paths and queries — as an admin,
//! and the API must never answer with a server error (5xx) nor with a response its own document
//! does not allow (status codes, content types, schema conformance). Deterministic per seed.

use crate::common::*;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_survives_schemathesis_without_a_server_error() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = signed_in(&app, "admin@demo.postflow").await;
    let token = create_token(&app, &admin).await;
    let st = postflow_testkit::python::venv_python("schemathesis", &["schemathesis"])
        .with_file_name("st");
    let schema = format!("{}/api/v1/openapi.json", app.base);
    let args = vec![
        "run".to_string(),
        schema,
        "--url".into(),
        app.base.clone(),
        "--checks".into(),
        "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance".into(),
        "--header".into(),
        format!("Authorization: Bearer {token}"),
        "--max-examples".into(),
        "25".into(),
        "--seed".into(),
        "1".into(),
        "--request-timeout".into(),
        "20".into(),
        "--phases".into(),
        "examples,coverage,fuzzing".into(),
        // Revoking the token under test would end the run early.
        "--exclude-path-regex".into(),
        "tokens".into(),
    ];
    // schemathesis keeps a cache folder where it runs: a temporary one, not the source tree.
    let cwd = tempfile::tempdir().unwrap();
    let dir = cwd.path().to_path_buf();
    let out =
        tokio::task::spawn_blocking(move || Command::new(st).args(&args).current_dir(dir).output())
            .await
            .unwrap()
            .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
