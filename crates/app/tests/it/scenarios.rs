//! What-if plans on the demo studio, both stores: a proposal respects every dependency and never
//! needs more of a resource kind on a day than the studio has (checked here from the proposal's
//! dates, not by the solver); applying it moves the tasks and writes planning bookings in one
//! change; a plan edited in between makes the apply a conflict with nothing written; only
//! producers and admins may do it.

use crate::support::actor;
use chrono::NaiveDate;
use postflow_app::scenarios;
use postflow_app::{AppError, Context};
use postflow_core::booking::kind_key;
use postflow_core::plan::DependencyKind;
use postflow_store::bookings::BookingFilter;
use postflow_store::Store;
use std::collections::HashMap;

backends!(
    a_proposal_keeps_dependencies_and_resource_limits,
    applying_moves_tasks_and_books_once_and_a_stale_scenario_is_refused,
);

fn today() -> NaiveDate {
    // A Monday, so the demo's plans start on a working day.
    NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()
}

async fn seeded(store: &Store) -> (Context, postflow_core::access::Actor) {
    postflow_app::demo::seed(store, today()).await.unwrap();
    let producer = store
        .user_by_email("producer@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let a = actor(store, &producer).await;
    (Context::new(store.clone()), a)
}

async fn a_proposal_keeps_dependencies_and_resource_limits(store: &Store) {
    let (ctx, producer) = seeded(store).await;
    let scenario = scenarios::propose(&ctx, &producer, today()).await.unwrap();
    let p = &scenario.proposal;
    assert_eq!(scenario.status, "proposed");
    assert!(
        p.tasks.len() > 20,
        "the demo's open tasks are scheduled: {}",
        p.tasks.len()
    );
    let cal = postflow_app::plan::studio_calendar(&store, today())
        .await
        .unwrap();
    // Dependencies, from the plans as the store has them.
    let by_key: HashMap<(String, String), &scenarios::TaskMove> = p
        .tasks
        .iter()
        .map(|t| ((t.code.clone(), t.task_key.clone()), t))
        .collect();
    let mut checked = 0;
    for summary in postflow_app::plan::studio(&ctx, &producer, today())
        .await
        .unwrap()
    {
        for d in &summary.plan.dependencies {
            let key = |k: &str| (summary.plan.code.clone(), k.to_string());
            let (Some(from), Some(to)) = (by_key.get(&key(&d.from)), by_key.get(&key(&d.to)))
            else {
                continue;
            };
            // Working-day offsets from today: start, and exclusive finish.
            let s = |date| cal.day_on_or_after(date);
            let finish = |t: &scenarios::TaskMove| {
                if t.proposed_end >= t.proposed_start
                    && (t.current_end > t.current_start || t.proposed_end > t.proposed_start)
                {
                    cal.finish_day_by(t.proposed_end)
                } else {
                    s(t.proposed_start)
                }
            };
            match d.kind {
                DependencyKind::FinishToStart => assert!(
                    s(to.proposed_start) >= finish(from) + d.lag_days,
                    "{} {} starts before {} finishes",
                    to.code,
                    to.task_name,
                    from.task_name
                ),
                DependencyKind::StartToStart => {
                    assert!(s(to.proposed_start) >= s(from.proposed_start) + d.lag_days)
                }
                DependencyKind::FinishToFinish => assert!(finish(to) >= finish(from) + d.lag_days),
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked} dependencies checked");
    // Per kind and working day: tasks needing it ≤ the studio's units of it.
    let mut capacity: HashMap<String, i64> = HashMap::new();
    for r in store.resources(false).await.unwrap() {
        *capacity.entry(kind_key(&r.kind)).or_default() += r.capacity;
    }
    let mut load: HashMap<(String, NaiveDate), i64> = HashMap::new();
    for t in &p.tasks {
        let Some(kind) = t.resource_kind.as_deref().map(kind_key) else {
            continue;
        };
        if !capacity.contains_key(&kind) || t.proposed_end < t.proposed_start {
            continue;
        }
        let mut d = t.proposed_start;
        while d <= t.proposed_end {
            if cal.is_working_day(d)
                && !(t.proposed_start == t.proposed_end && t.current_start == t.current_end)
            {
                *load.entry((kind.clone(), d)).or_default() += 1;
            }
            d = d.succ_opt().unwrap();
        }
    }
    for ((kind, day), n) in &load {
        assert!(
            *n <= capacity[kind],
            "{n} tasks need a {kind} on {day}; the studio has {}",
            capacity[kind]
        );
    }
    // Bookings go to resources of the kind, never two on one resource at once.
    let resources: HashMap<i64, String> = store
        .resources(false)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, kind_key(&r.kind)))
        .collect();
    for (i, a) in p.bookings.iter().enumerate() {
        let task = p.tasks.iter().find(|t| t.task_id == a.task_id).unwrap();
        assert_eq!(
            Some(&resources[&a.resource_id]),
            task.resource_kind.as_deref().map(kind_key).as_ref()
        );
        for b in &p.bookings[i + 1..] {
            let overlap = a.starts_at < b.ends_at && b.starts_at < a.ends_at;
            assert!(
                !(overlap && a.resource_id == b.resource_id),
                "{a:?} and {b:?} share a resource"
            );
        }
    }
    assert!(
        !p.bookings.is_empty(),
        "kinds: {:?} notes: {:?}",
        p.tasks
            .iter()
            .filter_map(|t| t.resource_kind.clone())
            .collect::<Vec<_>>(),
        p.notes
    );
    assert!(p.makespan_days >= p.lower_bound_days);

    // Artists and clients may not propose.
    let editor = store
        .user_by_email("editor@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let editor = actor(store, &editor).await;
    assert!(matches!(
        scenarios::propose(&ctx, &editor, today()).await,
        Err(AppError::Forbidden(_))
    ));
    let client = store
        .user_by_email("client@acme.example")
        .await
        .unwrap()
        .unwrap();
    let client = actor(store, &client).await;
    assert!(matches!(
        scenarios::propose(&ctx, &client, today()).await,
        Err(AppError::Forbidden(_))
    ));
}

async fn applying_moves_tasks_and_books_once_and_a_stale_scenario_is_refused(store: &Store) {
    let (ctx, producer) = seeded(store).await;
    let all = BookingFilter {
        limit: Some(100_000),
        ..Default::default()
    };
    let before = store.list_bookings(&all).await.unwrap().len();

    // Stale: a plan edited after the proposal refuses the apply, and nothing is written.
    let stale = scenarios::propose(&ctx, &producer, today()).await.unwrap();
    let first = &stale.proposal.projects[0];
    let tx = store.begin().await.unwrap();
    tx.claim_plan_version(first.project_id, Some(first.plan_version))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let err = scenarios::apply(&ctx, &producer, stale.id)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Conflict(m) if m.contains(&first.code) && m.contains("propose")),
        "{err}"
    );
    assert_eq!(store.list_bookings(&all).await.unwrap().len(), before);
    assert_eq!(
        scenarios::get(&ctx, &producer, stale.id)
            .await
            .unwrap()
            .status,
        "proposed"
    );
    scenarios::discard(&ctx, &producer, stale.id).await.unwrap();
    assert!(matches!(
        scenarios::apply(&ctx, &producer, stale.id).await,
        Err(AppError::Conflict(_))
    ));

    let scenario = scenarios::propose(&ctx, &producer, today()).await.unwrap();
    let applied = scenarios::apply(&ctx, &producer, scenario.id)
        .await
        .unwrap();
    assert_eq!(applied.status, "applied");
    let bookings = store.list_bookings(&all).await.unwrap();
    assert_eq!(bookings.len(), before + scenario.proposal.bookings.len());
    assert!(bookings
        .iter()
        .filter(|b| b.note == format!("plan scenario {}", scenario.id))
        .all(|b| b.status == "planning"));
    // Each moved task now starts no earlier than proposed.
    for m in scenario.proposal.moved() {
        let task = store
            .task_by_key(m.project_id, &m.task_key)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            task.start_no_earlier,
            Some(m.proposed_start),
            "{}",
            m.task_name
        );
    }
    // Applied once only.
    let again = scenarios::apply(&ctx, &producer, scenario.id)
        .await
        .unwrap_err();
    assert!(
        matches!(&again, AppError::Conflict(m) if m.contains("already applied")),
        "{again}"
    );
    assert_eq!(
        store.list_bookings(&all).await.unwrap().len(),
        bookings.len()
    );
    let audit = store.recent_audit(50).await.unwrap();
    assert!(audit.iter().any(|a| a
        .detail
        .contains(&format!("applied plan scenario {}", scenario.id))));
}
