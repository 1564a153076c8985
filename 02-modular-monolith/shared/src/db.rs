//! What every module's repositories need around their own SQL, and the pools they run on.
//!
//! All modules share ONE database in this phase, but each owns its own tables:
//! on PostgreSQL a schema per module (`identity.users`), on SQLite an attached database
//! per module under the same name, so a query reads `identity.users` on both. The app
//! creates the [`Pools`] with [`connect`] (which attaches the files to every connection); a
//! module gets the pools, runs its migrations with [`migrate`] on the writer, and touches
//! only its own schema.
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

use crate::server_timing::TimedPool;

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
/// PostgreSQL handles concurrent writers itself, so reads and writes share one pool, sized
/// as phase 01's (measured there; see `01-monolith/src/repositories/mod.rs`).
const POSTGRES_CONNECTIONS: u32 = 10;

/// Per-connection settings for SQLite, beyond WAL (which is stored in each file), applied
/// to the main database and to every attached module database.
///
/// `synchronous = NORMAL`: in WAL mode a commit is then safe against a crash of the
/// process, and only a power cut can lose the last commits; SQLite's default, `FULL`,
/// syncs the log to disk at every commit. Measured in phase 01 (wrk, 16 connections, task
/// creates): NORMAL served 2,366 and 1,932 creates a second where FULL served 880 and 991.
/// `cache_size` and `mmap_size` were measured too and changed nothing beyond noise on the
/// workshop's data, so they keep SQLite's defaults.
const SQLITE_PRAGMAS: [&str; 1] = ["synchronous = NORMAL"];

/// The connections every repository runs its SQL on: `read` for SELECTs, `write` for
/// INSERT, UPDATE and DELETE (and any statement that must see its own write, such as
/// `INSERT ... RETURNING`), and for migrations.
///
/// On SQLite, `write` holds exactly one connection and `read` two per core, each with the
/// module files attached; on PostgreSQL both are the same pool. A read that follows the
/// caller's own write sees it: the writer's statement has committed (autocommit) before
/// the repository returns, and in WAL mode every read transaction started after a commit
/// sees that commit, whichever connection it runs on. A reader never holds a read
/// transaction open between two statements (each SELECT is its own transaction), so it
/// never reads an older snapshot. An in-memory SQLite database lives inside its one
/// connection, so there `read` and `write` are that same single connection.
///
/// Both are [`TimedPool`]s: each query sent through them adds its time to the request's
/// `db` entry in the `Server-Timing` header, without the repository doing anything.
#[derive(Clone, Debug)]
pub struct Pools {
    pub read: TimedPool,
    pub write: TimedPool,
}

impl Pools {
    /// Closes every connection; used by tests that simulate a database outage.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Connects to `url` (`sqlite:...` or `postgres://...`), creating a SQLite file and its
/// folder if they do not exist yet. On SQLite, every new connection, reader or writer,
/// attaches one file per name in `schemas`, next to the main file, under that name
/// (`tasktracker.sqlite3` → `tasktracker.tasks.sqlite3` attached as `tasks`). On
/// PostgreSQL the schemas are made by the modules' own migrations.
pub async fn connect(url: &str, schemas: &[&'static str]) -> anyhow::Result<Pools> {
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_str(url)
        // Never the URL itself: it may hold a password, and this message reaches the logs.
        .context("DATABASE_URL is not a valid database URL (not shown: it may hold a password)")?;
    if Backend::of_url(url) == Backend::Postgres {
        let pool = pool_options(POSTGRES_CONNECTIONS)
            .connect_with(options)
            .await
            .context(CANNOT_CONNECT)?;
        return Ok(Pools {
            read: pool.clone().into(),
            write: pool.into(),
        });
    }
    create_sqlite_folder(url)?;
    let attachments: Vec<(&'static str, String)> = schemas
        .iter()
        .map(|schema| (*schema, module_file(url, schema)))
        .collect();
    // The writer connects first: it switches every file to WAL (a setting stored in the
    // file, so readers need not repeat it), before any reader opens them.
    let write = sqlite_pool(SQLITE_WRITERS, Role::Writer, attachments.clone())
        .connect_with(options.clone())
        .await
        .context(CANNOT_CONNECT)?;
    let read = if sqlite_path(url).is_empty() {
        write.clone()
    } else {
        sqlite_pool(sqlite_readers(), Role::Reader, attachments)
            .connect_with(options)
            .await
            .context(CANNOT_CONNECT)?
    };
    Ok(Pools {
        read: read.into(),
        write: write.into(),
    })
}

const CANNOT_CONNECT: &str =
    "cannot connect to the database (is it running? is DATABASE_URL right?)";

fn pool_options(connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        // A request waits at most this long for a connection, then gets a 503.
        .acquire_timeout(Duration::from_secs(3))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Reader,
    Writer,
}

/// A SQLite pool whose every new connection attaches the module files and applies
/// [`SQLITE_PRAGMAS`] to each database; the writer also turns WAL on, and a reader is made
/// `query_only`, so a write sent to a reader by mistake fails at once, in every test,
/// instead of competing with the writer.
fn sqlite_pool(
    connections: u32,
    role: Role,
    attachments: Vec<(&'static str, String)>,
) -> AnyPoolOptions {
    pool_options(connections).after_connect(move |connection, _| {
        let attachments = attachments.clone();
        Box::pin(async move {
            let mut statements = Vec::new();
            let mut databases = vec!["main".to_string()];
            for (schema, file) in attachments {
                let file = file.replace('\'', "''");
                statements.push(format!("ATTACH DATABASE '{file}' AS {schema}"));
                databases.push(schema.to_string());
            }
            for database in databases {
                if role == Role::Writer {
                    // Write-ahead logging lets readers proceed while one request writes.
                    statements.push(format!("PRAGMA {database}.journal_mode = WAL"));
                }
                for pragma in SQLITE_PRAGMAS {
                    statements.push(format!("PRAGMA {database}.{pragma}"));
                }
            }
            if role == Role::Reader {
                statements.push("PRAGMA query_only = ON".into());
            }
            for statement in statements {
                sqlx::query(&statement).execute(&mut *connection).await?;
            }
            Ok(())
        })
    })
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
