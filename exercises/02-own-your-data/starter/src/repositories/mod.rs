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
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
};

use crate::server_timing::TimedPool;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../../01-monolith/migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../../01-monolith/migrations/postgres");

/// Which database engine a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite lets one connection write at a time. With several writing connections,
/// concurrent writers collide and SQLite's busy handler puts the losers to sleep (up to
/// 100 ms a try), so under load a write's latency becomes a lottery, and a writer that
/// waits past `busy_timeout` fails. So a process has exactly ONE writing connection:
/// writers queue fairly for it in the pool instead, and each write is short.
const SQLITE_WRITERS: u32 = 1;
/// Readers never block each other or the writer in WAL mode, so reads get a pool of their
/// own: two connections per core. Measured on 2 cores (wrk, 16 connections, release
/// build, taking turns), 4 readers served task reads and statistics faster than 2 in
/// every pair (lists within noise), and 8 no faster than 4: each SQLite connection runs
/// on its own thread in sqlx, and a second one per core keeps the core busy while the
/// first hands its rows back.
fn sqlite_readers() -> u32 {
    std::thread::available_parallelism().map_or(2, |cores| cores.get() as u32) * 2
}
/// PostgreSQL handles concurrent writers itself, so reads and writes share one pool.
/// Measured with wrk against this phase on PostgreSQL (2 cores shared by the server, the
/// database and wrk; 16 client connections, two runs each, requests/s): task reads 3,769 /
/// 3,015 with 5 connections, 3,269 / 3,415 with 10, 2,337 / 4,265 with 20; creates 2,175 /
/// 2,300, 2,602 / 2,391, 2,010 / 4,639. Within noise of each other: on 2 cores the pool is
/// not the limit. Ten keeps that on a bigger machine without holding many idle backends.
const POSTGRES_CONNECTIONS: u32 = 10;

/// Per-connection settings for SQLite, beyond WAL (which is stored in the file).
///
/// `synchronous = NORMAL`: in WAL mode a commit is then safe against a crash of the
/// process, and only a power cut can lose the last commits; SQLite's default, `FULL`,
/// syncs the log to disk at every commit. Measured (wrk, 16 connections, task creates):
/// NORMAL served 2,366 and 1,932 creates a second where FULL served 880 and 991.
/// `cache_size` and `mmap_size` were measured too and changed nothing beyond noise on the
/// workshop's data, so they keep SQLite's defaults.
const SQLITE_PRAGMAS: [&str; 1] = ["synchronous = NORMAL"];

/// The connections every repository runs its SQL on: `read` for SELECTs, `write` for
/// INSERT, UPDATE and DELETE (and any statement that must see its own write, such as
/// `INSERT ... RETURNING`).
///
/// On SQLite, `write` holds exactly one connection and `read` two per core; on PostgreSQL
/// both are the same pool. A read that follows the caller's own write sees it: the
/// writer's statement has committed (autocommit) before the repository returns, and in
/// WAL mode every read transaction started after a commit sees that commit, whichever
/// connection it runs on. A reader never holds a read transaction open between two
/// statements (each SELECT is its own transaction), so it never reads an older snapshot.
/// An in-memory SQLite database lives inside its one connection, so there `read` and
/// `write` are that same single connection.
///
/// Both are [`TimedPool`]s: each query sent through them adds its time to the request's
/// `db` entry in the `Server-Timing` header, without the repository doing anything.
#[derive(Clone, Debug)]
pub struct Pools {
    pub read: TimedPool,
    pub write: TimedPool,
}

impl Pools {
    async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// The connection pools to the phase's one database.
#[derive(Clone, Debug)]
pub struct Database {
    pools: Pools,
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
        let options = AnyConnectOptions::from_str(url)
            // Never the URL itself: it may hold a password, and this message reaches the logs.
            .context(
                "DATABASE_URL is not a valid database URL (not shown: it may hold a password)",
            )?;
        let pools = match backend {
            Backend::Postgres => {
                let pool = pool_options(POSTGRES_CONNECTIONS)
                    .connect_with(options)
                    .await
                    .context(CANNOT_CONNECT)?;
                Pools {
                    read: pool.clone().into(),
                    write: pool.into(),
                }
            }
            Backend::Sqlite => {
                create_sqlite_folder(url)?;
                // The writer connects first: it switches the file to WAL (a setting stored
                // in the file), before any reader opens it.
                let write = pool_options(SQLITE_WRITERS)
                    .after_connect(|connection, _| {
                        Box::pin(async move {
                            // Write-ahead logging lets readers proceed while one request writes.
                            sqlx::query("PRAGMA journal_mode = WAL")
                                .execute(&mut *connection)
                                .await?;
                            for pragma in SQLITE_PRAGMAS {
                                sqlx::query(&format!("PRAGMA {pragma}"))
                                    .execute(&mut *connection)
                                    .await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(options.clone())
                    .await
                    .context(CANNOT_CONNECT)?;
                let read = if is_in_memory(url) {
                    write.clone()
                } else {
                    pool_options(sqlite_readers())
                        .after_connect(|connection, _| {
                            Box::pin(async move {
                                for pragma in SQLITE_PRAGMAS {
                                    sqlx::query(&format!("PRAGMA {pragma}"))
                                        .execute(&mut *connection)
                                        .await?;
                                }
                                // A write sent to a reader by mistake fails at once, in
                                // every test, instead of competing with the writer.
                                sqlx::query("PRAGMA query_only = ON")
                                    .execute(&mut *connection)
                                    .await?;
                                Ok(())
                            })
                        })
                        .connect_with(options)
                        .await
                        .context(CANNOT_CONNECT)?
                };
                Pools {
                    read: read.into(),
                    write: write.into(),
                }
            }
        };
        Ok(Self { pools, backend })
    }

    /// Brings the schema up to date; safe to run at every start.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(self.pools.write.pool())
            .await
            .context("running database migrations failed")
    }

    /// A cheap round trip, used by `/health`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pools.read)
            .await
            .map(drop)
    }

    pub fn pools(&self) -> &Pools {
        &self.pools
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection; used by tests that simulate a database outage.
    pub async fn close(&self) {
        self.pools.close().await;
    }
}

const CANNOT_CONNECT: &str =
    "cannot connect to the database (is it running? is DATABASE_URL right?)";

fn pool_options(connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        // A request waits at most this long for a connection, then gets a 503.
        .acquire_timeout(Duration::from_secs(3))
}

/// `sqlite::memory:` or `sqlite://:memory:`: a database that lives in one connection.
fn is_in_memory(url: &str) -> bool {
    sqlite_path(url).starts_with(":memory:") || url.contains("mode=memory")
}

/// The file path in a SQLite URL (`sqlite:///path/to/file.sqlite3?mode=rwc`).
fn sqlite_path(url: &str) -> &str {
    url.trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default()
}

/// `sqlite:///path/to/file.sqlite3?mode=rwc` needs `/path/to` to exist.
fn create_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let path = sqlite_path(url);
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
            // PostgreSQL cancelled a statement that outran DATABASE_STATEMENT_TIMEOUT_MS
            // (SQLSTATE 57014, query_canceled): the database is too slow right now.
            sqlx::Error::Database(db_error) if db_error.code().as_deref() == Some("57014") => {
                tracing::warn!(error = %error, "database statement timed out");
                Self::Unavailable(error)
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
