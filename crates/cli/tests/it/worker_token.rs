//! `postflow worker --server URL --token T` with a token the server refuses stops at once with
//! one sentence saying so and what to do, and exits non-zero — it does not keep polling.
use postflow_testkit::server::{create_token, signed_in, spawn_app, Backend};
use std::process::Command;

fn worker_with(base: &str, token: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(["worker", "--server", base, "--token", token])
        .args(["--drain", "--poll-ms", "10"])
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_token_the_server_refuses_stops_with_one_sentence() {
    let app = spawn_app(Backend::Sqlite).await;
    let base = app.base.clone();

    // Unknown (or revoked: the server cannot tell them apart) token.
    let b = base.clone();
    let out = tokio::task::spawn_blocking(move || worker_with(&b, "pf_not_a_token_at_all"))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let first = stderr.lines().next().unwrap_or("");
    assert!(
        first.contains("refused the token") && first.contains("create a new API token"),
        "{stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "one sentence, not a loop: {stderr}"
    );

    // A token whose user may not run the studio's machines.
    let artist = signed_in(&app, "editor@demo.postflow").await;
    let token = create_token(&app, &artist).await;
    let out = tokio::task::spawn_blocking(move || worker_with(&base, &token))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("refused the token") && stderr.contains("manage storage"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
