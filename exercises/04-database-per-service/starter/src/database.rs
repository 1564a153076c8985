//! A database for the tasks module alone.
//!
//! The tasks module's SQL names its table `tasks.tasks` (phase 02: each module owns a schema).
//! On PostgreSQL that is the `tasks` schema its migrations create, here in a database of its
//! own. On SQLite it is a file attached under the name `tasks`, next to the main file
//! (`tasks-service.sqlite3` → `tasks-service.tasks.sqlite3`), exactly as the monolith does
//! it, except that nothing else is attached: no identity, no users. The pools are the
//! monolith's too (`shared_kernel::db::connect`): on SQLite a pool of readers and exactly
//! one writer, each connection with the `tasks` file attached, because the module's
//! repositories read through one and write through the other.

use shared_kernel::{Backend, Pools};

/// The pools to the task service's own database.
#[derive(Clone, Debug)]
pub struct TasksDatabase {
    pools: Pools,
    backend: Backend,
}

impl TasksDatabase {
    /// Connects to `url` (`sqlite:...?mode=rwc` or `postgres://...`).
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let pools = shared_kernel::db::connect(url, &[tasks::SCHEMA]).await?;
        Ok(Self {
            pools,
            backend: Backend::of_url(url),
        })
    }

    pub fn pools(&self) -> &Pools {
        &self.pools
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap round trip, for `/health`: `ok`, or what went wrong.
    pub async fn health(&self) -> String {
        match sqlx::query("SELECT 1").execute(&self.pools.read).await {
            Ok(_) => "ok".into(),
            Err(error) => format!("unreachable: {error}"),
        }
    }
}
