//! E-mail through a real SMTP server (`aiosmtpd` from PyPI), on both stores: picture lock
//! mails the people downstream (subject and link), a person who chose the digest gets one
//! digest with both items, a person who chose "off" gets nothing; with no SMTP server listening
//! the mail stays queued with the error and the change is saved, and once a server is up the
//! retry sends each mail exactly once. A milestone moved tells the people downstream.

use chrono::{Duration, NaiveDate, Utc};
use postflow_app::mail::{self, SmtpSettings};
use postflow_app::plan::{self, PlanView, ProgressDraft};
use postflow_app::{notifications, Context};
use postflow_core::access::Actor;
use postflow_core::plan::MilestoneKind;
use postflow_store::Store;
use postflow_testkit::smtp::{free_port, SmtpServer};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::support::actor;

backends!(
    picture_lock_is_mailed_by_each_persons_preference,
    a_server_that_is_down_keeps_the_mail_until_it_is_up,
    a_moved_milestone_tells_the_people_downstream,
);

const PUBLIC: &str = "https://postflow.test";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()
}

fn smtp(port: u16) -> SmtpSettings {
    let mut s = SmtpSettings::new("127.0.0.1", port, "postflow <studio@postflow.test>");
    s.starttls = false;
    s.retry_base = std::time::Duration::from_secs(1);
    s.public_url = PUBLIC.into();
    s
}

/// The demo studio, its admin, and a project before picture lock with the people downstream
/// of the lock (assignees of everything after it, and the owner, minus the admin).
async fn before_lock(store: &Store) -> (Context, Actor, PlanView, String, BTreeSet<i64>) {
    postflow_app::demo::seed(store, today()).await.unwrap();
    let ctx = Context::new(store.clone());
    let admin_user = store
        .user_by_email("admin@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let admin = actor(store, &admin_user).await;
    let view = plan::studio(&ctx, &admin, today())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.plan)
        .find(|p| {
            p.picture_locked.is_none()
                && p.milestones
                    .iter()
                    .any(|m| m.kind == MilestoneKind::PictureLock)
        })
        .expect("the demo has a project before picture lock");
    let lock = view
        .milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::PictureLock)
        .unwrap()
        .task_key
        .clone();
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
    let mut downstream: BTreeSet<i64> = view
        .tasks
        .iter()
        .filter(|t| seen.contains(t.key.as_str()))
        .flat_map(|t| t.assignees.iter().map(|p| p.id))
        .collect();
    if let Some(owner) = &view.owner {
        downstream.insert(owner.id);
    }
    downstream.remove(&admin.user_id);
    assert!(
        downstream.len() >= 3,
        "the demo has at least three people downstream of the lock: {downstream:?}"
    );
    (ctx, admin, view, lock, downstream)
}

async fn lock_picture(ctx: &Context, admin: &Actor, view: &PlanView, lock: &str) {
    let n = view.task(lock).unwrap().checklist.len();
    let draft = ProgressDraft {
        checklist_done: Some((0..n).collect()),
        ..Default::default()
    };
    plan::report_progress(ctx, admin, &view.code, lock, &draft, today())
        .await
        .unwrap();
    plan::lock_picture(ctx, admin, &view.code, today())
        .await
        .unwrap();
}

async fn email_of(store: &Store, id: i64) -> String {
    store.user_by_id(id).await.unwrap().unwrap().email
}

async fn picture_lock_is_mailed_by_each_persons_preference(store: &Store) {
    let (ctx, admin, view, lock, downstream) = before_lock(store).await;
    let code = view.code.clone();
    let mut people = downstream.iter().copied();
    let digest_id = people.next().unwrap();
    let off_id = people.next().unwrap();
    let immediate: Vec<i64> = people.collect();
    for (id, mode) in [(digest_id, "digest"), (off_id, "off")] {
        let u = store.user_by_id(id).await.unwrap().unwrap();
        let a = actor(store, &u).await;
        mail::set_preferences(&ctx, &a, &[("picture_lock".into(), mode.into())])
            .await
            .unwrap();
        let prefs = mail::preferences(&ctx, &a).await.unwrap();
        assert_eq!(
            prefs
                .iter()
                .find(|p| p.category == "picture_lock")
                .unwrap()
                .mode,
            mode
        );
    }
    // An unknown mode is refused and nothing changes.
    let u = store.user_by_id(off_id).await.unwrap().unwrap();
    let a = actor(store, &u).await;
    assert!(
        mail::set_preferences(&ctx, &a, &[("picture_lock".into(), "hourly".into())])
            .await
            .is_err()
    );
    assert_eq!(
        mail::preferences(&ctx, &a).await.unwrap()[0].mode,
        "off",
        "a refused choice leaves the preference as it was"
    );

    let server = SmtpServer::start();
    let settings = smtp(server.port);
    lock_picture(&ctx, &admin, &view, &lock).await;
    plan::unlock_picture(&ctx, &admin, &code, "the client wants another ending")
        .await
        .unwrap();
    assert_eq!(
        mail::queue_digests(store, PUBLIC).await.unwrap(),
        1,
        "one digest: only one person chose it"
    );
    assert_eq!(
        mail::queue_digests(store, PUBLIC).await.unwrap(),
        0,
        "bundled items are not bundled again"
    );
    let report = mail::send_due(store, &settings, Utc::now()).await.unwrap();
    let expected = immediate.len() * 2 + 1;
    assert_eq!(report.sent, expected, "{report:?}");
    let got = server.wait_for(expected);
    assert_eq!(got.len(), expected);

    let mut by_to: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for m in &got {
        by_to.entry(m.to.clone()).or_default().push(m.clone());
    }
    let link = format!("{PUBLIC}/projects/{code}/plan");
    for id in &immediate {
        let to = email_of(store, *id).await;
        let mine = by_to.get(&to).unwrap_or_else(|| panic!("{to} got no mail"));
        let subjects: BTreeSet<_> = mine.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(
            subjects,
            BTreeSet::from([
                format!("Picture locked on {code}").as_str(),
                format!("Picture unlocked on {code}").as_str()
            ]),
            "{to}"
        );
        for m in mine {
            assert_eq!(m.content_type, "text/plain");
            assert!(m.from.contains("studio@postflow.test"), "{}", m.from);
            assert!(
                m.body.contains(&link),
                "the mail links the plan: {}",
                m.body
            );
        }
    }
    let digest_to = email_of(store, digest_id).await;
    let digest = &by_to[&digest_to];
    assert_eq!(digest.len(), 1, "one digest mail, no immediate ones");
    assert!(
        digest[0].subject.contains("digest"),
        "{}",
        digest[0].subject
    );
    assert!(digest[0]
        .body
        .contains(&format!("Picture locked on {code}")));
    assert!(digest[0]
        .body
        .contains(&format!("Picture unlocked on {code}")));
    assert!(digest[0].body.contains("another ending"));
    assert!(digest[0].body.contains(&link));
    let off_to = email_of(store, off_id).await;
    assert!(!by_to.contains_key(&off_to), "{off_to} chose no mail");
    // The admin who locked is not told about their own change.
    assert!(!by_to.contains_key("admin@demo.postflow"));
    // Nothing is sent twice.
    let again = mail::send_due(store, &settings, Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(again.sent, 0);
}

async fn a_server_that_is_down_keeps_the_mail_until_it_is_up(store: &Store) {
    let (ctx, admin, view, lock, downstream) = before_lock(store).await;
    let port = free_port();
    let settings = smtp(port);
    lock_picture(&ctx, &admin, &view, &lock).await;
    let now = Utc::now();
    let report = mail::send_due(store, &settings, now).await.unwrap();
    assert_eq!(report.sent, 0);
    assert_eq!(report.retrying, downstream.len(), "{report:?}");
    // The change is saved, and each mail waits with the reason.
    let after = plan::view(&ctx, &admin, &view.code, today()).await.unwrap();
    assert!(after.picture_locked.is_some(), "the lock is saved");
    let outbox = store.outbox_mails(None, 1000).await.unwrap();
    assert_eq!(outbox.len(), downstream.len());
    for m in &outbox {
        assert_eq!(m.status, "queued");
        assert_eq!(m.attempts, 1);
        assert!(m.next_attempt_at > now, "retried later, not at once");
        let e = m.last_error.as_deref().expect("the error is kept");
        assert!(e.contains("SMTP"), "{e}");
    }
    // Not due yet: nothing is tried.
    assert_eq!(mail::send_due(store, &settings, now).await.unwrap().sent, 0);

    let server = SmtpServer::start_on(port);
    let later = now + Duration::seconds(30);
    let report = mail::send_due(store, &settings, later).await.unwrap();
    assert_eq!(report.sent, downstream.len(), "{report:?}");
    assert_eq!(
        mail::send_due(store, &settings, later + Duration::hours(7))
            .await
            .unwrap(),
        Default::default(),
        "nothing is left to send"
    );
    let got = server.wait_for(downstream.len());
    assert_eq!(got.len(), downstream.len(), "each mail arrives once");
    let mut expected = BTreeSet::new();
    for id in &downstream {
        expected.insert(email_of(store, *id).await);
    }
    let to: BTreeSet<String> = got.iter().map(|m| m.to.clone()).collect();
    assert_eq!(to, expected);
    for m in store.outbox_mails(None, 1000).await.unwrap() {
        assert_eq!(m.status, "sent");
        assert_eq!(m.attempts, 2);
        assert!(m.sent_at.is_some());
    }
}

async fn a_moved_milestone_tells_the_people_downstream(store: &Store) {
    let (ctx, admin, view, lock, downstream) = before_lock(store).await;
    let code = view.code.clone();
    let was = view.task(&lock).unwrap().planned.start;
    let start = (was + Duration::days(21)).to_string();
    plan::move_task(&ctx, &admin, &code, &lock, None, &start, "")
        .await
        .unwrap();
    let moved = plan::view(&ctx, &admin, &code, today()).await.unwrap();
    let m = moved
        .milestones
        .iter()
        .find(|m| m.task_key == lock)
        .unwrap();
    assert!(
        m.planned > was,
        "the milestone moved: {} → {}",
        was,
        m.planned
    );
    let title = format!("Milestone {} moved to {} on {code}", m.name, m.planned);
    let mut told = BTreeSet::new();
    for u in store.list_users().await.unwrap() {
        let a = actor(store, &u).await;
        let about: Vec<_> = notifications::inbox(&ctx, &a)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.title == title)
            .collect();
        if !about.is_empty() {
            assert_eq!(about.len(), 1, "{} told twice", u.email);
            assert_eq!(about[0].link, format!("/projects/{code}/plan"));
            assert!(
                about[0].body.contains(&was.to_string()),
                "{}",
                about[0].body
            );
            told.insert(u.id);
        }
    }
    assert_eq!(
        told, downstream,
        "the people downstream are told, nobody else"
    );
    // And mailed (immediately, nobody chose otherwise).
    let queued: Vec<_> = store
        .outbox_mails(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.subject == title)
        .collect();
    assert_eq!(queued.len(), downstream.len());
}
