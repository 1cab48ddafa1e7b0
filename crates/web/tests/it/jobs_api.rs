//! The job queue and the LUT library over the JSON API on both stores: a producer queues a
//! proxy, reads it, cancels and retries it; a client of another project cannot see it; bad
//! kinds and payloads are refused with nothing queued; a `.cube` with a row missing is refused
//! naming its line; the relink list comes as CSV; the OpenAPI document lists every route.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

postflow_testkit::app_backends!(
    a_producer_queues_reads_cancels_and_retries_a_proxy_job,
    the_lut_library_and_relink_list_over_the_api,
);

async fn token(app: &TestApp, email: &str) -> String {
    let c = signed_in(app, email).await;
    create_token(app, &c).await
}

async fn api(token: &str, method: Method, url: String, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = client().request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn a_producer_queues_reads_cancels_and_retries_a_proxy_job(app: TestApp) {
    let producer = token(&app, "producer@demo.postflow").await;
    let outsider = token(&app, "client@northbridge.example").await;
    let base = format!("{}/api/v1", app.base);
    let (status, job) = api(
        &producer,
        Method::POST,
        format!("{base}/jobs"),
        Some(json!({"kind": "proxy", "project": "ACME-SPRING",
                    "payload": {"source": "/media/A001/A001C001.mov", "codec": "prores_lt"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!(
        (&job["kind"], &job["state"], &job["project"]),
        (&json!("proxy"), &json!("queued"), &json!("ACME-SPRING"))
    );
    assert_eq!(job["payload"]["codec"], "prores_lt");
    let id = job["id"].as_i64().unwrap();

    let (status, list) = api(
        &producer,
        Method::GET,
        format!("{base}/jobs?project=ACME-SPRING&state=queued"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.as_array().unwrap().iter().any(|j| j["id"] == id),
        "{list}"
    );
    let (status, studio) = api(&producer, Method::GET, format!("{base}/jobs"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(studio.as_array().unwrap().iter().any(|j| j["id"] == id));

    // Another client's user: the job does not exist for them, in lists or by id.
    let (status, _) = api(&outsider, Method::GET, format!("{base}/jobs/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api(
        &outsider,
        Method::POST,
        format!("{base}/jobs/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, cancelled) = api(
        &producer,
        Method::POST,
        format!("{base}/jobs/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["state"], "cancelled");
    let (status, again) = api(
        &producer,
        Method::POST,
        format!("{base}/jobs/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, retried) = api(
        &producer,
        Method::POST,
        format!("{base}/jobs/{id}/retry"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["state"], "queued");
    let (status, one) = api(&producer, Method::GET, format!("{base}/jobs/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["state"], "queued");

    // Refusals: a kind people do not queue, a payload without a source, a bad state filter.
    let before = app
        .store
        .list_jobs(&Default::default())
        .await
        .unwrap()
        .len();
    for (body, needle) in [
        (json!({"kind": "noop", "payload": {}}), "cannot be queued"),
        (
            json!({"kind": "proxy", "payload": {"codec": "h264"}}),
            "source",
        ),
        (
            json!({"kind": "proxy", "project": "ACME-SPRING",
                   "payload": {"source": "/m/a.mov", "codec": "prores_hq"}}),
            "prores_proxy, prores_lt, dnxhr_lb, h264",
        ),
        (
            json!({"kind": "proxy", "project": "ACME-SPRING",
                   "payload": {"source": "/m/a.mov", "scale": "1/3"}}),
            "1/2, 1/4",
        ),
    ] {
        let (status, e) = api(&producer, Method::POST, format!("{base}/jobs"), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
        assert!(e["message"].as_str().unwrap().contains(needle), "{e}");
    }
    let (status, _) = api(
        &producer,
        Method::GET,
        format!("{base}/jobs?state=done"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.store
            .list_jobs(&Default::default())
            .await
            .unwrap()
            .len(),
        before
    );

    let (_, doc) = api(&producer, Method::GET, format!("{base}/openapi.json"), None).await;
    for path in [
        "/api/v1/jobs",
        "/api/v1/jobs/{id}",
        "/api/v1/jobs/{id}/cancel",
        "/api/v1/jobs/{id}/retry",
        "/api/v1/projects/{code}/luts",
        "/api/v1/projects/{code}/relinks.csv",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
}

fn cube(rows: usize) -> String {
    let mut s = String::from("LUT_3D_SIZE 2\n");
    for i in 0..rows {
        let (r, g, b) = (i & 1, (i >> 1) & 1, (i >> 2) & 1);
        s.push_str(&format!("{r} {g} {b}\n"));
    }
    s
}

async fn the_lut_library_and_relink_list_over_the_api(app: TestApp) {
    let producer = token(&app, "producer@demo.postflow").await;
    let base = format!("{}/api/v1/projects/ACME-SPRING", app.base);
    let (status, e) = api(
        &producer,
        Method::POST,
        format!("{base}/luts"),
        Some(json!({"kind": "camera", "file_name": "short.cube", "text": cube(7)})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let why = e["fields"]["file"].as_str().unwrap_or_default();
    assert!(why.starts_with("short.cube"), "{e}");
    assert!(why.contains("line"), "{e}");
    let (status, lut) = api(
        &producer,
        Method::POST,
        format!("{base}/luts"),
        Some(json!({"kind": "camera", "file_name": "LogC_709.cube", "text": cube(8)})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{lut}");
    assert_eq!(
        (&lut["name"], &lut["dimension"]),
        (&json!("LogC_709"), &json!(3))
    );
    let (status, list) = api(&producer, Method::GET, format!("{base}/luts"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);

    let r = client()
        .get(format!("{base}/relinks.csv"))
        .bearer_auth(&producer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with("original_path,original_checksum,proxy_path"),
        "{text}"
    );
}
