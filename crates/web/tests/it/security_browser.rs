//! The security and form behaviour in a real headless Chromium (through chromedriver): the
//! pages' script still runs under the Content-Security-Policy, a deep link survives the sign-in,
//! the errored field has the focus, one-click destruction asks first and a save flashes once.

use crate::common::chromium::{browser, start_chromedriver, submit_sign_in};
use crate::common::*;
use fantoccini::Locator;

async fn focused_name(b: &fantoccini::Client) -> String {
    b.execute(
        "return document.activeElement.name || document.activeElement.id",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or("")
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_and_forms_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let driver = start_chromedriver();
    let b = browser(&driver).await;

    // A deep link: sign in, land where the link pointed.
    b.goto(&format!("{}/projects/ACME-SPRING", app.base))
        .await
        .unwrap();
    b.wait().for_element(Locator::Id("sign-in")).await.unwrap();
    submit_sign_in(&b, "admin@demo.postflow", postflow_web::demo::DEMO_PASSWORD).await;
    b.wait()
        .for_element(Locator::Css("nav.side"))
        .await
        .unwrap();
    assert!(b
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/projects/ACME-SPRING"));

    // The page's script ran under the CSP (it makes sortable headers focusable).
    b.goto(&format!("{}/admin/users", app.base)).await.unwrap();
    let tab = b
        .execute(
            "return document.querySelector('th[data-sort]').tabIndex",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(tab.as_i64(), Some(0), "app.js did not run");

    // A wrong current password: the page says so beside the field, which has the focus.
    b.goto(&format!("{}/account", app.base)).await.unwrap();
    b.find(Locator::Id("current"))
        .await
        .unwrap()
        .send_keys("wrong")
        .await
        .unwrap();
    b.find(Locator::Id("new_password"))
        .await
        .unwrap()
        .send_keys("a long new password")
        .await
        .unwrap();
    b.find(Locator::Css("form[action='/account/password'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Id("current-error"))
        .await
        .unwrap();
    assert_eq!(focused_name(&b).await, "current");
    assert_eq!(
        b.find(Locator::Id("new_password"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("a long new password")
    );

    // Disabling asks first: dismissed, nothing happens; accepted, it is done at once.
    let mixer = app
        .store
        .user_by_email("mixer@demo.postflow")
        .await
        .unwrap()
        .unwrap()
        .id;
    b.goto(&format!("{}/admin/users/{mixer}", app.base))
        .await
        .unwrap();
    let disable = Locator::Css("form[action$='/disable'] button");
    b.find(disable).await.unwrap().click().await.unwrap();
    assert!(b
        .get_alert_text()
        .await
        .unwrap()
        .starts_with("Disable this account?"));
    b.dismiss_alert().await.unwrap();
    assert!(!app.store.user_by_id(mixer).await.unwrap().unwrap().disabled);
    b.find(disable).await.unwrap().click().await.unwrap();
    b.accept_alert().await.unwrap();
    b.wait()
        .for_element(Locator::Css("main .flash[role=status]"))
        .await
        .unwrap();
    assert!(app.store.user_by_id(mixer).await.unwrap().unwrap().disabled);
    let flash = b
        .find(Locator::Css("main .flash[role=status]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(flash.starts_with("Disabled mixer@demo.postflow"), "{flash}");
    // Shown once.
    b.refresh().await.unwrap();
    b.wait()
        .for_element(Locator::Css("#users-table"))
        .await
        .unwrap();
    assert!(b
        .find_all(Locator::Css("main .flash[role=status]"))
        .await
        .unwrap()
        .is_empty());

    b.close().await.unwrap();
}
