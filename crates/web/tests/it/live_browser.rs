//! Live updates in a real headless Chromium: a producer has a project's plan open; a milestone
//! moved elsewhere (another session, through the use case) shows up in the page's milestones
//! table without a reload; while they are typing in a form the page is not swapped and says
//! "Updated — reload" instead. The same for a project's channel: a message posted in another
//! session appears in the open channel.
//! Set POSTFLOW_SCREENSHOT_DIR to keep PNG screenshots of what the browser rendered.

use crate::common::chromium::{browser, screenshot, sign_in, start_chromedriver};
use crate::common::*;
use chrono::Duration as Days;
use fantoccini::Locator;
use postflow_app::{plan, Context};
use std::time::Duration;

async fn updates(b: &fantoccini::Client) -> i64 {
    b.execute(
        "return Number(document.body.getAttribute('data-live-updates') || '0');",
        vec![],
    )
    .await
    .unwrap()
    .as_i64()
    .unwrap()
}

/// Moves the first milestone of `code` that can still move by `days`; returns its new date.
async fn move_a_milestone(ctx: &Context, code: &str, days: i64) -> String {
    let admin = ctx
        .store
        .user_by_email("admin@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let actor = postflow_app::access::actor_for(ctx, &admin).await.unwrap();
    let today = chrono::Utc::now().date_naive();
    let view = plan::view(ctx, &actor, code, today).await.unwrap();
    for m in view.milestones.iter().filter(|m| m.actual.is_none()) {
        let start = (m.planned + Days::days(days)).to_string();
        if plan::move_task(ctx, &actor, code, &m.task_key, None, &start, "")
            .await
            .is_ok()
        {
            let after = plan::view(ctx, &actor, code, today).await.unwrap();
            let moved = after
                .milestones
                .iter()
                .find(|x| x.task_key == m.task_key)
                .unwrap();
            return moved.planned.to_string();
        }
    }
    panic!("no milestone of {code} could be moved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_plan_follows_a_moved_milestone_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let ctx = Context::new(app.store.clone());
    let code = "ACME-SPRING";
    let driver = start_chromedriver();
    let b = browser(&driver).await;
    sign_in(
        &b,
        &app.base,
        "producer@demo.postflow",
        &format!("/projects/{code}/plan"),
    )
    .await;
    b.wait()
        .for_element(Locator::Id("live-plan"))
        .await
        .unwrap();
    // Changes count from the moment the stream is open.
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("body[data-live-connected]"))
        .await
        .expect("the event stream opens");
    assert_eq!(updates(&b).await, 0);
    let finish_before = b
        .find(Locator::Id("planned-finish"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let date = move_a_milestone(&ctx, code, 28).await;
    let mut swapped = false;
    for _ in 0..300 {
        if updates(&b).await >= 1 {
            swapped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(swapped, "the page took the update within 30 s");
    let table = b
        .find(Locator::Id("milestones"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        table.contains(&date),
        "the moved date {date} is shown: {table}"
    );
    let finish_after = b
        .find(Locator::Id("planned-finish"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(finish_after, finish_before, "the summary cards follow too");
    assert!(
        b.find(Locator::Css("svg.gantt")).await.is_ok(),
        "the Gantt is still there"
    );
    screenshot(&b, "live_plan_updated").await;

    // Typing: not swapped, told instead.
    let field = b.find(Locator::Id("move-start")).await.unwrap();
    field.click().await.unwrap();
    field.send_keys("2").await.unwrap();
    move_a_milestone(&ctx, code, 7).await;
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Id("live-notice"))
        .await
        .expect("an 'Updated — reload' notice");
    let notice = b
        .find(Locator::Id("live-notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("reload"), "{notice}");
    assert_eq!(
        updates(&b).await,
        1,
        "nothing swapped under the typing hands"
    );
    screenshot(&b, "live_plan_notice").await;
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_channel_shows_a_message_posted_elsewhere_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let ctx = Context::new(app.store.clone());
    let code = "ACME-SPRING";
    let driver = start_chromedriver();
    let b = browser(&driver).await;
    sign_in(
        &b,
        &app.base,
        "producer@demo.postflow",
        &format!("/projects/{code}/channel"),
    )
    .await;
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("body[data-live-connected]"))
        .await
        .expect("the event stream opens");
    let editor = ctx
        .store
        .user_by_email("editor@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let editor = postflow_app::access::actor_for(&ctx, &editor)
        .await
        .unwrap();
    let body = "Conform EDL for reel 2 is on the server";
    postflow_app::channels::post(
        &ctx,
        &editor,
        code,
        postflow_app::channels::ChannelKind::Internal,
        &postflow_app::channels::PostInput {
            body: body.into(),
            reply_to: None,
            attachments: vec![],
        },
    )
    .await
    .unwrap();
    let mut shown = false;
    for _ in 0..300 {
        // Read in one script: the region may be swapped between a find and a read.
        let text = b
            .execute(
                "var m = document.getElementById('messages'); return m ? m.textContent : '';",
                vec![],
            )
            .await
            .unwrap();
        if text.as_str().is_some_and(|t| t.contains(body)) {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "the message appeared within 30 s without a reload");
    assert!(updates(&b).await >= 1);
    assert!(
        b.find(Locator::Id("post-form")).await.is_ok(),
        "the post form stays"
    );
    screenshot(&b, "live_channel_updated").await;
    b.close().await.unwrap();
}
