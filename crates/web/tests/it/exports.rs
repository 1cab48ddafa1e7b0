//! CSV exports on both stores, read back with Python's `csv` module (RFC 4180 dialect): the
//! projects list with its filters, a plan's tasks, bookings, QC runs and a project's catalog —
//! and a client's exports hold only what the client may see.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::Value;

postflow_testkit::app_backends!(exports_follow_the_filters_and_the_permissions);

/// Parses CSV with Python's csv module; every record as a list of fields.
fn parse(text: &str) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.csv");
    std::fs::write(&file, text).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import csv,json,sys; r=list(csv.reader(open(sys.argv[1], newline=''), strict=True)); print(json.dumps(r))",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

async fn get(c: &reqwest::Client, url: String) -> (StatusCode, String, String) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, r.text().await.unwrap())
}

async fn exports_follow_the_filters_and_the_permissions(app: TestApp) {
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let (status, kind, text) = get(&producer, format!("{}/projects.csv", app.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(text.ends_with("\r\n") && text.lines().all(|_| true));
    let all = parse(&text);
    assert_eq!(
        all[0],
        ["code", "name", "client", "status", "start", "due", "archived"]
    );
    assert!(all.len() > 2, "{all:?}");
    // The page's filter, applied to the export.
    let (_, _, text) = get(&producer, format!("{}/projects.csv?q=ACME", app.base)).await;
    let acme = parse(&text);
    assert!(acme.len() >= 2 && acme.len() < all.len());
    assert!(acme[1..].iter().all(|r| r[0].contains("ACME")
        || r[1].to_lowercase().contains("acme")
        || r[2].to_lowercase().contains("acme")));

    let (status, _, text) = get(
        &producer,
        format!("{}/projects/ACME-SPRING/plan/tasks.csv", app.base),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let tasks = parse(&text);
    assert_eq!(tasks[0][0], "key");
    let view = {
        let ctx = postflow_app::Context::new(app.store.clone());
        let u = app
            .store
            .user_by_email("producer@demo.postflow")
            .await
            .unwrap()
            .unwrap();
        let actor = postflow_app::access::actor_for(&ctx, &u).await.unwrap();
        postflow_app::plan::view(&ctx, &actor, "ACME-SPRING", chrono::Utc::now().date_naive())
            .await
            .unwrap()
    };
    assert_eq!(tasks.len() - 1, view.tasks.len());
    assert!(tasks.iter().all(|r| r.len() == 14));

    let (status, _, text) = get(
        &producer,
        format!("{}/bookings.csv?project=ACME-SPRING", app.base),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let bookings = parse(&text);
    assert_eq!(bookings[0][0], "id");
    assert!(bookings[1..].iter().all(|r| r[2] == "ACME-SPRING"));
    let (status, _, _) = get(
        &producer,
        format!("{}/bookings.csv?from=yesterday", app.base),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a bad filter is refused, not ignored"
    );

    let (status, _, text) = get(&producer, format!("{}/qc.csv", app.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        parse(&text)[0],
        ["project", "deliverable", "latest_qc", "qc_passed_at"]
    );
    let (status, _, text) = get(
        &producer,
        format!("{}/projects/ACME-SPRING/media.csv", app.base),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(parse(&text)[0].contains(&"volumes".to_string()));

    // A client: only their own projects; no plan, bookings or QC list; no studio paths.
    let client = signed_in(&app, "client@acme.example").await;
    let (_, _, text) = get(&client, format!("{}/projects.csv", app.base)).await;
    let mine = parse(&text);
    assert!(
        mine[1..].iter().all(|r| r[0].starts_with("ACME")),
        "{mine:?}"
    );
    for path in [
        "/projects/ACME-SPRING/plan/tasks.csv",
        "/bookings.csv",
        "/qc.csv",
        "/projects/NB-HARBOUR/media.csv",
    ] {
        let (status, _, _) = get(&client, format!("{}{path}", app.base)).await;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
    }
    let (status, _, text) = get(
        &client,
        format!("{}/projects/ACME-SPRING/media.csv", app.base),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let header = &parse(&text)[0];
    assert!(
        !header.contains(&"path".to_string()) && !header.contains(&"volumes".to_string()),
        "{header:?}"
    );
}
