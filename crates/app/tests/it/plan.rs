//! Plan use cases on both stores: a template lays out the plan, every change is checked against
//! the whole network in its transaction, picture lock is a gate, and the schedule follows progress.

use crate::support::{actor, client, user};
use chrono::NaiveDate;
use postflow_app::plan::{self, ProgressDraft, TaskDraft};
use postflow_app::projects::{self, ProjectDraft};
use postflow_app::{AppError, Context};
use postflow_core::access::{Actor, Role};
use postflow_core::plan::{MilestoneKind, TaskStatus};
use postflow_store::Store;

backends!(
    a_commercial_template_lays_out_a_dated_plan,
    a_dependency_that_closes_a_cycle_is_refused_naming_it_and_nothing_is_saved,
    a_change_from_a_stale_page_is_refused,
    picture_lock_needs_its_checklist_and_a_producer,
    after_lock_editorial_tasks_change_only_through_an_unlock_with_a_reason,
    moving_a_task_past_the_due_date_puts_the_project_at_risk_and_names_the_chain,
    progress_moves_the_forecast_not_the_plan,
    artists_report_progress_but_do_not_edit_and_clients_see_no_plan,
    a_plan_saved_as_a_template_lays_out_the_same_plan,
    holidays_push_dates_and_count_as_non_working,
    a_persons_days_off_lengthen_the_work_assigned_to_them,
    deliverables_get_an_owner_and_a_due_date,
);

const MONDAY: &str = "2027-03-01";

fn monday() -> NaiveDate {
    NaiveDate::parse_from_str(MONDAY, "%Y-%m-%d").unwrap()
}

struct Studio {
    ctx: Context,
    producer: Actor,
    artist: Actor,
    client: Actor,
}

/// A studio with a producer, an artist on project AD1 and a client user of its client.
async fn studio(store: &Store, due: &str) -> Studio {
    let ctx = Context::new(store.clone());
    let client_id = client(store, "ACME").await;
    let producer = actor(
        store,
        &user(store, "p@studio.test", Role::Producer, None).await,
    )
    .await;
    let draft = ProjectDraft {
        code: "AD1".into(),
        name: "Spring spot".into(),
        client_id: client_id.to_string(),
        status: "editorial".into(),
        start_date: MONDAY.into(),
        due_date: due.into(),
    };
    let project = projects::create(&ctx, &producer, &draft).await.unwrap();
    let artist_user = user(store, "e@studio.test", Role::Artist, None).await;
    projects::add_member(&ctx, &producer, "AD1", &artist_user.id.to_string())
        .await
        .unwrap();
    let artist = actor(store, &artist_user).await;
    let client = actor(
        store,
        &user(store, "c@acme.test", Role::Client, Some(client_id)).await,
    )
    .await;
    assert_eq!(project.code, "AD1");
    Studio {
        ctx,
        producer,
        artist,
        client,
    }
}

async fn planned(store: &Store, due: &str) -> Studio {
    let s = studio(store, due).await;
    plan::plan_from_template(&s.ctx, &s.producer, "AD1", "commercial", "", monday())
        .await
        .unwrap();
    s
}

fn invalid_text(e: &AppError) -> String {
    match e {
        AppError::Invalid(f) => f.0.values().cloned().collect::<Vec<_>>().join(" | "),
        other => other.to_string(),
    }
}

async fn a_commercial_template_lays_out_a_dated_plan(store: &Store) {
    let s = planned(store, "").await;
    let view = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert!(view.tasks.len() >= 10, "{} tasks", view.tasks.len());
    assert_eq!(view.start, monday());
    assert_eq!(view.template_key.as_deref(), Some("commercial"));
    for kind in [
        MilestoneKind::PictureLock,
        MilestoneKind::QcPassed,
        MilestoneKind::Delivered,
    ] {
        assert!(
            view.milestones.iter().any(|m| m.kind == kind),
            "no {kind:?} milestone"
        );
    }
    // The critical path starts at day 0 and its last task ends at the plan's finish.
    assert!(!view.critical_path.is_empty());
    let first = view.task(&view.critical_path[0]).unwrap();
    assert_eq!(first.planned.es_day, 0);
    let finish = view.tasks.iter().map(|t| t.planned.ef_day).max().unwrap();
    assert!(view
        .critical_path
        .iter()
        .any(|k| view.task(k).unwrap().planned.ef_day == finish));
    // Weekends are not working days: no task starts on a Saturday or Sunday.
    for t in &view.tasks {
        let wd = chrono::Datelike::weekday(&t.planned.start);
        assert!(
            !matches!(wd, chrono::Weekday::Sat | chrono::Weekday::Sun),
            "{} starts on {wd}",
            t.key
        );
        assert!(
            t.planned.total_float_days >= 0,
            "{} has negative float",
            t.key
        );
    }
    // A second template on the same project is refused: it would duplicate the plan.
    let again =
        plan::plan_from_template(&s.ctx, &s.producer, "AD1", "commercial", "", monday()).await;
    assert!(matches!(again, Err(AppError::Conflict(_))), "{again:?}");
}

async fn a_dependency_that_closes_a_cycle_is_refused_naming_it_and_nothing_is_saved(store: &Store) {
    let s = studio(store, "").await;
    for (key, name) in [("a", "Alpha"), ("b", "Bravo"), ("c", "Charlie")] {
        let draft = TaskDraft {
            key: key.into(),
            name: name.into(),
            duration: "2".into(),
            ..Default::default()
        };
        plan::add_task(&s.ctx, &s.producer, "AD1", None, &draft)
            .await
            .unwrap();
    }
    plan::add_dependency(&s.ctx, &s.producer, "AD1", None, "a", "b", "FS", "0")
        .await
        .unwrap();
    plan::add_dependency(&s.ctx, &s.producer, "AD1", None, "b", "c", "SS", "1")
        .await
        .unwrap();
    let before = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let err = plan::add_dependency(&s.ctx, &s.producer, "AD1", None, "c", "a", "FS", "0")
        .await
        .unwrap_err();
    let text = invalid_text(&err);
    assert!(
        text.contains("cycle") && text.contains('a') && text.contains('c'),
        "{text}"
    );
    let self_dep = plan::add_dependency(&s.ctx, &s.producer, "AD1", None, "a", "a", "FS", "0")
        .await
        .unwrap_err();
    assert!(invalid_text(&self_dep).contains("itself"), "{self_dep:?}");
    let after = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert_eq!(
        after.dependencies.len(),
        2,
        "the refused dependency was saved"
    );
    assert_eq!(
        after.plan_version, before.plan_version,
        "a refused change bumped the version"
    );
    // A lead that would start Charlie before the project starts is refused; a shorter one is not.
    let early = plan::add_dependency(&s.ctx, &s.producer, "AD1", None, "a", "c", "SS", "-1").await;
    assert!(invalid_text(&early.unwrap_err()).contains("before the project starts"));
    plan::add_dependency(&s.ctx, &s.producer, "AD1", None, "a", "c", "FS", "-1")
        .await
        .unwrap();
    // A negative duration is refused naming the field.
    let neg = TaskDraft {
        key: "d".into(),
        name: "Delta".into(),
        duration: "-3".into(),
        ..Default::default()
    };
    let e = plan::add_task(&s.ctx, &s.producer, "AD1", None, &neg)
        .await
        .unwrap_err();
    assert!(invalid_text(&e).contains("negative"), "{e:?}");
}

async fn a_change_from_a_stale_page_is_refused(store: &Store) {
    let s = planned(store, "").await;
    let view = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let key = view.tasks[1].key.clone();
    plan::move_task(
        &s.ctx,
        &s.producer,
        "AD1",
        &key,
        Some(view.plan_version),
        "",
        "4",
    )
    .await
    .unwrap();
    let stale = plan::move_task(
        &s.ctx,
        &s.producer,
        "AD1",
        &key,
        Some(view.plan_version),
        "",
        "6",
    )
    .await;
    assert!(matches!(stale, Err(AppError::Conflict(_))), "{stale:?}");
    let now = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert_eq!(now.task(&key).unwrap().duration_days, 4);
}

fn lock_key(view: &plan::PlanView) -> String {
    view.milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::PictureLock)
        .unwrap()
        .task_key
        .clone()
}

async fn tick_all(s: &Studio, key: &str, by: &Actor) {
    let view = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let n = view.task(key).unwrap().checklist.len();
    let draft = ProgressDraft {
        checklist_done: Some((0..n).collect()),
        ..Default::default()
    };
    plan::report_progress(&s.ctx, by, "AD1", key, &draft, monday())
        .await
        .unwrap();
}

async fn picture_lock_needs_its_checklist_and_a_producer(store: &Store) {
    let s = planned(store, "").await;
    let view = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let key = lock_key(&view);
    assert!(
        !view.task(&key).unwrap().checklist.is_empty(),
        "the lock milestone carries the checklist"
    );
    let early = plan::lock_picture(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap_err();
    assert!(invalid_text(&early).contains("open"), "{early:?}");
    // The artist ticks the checklist, but only a producer signs off.
    tick_all(&s, &key, &s.artist).await;
    let by_artist = plan::lock_picture(&s.ctx, &s.artist, "AD1", monday()).await;
    assert!(
        matches!(by_artist, Err(AppError::Forbidden(_))),
        "{by_artist:?}"
    );
    // A status change cannot reach the lock either.
    let sneaky = ProgressDraft {
        status: "approved".into(),
        ..Default::default()
    };
    let e = plan::report_progress(&s.ctx, &s.producer, "AD1", &key, &sneaky, monday()).await;
    assert!(matches!(e, Err(AppError::Invalid(_))), "{e:?}");
    plan::lock_picture(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let locked = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let (_, by) = locked.picture_locked.clone().expect("locked");
    assert_eq!(by.as_deref(), Some("p"));
    let m = locked
        .milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::PictureLock)
        .unwrap();
    assert_eq!(m.actual, Some(monday()));
    assert_eq!(locked.lock_history.len(), 1);
    assert_eq!(locked.task(&key).unwrap().status, TaskStatus::Approved);
}

async fn after_lock_editorial_tasks_change_only_through_an_unlock_with_a_reason(store: &Store) {
    let s = planned(store, "").await;
    let view = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let key = lock_key(&view);
    tick_all(&s, &key, &s.producer).await;
    plan::lock_picture(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let editorial = view
        .tasks
        .iter()
        .find(|t| t.editorial && t.milestone.is_none())
        .expect("the template has editorial tasks")
        .key
        .clone();
    let frozen = plan::move_task(&s.ctx, &s.producer, "AD1", &editorial, None, "", "9").await;
    match frozen {
        Err(AppError::Conflict(m)) => assert!(m.contains("unlock"), "{m}"),
        other => panic!("an editorial change after lock went through: {other:?}"),
    }
    let no_reason = plan::unlock_picture(&s.ctx, &s.producer, "AD1", "  ").await;
    assert!(
        matches!(no_reason, Err(AppError::Invalid(_))),
        "{no_reason:?}"
    );
    plan::unlock_picture(
        &s.ctx,
        &s.producer,
        "AD1",
        "client wants the alternate ending",
    )
    .await
    .unwrap();
    plan::move_task(&s.ctx, &s.producer, "AD1", &editorial, None, "", "9")
        .await
        .unwrap();
    let after = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert!(after.picture_locked.is_none());
    let kinds: Vec<&str> = after.lock_history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["picture_locked", "picture_unlocked"]);
    assert_eq!(
        after.lock_history[1].reason,
        "client wants the alternate ending"
    );
    let audit: Vec<String> = store
        .recent_audit(200)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.detail)
        .collect();
    assert!(
        audit
            .iter()
            .any(|d| d.contains("unlocked picture of AD1: client wants")),
        "{audit:?}"
    );
}

async fn moving_a_task_past_the_due_date_puts_the_project_at_risk_and_names_the_chain(
    store: &Store,
) {
    // Due a generous 12 weeks out: the plan fits.
    let s = planned(store, "2027-05-24").await;
    let view = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert!(!view.at_risk, "{:?}", view.risk);
    let delivered = view
        .milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::Delivered)
        .unwrap();
    let before = delivered.forecast;
    // Push a critical task so far that delivery lands after the due date.
    let critical = view
        .critical_path
        .iter()
        .find(|k| view.task(k).unwrap().milestone.is_none())
        .unwrap()
        .clone();
    plan::move_task(
        &s.ctx,
        &s.producer,
        "AD1",
        &critical,
        Some(view.plan_version),
        "2027-05-10",
        "",
    )
    .await
    .unwrap();
    let moved = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let after = moved
        .milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::Delivered)
        .unwrap();
    assert!(
        after.forecast > before,
        "delivery did not move: {before} → {}",
        after.forecast
    );
    assert!(moved.at_risk);
    let why = moved.risk.join(" ");
    assert!(why.contains("2027-05-24"), "{why}");
    assert!(why.contains(&moved.task(&critical).unwrap().name), "{why}");
    assert!(moved.task(&critical).unwrap().late());
    // Moving it back (no start constraint) clears the risk.
    plan::move_task(&s.ctx, &s.producer, "AD1", &critical, None, "", "")
        .await
        .unwrap();
    let back = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert!(!back.at_risk, "{:?}", back.risk);
}

async fn progress_moves_the_forecast_not_the_plan(store: &Store) {
    let s = planned(store, "").await;
    let view = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let first = view.critical_path[0].clone();
    let planned_end = view.task(&first).unwrap().planned.end;
    // Two weeks in and the first task has not started: everything after it slips.
    let later = monday() + chrono::Duration::days(14);
    let late_view = plan::view(&s.ctx, &s.producer, "AD1", later).await.unwrap();
    let t = late_view.task(&first).unwrap();
    assert_eq!(t.planned.end, planned_end, "the plan moved with the clock");
    assert!(t.forecast.start >= later, "{} < {later}", t.forecast.start);
    assert!(late_view.forecast_finish > late_view.planned_finish);
    // Reported done: the forecast of the remaining work starts from today instead.
    let done = ProgressDraft {
        status: "in_progress".into(),
        percent_complete: "50".into(),
        checklist_done: None,
    };
    plan::report_progress(&s.ctx, &s.producer, "AD1", &first, &done, monday())
        .await
        .unwrap();
    let half = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    let t = half.task(&first).unwrap();
    assert_eq!(t.status, TaskStatus::InProgress);
    assert_eq!(t.actual_start, Some(monday()));
    assert!(t.forecast.ef_day <= t.planned.ef_day);
    let bad = ProgressDraft {
        percent_complete: "140".into(),
        ..Default::default()
    };
    let e = plan::report_progress(&s.ctx, &s.producer, "AD1", &first, &bad, monday()).await;
    assert!(matches!(e, Err(AppError::Invalid(_))), "{e:?}");
}

async fn artists_report_progress_but_do_not_edit_and_clients_see_no_plan(store: &Store) {
    let s = planned(store, "").await;
    let view = plan::view(&s.ctx, &s.artist, "AD1", monday())
        .await
        .unwrap();
    let key = view.tasks[0].key.clone();
    let progress = ProgressDraft {
        status: "in_progress".into(),
        ..Default::default()
    };
    plan::report_progress(&s.ctx, &s.artist, "AD1", &key, &progress, monday())
        .await
        .unwrap();
    let edit = plan::move_task(&s.ctx, &s.artist, "AD1", &key, None, "", "9").await;
    assert!(matches!(edit, Err(AppError::Forbidden(_))), "{edit:?}");
    let client = plan::view(&s.ctx, &s.client, "AD1", monday()).await;
    assert!(matches!(client, Err(AppError::Forbidden(_))), "{client:?}");
    let studio = plan::studio(&s.ctx, &s.client, monday()).await;
    assert!(studio.is_err(), "a client opened the studio plan");
}

async fn a_plan_saved_as_a_template_lays_out_the_same_plan(store: &Store) {
    let s = planned(store, "").await;
    let view = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    plan::save_as_template(&s.ctx, &s.producer, "AD1", "acme_spot", "ACME spot")
        .await
        .unwrap();
    let dup = plan::save_as_template(&s.ctx, &s.producer, "AD1", "acme_spot", "Again").await;
    assert!(matches!(dup, Err(AppError::Invalid(_))), "{dup:?}");
    let choices = plan::template_choices(&s.ctx).await.unwrap();
    assert!(choices.iter().any(|c| c.key == "acme_spot" && !c.builtin));
    let draft = ProjectDraft {
        code: "AD2".into(),
        name: "Summer spot".into(),
        client_id: client(store, "BETA").await.to_string(),
        status: "bidding".into(),
        start_date: MONDAY.into(),
        due_date: String::new(),
    };
    projects::create(&s.ctx, &s.producer, &draft).await.unwrap();
    plan::plan_from_template(&s.ctx, &s.producer, "AD2", "acme_spot", "", monday())
        .await
        .unwrap();
    let copy = plan::view(&s.ctx, &s.producer, "AD2", monday())
        .await
        .unwrap();
    assert_eq!(copy.tasks.len(), view.tasks.len());
    assert_eq!(copy.dependencies.len(), view.dependencies.len());
    assert_eq!(copy.planned_finish, view.planned_finish);
}

async fn holidays_push_dates_and_count_as_non_working(store: &Store) {
    let s = studio(store, "").await;
    let draft = TaskDraft {
        key: "grade".into(),
        name: "Grade".into(),
        duration: "5".into(),
        ..Default::default()
    };
    plan::add_task(&s.ctx, &s.producer, "AD1", None, &draft)
        .await
        .unwrap();
    let v = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert_eq!(
        v.task("grade").unwrap().planned.end,
        monday() + chrono::Duration::days(4)
    );
    // Wednesday is a holiday: five working days end on the next Monday.
    plan::add_day_off(&s.ctx, &s.producer, None, "2027-03-03", "Studio day")
        .await
        .unwrap();
    let v = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert_eq!(
        v.task("grade").unwrap().planned.end,
        monday() + chrono::Duration::days(7)
    );
    // An artist cannot declare studio holidays.
    let e = plan::add_day_off(&s.ctx, &s.artist, None, "2027-03-04", "Mine").await;
    assert!(matches!(e, Err(AppError::Forbidden(_))), "{e:?}");
    // A four-day week.
    plan::set_working_week(&s.ctx, &s.producer, "mon,tue,wed,thu")
        .await
        .unwrap();
    let v = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert_eq!(
        v.task("grade").unwrap().planned.end,
        monday() + chrono::Duration::days(8)
    );
    let e = plan::set_working_week(&s.ctx, &s.producer, "someday").await;
    assert!(matches!(e, Err(AppError::Invalid(_))), "{e:?}");
}

async fn a_persons_days_off_lengthen_the_work_assigned_to_them(store: &Store) {
    let s = studio(store, "").await;
    let draft = TaskDraft {
        key: "edit".into(),
        name: "Edit".into(),
        duration: "3".into(),
        assignees: vec![s.artist.user_id],
        ..Default::default()
    };
    plan::add_task(&s.ctx, &s.producer, "AD1", None, &draft)
        .await
        .unwrap();
    let v = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert_eq!(
        v.task("edit").unwrap().planned.end,
        monday() + chrono::Duration::days(2)
    );
    // The editor records Tuesday off: their three days end on Thursday.
    plan::add_day_off(
        &s.ctx,
        &s.artist,
        Some(s.artist.user_id),
        "2027-03-02",
        "dentist",
    )
    .await
    .unwrap();
    let v = plan::view(&s.ctx, &s.producer, "AD1", monday())
        .await
        .unwrap();
    assert_eq!(
        v.task("edit").unwrap().planned.end,
        monday() + chrono::Duration::days(3)
    );
    // Someone else's day off is the producer's to record, not another artist's.
    let other = plan::add_day_off(
        &s.ctx,
        &s.artist,
        Some(s.producer.user_id),
        "2027-03-03",
        "x",
    )
    .await;
    assert!(matches!(other, Err(AppError::Forbidden(_))), "{other:?}");
}

async fn deliverables_get_an_owner_and_a_due_date(store: &Store) {
    let s = studio(store, "").await;
    let draft = postflow_app::delivery::DeliverableDraft {
        name: "Broadcast master".into(),
        profile: "ebu-r128".into(),
        layout: "stereo".into(),
        owner_id: s.artist.user_id.to_string(),
        due_date: "2027-03-26".into(),
    };
    let d = postflow_app::delivery::add_deliverable(&s.ctx, &s.producer, "AD1", &draft)
        .await
        .unwrap();
    let saved = store
        .deliverable_in(d.project_id, d.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.owner_id, Some(s.artist.user_id));
    assert_eq!(saved.due_date, NaiveDate::from_ymd_opt(2027, 3, 26));
    let bad = postflow_app::delivery::DeliverableDraft {
        due_date: "26/03/2027".into(),
        owner_id: s.client.user_id.to_string(),
        ..draft
    };
    match postflow_app::delivery::add_deliverable(&s.ctx, &s.producer, "AD1", &bad).await {
        Err(AppError::Invalid(f)) => {
            assert!(f.get("due_date").contains("not a date"));
            assert!(
                f.get("owner_id").contains("studio"),
                "a client cannot own a deliverable"
            );
        }
        other => panic!("{other:?}"),
    }
}
