//! The database of a service that owns data (user-service, task-service).
//!
//! In phase 02 every module's schema lived in one database; here each service has a
//! database of its own, holding the ONE schema of the module it serves (`identity` in the
//! users database, `tasks` in the tasks database). The pool is set up exactly as phase 02
//! sets up its one pool (`shared_kernel::db::connect`), so the module's SQL, which names
//! `tasks.tasks`, runs unchanged; the module runs its own migrations.

use std::collections::BTreeMap;

use axum::{Router, routing::get};
use shared_kernel::Backend;
use sqlx::AnyPool;

use crate::health::Health;

/// A connection pool to the service's own database.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

impl Database {
    /// Connects to `url` (`sqlite:...` or `postgres://...`) for the module whose tables are
    /// under `schema`. On SQLite the module's tables go into a file next to the main one
    /// (`users.sqlite3` → `users.identity.sqlite3`), as in phase 02.
    pub async fn connect(url: &str, schema: &'static str) -> anyhow::Result<Self> {
        let pool = shared_kernel::db::connect(url, &[schema]).await?;
        Ok(Self {
            pool,
            backend: Backend::of_url(url),
        })
    }

    /// A cheap round trip, used by `/health`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// `GET /health` of a service whose one dependency is this database: 200 while it
    /// answers, 503 `unavailable` with the reason in `checks.database` when it does not.
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
                        format!("unreachable: {error}")
                    }
                };
                let checks = BTreeMap::from([("database".to_string(), status)]);
                Health::answer(service, env!("CARGO_PKG_VERSION"), checks, "unavailable")
            }),
        )
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
