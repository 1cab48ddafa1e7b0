//! Media pages and API over HTTP: volumes, a project's files and copies, search, 3-2-1 status,
//! and who may see which project's media. On SQLite and on a real PostgreSQL.

use crate::common::*;
use postflow_core::integrity::{CopyState, VolumeLabel};
use postflow_store::catalog::*;
use reqwest::StatusCode;

async fn get(c: &reqwest::Client, url: String) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

fn record(project: &str, card: &str, volumes: &[&str]) -> CatalogRecord {
    let at = chrono::Utc::now();
    let label = |v: &str| VolumeLabel::parse(v).unwrap();
    CatalogRecord {
        kind: EventKind::Ingest,
        project: Some(project.into()),
        source: format!("/cards/{card}"),
        at,
        volumes: volumes
            .iter()
            .map(|v| VolumeRef {
                label: label(v),
                path: format!("/mnt/{v}"),
            })
            .collect(),
        files: ["C001.mov", "C002.mov"]
            .iter()
            .map(|n| RecordedFile {
                path: format!("{card}/Clips/{card}{n}"),
                size: Some(2_000_000),
                modified: Some(at),
                checksums: [("xxh64".to_string(), format!("{card}{n}"))].into(),
                original_path: (*n == "C002.mov").then(|| format!("{card}/Clips/clip two.mov")),
                copies: volumes
                    .iter()
                    .map(|v| RecordedCopy {
                        volume: label(v),
                        path_on_volume: format!("/mnt/{v}/{card}/Clips/{card}{n}"),
                        state: CopyState::Verified,
                        verified_at: Some(at),
                    })
                    .collect(),
            })
            .collect(),
        complete: true,
        report: serde_json::json!({}),
    }
}

async fn token_of(app: &TestApp, email: &str) -> String {
    let u = app.store.user_by_email(email).await.unwrap().unwrap();
    let token = format!("pft_test_{}", u.id);
    app.store
        .create_api_token(u.id, "test".into(), postflow_web::auth::sha256_hex(&token))
        .await
        .unwrap();
    token
}

async fn media_flow(app: TestApp) {
    use postflow_core::integrity::{MediaType, Site, VolumeKind};
    // ACME-SPRING: two on-site drives plus an off-site LTO → compliant.
    // NB-HARBOUR: two on-site drives only → not compliant.
    app.store
        .upsert_volume(VolumeInput {
            label: VolumeLabel::parse("LTO-000123").unwrap(),
            kind: VolumeKind::Lto,
            media: MediaType::parse("lto").unwrap(),
            site: Site::Offsite,
            capacity_bytes: Some(18_000_000_000_000),
            notes: None,
        })
        .await
        .unwrap();
    app.store
        .record_catalog(
            None,
            "seed",
            &record("ACME-SPRING", "A001", &["RAID-1", "RAID-2", "LTO-000123"]),
        )
        .await
        .unwrap();
    app.store
        .record_catalog(
            None,
            "seed",
            &record("NB-HARBOUR", "B007", &["RAID-1", "RAID-2"]),
        )
        .await
        .unwrap();

    // The producer sees volumes, every project's 3-2-1 status and can search.
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let (st, html) = get(&producer, format!("{}/media", app.base)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(!html.contains("coming in a later release"));
    assert!(
        html.contains("LTO-000123") && html.contains("off-site"),
        "{html}"
    );
    assert!(html.contains(r#"<span class="rule ok" data-code="ACME-SPRING">3-2-1 met</span>"#));
    assert!(html.contains(r#"<span class="rule bad" data-code="NB-HARBOUR">3-2-1 not met</span>"#));
    let (_, html) = get(&producer, format!("{}/media?q=b007c002", app.base)).await;
    assert!(html.contains("B007/Clips/B007C002.mov"), "{html}");
    assert!(!html.contains("A001/Clips/A001C001.mov"));

    // A project's media page, linked from the project page, with the failing files and why.
    let (_, project_page) = get(&producer, format!("{}/projects/NB-HARBOUR", app.base)).await;
    assert!(project_page.contains(r#"href="/projects/NB-HARBOUR/media""#));
    let (st, html) = get(&producer, format!("{}/projects/NB-HARBOUR/media", app.base)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains(r#"id="rule-status">3-2-1 not met"#));
    assert!(html.contains("2 verified copies, needs 3"));
    assert!(html.contains("no verified off-site copy"));
    assert_eq!(html.matches(r#"class="failing-row""#).count(), 2);
    assert!(html.contains(r#"<span class="badge verified">verified</span>"#));
    assert!(html.contains("was B007/Clips/clip two.mov"), "{html}");

    // The client of Acme sees their project's status, not Northbridge's, on pages and API.
    let client = signed_in(&app, "client@acme.example").await;
    let (st, html) = get(&client, format!("{}/projects/ACME-SPRING/media", app.base)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains(r#"id="rule-status">3-2-1 met"#));
    assert!(!html.contains("Ingests and verifications"));
    assert_eq!(
        get(&client, format!("{}/projects/NB-HARBOUR/media", app.base))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&client, format!("{}/media", app.base)).await.0,
        StatusCode::FORBIDDEN
    );
    // An artist sees only assigned projects (the mixer is on NB-HARBOUR, not ACME-SPRING).
    let mixer = signed_in(&app, "mixer@demo.postflow").await;
    assert_eq!(
        get(&mixer, format!("{}/projects/ACME-SPRING/media", app.base))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, html) = get(&mixer, format!("{}/media?q=C001", app.base)).await;
    assert!(html.contains("B007/Clips/B007C001.mov"));
    assert!(
        !html.contains("A001/Clips/A001C001.mov"),
        "artist search leaks other projects"
    );
    assert!(!html.contains(r#"data-code="ACME-SPRING""#));

    // JSON API.
    let api = client_api();
    let ptoken = token_of(&app, "producer@demo.postflow").await;
    let ctoken = token_of(&app, "client@acme.example").await;
    let vols: serde_json::Value = api
        .get(format!("{}/api/v1/volumes", app.base))
        .bearer_auth(&ptoken)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lto = vols
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["label"] == "LTO-000123")
        .unwrap();
    assert_eq!(lto["location"], "offsite");
    assert_eq!(lto["files_held"], 2);
    let media: serde_json::Value = api
        .get(format!("{}/api/v1/projects/ACME-SPRING/media", app.base))
        .bearer_auth(&ctoken)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(media["status"]["standing"], "compliant");
    assert_eq!(media["files"][0]["copies"].as_array().unwrap().len(), 3);
    assert!(media["files"][0]["original_path"].is_null());
    assert!(media["files"][1]["original_path"]
        .as_str()
        .is_some_and(|o| o.ends_with("/Clips/clip two.mov")));
    // Where a copy sits on the studio's storage is internal: hidden from clients.
    assert!(media["files"][0]["copies"][0]["path_on_volume"].is_null());
    let staff_view: serde_json::Value = api
        .get(format!("{}/api/v1/projects/ACME-SPRING/media", app.base))
        .bearer_auth(&ptoken)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(staff_view["files"][0]["copies"][0]["path_on_volume"]
        .as_str()
        .unwrap()
        .starts_with("/mnt/"));
    let r = api
        .get(format!("{}/api/v1/projects/NB-HARBOUR/media", app.base))
        .bearer_auth(&ctoken)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Recording needs a producer or admin token.
    let body = serde_json::to_value(record("ACME-BRAND", "C003", &["RAID-1"])).unwrap();
    let r = api
        .post(format!("{}/api/v1/catalog/records", app.base))
        .bearer_auth(&ctoken)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = api
        .post(format!("{}/api/v1/catalog/records", app.base))
        .bearer_auth(&ptoken)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let out: serde_json::Value = r.json().await.unwrap();
    assert_eq!(out["verified_copies"], 2);
    // A malformed record is refused with a sentence, not a crash.
    let r = api
        .post(format!("{}/api/v1/catalog/records", app.base))
        .bearer_auth(&ptoken)
        .json(&serde_json::json!({"kind": "ingest", "files": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("catalog record could not be read"));
    let spec: serde_json::Value = api
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in [
        "/api/v1/volumes",
        "/api/v1/projects/{code}/media",
        "/api/v1/catalog/records",
    ] {
        assert!(spec["paths"][p].is_object(), "{p} missing from OpenAPI");
    }
}

fn client_api() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn media_on_sqlite() {
    media_flow(spawn_app(Backend::Sqlite).await).await;
}

#[tokio::test]
async fn media_on_postgresql() {
    media_flow(spawn_app(Backend::Postgres).await).await;
}
