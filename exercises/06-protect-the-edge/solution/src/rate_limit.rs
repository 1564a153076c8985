//! The gateway's per-client rate limit (ADR 0013): a token bucket per client IP.
//!
//! EXERCISE 06 (solved): each client IP has a bucket of `burst` tokens, refilled at
//! `per_second` tokens a second; a request takes one token, and a request that finds the
//! bucket empty gets a 429 problem with `Retry-After` (whole seconds until a token is
//! back). Keying on the peer IP is why the server is started with connect info
//! (`service_kit::startup`); behind another proxy every client would share its IP.

use std::{sync::Arc, time::Duration};

use axum::{Router, body::Body, http::Response, response::IntoResponse};
use service_kit::{config::RateLimit, error::ApiError};
use tower_governor::{
    GovernorError, GovernorLayer, governor::GovernorConfigBuilder,
    key_extractor::PeerIpKeyExtractor,
};

/// Wraps `routes` in the rate limit `limit` (from `RATE_LIMIT_PER_SECOND` and
/// `RATE_LIMIT_BURST`; `RateLimit::Off` when either is 0).
pub fn per_client_ip(routes: Router, limit: RateLimit) -> Router {
    let RateLimit::PerClientIp { per_second, burst } = limit else {
        return routes;
    };
    // tower_governor's `per_second(n)` means "one token every n seconds"; we want n tokens
    // per second, so the period between two tokens is 1 s / n.
    let config = Duration::from_secs(1)
        .checked_div(per_second)
        .and_then(|period| {
            GovernorConfigBuilder::default()
                .key_extractor(PeerIpKeyExtractor)
                .period(period)
                .burst_size(burst)
                .finish()
        });
    let Some(config) = config else {
        // Only a zero rate or burst gets here, and the settings turn those into `Off`.
        tracing::error!(
            per_second,
            burst,
            "invalid rate limit; rate limiting is OFF"
        );
        return routes;
    };
    let config = Arc::new(config);

    // One bucket per client IP: every minute, drop the buckets that are full again, so the
    // map does not grow forever on a long-running gateway.
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
    routes.layer(GovernorLayer::new(config).error_handler(too_many_requests))
}

/// The limiter's refusal as the API's 429 problem, with `Retry-After`.
fn too_many_requests(error: GovernorError) -> Response<Body> {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => ApiError::TooManyRequests {
            // `Retry-After: 0` would invite an immediate retry that is refused again.
            retry_after_seconds: wait_time.max(1),
        }
        .into_response(),
        // No peer address (the server was started without connect info), or another failure.
        other => {
            ApiError::Internal(anyhow::anyhow!("rate limiter failed: {other}")).into_response()
        }
    }
}
