//! The store conformance suite: every case runs against SQLite and against a real PostgreSQL
//! (a throwaway cluster started from the system binaries). Each capability adds its cases here.
use postflow_core::access::Role;
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::accounts::NewUser;
use postflow_store::studio::{ClientInput, ProjectFilter, ProjectInput};
use postflow_store::{Location, Store, StoreError};
use postflow_testkit::{backends, TempPostgres};

// One test per case per backend (postflow-testkit's `backends!`: `case::sqlite`,
// `case::postgresql`, each on a fresh store). A case that needs earlier data creates it with
// the fixtures below.
backends!(
    emails_are_unique_in_any_case_and_sessions_end_on_expiry_disabling_or_password_change,
    client_and_project_codes_are_unique_and_lists_filter_by_client_member_and_archive,
    concurrent_edit_is_refused,
    login_throttle_locks_after_the_free_attempts_and_clears,
    login_throttle_counts_parallel_attempts_atomically,
    login_throttle_rows_are_capped_and_expire,
    credentials_end_with_password_change_and_disabling,
    an_api_token_names_its_user_and_only_its_owner_revokes_it,
    rooms_are_listed_by_kind_and_the_audit_log_newest_first,
    resources_keep_capacity_rate_person_and_skills_and_bookings_read_back,
    qc_runs_keep_whole_reports_and_signoffs_once_and_a_new_run_reopens_the_milestone,
    mark_qc_passed_rereads_the_latest_run_atomically,
    a_qc_run_and_its_reopened_milestone_are_one_change,
    accounts_read_back_carry_no_password_hash,
    media_catalog,
    catalog_refuses_bad_input_atomically,
    catalog_of_a_large_card,
    catalog_identity_includes_the_project,
    catalog_refuses_a_verified_copy_without_checksum,
);

/// Opening again runs no migration twice and keeps the data; a store stamped by a newer
/// postflow is refused with a clear message.
async fn reopening_keeps_the_data_and_a_newer_schema_is_refused(location: Location) {
    let store = Store::open(&location).await.expect("open store");
    for email in ["ana@example.com", "eddie@studio.test", "tok@example.com"] {
        store
            .create_user(NewUser {
                email: email.into(),
                name: email.into(),
                role: Role::Artist,
                client_id: None,
                title: None,
                password_hash: "h".into(),
            })
            .await
            .unwrap();
    }
    store.close().await.unwrap();

    let again = Store::open(&location).await.expect("reopen store");
    assert_eq!(again.count_users().await.unwrap(), 3);
    again.set_schema_generation_for_test(999).await.unwrap();
    again.close().await.unwrap();
    let err = Store::open(&location).await.unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found: 999, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("newer postflow"), "{err}");
}

mod reopening_keeps_the_data_and_a_newer_schema_is_refused {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        reopening_keeps_the_data_and_a_newer_schema_is_refused(Location::SqliteDir(
            dir.path().join("data"),
        ))
        .await;
        // WAL mode is on for the embedded store.
        assert!(dir.path().join("data/postflow.db").exists());
    }

    #[tokio::test]
    async fn postgresql() {
        let pg = TempPostgres::start().expect("start a throwaway PostgreSQL cluster");
        let url = pg.create_database("conformance").await.unwrap();
        reopening_keeps_the_data_and_a_newer_schema_is_refused(Location::Url(url)).await;
    }
}

// --- fixtures: what later cases found in the store when they all ran in one --------------------

/// Ana, a producer.
async fn ana(store: &Store) -> postflow_store::accounts::User {
    store
        .create_user(NewUser {
            email: "ana@example.com".into(),
            name: "Ana".into(),
            role: Role::Producer,
            client_id: None,
            title: Some("Producer".into()),
            password_hash: "h1".into(),
        })
        .await
        .unwrap()
}

/// Client ACME and its project ACME-SPOT.
async fn acme_spot(store: &Store) {
    let acme = store
        .create_client(ClientInput {
            code: code("ACME"),
            name: "Acme Films".into(),
            contact_email: None,
        })
        .await
        .unwrap();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    store
        .create_project(ProjectInput {
            code: code("ACME-SPOT"),
            name: "Spring spot".into(),
            client_id: acme.id,
            status: ProjectStatus::Editorial,
            start_date: d("2026-11-02"),
            due_date: d("2026-12-04"),
        })
        .await
        .unwrap();
}

/// Client CATCO and its project CAT-ONE, whose media the catalog cases record.
async fn cat_one(store: &Store) {
    let client = store
        .create_client(ClientInput {
            code: code("CATCO"),
            name: "Catalog Co".into(),
            contact_email: None,
        })
        .await
        .unwrap();
    store
        .create_project(ProjectInput {
            code: code("CAT-ONE"),
            name: "Catalogued".into(),
            client_id: client.id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
}

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

async fn emails_are_unique_in_any_case_and_sessions_end_on_expiry_disabling_or_password_change(
    store: &Store,
) {
    let u = store
        .create_user(NewUser {
            email: "Ana@Example.com ".into(),
            name: "Ana".into(),
            role: Role::Producer,
            client_id: None,
            title: Some("Producer".into()),
            password_hash: "h1".into(),
        })
        .await
        .unwrap();
    assert_eq!(u.email, "ana@example.com");
    assert_eq!(u.role(), Role::Producer);
    let dup = store
        .create_user(NewUser {
            email: "ana@example.com".into(),
            name: "Other".into(),
            role: Role::Artist,
            client_id: None,
            title: None,
            password_hash: "h2".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(dup, StoreError::Duplicate { field: "email", .. }),
        "{dup}"
    );
    assert_eq!(
        store
            .user_by_email("ANA@example.com")
            .await
            .unwrap()
            .unwrap()
            .id,
        u.id
    );

    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    store
        .create_session("s1".into(), u.id, "csrf".into(), expires)
        .await
        .unwrap();
    let (s, su) = store.session_user("s1").await.unwrap().unwrap();
    assert_eq!((s.csrf_token.as_str(), su.id), ("csrf", u.id));
    // Expired sessions are not honoured.
    store
        .create_session(
            "old".into(),
            u.id,
            "c".into(),
            chrono::Utc::now() - chrono::Duration::seconds(1),
        )
        .await
        .unwrap();
    assert!(store.session_user("old").await.unwrap().is_none());
    // Disabling a user ends their sessions; a password change too.
    store.set_user_disabled(u.id, true).await.unwrap();
    assert!(store.session_user("s1").await.unwrap().is_none());
    store.set_user_disabled(u.id, false).await.unwrap();
    store
        .create_session("s2".into(), u.id, "c".into(), expires)
        .await
        .unwrap();
    store.set_password_hash(u.id, "h9".into()).await.unwrap();
    assert!(store.session_user("s2").await.unwrap().is_none());
    assert_eq!(
        store.password_hash_of(u.id).await.unwrap().as_deref(),
        Some("h9")
    );
}

async fn client_and_project_codes_are_unique_and_lists_filter_by_client_member_and_archive(
    store: &Store,
) {
    let acme = store
        .create_client(ClientInput {
            code: code("ACME"),
            name: "Acme Films".into(),
            contact_email: None,
        })
        .await
        .unwrap();
    let other = store
        .create_client(ClientInput {
            code: code("NBC"),
            name: "Northbridge".into(),
            contact_email: None,
        })
        .await
        .unwrap();
    let err = store
        .create_client(ClientInput {
            code: code("acme"),
            name: "dup".into(),
            contact_email: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }));

    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let p1 = store
        .create_project(ProjectInput {
            code: code("ACME-SPOT"),
            name: "Spring spot".into(),
            client_id: acme.id,
            status: ProjectStatus::Editorial,
            start_date: d("2026-11-02"),
            due_date: d("2026-12-04"),
        })
        .await
        .unwrap();
    assert_eq!(p1.start_date, d("2026-11-02"));
    assert_eq!(p1.status(), ProjectStatus::Editorial);
    let p2 = store
        .create_project(ProjectInput {
            code: code("NBC-DOC"),
            name: "Doc".into(),
            client_id: other.id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    let acme_only = store
        .list_projects(&ProjectFilter {
            client_id: Some(acme.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        acme_only.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![p1.id]
    );

    let artist = store
        .create_user(NewUser {
            email: "eddie@studio.test".into(),
            name: "Eddie".into(),
            role: Role::Artist,
            client_id: None,
            title: None,
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    store.add_project_member(p2.id, artist.id).await.unwrap();
    store.add_project_member(p2.id, artist.id).await.unwrap(); // idempotent
    let mine = store
        .list_projects(&ProjectFilter {
            member_user_id: Some(artist.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|p| p.id).collect::<Vec<_>>(), vec![p2.id]);

    store.set_project_archived(p2.id, true).await.unwrap();
    let active = store
        .list_projects(&ProjectFilter::default())
        .await
        .unwrap();
    assert!(active.iter().all(|p| p.id != p2.id));
    let all = store
        .list_projects(&ProjectFilter {
            include_archived: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    // Project codes are unique.
    let err = store
        .create_project(ProjectInput {
            code: code("acme-spot"),
            name: "dup".into(),
            client_id: acme.id,
            status: ProjectStatus::Bidding,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Duplicate {
                field: "project code",
                ..
            }
        ),
        "{err}"
    );
}

async fn concurrent_edit_is_refused(store: &Store) {
    acme_spot(store).await;
    let p = store
        .project_by_code(&code("ACME-SPOT"))
        .await
        .unwrap()
        .unwrap();
    let input = |name: &str| ProjectInput {
        code: code("ACME-SPOT"),
        name: name.into(),
        client_id: p.client_id,
        status: ProjectStatus::Locked,
        start_date: p.start_date,
        due_date: p.due_date,
    };
    let first = store
        .update_project(p.id, p.version, input("First edit"))
        .await
        .unwrap();
    assert_eq!(first.version, p.version + 1);
    let second = store
        .update_project(p.id, p.version, input("Stale edit"))
        .await
        .unwrap_err();
    assert!(matches!(second, StoreError::Conflict(_)), "{second}");
    assert_eq!(
        store.project_by_id(p.id).await.unwrap().unwrap().name,
        "First edit"
    );
}

async fn login_throttle_locks_after_the_free_attempts_and_clears(store: &Store) {
    use postflow_store::accounts::Attempt;
    let key = "account:someone@example.com";
    for n in 1..=5 {
        assert_eq!(
            store.admit_login_attempt(key, 5).await.unwrap(),
            Attempt::Admitted { attempts: n }
        );
    }
    // The sixth is admitted and locks the key; the seventh is refused without being counted.
    assert_eq!(
        store.admit_login_attempt(key, 5).await.unwrap(),
        Attempt::Admitted { attempts: 6 }
    );
    assert!(matches!(
        store.admit_login_attempt(key, 5).await.unwrap(),
        Attempt::Locked { until } if until > chrono::Utc::now()
    ));
    assert_eq!(store.login_attempts(key).await.unwrap(), 6);
    store.clear_login_failures(key).await.unwrap();
    assert_eq!(store.login_attempts(key).await.unwrap(), 0);
    assert_eq!(
        store.admit_login_attempt(key, 5).await.unwrap(),
        Attempt::Admitted { attempts: 1 }
    );
    store.clear_login_failures(key).await.unwrap();
}

/// 200 attempts at once on one key: the count is one atomic statement, so exactly the free
/// attempts plus the one that locks are admitted, and none fails.
async fn login_throttle_counts_parallel_attempts_atomically(store: &Store) {
    use postflow_store::accounts::Attempt;
    let key = "account:parallel@example.com";
    let attempts = (0..200).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.admit_login_attempt(key, 5).await })
    });
    let mut admitted = 0;
    for a in attempts {
        match a.await.unwrap().expect("no attempt fails") {
            Attempt::Admitted { .. } => admitted += 1,
            Attempt::Locked { .. } => {}
        }
    }
    assert_eq!(admitted, 6);
    assert_eq!(store.login_attempts(key).await.unwrap(), 6);
    store.clear_login_failures(key).await.unwrap();
}

/// A key is stored at most 255 bytes long, and rows idle for an hour are deleted.
async fn login_throttle_rows_are_capped_and_expire(store: &Store) {
    use postflow_store::entities::login_throttle;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let huge = format!("account:{}@example.com", "x".repeat(1_500_000));
    store.admit_login_attempt(&huge, 5).await.unwrap();
    let longest = login_throttle::Entity::find()
        .all(store.connection())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key.len())
        .max()
        .unwrap();
    assert!(longest <= 255, "a {longest}-byte key was stored");
    assert_eq!(store.login_attempts(&huge).await.unwrap(), 1);
    store.clear_login_failures(&huge).await.unwrap();
    login_throttle::ActiveModel {
        key: Set("address:192.0.2.1".into()),
        failures: Set(3),
        last_failure_at: Set(chrono::Utc::now() - chrono::Duration::hours(2)),
        locked_until: Set(None),
    }
    .insert(store.connection())
    .await
    .unwrap();
    store
        .admit_login_attempt("address:192.0.2.2", 20)
        .await
        .unwrap();
    let keys: Vec<String> = login_throttle::Entity::find()
        .all(store.connection())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(keys, ["address:192.0.2.2"]);
    store
        .clear_login_failures("address:192.0.2.2")
        .await
        .unwrap();
}

/// A password change, an admin reset and disabling revoke the account's API tokens; re-enabling
/// revives none. Changing one's own password keeps the session in use and ends the others.
async fn credentials_end_with_password_change_and_disabling(store: &Store) {
    let u = store
        .create_user(NewUser {
            email: "tok@example.com".into(),
            name: "Tok".into(),
            role: Role::Artist,
            client_id: None,
            title: None,
            password_hash: "h1".into(),
        })
        .await
        .unwrap();
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    let live =
        |hash: &'static str| async move { store.user_by_token_hash(hash).await.unwrap().is_some() };
    store
        .create_api_token(u.id, "a".into(), "tok-a".into())
        .await
        .unwrap();
    for s in ["here", "elsewhere"] {
        store
            .create_session(s.into(), u.id, "c".into(), expires)
            .await
            .unwrap();
    }
    assert!(live("tok-a").await);
    assert_eq!(
        store
            .set_own_password_hash(u.id, "h2".into(), "here")
            .await
            .unwrap(),
        1
    );
    assert!(!live("tok-a").await);
    assert!(store.session_user("here").await.unwrap().is_some());
    assert!(store.session_user("elsewhere").await.unwrap().is_none());

    store
        .create_api_token(u.id, "b".into(), "tok-b".into())
        .await
        .unwrap();
    assert_eq!(store.set_password_hash(u.id, "h3".into()).await.unwrap(), 1);
    assert!(!live("tok-b").await);
    assert!(store.session_user("here").await.unwrap().is_none());

    store
        .create_api_token(u.id, "c".into(), "tok-c".into())
        .await
        .unwrap();
    store.set_user_disabled(u.id, true).await.unwrap();
    store.set_user_disabled(u.id, false).await.unwrap();
    assert!(!live("tok-c").await, "re-enabling revived a token");
    assert!(store
        .list_api_tokens(u.id)
        .await
        .unwrap()
        .iter()
        .all(|t| t.revoked_at.is_some()));
    assert!(matches!(
        store.set_password_hash(u.id + 10_000, "h".into()).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn an_api_token_names_its_user_and_only_its_owner_revokes_it(store: &Store) {
    ana(store).await;
    let u = store
        .user_by_email("ana@example.com")
        .await
        .unwrap()
        .unwrap();
    let t = store
        .create_api_token(u.id, "laptop".into(), "hash-1".into())
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_token_hash("hash-1")
            .await
            .unwrap()
            .unwrap()
            .id,
        u.id
    );
    assert!(store.list_api_tokens(u.id).await.unwrap()[0]
        .last_used_at
        .is_some());
    // Another user cannot revoke it.
    assert!(store.revoke_api_token(u.id + 1000, t.id).await.is_err());
    store.revoke_api_token(u.id, t.id).await.unwrap();
    assert!(store.user_by_token_hash("hash-1").await.unwrap().is_none());
}

/// m0008: a resource's capacity, cost rate, person, skills and calendar, and a booking, read
/// back as written (the booking rules themselves are in tests/it/bookings.rs).
async fn resources_keep_capacity_rate_person_and_skills_and_bookings_read_back(store: &Store) {
    use chrono::TimeZone;
    use postflow_store::bookings::{BookingFilter, BookingStatus, NewBooking};
    use postflow_store::studio::ResourceInput;
    let person = store
        .create_user(NewUser {
            email: "ana@studio.test".into(),
            name: "Ana".into(),
            role: Role::Artist,
            client_id: None,
            title: None,
            password_hash: "h".into(),
        })
        .await
        .unwrap();
    let ana = store
        .insert_resource(ResourceInput {
            name: "Ana (colorist)".into(),
            kind: "person".into(),
            notes: None,
            capacity: 1,
            cost_rate: Some((12_000, "EUR".into())),
            user_id: Some(person.id),
            skills: vec!["grading".into(), "conform".into()],
            calendar: "studio".into(),
        })
        .await
        .unwrap();
    let plain = store
        .create_resource("Ingest 1".into(), "ingest_station".into(), None)
        .await
        .unwrap();
    assert_eq!((plain.capacity, plain.calendar.as_str()), (1, "studio"));
    let back = store.resource_by_id(ana.id).await.unwrap().unwrap();
    assert_eq!(back, ana);
    assert_eq!(back.skill_list(), vec!["grading", "conform"]);
    assert_eq!(back.user_id, Some(person.id));
    let client = store
        .create_client(ClientInput {
            code: code("RESCO"),
            name: "Res Co".into(),
            contact_email: None,
        })
        .await
        .unwrap();
    let p = store
        .create_project(ProjectInput {
            code: code("RES-ONE"),
            name: "Resourced".into(),
            client_id: client.id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    let start = chrono::Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap();
    let tx = store.begin().await.unwrap();
    let b = tx
        .insert_booking(NewBooking {
            resource_id: ana.id,
            project_id: p.id,
            task_id: None,
            starts_at: start,
            ends_at: start + chrono::Duration::hours(8),
            units: 1,
            status: BookingStatus::Preliminary,
            note: "hold for the grade".into(),
            created_by: Some(person.id),
        })
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    let listed = store
        .list_bookings(&BookingFilter {
            project_id: Some(p.id),
            ..BookingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(listed, vec![b.clone()]);
    assert_eq!(listed[0].starts_at, start);
    assert_eq!(
        listed[0].booking_status().unwrap(),
        BookingStatus::Preliminary
    );
}

async fn rooms_are_listed_by_kind_and_the_audit_log_newest_first(store: &Store) {
    store
        .create_resource("Color Suite 1".into(), "color_suite".into(), None)
        .await
        .unwrap();
    store
        .create_resource("Edit Bay 1".into(), "edit_bay".into(), Some("Avid".into()))
        .await
        .unwrap();
    let rooms = store.list_resources().await.unwrap();
    assert_eq!(
        rooms.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(),
        vec!["color_suite", "edit_bay"]
    );
    store
        .audit(None, "create", "project", Some(1), "created".into())
        .await
        .unwrap();
    store
        .audit(None, "update", "project", Some(1), "renamed".into())
        .await
        .unwrap();
    let recent = store.recent_audit(10).await.unwrap();
    assert_eq!(recent[0].action, "update");
}

#[tokio::test]
async fn unreachable_database_names_the_url_without_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Store::open(&Location::Url(format!(
        "postgres://studio:s3cret@127.0.0.1:{port}/postflow"
    )))
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("postgres://studio:***@127.0.0.1:{port}/postflow")),
        "{msg}"
    );
    assert!(!msg.contains("s3cret"), "{msg}");
}

// --- media catalog ---------------------------------------------------------------------------

fn label(s: &str) -> postflow_core::integrity::VolumeLabel {
    postflow_core::integrity::VolumeLabel::parse(s).unwrap()
}

fn ingest_record(
    project: Option<&str>,
    volumes: &[&str],
    state: postflow_core::integrity::CopyState,
    xxh: &str,
) -> postflow_store::catalog::CatalogRecord {
    use postflow_store::catalog::*;
    let at = chrono::Utc::now();
    let files = ["A001/Clips/A001C001.mov", "A001/Clips/A001C002.mov"]
        .iter()
        .map(|p| RecordedFile {
            path: p.to_string(),
            size: Some(1000),
            modified: Some(at),
            checksums: [("xxh64".to_string(), format!("{xxh}{}", p.len()))].into(),
            original_path: None,
            copies: volumes
                .iter()
                .map(|v| RecordedCopy {
                    volume: label(v),
                    path_on_volume: format!("/mnt/{v}/{p}"),
                    state,
                    verified_at: Some(at),
                })
                .collect(),
        })
        .collect();
    CatalogRecord {
        kind: EventKind::Ingest,
        project: project.map(str::to_string),
        source: "/cards/A001".into(),
        at,
        volumes: volumes
            .iter()
            .map(|v| VolumeRef {
                label: label(v),
                path: format!("/mnt/{v}"),
            })
            .collect(),
        files,
        complete: true,
        report: serde_json::json!({"schema": "postflow.ingest.v1"}),
    }
}

async fn media_catalog(store: &Store) {
    use postflow_core::integrity::{CopyState, MediaType, Shortfall, Site, Standing, VolumeKind};
    use postflow_store::catalog::VolumeInput;
    let client = store
        .create_client(ClientInput {
            code: code("CATCO"),
            name: "Catalog Co".into(),
            contact_email: None,
        })
        .await
        .unwrap();
    let p = store
        .create_project(ProjectInput {
            code: code("CAT-ONE"),
            name: "Catalogued".into(),
            client_id: client.id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    assert_eq!(
        store.project_status(p.id).await.unwrap().standing,
        Standing::NoMedia
    );

    // Ingest to two drives: unknown labels are registered as on-site hdd drives.
    let rec = ingest_record(
        Some("CAT-ONE"),
        &["RAID-1", "RAID-2"],
        CopyState::Verified,
        "aa",
    );
    let out = store.record_catalog(None, "wrangler", &rec).await.unwrap();
    assert_eq!((out.files, out.verified_copies), (2, 4));
    assert_eq!(out.new_volumes, vec!["RAID-1", "RAID-2"]);
    // The same report again updates, never duplicates.
    let again = store.record_catalog(None, "wrangler", &rec).await.unwrap();
    assert!(again.new_volumes.is_empty());
    let media = store.project_media(p.id).await.unwrap();
    assert_eq!(media.len(), 2);
    assert!(media.iter().all(|m| m.copies.len() == 2));
    assert_eq!(media[0].checksums()["xxh64"], "aa23");
    let status = store.project_status(p.id).await.unwrap();
    assert_eq!(status.standing, Standing::NotCompliant);
    assert_eq!(
        status.failing[0].reasons,
        vec![
            Shortfall::TooFewCopies { verified: 2 },
            Shortfall::TooFewMediaTypes { media_types: 1 },
            Shortfall::NoOffsiteCopy
        ]
    );

    // A third, off-site LTO copy verifies: compliant.
    store
        .upsert_volume(VolumeInput {
            label: label("LTO-000123"),
            kind: VolumeKind::Lto,
            media: MediaType::parse("lto").unwrap(),
            site: Site::Offsite,
            capacity_bytes: Some(18_000_000_000_000),
            notes: Some("Iron Mountain".into()),
        })
        .await
        .unwrap();
    let mut verify = ingest_record(Some("CAT-ONE"), &["LTO-000123"], CopyState::Verified, "aa");
    verify.kind = postflow_store::catalog::EventKind::Verify;
    store
        .record_catalog(None, "wrangler", &verify)
        .await
        .unwrap();
    let status = store.project_status(p.id).await.unwrap();
    assert_eq!(status.standing, Standing::Compliant, "{status:?}");

    // The LTO copy of one file fails its next check: only verified copies count.
    let mut failed = verify.clone();
    failed.files.truncate(1);
    failed.files[0].copies[0].state = CopyState::Failed;
    let out = store
        .record_catalog(None, "wrangler", &failed)
        .await
        .unwrap();
    assert_eq!(out.failed_copies, 1);
    let status = store.project_status(p.id).await.unwrap();
    assert_eq!(status.standing, Standing::NotCompliant);
    assert_eq!(status.failing.len(), 1);
    assert_eq!(status.failing[0].path, "A001/Clips/A001C001.mov");
    let media = store.project_media(p.id).await.unwrap();
    let lto = media[0]
        .copies
        .iter()
        .find(|c| c.volume.label == "LTO-000123")
        .unwrap();
    assert_eq!(lto.state(), CopyState::Failed);
    assert!(lto.copy.verified_at.is_some(), "the last good date is kept");

    // Volumes list what they hold.
    let vols = store.list_volumes().await.unwrap();
    let held: Vec<(&str, u64)> = vols
        .iter()
        .map(|v| (v.volume.label.as_str(), v.files_held))
        .collect();
    assert_eq!(held, vec![("LTO-000123", 1), ("RAID-1", 2), ("RAID-2", 2)]);
    assert_eq!(vols[0].volume.site(), Site::Offsite);
    // Updating a volume keeps its label unique.
    let v = store
        .upsert_volume(VolumeInput {
            label: label("RAID-2"),
            kind: VolumeKind::Drive,
            media: MediaType::parse("ssd").unwrap(),
            site: Site::Onsite,
            capacity_bytes: None,
            notes: None,
        })
        .await
        .unwrap();
    assert_eq!(v.media_type, "ssd");
    assert_eq!(store.list_volumes().await.unwrap().len(), 3);

    // Search by name, any case, narrowed to projects.
    assert_eq!(store.search_media("c002", None, 50).await.unwrap().len(), 1);
    assert_eq!(
        store
            .search_media("A001C", Some(&[p.id]), 50)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(store
        .search_media("A001C", Some(&[p.id + 999]), 50)
        .await
        .unwrap()
        .is_empty());

    // The log keeps every run with its report.
    let events = store.catalog_events(Some(p.id), 10).await.unwrap();
    assert_eq!(events.len(), 4);
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["verify", "verify", "ingest", "ingest"]);
    assert!(events[3].report.contains("postflow.ingest.v1"));
    assert_eq!(store.catalog_events(None, 10).await.unwrap().len(), 4);
}

async fn catalog_refuses_bad_input_atomically(store: &Store) {
    cat_one(store).await;
    use postflow_core::integrity::CopyState;
    let before = store.list_volumes().await.unwrap().len();
    // Unknown project: nothing is written, not even the new volume.
    let rec = ingest_record(Some("NOPE"), &["GHOST-1"], CopyState::Verified, "bb");
    let err = store.record_catalog(None, "w", &rec).await.unwrap_err();
    assert!(err.to_string().contains("NOPE"), "{err}");
    // A path escaping its folder is refused.
    let mut rec = ingest_record(None, &["GHOST-1"], CopyState::Verified, "bb");
    rec.files[1].path = "../etc/passwd".into();
    let err = store.record_catalog(None, "w", &rec).await.unwrap_err();
    assert!(err.to_string().contains("relative path"), "{err}");
    assert_eq!(store.list_volumes().await.unwrap().len(), before);
    // A failure half-way (after the new volume row was written) rolls everything back.
    let one = store
        .project_by_code(&code("CAT-ONE"))
        .await
        .unwrap()
        .unwrap();
    store
        .create_project(ProjectInput {
            code: code("CAT-TWO"),
            name: "Same card names".into(),
            client_id: one.client_id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    let two = ingest_record(Some("CAT-TWO"), &["RAID-1"], CopyState::Verified, "cc");
    store.record_catalog(None, "w", &two).await.unwrap();
    // (RAID-1 may be new here: this case runs on a store of its own.)
    let before = store.list_volumes().await.unwrap().len();
    let mut twice = ingest_record(None, &["GHOST-1"], CopyState::Verified, "zz");
    twice.files[1].path = twice.files[0].path.clone();
    let err = store.record_catalog(None, "w", &twice).await.unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
    assert_eq!(store.list_volumes().await.unwrap().len(), before);
    assert!(store.volume_by_label("GHOST-1").await.unwrap().is_none());
}

/// A file's identity includes its project: a recording of no project (or of another project)
/// with the same card paths never replaces a project's checksums nor fails its good copies.
async fn catalog_identity_includes_the_project(store: &Store) {
    cat_one(store).await;
    use postflow_core::integrity::CopyState;
    let one = store
        .project_by_code(&code("CAT-ONE"))
        .await
        .unwrap()
        .unwrap();
    let id_a = store
        .create_project(ProjectInput {
            code: code("CAT-IDA"),
            name: "Identity A".into(),
            client_id: one.client_id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    let id_b = store
        .create_project(ProjectInput {
            code: code("CAT-IDB"),
            name: "Identity B".into(),
            client_id: one.client_id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    // Paths no other case uses, so project A's files are the only ones with them.
    let own_paths = |mut rec: postflow_store::catalog::CatalogRecord| {
        for f in &mut rec.files {
            f.path = f.path.replace("A001", "Z009");
            for c in &mut f.copies {
                c.path_on_volume = c.path_on_volume.replace("A001", "Z009");
            }
        }
        rec
    };
    let a = own_paths(ingest_record(
        Some("CAT-IDA"),
        &["IDA-RAID"],
        CopyState::Verified,
        "a1",
    ));
    store.record_catalog(None, "w", &a).await.unwrap();
    let before = store.project_media(id_a.id).await.unwrap();
    let before: Vec<(String, String)> = before
        .iter()
        .map(|m| (m.file.path.clone(), m.file.checksums.clone()))
        .collect();

    // Another card with the same relative paths, recorded without a project.
    let stray = own_paths(ingest_record(None, &["STRAY-1"], CopyState::Verified, "f9"));
    store.record_catalog(None, "w", &stray).await.unwrap();
    // And one recorded for project B.
    let b = own_paths(ingest_record(
        Some("CAT-IDB"),
        &["IDB-RAID"],
        CopyState::Verified,
        "b2",
    ));
    store.record_catalog(None, "w", &b).await.unwrap();

    let after = store.project_media(id_a.id).await.unwrap();
    let sums: Vec<(String, String)> = after
        .iter()
        .map(|m| (m.file.path.clone(), m.file.checksums.clone()))
        .collect();
    assert_eq!(sums, before, "project A's checksums were replaced");
    for m in &after {
        assert_eq!(m.copies.len(), 1, "{}: {:?}", m.file.path, m.copies);
        assert_eq!(m.copies[0].volume.label, "IDA-RAID");
        assert_eq!(m.copies[0].state(), CopyState::Verified, "{}", m.file.path);
    }
    // B got files of its own, not A's, and not the stray card's (whose content differs).
    let b_media = store.project_media(id_b.id).await.unwrap();
    assert_eq!(b_media.len(), 2);
    assert!(b_media
        .iter()
        .all(|m| m.copies.len() == 1 && m.copies[0].volume.label == "IDB-RAID"));
    assert!(b_media[0].checksums()["xxh64"].starts_with("b2"));
    // The stray card is still there as files of no project, with its own copies.
    let stray_files = store.search_media("Z009C00", None, 50).await.unwrap();
    let orphans: Vec<_> = stray_files
        .iter()
        .filter(|m| m.file.project_id.is_none())
        .collect();
    assert!(
        orphans
            .iter()
            .any(|m| m.checksums()["xxh64"].starts_with("f9")
                && m.copies
                    .iter()
                    .any(|c| c.volume.label == "STRAY-1" && c.state() == CopyState::Verified)),
        "{orphans:?}"
    );
    // The same card (same hashes) named later by its project is adopted, not duplicated.
    let mut stray_named = stray.clone();
    stray_named.project = Some("CAT-IDB".into());
    store.record_catalog(None, "w", &stray_named).await.unwrap();
    let b_media = store.project_media(id_b.id).await.unwrap();
    assert_eq!(b_media.len(), 2, "B keeps one file per path");
}

/// A copy recorded as verified needs the checksum it was verified against.
async fn catalog_refuses_a_verified_copy_without_checksum(store: &Store) {
    cat_one(store).await;
    use postflow_core::integrity::CopyState;
    let events = store.catalog_events(None, 1000).await.unwrap().len();
    for blank in [false, true] {
        let mut rec = ingest_record(Some("CAT-ONE"), &["NOSUM-1"], CopyState::Verified, "cd");
        for f in &mut rec.files {
            if blank {
                f.checksums = [("xxh64".to_string(), " ".to_string())].into();
            } else {
                f.checksums.clear();
            }
        }
        let err = store.record_catalog(None, "w", &rec).await.unwrap_err();
        assert!(err.to_string().contains("no checksum"), "{err}");
        assert!(err.to_string().contains("A001/Clips/A001C001.mov"), "{err}");
    }
    assert!(store.volume_by_label("NOSUM-1").await.unwrap().is_none());
    assert_eq!(
        store.catalog_events(None, 1000).await.unwrap().len(),
        events
    );
    // A failed copy without checksum is a fact worth keeping: accepted.
    let mut failed = ingest_record(Some("CAT-ONE"), &["NOSUM-1"], CopyState::Failed, "cd");
    for f in &mut failed.files {
        f.checksums.clear();
    }
    store.record_catalog(None, "w", &failed).await.unwrap();
}

/// A frame-sequence card: thousands of files, recorded in batches, searched literally, with the
/// names they had before renaming.
async fn catalog_of_a_large_card(store: &Store) {
    use chrono::SubsecRound;
    use postflow_core::integrity::CopyState;
    use postflow_store::catalog::*;
    cat_one(store).await;
    let one = store
        .project_by_code(&code("CAT-ONE"))
        .await
        .unwrap()
        .unwrap();
    store
        .create_project(ProjectInput {
            code: code("CAT-TWO"),
            name: "Same card names".into(),
            client_id: one.client_id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    let n = 2_345; // several batches and a partial one
    let at = chrono::Utc::now().trunc_subsecs(6); // PostgreSQL keeps microseconds
    let file = |i: usize, state: CopyState, sum: &str| RecordedFile {
        path: format!("B002/FRAMES/B002_{i:07}.ari"),
        size: Some(12_000_000),
        modified: Some(at),
        checksums: [("xxh64".to_string(), format!("{sum}{i:x}"))].into(),
        original_path: (i == 7).then(|| "B002/FRAMES/b002 frame 7.ari".to_string()),
        copies: ["SEQ-1", "SEQ-2"]
            .iter()
            .map(|v| RecordedCopy {
                volume: label(v),
                path_on_volume: format!("/mnt/{v}/B002/FRAMES/B002_{i:07}.ari"),
                state,
                verified_at: (state == CopyState::Verified).then_some(at),
            })
            .collect(),
    };
    let mut rec = CatalogRecord {
        kind: EventKind::Ingest,
        project: Some("CAT-TWO".into()),
        source: "/cards/B002".into(),
        at,
        volumes: ["SEQ-1", "SEQ-2"]
            .iter()
            .map(|v| VolumeRef {
                label: label(v),
                path: format!("/mnt/{v}"),
            })
            .collect(),
        files: (0..n).map(|i| file(i, CopyState::Verified, "f")).collect(),
        complete: true,
        report: serde_json::json!({}),
    };
    let out = store.record_catalog(None, "w", &rec).await.unwrap();
    assert_eq!((out.files, out.verified_copies), (n as u64, 2 * n as u64));
    let two = store
        .project_by_code(&code("CAT-TWO"))
        .await
        .unwrap()
        .unwrap();
    let media = store.project_media(two.id).await.unwrap();
    let frames: Vec<_> = media
        .iter()
        .filter(|m| m.file.path.starts_with("B002/"))
        .collect();
    assert_eq!(frames.len(), n);
    assert!(frames
        .iter()
        .all(|m| m.copies.len() == 2 && m.copies.iter().all(|c| c.state() == CopyState::Verified)));
    // The name on the card before renaming is kept.
    let seventh = frames
        .iter()
        .find(|m| m.file.path.ends_with("B002_0000007.ari"))
        .unwrap();
    assert_eq!(
        seventh.file.original_path.as_deref(),
        Some("B002/FRAMES/b002 frame 7.ari")
    );

    // Recording the same card again writes no duplicates; a later failed check of every copy
    // on SEQ-2 keeps the date each last verified.
    store.record_catalog(None, "w", &rec).await.unwrap();
    rec.kind = EventKind::Verify;
    rec.files = (0..n).map(|i| file(i, CopyState::Failed, "f")).collect();
    for f in &mut rec.files {
        f.copies.retain(|c| c.volume.as_str() == "SEQ-2");
        f.original_path = None;
    }
    let out = store.record_catalog(None, "w", &rec).await.unwrap();
    assert_eq!(out.failed_copies, n as u64);
    let media = store.project_media(two.id).await.unwrap();
    let frames: Vec<_> = media
        .iter()
        .filter(|m| m.file.path.starts_with("B002/"))
        .collect();
    assert_eq!(frames.len(), n);
    for m in &frames {
        let seq2 = m.copies.iter().find(|c| c.volume.label == "SEQ-2").unwrap();
        assert_eq!(seq2.state(), CopyState::Failed);
        assert_eq!(seq2.copy.verified_at, Some(at), "last good date kept");
        let seq1 = m.copies.iter().find(|c| c.volume.label == "SEQ-1").unwrap();
        assert_eq!(seq1.state(), CopyState::Verified);
    }
    assert!(frames
        .iter()
        .any(|m| m.file.original_path.as_deref() == Some("B002/FRAMES/b002 frame 7.ari")));

    // Search takes `_` and `%` literally.
    let hits = store.search_media("b002_000000", None, 50).await.unwrap();
    assert_eq!(hits.len(), 10, "frames 0-9 only");
    assert!(store
        .search_media("b002%0000007", None, 50)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .search_media("b002x", None, 50)
        .await
        .unwrap()
        .is_empty());
    // A report naming a file twice is refused before anything is written.
    let mut twice = rec.clone();
    twice.files.truncate(2);
    twice.files[1].path = twice.files[0].path.clone();
    let err = store.record_catalog(None, "w", &twice).await.unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}

async fn qc_runs_keep_whole_reports_and_signoffs_once_and_a_new_run_reopens_the_milestone(
    store: &Store,
) {
    acme_spot(store).await;
    ana(store).await;
    use postflow_store::delivery::DeliverableInput;
    let p = store
        .project_by_code(&code("ACME-SPOT"))
        .await
        .unwrap()
        .unwrap();
    let d = store
        .create_deliverable(DeliverableInput {
            project_id: p.id,
            name: "Broadcast master".into(),
            profiles: vec!["ebu-r128".into()],
            layout: Some("stereo".into()),
        })
        .await
        .unwrap();
    assert_eq!(d.profile_names(), vec!["ebu-r128"]);
    assert!(
        store
            .deliverable_in(p.id + 999, d.id)
            .await
            .unwrap()
            .is_none(),
        "a deliverable only exists within its project"
    );
    let big_report = format!(
        "{{\"status\":\"pass\",\"pad\":\"{}\"}}",
        "x".repeat(200_000)
    );
    let r1 = store
        .record_qc_run(d.id, "master_v1.mov".into(), true, big_report.clone(), None)
        .await
        .unwrap();
    assert_eq!(
        store
            .qc_run_in(d.id, r1.id)
            .await
            .unwrap()
            .unwrap()
            .report_json
            .len(),
        big_report.len()
    );
    let u = store
        .user_by_email("ana@example.com")
        .await
        .unwrap()
        .unwrap();
    store
        .sign_off(r1.id, "safe_area", u.id, "checked".into())
        .await
        .unwrap();
    store
        .sign_off(r1.id, "safe_area", u.id, "again".into())
        .await
        .unwrap();
    let signed = store.signoffs_of(r1.id).await.unwrap();
    assert_eq!(
        signed.iter().filter(|s| s.check_id == "safe_area").count(),
        1
    );
    let r2 = store
        .record_qc_run(d.id, "master_v2.mov".into(), true, "{}".into(), Some(u.id))
        .await
        .unwrap();
    assert_eq!(
        store.latest_qc_run(d.id).await.unwrap().map(|r| r.id),
        Some(r2.id)
    );
    assert_eq!(
        store.latest_qc_status(d.id).await.unwrap().as_deref(),
        Some("pass")
    );
    // Passing on a stale run is refused.
    assert!(matches!(
        store
            .mark_qc_passed(d.id, r1.id, u.id, "QC passed".into(), |_, _, _| Ok(()))
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .mark_qc_passed(d.id, r2.id, u.id, "QC passed".into(), |_, _, _| Ok(()))
        .await
        .unwrap();
    assert!(store.deliverables_of(p.id).await.unwrap()[0]
        .qc_passed_at
        .is_some());
    // A new run re-opens the milestone.
    store
        .record_qc_run(d.id, "master_v3.mov".into(), false, "{}".into(), None)
        .await
        .unwrap();
    assert!(store.deliverables_of(p.id).await.unwrap()[0]
        .qc_passed_at
        .is_none());
}

/// Mark-QC-passed re-reads the latest run and its signatures in its own transaction: a run
/// recorded after the page was loaded makes it refuse, a refusing gate sets nothing, and
/// uploads racing with marks never leave the milestone set on a run that is not the latest.
async fn mark_qc_passed_rereads_the_latest_run_atomically(store: &Store) {
    acme_spot(store).await;
    ana(store).await;
    use postflow_store::delivery::DeliverableInput;
    let p = store
        .project_by_code(&code("ACME-SPOT"))
        .await
        .unwrap()
        .unwrap();
    let u = store
        .user_by_email("ana@example.com")
        .await
        .unwrap()
        .unwrap();
    let d = store
        .create_deliverable(DeliverableInput {
            project_id: p.id,
            name: "Race master".into(),
            profiles: vec!["basic".into()],
            layout: None,
        })
        .await
        .unwrap();
    let passed = |store: &Store| {
        let store = store.clone();
        async move {
            store
                .deliverables_of(p.id)
                .await
                .unwrap()
                .into_iter()
                .find(|x| x.id == d.id)
                .unwrap()
                .qc_passed_at
                .is_some()
        }
    };
    // The page is loaded on run 1 …
    let reviewed = store
        .record_qc_run(d.id, "v1.mov".into(), true, "{}".into(), None)
        .await
        .unwrap();
    store
        .sign_off(reviewed.id, "manual.safe_area", u.id, String::new())
        .await
        .unwrap();
    // … a new run arrives before the producer presses the button.
    let newer = store
        .record_qc_run(d.id, "v2.mov".into(), true, "{}".into(), None)
        .await
        .unwrap();
    let mut gate_saw = None;
    let err = store
        .mark_qc_passed(d.id, reviewed.id, u.id, "QC passed".into(), |_, run, _| {
            gate_saw = Some(run.id);
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("newer QC run"), "{err}");
    assert_eq!(gate_saw, None, "the gate is never asked about a stale run");
    assert!(!passed(store).await);

    // The gate sees the latest run and the signatures given on it (none on run 2), and its
    // refusal sets nothing.
    let mut seen = (0, usize::MAX);
    let err = store
        .mark_qc_passed(d.id, newer.id, u.id, "QC passed".into(), |_, run, signs| {
            seen = (run.id, signs.len());
            Err("manual check manual.safe_area is not signed off".into())
        })
        .await
        .unwrap_err();
    assert_eq!(seen, (newer.id, 0));
    assert!(err.to_string().contains("not signed off"), "{err}");
    assert!(!passed(store).await);

    // Uploads racing with marks: whatever interleaving, the milestone is never left set while
    // a run newer than the one it was set on exists.
    for round in 0..8 {
        let latest = store.latest_qc_run(d.id).await.unwrap().unwrap();
        let (s1, s2) = (store.clone(), store.clone());
        let mark = tokio::spawn(async move {
            s1.mark_qc_passed(d.id, latest.id, u.id, "QC passed".into(), |_, _, _| Ok(()))
                .await
                .map(|p| p.run.id)
        });
        let upload = tokio::spawn(async move {
            s2.record_qc_run(d.id, format!("r{round}.mov"), true, "{}".into(), None)
                .await
                .unwrap()
                .id
        });
        let (marked, uploaded) = (mark.await.unwrap(), upload.await.unwrap());
        let now_latest = store.latest_qc_run(d.id).await.unwrap().unwrap().id;
        assert_eq!(now_latest, uploaded);
        if passed(store).await {
            panic!(
                "round {round}: QC passed is set (on {marked:?}) though run {uploaded} came after"
            );
        }
    }
}

/// A QC run and the milestone it re-opens are written on one transaction: rolled back, neither
/// happened; committed, both did.
async fn a_qc_run_and_its_reopened_milestone_are_one_change(store: &Store) {
    acme_spot(store).await;
    ana(store).await;
    use postflow_store::delivery::DeliverableInput;
    let p = store
        .project_by_code(&code("ACME-SPOT"))
        .await
        .unwrap()
        .unwrap();
    let u = store
        .user_by_email("ana@example.com")
        .await
        .unwrap()
        .unwrap();
    let d = store
        .create_deliverable(DeliverableInput {
            project_id: p.id,
            name: "One-change master".into(),
            profiles: vec!["basic".into()],
            layout: None,
        })
        .await
        .unwrap();
    let passed = || async {
        store
            .deliverables_of(p.id)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.id == d.id)
            .unwrap()
            .qc_passed_at
            .is_some()
    };
    let run = store
        .record_qc_run(d.id, "v1.mov".into(), true, "{}".into(), None)
        .await
        .unwrap();
    store
        .mark_qc_passed(d.id, run.id, u.id, "QC passed".into(), |_, _, _| Ok(()))
        .await
        .unwrap();
    assert!(passed().await);
    {
        let tx = store.begin().await.unwrap();
        let dropped = tx
            .record_qc_run(d.id, "v2.mov".into(), true, "{}".into(), Some(u.id))
            .await
            .unwrap();
        tx.audit(Some(u.id), "qc", "deliverable", Some(d.id), "never".into())
            .await
            .unwrap();
        assert!(dropped.id > run.id);
        // dropped without commit: the request failed after the insert
    }
    assert_eq!(
        store.latest_qc_run(d.id).await.unwrap().map(|r| r.id),
        Some(run.id),
        "the rolled-back run is not there"
    );
    assert!(
        passed().await,
        "the milestone stands: its run is still the latest"
    );
    assert!(!store
        .recent_audit(50)
        .await
        .unwrap()
        .iter()
        .any(|a| a.detail == "never"));
    let tx = store.begin().await.unwrap();
    let newer = tx
        .record_qc_run(d.id, "v3.mov".into(), false, "{}".into(), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.latest_qc_run(d.id).await.unwrap().map(|r| r.id),
        Some(newer.id)
    );
    assert!(!passed().await, "the committed run re-opened the milestone");
}

/// Every way of reading an account gives a `User` without the password hash (so no page, log
/// line or API answer can carry it); the hash is read only on purpose, by `password_hash_of`.
async fn accounts_read_back_carry_no_password_hash(store: &Store) {
    let secret = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$not-a-real-digest";
    let u = store
        .create_user(NewUser {
            email: "hash@example.com".into(),
            name: "Hash".into(),
            role: Role::Artist,
            client_id: None,
            title: None,
            password_hash: secret.into(),
        })
        .await
        .unwrap();
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    store
        .create_session("sess".into(), u.id, "c".into(), expires)
        .await
        .unwrap();
    store
        .create_api_token(u.id, "t".into(), "tok-hash".into())
        .await
        .unwrap();
    let read = [
        u.clone(),
        store.user_by_id(u.id).await.unwrap().unwrap(),
        store
            .user_by_email("hash@example.com")
            .await
            .unwrap()
            .unwrap(),
        store.session_user("sess").await.unwrap().unwrap().1,
        store.user_by_token_hash("tok-hash").await.unwrap().unwrap(),
        store
            .update_user(u.id, "Hash B".into(), Role::Artist, None, None)
            .await
            .unwrap(),
        store
            .list_users()
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.id == u.id)
            .unwrap(),
    ];
    for user in &read {
        assert!(!format!("{user:?}").contains("argon2"), "{user:?}");
    }
    assert_eq!(
        store.password_hash_of(u.id).await.unwrap().as_deref(),
        Some(secret)
    );
    assert_eq!(store.password_hash_of(u.id + 999).await.unwrap(), None);
}

// Media made by jobs (m0009_media): the relink list and the LUT library.
backends!(relinks_replace_a_rewritten_proxy_and_lut_names_are_unique_per_project);

/// A proxy written again at the same path replaces its relink line (the list names what is on
/// disk now); relink lists are per project; a LUT name is taken once per project only.
async fn relinks_replace_a_rewritten_proxy_and_lut_names_are_unique_per_project(store: &Store) {
    use postflow_store::media::{NewLut, NewRelink};
    cat_one(store).await;
    let one = store
        .project_by_code(&code("CAT-ONE"))
        .await
        .unwrap()
        .unwrap();
    let two = store
        .create_project(ProjectInput {
            code: code("CAT-TWO"),
            name: "Second".into(),
            client_id: one.client_id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    let relink = |project_id: i64, proxy: &str, sum: &str| NewRelink {
        project_id: Some(project_id),
        job_id: None,
        kind: "proxy".into(),
        original_path: "/media/A001/A001C001.mov".into(),
        original_checksum: Some("xxh64:0ea03b369a463d9d".into()),
        proxy_path: proxy.into(),
        proxy_checksum: sum.into(),
        start_timecode: Some("10:00:00:00".into()),
        reel: Some("A001".into()),
        codec: "prores_proxy".into(),
        width: 960,
        height: 540,
    };
    store
        .record_relink(relink(one.id, "/proxies/A001C001.mov", "xxh64:1"))
        .await
        .unwrap();
    store
        .record_relink(relink(one.id, "/proxies/A001C001.mov", "xxh64:2"))
        .await
        .unwrap();
    store
        .record_relink(relink(two.id, "/proxies2/A001C001.mov", "xxh64:3"))
        .await
        .unwrap();
    let list = store.relinks(Some(one.id)).await.unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].proxy_checksum, "xxh64:2");
    assert_eq!(list[0].reel.as_deref(), Some("A001"));
    assert_eq!(store.relinks(Some(two.id)).await.unwrap().len(), 1);
    assert!(store.relinks(None).await.unwrap().is_empty());

    let lut = |project_id: i64| NewLut {
        project_id,
        name: "LogC to 709".into(),
        kind: "camera".into(),
        dimension: 3,
        size: 2,
        body: "LUT_3D_SIZE 2\n".into(),
        created_by: None,
    };
    let first = store.add_lut(lut(one.id)).await.unwrap();
    let again = store.add_lut(lut(one.id)).await.unwrap_err();
    assert!(matches!(again, StoreError::Duplicate { .. }), "{again:?}");
    store.add_lut(lut(two.id)).await.unwrap();
    let luts = store.luts(one.id).await.unwrap();
    assert_eq!(luts, vec![first.clone()]);
    assert_eq!(store.lut(first.id).await.unwrap(), Some(first));
}
