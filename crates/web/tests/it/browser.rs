//! The pages in a real headless Chromium (driven through chromedriver): the demo producer signs
//! in and sees the projects; a client signs in and sees only their company's projects.
//! Set POSTFLOW_SCREENSHOT_DIR to keep PNG screenshots of what the browser rendered.

use crate::common::chromium::{browser, screenshot, start_chromedriver, submit_sign_in};
use crate::common::*;
use fantoccini::Locator;

async fn sign_in(b: &fantoccini::Client, base: &str, email: &str) {
    b.goto(&format!("{base}/login")).await.unwrap();
    submit_sign_in(&b, email, postflow_web::demo::DEMO_PASSWORD).await;
    b.wait()
        .for_element(Locator::Css("nav.side"))
        .await
        .unwrap();
}

async fn project_codes(b: &fantoccini::Client) -> Vec<String> {
    let mut codes = Vec::new();
    for row in b
        .find_all(Locator::Css(
            "#projects-table tbody tr.project-row td:first-child a",
        ))
        .await
        .unwrap()
    {
        codes.push(row.text().await.unwrap());
    }
    codes.sort();
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_and_client_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let driver = start_chromedriver();

    let b = browser(&driver).await;
    // A wrong password shows the generic message in the page.
    b.goto(&format!("{}/login", app.base)).await.unwrap();
    submit_sign_in(&b, "producer@demo.postflow", "not-it").await;
    let err = b
        .wait()
        .for_element(Locator::Id("login-error"))
        .await
        .unwrap();
    assert_eq!(err.text().await.unwrap(), "Email or password is wrong.");
    screenshot(&b, "login-error").await;

    sign_in(&b, &app.base, "producer@demo.postflow").await;
    b.goto(&format!("{}/projects", app.base)).await.unwrap();
    assert_eq!(
        project_codes(&b).await,
        vec!["ACME-BRAND", "ACME-SPRING", "LUMEN-NOVA", "NB-HARBOUR"]
    );
    // The quick filter narrows the table in the page.
    b.find(Locator::Css("input[data-filter]"))
        .await
        .unwrap()
        .send_keys("harbour")
        .await
        .unwrap();
    let mut visible = Vec::new();
    for row in b
        .find_all(Locator::Css("#projects-table tbody tr"))
        .await
        .unwrap()
    {
        if row.is_displayed().await.unwrap() {
            visible.push(row.text().await.unwrap());
        }
    }
    assert_eq!(visible.len(), 1, "{visible:?}");
    assert!(visible[0].contains("NB-HARBOUR"));
    screenshot(&b, "producer-projects").await;
    b.goto(&format!("{}/", app.base)).await.unwrap();
    screenshot(&b, "producer-dashboard").await;
    b.goto(&format!("{}/projects/NB-HARBOUR", app.base))
        .await
        .unwrap();
    screenshot(&b, "producer-project").await;
    b.goto(&format!("{}/admin/clients", app.base))
        .await
        .unwrap();
    screenshot(&b, "producer-clients").await;
    for (path, heading) in [
        ("/media", "Media"),
        ("/qc", "QC"),
        ("/resources", "Resources"),
    ] {
        b.goto(&format!("{}{path}", app.base)).await.unwrap();
        let h1 = b
            .find(Locator::Css("main h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(h1.starts_with(heading), "{path}: {h1}");
        screenshot(&b, &format!("producer{}", path.replace('/', "-"))).await;
    }
    b.close().await.unwrap();

    let b = browser(&driver).await;
    sign_in(&b, &app.base, "client@acme.example").await;
    b.goto(&format!("{}/projects", app.base)).await.unwrap();
    assert_eq!(project_codes(&b).await, vec!["ACME-BRAND", "ACME-SPRING"]);
    let nav = b
        .find(Locator::Css("nav.side"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!nav.contains("Billing") && !nav.contains("Admin"), "{nav}");
    screenshot(&b, "client-projects").await;
    b.goto(&format!("{}/projects/NB-HARBOUR", app.base))
        .await
        .unwrap();
    let body = b
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("404"), "{body}");
    b.close().await.unwrap();
}
