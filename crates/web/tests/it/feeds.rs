//! Calendar feeds over HTTP on both stores: a room's bookings, a project's milestones and a
//! person's tasks as RFC 5545 feeds, read back with the `icalendar` package from PyPI — times
//! converted with the feed's own VTIMEZONE (not the reader's zone database) land on the booked
//! UTC instants —, fetched without a session, and gone once revoked.

use crate::common::*;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use postflow_store::bookings::{BookingStatus, NewBooking};
use reqwest::StatusCode;
use serde_json::Value;

postflow_testkit::app_backends!(
    feeds_read_back_with_icalendar_and_stop_when_revoked,
    feed_refusals_are_clear_and_reveal_nothing,
);

/// Reads a feed with icalendar; prints the events with their times in UTC, converted through
/// the feed's own VTIMEZONE (`lookup_tzid=False`: the rules we wrote, not the reader's).
const READ_FEED: &str = r#"
import datetime, json, sys
import icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
errors = [str(e) for c in cal.walk() for e in getattr(c, 'errors', [])]
tzs = {}
for c in cal.walk('VTIMEZONE'):
    try:
        tzs[str(c['TZID'])] = c.to_tz(lookup_tzid=False)
    except TypeError:
        tzs[str(c['TZID'])] = c.to_tz()
def when(ev, prop):
    p = ev[prop]
    dt = p.dt
    if isinstance(dt, datetime.datetime):
        tzid = p.params.get('TZID')
        if tzid:
            tz = tzs[tzid]
            naive = dt.replace(tzinfo=None)
            dt = tz.localize(naive) if hasattr(tz, 'localize') else naive.replace(tzinfo=tz)
        return dt.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    return 'date:' + dt.isoformat()
out = {
    'version': str(cal.get('VERSION')),
    'prodid': str(cal.get('PRODID')),
    'name': str(cal.get('X-WR-CALNAME')),
    'tzids': sorted(tzs),
    'errors': errors,
    'events': [{
        'uid': str(ev['UID']),
        'summary': str(ev['SUMMARY']),
        'status': str(ev.get('STATUS', '')),
        'dtstamp': 'DTSTAMP' in ev,
        'start': when(ev, 'DTSTART'),
        'end': when(ev, 'DTEND'),
    } for ev in cal.walk('VEVENT')],
}
print(json.dumps(out))
"#;

fn read_feed(text: &str) -> Value {
    let python = postflow_testkit::python::venv_python("icalendar", &["icalendar"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, text).unwrap();
    let out = postflow_testkit::python::run(&python, READ_FEED, &[file.to_str().unwrap()]);
    serde_json::from_str(&out).unwrap()
}

/// The first `month`/15 strictly after today, 08:00 UTC.
fn next_15th(month: u32) -> DateTime<Utc> {
    let today = Utc::now().date_naive();
    let mut year = today.year();
    loop {
        let d = NaiveDate::from_ymd_opt(year, month, 15).unwrap();
        if d > today {
            return Utc.from_utc_datetime(&d.and_hms_opt(8, 0, 0).unwrap());
        }
        year += 1;
    }
}

async fn post_form(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let csrf = csrf_of(c, &format!("{}/calendar-feeds", app.base)).await;
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = c
        .post(format!("{}{path}", app.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

fn new_feed_url(html: &str) -> String {
    let marker = "id=\"new-feed-url\">";
    let start = html.find(marker).expect("the new feed's URL is shown once") + marker.len();
    html[start..].split('<').next().unwrap().to_string()
}

async fn fetch(url: &str) -> (StatusCode, String, String) {
    // No cookies: a calendar app has no session.
    let r = reqwest::get(url).await.unwrap();
    let status = r.status();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, r.text().await.unwrap())
}

async fn feeds_read_back_with_icalendar_and_stop_when_revoked(app: TestApp) {
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let (status, _) = post_form(
        &producer,
        &app,
        "/calendar-feeds/time-zone",
        &[("time_zone", "Europe/London")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let room = app
        .store
        .resources(false)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo has rooms");
    let project = app
        .store
        .project_by_code(&postflow_core::project::Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    // One booking in winter (GMT) and one in summer (BST): the feed's zone rules must carry both.
    let winter = next_15th(1);
    let summer = next_15th(7);
    let tx = app.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for (start, status, note) in [
        (winter, BookingStatus::Confirmed, "grade, day 1; reel A"),
        (summer, BookingStatus::Preliminary, ""),
    ] {
        let b = tx
            .insert_booking(NewBooking {
                resource_id: room.id,
                project_id: project.id,
                task_id: None,
                starts_at: start,
                ends_at: start + chrono::Duration::hours(9),
                units: 1,
                status,
                note: note.into(),
                created_by: None,
            })
            .await
            .unwrap()
            .unwrap();
        ids.push(b.id);
    }
    tx.commit().await.unwrap();

    let (status, html) = post_form(
        &producer,
        &app,
        "/calendar-feeds",
        &[("subject", &format!("room:{}", room.id))],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let url = new_feed_url(&html);
    assert!(url.starts_with(&app.base) && url.ends_with(".ics"), "{url}");
    let (status, kind, text) = fetch(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/calendar"), "{kind}");
    assert!(text.contains("\r\n"), "lines end in CRLF");
    let feed = read_feed(&text);
    assert_eq!(feed["version"], "2.0");
    assert_eq!(
        feed["errors"],
        Value::Array(vec![]),
        "icalendar found no errors"
    );
    assert_eq!(feed["tzids"], serde_json::json!(["Europe/London"]));
    assert!(feed["name"].as_str().unwrap().contains(&room.name));
    // Every booking of the room in the window is in the feed (the demo's own, and ours).
    let all_bookings = app
        .store
        .list_bookings(&postflow_store::bookings::BookingFilter {
            resource_id: Some(room.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        feed["events"].as_array().unwrap().len(),
        all_bookings.len(),
        "{feed}"
    );
    let events: Vec<&Value> = ids
        .iter()
        .map(|id| {
            feed["events"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["uid"] == format!("booking-{id}@postflow"))
                .unwrap_or_else(|| panic!("booking {id} is in the feed: {feed}"))
        })
        .collect();
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    for (event, (id, start, status)) in events
        .iter()
        .zip([(ids[0], winter, "CONFIRMED"), (ids[1], summer, "TENTATIVE")])
    {
        assert_eq!(event["uid"], format!("booking-{id}@postflow"));
        assert_eq!(event["start"], stamp(start), "{event}");
        assert_eq!(event["end"], stamp(start + chrono::Duration::hours(9)));
        assert_eq!(event["status"], status);
        assert_eq!(event["dtstamp"], true);
        assert!(event["summary"]
            .as_str()
            .unwrap()
            .starts_with("ACME-SPRING"));
    }
    assert!(
        events[0]["summary"]
            .as_str()
            .unwrap()
            .ends_with("grade, day 1; reel A"),
        "escaped text reads back"
    );
    // Summer 08:00 UTC is 09:00 in London: written as local wall-clock time with its TZID.
    assert!(
        text.contains(&format!(
            "DTSTART;TZID=Europe/London:{}",
            summer.format("%Y%m%dT090000")
        )),
        "{text}"
    );

    // A project's milestones (all-day) and a person's own tasks.
    let (_, html) = post_form(
        &producer,
        &app,
        "/calendar-feeds",
        &[("subject", "project:ACME-SPRING")],
    )
    .await;
    let (status, _, text) = fetch(&new_feed_url(&html)).await;
    assert_eq!(status, StatusCode::OK);
    let project_feed = read_feed(&text);
    let milestones: Vec<&Value> = project_feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["uid"].as_str().unwrap().starts_with("milestone-"))
        .collect();
    assert!(!milestones.is_empty(), "{project_feed}");
    assert!(milestones
        .iter()
        .all(|m| m["start"].as_str().unwrap().starts_with("date:")));
    assert!(project_feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["uid"] == format!("booking-{}@postflow", ids[0])));

    let editor = signed_in(&app, "editor@demo.postflow").await;
    let me = app
        .store
        .user_by_email("editor@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let (_, html) = post_form(
        &editor,
        &app,
        "/calendar-feeds",
        &[("subject", &format!("person:{}", me.id))],
    )
    .await;
    let person_url = new_feed_url(&html);
    let (status, _, text) = fetch(&person_url).await;
    assert_eq!(status, StatusCode::OK);
    let mine = read_feed(&text);
    let tasks = app.store.task_ids_assigned_to(me.id).await.unwrap();
    assert!(!tasks.is_empty(), "the demo editor has tasks");
    for e in mine["events"].as_array().unwrap() {
        let uid = e["uid"].as_str().unwrap();
        let id: i64 = uid
            .trim_start_matches("task-")
            .trim_end_matches("@postflow")
            .parse()
            .unwrap();
        assert!(tasks.contains(&id), "{uid} is one of the editor's tasks");
    }
    assert!(!mine["events"].as_array().unwrap().is_empty());

    // Revoked: the URL answers 404 like any unknown token.
    let feeds = app
        .store
        .list_calendar_feeds(Some(("room", room.id)))
        .await
        .unwrap();
    let (status, _) = post_form(
        &producer,
        &app,
        &format!("/calendar-feeds/{}/revoke", feeds[0].id),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = fetch(&url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The editor may not revoke the producer's project feed (it is not theirs).
    let project_feed_id = app
        .store
        .list_calendar_feeds(Some(("project", project.id)))
        .await
        .unwrap()[0]
        .id;
    let (status, _) = post_form(
        &editor,
        &app,
        &format!("/calendar-feeds/{project_feed_id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Disabling the person ends their feed.
    app.store.set_user_disabled(me.id, true).await.unwrap();
    let (status, _, _) = fetch(&person_url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn feed_refusals_are_clear_and_reveal_nothing(app: TestApp) {
    for path in [
        "/feeds/nothing.ics",
        &format!("/feeds/{}.ics", "ab".repeat(24)),
    ] {
        let (status, _, _) = fetch(&format!("{}{path}", app.base)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let (status, html) = post_form(
        &producer,
        &app,
        "/calendar-feeds/time-zone",
        &[("time_zone", "Mars/Olympus")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("is not a time zone"), "{html}");
    assert!(
        html.contains("value=\"Mars/Olympus\""),
        "the refused input is kept"
    );

    // A client sees no rooms and no people, and cannot make a feed of them by hand.
    let client = signed_in(&app, "client@acme.example").await;
    let page = client
        .get(format!("{}/calendar-feeds", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("room:") && !page.contains("person:"),
        "{page}"
    );
    let room = app
        .store
        .resources(false)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let (status, _) = post_form(
        &client,
        &app,
        "/calendar-feeds",
        &[("subject", &format!("room:{}", room.id))],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post_form(
        &client,
        &app,
        "/calendar-feeds/time-zone",
        &[("time_zone", "UTC")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An artist may not subscribe to somebody else.
    let editor = signed_in(&app, "editor@demo.postflow").await;
    let producer_id = app
        .store
        .user_by_email("producer@demo.postflow")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (status, _) = post_form(
        &editor,
        &app,
        "/calendar-feeds",
        &[("subject", &format!("person:{producer_id}"))],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = post_form(
        &producer,
        &app,
        "/calendar-feeds",
        &[("subject", "nonsense")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Choose what the feed should show"));
}
