//! What every module's repositories need around their own SQL, and the pool they run on.
//!
//! All modules share ONE database (one pool) in this phase, but each owns its own tables:
//! on PostgreSQL a schema per module (`identity.users`), on SQLite an attached database
//! per module under the same name, so a query reads `identity.users` on both. The app
//! creates the pool with [`connect`] (which attaches the files); a module gets the pool,
//! runs its migrations with [`migrate`], and touches only its own schema.
//!
//! Phase 03 connects each service the same way, with one schema instead of two: that is
//! why [`connect`] lives here and not in the app. A module's SQL names `tasks.tasks` in
//! both phases, so the module does not change when it becomes a service.
//!
//! One set of queries serves SQLite and PostgreSQL through sqlx's `Any` driver: `$1`
//! placeholders (both databases accept them) and integer-microsecond timestamps (the
//! `Any` driver has no portable date type). Each module has its own migrations folders.

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

impl Backend {
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }
}

/// SQLite lets one connection write at a time. With several connections, concurrent
/// writers collide and SQLite's busy handler puts the losers to sleep (up to 100 ms a try),
/// so under load a write's latency becomes a lottery. With one connection, requests queue
/// fairly for it in the pool instead, and each query is short. PostgreSQL handles
/// concurrent writers itself, so it gets a real pool.
const SQLITE_CONNECTIONS: u32 = 1;
const POSTGRES_CONNECTIONS: u32 = 10;

/// Connects to `url` (`sqlite:...` or `postgres://...`), creating a SQLite file and its
/// folder if they do not exist yet. On SQLite, every new connection attaches one file per
/// name in `schemas`, next to the main file, under that name (`tasktracker.sqlite3` →
/// `tasktracker.tasks.sqlite3` attached as `tasks`). On PostgreSQL the schemas are made by
/// the modules' own migrations.
pub async fn connect(url: &str, schemas: &[&'static str]) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url);
    let mut pool_options = AnyPoolOptions::new()
        .max_connections(match backend {
            Backend::Sqlite => SQLITE_CONNECTIONS,
            Backend::Postgres => POSTGRES_CONNECTIONS,
        })
        // A request waits at most this long for a connection, then gets a 503.
        .acquire_timeout(Duration::from_secs(3));
    if backend == Backend::Sqlite {
        create_sqlite_folder(url)?;
        let attachments: Vec<(&'static str, String)> = schemas
            .iter()
            .map(|schema| (*schema, module_file(url, schema)))
            .collect();
        pool_options = pool_options.after_connect(move |connection, _| {
            let attachments = attachments.clone();
            Box::pin(async move {
                for (schema, file) in attachments {
                    let file = file.replace('\'', "''");
                    sqlx::query(&format!("ATTACH DATABASE '{file}' AS {schema}"))
                        .execute(&mut *connection)
                        .await?;
                    // Write-ahead logging lets readers proceed while one request writes.
                    sqlx::query(&format!("PRAGMA {schema}.journal_mode = WAL"))
                        .execute(&mut *connection)
                        .await?;
                }
                Ok(())
            })
        });
    }
    let options = AnyConnectOptions::from_str(url)
        .with_context(|| format!("DATABASE_URL is not a valid database URL: {url}"))?;
    let pool = pool_options
        .connect_with(options)
        .await
        .context("cannot connect to the database (is it running? is DATABASE_URL right?)")?;
    if backend == Backend::Sqlite {
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
    }
    Ok(pool)
}

/// The file path in a SQLite URL (`sqlite:///path/to/file.sqlite3?mode=rwc`), or "" for
/// an in-memory database.
fn sqlite_path(url: &str) -> &str {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.starts_with(":memory:") {
        ""
    } else {
        path
    }
}

/// The file of one module's attached database: `tasktracker.sqlite3` → `tasktracker.tasks.sqlite3`,
/// in the same folder. An in-memory main database gets in-memory module databases.
pub fn module_file(url: &str, schema: &str) -> String {
    let main = Path::new(sqlite_path(url));
    let Some(stem) = main.file_stem().and_then(|stem| stem.to_str()) else {
        return ":memory:".into();
    };
    let name = match main.extension().and_then(|ext| ext.to_str()) {
        Some(ext) => format!("{stem}.{schema}.{ext}"),
        None => format!("{stem}.{schema}"),
    };
    main.with_file_name(name).to_string_lossy().into_owned()
}

/// `sqlite:///path/to/file.sqlite3?mode=rwc` needs `/path/to` to exist.
fn create_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let path = sqlite_path(url);
    if path.is_empty() {
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
pub fn to_micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

pub fn from_micros(micros: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .with_context(|| format!("stored timestamp {micros} is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_module_gets_a_file_next_to_the_main_one() {
        assert_eq!(
            module_file("sqlite:///data/tasktracker.sqlite3?mode=rwc", "identity"),
            "/data/tasktracker.identity.sqlite3"
        );
        assert_eq!(module_file("sqlite://app.db", "tasks"), "app.tasks.db");
        assert_eq!(module_file("sqlite://plain", "tasks"), "plain.tasks");
        assert_eq!(module_file("sqlite::memory:", "tasks"), ":memory:");
    }
}
