//! Quotes over HTTP on both stores: a producer drafts one from the demo plan through the API
//! (its total checked against the plan's hours at the one studio rate), the client cannot see
//! the draft, sees the sent quote without stages, planned hours or cost rates, an artist may
//! not decide it, the client accepts it and the project's budget is the quote; the pages (the
//! project's billing page, the quote page for the client, the printable quote) show it.

use crate::common::*;
use postflow_app::access::local_operator;
use postflow_app::billing::{self, ClientBillingDraft, RateDraft, TermsDraft};
use postflow_app::time;
use postflow_core::project::Code;
use reqwest::StatusCode;
use serde_json::{json, Value};

postflow_testkit::app_backends!(a_quote_is_drafted_sent_accepted_and_becomes_the_budget);

/// One sell rate, editing at 100.00/h (every stage is quoted as editing, so a line's net is its
/// hours × 100 exactly), and an editing cost rate the client must never see.
async fn billing_data(app: &TestApp) {
    let ctx = postflow_app::Context::new(app.store.clone());
    let op = local_operator();
    time::seed_activities(&ctx, &op).await.unwrap();
    let card = billing::create_rate_card(&ctx, &op, "Studio", None, "EUR")
        .await
        .unwrap();
    for (kind, activity, amount) in [("sell", "Editing", "100.00"), ("cost", "Editing", "41.17")] {
        let rate = RateDraft {
            kind: kind.into(),
            unit: "hour".into(),
            activity: activity.into(),
            amount: amount.into(),
            effective_from: "2020-01-01".into(),
            ..Default::default()
        };
        billing::add_rate(&ctx, &op, card, &rate).await.unwrap();
    }
    let project = app
        .store
        .project_by_code(&Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    billing::set_client_billing(
        &ctx,
        &op,
        project.client_id,
        &ClientBillingDraft {
            legal_name: "Acme Productions Ltd".into(),
            address: "12 Harbour Road\nDublin".into(),
            tax_id: "IE9876543W".into(),
            currency: "EUR".into(),
            tax: "19".into(),
            rate_card_id: None,
        },
    )
    .await
    .unwrap();
    billing::set_terms(
        &ctx,
        &op,
        "ACME-SPRING",
        &TermsDraft {
            kind: "time_and_materials".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// The demo plan's planned minutes (hours, or days of 8 hours), milestones left out.
async fn planned_minutes(app: &TestApp) -> i64 {
    let project = app
        .store
        .project_by_code(&Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    let plan = app.store.plans_of(&[project.id]).await.unwrap();
    plan.tasks
        .iter()
        .filter(|t| t.milestone.is_none())
        .map(|t| {
            t.duration_hours
                .map(|h| h * 60)
                .unwrap_or(t.duration_days * 480)
        })
        .sum()
}

async fn post_form(c: &reqwest::Client, base: &str, from: &str, action: &str) -> StatusCode {
    let csrf = csrf_of(c, &format!("{base}{from}")).await;
    c.post(format!("{base}{action}"))
        .header("Referer", format!("{base}{from}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .status()
}

async fn a_quote_is_drafted_sent_accepted_and_becomes_the_budget(app: TestApp) {
    billing_data(&app).await;
    let base = app.base.clone();
    let api = client();
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let avery = signed_in(&app, "client@acme.example").await;
    let editor = signed_in(&app, "editor@demo.postflow").await;
    let (pt, ct, et) = (
        create_token(&app, &producer).await,
        create_token(&app, &avery).await,
        create_token(&app, &editor).await,
    );

    // Drafted from the plan: every planned hour at 100.00, 19 % VAT.
    let project = app
        .store
        .project_by_code(&Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    let stages: Vec<Value> = app
        .store
        .plans_of(&[project.id])
        .await
        .unwrap()
        .stages
        .iter()
        .map(|s| json!({"stage": s.key, "activity": "Editing"}))
        .collect();
    let r = api
        .post(format!("{base}/api/v1/projects/ACME-SPRING/quotes"))
        .bearer_auth(&pt)
        .json(&json!({"title": "Spring spot", "valid_days": 30, "date": "2026-11-02", "activities": stages}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let q: Value = r.json().await.unwrap();
    let minutes = planned_minutes(&app).await;
    assert!(minutes > 0 && minutes % 60 == 0, "{minutes}");
    let net = minutes / 60 * 10_000; // minor units
    let tax = net * 19 / 100;
    let dec = |minor: i64| format!("{}.{:02}", minor / 100, minor % 100);
    assert_eq!(q["net"], dec(net), "{q}");
    assert_eq!(q["tax"], dec(tax));
    assert_eq!(q["gross"], dec(net + tax));
    assert_eq!(q["state"], "draft");
    assert_eq!(q["valid_until"], "2026-12-02");
    let id = q["id"].as_i64().unwrap();
    let budgeted: i64 = q["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["budget_minutes"].as_i64().unwrap())
        .sum();
    assert_eq!(budgeted, minutes);
    assert!(q["lines"][0]["stage"].as_str().is_some());

    // The client does not see the draft.
    let get = |token: &str, path: &str| {
        api.get(format!("{base}/api/v1{path}"))
            .bearer_auth(token.to_string())
            .send()
    };
    assert_eq!(
        get(&ct, &format!("/quotes/{id}")).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let list: Value = get(&ct, "/projects/ACME-SPRING/quotes")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]));
    // Nor can the client send it.
    let send = |token: &str, verb: &str| {
        api.post(format!("{base}/api/v1/quotes/{id}/{verb}"))
            .bearer_auth(token.to_string())
            .send()
    };
    assert_ne!(send(&ct, "send").await.unwrap().status(), StatusCode::OK);
    let r = send(&pt, "send").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["state"], "sent");

    // Sent: the client sees sell prices only.
    let r = get(&ct, &format!("/quotes/{id}")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let seen: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(seen["gross"], dec(net + tax));
    assert!(seen["lines"][0].get("stage").is_none(), "{text}");
    assert!(seen["lines"][0].get("budget_minutes").is_none(), "{text}");
    assert!(!text.contains("41.17"), "a cost rate leaked: {text}");
    // A sent quote is not sent twice; an artist may not decide it.
    assert_eq!(
        send(&pt, "send").await.unwrap().status(),
        StatusCode::CONFLICT
    );
    assert!(send(&et, "accept")
        .await
        .unwrap()
        .status()
        .is_client_error());

    // The quote page for the client: total, no internal columns, the accept button.
    let html = avery
        .get(format!("{base}/projects/ACME-SPRING/quotes/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("{} EUR", dec(net + tax))), "{html}");
    assert!(!html.contains("Budget hours"));
    assert!(html.contains("id=\"accept-quote\""));
    let print = avery
        .get(format!("{base}/projects/ACME-SPRING/quotes/{id}/print"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(print.contains("Total quoted") && print.contains("Acme Productions Ltd"));

    // The client accepts on the page: the quote is the project's budget.
    let status = post_form(
        &avery,
        &base,
        &format!("/projects/ACME-SPRING/quotes/{id}"),
        &format!("/projects/ACME-SPRING/quotes/{id}/accept"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let q: Value = get(&pt, &format!("/quotes/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(q["state"], "accepted");
    let budget: Value = get(&pt, "/projects/ACME-SPRING/budget")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let whole = budget["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["budget_minutes"].as_i64() == Some(minutes))
        .unwrap_or_else(|| panic!("no whole-project budget of {minutes} min: {budget}"));
    assert_eq!(whole["budget_sell"], dec(net));
    // Deciding again is a conflict in the API's error shape.
    let r = send(&ct, "decline").await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "conflict");

    // The producer's project billing page lists the quote and shows the budget.
    let html = producer
        .get(format!("{base}/projects/ACME-SPRING/billing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"budget\"") && html.contains("accepted"),
        "{html}"
    );
    // The burn chart draws the accepted quote's net as the budget line.
    assert!(
        html.contains("class=\"chart burn\" id=\"chart-burn\""),
        "the producer sees the burn chart"
    );
    assert!(
        html.contains(&format!("budget {} EUR", dec(net))),
        "the budget line names the quote's net"
    );
    // The client's view of the billing page has the quote and no budget.
    let html = avery
        .get(format!("{base}/projects/ACME-SPRING/billing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Quote 1") && !html.contains("id=\"budget\""),
        "{html}"
    );
    assert!(!html.contains("chart-burn"), "a client never sees the burn");

    // 14 h logged on the ingest stage (budgeted 16 h): 87 %, told to the producer (the
    // project's owner) in the inbox and shown on the dashboard.
    let ctx = postflow_app::Context::new(app.store.clone());
    let op = local_operator();
    let plan = app.store.plans_of(&[project.id]).await.unwrap();
    let ingest = plan
        .tasks
        .iter()
        .find(|t| t.stage == "ingest" && t.milestone.is_none())
        .unwrap();
    let editing = time::activities(&ctx)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == "Editing")
        .unwrap()
        .id;
    let editor_id = app
        .store
        .user_by_email("editor@demo.postflow")
        .await
        .unwrap()
        .unwrap()
        .id;
    for day in ["2026-11-02", "2026-11-03"] {
        let entry = time::EntryDraft {
            project_code: "ACME-SPRING".into(),
            user_id: Some(editor_id),
            task_key: ingest.key.clone(),
            activity_id: editing,
            date: day.into(),
            duration: "7:00".into(),
            billable: true,
            note: String::new(),
        };
        time::log_time(&ctx, &op, &entry).await.unwrap();
    }
    let owner = project.owner_id.unwrap();
    let inbox = app.store.notifications_of(owner, 50).await.unwrap();
    assert!(
        inbox.iter().any(
            |n| n.title == "ACME-SPRING near budget" && n.body.contains("ingest has used 87 %")
        ),
        "{inbox:?}"
    );
    let home = producer
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("id=\"budget-alerts\"")
            && home.contains("ingest has used 87 % of its budgeted hours"),
        "{home}"
    );

    // The editor edits their own entry through the API with the checks of logging; once the
    // week is approved the edit is refused, saying so.
    let mine = app
        .store
        .time_entries(&postflow_store::billing::TimeFilter {
            user_id: Some(editor_id),
            ..Default::default()
        })
        .await
        .unwrap();
    let entry = mine[0].id;
    let put = |duration: &str| {
        api.put(format!("{base}/api/v1/time/entries/{entry}"))
            .bearer_auth(&et)
            .json(&json!({"project_code": "ACME-SPRING", "activity_id": editing, "date": "2026-11-02", "duration": duration, "task_key": ingest.key}))
            .send()
    };
    let r = put("25:00").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = put("6:00").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["minutes"], 360);
    time::approve_week(
        &ctx,
        &op,
        editor_id,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
    )
    .await
    .unwrap();
    let r = put("5:00").await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("approved and locked"),
        "{body}"
    );
}
