//! A database for the tasks module alone.
//!
//! The tasks module's SQL names its table `tasks.tasks` (phase 02: each module owns a schema).
//! On PostgreSQL that is the `tasks` schema its migrations create, here in a database of its
//! own. On SQLite it is a file attached under the name `tasks`, next to the main file
//! (`tasks-service.sqlite3` → `tasks-service.tasks.sqlite3`), exactly as the monolith does
//! it, except that nothing else is attached: no identity, no users.

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use modular_monolith::database::module_file;
use shared_kernel::Backend;
use sqlx::{
    AnyPool,
    any::{AnyConnectOptions, AnyPoolOptions},
};

/// A pool to the task service's own database.
#[derive(Clone, Debug)]
pub struct TasksDatabase {
    pool: AnyPool,
    backend: Backend,
}

impl TasksDatabase {
    /// Connects to `url` (`sqlite:...?mode=rwc` or `postgres://...`).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url);
        let mut pool_options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            // A request waits at most this long for a connection, then gets a 503.
            .acquire_timeout(Duration::from_secs(3));
        if backend == Backend::Sqlite {
            let file = module_file(url, tasks::SCHEMA).replace('\'', "''");
            pool_options = pool_options.after_connect(move |connection, _| {
                let file = file.clone();
                Box::pin(async move {
                    sqlx::query(&format!("ATTACH DATABASE '{file}' AS {}", tasks::SCHEMA))
                        .execute(&mut *connection)
                        .await?;
                    // Write-ahead logging lets readers proceed while one request writes.
                    sqlx::query(&format!("PRAGMA {}.journal_mode = WAL", tasks::SCHEMA))
                        .execute(&mut *connection)
                        .await?;
                    Ok(())
                })
            });
        }
        let options = AnyConnectOptions::from_str(url)
            .with_context(|| format!("DATABASE_URL is not a valid database URL: {url}"))?;
        let pool = pool_options
            .connect_with(options)
            .await
            .context("cannot connect to the database (is DATABASE_URL right?)")?;
        Ok(Self { pool, backend })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap round trip, for `/health`: `ok`, or what went wrong.
    pub async fn health(&self) -> String {
        match sqlx::query("SELECT 1").execute(&self.pool).await {
            Ok(_) => "ok".into(),
            Err(error) => format!("unreachable: {error}"),
        }
    }
}
