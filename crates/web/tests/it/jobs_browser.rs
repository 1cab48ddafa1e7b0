//! The jobs page in a real headless Chromium: a producer queues a proxy from the project's jobs
//! page, sees it queued, cancels it, retries it, sees it on the studio-wide page, and pastes a
//! `.cube` with a row missing, which is refused naming its line. Without the form's CSRF token
//! a cancel is refused and changes nothing.

use crate::common::chromium::{browser, sign_in, start_chromedriver};
use crate::common::*;
use fantoccini::Locator;

async fn state_of(b: &fantoccini::Client, id: &str) -> String {
    b.find(Locator::Id(&format!("job-{id}")))
        .await
        .unwrap()
        .attr("data-state")
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_queues_cancels_and_retries_a_job_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let driver = start_chromedriver();
    let b = browser(&driver).await;
    sign_in(
        &b,
        &app.base,
        "producer@demo.postflow",
        "/projects/ACME-SPRING/jobs",
    )
    .await;
    b.wait()
        .for_element(Locator::Id("queue-job"))
        .await
        .unwrap();
    b.find(Locator::Id("job-source"))
        .await
        .unwrap()
        .send_keys("/media/A001/A001C001.mov")
        .await
        .unwrap();
    b.find(Locator::Id("queue-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let row = b
        .wait()
        .for_element(Locator::Css("#jobs tr[data-job]"))
        .await
        .unwrap();
    let id = row.attr("data-job").await.unwrap().unwrap();
    assert_eq!(state_of(&b, &id).await, "queued");
    let job = app.store.job(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(job.kind, "proxy");
    assert!(job.payload.contains("A001C001.mov"), "{}", job.payload);

    b.find(Locator::Id(&format!("cancel-{id}")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Id(&format!("retry-{id}")))
        .await
        .unwrap();
    assert_eq!(state_of(&b, &id).await, "cancelled");
    b.find(Locator::Id(&format!("retry-{id}")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Id(&format!("cancel-{id}")))
        .await
        .unwrap();
    assert_eq!(state_of(&b, &id).await, "queued");

    // The studio-wide page lists it with its project.
    b.goto(&format!("{}/jobs", app.base)).await.unwrap();
    b.wait()
        .for_element(Locator::Id(&format!("job-{id}")))
        .await
        .unwrap();
    let text = b
        .find(Locator::Id(&format!("job-{id}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("ACME-SPRING"), "{text}");

    // A LUT with a row missing is refused naming the line; nothing is added.
    b.goto(&format!("{}/projects/ACME-SPRING/jobs", app.base))
        .await
        .unwrap();
    b.wait().for_element(Locator::Id("add-lut")).await.unwrap();
    b.find(Locator::Id("lut-name"))
        .await
        .unwrap()
        .send_keys("Short")
        .await
        .unwrap();
    b.execute(
        "document.getElementById('lut-text').value = arguments[0];",
        vec![serde_json::json!(
            "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n"
        )],
    )
    .await
    .unwrap();
    b.find(Locator::Id("lut-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let error = b
        .wait()
        .for_element(Locator::Id("lut-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        error.contains("Short.cube") && error.contains("line"),
        "{error}"
    );
    assert!(b.find(Locator::Id("lut-list")).await.is_err());
    b.close().await.unwrap();

    // Without the form's token the cancel is refused and the job stays queued.
    let c = signed_in(&app, "producer@demo.postflow").await;
    let r = c
        .post(format!("{}/jobs/{id}/cancel", app.base))
        .form(&[("back", "/jobs")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let job = app.store.job(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(job.state, "queued");
}
