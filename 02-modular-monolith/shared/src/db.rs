//! What every module's repositories need around their own SQL.
//!
//! All modules share ONE database (one pool) in this phase, but each owns its own tables:
//! on PostgreSQL a schema per module (`identity.users`), on SQLite an attached database
//! per module under the same name, so a query reads `identity.users` on both. The app
//! creates the pool (and attaches the files); a module gets the pool, runs its migrations
//! with [`migrate`], and touches only its own schema.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyPool, migrate::Migrator};

use crate::error::ApiError;

/// Which database engine a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }
}

/// Runs one module's migrations (`sqlite` or `postgres`, by backend).
///
/// Every module's migrations are recorded in the one `_sqlx_migrations` table, keyed by
/// version number. So each module numbers its files in its own range (identity 1001..,
/// tasks 2001..), and its migrator ignores the versions it does not know: they belong to
/// the other modules, not to a file this module lost.
pub async fn migrate(
    pool: &AnyPool,
    backend: Backend,
    module: &str,
    sqlite: &Migrator,
    postgres: &Migrator,
) -> anyhow::Result<()> {
    let own = match backend {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    };
    let migrator = Migrator {
        migrations: own.migrations.clone(),
        ignore_missing: true,
        locking: own.locking,
        no_tx: own.no_tx,
    };
    migrator
        .run(pool)
        .await
        .with_context(|| format!("running the {module} module's database migrations failed"))
}

/// Why a repository call failed.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// A UNIQUE constraint refused the write (two registrations raced for one email).
    #[error("a unique value is already taken")]
    UniqueViolation,
    #[error(transparent)]
    Database(sqlx::Error),
    /// A stored row breaks the domain's rules: a bug or a hand-edited database.
    #[error(transparent)]
    CorruptRow(#[from] anyhow::Error),
}

impl From<sqlx::Error> for RepositoryError {
    fn from(error: sqlx::Error) -> Self {
        match error.as_database_error() {
            Some(db_error) if db_error.is_unique_violation() => Self::UniqueViolation,
            _ => Self::Database(error),
        }
    }
}

pub type RepositoryResult<T> = Result<T, RepositoryError>;

impl From<RepositoryError> for ApiError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::UniqueViolation => {
                ApiError::Conflict("that value is already taken".into())
            }
            RepositoryError::Database(error) => error.into(),
            RepositoryError::CorruptRow(error) => ApiError::Internal(error),
        }
    }
}

/// Timestamps are stored as microseconds since the Unix epoch, UTC.
pub fn to_micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

pub fn from_micros(micros: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .with_context(|| format!("stored timestamp {micros} is out of range"))
}
