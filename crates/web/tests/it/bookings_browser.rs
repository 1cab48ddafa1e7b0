//! Bookings in a real headless Chromium: a producer books a room from its page, tries to
//! double-book it as confirmed and sees the refusal naming the booking (the form keeps its
//! input), then sees both on the resource board — the confirmed one solid, the pencil hatched.
//! Set POSTFLOW_SCREENSHOT_DIR to keep PNG screenshots of what the browser rendered.

use crate::common::chromium::{browser, screenshot, sign_in, start_chromedriver};
use crate::common::*;
use fantoccini::Locator;

async fn fill_booking(b: &fantoccini::Client, status: &str) {
    b.find(Locator::Css(
        "#book select[name=project] option[value='ACME-SPRING']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.execute(
        "const f = document.getElementById('book');
         f.elements['start'].value = '2031-06-03T09:00';
         f.elements['end'].value = '2031-06-03T18:00';
         f.elements['status'].value = arguments[0];",
        vec![serde_json::json!(status)],
    )
    .await
    .unwrap();
    b.find(Locator::Css("#book button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_books_a_room_and_a_double_booking_is_refused_naming_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let bay = app
        .store
        .list_resources()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "Edit Bay 3")
        .unwrap();
    let driver = start_chromedriver();
    let b = browser(&driver).await;
    let next = format!("/resources/{}", bay.id);
    sign_in(&b, &app.base, "producer@demo.postflow", &next).await;
    b.wait().for_element(Locator::Id("book")).await.unwrap();

    fill_booking(&b, "confirmed").await;
    let flash = b
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(flash.starts_with("Booked (#"), "{flash}");
    let booked = app
        .store
        .list_bookings(&postflow_store::bookings::BookingFilter {
            resource_id: Some(bay.id),
            from: Some(
                chrono::DateTime::parse_from_rfc3339("2031-01-01T00:00:00Z")
                    .unwrap()
                    .into(),
            ),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(booked.len(), 1);
    let first = booked[0].id;

    // The same slot again, confirmed: refused, naming the booking; the form keeps its input.
    fill_booking(&b, "confirmed").await;
    let refusal = b
        .wait()
        .for_element(Locator::Id("booking-refusal"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        refusal.contains(&format!("#{first}")) && refusal.contains("ACME-SPRING"),
        "{refusal}"
    );
    let kept = b
        .find(Locator::Css("#book input[name=start]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("2031-06-03T09:00"));
    screenshot(&b, "booking-refused").await;

    // As a pencil it is accepted; the board shows both, the pencil in a conflict.
    fill_booking(&b, "preliminary").await;
    b.wait().for_element(Locator::Css(".flash")).await.unwrap();
    b.goto(&format!("{}/board?view=week&from=2031-06-02", app.base))
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("svg.board"))
        .await
        .unwrap();
    let confirmed = b
        .find_all(Locator::Css("svg.board g.booking.confirmed"))
        .await
        .unwrap();
    let pencils = b
        .find_all(Locator::Css("svg.board g.booking.preliminary.conflict"))
        .await
        .unwrap();
    assert_eq!((confirmed.len(), pencils.len()), (1, 1));
    let conflicts = b
        .find(Locator::Id("conflicts"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(conflicts.contains("Edit Bay 3"), "{conflicts}");
    screenshot(&b, "board-week").await;

    // Drag the pencil one day later (840 px over 7 days: 120 px a day, the page is not scaled);
    // board.js submits the move, the server checks it and the board comes back.
    {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        let bar = b
            .find(Locator::Css("svg.board g.booking.preliminary rect.bar"))
            .await
            .unwrap();
        let actions = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: bar,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveBy {
                duration: None,
                x: 60.0,
                y: 0.0,
            })
            .then(PointerAction::MoveBy {
                duration: None,
                x: 60.0,
                y: 0.0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        b.perform_actions(actions).await.unwrap();
        b.release_actions().await.unwrap();
    }
    let moved = b
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        moved.contains("2031-06-04 09:00 to 2031-06-04 18:00 UTC (preliminary)"),
        "{moved}"
    );
    screenshot(&b, "board-after-drag").await;
    b.goto(&format!("{}/board?view=month&from=2031-06-02", app.base))
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("svg.board"))
        .await
        .unwrap();
    screenshot(&b, "board-month").await;
}
