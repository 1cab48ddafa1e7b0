//! Project use cases: each change and its audit event commit together or not at all, and the
//! permission rule decides before anything is read or written.

use crate::support::{actor, client, user};
use postflow_app::projects::{self, ProjectDraft};
use postflow_app::{AppError, Context};
use postflow_core::access::{Action, Role};
use postflow_store::Store;

backends!(
    create_writes_the_project_and_its_audit_event,
    a_refused_change_writes_no_audit_event,
    a_stale_edit_is_refused_and_not_audited,
    only_producers_and_admins_change_projects,
    a_transaction_dropped_unfinished_leaves_nothing,
    members_are_studio_people,
);

fn draft(code: &str, client_id: i64) -> ProjectDraft {
    ProjectDraft {
        code: code.into(),
        name: format!("Project {code}"),
        client_id: client_id.to_string(),
        status: "bidding".into(),
        ..Default::default()
    }
}

async fn audit_lines(store: &Store) -> Vec<String> {
    store
        .recent_audit(100)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.detail)
        .collect()
}

async fn create_writes_the_project_and_its_audit_event(store: &Store) {
    let ctx = Context::new(store.clone());
    let c = client(store, "ACME").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let p = projects::create(&ctx, &producer, &draft("acme-spot", c))
        .await
        .unwrap();
    assert_eq!(p.code, "ACME-SPOT");
    let audit = store.recent_audit(10).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].user_id, Some(producer.user_id));
    assert_eq!(audit[0].entity_id, Some(p.id));
    assert_eq!(audit[0].detail, "created project ACME-SPOT");
}

async fn a_refused_change_writes_no_audit_event(store: &Store) {
    let ctx = Context::new(store.clone());
    let c = client(store, "ACME").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    projects::create(&ctx, &producer, &draft("ACME-SPOT", c))
        .await
        .unwrap();
    let before = audit_lines(store).await;
    // A taken code is refused on its field, an unknown client on its own, bad dates on theirs.
    let err = projects::create(&ctx, &producer, &draft("acme-spot", c))
        .await
        .unwrap_err();
    let AppError::Invalid(fields) = err else {
        panic!("{err:?}")
    };
    assert!(fields.get("code").contains("already used"), "{fields:?}");
    let err = projects::create(&ctx, &producer, &draft("ACME-TWO", 9999))
        .await
        .unwrap_err();
    let AppError::Invalid(fields) = err else {
        panic!("{err:?}")
    };
    assert_eq!(fields.first(), Some("client_id"));
    let mut bad_dates = draft("ACME-THREE", c);
    bad_dates.start_date = "2026-05-01".into();
    bad_dates.due_date = "2026-04-01".into();
    assert!(matches!(
        projects::create(&ctx, &producer, &bad_dates).await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        audit_lines(store).await,
        before,
        "a refused change left an audit line"
    );
}

async fn a_stale_edit_is_refused_and_not_audited(store: &Store) {
    let ctx = Context::new(store.clone());
    let c = client(store, "ACME").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let p = projects::create(&ctx, &producer, &draft("ACME-SPOT", c))
        .await
        .unwrap();
    let mut first = ProjectDraft::of(&p);
    first.name = "First edit".into();
    let saved = projects::update(&ctx, &producer, "ACME-SPOT", p.version, &first)
        .await
        .unwrap();
    assert_eq!(saved.version, p.version + 1);
    let mut second = ProjectDraft::of(&p);
    second.name = "Second edit from the old page".into();
    let err = projects::update(&ctx, &producer, "ACME-SPOT", p.version, &second)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref m) if m.contains("someone else changed")),
        "{err:?}"
    );
    let now = store.project_by_id(p.id).await.unwrap().unwrap();
    assert_eq!(now.name, "First edit");
    assert_eq!(
        audit_lines(store).await,
        vec!["edited project ACME-SPOT", "created project ACME-SPOT"]
    );
}

async fn only_producers_and_admins_change_projects(store: &Store) {
    let ctx = Context::new(store.clone());
    let acme = client(store, "ACME").await;
    let other = client(store, "NBC").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let p = projects::create(&ctx, &producer, &draft("ACME-SPOT", acme))
        .await
        .unwrap();
    let artist_user = user(store, "ed@studio.test", Role::Artist, None).await;
    projects::add_member(&ctx, &producer, "ACME-SPOT", &artist_user.id.to_string())
        .await
        .unwrap();
    let artist = actor(store, &artist_user).await;
    let own_client = actor(
        store,
        &user(store, "cc@acme.test", Role::Client, Some(acme)).await,
    )
    .await;
    let other_client = actor(
        store,
        &user(store, "cc@nbc.test", Role::Client, Some(other)).await,
    )
    .await;
    let before = audit_lines(store).await;

    let err = projects::create(&ctx, &artist, &draft("ACME-X", acme))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(Action::CreateProject)),
        "{err:?}"
    );
    // The artist and the company's client see the project but may not change it.
    for who in [&artist, &own_client] {
        let err = projects::set_archived(&ctx, who, "ACME-SPOT", true)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Forbidden(Action::EditProject)),
            "{err:?}"
        );
    }
    // Another company's client is told it does not exist.
    let err = projects::update(
        &ctx,
        &other_client,
        "ACME-SPOT",
        p.version,
        &ProjectDraft::of(&p),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    assert_eq!(audit_lines(store).await, before);
    assert!(!store.project_by_id(p.id).await.unwrap().unwrap().archived);
}

async fn a_transaction_dropped_unfinished_leaves_nothing(store: &Store) {
    let c = client(store, "ACME").await;
    {
        let tx = store.begin().await.unwrap();
        let input = draft("ACME-SPOT", c).validate().unwrap();
        tx.create_project(input).await.unwrap();
        tx.audit(None, "create", "project", None, "never committed".into())
            .await
            .unwrap();
        // dropped here without commit: a killed request, an error half-way
    }
    let code = postflow_core::project::Code::parse("ACME-SPOT").unwrap();
    assert!(store.project_by_code(&code).await.unwrap().is_none());
    assert!(audit_lines(store).await.is_empty());
}

async fn members_are_studio_people(store: &Store) {
    let ctx = Context::new(store.clone());
    let acme = client(store, "ACME").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let p = projects::create(&ctx, &producer, &draft("ACME-SPOT", acme))
        .await
        .unwrap();
    let client_user = user(store, "cc@acme.test", Role::Client, Some(acme)).await;
    let err = projects::add_member(&ctx, &producer, "ACME-SPOT", &client_user.id.to_string())
        .await
        .unwrap_err();
    let AppError::Invalid(fields) = err else {
        panic!("{err:?}")
    };
    assert!(fields.get("user_id").contains("client users"), "{fields:?}");
    assert!(matches!(
        projects::add_member(&ctx, &producer, "ACME-SPOT", "nobody").await,
        Err(AppError::Invalid(_))
    ));

    let ed = user(store, "ed@studio.test", Role::Artist, None).await;
    projects::add_member(&ctx, &producer, "ACME-SPOT", &ed.id.to_string())
        .await
        .unwrap();
    assert_eq!(store.project_member_ids(p.id).await.unwrap(), vec![ed.id]);
    projects::remove_member(&ctx, &producer, "ACME-SPOT", ed.id)
        .await
        .unwrap();
    assert!(store.project_member_ids(p.id).await.unwrap().is_empty());
    let lines = audit_lines(store).await;
    assert_eq!(lines[0], "removed ed from ACME-SPOT");
    assert_eq!(lines[1], "added ed to ACME-SPOT");
}

backends!(
    the_list_is_filtered_and_paged_by_the_database,
    a_project_with_an_unknown_status_is_an_error_not_a_guess,
);

async fn the_list_is_filtered_and_paged_by_the_database(store: &Store) {
    use postflow_app::projects::{list, ListRequest};
    let ctx = Context::new(store.clone());
    let acme = client(store, "ACME").await;
    let lumen = client(store, "LUMEN").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    for i in 0..12 {
        projects::create(&ctx, &producer, &draft(&format!("ACME-{i:02}"), acme))
            .await
            .unwrap();
    }
    let mut odd = draft("LUMEN-A_B", lumen);
    odd.name = "Nova 100% music video".into();
    odd.status = "editorial".into();
    projects::create(&ctx, &producer, &odd).await.unwrap();
    projects::create(&ctx, &producer, &draft("LUMEN-AXB", lumen))
        .await
        .unwrap();
    let ed = user(store, "ed@studio.test", Role::Artist, None).await;
    projects::add_member(&ctx, &producer, "ACME-03", &ed.id.to_string())
        .await
        .unwrap();
    projects::add_member(&ctx, &producer, "LUMEN-AXB", &ed.id.to_string())
        .await
        .unwrap();

    let req = |search: &str, status: &str, page: u64| ListRequest {
        search: search.into(),
        status: status.into(),
        page,
        per_page: 5,
        ..Default::default()
    };
    let codes = |p: &postflow_store::studio::ListPage<postflow_store::studio::ProjectListRow>| {
        p.rows
            .iter()
            .map(|r| r.project.code.clone())
            .collect::<Vec<_>>()
    };
    let first = list(&ctx, &producer, &req("", "", 1)).await.unwrap();
    assert_eq!((first.total, first.rows.len()), (14, 5));
    let third = list(&ctx, &producer, &req("", "", 3)).await.unwrap();
    assert_eq!(third.rows.len(), 4);
    // Client names match too, in any case; `_` and `%` are literal.
    let by_client = list(&ctx, &producer, &req("lumen", "", 1)).await.unwrap();
    assert_eq!(by_client.total, 2);
    assert_eq!(
        codes(&list(&ctx, &producer, &req("a_b", "", 1)).await.unwrap()),
        vec!["LUMEN-A_B"]
    );
    assert_eq!(
        codes(&list(&ctx, &producer, &req("100%", "", 1)).await.unwrap()),
        vec!["LUMEN-A_B"]
    );
    assert_eq!(by_client.rows[0].client_name, "LUMEN");
    assert_eq!(
        codes(
            &list(&ctx, &producer, &req("", "editorial", 1))
                .await
                .unwrap()
        ),
        vec!["LUMEN-A_B"]
    );
    assert!(matches!(
        list(&ctx, &producer, &req("", "frozen", 1)).await,
        Err(AppError::Invalid(_))
    ));
    // An artist lists only assigned projects, a client only their company's.
    let artist = actor(store, &ed).await;
    let mut mine = codes(&list(&ctx, &artist, &req("", "", 1)).await.unwrap());
    mine.sort();
    assert_eq!(mine, vec!["ACME-03", "LUMEN-AXB"]);
    let lumen_client = actor(
        store,
        &user(store, "cc@lumen.test", Role::Client, Some(lumen)).await,
    )
    .await;
    assert_eq!(
        list(&ctx, &lumen_client, &req("acme", "", 1))
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        list(&ctx, &lumen_client, &req("", "", 1))
            .await
            .unwrap()
            .total,
        2
    );
}

async fn a_project_with_an_unknown_status_is_an_error_not_a_guess(store: &Store) {
    use postflow_store::ConnectionTrait;
    let ctx = Context::new(store.clone());
    let acme = client(store, "ACME").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    projects::create(&ctx, &producer, &draft("ACME-SPOT", acme))
        .await
        .unwrap();
    store
        .connection()
        .execute_unprepared("UPDATE projects SET status = 'teleported' WHERE code = 'ACME-SPOT'")
        .await
        .unwrap();
    let code = postflow_core::project::Code::parse("ACME-SPOT").unwrap();
    let err = store.project_by_code(&code).await.unwrap_err();
    assert!(
        err.to_string().contains("unknown status \"teleported\""),
        "{err}"
    );
    let err = projects::list(&ctx, &producer, &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Store(_)), "{err:?}");
}

backends!(open_projects_are_counted_per_client_by_the_database);

async fn open_projects_are_counted_per_client_by_the_database(store: &Store) {
    let ctx = Context::new(store.clone());
    let acme = client(store, "ACME").await;
    let lumen = client(store, "LUMEN").await;
    let idle = client(store, "IDLE").await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    for code in ["ACME-1", "ACME-2", "ACME-3", "LUMEN-1"] {
        let c = if code.starts_with("ACME") {
            acme
        } else {
            lumen
        };
        projects::create(&ctx, &producer, &draft(code, c))
            .await
            .unwrap();
    }
    projects::set_archived(&ctx, &producer, "ACME-3", true)
        .await
        .unwrap();
    let counts = store.open_project_counts().await.unwrap();
    assert_eq!(
        counts.get(&acme),
        Some(&2),
        "the archived project is not counted"
    );
    assert_eq!(counts.get(&lumen), Some(&1));
    assert_eq!(counts.get(&idle), None);
}
