//! Live updates over server-sent events, on both stores: a signed-in producer's
//! `/events?project=…` stream carries a plan change made through the API and both channels'
//! messages; a client's stream for the same project carries the client-channel message and
//! never the internal one; another company's project is "not found", an unknown kind refused,
//! and nobody signed out gets a stream. The pages that opt in carry the attributes and script.

use crate::common::*;
use postflow_app::channels::{self, ChannelKind, PostInput};
use postflow_app::Context;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

postflow_testkit::app_backends!(events_reach_only_those_who_may_see_them);

/// The next event of an SSE response (keep-alive comments skipped): (event type, data).
async fn next_event(resp: &mut reqwest::Response, buf: &mut String) -> (String, Value) {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut event = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = Some(v.trim().to_string());
                }
            }
            if let (Some(e), Some(d)) = (event, data) {
                return (e, serde_json::from_str(&d).unwrap());
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(30), resp.chunk())
            .await
            .expect("an event arrives (waited 30 s)")
            .unwrap()
            .expect("the stream stays open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn open(c: &reqwest::Client, app: &TestApp, query: &str) -> reqwest::Response {
    c.get(format!("{}/events?{query}", app.base))
        .send()
        .await
        .unwrap()
}

async fn events_reach_only_those_who_may_see_them(app: TestApp) {
    let admin = signed_in(&app, "admin@demo.postflow").await;
    let client = signed_in(&app, "client@acme.example").await;
    let code = "ACME-SPRING";

    // Refusals: another company's project, an unknown kind, nobody signed in.
    assert_eq!(
        open(&client, &app, "project=NB-HARBOUR").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        open(&admin, &app, &format!("project={code}&kinds=gossip"))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    let nobody = open(&client_without_session(), &app, &format!("project={code}")).await;
    assert_ne!(nobody.status(), StatusCode::OK);

    let mut admin_stream = open(&admin, &app, &format!("project={code}&kinds=plan,message")).await;
    assert_eq!(admin_stream.status(), StatusCode::OK);
    assert!(admin_stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut client_stream = open(&client, &app, &format!("project={code}&kinds=message")).await;
    assert_eq!(client_stream.status(), StatusCode::OK);
    let (mut admin_buf, mut client_buf) = (String::new(), String::new());

    // A plan change through the API.
    let token = create_token(&app, &admin).await;
    let http = reqwest::Client::new();
    let plan: Value = http
        .get(format!("{}/api/v1/projects/{code}/plan", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The first task that may still be changed (work locked with the picture may not).
    let mut moved = false;
    for task in plan["tasks"].as_array().unwrap() {
        let days = task["duration_days"].as_i64().unwrap_or(0);
        if days == 0 || task["status"] == "done" {
            continue;
        }
        let r = http
            .post(format!(
                "{}/api/v1/projects/{code}/plan/tasks/{}/move",
                app.base,
                task["key"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .json(&json!({"duration_days": days + 1}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            moved = true;
            break;
        }
    }
    assert!(moved, "a task of {code} could be changed through the API");
    let (kind, data) = next_event(&mut admin_stream, &mut admin_buf).await;
    assert_eq!(kind, "plan");
    assert_eq!(data["kind"], "plan");
    assert_eq!(data["project"], code);
    assert!(data["id"].as_i64().unwrap() > 0);
    assert!(
        data.get("detail").is_none(),
        "the stream names the change, not its detail"
    );

    // An internal message, then one in the client channel.
    let ctx = Context::new(app.store.clone());
    let admin_user = app
        .store
        .user_by_email("admin@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let actor = postflow_app::access::actor_for(&ctx, &admin_user)
        .await
        .unwrap();
    for (kind, body) in [
        (
            ChannelKind::Internal,
            "internal: the client's budget is tight",
        ),
        (ChannelKind::Client, "the first cut is ready for you"),
    ] {
        channels::post(
            &ctx,
            &actor,
            code,
            kind,
            &PostInput {
                body: body.into(),
                reply_to: None,
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
    }
    let (k1, internal) = next_event(&mut admin_stream, &mut admin_buf).await;
    let (k2, for_client) = next_event(&mut admin_stream, &mut admin_buf).await;
    assert_eq!((k1.as_str(), k2.as_str()), ("message", "message"));
    assert!(internal["id"].as_i64() < for_client["id"].as_i64());
    // The client's first message event is the client-channel one: the internal one, written
    // before it, never reached their stream.
    let (kind, seen) = next_event(&mut client_stream, &mut client_buf).await;
    assert_eq!(kind, "message");
    assert_eq!(seen["id"], for_client["id"], "{seen}");
    assert_eq!(seen["project"], code);
    assert!(!client_buf.contains(&format!("id: {}\n", internal["id"])));

    // The pages that opt in.
    let html = admin
        .get(format!("{}/projects/{code}/plan", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("data-live-project=\"{code}\"")));
    assert!(html.contains("/static/live.js"));
    let board = admin
        .get(format!("{}/board", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(board.contains("data-live-studio") && board.contains("data-live-kinds=\"booking\""));
    let js = admin
        .get(format!("{}/static/live.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(js.text().await.unwrap().contains("EventSource"));
}

fn client_without_session() -> reqwest::Client {
    client()
}
