//! Accounts: one email rule and one password rule for every caller, admin-only management,
//! and each change audited with it.

use crate::support::{actor, client, user};
use postflow_app::access::local_operator;
use postflow_app::accounts::{
    self, hash_new_password, normalize_email, password_problem, CompanyRef, UserDraft,
};
use postflow_app::{AppError, Context};
use postflow_core::access::{Action, Role};
use postflow_store::Store;

backends!(
    people_are_added_with_one_set_of_rules,
    only_admins_manage_people_and_each_change_is_audited
);

#[test]
fn one_email_rule() {
    assert_eq!(
        normalize_email("  Ana@Example.COM ").unwrap(),
        "ana@example.com"
    );
    for bad in [
        "",
        "ana",
        "@example.com",
        "ana@",
        "ana@@example.com",
        "an a@example.com",
        "ana@.com",
        "ana@example.",
        "a\u{7}@b.c",
    ] {
        assert!(normalize_email(bad).is_err(), "{bad:?} accepted");
    }
    let huge = format!("{}@example.com", "a".repeat(1_500_000));
    let err = normalize_email(&huge).unwrap_err();
    assert!(
        err.len() < 100,
        "the refusal does not echo a megabyte: {}",
        err.len()
    );
}

#[test]
fn one_password_rule() {
    assert!(password_problem("short").unwrap().contains("at least 10"));
    assert!(password_problem(&"x".repeat(2000))
        .unwrap()
        .contains("at most"));
    assert_eq!(password_problem("correct horse battery"), None);
    let Err(AppError::Invalid(f)) = hash_new_password("short", "new_password") else {
        panic!()
    };
    assert!(f.get("new_password").contains("at least 10"));
}

async fn people_are_added_with_one_set_of_rules(store: &Store) {
    let ctx = Context::new(store.clone());
    let acme = client(store, "ACME").await;
    let pw = || hash_new_password("correct horse battery", "password").unwrap();
    let draft = |email: &str, role: &str, company: CompanyRef| UserDraft {
        name: "Ana".into(),
        email: email.into(),
        role: role.into(),
        company,
        title: String::new(),
    };
    let u = accounts::create_user(
        &ctx,
        &local_operator(),
        &draft(" Ana@Studio.test ", "artist", CompanyRef::None),
        pw(),
    )
    .await
    .unwrap();
    assert_eq!(
        (u.email.as_str(), u.role()),
        ("ana@studio.test", Role::Artist)
    );
    // The company by code (CLI) or by id (form); clients need one, staff must not have one.
    let c = accounts::create_user(
        &ctx,
        &local_operator(),
        &draft("cc@acme.test", "client", CompanyRef::Code("acme".into())),
        pw(),
    )
    .await
    .unwrap();
    assert_eq!(c.client_id, Some(acme));
    let refused = |e: AppError| match e {
        AppError::Invalid(f) => f,
        other => panic!("{other:?}"),
    };
    let f = refused(
        accounts::create_user(
            &ctx,
            &local_operator(),
            &draft("x@acme.test", "client", CompanyRef::None),
            pw(),
        )
        .await
        .unwrap_err(),
    );
    assert!(f.get("client_id").contains("must belong"));
    let f = refused(
        accounts::create_user(
            &ctx,
            &local_operator(),
            &draft("y@acme.test", "artist", CompanyRef::Id(acme.to_string())),
            pw(),
        )
        .await
        .unwrap_err(),
    );
    assert!(f.get("client_id").contains("only client users"));
    let f = refused(
        accounts::create_user(
            &ctx,
            &local_operator(),
            &draft("ANA@studio.test", "artist", CompanyRef::None),
            pw(),
        )
        .await
        .unwrap_err(),
    );
    assert!(f.get("email").contains("already has an account"));
    let f = refused(
        accounts::create_user(
            &ctx,
            &local_operator(),
            &draft("not-an-email", "wizard", CompanyRef::None),
            pw(),
        )
        .await
        .unwrap_err(),
    );
    assert!(
        !f.get("email").is_empty() && !f.get("role").is_empty(),
        "{f:?}"
    );
    assert_eq!(store.count_users().await.unwrap(), 2);
}

async fn only_admins_manage_people_and_each_change_is_audited(store: &Store) {
    let ctx = Context::new(store.clone());
    let admin_user = user(store, "root@studio.test", Role::Admin, None).await;
    let admin = actor(store, &admin_user).await;
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let ed = user(store, "ed@studio.test", Role::Artist, None).await;
    let pw = || hash_new_password("correct horse battery", "password").unwrap();
    let err = accounts::reset_password(&ctx, &producer, ed.id, pw())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(Action::ManageUsers)),
        "{err:?}"
    );
    let err = accounts::set_disabled(&ctx, &producer, ed.id, true)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(Action::ManageUsers)),
        "{err:?}"
    );
    assert!(store.recent_audit(10).await.unwrap().is_empty());

    let token = store
        .create_api_token(ed.id, "laptop".into(), "hash-of-token".into())
        .await
        .unwrap();
    accounts::reset_password(&ctx, &admin, ed.id, pw())
        .await
        .unwrap();
    assert!(
        store
            .user_by_token_hash("hash-of-token")
            .await
            .unwrap()
            .is_none(),
        "a reset ends the API token {}",
        token.id
    );
    accounts::set_disabled(&ctx, &admin, ed.id, true)
        .await
        .unwrap();
    assert!(store.user_by_id(ed.id).await.unwrap().unwrap().disabled);
    let err = accounts::set_disabled(&ctx, &admin, admin_user.id, true)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    let lines: Vec<_> = store
        .recent_audit(10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.user_id, a.detail))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        (Some(admin_user.id), "disabled ed@studio.test".to_string())
    );
    assert!(
        lines[1].1.starts_with("password of ed@studio.test set"),
        "{lines:?}"
    );
}
