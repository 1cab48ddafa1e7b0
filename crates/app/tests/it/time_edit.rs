//! Editing time entries on both stores: an artist edits their own entry (and not someone
//! else's), a producer anyone's; the same checks as logging (no negative duration, no more
//! than 24 h in the person's day counting their other entries); an entry in an approved week
//! is refused with a message saying so, and nothing changes on a refusal.

use chrono::NaiveDate;
use postflow_app::time::{self, EntryDraft};
use postflow_app::{AppError, Context};
use postflow_core::access::Role;
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::studio::ProjectInput;
use postflow_store::Store;

use crate::support::{actor, client, user};

backends!(entries_are_edited_with_the_checks_of_logging);

fn draft(activity_id: i64, date: &str, duration: &str) -> EntryDraft {
    EntryDraft {
        project_code: "ACME-SPOT".into(),
        user_id: None,
        task_key: String::new(),
        activity_id,
        date: date.into(),
        duration: duration.into(),
        billable: true,
        note: String::new(),
    }
}

fn message(e: AppError) -> String {
    match e {
        AppError::Invalid(f) => f.0.values().cloned().collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

async fn entries_are_edited_with_the_checks_of_logging(store: &Store) {
    let ctx = Context::new(store.clone());
    let paula = actor(
        store,
        &user(store, "paula@studio.test", Role::Producer, None).await,
    )
    .await;
    let acme = client(store, "ACME").await;
    let project = store
        .create_project(ProjectInput {
            code: Code::parse("ACME-SPOT").unwrap(),
            name: "Spring spot".into(),
            client_id: acme,
            status: ProjectStatus::Editorial,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    let mut artists = Vec::new();
    for email in ["eddie@studio.test", "mia@studio.test"] {
        let u = user(store, email, Role::Artist, None).await;
        store.add_project_member(project.id, u.id).await.unwrap();
        artists.push(actor(store, &u).await);
    }
    let (eddie, mia) = (&artists[0], &artists[1]);
    let activities = time::seed_activities(&ctx, &paula).await.unwrap();
    let editing = activities.iter().find(|a| a.name == "Editing").unwrap().id;
    let mix = activities.iter().find(|a| a.name == "Mix").unwrap().id;

    let first = time::log_time(&ctx, eddie, &draft(editing, "2026-11-02", "8:00"))
        .await
        .unwrap();
    time::log_time(&ctx, eddie, &draft(editing, "2026-11-02", "10:00"))
        .await
        .unwrap();
    // The artist edits their own: 8 h → 6 h of mixing, not billable, a note.
    let mut change = draft(mix, "2026-11-02", "6:00");
    change.billable = false;
    change.note = "stems".into();
    let edited = time::edit_entry(&ctx, eddie, first.id, &change)
        .await
        .unwrap();
    assert_eq!(
        (
            edited.minutes,
            edited.activity_id,
            edited.billable,
            edited.note.as_str()
        ),
        (360, mix, false, "stems")
    );
    assert_eq!(edited.user_id, eddie.user_id);
    // Its own minutes are not counted twice: 10 h + 14 h is the day's 24 h exactly.
    time::edit_entry(
        &ctx,
        eddie,
        first.id,
        &draft(editing, "2026-11-02", "14:00"),
    )
    .await
    .unwrap();
    // The same refusals as logging, nothing changed.
    for (duration, words) in [
        ("-1:00", "negative"),
        ("25:00", "more than the 24 hours"),
        ("14:01", "a day has 24 hours"),
    ] {
        let err = time::edit_entry(
            &ctx,
            eddie,
            first.id,
            &draft(editing, "2026-11-02", duration),
        )
        .await
        .unwrap_err();
        assert!(message(err).contains(words), "{duration}");
    }
    assert_eq!(
        store.time_entry(first.id).await.unwrap().unwrap().minutes,
        840
    );
    // Someone else's entry is not the artist's to edit (as if it did not exist).
    assert!(matches!(
        time::edit_entry(&ctx, mia, first.id, &draft(editing, "2026-11-03", "1:00")).await,
        Err(AppError::NotFound(_))
    ));
    // A producer edits anyone's: moved to the next day.
    let moved = time::edit_entry(
        &ctx,
        &paula,
        first.id,
        &draft(editing, "2026-11-03", "7:30"),
    )
    .await
    .unwrap();
    assert_eq!(
        (moved.work_date, moved.minutes, moved.user_id),
        (
            NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            450,
            eddie.user_id
        )
    );
    // Approved: the week is locked, and the edit says so.
    time::approve_week(
        &ctx,
        &paula,
        eddie.user_id,
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
    )
    .await
    .unwrap();
    let err = time::edit_entry(&ctx, eddie, first.id, &draft(editing, "2026-11-03", "1:00"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Conflict(m) if m.contains("approved and locked") && m.contains("cannot be edited")),
        "{err:?}"
    );
    // Nor may an entry be moved into a locked week.
    let later = time::log_time(&ctx, eddie, &draft(editing, "2026-11-10", "1:00"))
        .await
        .unwrap();
    let err = time::edit_entry(&ctx, eddie, later.id, &draft(editing, "2026-11-04", "1:00"))
        .await
        .unwrap_err();
    assert!(message(err).contains("approved and locked"));
    assert_eq!(
        store.time_entry(later.id).await.unwrap().unwrap().work_date,
        NaiveDate::from_ymd_opt(2026, 11, 10).unwrap()
    );
}
