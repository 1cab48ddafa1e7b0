//! Webhooks on both stores: an admin subscribes a receiver over the API (the secret comes back
//! once); a booking made through the API is delivered signed per Standard Webhooks — verified
//! with the `standardwebhooks` package from PyPI —, a 500 from the receiver is retried with the
//! same webhook-id, the delivery log shows it, and a replay sends it again. Bad URLs and
//! non-admins are refused.

use crate::common::*;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use postflow_web::WebConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

postflow_testkit::app_backends!(backend: bookings_are_delivered_signed_retried_and_replayed);

/// What the receiver got: (headers as JSON, body).
type Received = Arc<Mutex<Vec<(Value, String)>>>;

/// A receiver on 127.0.0.1:0 that answers 500 to the first request and 204 afterwards.
async fn receiver() -> (String, Received, Arc<Notify>) {
    let got: Received = Arc::default();
    let notify = Arc::new(Notify::new());
    let (g, n) = (got.clone(), notify.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (g, n) = (g.clone(), n.clone());
            async move {
                let mut h = serde_json::Map::new();
                for name in [
                    "webhook-id",
                    "webhook-timestamp",
                    "webhook-signature",
                    "content-type",
                ] {
                    if let Some(v) = headers.get(name) {
                        h.insert(name.into(), Value::String(v.to_str().unwrap().into()));
                    }
                }
                let first = {
                    let mut list = g.lock().unwrap();
                    list.push((
                        Value::Object(h),
                        String::from_utf8_lossy(&body).into_owned(),
                    ));
                    list.len() == 1
                };
                n.notify_waiters();
                n.notify_one();
                if first {
                    AxumStatus::INTERNAL_SERVER_ERROR
                } else {
                    AxumStatus::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got, notify)
}

/// Waits (up to 30 s) until the receiver has `n` requests.
async fn wait_for(got: &Received, notify: &Notify, n: usize) {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let waiting = notify.notified();
            if got.lock().unwrap().len() >= n {
                return;
            }
            waiting.await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "the receiver got {} of {n} requests",
            got.lock().unwrap().len()
        )
    });
}

const VERIFY: &str = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
spec = json.load(open(sys.argv[1]))
wh = Webhook(spec["secret"])
for r in spec["requests"]:
    wh.verify(r["body"], r["headers"])
    try:
        wh.verify(r["body"] + " ", r["headers"])
        raise SystemExit("a changed body verified")
    except SystemExit:
        raise
    except Exception:
        pass
print("ok", len(spec["requests"]))
"#;

async fn bookings_are_delivered_signed_retried_and_replayed(backend: Backend) {
    let config = WebConfig {
        webhook_retry_base: Duration::from_millis(200),
        webhook_poll: Duration::from_millis(50),
        ..WebConfig::default()
    };
    let app = spawn_app_with(backend, config).await;
    let (url, got, notify) = receiver().await;
    let admin = signed_in(&app, "admin@demo.postflow").await;
    let token = create_token(&app, &admin).await;
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", app.base);

    // Refusals first: not http(s), this server itself, an artist.
    for (bad, field) in [
        ("ftp://hooks.example/x", "url"),
        (&*format!("{}/x", app.base), "url"),
    ] {
        let r = http
            .post(api("/webhooks"))
            .bearer_auth(&token)
            .json(&json!({"url": bad, "events": "*"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["fields"][field]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    let editor = signed_in(&app, "editor@demo.postflow").await;
    let artist = create_token(&app, &editor).await;
    let r = http
        .post(api("/webhooks"))
        .bearer_auth(&artist)
        .json(&json!({"url": url, "events": "*"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = http
        .post(api("/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"url": url, "events": "booking", "description": "test receiver"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let endpoint: Value = r.json().await.unwrap();
    let secret = endpoint["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    let listed: Value = http
        .get(api("/webhooks"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is shown once: {listed}"
    );

    // A booking through the API.
    let room = app
        .store
        .resources(false)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let r = http
        .post(api("/bookings"))
        .bearer_auth(&token)
        .json(
            &json!({"resource": room.id, "project": "ACME-SPRING", "start": "2027-06-01T09:00:00Z",
                      "end": "2027-06-01T17:00:00Z", "status": "planning"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );

    // The first attempt gets a 500; the retry carries the same webhook-id.
    wait_for(&got, &notify, 2).await;
    let requests = got.lock().unwrap().clone();
    assert_eq!(requests[0].0["webhook-id"], requests[1].0["webhook-id"]);
    let body: Value = serde_json::from_str(&requests[0].1).unwrap();
    assert_eq!(body["type"], "booking.create");
    assert_eq!(body["data"]["entity"], "booking");
    assert!(requests[0].0["webhook-signature"]
        .as_str()
        .unwrap()
        .starts_with("v1,"));

    // The delivery log: delivered on the second attempt.
    let id = endpoint["id"].as_i64().unwrap();
    let log = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let log: Value = http
                .get(api(&format!("/webhooks/{id}/deliveries")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if log[0]["state"] == "delivered" {
                return log;
            }
            // The outcome is written after the receiver answers, so no further request arrives
            // to wake us: poll the log.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the delivery was not recorded as delivered"));
    assert_eq!(
        log.as_array().unwrap().len(),
        1,
        "one delivery (only the booking was subscribed): {log}"
    );
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["last_status"], 204);

    // Replay sends it again, same message id.
    let delivery = log[0]["id"].as_i64().unwrap();
    let r = http
        .post(api(&format!("/webhooks/deliveries/{delivery}/replay")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    wait_for(&got, &notify, 3).await;
    let requests = got.lock().unwrap().clone();
    assert_eq!(requests[2].0["webhook-id"], requests[0].0["webhook-id"]);

    // Every request verifies with the reference implementation; a changed body does not.
    let python = postflow_testkit::python::venv_python("standardwebhooks", &["standardwebhooks"]);
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("requests.json");
    let reqs: Vec<Value> = requests
        .iter()
        .map(|(h, b)| json!({"headers": h, "body": b}))
        .collect();
    std::fs::write(
        &spec,
        json!({"secret": secret, "requests": reqs}).to_string(),
    )
    .unwrap();
    let out = postflow_testkit::python::run(&python, VERIFY, &[spec.to_str().unwrap()]);
    assert_eq!(out.trim(), "ok 3");
}
