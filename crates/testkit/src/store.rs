//! A fresh store of each backend, kept alive with what it lives in.
use crate::TempPostgres;
use postflow_store::{Location, Store};

/// A store and what keeps it alive (its temporary directory or its PostgreSQL cluster).
pub struct TestStore {
    pub store: Store,
    /// Where it lives; opening it again reaches the same data.
    pub location: Location,
    pub dir: Option<tempfile::TempDir>,
    pub pg: Option<TempPostgres>,
}

/// SQLite in `data/` of a temporary directory.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::SqliteDir(dir.path().join("data"));
    let store = Store::open(&location).await.expect("open the SQLite store");
    TestStore {
        store,
        location,
        dir: Some(dir),
        pg: None,
    }
}

/// A database on a throwaway PostgreSQL cluster of its own.
pub async fn postgresql() -> TestStore {
    let pg = TempPostgres::start().expect("start a throwaway PostgreSQL cluster");
    let url = pg.create_database("postflow").await.unwrap();
    let location = Location::Url(url);
    let store = Store::open(&location)
        .await
        .expect("open the PostgreSQL store");
    TestStore {
        store,
        location,
        dir: None,
        pg: Some(pg),
    }
}

/// One test per case per backend: `backends!(case, …)` makes `case::sqlite` and
/// `case::postgresql`, each running `async fn case(&Store)` on a fresh store of its own, so a
/// failure names the case and the backend.
#[macro_export]
macro_rules! backends {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::store::sqlite().await;
                super::$case(&t.store).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgresql() {
                let t = $crate::store::postgresql().await;
                super::$case(&t.store).await;
            }
        }
    )*};
}
