//! The one database the modules share, and how each module gets its own part of it.
//!
//! Every module owns its tables under its own name: `identity.users`, `tasks.tasks`. On
//! PostgreSQL that name is a schema (each module's migrations create it). On SQLite it is
//! an attached database, a file next to the main one (`tasktracker.identity.sqlite3`),
//! attached to every connection (each reader and the writer) under the module's name. So each module writes one set of
//! SQL for both databases, exactly as in phase 01, and `identity.users` means the same
//! thing on both. The main SQLite file keeps only the migration history. The pools
//! themselves are set up by `shared_kernel::db::connect`, which phase 03's services use too.

use shared_kernel::Backend;
use shared_kernel::Pools;
pub use shared_kernel::db::module_file;

/// The modules that own tables, by the schema (or attached database) name they use.
pub const MODULE_SCHEMAS: [&str; 2] = [identity::SCHEMA, tasks::SCHEMA];

/// The connection pools to the phase's one database: readers and one writer on SQLite.
#[derive(Clone, Debug)]
pub struct Database {
    pools: Pools,
    backend: Backend,
}

impl Database {
    /// Connects to `url` (`sqlite:...` or `postgres://...`), creating a SQLite file and its
    /// folder if they do not exist yet. On SQLite, every new connection attaches each
    /// module's database file.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let pools = shared_kernel::db::connect(url, &MODULE_SCHEMAS).await?;
        Ok(Self {
            pools,
            backend: Backend::of_url(url),
        })
    }

    /// Brings every module's tables up to date; safe to run at every start. Each module
    /// runs its own migrations (stats owns no table, so it has none).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        identity::IdentityApi::migrate(&self.pools.write, self.backend).await?;
        tasks::TasksApi::migrate(&self.pools.write, self.backend).await?;
        Ok(())
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
