//! Bookings on both stores: confirmed bookings never over-commit a resource, also when many
//! requests race; planning and preliminary ones may overlap; a refusal names the bookings it
//! collides with.
use chrono::{DateTime, Duration, TimeZone, Utc};
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::bookings::{BookingChange, BookingFilter, BookingStatus, NewBooking};
use postflow_store::studio::{ClientInput, ProjectInput, ResourceInput};
use postflow_store::Store;
use postflow_testkit::backends;
use std::collections::{BTreeMap, BTreeSet};

backends!(
    racing_confirmations_of_one_room_keep_exactly_one_per_slot,
    confirmed_bookings_respect_capacity_and_pencils_overlap_freely,
    moving_or_confirming_a_booking_is_checked_like_a_new_one,
    capacity_cannot_drop_below_what_confirmed_bookings_hold,
);

fn at(hour: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap() + Duration::hours(hour)
}

async fn project(store: &Store) -> i64 {
    let client = store
        .create_client(ClientInput {
            code: Code::parse("BOOKCO").unwrap(),
            name: "Booking Co".into(),
            contact_email: None,
        })
        .await
        .unwrap();
    store
        .create_project(ProjectInput {
            code: Code::parse("BOOK-ONE").unwrap(),
            name: "Booked".into(),
            client_id: client.id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap()
        .id
}

async fn room(store: &Store, name: &str, capacity: i64) -> i64 {
    store
        .insert_resource(ResourceInput {
            name: name.into(),
            kind: "edit_bay".into(),
            capacity,
            ..ResourceInput::default()
        })
        .await
        .unwrap()
        .id
}

fn booking(
    resource_id: i64,
    project_id: i64,
    from: i64,
    to: i64,
    status: BookingStatus,
) -> NewBooking {
    NewBooking {
        resource_id,
        project_id,
        task_id: None,
        starts_at: at(from),
        ends_at: at(to),
        units: 1,
        status,
        note: String::new(),
        created_by: None,
    }
}

/// Books in its own transaction, as a use case does: the booking's id, or the ids refused by.
async fn book(store: &Store, new: NewBooking) -> Result<i64, Vec<i64>> {
    let tx = store.begin().await.unwrap();
    match tx.insert_booking(new).await.unwrap() {
        Ok(b) => {
            tx.commit().await.unwrap();
            Ok(b.id)
        }
        Err(refused) => Err(refused.conflicts_with),
    }
}

/// 200 requests over 20 two-hour slots of one capacity-1 room, 10 per slot, each slot's
/// requests overlapping each other (shifted by minutes) but never another slot's: exactly one
/// per slot succeeds and every refusal names the booking that won its slot.
async fn racing_confirmations_of_one_room_keep_exactly_one_per_slot(store: &Store) {
    let p = project(store).await;
    let r = room(store, "Edit Bay 1", 1).await;
    let mut requests = Vec::new();
    for attempt in 0..10i64 {
        for slot in 0..20i64 {
            let start = at(slot * 3) + Duration::minutes(attempt * 5);
            let mut new = booking(r, p, 0, 0, BookingStatus::Confirmed);
            new.starts_at = start;
            new.ends_at = start + Duration::minutes(120);
            requests.push((slot, new));
        }
    }
    let mut handles = Vec::new();
    for (slot, new) in requests {
        let store = store.clone();
        handles.push(tokio::spawn(async move { (slot, book(&store, new).await) }));
    }
    let mut won: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut refused: Vec<(i64, Vec<i64>)> = Vec::new();
    for h in handles {
        match h.await.unwrap() {
            (slot, Ok(id)) => won.entry(slot).or_default().push(id),
            (slot, Err(ids)) => refused.push((slot, ids)),
        }
    }
    assert_eq!(won.len(), 20, "every slot gets one booking: {won:?}");
    assert!(won.values().all(|ids| ids.len() == 1), "{won:?}");
    assert_eq!(refused.len(), 180);
    for (slot, ids) in &refused {
        assert_eq!(ids, &won[slot], "a refusal in slot {slot} names its winner");
    }
    let stored = store
        .list_bookings(&BookingFilter {
            resource_id: Some(r),
            ..BookingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 20);
    // And they really do not overlap.
    for pair in stored.windows(2) {
        assert!(pair[0].ends_at <= pair[1].starts_at, "{pair:?}");
    }
}

async fn confirmed_bookings_respect_capacity_and_pencils_overlap_freely(store: &Store) {
    let p = project(store).await;
    let seats = room(store, "VFX room", 2).await;
    let a = book(store, booking(seats, p, 9, 17, BookingStatus::Confirmed))
        .await
        .unwrap();
    let b = book(store, booking(seats, p, 12, 20, BookingStatus::Confirmed))
        .await
        .unwrap();
    // A third confirmed at 13:00 finds both seats taken.
    assert_eq!(
        book(store, booking(seats, p, 13, 14, BookingStatus::Confirmed)).await,
        Err(vec![a, b])
    );
    // Back to back is fine: the range is half-open.
    book(store, booking(seats, p, 17, 18, BookingStatus::Confirmed))
        .await
        .unwrap();
    book(store, booking(seats, p, 20, 22, BookingStatus::Confirmed))
        .await
        .unwrap();
    // Pencils overlap anything.
    for status in [BookingStatus::Planning, BookingStatus::Preliminary] {
        book(store, booking(seats, p, 13, 14, status))
            .await
            .unwrap();
    }
    // Asking for more units than the room has is refused with nothing to name.
    let mut greedy = booking(seats, p, 30, 31, BookingStatus::Confirmed);
    greedy.units = 3;
    assert_eq!(book(store, greedy).await, Err(vec![]));
    let all = store
        .list_bookings(&BookingFilter {
            resource_id: Some(seats),
            from: Some(at(12)),
            to: Some(at(17)),
            ..BookingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        4,
        "the range filter keeps overlapping bookings: {all:?}"
    );
    assert_eq!(all[0].booking_status().unwrap(), BookingStatus::Confirmed);
}

async fn moving_or_confirming_a_booking_is_checked_like_a_new_one(store: &Store) {
    let p = project(store).await;
    let r = room(store, "Mix A", 1).await;
    let first = book(store, booking(r, p, 9, 12, BookingStatus::Confirmed))
        .await
        .unwrap();
    let pencil = book(store, booking(r, p, 10, 11, BookingStatus::Preliminary))
        .await
        .unwrap();
    let later = book(store, booking(r, p, 14, 16, BookingStatus::Confirmed))
        .await
        .unwrap();
    let tx = store.begin().await.unwrap();
    let current = tx.booking(pencil).await.unwrap().unwrap();
    let mut confirm = BookingChange::from(&current);
    confirm.status = BookingStatus::Confirmed;
    assert_eq!(
        tx.update_booking(pencil, confirm.clone())
            .await
            .unwrap()
            .unwrap_err()
            .conflicts_with,
        vec![first]
    );
    drop(tx);
    // Moved to a free hour, it confirms.
    let tx = store.begin().await.unwrap();
    confirm.starts_at = at(12);
    confirm.ends_at = at(14);
    let moved = tx.update_booking(pencil, confirm).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        (moved.starts_at, moved.status.as_str()),
        (at(12), "confirmed")
    );
    // Extending the first into the moved one is refused; the booking itself is not counted.
    let tx = store.begin().await.unwrap();
    let current = tx.booking(first).await.unwrap().unwrap();
    let mut extend = BookingChange::from(&current);
    extend.ends_at = at(15);
    assert_eq!(
        tx.update_booking(first, extend)
            .await
            .unwrap()
            .unwrap_err()
            .conflicts_with,
        vec![pencil, later]
    );
    drop(tx);
    let unchanged = store.booking(first).await.unwrap().unwrap();
    assert_eq!(unchanged.ends_at, at(12), "a refusal changes nothing");
    assert!(store.delete_booking(first).await.unwrap().is_some());
    assert!(store.booking(first).await.unwrap().is_none());
}

async fn capacity_cannot_drop_below_what_confirmed_bookings_hold(store: &Store) {
    let p = project(store).await;
    let r = room(store, "VFX seats", 3).await;
    let a = book(store, booking(r, p, 9, 12, BookingStatus::Confirmed))
        .await
        .unwrap();
    let b = book(store, booking(r, p, 10, 13, BookingStatus::Confirmed))
        .await
        .unwrap();
    book(store, booking(r, p, 20, 21, BookingStatus::Confirmed))
        .await
        .unwrap();
    let input = |capacity| ResourceInput {
        name: "VFX seats".into(),
        kind: "vfx_seat".into(),
        capacity,
        skills: vec!["comp".into(), "roto".into()],
        cost_rate: Some((9500, "EUR".into())),
        ..ResourceInput::default()
    };
    let tx = store.begin().await.unwrap();
    let refused = tx
        .update_resource_checked(r, input(1))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        refused
            .conflicts_with
            .iter()
            .copied()
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([a, b])
    );
    drop(tx);
    let tx = store.begin().await.unwrap();
    let edited = tx
        .update_resource_checked(r, input(2))
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(edited.capacity, 2);
    assert_eq!(edited.skill_list(), vec!["comp", "roto"]);
    assert_eq!(
        (edited.cost_rate_minor, edited.cost_currency.as_deref()),
        (Some(9500), Some("EUR"))
    );
    assert_eq!(edited.kind, "vfx_seat");
    let archived = store.set_resource_archived(r, true).await.unwrap();
    assert!(archived.archived);
    assert!(store.list_resources().await.unwrap().is_empty());
    assert_eq!(store.resources(true).await.unwrap().len(), 1);
}
