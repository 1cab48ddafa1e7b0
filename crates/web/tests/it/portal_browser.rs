//! The client portal in a real headless Chromium: the client signs in, sees their project's
//! timeline and the deliverable waiting for them, approves it and sees it approved.
use crate::common::chromium::{browser, screenshot, sign_in, start_chromedriver};
use crate::common::*;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_approves_a_delivery_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let s = crate::portal_routes::seed(&app).await;
    let driver = start_chromedriver();
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "client@acme.example", "/").await;
    b.wait()
        .for_element(Locator::Css("svg#timeline-ACME-SPRING g.today"))
        .await
        .unwrap();
    let milestones = b
        .find_all(Locator::Css("svg#timeline-ACME-SPRING g.milestone"))
        .await
        .unwrap();
    assert!(
        !milestones.is_empty(),
        "the plan's milestones on the timeline"
    );
    let pending = b
        .find(Locator::Id(&format!("approval-{}", s.ready_id)))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(pending.contains("YouTube 16:9 master"), "{pending}");
    screenshot(&b, "portal_pending").await;
    b.find(Locator::Id(&format!("comment-{}", s.ready_id)))
        .await
        .unwrap()
        .send_keys("Looks great, approved for upload")
        .await
        .unwrap();
    b.find(Locator::Id(&format!("approve-{}", s.ready_id)))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Id("nothing-awaiting"))
        .await
        .unwrap();
    let row = b
        .find(Locator::Css(&format!(
            "tr.portal-deliverable[data-deliverable='{}']",
            s.ready_id
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(row.contains("Passed QC — approved"), "{row}");
    assert!(row.contains("Approved by Avery"), "{row}");
    screenshot(&b, "portal_approved").await;
    b.close().await.unwrap();
}
