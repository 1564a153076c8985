//! Building the application from settings, and running it until Ctrl-C or SIGTERM, with
//! the server's timeouts: for a request's headers, for its answer, and for the requests
//! still in flight when it is told to stop.

use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::Context;
use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
};
use tokio::{net::TcpListener, task::JoinSet};
use tower::ServiceExt;

use shared_kernel::{
    ApiError, Backend,
    metrics::{self, Metrics},
};
use sqlx::AnyPool;

use crate::{
    config::{ServerTimeouts, Settings, with_statement_timeout},
    database::Database,
    routes::app,
    state::AppState,
};

/// A bound, migrated, ready-to-serve application.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    timeouts: ServerTimeouts,
    /// `/metrics` has a listener of its own (`METRICS_PORT`), never the API's.
    metrics: Metrics,
    metrics_listener: TcpListener,
}

impl Application {
    /// Connects to and migrates the database, then binds the port. Port 0 picks a free
    /// port, which is how tests run many instances side by side.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        if settings.jwt_secret.generated {
            warn_about_generated_secret();
        }
        let database = Database::connect(&with_statement_timeout(
            &settings.database_url,
            settings.database_statement_timeout,
        ))
        .await?;
        database.migrate().await?;
        let metrics = Metrics::new();
        watch_pools(&metrics, &database);
        let state = AppState::new(database, &settings);
        let hashing = state.hashing.clone();
        metrics.watch_hashing_queue(move || hashing.queue_depth());
        let address = SocketAddr::new(settings.host, settings.port);
        let listener = TcpListener::bind(address).await.with_context(|| {
            format!("cannot listen on {address}: is another phase already running there? Set PORT to use another port")
        })?;
        let metrics_address = SocketAddr::new(settings.host, settings.metrics_port);
        let metrics_listener = TcpListener::bind(metrics_address).await.with_context(|| {
            format!("cannot serve /metrics on {metrics_address}: is something already running there? Set METRICS_PORT to use another port")
        })?;
        Ok(Self {
            router: metrics.record_requests(app(state.clone())),
            listener,
            state,
            timeouts: settings.timeouts,
            metrics,
            metrics_listener,
        })
    }

    pub fn address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Where `GET /metrics` answers.
    pub fn metrics_address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.metrics_listener.local_addr()?)
    }

    /// The wired state, for tests that want to reach past HTTP (e.g. close the database).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight (for at most
    /// `SHUTDOWN_GRACE_SECONDS`).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(address = %self.listener.local_addr()?, metrics = %self.metrics_listener.local_addr()?, "listening");
        // The metrics listener lives as long as the API's: it stops when the API has drained.
        let metrics = tokio::spawn(metrics::serve(
            self.metrics,
            self.metrics_listener,
            std::future::pending(),
        ));
        serve(self.listener, self.router, self.timeouts, shutdown).await;
        metrics.abort();
        tracing::info!("stopped");
        Ok(())
    }
}

/// The pools' connection counts, sampled at each scrape: on SQLite the readers and the one
/// writer, on PostgreSQL the one pool both are.
fn watch_pools(metrics: &Metrics, database: &Database) {
    let pools = database.pools();
    match database.backend() {
        Backend::Sqlite => {
            metrics.watch_pool("read", AnyPool::clone(&pools.read));
            metrics.watch_pool("write", AnyPool::clone(&pools.write));
        }
        Backend::Postgres => metrics.watch_pool("read-write", AnyPool::clone(&pools.write)),
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and
/// drains: the requests in flight get `timeouts.shutdown_grace` to finish, and the
/// connections still open after that are closed.
///
/// This is what `axum::serve` does, plus the timeouts it does not have: hyper-util's
/// connection builder closes a connection whose request headers have not all arrived
/// within `timeouts.header_read` (HTTP/1; a client sending one byte a minute no longer
/// holds a connection for ever), and every request runs under `timeouts.request`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: ServerTimeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let router = router.layer(axum::middleware::from_fn_with_state(
        timeouts.request,
        request_deadline,
    ));
    let mut connection_builder = auto::Builder::new(TokioExecutor::new());
    connection_builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, for one: wait instead of spinning.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Forget the connections that have ended, so the set stays as small as the open ones.
        while connections.try_join_next().is_some() {}
        let router = router.clone();
        // The rate limiter keys on the client's IP, so each request carries the peer address.
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let connection_builder = connection_builder.clone();
        let watcher = graceful.watcher();
        connections.spawn(async move {
            let connection =
                connection_builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(%peer, %error, "connection closed with an error");
            }
        });
    }
    drop(listener);
    let still_open = connections.len();
    if tokio::time::timeout(timeouts.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?timeouts.shutdown_grace,
            still_open,
            "requests still running at the end of the shutdown grace period are cut off"
        );
    }
    connections.shutdown().await;
}

/// The request deadline: a request still unanswered after `deadline` is answered with a
/// 503 problem, and its handler is dropped (a hash already running finishes on its own
/// thread; a database statement is cancelled by the database's own timeout). On SQLite,
/// which has no statement timeout, this is what bounds a slow statement.
async fn request_deadline(
    State(deadline): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    // Both cheap to clone (the URI's parts are reference-counted), kept only for the log.
    let (method, uri) = (request.method().clone(), request.uri().clone());
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%method, path = uri.path(), ?deadline, "request deadline exceeded");
            ApiError::ServiceUnavailable(format!(
                "the request did not complete within {} s; a dependency is unavailable or overloaded",
                deadline.as_secs()
            ))
            .into_response()
        }
    }
}

fn warn_about_generated_secret() {
    tracing::warn!(
        "\n\
        ************************************************************************\n\
        *  JWT_SECRET is not set: using a RANDOM secret generated at start-up. *\n\
        *  Fine for local development; tokens stop working at every restart.   *\n\
        *  NEVER run like this in production: set JWT_SECRET (>= 32 bytes).    *\n\
        ************************************************************************"
    );
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
