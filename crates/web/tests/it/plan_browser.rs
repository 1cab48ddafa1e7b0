//! The plan in a real headless Chromium: a producer lays out a new project from the commercial
//! template, sees its Gantt with the critical path, moves a task past the due date from the page
//! and sees the forecast delivery and the at-risk flag change.
//! Set POSTFLOW_SCREENSHOT_DIR to keep PNG screenshots of what the browser rendered.

use crate::common::chromium::{browser, screenshot, sign_in, start_chromedriver};
use crate::common::*;
use fantoccini::Locator;
use postflow_app::projects::{self, ProjectDraft};

async fn text_of(b: &fantoccini::Client, id: &str) -> String {
    b.find(Locator::Id(id)).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_plans_a_project_and_moves_a_task_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    // The project itself, as the projects page creates it.
    let ctx = postflow_app::Context::new(app.store.clone());
    let producer = app
        .store
        .user_by_email("producer@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let actor = postflow_app::access::actor_for(&ctx, &producer)
        .await
        .unwrap();
    let client_id = app.store.list_clients(false).await.unwrap()[0].id;
    let draft = ProjectDraft {
        code: "GANTT".into(),
        name: "Gantt spot".into(),
        client_id: client_id.to_string(),
        status: "bidding".into(),
        start_date: "2027-03-01".into(),
        due_date: "2027-04-30".into(),
    };
    projects::create(&ctx, &actor, &draft).await.unwrap();

    let driver = start_chromedriver();
    let b = browser(&driver).await;
    sign_in(
        &b,
        &app.base,
        "producer@demo.postflow",
        "/projects/GANTT/plan",
    )
    .await;
    // The deep link survives the sign-in: an empty plan offers the templates.
    b.wait()
        .for_element(Locator::Id("plan-empty"))
        .await
        .unwrap();
    b.find(Locator::Css("input[name=template][value=commercial]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Id("plan-from-template"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("#gantt svg"))
        .await
        .unwrap();
    screenshot(&b, "plan-laid-out").await;

    // The Gantt shows the critical path, milestones as diamonds and the due-date line.
    let critical_bars = b
        .find_all(Locator::Css("#gantt svg g.task rect.bar.critical"))
        .await
        .unwrap();
    assert!(!critical_bars.is_empty(), "no critical bar on the Gantt");
    let diamonds = b
        .find_all(Locator::Css("#gantt svg .milestone"))
        .await
        .unwrap();
    assert!(diamonds.len() >= 5, "{} milestones", diamonds.len());
    assert!(
        b.find(Locator::Id("on-track")).await.is_ok(),
        "the fresh plan should fit its due date"
    );
    let before = text_of(&b, "forecast-finish").await;

    // Move the first critical task to start a month later, from the page's move form.
    let critical_row = b
        .find(Locator::Css("#tasks-table tr.task-row.critical"))
        .await
        .unwrap();
    let key = critical_row.attr("data-task").await.unwrap().unwrap();
    b.find(Locator::Css(&format!("#move-task option[value='{key}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.execute(
        "document.getElementById('move-start').value = arguments[0];",
        vec![serde_json::json!("2027-04-12")],
    )
    .await
    .unwrap();
    b.find(Locator::Css("#move-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait().for_element(Locator::Id("at-risk")).await.unwrap();
    screenshot(&b, "plan-at-risk").await;
    let after = text_of(&b, "forecast-finish").await;
    assert!(
        after > before,
        "the forecast finish did not move: {before} → {after}"
    );
    let risk = text_of(&b, "at-risk").await;
    assert!(
        risk.contains("2027-04-30") && risk.contains("held"),
        "{risk}"
    );
    // The flash says what happened, and the late chain is marked on the Gantt.
    assert!(b
        .find(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("moved"));
    let late = b
        .find_all(Locator::Css("#tasks-table tr.task-row.late"))
        .await
        .unwrap();
    assert!(!late.is_empty());
    b.close().await.unwrap();
}
