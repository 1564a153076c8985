//! Metrics: every process serves `GET /metrics` in the Prometheus text format, on a listener of
//! its own (`METRICS_PORT`, by default `PORT` + 1000), never on the API port. Metrics are for
//! whoever operates the system; an API client has no business reading them, and a gateway
//! that forwarded them would show every route and every error rate to the internet.
//!
//! | metric | type | labels | what it counts |
//! |---|---|---|---|
//! | `http_requests_total` | counter | `method`, `route`, `status` | every answer; `route` is the template (`/api/v1/tasks/{id}`), never the raw path, so the number of series stays bounded |
//! | `http_request_duration_seconds` | histogram | `method`, `route`, `status` | from the request's arrival to its response's head |
//! | `outbound_request_duration_seconds` | histogram | `peer`, `outcome` | each call to another process (phase 03), per attempt |
//! | `outbound_retries_total` | counter | `peer` | attempts after the first |
//! | `circuit_breaker_state` | gauge | `peer` | 0 closed, 1 half-open, 2 open |
//! | `db_pool_connections` | gauge | `pool`, `state` | the pool's open connections, `idle` or `in_use` |
//! | `db_pool_max_connections` | gauge | `pool` | the most the pool will open |
//! | `password_hashing_queue_depth` | gauge | | logins and registrations waiting for a hashing slot |
//!
//! One [`Metrics`] per application: the registry, and the handles the code records into.
//! Recording a request is one map look-up and a few atomic additions; nothing is formatted
//! until Prometheus scrapes. Values that are only read (a pool's size, a queue's depth) are
//! sampled at the scrape, so they cost nothing in between. Each application has its own
//! registry rather than a global one, so the many applications a test process starts do not
//! count each other's requests.

use std::{
    fmt::{self, Write as _},
    sync::{Arc, Mutex, OnceLock, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use prometheus_client::{
    encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder, prometheus_text},
    metrics::{
        counter::Counter,
        family::{Family, MetricConstructor},
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// What Prometheus expects for the text format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route of a request that matched none: one label value for every unknown path, so a
/// scanner probing random paths cannot create series without bound.
const UNMATCHED_ROUTE: &str = "unmatched";

/// A process's metrics: cheap to clone, every clone records into the same registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    /// Locked only to register a metric (at start-up) and to encode (at a scrape).
    registry: Mutex<Registry>,
    /// Read at every scrape, just before encoding: pool sizes, queue depths.
    samplers: Mutex<Vec<Box<dyn Fn() + Send + Sync>>>,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram, Buckets>,
    outbound: OnceLock<OutboundMetrics>,
    pools: OnceLock<PoolMetrics>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with the request metrics every process has.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route template and status",
            requests.clone(),
        );
        let durations = Family::new_with_constructor(Buckets);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response's head",
            durations.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry: Mutex::new(registry),
                samplers: Mutex::default(),
                requests,
                durations,
                outbound: OnceLock::new(),
                pools: OnceLock::new(),
            }),
        }
    }

    /// `router` with every request counted and timed. Put it on the finished router: a layer
    /// added with `Router::layer` runs after routing, where the route template is known.
    pub fn record_requests(&self, router: Router) -> Router {
        router.layer(axum::middleware::from_fn_with_state(
            self.clone(),
            record_request,
        ))
    }

    /// The router of the metrics listener: `GET /metrics` and nothing else.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/metrics", get(scrape))
            .with_state(self.clone())
    }

    /// Every metric in the Prometheus text format (version 0.0.4), sampled values fresh.
    pub fn render(&self) -> String {
        for sample in self
            .inner
            .samplers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            sample();
        }
        let mut text = String::new();
        let registry = self
            .inner
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = prometheus_text::encode(&mut text, &registry) {
            // Writing into a String cannot fail; a metric that cannot be encoded is our bug.
            tracing::error!(%error, "cannot encode the metrics");
        }
        text
    }

    /// `password_hashing_queue_depth`: the logins and registrations waiting for a hashing
    /// slot, as `depth` tells at each scrape. Above zero for long, the cores hash slower
    /// than logins arrive (`HASH_SLOTS`), and at `HASH_QUEUE_MAX` the next one is refused.
    pub fn watch_hashing_queue(&self, depth: impl Fn() -> usize + Send + Sync + 'static) {
        self.gauge_fn(
            "password_hashing_queue_depth",
            "Logins and registrations waiting for a password-hashing slot",
            move || i64::try_from(depth()).unwrap_or(i64::MAX),
        );
    }

    /// A gauge whose value `read` gives at each scrape.
    fn gauge_fn(
        &self,
        name: &'static str,
        help: &'static str,
        read: impl Fn() -> i64 + Send + Sync + 'static,
    ) {
        let gauge = Gauge::<i64>::default();
        self.register(name, help, gauge.clone());
        self.on_scrape(move || {
            gauge.set(read());
        });
    }

    /// Connection counts of `pool`, labelled `pool="<name>"`, sampled at each scrape.
    pub fn watch_pool(&self, name: &'static str, pool: sqlx::AnyPool) {
        let metrics = self.inner.pools.get_or_init(|| PoolMetrics::register(self));
        let (connections, max) = (metrics.connections.clone(), metrics.max.clone());
        self.on_scrape(move || {
            let open = i64::from(pool.size());
            // `num_idle` and `size` are read one after the other; clamp so that a connection
            // opened in between never shows as a negative number in use.
            let idle = i64::try_from(pool.num_idle()).unwrap_or(open).min(open);
            let state = |state| PoolStateLabels { pool: name, state };
            connections.get_or_create(&state("idle")).set(idle);
            connections.get_or_create(&state("in_use")).set(open - idle);
            max.get_or_create(&PoolLabels { pool: name })
                .set(i64::from(pool.options().get_max_connections()));
        });
    }

    /// The metrics of calls to other processes, registered on first use.
    pub fn outbound(&self) -> OutboundMetrics {
        self.inner
            .outbound
            .get_or_init(|| OutboundMetrics::register(self))
            .clone()
    }

    fn register(
        &self,
        name: &'static str,
        help: &'static str,
        metric: impl prometheus_client::registry::Metric,
    ) {
        self.inner
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .register(name, help, metric);
    }

    fn on_scrape(&self, sample: impl Fn() + Send + Sync + 'static) {
        self.inner
            .samplers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(sample));
    }
}

/// The middleware behind [`Metrics::record_requests`].
async fn record_request(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = HttpMethod(request.method().clone());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    let labels = RequestLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    metrics.inner.requests.get_or_create(&labels).inc();
    metrics
        .inner
        .durations
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

async fn scrape(State(metrics): State<Metrics>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        metrics.render(),
    )
}

/// Serves [`Metrics::router`] on `listener` until `shutdown` completes.
pub async fn serve(
    metrics: Metrics,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, metrics.router())
        .with_graceful_shutdown(shutdown)
        .await
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    method: HttpMethod,
    route: String,
    status: u16,
}

/// The request's method as a label value (`GET`); cloning a standard method allocates nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct HttpMethod(Method);

impl EncodeLabelValue for HttpMethod {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> fmt::Result {
        encoder.write_str(self.0.as_str())
    }
}

/// Histogram buckets for anything from a cached read to a slow call: 0.1 ms doubling up to
/// about 13 s (18 buckets).
#[derive(Clone, Copy, Debug)]
struct Buckets;

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(exponential_buckets(0.0001, 2.0, 18))
    }
}

// ---------------------------------------------------------------------------------------------
// Calls to other processes (phase 03)
// ---------------------------------------------------------------------------------------------

/// How one attempt at a call to another process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// An answer came back; its status class is the outcome (`2xx` ... `5xx`).
    Status2xx,
    Status3xx,
    Status4xx,
    Status5xx,
    /// No answer: the connection failed or broke.
    TransportError,
    /// No answer within the call's timeout.
    Timeout,
    /// Not attempted: the circuit breaker is open.
    Rejected,
}

impl Outcome {
    /// The outcome of an answer with `status`.
    pub fn of_status(status: StatusCode) -> Self {
        match status.as_u16() {
            200..=299 => Self::Status2xx,
            300..=399 => Self::Status3xx,
            400..=499 => Self::Status4xx,
            _ => Self::Status5xx,
        }
    }

    /// The label value Prometheus shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Status2xx => "2xx",
            Self::Status3xx => "3xx",
            Self::Status4xx => "4xx",
            Self::Status5xx => "5xx",
            Self::TransportError => "transport_error",
            Self::Timeout => "timeout",
            Self::Rejected => "rejected",
        }
    }
}

impl EncodeLabelValue for Outcome {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> fmt::Result {
        encoder.write_str(self.as_str())
    }
}

/// A circuit breaker's state, as the gauge shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}

/// The handles a client records its calls into: one per process, shared by its clients.
#[derive(Clone)]
pub struct OutboundMetrics {
    durations: Family<OutboundLabels, Histogram, Buckets>,
    retries: Family<PeerLabels, Counter>,
    breaker: Family<PeerLabels, Gauge>,
}

impl OutboundMetrics {
    fn register(metrics: &Metrics) -> Self {
        let outbound = Self {
            durations: Family::new_with_constructor(Buckets),
            retries: Family::default(),
            breaker: Family::default(),
        };
        metrics.register(
            "outbound_request_duration_seconds",
            "Time of one attempt at a call to another process, by callee and outcome",
            outbound.durations.clone(),
        );
        metrics.register(
            "outbound_retries",
            "Attempts after the first at a call to another process",
            outbound.retries.clone(),
        );
        metrics.register(
            "circuit_breaker_state",
            "The circuit breaker in front of a callee: 0 closed, 1 half-open, 2 open",
            outbound.breaker.clone(),
        );
        outbound
    }

    /// One attempt at a call to `peer`, which ended with `outcome` after `elapsed`.
    pub fn observe(&self, peer: &str, outcome: Outcome, elapsed: Duration) {
        self.durations
            .get_or_create(&OutboundLabels {
                peer: peer.to_owned(),
                outcome,
            })
            .observe(elapsed.as_secs_f64());
    }

    /// An attempt after the first at a call to `peer`.
    pub fn retry(&self, peer: &str) {
        self.retries.get_or_create(&PeerLabels::of(peer)).inc();
    }

    /// The breaker in front of `peer` is now in `state`.
    pub fn breaker(&self, peer: &str, state: BreakerState) {
        self.breaker
            .get_or_create(&PeerLabels::of(peer))
            .set(state as i64);
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OutboundLabels {
    peer: String,
    outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PeerLabels {
    peer: String,
}

impl PeerLabels {
    fn of(peer: &str) -> Self {
        Self {
            peer: peer.to_owned(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Database pools
// ---------------------------------------------------------------------------------------------

struct PoolMetrics {
    connections: Family<PoolStateLabels, Gauge>,
    max: Family<PoolLabels, Gauge>,
}

impl PoolMetrics {
    fn register(metrics: &Metrics) -> Self {
        let pools = Self {
            connections: Family::default(),
            max: Family::default(),
        };
        metrics.register(
            "db_pool_connections",
            "Open connections of a database pool, idle or in use",
            pools.connections.clone(),
        );
        metrics.register(
            "db_pool_max_connections",
            "The most connections a database pool opens",
            pools.max.clone(),
        );
        pools
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PoolStateLabels {
    pool: &'static str,
    /// `idle` or `in_use`.
    state: &'static str,
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::{body::Body, http::Request as HttpRequest};
    use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};
    use tower::ServiceExt;

    use super::*;

    type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

    /// The text of `metrics`, read back by a Prometheus text-format parser.
    fn parsed(metrics: &Metrics) -> Exposition {
        let text = metrics.render();
        openmetrics_parser::prometheus::parse_prometheus(&text)
            .unwrap_or_else(|error| panic!("not the Prometheus text format ({error:?}):\n{text}"))
    }

    /// The number in the one sample of `family` whose labels include every pair of `labels`:
    /// a counter's or gauge's value, a histogram's count of observations; `None` when there is
    /// no such sample.
    fn value(exposition: &Exposition, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut found = exposition
            .families
            .get(family)?
            .iter_samples()
            .filter(|sample| {
                let set = sample.get_labelset().expect("a label set");
                labels
                    .iter()
                    .all(|(key, value)| set.get_label_value(key) == Some(*value))
            });
        let sample = found.next()?;
        assert!(
            found.next().is_none(),
            "{family}{labels:?} names several series"
        );
        Some(match &sample.value {
            PrometheusValue::Counter(counter) => counter.value.as_f64(),
            PrometheusValue::Gauge(gauge) => gauge.as_f64(),
            PrometheusValue::Histogram(histogram) => histogram
                .buckets
                .iter()
                .find(|bucket| bucket.upper_bound == f64::INFINITY)
                .map_or(0.0, |bucket| bucket.count.as_f64()),
            other => panic!("{family}{labels:?} is {other:?}"),
        })
    }

    async fn send(router: &Router, path: &str) -> StatusCode {
        let request = HttpRequest::get(path)
            .body(Body::empty())
            .expect("a request");
        router
            .clone()
            .oneshot(request)
            .await
            .expect("an answer")
            .status()
    }

    #[tokio::test]
    async fn requests_are_counted_by_route_template_and_status() {
        let metrics = Metrics::new();
        let router = metrics.record_requests(
            Router::new()
                .route("/health", get(|| async { "ok" }))
                .route("/tasks/{id}", get(|| async { StatusCode::UNAUTHORIZED })),
        );
        for _ in 0..3 {
            assert_eq!(send(&router, "/health").await, StatusCode::OK);
        }
        for path in ["/tasks/1", "/tasks/2"] {
            assert_eq!(send(&router, path).await, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(send(&router, "/no/such/route").await, StatusCode::NOT_FOUND);

        let scrape = parsed(&metrics);
        let count = |route, status| {
            value(
                &scrape,
                "http_requests_total",
                &[("method", "GET"), ("route", route), ("status", status)],
            )
        };
        assert_eq!(count("/health", "200"), Some(3.0));
        // Two ids, one template: one series.
        assert_eq!(count("/tasks/{id}", "401"), Some(2.0));
        assert_eq!(count("/tasks/1", "401"), None);
        assert_eq!(count(UNMATCHED_ROUTE, "404"), Some(1.0));
        let health = [("method", "GET"), ("route", "/health"), ("status", "200")];
        assert_eq!(
            value(&scrape, "http_request_duration_seconds", &health),
            Some(3.0)
        );
    }

    #[tokio::test]
    async fn the_metrics_router_serves_the_text_format_at_metrics_only() {
        let metrics = Metrics::new();
        let router = metrics.router();
        let response = router
            .clone()
            .oneshot(
                HttpRequest::get("/metrics")
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await
            .expect("an answer");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
        assert_eq!(send(&router, "/api/v1/tasks").await, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn outbound_calls_retries_and_the_breaker_are_recorded_per_callee() {
        let metrics = Metrics::new();
        let outbound = metrics.outbound();
        outbound.observe(
            "task-service",
            Outcome::TransportError,
            Duration::from_millis(3),
        );
        outbound.retry("task-service");
        outbound.observe(
            "task-service",
            Outcome::of_status(StatusCode::OK),
            Duration::from_millis(2),
        );
        outbound.breaker("task-service", BreakerState::Open);

        let scrape = parsed(&metrics);
        let peer = ("peer", "task-service");
        for outcome in ["transport_error", "2xx"] {
            assert_eq!(
                value(
                    &scrape,
                    "outbound_request_duration_seconds",
                    &[peer, ("outcome", outcome)]
                ),
                Some(1.0),
                "{outcome}"
            );
        }
        assert_eq!(value(&scrape, "outbound_retries_total", &[peer]), Some(1.0));
        assert_eq!(value(&scrape, "circuit_breaker_state", &[peer]), Some(2.0));
    }

    #[tokio::test]
    async fn pools_and_gauges_are_read_at_each_scrape() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(3)
            .connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        let metrics = Metrics::new();
        metrics.watch_pool("read", pool.clone());
        let depth = Arc::new(AtomicUsize::new(0));
        let read = depth.clone();
        metrics.watch_hashing_queue(move || read.load(Ordering::Relaxed));

        let held = pool.acquire().await.expect("a connection");
        depth.store(4, Ordering::Relaxed);
        let scrape = parsed(&metrics);
        assert_eq!(
            value(
                &scrape,
                "db_pool_connections",
                &[("pool", "read"), ("state", "in_use")]
            ),
            Some(1.0)
        );
        assert_eq!(
            value(&scrape, "db_pool_max_connections", &[("pool", "read")]),
            Some(3.0)
        );
        assert_eq!(
            value(&scrape, "password_hashing_queue_depth", &[]),
            Some(4.0)
        );

        // A connection goes back to its pool in a task of its own: wait until it has.
        drop(held);
        depth.store(0, Ordering::Relaxed);
        for _ in 0..100 {
            if pool.num_idle() == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let scrape = parsed(&metrics);
        assert_eq!(
            value(
                &scrape,
                "db_pool_connections",
                &[("pool", "read"), ("state", "in_use")]
            ),
            Some(0.0)
        );
        assert_eq!(
            value(&scrape, "password_hashing_queue_depth", &[]),
            Some(0.0)
        );
    }
}
