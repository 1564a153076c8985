//! What every module's repository needs around its own SQL: the pool, the error type, the
//! timestamp helpers and the migration runner. No table belongs to this file: the users'
//! SQL lives in `crate::identity`, the tasks' in `crate::tasks`, each with its migrations.
//!
//! One set of queries serves SQLite and PostgreSQL through sqlx's `Any` driver. That is
//! why queries use `$1` placeholders (both databases accept them) and store timestamps as
//! integer microseconds (the `Any` driver has no portable date type). Each database has
//! its own migrations folder per module, because their DDL differs.

use std::{path::Path, str::FromStr, time::Duration};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{
    AnyPool,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
};

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

    /// Brings every module's tables up to date; safe to run at every start. Each module
    /// runs its own migrations: this database knows no table itself.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        crate::identity::migrate(&self.pool, self.backend).await?;
        crate::tasks::migrate(&self.pool, self.backend).await
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

/// Runs one module's migrations.
///
/// Every module's migrations are recorded in the one `_sqlx_migrations` table, keyed by
/// version number. So each module numbers its files in its own range (identity 1001..,
/// tasks 2001..), and ignores the versions it does not know: they belong to the other
/// modules, not to a file this module lost.
pub async fn run_module_migrations(
    pool: &AnyPool,
    module: &str,
    migrations: &Migrator,
) -> anyhow::Result<()> {
    let migrator = Migrator {
        migrations: migrations.migrations.clone(),
        ignore_missing: true,
        locking: migrations.locking,
        no_tx: migrations.no_tx,
    };
    migrator
        .run(pool)
        .await
        .with_context(|| format!("running the {module} module's database migrations failed"))
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
