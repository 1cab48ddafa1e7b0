//! What-if plans end to end: in headless Chromium a producer proposes a whole-studio plan,
//! compares it (projects, tasks that move, bookings it would make), applies it after the
//! confirmation, and the planning bookings exist; over the API on both stores a scenario is
//! proposed, read, applied once, and refused (409) when applied again or by an artist (403).
//! Set POSTFLOW_SCREENSHOT_DIR to keep PNG screenshots of what the browser rendered.

use crate::common::chromium::{browser, screenshot, sign_in, start_chromedriver};
use crate::common::*;
use fantoccini::Locator;
use postflow_store::bookings::BookingFilter;
use reqwest::StatusCode;
use serde_json::Value;

fn planning_bookings_of(bookings: &[postflow_store::bookings::Booking], id: i64) -> usize {
    bookings
        .iter()
        .filter(|b| b.note == format!("plan scenario {id}") && b.status == "planning")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_proposes_compares_and_applies_a_plan_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let driver = start_chromedriver();
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "producer@demo.postflow", "/schedule").await;
    b.wait()
        .for_element(Locator::Id("scenarios-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Id("propose-plan"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The comparison.
    let status = b
        .wait()
        .for_element(Locator::Id("scenario-status"))
        .await
        .unwrap();
    assert_eq!(status.text().await.unwrap(), "proposed");
    let projects = b.find(Locator::Css("#scenario-projects tbody tr")).await;
    assert!(projects.is_ok(), "the projects are compared");
    let rows = b
        .find_all(Locator::Css("#scenario-bookings tbody tr"))
        .await
        .unwrap();
    assert!(!rows.is_empty(), "the proposal books rooms");
    let proposed_bookings = rows.len();
    screenshot(&b, "scenario-proposed").await;
    let url = b.current_url().await.unwrap();
    let id: i64 = url.path().rsplit('/').next().unwrap().parse().unwrap();

    // Apply asks first; dismissing changes nothing.
    b.find(Locator::Id("apply-scenario"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.dismiss_alert().await.unwrap();
    let all = BookingFilter {
        limit: Some(100_000),
        ..Default::default()
    };
    assert_eq!(
        planning_bookings_of(&app.store.list_bookings(&all).await.unwrap(), id),
        0
    );
    b.find(Locator::Id("apply-scenario"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.accept_alert().await.unwrap();
    b.wait()
        .for_element(Locator::XPath(
            "//*[@id='scenario-status' and text()='applied']",
        ))
        .await
        .unwrap();
    let flash = b
        .find(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(flash.contains("Plan applied"), "{flash}");
    screenshot(&b, "scenario-applied").await;
    assert_eq!(
        planning_bookings_of(&app.store.list_bookings(&all).await.unwrap(), id),
        proposed_bookings
    );
    assert!(
        b.find(Locator::Id("apply-scenario")).await.is_err(),
        "an applied plan offers no Apply"
    );
    b.close().await.unwrap();
}

postflow_testkit::app_backends!(scenarios_over_the_api_are_applied_once_by_producers_only);

async fn scenarios_over_the_api_are_applied_once_by_producers_only(app: TestApp) {
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let token = create_token(&app, &producer).await;
    let http = reqwest::Client::new();
    let post = |path: String, token: String| {
        let http = http.clone();
        async move {
            let r = http.post(path).bearer_auth(token).send().await.unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let (status, s) = post(format!("{}/api/v1/scenarios", app.base), token.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    assert_eq!(s["status"], "proposed");
    assert!(s["makespan_days"].as_i64().unwrap() >= s["lower_bound_days"].as_i64().unwrap());
    assert!(!s["bookings"].as_array().unwrap().is_empty());
    let id = s["id"].as_i64().unwrap();
    let read: Value = http
        .get(format!("{}/api/v1/scenarios/{id}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, s, "read back as proposed");

    let editor = signed_in(&app, "editor@demo.postflow").await;
    let artist_token = create_token(&app, &editor).await;
    let (status, body) = post(
        format!("{}/api/v1/scenarios/{id}/apply", app.base),
        artist_token,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, applied) = post(
        format!("{}/api/v1/scenarios/{id}/apply", app.base),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["status"], "applied");
    let (status, again) = post(
        format!("{}/api/v1/scenarios/{id}/apply", app.base),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("already applied"),
        "{again}"
    );
    let all = BookingFilter {
        limit: Some(100_000),
        ..Default::default()
    };
    assert_eq!(
        planning_bookings_of(&app.store.list_bookings(&all).await.unwrap(), id),
        s["bookings"].as_array().unwrap().len()
    );
}
