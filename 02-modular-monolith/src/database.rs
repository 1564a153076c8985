//! The one database the modules share, and how each module gets its own part of it.
//!
//! Every module owns its tables under its own name: `identity.users`, `tasks.tasks`. On
//! PostgreSQL that name is a schema (each module's migrations create it). On SQLite it is
//! an attached database, a file next to the main one (`tasktracker.identity.sqlite3`),
//! attached to every connection under the module's name. So each module writes one set of
//! SQL for both databases, exactly as in phase 01, and `identity.users` means the same
//! thing on both. The main SQLite file keeps only the migration history.
//!
//! One set of queries serves SQLite and PostgreSQL through sqlx's `Any` driver: `$1`
//! placeholders (both databases accept them) and integer-microsecond timestamps (the
//! `Any` driver has no portable date type). Each module has its own migrations folders.

use std::{path::Path, str::FromStr, time::Duration};

use anyhow::Context;
use shared_kernel::Backend;
use sqlx::{
    AnyPool,
    any::{AnyConnectOptions, AnyPoolOptions},
};

/// The modules that own tables, by the schema (or attached database) name they use.
pub const MODULE_SCHEMAS: [&str; 2] = [identity::SCHEMA, tasks::SCHEMA];

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
    /// folder if they do not exist yet. On SQLite, every new connection attaches each
    /// module's database file.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
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
            let attachments: Vec<(&'static str, String)> = MODULE_SCHEMAS
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
        Ok(Self { pool, backend })
    }

    /// Brings every module's tables up to date; safe to run at every start. Each module
    /// runs its own migrations (stats owns no table, so it has none).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        identity::IdentityApi::migrate(&self.pool, self.backend).await?;
        tasks::TasksApi::migrate(&self.pool, self.backend).await?;
        Ok(())
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
