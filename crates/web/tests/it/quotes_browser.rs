//! Quotes in a real headless Chromium: the producer drafts a quote from the plan on the
//! project's billing page, takes 10 % off and sends it; the client opens it, accepts it; the
//! producer's billing page then shows the budget it became. The quote's PDF (through the
//! invoice's PDF writer) carries the total.

use crate::common::chromium::{browser, screenshot, sign_in, start_chromedriver};
use crate::common::*;
use fantoccini::Locator;
use postflow_app::access::local_operator;
use postflow_app::billing::{self, ClientBillingDraft, RateDraft, TermsDraft};
use postflow_app::time;
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

async fn click(b: &fantoccini::Client, id: &str) {
    b.find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_quotes_client_accepts_budget_shows_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let ctx = postflow_app::Context::new(app.store.clone());
    let op = local_operator();
    time::seed_activities(&ctx, &op).await.unwrap();
    let card = billing::create_rate_card(&ctx, &op, "Studio", None, "EUR")
        .await
        .unwrap();
    let rate = RateDraft {
        kind: "sell".into(),
        unit: "hour".into(),
        activity: "Editing".into(),
        amount: "100.00".into(),
        effective_from: "2020-01-01".into(),
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
    billing::create_series(
        &ctx,
        &op,
        SeriesInput {
            code: "2026".into(),
            prefix: "PF-".into(),
            seller_name: "Demo Post GmbH".into(),
            seller_address: "Berlin".into(),
            seller_tax_id: "DE123456789".into(),
        },
    )
    .await
    .unwrap();
    let plan = app.store.plans_of(&[project.id]).await.unwrap();
    let minutes: i64 = plan
        .tasks
        .iter()
        .filter(|t| t.milestone.is_none())
        .map(|t| {
            t.duration_hours
                .map(|h| h * 60)
                .unwrap_or(t.duration_days * 480)
        })
        .sum();
    // Every hour at 100.00 less 10 %, VAT 19 %: hours × 90.00 × 1.19 = hours × 107.10.
    let hours = minutes / 60;
    let gross = hours * 10_710;
    let total = format!("{}.{:02} EUR", gross / 100, gross % 100);

    let driver = start_chromedriver();
    let b = browser(&driver).await;
    sign_in(
        &b,
        &app.base,
        "producer@demo.postflow",
        "/projects/ACME-SPRING/billing",
    )
    .await;
    b.wait()
        .for_element(Locator::Id("quote-form"))
        .await
        .unwrap();
    // Every stage quoted as editing (the one rate of the card).
    b.execute(
        "for (const s of document.querySelectorAll('#quote-stages select')) { s.value = 'Editing'; }",
        vec![],
    )
    .await
    .unwrap();
    click(&b, "create-quote").await;
    let drafted = flash(&b).await;
    assert!(drafted.starts_with("Quote 1 drafted"), "{drafted}");
    b.find(Locator::Css("#quote-discount input[name=discount]"))
        .await
        .unwrap()
        .send_keys("10")
        .await
        .unwrap();
    b.find(Locator::Css("#quote-discount button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let discounted = flash(&b).await;
    assert!(discounted.contains(&total), "{discounted} vs {total}");
    screenshot(&b, "quote_draft").await;
    click(&b, "send-quote").await;
    assert!(flash(&b).await.contains("sent to Acme Productions Ltd"));
    let path = b.current_url().await.unwrap().path().to_string();
    b.close().await.unwrap();

    // The client: opens the quote, sees the total and sell prices only, accepts.
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "client@acme.example", &path).await;
    let shown = b
        .wait()
        .for_element(Locator::Id("quote-total"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown, total);
    let source = b.source().await.unwrap();
    assert!(!source.contains("Budget hours") && !source.contains("Studio"));
    screenshot(&b, "quote_client").await;
    click(&b, "accept-quote").await;
    assert!(flash(&b)
        .await
        .contains("accepted; it is the project's budget now"));
    let state = b
        .find(Locator::Id("quote-state"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(state, "accepted");
    b.close().await.unwrap();

    // The producer: the budget is the quote.
    let b = browser(&driver).await;
    sign_in(
        &b,
        &app.base,
        "producer@demo.postflow",
        "/projects/ACME-SPRING/billing",
    )
    .await;
    let table = b
        .wait()
        .for_element(Locator::Id("budget"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let net = hours * 9_000;
    assert!(
        table.contains(&format!("{hours}:00"))
            && table.contains(&format!("{}.{:02} EUR", net / 100, net % 100)),
        "{table}"
    );
    screenshot(&b, "quote_budget").await;
    b.close().await.unwrap();

    // The PDF, printed by the invoice's writer, has the total in its text.
    let c = signed_in(&app, "client@acme.example").await;
    let pdf = c
        .get(format!("{}{path}/quote.pdf", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quote.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let python = postflow_testkit::python::venv_python("pypdf", &["pypdf"]);
    let text = postflow_testkit::python::run(
        &python,
        "import sys, pypdf\nprint('\\n'.join(p.extract_text() for p in pypdf.PdfReader(sys.argv[1]).pages))",
        &[file.to_str().unwrap()],
    );
    assert!(text.contains("Quote 1") && text.contains(&total), "{text}");
}
