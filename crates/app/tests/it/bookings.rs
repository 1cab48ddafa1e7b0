//! Resources and bookings as people use them: who may, what is refused (field by field, with
//! nothing written), double-bookings refused naming the booking, every change audited, the
//! conflicts a producer should resolve.

use crate::support::{actor, client, user};
use chrono::NaiveDate;
use postflow_app::bookings::{self, BookingDraft, BookingEdit, BookingError, BookingQuery};
use postflow_app::resources::{self, ResourceDraft};
use postflow_app::{AppError, Context};
use postflow_core::access::Role;
use postflow_core::booking::ConflictKind;
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::studio::ProjectInput;
use postflow_store::Store;

backends!(
    resources_are_validated_audited_and_rates_shown_only_to_who_may_see_them,
    a_confirmed_double_booking_is_refused_naming_the_booking_and_nothing_is_written,
    bookings_are_moved_confirmed_and_cancelled_with_their_audit_lines,
    overlapping_pencils_and_weekend_bookings_are_conflicts_with_fixes,
    bookings_are_read_and_checked_on_the_studio_clock_and_its_working_hours,
);

async fn project(store: &Store, client_code: &str, code: &str) -> i64 {
    let client_id = client(store, client_code).await;
    store
        .create_project(ProjectInput {
            code: Code::parse(code).unwrap(),
            name: code.into(),
            client_id,
            status: ProjectStatus::Editorial,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap()
        .id
}

fn room(name: &str, capacity: &str) -> ResourceDraft {
    ResourceDraft {
        name: name.into(),
        kind: "edit_bay".into(),
        capacity: capacity.into(),
        cost_rate: "95.50".into(),
        currency: "EUR".into(),
        ..ResourceDraft::default()
    }
}

fn draft(resource_id: i64, start: &str, end: &str, status: &str) -> BookingDraft {
    BookingDraft {
        resource_id,
        project_code: "ACME-SPOT".into(),
        start: start.into(),
        end: end.into(),
        status: status.into(),
        ..BookingDraft::default()
    }
}

async fn resources_are_validated_audited_and_rates_shown_only_to_who_may_see_them(store: &Store) {
    let ctx = Context::new(store.clone());
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let artist = actor(
        store,
        &user(store, "ed@studio.test", Role::Artist, None).await,
    )
    .await;
    let acme = client(store, "ACME").await;
    let guest = actor(
        store,
        &user(store, "c@acme.test", Role::Client, Some(acme)).await,
    )
    .await;

    let err = resources::create(&ctx, &producer, &room("Bay 0", "0"))
        .await
        .unwrap_err();
    match err {
        AppError::Invalid(f) => assert!(f.get("capacity").contains("at least 1"), "{f:?}"),
        other => panic!("{other:?}"),
    }
    let mut bad = room("", "x");
    bad.currency = "XYZ".into();
    bad.kind = "edit bay!".into();
    match resources::create(&ctx, &producer, &bad).await.unwrap_err() {
        AppError::Invalid(f) => {
            for field in ["name", "kind", "capacity", "currency"] {
                assert!(!f.get(field).is_empty(), "{field}: {f:?}");
            }
        }
        other => panic!("{other:?}"),
    }
    assert!(
        store.list_resources().await.unwrap().is_empty(),
        "nothing written"
    );

    let bay = resources::create(&ctx, &producer, &room("Edit Bay 1", "1"))
        .await
        .unwrap();
    assert_eq!((bay.capacity, bay.cost_rate_minor), (1, Some(9550)));
    let audit = store.recent_audit(1).await.unwrap();
    assert_eq!(audit[0].entity, "resource");
    assert!(
        audit[0].detail.contains("Edit Bay 1"),
        "{}",
        audit[0].detail
    );

    for who in [&artist, &guest] {
        let err = resources::create(&ctx, who, &room("Mine", "1"))
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    }
    let seen = resources::list(&ctx, &producer, false).await.unwrap();
    assert_eq!(seen[0].cost_rate.map(|m| m.minor), Some(9550));
    let seen = resources::list(&ctx, &artist, false).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].cost_rate, None, "artists never see rates");
    assert!(matches!(
        resources::list(&ctx, &guest, false).await,
        Err(AppError::Forbidden(_))
    ));

    let mut edited = ResourceDraft::of(&bay);
    assert_eq!(edited.cost_rate, "95.50");
    edited.skills = "Grading, conform, grading".into();
    edited.capacity = "2".into();
    let bay = resources::edit(&ctx, &producer, bay.id, &edited)
        .await
        .unwrap();
    assert_eq!(bay.skill_list(), vec!["grading", "conform"]);
    let archived = resources::archive(&ctx, &producer, bay.id, true)
        .await
        .unwrap();
    assert!(archived.archived);
    assert!(resources::list(&ctx, &producer, false)
        .await
        .unwrap()
        .is_empty());
}

async fn a_confirmed_double_booking_is_refused_naming_the_booking_and_nothing_is_written(
    store: &Store,
) {
    let ctx = Context::new(store.clone());
    project(store, "ACME", "ACME-SPOT").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let artist = actor(
        store,
        &user(store, "ed@studio.test", Role::Artist, None).await,
    )
    .await;
    let bay = resources::create(&ctx, &producer, &room("Edit Bay 1", "1"))
        .await
        .unwrap();

    let first = bookings::book(
        &ctx,
        &producer,
        &draft(
            bay.id,
            "2027-03-01T09:00:00Z",
            "2027-03-01T18:00:00Z",
            "confirmed",
        ),
    )
    .await
    .unwrap();
    let audit_before = store.recent_audit(100).await.unwrap().len();
    let err = bookings::book(
        &ctx,
        &producer,
        &draft(
            bay.id,
            "2027-03-01T12:00:00+01:00",
            "2027-03-01T20:00:00Z",
            "confirmed",
        ),
    )
    .await
    .unwrap_err();
    match err {
        BookingError::Overbooked {
            message,
            conflicts_with,
        } => {
            assert_eq!(conflicts_with, vec![first.id]);
            assert!(
                message.contains(&format!("#{}", first.id)) && message.contains("ACME-SPOT"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.recent_audit(100).await.unwrap().len(),
        audit_before,
        "no audit line"
    );
    // As a pencil it may overlap.
    bookings::book(
        &ctx,
        &producer,
        &draft(
            bay.id,
            "2027-03-01T12:00:00Z",
            "2027-03-01T20:00:00Z",
            "preliminary",
        ),
    )
    .await
    .unwrap();

    // The end before the start, an unknown status and project: refused by field.
    let mut bad = draft(
        bay.id,
        "2027-03-02T10:00:00Z",
        "2027-03-02T09:00:00Z",
        "maybe",
    );
    bad.project_code = "NOPE-1".into();
    match bookings::book(&ctx, &producer, &bad).await.unwrap_err() {
        BookingError::App(AppError::Invalid(f)) => {
            assert!(f.get("end").contains("must be after the start"), "{f:?}");
            assert!(f.get("status").contains("maybe"), "{f:?}");
            assert!(f.get("project").contains("NOPE-1"), "{f:?}");
        }
        other => panic!("{other:?}"),
    }
    let err = bookings::book(
        &ctx,
        &artist,
        &draft(
            bay.id,
            "2027-03-03T09:00:00Z",
            "2027-03-03T10:00:00Z",
            "confirmed",
        ),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, BookingError::App(AppError::Forbidden(_))),
        "{err:?}"
    );
    let all = bookings::list(&ctx, &producer, &BookingQuery::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    // The artist is on no project: the board shows the bay booked, without the project.
    let theirs = bookings::list(&ctx, &artist, &BookingQuery::default())
        .await
        .unwrap();
    assert_eq!(theirs.len(), 2);
    assert!(theirs.iter().all(|b| b.project.is_none()));
}

async fn bookings_are_moved_confirmed_and_cancelled_with_their_audit_lines(store: &Store) {
    let ctx = Context::new(store.clone());
    project(store, "ACME", "ACME-SPOT").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let bay = resources::create(&ctx, &producer, &room("Mix A", "1"))
        .await
        .unwrap();
    let held = bookings::book(
        &ctx,
        &producer,
        &draft(
            bay.id,
            "2027-03-01T09:00:00Z",
            "2027-03-01T12:00:00Z",
            "confirmed",
        ),
    )
    .await
    .unwrap();
    let pencil = bookings::book(
        &ctx,
        &producer,
        &draft(bay.id, "2027-03-01T10:00:00Z", "2027-03-01T11:00:00Z", ""),
    )
    .await
    .unwrap();
    assert_eq!(pencil.status, "preliminary");
    let confirm = BookingEdit {
        status: Some("confirmed".into()),
        ..BookingEdit::default()
    };
    let err = bookings::change(&ctx, &producer, pencil.id, &confirm)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BookingError::Overbooked { conflicts_with, .. } if conflicts_with == &vec![held.id]),
        "{err:?}"
    );
    let moved = bookings::change(
        &ctx,
        &producer,
        pencil.id,
        &BookingEdit {
            start: Some("2027-03-01T12:00".into()),
            end: Some("2027-03-01T14:00".into()),
            status: Some("confirmed".into()),
            ..BookingEdit::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(moved.status, "confirmed");
    assert_eq!(moved.starts_at.to_rfc3339(), "2027-03-01T12:00:00+00:00");
    let err = bookings::change(
        &ctx,
        &producer,
        moved.id,
        &BookingEdit {
            end: Some("2027-03-01T11:00:00Z".into()),
            ..BookingEdit::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, BookingError::App(AppError::Invalid(ref f)) if !f.get("end").is_empty()),
        "{err:?}"
    );
    bookings::cancel(&ctx, &producer, held.id).await.unwrap();
    assert!(matches!(
        bookings::cancel(&ctx, &producer, held.id).await,
        Err(AppError::NotFound(_))
    ));
    let audit = store.recent_audit(3).await.unwrap();
    let verbs: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(verbs, vec!["cancel", "update", "create"]);
    assert!(audit.iter().all(|a| a.entity == "booking"));
}

async fn overlapping_pencils_and_weekend_bookings_are_conflicts_with_fixes(store: &Store) {
    let ctx = Context::new(store.clone());
    project(store, "ACME", "ACME-SPOT").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let bay = resources::create(&ctx, &producer, &room("Color 1", "1"))
        .await
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    assert!(bookings::conflicts(&ctx, &producer, today)
        .await
        .unwrap()
        .is_empty());
    // Monday: a confirmed session and a hold over it; Saturday 6th: a pencil.
    let a = bookings::book(
        &ctx,
        &producer,
        &draft(
            bay.id,
            "2027-03-01T09:00:00Z",
            "2027-03-01T13:00:00Z",
            "confirmed",
        ),
    )
    .await
    .unwrap();
    let b = bookings::book(
        &ctx,
        &producer,
        &draft(
            bay.id,
            "2027-03-01T12:00:00Z",
            "2027-03-01T15:00:00Z",
            "preliminary",
        ),
    )
    .await
    .unwrap();
    let c = bookings::book(
        &ctx,
        &producer,
        &draft(
            bay.id,
            "2027-03-06T09:00:00Z",
            "2027-03-06T12:00:00Z",
            "planning",
        ),
    )
    .await
    .unwrap();
    let found = bookings::conflicts(&ctx, &producer, today).await.unwrap();
    let kinds: Vec<(ConflictKind, Vec<i64>)> =
        found.iter().map(|c| (c.kind, c.bookings.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            (ConflictKind::OverBooked, vec![a.id, b.id]),
            (ConflictKind::NotAWorkingDay, vec![c.id]),
        ],
        "{found:#?}"
    );
    assert!(found.iter().all(|c| !c.fix.is_empty()));
    // The cockpit counts the same conflicts.
    let cockpit = postflow_app::dashboard::cockpit(&ctx, &producer, today)
        .await
        .unwrap();
    assert_eq!(cockpit.booking_conflicts, found);
}

async fn bookings_are_read_and_checked_on_the_studio_clock_and_its_working_hours(store: &Store) {
    let ctx = Context::new(store.clone());
    project(store, "ACME", "ACME-SPOT").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let artist = actor(
        store,
        &user(store, "ed@studio.test", Role::Artist, None).await,
    )
    .await;
    let bay = resources::create(&ctx, &producer, &room("Edit 1", "1"))
        .await
        .unwrap();
    postflow_app::feeds::set_studio_time_zone(&ctx, &producer, "America/Los_Angeles")
        .await
        .unwrap();
    // Bad hours are refused on the field; an artist may not set them.
    let err = bookings::set_working_hours(&ctx, &producer, "18:00-09:00")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f.get("working_hours").contains("before it opens")),
        "{err:?}"
    );
    assert!(matches!(
        bookings::set_working_hours(&ctx, &artist, "09:00-18:00").await,
        Err(AppError::Forbidden(_))
    ));
    bookings::set_working_hours(&ctx, &producer, "09:00-18:00")
        .await
        .unwrap();
    // A form's wall-clock time is Los Angeles time: 09:00 PST is 17:00 UTC.
    let day = bookings::book(
        &ctx,
        &producer,
        &draft(bay.id, "2027-03-01T09:00", "2027-03-01T18:00", "confirmed"),
    )
    .await
    .unwrap();
    assert_eq!(day.starts_at.to_rfc3339(), "2027-03-01T17:00:00+00:00");
    // An early session: 07:00 to 10:00 on Tuesday.
    let early = bookings::book(
        &ctx,
        &producer,
        &draft(
            bay.id,
            "2027-03-02T07:00",
            "2027-03-02T10:00",
            "preliminary",
        ),
    )
    .await
    .unwrap();
    // A skipped wall-clock time (2027-03-14 02:30 in Los Angeles) is refused on its field.
    let err = bookings::book(
        &ctx,
        &producer,
        &draft(bay.id, "2027-03-14T02:30", "2027-03-14T05:00", "planning"),
    )
    .await
    .unwrap_err();
    assert!(
        format!("{err:?}").contains("does not exist in America/Los_Angeles"),
        "{err:?}"
    );
    let today = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let found = bookings::conflicts(&ctx, &producer, today).await.unwrap();
    let kinds: Vec<(ConflictKind, Vec<i64>)> =
        found.iter().map(|c| (c.kind, c.bookings.clone())).collect();
    // Monday 09:00–18:00 in Los Angeles ends 02:00 Tuesday UTC: neither outside hours nor
    // anything else.
    assert_eq!(
        kinds,
        vec![(ConflictKind::OutsideWorkingHours, vec![early.id])],
        "{found:#?}"
    );
    assert!(
        found[0].problem.contains("2027-03-02 07:00"),
        "{}",
        found[0].problem
    );
    assert!(found[0].fix.contains("09:00–18:00"));
    assert_eq!(day.id + 1, early.id);
    // Cleared hours: any hour of a working day is fine.
    bookings::set_working_hours(&ctx, &producer, "")
        .await
        .unwrap();
    assert!(bookings::conflicts(&ctx, &producer, today)
        .await
        .unwrap()
        .is_empty());
}
