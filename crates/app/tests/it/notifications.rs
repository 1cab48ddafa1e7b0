//! Who is told when picture locks (and unlocks): the people on the work downstream of the lock
//! in the plan and the producer who owns the project — not the person who locked it, not anyone
//! else — in their inbox, on both stores; marking read touches only one's own.

use crate::support::actor;
use chrono::NaiveDate;
use postflow_app::plan::{self, ProgressDraft};
use postflow_app::{notifications, Context};
use postflow_core::plan::MilestoneKind;
use postflow_store::Store;
use std::collections::{BTreeSet, HashMap, VecDeque};

backends!(picture_lock_tells_the_people_downstream_and_no_one_else);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()
}

async fn picture_lock_tells_the_people_downstream_and_no_one_else(store: &Store) {
    postflow_app::demo::seed(store, today()).await.unwrap();
    let ctx = Context::new(store.clone());
    let admin_user = store
        .user_by_email("admin@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let admin = actor(store, &admin_user).await;
    // A project whose picture is not locked yet.
    let mut chosen = None;
    for s in plan::studio(&ctx, &admin, today()).await.unwrap() {
        if s.plan.picture_locked.is_none()
            && s.plan
                .milestones
                .iter()
                .any(|m| m.kind == MilestoneKind::PictureLock)
        {
            chosen = Some(s.plan);
            break;
        }
    }
    let view = chosen.expect("the demo has a project before picture lock");
    let code = view.code.clone();
    let lock = view
        .milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::PictureLock)
        .unwrap()
        .task_key
        .clone();
    // Expected: assignees of everything reachable from the lock, plus the owner, minus the admin.
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for d in &view.dependencies {
        next.entry(d.from.as_str()).or_default().push(d.to.as_str());
    }
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([lock.as_str()]);
    while let Some(k) = queue.pop_front() {
        for &s in next.get(k).into_iter().flatten() {
            if seen.insert(s) {
                queue.push_back(s);
            }
        }
    }
    let mut expected: BTreeSet<i64> = view
        .tasks
        .iter()
        .filter(|t| seen.contains(t.key.as_str()))
        .flat_map(|t| t.assignees.iter().map(|p| p.id))
        .collect();
    if let Some(owner) = &view.owner {
        expected.insert(owner.id);
    }
    expected.remove(&admin.user_id);
    assert!(
        !expected.is_empty(),
        "somebody works downstream of the lock"
    );

    let n = view.task(&lock).unwrap().checklist.len();
    let draft = ProgressDraft {
        checklist_done: Some((0..n).collect()),
        ..Default::default()
    };
    plan::report_progress(&ctx, &admin, &code, &lock, &draft, today())
        .await
        .unwrap();
    plan::lock_picture(&ctx, &admin, &code, today())
        .await
        .unwrap();

    let mut told = BTreeSet::new();
    for u in store.list_users().await.unwrap() {
        let a = actor(store, &u).await;
        let inbox = notifications::inbox(&ctx, &a).await.unwrap();
        let about_lock: Vec<_> = inbox
            .iter()
            .filter(|n| n.title == format!("Picture locked on {code}"))
            .collect();
        if !about_lock.is_empty() {
            assert_eq!(about_lock.len(), 1, "{} told twice", u.email);
            assert_eq!(about_lock[0].link, format!("/projects/{code}/plan"));
            told.insert(u.id);
        }
    }
    assert_eq!(
        told, expected,
        "exactly the people downstream and the owner are told"
    );

    // Marking read is one's own business.
    let someone = *expected.iter().next().unwrap();
    let u = store.user_by_id(someone).await.unwrap().unwrap();
    let a = actor(store, &u).await;
    let mine = notifications::inbox(&ctx, &a).await.unwrap();
    assert_eq!(
        notifications::mark_read(&ctx, &admin, Some(mine[0].id))
            .await
            .unwrap(),
        0
    );
    assert!(notifications::unread(&ctx, &a).await.unwrap() >= 1);
    assert_eq!(
        notifications::mark_read(&ctx, &a, Some(mine[0].id))
            .await
            .unwrap(),
        1
    );

    // Unlocking tells them again, with the reason.
    plan::unlock_picture(&ctx, &admin, &code, "the client wants another ending")
        .await
        .unwrap();
    let again = notifications::inbox(&ctx, &a).await.unwrap();
    assert!(again
        .iter()
        .any(|n| n.title == format!("Picture unlocked on {code}")
            && n.body.contains("another ending")));
}
