//! postflow-store: persistence for everything the studio records.
//!
//! Invariant: one code path for SQLite and PostgreSQL. Entities and migrations are written once
//! (sea-orm); no SQL string, schema or repository function exists twice. Callers get plain
//! models and [`StoreError`]s, never a driver type.

pub mod accounts;
pub mod billing;
pub mod bookings;
pub mod catalog;
pub mod channels;
pub mod delivery;
pub mod entities;
pub mod feeds;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod media;
pub mod migration;
pub mod notifications;
pub mod plan;
pub mod portal;
pub mod quotes;
pub mod scenarios;
pub mod studio;
pub mod webhooks;

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, Set, SqliteTransactionMode, TransactionOptions,
};
use sea_orm_migration::MigratorTrait;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Names any connection a [`Repo`] runs on (the pool or a transaction).
pub use sea_orm::ConnectionTrait;
pub use sea_orm::DatabaseConnection as Connection;
/// With [`ConnectionTrait`], what the account reads need of a connection (pool or transaction).
pub use sea_orm::TransactionTrait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error(
        "the database at {url} was written by a newer postflow (schema generation {found}, this build knows {supported}); \
         upgrade postflow before opening it"
    )]
    TooNew {
        url: String,
        found: i64,
        supported: i64,
    },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A row holds a value this build cannot read (never replaced by a guess).
    #[error("the store holds a record this postflow cannot read: {0}")]
    Corrupt(String),
    #[error("{field} {value:?} is already taken")]
    Duplicate { field: &'static str, value: String },
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The future a [`Store::transaction`] closure returns.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Where the data lives, as the user configured it.
#[derive(Clone)]
pub enum Location {
    /// `<dir>/postflow.db`, created when missing.
    SqliteDir(PathBuf),
    /// A `postgres://` (or `sqlite://`) URL.
    Url(String),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::SqliteDir(p) => write!(f, "SqliteDir({})", p.display()),
            Location::Url(u) => write!(f, "Url({})", redact_url(u)),
        }
    }
}

impl Location {
    pub fn url(&self) -> String {
        match self {
            Location::SqliteDir(dir) => {
                format!("sqlite://{}?mode=rwc", dir.join("postflow.db").display())
            }
            Location::Url(u) => u.clone(),
        }
    }
}

/// Hides the password in `scheme://user:password@host/db` so URLs can be logged and shown.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((creds, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match creds.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// The store's functions over any connection: the pool ([`Store`]) or one open transaction
/// ([`Tx`]). Each repository function is written once, as `impl<C: ConnectionTrait> Repo<C>`, and
/// so runs alone or inside a use case's transaction alike.
#[derive(Clone, Debug)]
pub struct Repo<C> {
    db: C,
}

impl<C: ConnectionTrait> Repo<C> {
    /// The connection (or transaction) the functions run on.
    pub fn conn(&self) -> &C {
        &self.db
    }
}

/// The handle every part of postflow uses to read and write the studio's records.
#[derive(Clone, Debug)]
pub struct Store {
    repo: Repo<DatabaseConnection>,
}

impl std::ops::Deref for Store {
    type Target = Repo<DatabaseConnection>;
    fn deref(&self) -> &Self::Target {
        &self.repo
    }
}

/// One open transaction: every [`Repo`] function, all or nothing. Dropped without
/// [`Tx::commit`], it rolls back.
pub struct Tx {
    repo: Repo<DatabaseTransaction>,
}

impl std::ops::Deref for Tx {
    type Target = Repo<DatabaseTransaction>;
    fn deref(&self) -> &Self::Target {
        &self.repo
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        self.repo.db.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Connects, refuses a store from a newer postflow, runs pending migrations.
    pub async fn open(location: &Location) -> Result<Store> {
        if let Location::SqliteDir(dir) = location {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unreachable {
                url: dir.display().to_string(),
                cause: format!("cannot create the data directory: {e}"),
            })?;
        }
        let url = location.url();
        let shown = redact_url(&url);
        let mut opts = ConnectOptions::new(url.clone());
        // Short timeouts: a wrong URL or a stopped server should be reported within seconds.
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(16)
            // SQLite's default 2 MB page cache makes index-heavy reads (search) re-read the
            // disk cache on every query; 64 MB per connection keeps the working set. Only pages
            // actually read take memory. (No mmap: an I/O error there is a signal, not an error.)
            .map_sqlx_sqlite_opts(|o| o.pragma("cache_size", "-65536"));
        let db = Database::connect(opts)
            .await
            .map_err(|e| StoreError::Unreachable {
                url: shown.clone(),
                cause: describe_connect_error(&e),
            })?;
        if db.get_database_backend() == DbBackend::Sqlite {
            // WAL lets readers and a writer work at once; the driver already sets a 5 s busy
            // timeout and enforces foreign keys on every pooled connection.
            db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        }
        let store = Store { repo: Repo { db } };
        store.refuse_newer_schema(&shown).await?;
        migration::Migrator::up(&store.db, None).await?;
        store.stamp_schema_generation().await?;
        Ok(store)
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.repo.db
    }

    /// Starts a transaction for a use case: its reads, writes and audit event commit together.
    /// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so a transaction that
    /// reads and then writes waits for other writers instead of failing half-way.
    pub async fn begin(&self) -> Result<Tx> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let db = self.connection().begin_with_options(options).await?;
        Ok(Tx { repo: Repo { db } })
    }

    /// Runs `work` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    pub async fn transaction<T, E, F>(&self, work: F) -> std::result::Result<T, E>
    where
        F: for<'t> FnOnce(&'t Tx) -> BoxFuture<'t, std::result::Result<T, E>>,
        E: From<StoreError>,
    {
        let tx = self.begin().await?;
        let value = work(&tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.connection().get_database_backend() {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgresql",
            _ => "other",
        }
    }

    async fn refuse_newer_schema(&self, shown_url: &str) -> Result<()> {
        use entities::store_meta;
        // A brand-new store has no table yet: nothing to refuse.
        let Ok(row) = store_meta::Entity::find_by_id("schema_generation".to_string())
            .one(self.connection())
            .await
        else {
            return Ok(());
        };
        if let Some(row) = row {
            let found: i64 = row.value.parse().unwrap_or(i64::MAX);
            if found > migration::SCHEMA_GENERATION {
                return Err(StoreError::TooNew {
                    url: shown_url.to_string(),
                    found,
                    supported: migration::SCHEMA_GENERATION,
                });
            }
        }
        Ok(())
    }

    async fn stamp_schema_generation(&self) -> Result<()> {
        use entities::store_meta;
        use sea_orm::sea_query::OnConflict;
        let row = store_meta::ActiveModel {
            key: Set("schema_generation".into()),
            value: Set(migration::SCHEMA_GENERATION.to_string()),
        };
        store_meta::Entity::insert(row)
            .on_conflict(
                OnConflict::column(store_meta::Column::Key)
                    .update_column(store_meta::Column::Value)
                    .to_owned(),
            )
            .exec(self.connection())
            .await?;
        Ok(())
    }

    /// Test and upgrade helper: pretend a newer postflow wrote this store.
    pub async fn set_schema_generation_for_test(&self, generation: i64) -> Result<()> {
        use entities::store_meta;
        use sea_orm::ActiveModelTrait;
        store_meta::ActiveModel {
            key: Set("schema_generation".into()),
            value: Set(generation.to_string()),
        }
        .update(self.connection())
        .await?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        self.repo.db.close().await?;
        Ok(())
    }
}

fn describe_connect_error(e: &DbErr) -> String {
    let text = e.to_string();
    // sqlx wraps the useful part; keep the message short and without the URL.
    let text = text.trim_start_matches("Connection Error: ").to_string();
    if text.contains("Connection refused") {
        format!("{text} (is the server running and the port right?)")
    } else {
        text
    }
}

/// Maps a unique-constraint violation to a message that names the field.
pub(crate) fn map_unique(e: DbErr, field: &'static str, value: &str) -> StoreError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => StoreError::Duplicate {
            field,
            value: value.to_string(),
        },
        _ => StoreError::Db(e),
    }
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// The default data directory for the embedded store.
pub fn default_data_dir() -> &'static Path {
    Path::new("./postflow-data")
}
