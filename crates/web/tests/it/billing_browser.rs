//! Time and billing in a real headless Chromium: an editor starts the timer on the time page and
//! stops it from the sidebar of another page; a producer approves the editor's week, drafts the
//! invoice from it, issues it and downloads the PDF, whose text carries the number and total.

use crate::common::chromium::{browser, sign_in, start_chromedriver};
use crate::common::*;
use fantoccini::Locator;
use postflow_app::access::local_operator;
use postflow_app::billing::{self, ClientBillingDraft, RateDraft, TermsDraft};
use postflow_app::time::{self, EntryDraft};
use postflow_core::project::Code;
use postflow_store::billing::SeriesInput;

async fn flash(b: &fantoccini::Client) -> String {
    b.wait()
        .for_element(Locator::Css("div.flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timer_approval_invoice_and_pdf_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let ctx = postflow_app::Context::new(app.store.clone());
    let op = local_operator();
    let activities = time::seed_activities(&ctx, &op).await.unwrap();
    let editing = activities.iter().find(|a| a.name == "Editing").unwrap().id;
    let card = billing::create_rate_card(&ctx, &op, "Studio", None, "EUR")
        .await
        .unwrap();
    let rate = RateDraft {
        kind: "sell".into(),
        unit: "hour".into(),
        activity: "Editing".into(),
        amount: "90.00".into(),
        effective_from: "2026-01-01".into(),
        ..Default::default()
    };
    billing::add_rate(&ctx, &op, card, &rate).await.unwrap();
    let project = app
        .store
        .project_by_code(&Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    let details = ClientBillingDraft {
        legal_name: "Acme Productions Ltd".into(),
        address: "Dublin".into(),
        tax_id: "IE9876543W".into(),
        currency: "EUR".into(),
        tax: "19".into(),
        rate_card_id: None,
    };
    billing::set_client_billing(&ctx, &op, project.client_id, &details)
        .await
        .unwrap();
    let terms = TermsDraft {
        kind: "time_and_materials".into(),
        ..Default::default()
    };
    billing::set_terms(&ctx, &op, "ACME-SPRING", &terms)
        .await
        .unwrap();
    let series = SeriesInput {
        code: "2026".into(),
        prefix: "PF-".into(),
        seller_name: "Demo Post GmbH".into(),
        seller_address: "Berlin".into(),
        seller_tax_id: "DE123456789".into(),
    };
    billing::create_series(&ctx, &op, series).await.unwrap();
    let editor = app
        .store
        .user_by_email("editor@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let _ = app.store.add_project_member(project.id, editor.id).await;
    let entry = EntryDraft {
        project_code: "ACME-SPRING".into(),
        user_id: Some(editor.id),
        activity_id: editing,
        date: "2026-11-02".into(),
        duration: "7:30".into(),
        billable: true,
        ..Default::default()
    };
    time::log_time(&ctx, &op, &entry).await.unwrap();

    let driver = start_chromedriver();
    // The editor: start on the time page, stop from another page's sidebar.
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "editor@demo.postflow", "/time").await;
    b.wait()
        .for_element(Locator::Id("timer-form"))
        .await
        .unwrap();
    b.find(Locator::Css(
        "#timer-form select[name=project] option[value='ACME-SPRING']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.find(Locator::Id("timer-start"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(flash(&b).await.contains("Timer started on ACME-SPRING"));
    b.wait()
        .for_element(Locator::Id("timer-running"))
        .await
        .unwrap();
    b.goto(&format!("{}/projects", app.base)).await.unwrap();
    b.find(Locator::Id("header-timer-stop"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let stopped = flash(&b).await;
    assert!(stopped.starts_with("Timer stopped:"), "{stopped}");
    assert!(b
        .current_url()
        .await
        .unwrap()
        .path()
        .starts_with("/projects"));
    b.close().await.unwrap();

    // The producer: approve the week, draft, issue.
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "producer@demo.postflow", "/billing").await;
    b.wait()
        .for_element(Locator::Id("draft-form"))
        .await
        .unwrap();
    b.goto(&format!(
        "{}/time?week=2026-11-02&user={}",
        app.base, editor.id
    ))
    .await
    .unwrap();
    b.find(Locator::Css("#approve-week button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(flash(&b).await, "Week approved and locked.");
    b.wait()
        .for_element(Locator::Id("week-approved"))
        .await
        .unwrap();
    b.goto(&format!("{}/billing", app.base)).await.unwrap();
    b.find(Locator::Css(
        "#draft-form select[name=project] option[value='ACME-SPRING']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.execute(
        "const f = document.getElementById('draft-form');
         f.elements['from'].value = '2026-11-01';
         f.elements['to'].value = '2026-11-08';",
        vec![],
    )
    .await
    .unwrap();
    b.find(Locator::Css("#draft-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // 7:30 at 90.00 = 675.00, VAT 19 % = 128.25.
    assert_eq!(flash(&b).await, "Draft created: 803.25 EUR.");
    let total = b
        .find(Locator::Id("invoice-total"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(total, "803.25 EUR");
    b.find(Locator::Id("issue"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let issued = flash(&b).await;
    assert!(issued.starts_with("Issued as PF-0001"), "{issued}");
    let pdf_href = b
        .find(Locator::Id("pdf-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    b.close().await.unwrap();

    // The PDF behind the page's link: a PDF whose text has the number and the total.
    let c = signed_in(&app, "producer@demo.postflow").await;
    let pdf = c
        .get(format!("{}{pdf_href}", app.base))
        .send()
        .await
        .unwrap();
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
    assert!(
        text.contains("PF-0001") && text.contains("803.25 EUR"),
        "{text}"
    );
}
