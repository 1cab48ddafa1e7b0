//! Channels in headless Chromium: a producer opens the project's internal channel from the
//! project page, posts with an @mention, replies, edits (the "edited" marker and the earlier
//! version), records a decision, searches from the nav and sees the highlighted hit; the
//! client then signs in and sees only the client channel.
//! Set POSTFLOW_SCREENSHOT_DIR to keep PNG screenshots of what the browser rendered.

use crate::common::chromium::{browser, screenshot, sign_in, start_chromedriver};
use crate::common::*;
use fantoccini::{Client, Locator};

async fn click(b: &Client, css: &str) {
    b.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn type_into(b: &Client, css: &str, text: &str) {
    let e = b.wait().for_element(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn text_of(b: &Client, css: &str) -> String {
    b.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The message id the page was sent to after a post (`…#m<id>`).
async fn anchored_message(b: &Client) -> i64 {
    let url = b.current_url().await.unwrap();
    url.fragment()
        .and_then(|f| f.strip_prefix('m'))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no message anchor in {url}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_discusses_decides_and_finds_it_and_the_client_sees_only_theirs() {
    let app = spawn_app(Backend::Sqlite).await;
    let driver = start_chromedriver();
    let b = browser(&driver).await;
    sign_in(
        &b,
        &app.base,
        "producer@demo.postflow",
        "/projects/ACME-SPRING",
    )
    .await;
    click(&b, "#channel-link").await;

    // A mention of nobody is refused beside the field, the text kept.
    type_into(&b, "#body", "ask @nobody-here about the harbour").await;
    click(&b, "#post-message").await;
    let error = text_of(&b, "#body-error").await;
    assert!(error.contains("@nobody-here"), "{error}");
    let kept = b
        .find(Locator::Id("body"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(kept, "ask @nobody-here about the harbour");

    // Post with a mention.
    type_into(
        &b,
        "#body",
        "@admin the harbour grade of reel 3 is approved",
    )
    .await;
    click(&b, "#post-message").await;
    b.wait().for_element(Locator::Css(".flash")).await.unwrap();
    let mid = anchored_message(&b).await;
    let shown = text_of(&b, &format!("#m{mid}")).await;
    assert!(shown.contains("harbour grade of reel 3"), "{shown}");
    assert!(shown.contains("mentions Alex Admin"), "{shown}");

    // Reply under it.
    click(&b, ".thread details.reply-form summary").await;
    type_into(
        &b,
        &format!("textarea[aria-label='Reply to message {mid}']"),
        "Graded warmer, as discussed.",
    )
    .await;
    click(&b, &format!("button[data-reply='{mid}']")).await;
    b.wait().for_element(Locator::Css(".flash")).await.unwrap();
    let reply = text_of(&b, ".replies .msg").await;
    assert!(reply.contains("Graded warmer"), "{reply}");

    // Edit: the marker, and the earlier version on the message's page.
    click(&b, &format!("a[data-edit='{mid}']")).await;
    type_into(
        &b,
        "#edit-body",
        "@admin the harbour grade of reel 3 is approved, a touch warmer",
    )
    .await;
    click(&b, "#save-edit").await;
    click(&b, &format!("a[data-edited='{mid}']")).await;
    let history = text_of(&b, "#history").await;
    assert!(
        history.contains("the harbour grade of reel 3 is approved"),
        "{history}"
    );
    let current = text_of(&b, "#current-body").await;
    assert!(current.contains("a touch warmer"), "{current}");
    b.back().await.unwrap();

    // Record it as a decision: listed on the channel.
    click(&b, &format!("button[data-decide='{mid}']")).await;
    let decisions = text_of(&b, "#decisions").await;
    assert!(decisions.contains("a touch warmer"), "{decisions}");
    assert!(decisions.contains("Priya Producer"), "{decisions}");
    screenshot(&b, "channel-internal").await;

    // Search from the nav: the hit, highlighted.
    type_into(&b, "#nav-search", "harbour warm\u{E007}").await;
    let mark = text_of(&b, "#hits mark").await;
    assert!(
        mark.to_lowercase().starts_with("harbour") || mark.to_lowercase().starts_with("warm"),
        "{mark}"
    );
    let hits = b.find_all(Locator::Css("#hits li")).await.unwrap();
    assert!(hits.len() >= 2, "the message and the decision");
    screenshot(&b, "search-hits").await;

    // The client: only the client channel.
    click(&b, "nav .who form button").await;
    sign_in(
        &b,
        &app.base,
        "client@acme.example",
        "/projects/ACME-SPRING",
    )
    .await;
    b.wait()
        .for_element(Locator::Id("client-channel-link"))
        .await
        .unwrap();
    assert!(
        b.find(Locator::Id("channel-link")).await.is_err(),
        "the client is offered the internal channel"
    );
    b.goto(&format!("{}/projects/ACME-SPRING/channel", app.base))
        .await
        .unwrap();
    let page = b.source().await.unwrap();
    assert!(!page.contains("reel 3"), "the internal channel leaked");
    assert!(b.find(Locator::Id("post-form")).await.is_err());
    b.goto(&format!("{}/projects/ACME-SPRING/client-channel", app.base))
        .await
        .unwrap();
    type_into(&b, "#body", "Is the harbour grade final?").await;
    click(&b, "#post-message").await;
    b.wait().for_element(Locator::Css(".flash")).await.unwrap();
    let page = b.source().await.unwrap();
    assert!(page.contains("Is the harbour grade final?"));
    assert!(!page.contains("reel 3"));
    assert!(!page.contains("Record as decision"));
    type_into(&b, "#nav-search", "harbour\u{E007}").await;
    b.wait().for_element(Locator::Css("h1")).await.unwrap();
    let page = b.source().await.unwrap();
    assert!(
        !page.contains("reel 3"),
        "the client found an internal message"
    );
    screenshot(&b, "channel-client").await;
    b.close().await.unwrap();
}
