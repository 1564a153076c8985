//! The database of a service that owns data (user-service, task-service).
//!
//! In phase 02 every module's schema lived in one database; here each service has a
//! database of its own, holding the ONE schema of the module it serves (`identity` in the
//! users database, `tasks` in the tasks database). The pools (readers and one writer on
//! SQLite) are set up exactly as phase 02 sets up its pools (`shared_kernel::db::connect`),
//! so the module's SQL, which names `tasks.tasks`, runs unchanged; the module runs its own
//! migrations on the writer.
//!
//! One writer per PROCESS: several replicas of a service writing one SQLite file would
//! each bring their own writer, and they would meet in SQLite's busy handler again. That
//! is not a supported set-up; scaling a service out needs PostgreSQL (see the README's
//! "Scaling task-service").

use std::collections::BTreeMap;

use axum::{Router, routing::get};
use shared_kernel::Backend;
use shared_kernel::Pools;
use sqlx::AnyPool;

use crate::{health::Health, metrics::Metrics};

/// The connection pools to the service's own database: readers and one writer on SQLite.
#[derive(Clone, Debug)]
pub struct Database {
    pools: Pools,
    backend: Backend,
}

impl Database {
    /// Connects to `url` (`sqlite:...` or `postgres://...`) for the module whose tables are
    /// under `schema`. On SQLite the module's tables go into a file next to the main one
    /// (`users.sqlite3` → `users.identity.sqlite3`), as in phase 02.
    pub async fn connect(url: &str, schema: &'static str) -> anyhow::Result<Self> {
        let pools = shared_kernel::db::connect(url, &[schema]).await?;
        Ok(Self {
            pools,
            backend: Backend::of_url(url),
        })
    }

    /// A cheap round trip, used by `/health`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pools.read)
            .await
            .map(drop)
    }

    /// `GET /health` of a service whose one dependency is this database: 200 while it
    /// answers, 503 `unavailable` with `checks.database` = `unreachable` when it does not
    /// (why goes to the log: error text can name hosts and users).
    /// (Documented in each service's OpenAPI by `health::check`, which answers the same.)
    pub fn health_route(&self, service: &'static str) -> Router {
        let database = self.clone();
        Router::new().route(
            "/health",
            get(move || async move {
                let status = match database.ping().await {
                    Ok(()) => "ok".to_string(),
                    Err(error) => {
                        tracing::warn!(%error, "health check: database unreachable");
                        "unreachable".to_string()
                    }
                };
                let checks = BTreeMap::from([("database".to_string(), status)]);
                Health::answer(service, env!("CARGO_PKG_VERSION"), checks, "unavailable")
            }),
        )
    }

    pub fn pools(&self) -> &Pools {
        &self.pools
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pools' connection counts in `metrics`, sampled at each scrape: on SQLite the
    /// readers and the one writer, on PostgreSQL the one pool both are.
    pub fn watch_pools(&self, metrics: &Metrics) {
        match self.backend {
            Backend::Sqlite => {
                metrics.watch_pool("read", AnyPool::clone(&self.pools.read));
                metrics.watch_pool("write", AnyPool::clone(&self.pools.write));
            }
            Backend::Postgres => {
                metrics.watch_pool("read-write", AnyPool::clone(&self.pools.write));
            }
        }
    }

    /// Closes every connection; used by tests that simulate a database outage.
    pub async fn close(&self) {
        self.pools.close().await;
    }
}
