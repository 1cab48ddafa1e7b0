//! Channels and search over the API and pages, on both stores: posting, a reply, a mention of
//! nobody refused by name, an attachment of another project refused, edit with history, a
//! decision and a task made from a message, ranked search hits with `<mark>`, and a client who
//! can read neither the internal channel (API nor page) nor find its messages.

use crate::common::*;
use postflow_core::integrity::{CopyState, VolumeLabel};
use postflow_store::catalog::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

postflow_testkit::app_backends!(channels_over_the_api);

/// One catalogued file of `project` (a card with one clip on one drive).
async fn catalogue(app: &TestApp, project: &str, card: &str) -> i64 {
    let at = chrono::Utc::now();
    let rec = CatalogRecord {
        kind: EventKind::Ingest,
        project: Some(project.into()),
        source: format!("/cards/{card}"),
        at,
        volumes: vec![VolumeRef {
            label: VolumeLabel::parse("RAID-1").unwrap(),
            path: "/mnt/RAID-1".into(),
        }],
        files: vec![RecordedFile {
            path: format!("{card}/Clips/{card}C001.mov"),
            size: Some(1_000),
            modified: Some(at),
            checksums: [("xxh64".to_string(), format!("{card}01"))].into(),
            original_path: None,
            copies: vec![RecordedCopy {
                volume: VolumeLabel::parse("RAID-1").unwrap(),
                path_on_volume: format!("/mnt/RAID-1/{card}/Clips/{card}C001.mov"),
                state: CopyState::Verified,
                verified_at: Some(at),
            }],
        }],
        complete: true,
        report: json!({}),
    };
    app.store.record_catalog(None, "seed", &rec).await.unwrap();
    let p = app
        .store
        .list_projects(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.code == project)
        .unwrap();
    app.store.project_media(p.id).await.unwrap()[0].file.id
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

struct Api<'a> {
    app: &'a TestApp,
    c: reqwest::Client,
    token: String,
}

impl Api<'_> {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self
            .c
            .request(method, format!("{}/api/v1{path}", self.app.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }
}

async fn channels_over_the_api(app: TestApp) {
    let ours = catalogue(&app, "ACME-SPRING", "A001").await;
    let theirs = catalogue(&app, "NB-HARBOUR", "B007").await;
    let api = |email: &'static str| {
        let app = &app;
        async move {
            Api {
                app,
                c: client(),
                token: token_of(app, email).await,
            }
        }
    };
    let producer = api("producer@demo.postflow").await;
    let client_api = api("client@acme.example").await;
    let msgs = "/projects/ACME-SPRING/messages";

    // Post with a mention and an attachment of the project.
    let (st, m) = producer
        .post(
            &format!("{msgs}?channel=internal"),
            json!({"body": "@admin the harbour grade of reel 3 is approved", "attachments": [ours]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    let mid = m["id"].as_i64().unwrap();
    assert_eq!(m["channel"], "internal");
    assert_eq!(m["attachments"], json!([ours]));
    assert_eq!(m["mentions"], json!(["Alex Admin"]));

    // A reply sits under its parent.
    let (st, r) = producer
        .post(
            msgs,
            json!({"body": "Graded warmer, as discussed.", "reply_to": mid}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    assert_eq!(r["reply_to"], mid);

    // A mention of nobody is refused by name, in the API error format; nothing saved.
    let (st, e) = producer
        .post(msgs, json!({"body": "ask @nobody-here about the harbour"}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("@nobody-here"),
        "{e}"
    );
    assert!(e["code"].is_string() && e["message"].is_string(), "{e}");
    // An attachment of another project is refused, naming the file.
    let (st, e) = producer
        .post(
            msgs,
            json!({"body": "see attached", "attachments": [theirs]}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["fields"]["attachments"]
            .as_str()
            .unwrap()
            .contains(&theirs.to_string()),
        "{e}"
    );
    // A channel that does not exist.
    let (st, e) = producer.get(&format!("{msgs}?channel=secret")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    let (st, list) = producer.get(msgs).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "the refused posts left nothing: {list}"
    );

    // Edit keeps the earlier body; only the author may edit.
    let (st, ed) = producer
        .patch(
            &format!("/messages/{mid}"),
            json!({"body": "@admin the harbour grade of reel 3 is approved, warmer"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{ed}");
    assert!(ed["edited_at"].is_string() && ed["edits"] == 1, "{ed}");

    // Decision and task (staff).
    let (st, d) = producer
        .post(
            &format!("/messages/{mid}/decision"),
            json!({"text": "Harbour grade final, warmer look"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    assert_eq!(d["project_code"], "ACME-SPRING");
    let (st, t) = producer
        .post(&format!("/messages/{mid}/task"), json!({}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    assert!(t["task_id"].as_i64().unwrap() > 0);

    // The client: the client channel yes, the internal one never (API and page).
    let (st, _) = client_api.get(&format!("{msgs}?channel=internal")).await;
    assert!(
        matches!(st, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{st}"
    );
    let (st, _) = client_api
        .post(
            &format!("{msgs}?channel=internal"),
            json!({"body": "let me in"}),
        )
        .await;
    assert!(
        matches!(st, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{st}"
    );
    let (st, _) = client_api.get(&format!("/messages/{mid}/decision")).await;
    assert!(st.is_client_error(), "{st}");
    let (st, e) = client_api
        .patch(&format!("/messages/{mid}"), json!({"body": "mine now"}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{e}");
    let (st, cm) = client_api
        .post(
            &format!("{msgs}?channel=client"),
            json!({"body": "Is the harbour grade final? @producer"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{cm}");
    let (st, list) = client_api.get(&format!("{msgs}?channel=client")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let browser = signed_in(&app, "client@acme.example").await;
    let page = browser
        .get(format!("{}/projects/ACME-SPRING/channel", app.base))
        .send()
        .await
        .unwrap();
    assert!(matches!(
        page.status(),
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let html = page.text().await.unwrap();
    assert!(!html.contains("reel 3"), "the internal message leaked");
    let page = browser
        .get(format!("{}/projects/ACME-SPRING/client-channel", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Is the harbour grade final?"));
    assert!(
        !html.contains("Record as decision"),
        "staff-only action shown to a client"
    );

    // Search: ranked hits with <mark>, the best first; the client finds only their channel.
    let (st, hits) = producer.get("/search?q=harbour%20gra").await;
    assert_eq!(st, StatusCode::OK, "{hits}");
    let hits = hits.as_array().unwrap().clone();
    assert!(!hits.is_empty());
    let kinds: Vec<(String, i64)> = hits
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap().to_string(),
                h["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(kinds.contains(&("message".into(), mid)), "{kinds:?}");
    assert!(kinds.iter().any(|(k, _)| k == "decision"), "{kinds:?}");
    assert!(hits
        .iter()
        .all(|h| h["snippet_html"].as_str().unwrap().contains("<mark>")));
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {scores:?}"
    );
    let (st, hits) = client_api.get("/search?q=harbour").await;
    assert_eq!(st, StatusCode::OK);
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty(), "the client finds their own message");
    for h in hits {
        assert!(
            h["link"].as_str().unwrap().contains("/client-channel"),
            "{h}"
        );
        assert_ne!(
            (h["kind"].as_str(), h["id"].as_i64()),
            (Some("message"), Some(mid))
        );
        assert_ne!(h["kind"], "task");
    }
    // The page shows the same, highlighted and escaped.
    let staff = signed_in(&app, "producer@demo.postflow").await;
    let html = staff
        .get(format!("{}/search?q=%3Cscript%3E%20harbour", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"), "the query is escaped");
    let html = staff
        .get(format!("{}/search?q=harbour", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<mark>harbour</mark>"), "{html}");
}
