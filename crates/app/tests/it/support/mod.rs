//! The app's test helpers (people, actors, clients); stores per backend and `backends!` come
//! from postflow-testkit.
#![allow(dead_code)]
use postflow_core::access::{Actor, Role};
use postflow_core::project::Code;
use postflow_store::accounts::{NewUser, User};
use postflow_store::studio::ClientInput;
use postflow_store::Store;

/// One test per case per backend, from the test kit (`case::sqlite`, `case::postgresql`).
#[macro_export]
macro_rules! backends {
    ($($case:ident),* $(,)?) => {
        postflow_testkit::backends!($($case),*);
    };
}

pub async fn user(store: &Store, email: &str, role: Role, client_id: Option<i64>) -> User {
    store
        .create_user(NewUser {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            role,
            client_id,
            title: None,
            password_hash: "not-a-real-hash".into(),
        })
        .await
        .unwrap()
}

pub async fn actor(store: &Store, user: &User) -> Actor {
    postflow_app::access::actor_for(&postflow_app::Context::new(store.clone()), user)
        .await
        .unwrap()
}

pub async fn client(store: &Store, code: &str) -> i64 {
    store
        .create_client(ClientInput {
            code: Code::parse(code).unwrap(),
            name: code.into(),
            contact_email: None,
        })
        .await
        .unwrap()
        .id
}
