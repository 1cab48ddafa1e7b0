//! E-mail through the served app, on both stores: `postflow serve` with SMTP settings runs the
//! sender, so a milestone moved through the API reaches the people downstream at a real SMTP
//! server (`aiosmtpd` from PyPI) with the plan's link; a person sets their preferences over
//! `GET/PUT /api/v1/me/notification-preferences` and on `/account/notifications` (a refused
//! choice saves nothing and keeps what was chosen); admins see the outbox, others do not.

use crate::common::*;
use chrono::{Duration as Days, NaiveDate};
use postflow_app::mail::SmtpSettings;
use postflow_testkit::smtp::SmtpServer;
use postflow_web::WebConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

postflow_testkit::app_backends!(backend: the_served_app_mails_by_preference);

async fn the_served_app_mails_by_preference(backend: Backend) {
    let server = SmtpServer::start();
    let mut smtp = SmtpSettings::new("127.0.0.1", server.port, "postflow <studio@postflow.test>");
    smtp.starttls = false;
    smtp.poll = Duration::from_millis(100);
    smtp.public_url = "https://postflow.test".into();
    let app = spawn_app_with(
        backend,
        WebConfig {
            smtp: Some(smtp),
            ..WebConfig::default()
        },
    )
    .await;
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", app.base);

    // Preferences over the API.
    let colorist = signed_in(&app, "colorist@demo.postflow").await;
    let token = create_token(&app, &colorist).await;
    let prefs: Value = http
        .get(api("/me/notification-preferences"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = prefs["preferences"].as_array().unwrap();
    assert!(list.len() >= 2, "{prefs}");
    assert!(list.iter().all(|p| p["mode"] == "immediate"), "{prefs}");
    let r = http
        .put(api("/me/notification-preferences"))
        .bearer_auth(&token)
        .json(&json!({"preferences": [{"category": "milestones", "mode": "sometimes"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert!(body["fields"]["milestones"].is_string(), "{body}");
    let r = http
        .put(api("/me/notification-preferences"))
        .bearer_auth(&token)
        .json(&json!({"preferences": [{"category": "picture_lock", "mode": "digest"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let mode = |body: &Value, c: &str| {
        body["preferences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["category"] == c)
            .unwrap()["mode"]
            .clone()
    };
    assert_eq!(mode(&body, "picture_lock"), "digest");
    assert_eq!(mode(&body, "milestones"), "immediate");

    // The page: a refused choice saves nothing and keeps what was chosen.
    let page = format!("{}/account/notifications", app.base);
    let csrf = csrf_of(&colorist, &page).await;
    let r = colorist
        .post(&page)
        .form(&[
            ("csrf", csrf.as_str()),
            ("picture_lock", "off"),
            ("milestones", "weekly"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nothing was saved"), "{html}");
    assert!(
        html.contains(r#"id="pref-picture_lock-off" checked"#),
        "the choice is kept"
    );
    let now: Value = http
        .get(api("/me/notification-preferences"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mode(&now, "picture_lock"), "digest", "nothing was saved");
    let r = colorist
        .post(&page)
        .form(&[
            ("csrf", csrf.as_str()),
            ("picture_lock", "digest"),
            ("milestones", "immediate"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let account = colorist
        .get(format!("{}/account", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(account.contains("/account/notifications"));

    // A milestone moved through the API is mailed by the running sender.
    let admin = signed_in(&app, "admin@demo.postflow").await;
    let admin_token = create_token(&app, &admin).await;
    let mut target = None;
    for code in ["ACME-SPRING", "NB-HARBOUR", "ACME-BRAND"] {
        let plan: Value = http
            .get(api(&format!("/projects/{code}/plan")))
            .bearer_auth(&admin_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if !plan["picture_locked_at"].is_null() {
            continue;
        }
        if let Some(m) = plan["milestones"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["kind"] == "picture_lock")
        {
            target = Some((code, m.clone()));
            break;
        }
    }
    let (code, milestone) = target.expect("a demo project before picture lock");
    let planned: NaiveDate = milestone["planned"].as_str().unwrap().parse().unwrap();
    let r = http
        .post(api(&format!(
            "/projects/{code}/plan/tasks/{}/move",
            milestone["task"].as_str().unwrap()
        )))
        .bearer_auth(&admin_token)
        .json(&json!({"start": (planned + Days::days(21)).to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let mut got = Vec::new();
    for _ in 0..300 {
        got = server.messages();
        if got.iter().any(|m| m.to.contains("colorist@demo.postflow")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let to_colorist: Vec<_> = got
        .iter()
        .filter(|m| m.to.contains("colorist@demo.postflow"))
        .collect();
    assert!(
        !to_colorist.is_empty(),
        "the colorist is downstream: {got:#?}"
    );
    let m = to_colorist[0];
    assert!(m.subject.starts_with("Milestone "), "{}", m.subject);
    assert!(m.subject.contains(code), "{}", m.subject);
    assert!(
        m.body
            .contains(&format!("https://postflow.test/projects/{code}/plan")),
        "{}",
        m.body
    );
    assert!(!got.iter().any(|m| m.to.contains("admin@demo.postflow")));

    // The outbox: admins only.
    let outbox = admin
        .get(format!("{}/admin/mail", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(outbox.status(), StatusCode::OK);
    let html = outbox.text().await.unwrap();
    assert!(
        html.contains("colorist@demo.postflow"),
        "the outbox lists the mail"
    );
    let refused = colorist
        .get(format!("{}/admin/mail", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(
            refused.status(),
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ),
        "{}",
        refused.status()
    );
}
