//! Resources and bookings over the JSON API on both stores: book a room (201), a confirmed
//! double-booking is 409 with `conflicts_with` naming the booking, bad input is refused by
//! field, PATCH moves and DELETE cancels; clients and artists are refused; the OpenAPI
//! document lists the routes.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

postflow_testkit::app_backends!(
    a_double_booking_is_409_naming_the_booking_it_collides_with,
    clients_and_artists_cannot_book_and_clients_see_no_resources,
    clients_get_no_resource_page_board_or_booking_form,
);

async fn token(app: &TestApp, email: &str) -> String {
    let c = signed_in(app, email).await;
    create_token(app, &c).await
}

async fn api(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}/api/v1{path}", app.base))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn bay_id(app: &TestApp, token: &str) -> i64 {
    let (status, list) = api(app, token, Method::GET, "/resources", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Edit Bay 3")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn a_double_booking_is_409_naming_the_booking_it_collides_with(app: TestApp) {
    let t = token(&app, "producer@demo.postflow").await;
    let bay = bay_id(&app, &t).await;
    let body = |start: &str, end: &str, status: &str| json!({"resource": bay, "project": "ACME-SPRING", "start": start, "end": end, "status": status});
    let (status, first) = api(
        &app,
        &t,
        Method::POST,
        "/bookings",
        Some(body(
            "2031-06-02T09:00:00Z",
            "2031-06-02T18:00:00Z",
            "confirmed",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["status"], "confirmed");
    assert_eq!(first["start"], "2031-06-02T09:00:00Z");
    let id = first["id"].as_i64().unwrap();

    let (status, refused) = api(
        &app,
        &t,
        Method::POST,
        "/bookings",
        Some(body(
            "2031-06-02T17:00:00+02:00",
            "2031-06-02T19:00:00Z",
            "confirmed",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["code"], "conflict");
    assert_eq!(refused["conflicts_with"], json!([id]));
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("#{id}")) && message.contains("Edit Bay 3"),
        "{message}"
    );
    assert_eq!(refused["error"], refused["message"]);
    assert!(refused["fields"].as_object().unwrap().is_empty());

    // End before start: refused on the field.
    let (status, bad) = api(
        &app,
        &t,
        Method::POST,
        "/bookings",
        Some(body(
            "2031-06-03T10:00:00Z",
            "2031-06-03T09:00:00Z",
            "confirmed",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert!(
        bad["fields"]["end"]
            .as_str()
            .unwrap()
            .contains("after the start"),
        "{bad}"
    );

    // As preliminary it is accepted, then confirming it is refused, then moving it works.
    let (status, pencil) = api(
        &app,
        &t,
        Method::POST,
        "/bookings",
        Some(body(
            "2031-06-02T17:00:00Z",
            "2031-06-02T19:00:00Z",
            "preliminary",
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pencil}");
    let pid = pencil["id"].as_i64().unwrap();
    let (status, refused) = api(
        &app,
        &t,
        Method::PATCH,
        &format!("/bookings/{pid}"),
        Some(json!({"status": "confirmed"})),
    )
    .await;
    assert_eq!(
        (status, refused["conflicts_with"].clone()),
        (StatusCode::CONFLICT, json!([id]))
    );
    let (status, moved) = api(
        &app,
        &t,
        Method::PATCH,
        &format!("/bookings/{pid}"),
        Some(json!({"start": "2031-06-02T18:00:00Z", "status": "confirmed"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(
        (moved["start"].as_str(), moved["status"].as_str()),
        (Some("2031-06-02T18:00:00Z"), Some("confirmed"))
    );

    let (status, listed) = api(
        &app,
        &t,
        Method::GET,
        &format!("/bookings?resource={bay}&from=2031-06-01T00:00:00Z&to=2031-06-03T00:00:00Z"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id, pid]);
    let (status, _) = api(&app, &t, Method::DELETE, &format!("/bookings/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = api(&app, &t, Method::DELETE, &format!("/bookings/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");

    let (_, doc) = api(&app, &t, Method::GET, "/openapi.json", None).await;
    for path in [
        "/api/v1/resources",
        "/api/v1/bookings",
        "/api/v1/bookings/{id}",
        "/api/v1/bookings/conflicts",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc["components"]["schemas"]
        .get("BookingConflictDto")
        .is_some());
}

async fn clients_and_artists_cannot_book_and_clients_see_no_resources(app: TestApp) {
    let producer = token(&app, "producer@demo.postflow").await;
    let bay = bay_id(&app, &producer).await;
    let (status, booked) = api(&app, &producer, Method::POST, "/bookings",
        Some(json!({"resource": bay, "project": "ACME-SPRING", "start": "2031-07-01T09:00:00Z", "end": "2031-07-01T10:00:00Z"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let id = booked["id"].as_i64().unwrap();
    let client = token(&app, "client@acme.example").await;
    let artist = token(&app, "vfx@demo.postflow").await;
    let new = json!({"resource": bay, "project": "ACME-SPRING", "start": "2031-07-02T09:00:00Z", "end": "2031-07-02T10:00:00Z"});
    for (who, t) in [("client", &client), ("artist", &artist)] {
        let (status, body) = api(&app, t, Method::POST, "/bookings", Some(new.clone())).await;
        assert!(
            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{who}: {status} {body}"
        );
        let (status, _) = api(
            &app,
            t,
            Method::PATCH,
            &format!("/bookings/{id}"),
            Some(json!({"status": "confirmed"})),
        )
        .await;
        assert!(
            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{who}: {status}"
        );
        let (status, _) = api(&app, t, Method::DELETE, &format!("/bookings/{id}"), None).await;
        assert!(
            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{who}: {status}"
        );
    }
    for path in ["/resources", "/bookings", "/bookings/conflicts"] {
        let (status, body) = api(&app, &client, Method::GET, path, None).await;
        assert!(
            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "client {path}: {status} {body}"
        );
    }
    // Artists see the resources without rates.
    let (status, list) = api(&app, &artist, Method::GET, "/resources", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r.get("cost_rate_minor").is_none()));
}

async fn clients_get_no_resource_page_board_or_booking_form(app: TestApp) {
    let producer = token(&app, "producer@demo.postflow").await;
    let bay = bay_id(&app, &producer).await;
    let client = signed_in(&app, "client@acme.example").await;
    for path in [
        "/resources".to_string(),
        format!("/resources/{bay}"),
        "/board".into(),
        "/board?view=month".into(),
    ] {
        let r = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "client GET {path}: {}",
            r.status()
        );
        let body = r.text().await.unwrap();
        assert!(
            !body.contains("Edit Bay"),
            "client GET {path} shows no resource"
        );
    }
    let csrf = csrf_of(&client, &format!("{}/", app.base)).await;
    for path in [
        format!("/resources/{bay}/bookings"),
        "/resources".to_string(),
        format!("/resources/{bay}"),
        "/bookings/1/move".into(),
        "/bookings/1/cancel".into(),
    ] {
        let r = client
            .post(format!("{}{path}", app.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("project", "ACME-SPRING"),
                ("start", "2031-08-01T09:00"),
                ("end", "2031-08-01T10:00"),
                ("name", "Mine"),
                ("kind", "edit_bay"),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "client POST {path}: {}",
            r.status()
        );
    }
    // The producer sees the board with the demo's bookings and its conflicts on the dashboard.
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let board = producer
        .get(format!("{}/board", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(board.status(), StatusCode::OK);
    let html = board.text().await.unwrap();
    assert!(
        html.contains("<svg") && html.contains("Edit Bay 1"),
        "{html}"
    );
    let home = producer
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("id=\"count-booking-conflicts\""), "{home}");
}
