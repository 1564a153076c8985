//! Binding a port and serving a router until Ctrl-C or SIGTERM: the same for every service.
//! Each service's own `startup.rs` builds its router and hands it to [`Application::bind`].
//! Serving has the server's timeouts: for a request's headers, for its answer, and for the
//! requests still in flight when the service is told to stop.

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

use crate::{
    config::{FromEnv, Listen, ServerTimeouts},
    error::ApiError,
    metrics::{self, Metrics},
};

/// Every service's `main`: logging, settings from the environment, `build`, then serve
/// until Ctrl-C or SIGTERM. A setting that is present but invalid stops it with a message.
pub fn run<S, F, Fut>(build: F) -> anyhow::Result<()>
where
    S: FromEnv,
    F: FnOnce(S) -> Fut,
    Fut: Future<Output = anyhow::Result<Application>>,
{
    // Kept until the runtime has stopped: dropping it exports the spans still queued.
    let _telemetry = crate::telemetry::init()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let settings = S::from_env()?;
            build(settings).await?.run_until_stopped().await
        })
}

/// A bound, ready-to-serve service.
pub struct Application {
    service: &'static str,
    listener: TcpListener,
    router: Router,
    timeouts: ServerTimeouts,
    late: LateAnswer,
    /// `/metrics` has a listener of its own (`METRICS_PORT`), never the API's.
    metrics: Metrics,
    metrics_listener: TcpListener,
}

/// What a request that outlives its deadline is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LateAnswer {
    /// 503: this service took too long (a service's own work).
    ServiceUnavailable,
    /// 504: the service upstream took too long (the gateway, which only waits for others).
    GatewayTimeout,
}

impl Application {
    /// Binds `host:port`. Port 0 picks a free port, which is how tests run many side by side.
    pub async fn bind(
        service: &'static str,
        listen: Listen,
        router: Router,
    ) -> anyhow::Result<Self> {
        let address = SocketAddr::new(listen.host, listen.port);
        let listener = TcpListener::bind(address).await.with_context(|| {
            format!("{service} cannot listen on {address}: is something already running there? Set PORT to use another port")
        })?;
        let metrics_address = SocketAddr::new(listen.host, listen.metrics_port);
        let metrics_listener = TcpListener::bind(metrics_address).await.with_context(|| {
            format!("{service} cannot serve /metrics on {metrics_address}: is something already running there? Set METRICS_PORT to use another port")
        })?;
        Ok(Self {
            service,
            listener,
            router,
            timeouts: ServerTimeouts::default(),
            late: LateAnswer::ServiceUnavailable,
            metrics: Metrics::new(),
            metrics_listener,
        })
    }

    /// The registry `/metrics` shows, for a service that records more than its requests
    /// (its pools, its calls to other services); a fresh one until this is called.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The service's timeouts (`HTTP_HEADER_TIMEOUT_SECONDS`, `REQUEST_TIMEOUT_SECONDS`,
    /// `SHUTDOWN_GRACE_SECONDS`); their defaults until this is called.
    pub fn with_timeouts(mut self, timeouts: ServerTimeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// How a request past its deadline is answered: 503 unless told otherwise.
    pub fn answering_late_requests_with(mut self, late: LateAnswer) -> Self {
        self.late = late;
        self
    }

    pub fn address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Where `GET /metrics` answers.
    pub fn metrics_address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.metrics_listener.local_addr()?)
    }

    /// Serves in the background (for tests) and returns the base URL, `http://<address>`.
    pub fn spawn(self) -> anyhow::Result<String> {
        let url = format!("http://{}", self.address()?);
        tokio::spawn(self.run_until_stopped());
        Ok(url)
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
        let service = self.service;
        tracing::info!(service, address = %self.listener.local_addr()?, metrics = %self.metrics_listener.local_addr()?, "listening");
        let router = self.router.layer(axum::middleware::from_fn_with_state(
            (self.timeouts.request, self.late),
            request_deadline,
        ));
        // Counted outside the deadline, so a request answered late is counted with its 503.
        let router = self.metrics.record_requests(router);
        // The metrics listener lives as long as the API's: it stops when the API has drained.
        let metrics = tokio::spawn(metrics::serve(
            self.metrics,
            self.metrics_listener,
            std::future::pending(),
        ));
        serve(self.listener, router, self.timeouts, shutdown).await;
        metrics.abort();
        tracing::info!(service, "stopped");
        Ok(())
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and
/// drains: the requests in flight get `timeouts.shutdown_grace` to finish, and the
/// connections still open after that are closed.
///
/// This is what `axum::serve` does, plus the timeout it does not have: hyper-util's
/// connection builder closes a connection whose request headers have not all arrived
/// within `timeouts.header_read` (HTTP/1; a client sending one byte a minute no longer
/// holds a connection for ever). The request deadline is a layer of the router.
async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: ServerTimeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
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
        // Small answers go out at once instead of waiting for the peer's ACK (Nagle):
        // every request here is a hop in a chain, so each hop's latency adds up.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!(%error, "cannot set TCP_NODELAY");
        }
        // Forget the connections that have ended, so the set stays as small as the open ones.
        while connections.try_join_next().is_some() {}
        let router = router.clone();
        // The gateway's rate limiter keys on the client's IP, so requests carry the peer address.
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
/// problem (503, or 504 at the gateway), and its handler is dropped (a hash already
/// running finishes on its own thread; a database statement is cancelled by the
/// database's own timeout). On SQLite, which has no statement timeout, this is what bounds
/// a slow statement.
async fn request_deadline(
    State((deadline, late)): State<(Duration, LateAnswer)>,
    request: Request,
    next: Next,
) -> Response {
    // Both cheap to clone (the URI's parts are reference-counted), kept only for the log.
    let (method, uri) = (request.method().clone(), request.uri().clone());
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%method, path = uri.path(), ?deadline, "request deadline exceeded");
            let seconds = deadline.as_secs();
            match late {
                LateAnswer::ServiceUnavailable => ApiError::ServiceUnavailable(format!(
                    "the request did not complete within {seconds} s; a dependency is unavailable or overloaded"
                )),
                LateAnswer::GatewayTimeout => ApiError::GatewayTimeout(format!(
                    "the services did not answer within {seconds} s; a dependency is unavailable or overloaded"
                )),
            }
            .into_response()
        }
    }
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

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use axum::routing::get as get_route;
    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpStream,
        sync::oneshot,
        task::JoinHandle,
    };

    use super::*;

    fn timeouts(header_read: u64, request: u64, shutdown_grace: u64) -> ServerTimeouts {
        ServerTimeouts {
            header_read: Duration::from_secs(header_read),
            request: Duration::from_secs(request),
            shutdown_grace: Duration::from_secs(shutdown_grace),
        }
    }

    /// A service whose `/slow` answers after `delay`, running until the switch is used.
    async fn running(
        delay: Duration,
        timeouts: ServerTimeouts,
        late: LateAnswer,
    ) -> (
        SocketAddr,
        oneshot::Sender<()>,
        JoinHandle<anyhow::Result<()>>,
    ) {
        let router = Router::new().route(
            "/slow",
            get_route(move || async move {
                tokio::time::sleep(delay).await;
                "done"
            }),
        );
        let listen = Listen {
            host: [127, 0, 0, 1].into(),
            port: 0,
            metrics_port: 0,
        };
        let application = Application::bind("test-service", listen, router)
            .await
            .unwrap()
            .with_timeouts(timeouts)
            .answering_late_requests_with(late);
        let address = application.address().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(application.run_until(async {
            let _ = stopped.await;
        }));
        (address, stop, server)
    }

    /// Sends `GET /slow` over a raw connection and reads until the server closes it:
    /// everything it answered (empty when it closed without an answer).
    async fn get_slow(address: SocketAddr) -> String {
        get(address, "/slow").await
    }

    /// Sends `GET path` over a raw connection and reads until the server closes it.
    async fn get(address: SocketAddr, path: &str) -> String {
        let mut connection = TcpStream::connect(address).await.unwrap();
        connection
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .unwrap();
        let mut answer = Vec::new();
        let _ = connection.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// The count of `GET route` answered `status`.
    fn requests(text: &str, route: &str, status: &str) -> Option<f64> {
        let labels = [("method", "GET"), ("route", route), ("status", status)];
        crate::metrics_text::sample(text, "http_requests_total", &labels)
    }

    #[tokio::test]
    async fn metrics_count_the_requests_on_their_own_port_only() {
        let listen = Listen {
            host: [127, 0, 0, 1].into(),
            port: 0,
            metrics_port: 0,
        };
        let router = Router::new().route("/tasks/{id}", get_route(|| async { "a task" }));
        let application = Application::bind("test-service", listen, router)
            .await
            .unwrap();
        let (api, metrics) = (
            application.address().unwrap(),
            application.metrics_address().unwrap(),
        );
        assert_ne!(api.port(), metrics.port());
        tokio::spawn(application.run_until(std::future::pending()));

        for path in ["/tasks/1", "/tasks/2", "/tasks/3"] {
            assert!(get(api, path).await.starts_with("HTTP/1.1 200"));
        }
        assert!(get(api, "/no/such/route").await.starts_with("HTTP/1.1 404"));
        // The API port has no /metrics, and asking it is one more unmatched request.
        assert!(get(api, "/metrics").await.starts_with("HTTP/1.1 404"));

        let answer = get(metrics, "/metrics").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let (_, text) = answer.split_once("\r\n\r\n").unwrap();
        assert_eq!(requests(text, "/tasks/{id}", "200"), Some(3.0), "{text}");
        assert_eq!(requests(text, "/tasks/1", "200"), None, "{text}");
        assert_eq!(requests(text, "unmatched", "404"), Some(2.0), "{text}");
        // The scrape itself is not an API request.
        assert_eq!(requests(text, "/metrics", "200"), None, "{text}");
    }

    #[tokio::test]
    async fn a_client_that_stops_sending_its_headers_is_disconnected() {
        let (address, _stop, _server) = running(
            Duration::ZERO,
            timeouts(1, 30, 10),
            LateAnswer::ServiceUnavailable,
        )
        .await;
        let mut connection = TcpStream::connect(address).await.unwrap();
        connection
            .write_all(b"GET /slow HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(10), connection.read_to_end(&mut answer))
                .await
                .is_ok();
        assert!(closed, "the connection was still open after 10 s");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_late_request_is_a_503_problem_or_a_504_at_the_gateway() {
        for (late, status) in [
            (LateAnswer::ServiceUnavailable, "503"),
            (LateAnswer::GatewayTimeout, "504"),
        ] {
            let (address, _stop, _server) =
                running(Duration::from_secs(5), timeouts(10, 1, 10), late).await;
            let started = Instant::now();
            let answer = get_slow(address).await;
            assert!(
                started.elapsed() < Duration::from_secs(4),
                "{:?}",
                started.elapsed()
            );
            assert!(
                answer.starts_with(&format!("HTTP/1.1 {status}")),
                "{answer}"
            );
            assert!(answer.contains("application/problem+json"), "{answer}");
            assert!(answer.contains("a dependency is unavailable"), "{answer}");
        }
    }

    #[tokio::test]
    async fn a_shutdown_lets_a_request_in_flight_finish_within_the_grace_period() {
        let (address, stop, server) = running(
            Duration::from_millis(1500),
            timeouts(10, 30, 10),
            LateAnswer::ServiceUnavailable,
        )
        .await;
        let request = tokio::spawn(get_slow(address));
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.send(()).unwrap();
        let answer = request.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("done"), "{answer}");
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("stopped once its requests were done")
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn a_shutdown_cuts_off_what_still_runs_at_the_end_of_the_grace_period() {
        let (address, stop, server) = running(
            Duration::from_secs(20),
            timeouts(10, 30, 1),
            LateAnswer::ServiceUnavailable,
        )
        .await;
        let request = tokio::spawn(get_slow(address));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let stopping = Instant::now();
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("waited past its 1 s grace period")
            .unwrap()
            .unwrap();
        assert!(
            stopping.elapsed() >= Duration::from_millis(900),
            "{:?}",
            stopping.elapsed()
        );
        let answer = tokio::time::timeout(Duration::from_secs(5), request)
            .await
            .expect("the client is told at once")
            .unwrap();
        assert_eq!(answer, "", "cut off without an answer");
        assert!(TcpStream::connect(address).await.is_err());
    }
}
