//! The data layer shared by the modules: the pool, the error type and the timestamp
//! helpers, plus the users' SQL. The tasks' SQL lives in `crate::tasks`, where only the
//! tasks module can reach it.
//!
//! One set of queries serves SQLite and PostgreSQL through sqlx's `Any` driver. That is
//! why queries use `$1` placeholders (both databases accept them) and store timestamps as
//! integer microseconds (the `Any` driver has no portable date type). Each database has
//! its own migrations folder, because their DDL differs.

#[path = "../../../../../01-monolith/src/repositories/users.rs"]
mod users;

pub use users::{Credentials, Taken, UserRepository};

use std::{path::Path, str::FromStr, time::Duration};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{
    AnyPool,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../../01-monolith/migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../../01-monolith/migrations/postgres");

/// Which database engine a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite lets one connection write at a time. With several connections, concurrent
/// writers collide and SQLite's busy handler puts the losers to sleep (up to 100 ms a try),
/// so under load a write's latency becomes a lottery. With one connection, requests queue
/// fairly for it in the pool instead, and each query is short. PostgreSQL handles
/// concurrent writers itself, so it gets a real pool.
const SQLITE_CONNECTIONS: u32 = 1;
const POSTGRES_CONNECTIONS: u32 = 10;

/// A connection pool to the phase's one database.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

impl Database {
    /// Connects to `url` (`sqlite:...` or `postgres://...`), creating a SQLite file and its
    /// folder if they do not exist yet.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        if backend == Backend::Sqlite {
            create_sqlite_folder(url)?;
        }
        let options = AnyConnectOptions::from_str(url)
            .with_context(|| format!("DATABASE_URL is not a valid database URL: {url}"))?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => SQLITE_CONNECTIONS,
                Backend::Postgres => POSTGRES_CONNECTIONS,
            })
            // A request waits at most this long for a connection, then gets a 503.
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await
            .context("cannot connect to the database (is it running? is DATABASE_URL right?)")?;
        if backend == Backend::Sqlite {
            // Write-ahead logging lets readers proceed while one request writes.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Ok(Self { pool, backend })
    }

    /// Brings the schema up to date; safe to run at every start.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("running database migrations failed")
    }

    /// A cheap round trip, used by `/health`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection; used by tests that simulate a database outage.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `sqlite:///path/to/file.sqlite3?mode=rwc` needs `/path/to` to exist.
fn create_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(());
    }
    if let Some(folder) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the folder {}", folder.display()))?;
    }
    Ok(())
}

/// Why a repository call failed.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// A UNIQUE constraint refused the write (two registrations raced for one email).
    #[error("a unique value is already taken")]
    UniqueViolation,
    /// A FOREIGN KEY constraint refused the write: the row it points at does not exist
    /// (a task for a user id that has no account).
    #[error("a referenced row does not exist")]
    MissingReference,
    /// The database cannot be reached right now (no connection within the pool's timeout,
    /// the pool closed, the network failed): trying again later may work.
    #[error("the database is unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error(transparent)]
    Database(sqlx::Error),
    /// A stored row breaks the domain's rules: a bug or a hand-edited database.
    #[error(transparent)]
    CorruptRow(#[from] anyhow::Error),
}

impl From<sqlx::Error> for RepositoryError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db_error) if db_error.is_unique_violation() => {
                Self::UniqueViolation
            }
            sqlx::Error::Database(db_error) if db_error.is_foreign_key_violation() => {
                Self::MissingReference
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(error = %error, "database unavailable");
                Self::Unavailable(error)
            }
            _ => Self::Database(error),
        }
    }
}

pub type RepositoryResult<T> = Result<T, RepositoryError>;

/// Timestamps are stored as microseconds since the Unix epoch, UTC.
pub(crate) fn to_micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

pub(crate) fn from_micros(micros: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .with_context(|| format!("stored timestamp {micros} is out of range"))
}
