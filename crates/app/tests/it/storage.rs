//! Volume registration: the same refusals for every caller, audited in the same transaction,
//! for producers, admins and the local operator only.

use crate::support::{actor, user};
use postflow_app::access::local_operator;
use postflow_app::storage::{register_volume, VolumeDraft};
use postflow_app::{AppError, Context};
use postflow_core::access::{Action, Role};
use postflow_store::Store;

backends!(
    a_registration_is_audited_with_its_volume,
    bad_volumes_are_refused_field_by_field_and_not_audited
);

fn lto() -> VolumeDraft {
    VolumeDraft {
        label: "LTO-000123".into(),
        kind: "lto".into(),
        location: "offsite".into(),
        ..Default::default()
    }
}

async fn a_registration_is_audited_with_its_volume(store: &Store) {
    let ctx = Context::new(store.clone());
    let producer = actor(
        store,
        &user(store, "pat@studio.test", Role::Producer, None).await,
    )
    .await;
    let v = register_volume(&ctx, &producer, &lto()).await.unwrap();
    assert_eq!(v.media_type, "lto", "the kind's usual medium");
    let mut again = lto();
    again.notes = Some("vault shelf 3".into());
    register_volume(&ctx, &local_operator(), &again)
        .await
        .unwrap();
    let audit = store.recent_audit(10).await.unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(
        (audit[0].user_id, audit[0].detail.as_str()),
        (None, "updated volume LTO-000123")
    );
    assert_eq!(
        (audit[1].user_id, audit[1].detail.as_str()),
        (Some(producer.user_id), "registered volume LTO-000123")
    );
}

async fn bad_volumes_are_refused_field_by_field_and_not_audited(store: &Store) {
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
    let err = register_volume(&ctx, &artist, &lto()).await.unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(Action::ManageStorage)),
        "{err:?}"
    );
    let bad = VolumeDraft {
        label: " ".into(),
        kind: "floppy".into(),
        location: "moon".into(),
        capacity_bytes: Some(-1),
        ..Default::default()
    };
    let AppError::Invalid(fields) = register_volume(&ctx, &producer, &bad).await.unwrap_err()
    else {
        panic!()
    };
    for f in ["label", "kind", "location", "capacity_bytes"] {
        assert!(!fields.get(f).is_empty(), "{f} refused: {fields:?}");
    }
    assert!(store.recent_audit(10).await.unwrap().is_empty());
    assert!(store.list_volumes().await.unwrap().is_empty());
}
