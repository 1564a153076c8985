//! The gateway's per-client rate limit (ADR 0013): a token bucket per client IP.
//!
//! EXERCISE 06: not built yet. [`per_client_ip`] hands the routes back unchanged, so one
//! client can flood the gateway and every service behind it. The README's steps build it
//! with `tower_governor`.

use axum::Router;
use service_kit::config::RateLimit;

/// Wraps `routes` in the rate limit `limit` (from `RATE_LIMIT_PER_SECOND` and
/// `RATE_LIMIT_BURST`; `RateLimit::Off` when either is 0).
///
/// EXERCISE 06: write the limiter here. For now every request passes.
pub fn per_client_ip(routes: Router, limit: RateLimit) -> Router {
    if let RateLimit::PerClientIp { per_second, burst } = limit {
        tracing::warn!(
            per_second,
            burst,
            "not built yet (exercise 06): the rate limit is configured but NOT applied"
        );
    }
    routes
}
