//! One test per case per backend: `backends!(case_fn, ...)` makes `case_fn::sqlite` and
//! `case_fn::postgres`, each on a store of its own, so a failure names the case and the backend.
#![allow(dead_code)]
use postflow_core::access::{Actor, Role};
use postflow_core::project::Code;
use postflow_store::accounts::{NewUser, User};
use postflow_store::studio::ClientInput;
use postflow_store::testing::TempPostgres;
use postflow_store::{Location, Store};

/// A store and what keeps it alive (the temporary directory or PostgreSQL cluster).
pub struct TestStore {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<TempPostgres>,
}

pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Location::SqliteDir(dir.path().to_path_buf()))
        .await
        .unwrap();
    TestStore {
        store,
        _dir: Some(dir),
        _pg: None,
    }
}

pub async fn postgres() -> TestStore {
    let pg = TempPostgres::start().expect("start a throwaway PostgreSQL");
    let url = pg.create_database("postflow").await.unwrap();
    let store = Store::open(&Location::Url(url)).await.unwrap();
    TestStore {
        store,
        _dir: None,
        _pg: Some(pg),
    }
}

#[macro_export]
macro_rules! backends {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::support::sqlite().await;
                super::$case(&t.store).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = $crate::support::postgres().await;
                super::$case(&t.store).await;
            }
        }
    )*};
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
