//! The edge: layers every request passes through before it reaches a route.
//!
//! Outermost first: the request is timed for its `Server-Timing` header, a request id is
//! assigned (or the client's kept), the request is logged with it, a panic anywhere below
//! becomes a 500 problem instead of a dropped connection, and the per-client rate limit is
//! applied. Timing comes first so that every answer carries the header, the rate limiter's
//! 429 and a panic's 500 included.

use std::{any::Any, sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    extract::MatchedPath,
    http::{HeaderName, Request, Response},
    response::IntoResponse,
};
use tower::ServiceBuilder;
use tower_governor::{GovernorError, GovernorLayer, governor::GovernorConfigBuilder};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{config::RateLimit, error::ApiError, server_timing::ServerTimingLayer, telemetry};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// This process's own entry in `Server-Timing`, next to `db` and (phase 02) its modules'.
pub const SERVER_TIMING: ServerTimingLayer = ServerTimingLayer::new("app").with_database();

pub fn edge(routes: Router, rate_limit: RateLimit) -> Router {
    let routes = match rate_limit {
        RateLimit::Off => routes,
        RateLimit::PerClientIp { per_second, burst } => {
            limit_rate_per_client_ip(routes, per_second, burst)
        }
    };
    routes.layer(
        ServiceBuilder::new()
            .layer(SERVER_TIMING)
            .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|request: &Request<Body>| {
                        let request_id = request
                            .headers()
                            .get(REQUEST_ID_HEADER)
                            .and_then(|value| value.to_str().ok())
                            .unwrap_or("-");
                        // The layer runs after routing, so the route template is known.
                        let route = request
                            .extensions()
                            .get::<MatchedPath>()
                            .map(MatchedPath::as_str);
                        telemetry::request_span(
                            request.method(),
                            route,
                            request.headers(),
                            request_id,
                        )
                    })
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
            .layer(CatchPanicLayer::custom(panic_to_problem)),
    )
}

/// A token bucket per client IP: `per_second` tokens refill each second, up to `burst`.
/// It needs the peer address, so the server must be started with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
fn limit_rate_per_client_ip(routes: Router, per_second: u32, burst: u32) -> Router {
    // tower_governor's `per_second(n)` means "one token every n seconds"; we want n per second.
    let config = Duration::from_secs(1)
        .checked_div(per_second)
        .and_then(|period| {
            GovernorConfigBuilder::default()
                .period(period)
                .burst_size(burst)
                .finish()
        });
    let Some(config) = config else {
        // Only a zero period or burst gets here, and `Settings` turns those into `Off`.
        tracing::error!(
            per_second,
            burst,
            "invalid rate limit; rate limiting is OFF"
        );
        return routes;
    };
    let config = Arc::new(config);

    // The limiter keeps one bucket per client IP. Every minute, drop the buckets that are
    // full again, so the map does not grow forever on a long-running server.
    let limiter = Arc::downgrade(config.limiter());
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut every_minute = tokio::time::interval(Duration::from_secs(60));
            loop {
                every_minute.tick().await;
                match limiter.upgrade() {
                    Some(limiter) => limiter.retain_recent(),
                    None => break, // the router was dropped
                }
            }
        });
    }
    routes.layer(GovernorLayer::new(config).error_handler(rate_limit_problem))
}

fn rate_limit_problem(error: GovernorError) -> Response<Body> {
    match error {
        GovernorError::TooManyRequests { wait_time, headers } => {
            let mut response = ApiError::TooManyRequests {
                retry_after_seconds: wait_time.max(1),
            }
            .into_response();
            // Keep the limiter's informational headers (x-ratelimit-after) too.
            if let Some(headers) = headers {
                for (name, value) in &headers {
                    response.headers_mut().entry(name).or_insert(value.clone());
                }
            }
            response
        }
        other => {
            ApiError::Internal(anyhow::anyhow!("rate limiter failed: {other}")).into_response()
        }
    }
}

fn panic_to_problem(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::Internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}
