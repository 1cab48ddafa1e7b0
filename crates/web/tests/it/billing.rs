//! Time and billing over HTTP on both stores: the header timer, logging time on the page and
//! through the API (refusals included), a producer approving the week, drafting the invoice
//! from it, issuing it, the printable invoice with its EU VAT particulars and total, the CSV of
//! its lines, and clients and artists kept out of rates and billing.

use crate::common::*;
use postflow_app::access::local_operator;
use postflow_app::billing::{self, ClientBillingDraft, RateDraft, TermsDraft};
use postflow_app::time;
use postflow_core::project::Code;
use postflow_store::billing::{SeriesInput, TimeFilter};
use reqwest::StatusCode;
use serde_json::{json, Value};

postflow_testkit::app_backends!(time_is_logged_approved_invoiced_and_printed);

/// The studio's billing data, set up as the local operator would.
async fn billing_data(app: &TestApp) -> (i64, i64) {
    let ctx = postflow_app::Context::new(app.store.clone());
    let op = local_operator();
    let activities = time::seed_activities(&ctx, &op).await.unwrap();
    let id_of = |name: &str| activities.iter().find(|a| a.name == name).unwrap().id;
    let card = billing::create_rate_card(&ctx, &op, "Studio", None, "EUR")
        .await
        .unwrap();
    for (activity, amount) in [("Editing", "90.00"), ("Color grading", "150.00")] {
        let rate = RateDraft {
            kind: "sell".into(),
            unit: "hour".into(),
            activity: activity.into(),
            amount: amount.into(),
            effective_from: "2026-01-01".into(),
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
    let terms = TermsDraft {
        kind: "time_and_materials".into(),
        ..Default::default()
    };
    billing::set_terms(&ctx, &op, "ACME-SPRING", &terms)
        .await
        .unwrap();
    billing::create_series(
        &ctx,
        &op,
        SeriesInput {
            code: "2026".into(),
            prefix: "PF-".into(),
            seller_name: "Demo Post GmbH".into(),
            seller_address: "Hauptstr. 1\n10115 Berlin".into(),
            seller_tax_id: "DE123456789".into(),
        },
    )
    .await
    .unwrap();
    (id_of("Editing"), id_of("Color grading"))
}

async fn page(c: &reqwest::Client, url: &str) -> String {
    let r = c.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    r.text().await.unwrap()
}

/// Posts a form with the CSRF token of `from`; returns (status, the flash shown after the
/// redirect).
async fn post(
    c: &reqwest::Client,
    base: &str,
    from: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let csrf = csrf_of(c, &format!("{base}{from}")).await;
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = c
        .post(format!("{base}{action}"))
        .header("Referer", format!("{base}{from}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let to = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let flash = match to {
        Some(to) => {
            let html = page(c, &format!("{base}{to}")).await;
            html.split("class=\"flash\" role=\"status\">")
                .nth(1)
                .and_then(|s| s.split("</div>").next())
                .unwrap_or("")
                .to_string()
        }
        None => String::new(),
    };
    (status, flash)
}

async fn time_is_logged_approved_invoiced_and_printed(app: TestApp) {
    let (editing, grading) = billing_data(&app).await;
    let base = app.base.clone();
    let editor = signed_in(&app, "editor@demo.postflow").await;
    let editor_user = app
        .store
        .user_by_email("editor@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let project = app
        .store
        .project_by_code(&Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    let _ = app
        .store
        .add_project_member(project.id, editor_user.id)
        .await;

    // The header's timer: start on a project, a second start refused, stop into an entry.
    let editing_s = editing.to_string();
    let start = [
        ("project", "ACME-SPRING"),
        ("activity", editing_s.as_str()),
        ("note", "conform"),
    ];
    let (status, flash) = post(&editor, &base, "/projects", "/time/timer/start", &start).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(flash.contains("Timer started on ACME-SPRING"), "{flash}");
    assert!(page(&editor, &format!("{base}/time"))
        .await
        .contains("id=\"timer-running\""));
    let (_, flash) = post(&editor, &base, "/projects", "/time/timer/start-last", &[]).await;
    assert!(
        flash.contains("Not saved: a timer is already running on ACME-SPRING"),
        "{flash}"
    );
    let (_, flash) = post(&editor, &base, "/projects", "/time/timer/stop", &[]).await;
    assert!(
        flash.starts_with("Timer stopped: 0:01 logged on"),
        "{flash}"
    );

    // A manual entry on the page, and the bad ones refused with nothing saved.
    let entries = || async {
        app.store
            .time_entries(&TimeFilter::default())
            .await
            .unwrap()
            .len()
    };
    let log = |date: &'static str, duration: &'static str| {
        vec![
            ("project", "ACME-SPRING"),
            ("date", date),
            ("duration", duration),
            ("billable", "yes"),
        ]
    };
    let mut fields = log("2026-11-02", "7:30");
    fields.push(("activity", editing_s.as_str()));
    let (_, flash) = post(&editor, &base, "/time", "/time/entries", &fields).await;
    assert_eq!(flash, "Logged 7:30 on 2026-11-02.");
    assert_eq!(entries().await, 2);
    for (duration, words) in [
        ("25:00", "more than the 24 hours"),
        ("-2:00", "negative"),
        ("17:00", "a day has 24 hours"),
    ] {
        let mut fields = log("2026-11-02", duration);
        fields.push(("activity", editing_s.as_str()));
        let (_, flash) = post(&editor, &base, "/time", "/time/entries", &fields).await;
        assert!(
            flash.starts_with("Not saved:") && flash.contains(words),
            "{duration}: {flash}"
        );
    }
    assert_eq!(entries().await, 2);

    // Through the API: an entry, and a refusal in the API's one error shape.
    let token = create_token(&app, &editor).await;
    let api = client();
    let sent = api
        .post(format!("{base}/api/v1/time/entries"))
        .bearer_auth(&token)
        .json(&json!({"project_code": "ACME-SPRING", "activity_id": grading, "date": "2026-11-03", "duration": "1:20"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);
    let body: Value = sent.json().await.unwrap();
    assert_eq!(
        (body["minutes"].as_i64(), body["activity"].as_str()),
        (Some(80), Some("Color grading"))
    );
    let refused = api
        .post(format!("{base}/api/v1/time/entries"))
        .bearer_auth(&token)
        .json(&json!({"project_code": "ACME-SPRING", "activity_id": grading, "date": "2026-11-03", "duration": "-1:20"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "invalid");
    assert!(
        body["fields"]["duration"]
            .as_str()
            .unwrap()
            .contains("negative"),
        "{body}"
    );
    // Artists see no rates and no billing.
    let rates = api
        .get(format!("{base}/api/v1/rate-cards"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(rates.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        editor
            .get(format!("{base}/billing"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );

    // A confirmed booking of the editor is proposed on the time page and logged as worked.
    let me = app
        .store
        .insert_resource(postflow_store::studio::ResourceInput {
            name: "Edit 2".into(),
            kind: "edit_bay".into(),
            capacity: 1,
            user_id: Some(editor_user.id),
            calendar: "always".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let tx = app.store.begin().await.unwrap();
    let booking = tx
        .insert_booking(postflow_store::bookings::NewBooking {
            resource_id: me.id,
            project_id: project.id,
            task_id: None,
            starts_at: "2026-12-08T09:00:00Z".parse().unwrap(),
            ends_at: "2026-12-08T17:00:00Z".parse().unwrap(),
            units: 1,
            status: postflow_store::bookings::BookingStatus::Confirmed,
            note: String::new(),
            created_by: None,
        })
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    let html = page(&editor, &format!("{base}/time?week=2026-12-08")).await;
    assert!(
        html.contains(&format!("data-booking=\"{}\"", booking.id)),
        "{html}"
    );
    let confirm = [
        ("activity", editing_s.as_str()),
        ("duration", "6:00"),
        ("week", "2026-12-07"),
    ];
    let (_, flash) = post(
        &editor,
        &base,
        "/time?week=2026-12-08",
        &format!("/time/proposals/{}/confirm", booking.id),
        &confirm,
    )
    .await;
    assert_eq!(flash, "Logged 6:00 from the booking.");
    let html = page(&editor, &format!("{base}/time?week=2026-12-08")).await;
    assert!(
        !html.contains("data-booking=") && html.contains("<strong>6:00</strong>"),
        "{html}"
    );

    // The producer approves the week and drafts the invoice from it.
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let week = format!("/time?week=2026-11-02&user={}", editor_user.id);
    let html = page(&producer, &format!("{base}{week}")).await;
    assert!(html.contains("<strong>8:50</strong>"), "the week's total");
    let editor_id = editor_user.id.to_string();
    let (_, flash) = post(
        &producer,
        &base,
        &week,
        "/time/approve",
        &[("user", editor_id.as_str()), ("week", "2026-11-02")],
    )
    .await;
    assert_eq!(flash, "Week approved and locked.");
    let mut fields = log("2026-11-04", "1:00");
    fields.push(("activity", editing_s.as_str()));
    let (_, flash) = post(&editor, &base, "/time", "/time/entries", &fields).await;
    assert!(flash.contains("approved and locked"), "{flash}");

    // Up to a milestone not reached yet: refused, nothing drafted.
    let spring = app
        .store
        .project_by_code(&postflow_core::project::Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    let plan = app.store.plans_of(&[spring.id]).await.unwrap();
    let ahead = plan
        .tasks
        .iter()
        .find(|t| t.milestone.is_some() && t.actual_finish.is_none())
        .expect("the demo's spring campaign has milestones ahead");
    let choice = format!("ACME-SPRING/{}", ahead.key);
    let early = [
        ("project", "ACME-SPRING"),
        ("series", "2026"),
        ("milestone", choice.as_str()),
        ("due_days", "30"),
    ];
    let (_, flash) = post(&producer, &base, "/billing", "/billing/drafts", &early).await;
    assert!(flash.contains("is not reached yet"), "{flash}");
    assert!(app.store.list_invoices(None).await.unwrap().is_empty());

    let draft = [
        ("project", "ACME-SPRING"),
        ("series", "2026"),
        ("from", "2026-11-01"),
        ("to", "2026-11-08"),
        ("due_days", "30"),
    ];
    let (_, flash) = post(&producer, &base, "/billing", "/billing/drafts", &draft).await;
    // 7:30 editing at 90.00 = 675.00; 1:20 grading at 150.00 = 200.00; VAT 19 % of 875.00 =
    // 166.25; 1041.25 in all.
    assert_eq!(flash, "Draft created: 1041.25 EUR.");
    let id = app.store.list_invoices(None).await.unwrap()[0].id;
    let html = page(&producer, &format!("{base}/billing/invoices/{id}")).await;
    assert!(
        html.contains("id=\"invoice-total\"><strong>1041.25 EUR</strong>"),
        "{html}"
    );

    // Issue it; it is numbered and no longer changes.
    let (_, flash) = post(
        &producer,
        &base,
        &format!("/billing/invoices/{id}"),
        &format!("/billing/invoices/{id}/issue"),
        &[("issue_date", "2026-11-10")],
    )
    .await;
    assert_eq!(flash, "Issued as PF-0001.");
    let line = [
        ("description", "Late fee"),
        ("quantity", "1"),
        ("unit", "piece"),
        ("unit_price", "10.00"),
    ];
    let (_, flash) = post(
        &producer,
        &base,
        &format!("/billing/invoices/{id}"),
        &format!("/billing/invoices/{id}/lines"),
        &line,
    )
    .await;
    assert!(flash.contains("issued and cannot be changed"), "{flash}");
    let ptoken = create_token(&app, &producer).await;
    let again = api
        .post(format!("{base}/api/v1/invoices/{id}/issue"))
        .bearer_auth(&ptoken)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let dto: Value = api
        .get(format!("{base}/api/v1/invoices/{id}"))
        .bearer_auth(&ptoken)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (dto["number"].as_str(), dto["gross"].as_str()),
        (Some("PF-0001"), Some("1041.25"))
    );
    assert_eq!(dto["tax_groups"][0]["taxable"], "875.00");

    // The printable invoice carries what EU VAT rules ask for.
    let print = page(&producer, &format!("{base}/billing/invoices/{id}/print")).await;
    for part in [
        "PF-0001",
        "Demo Post GmbH",
        "VAT id DE123456789",
        "Acme Productions Ltd",
        "VAT id IE9876543W",
        "2026-11-01 – 2026-11-08",
        "Taxable amount at 19 %",
        "875.00 EUR",
        "166.25 EUR",
        "id=\"print-total\">1041.25 EUR",
    ] {
        assert!(
            print.contains(part),
            "{part} missing from the printable invoice"
        );
    }
    let csv = producer
        .get(format!("{base}/billing/invoices/{id}/lines.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.contains("PF-0001,2026-11-10,1,Editing,7.50,h,90.00,0,19,675.00,128.25,803.25,EUR"),
        "{csv}"
    );

    // The PDF is a real PDF whose text carries the number and the total (read with pypdf).
    let pdf = producer
        .get(format!("{base}/billing/invoices/{id}/invoice.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("invoice.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let python = postflow_testkit::python::venv_python("pypdf", &["pypdf"]);
    let text = postflow_testkit::python::run(
        &python,
        "import sys, pypdf\nprint('\\n'.join(p.extract_text() for p in pypdf.PdfReader(sys.argv[1]).pages))",
        &[file.to_str().unwrap()],
    );
    for part in ["PF-0001", "1041.25 EUR", "DE123456789", "IE9876543W"] {
        assert!(
            text.contains(part),
            "{part} missing from the PDF's text: {text}"
        );
    }

    // Set-up through the page and the API, with refusals.
    let series = [
        ("code", "2027"),
        ("prefix", "PF27-"),
        ("seller_name", "Demo Post GmbH"),
        ("seller_tax_id", "DE123456789"),
    ];
    let (_, flash) = post(&producer, &base, "/billing", "/billing/series", &series).await;
    assert_eq!(flash, "Invoice series 2027 created.");
    let (_, flash) = post(&producer, &base, "/billing", "/billing/series", &series).await;
    assert!(
        flash.contains("a series &#34;2027&#34; exists already"),
        "{flash}"
    );
    let rate = [
        ("card", "1"),
        ("kind", "sell"),
        ("unit", "hour"),
        ("activity", "Mix"),
        ("amount", "12.345"),
        ("effective_from", "2026-01-01"),
    ];
    let (_, flash) = post(&producer, &base, "/billing", "/billing/rates", &rate).await;
    assert!(
        flash.starts_with("Not saved:") && flash.contains("more decimal places"),
        "{flash}"
    );
    // A facility rate for a room, chosen by name; the card lists it by name.
    let room = app
        .store
        .list_resources()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.user_id.is_none())
        .expect("the demo has rooms");
    let listing = page(&producer, &format!("{base}/billing")).await;
    assert!(
        listing.contains(&format!(
            "<option value=\"{}\">{}</option>",
            room.id, room.name
        )),
        "the rate form offers {}",
        room.name
    );
    let room_id = room.id.to_string();
    let room_rate = [
        ("card", "1"),
        ("kind", "sell"),
        ("unit", "hour"),
        ("room", room_id.as_str()),
        ("amount", "95.00"),
        ("effective_from", "2026-01-01"),
    ];
    let (_, flash) = post(&producer, &base, "/billing", "/billing/rates", &room_rate).await;
    assert_eq!(flash, "Rate added.");
    let listing = page(&producer, &format!("{base}/billing")).await;
    assert!(
        listing.contains(&format!("<td>{}</td><td class=\"num\">95.00", room.name)),
        "the rates table names the room"
    );
    let terms = api
        .put(format!("{base}/api/v1/projects/ACME-SPRING/terms"))
        .bearer_auth(&ptoken)
        .json(&json!({"kind": "barter"}))
        .send()
        .await
        .unwrap();
    assert_eq!(terms.status(), StatusCode::BAD_REQUEST);
    let body: Value = terms.json().await.unwrap();
    assert!(
        body["fields"]["kind"]
            .as_str()
            .unwrap()
            .contains("time_and_materials"),
        "{body}"
    );
    let client_billing = api
        .put(format!(
            "{base}/api/v1/clients/{}/billing",
            project.client_id
        ))
        .bearer_auth(&ptoken)
        .json(&json!({"legal_name": "Acme Productions Ltd", "currency": "EUR", "tax": "21"}))
        .send()
        .await
        .unwrap();
    assert_eq!(client_billing.status(), StatusCode::NO_CONTENT);

    // The reports: SVG charts and tables for the period, and their CSV.
    let reports = page(
        &producer,
        &format!("{base}/billing/reports?from=2026-11-01&to=2026-11-30"),
    )
    .await;
    for id in [
        "chart-utilization",
        "chart-departments",
        "chart-profitability",
        "chart-activity",
        "chart-budget",
    ] {
        assert!(
            reports.contains(&format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart bars\" id=\"{id}\""
            )),
            "{id}"
        );
    }
    assert!(reports.contains("data-band=\"80-90\""));
    assert!(
        reports.contains("<table id=\"departments\">"),
        "utilization per department is tabled"
    );
    // Revenue 875.00 issued in November, no cost rates: the whole of it is margin.
    assert!(reports.contains("<td>ACME-SPRING</td><td class=\"num\">875.00 EUR</td><td class=\"num\">0.00 EUR</td><td class=\"num\">875.00 EUR</td><td class=\"num\">100.0 %</td>"), "{reports}");
    let csv = page(
        &producer,
        &format!("{base}/billing/reports.csv?from=2026-11-01&to=2026-11-30"),
    )
    .await;
    assert!(
        csv.contains("hours_by_activity,Editing,hours,7:30\n")
            && csv.contains("hours_by_activity,Color grading,billable_hours,1:20\n"),
        "{csv}"
    );
    let bad = producer
        .get(format!("{base}/billing/reports?from=someday"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        editor
            .get(format!("{base}/billing/reports"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );

    // Clients see nothing of billing; the OpenAPI document lists the new routes.
    let client_user = signed_in(&app, "client@acme.example").await;
    for path in ["/billing", &format!("/billing/invoices/{id}/print")] {
        let status = client_user
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let doc: Value = api
        .get(format!("{base}/api/v1/openapi.json"))
        .bearer_auth(&ptoken)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/time/timer",
        "/api/v1/time/timesheets/{user_id}/{date}/approve",
        "/api/v1/invoices/{id}/issue",
        "/api/v1/rate-cards",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
}
