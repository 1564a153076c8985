//! Forwarding: which service owns a path, and relaying a request to it and its answer back.
//!
//! A request's method, path, query, headers (`Authorization` and `x-request-id` included)
//! and body go to the owning service; its status, headers and body come back, the body
//! streamed as it arrives. Hop-by-hop headers (`Connection`, `Transfer-Encoding`, ...) are
//! the one connection's business and are not relayed. Request bodies are read first, up to
//! the API's 64 KiB limit (413 beyond it), so an oversized body never reaches a service.
//! The service's `Server-Timing` header is not relayed as it is: its entries join the
//! gateway's own, under the service's name (`task-service`, `task-service.db`).
//!
//! When the service cannot answer, the client gets a problem document naming it:
//! refused connection → 503, no answer within `UPSTREAM_TIMEOUT_MS` → 504, anything else
//! → 502. A path no service owns, `/internal/*` included, is a 404 here.

use std::{net::SocketAddr, time::Instant};

use axum::{
    body::{Body, to_bytes},
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, header},
    response::{IntoResponse, Response},
};
use service_kit::{
    error::ApiError,
    metrics::{OutboundMetrics, Outcome},
    routing::MAX_BODY_BYTES,
    server_timing, telemetry,
};

use tracing::Instrument;

use crate::{config::Upstreams, state::AppState};

/// The API's route templates, as the services' routers name them. The gateway routes each
/// to [`forward`], as it does any other path, so that axum knows the template: the request's
/// span and its `/metrics` series carry it (`/api/v1/tasks/{id}`), the label the service
/// gives the same request, never the raw path. A path under a service's prefix that matches
/// none (`/api/v1/tasks/7/x`) is forwarded all the same, and counted as `unmatched`. A test
/// holds the list to the services' OpenAPI documents.
pub const API_ROUTES: [&str; 8] = [
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/users/me",
    "/api/v1/tasks",
    "/api/v1/tasks/{id}",
    "/api/v1/tasks/{id}/status",
    "/api/v1/tasks/{id}/toggle",
    "/api/v1/stats",
];

/// A service behind the gateway and the path prefixes it owns.
#[derive(Clone, Debug)]
pub struct Upstream {
    pub name: &'static str,
    pub base_url: String,
    prefixes: &'static [&'static str],
}

impl Upstream {
    /// One entry of a routing table: `name` owns every path under `prefixes`. The
    /// exercises (`exercises/03-strangle-the-first-service`) build their own tables with it.
    pub fn new(
        name: &'static str,
        base_url: impl Into<String>,
        prefixes: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            base_url: base_url.into(),
            prefixes,
        }
    }

    /// The routing table: every public path prefix of the API and its owner.
    pub fn all(urls: &Upstreams) -> Vec<Self> {
        vec![
            Self {
                name: "user-service",
                base_url: urls.users.clone(),
                prefixes: &["/api/v1/auth", "/api/v1/users"],
            },
            Self {
                name: "task-service",
                base_url: urls.tasks.clone(),
                prefixes: &["/api/v1/tasks"],
            },
            Self {
                name: "stats-service",
                base_url: urls.stats.clone(),
                prefixes: &["/api/v1/stats"],
            },
        ]
    }

    /// `/api/v1/tasks` owns `/api/v1/tasks` and `/api/v1/tasks/...`, not `/api/v1/tasksx`.
    fn serves(&self, path: &str) -> bool {
        self.route_of(path).is_some()
    }

    /// What a span names a request for `path` by when it matches none of [`API_ROUTES`]: the
    /// prefix it falls under, `/*` added when the path goes on (`/api/v1/tasks/*`), so there
    /// is one name per prefix, not one per id.
    pub fn route_of(&self, path: &str) -> Option<String> {
        self.prefixes.iter().find_map(|prefix| {
            let rest = path.strip_prefix(prefix)?;
            if rest.is_empty() {
                Some(prefix.to_string())
            } else {
                rest.starts_with('/').then(|| format!("{prefix}/*"))
            }
        })
    }
}

/// The service that owns `path`, if any. A path with dot segments (`/api/v1/tasks/../..`,
/// also percent-encoded) or backslashes is nobody's: URL normalisation would otherwise
/// turn it into a path the prefix check never saw, such as `/internal/...`.
pub fn upstream_for<'a>(upstreams: &'a [Upstream], path: &str) -> Option<&'a Upstream> {
    let plain = !path.contains('\\')
        && path.split('/').all(|segment| {
            let segment = segment.to_ascii_lowercase().replace("%2e", ".");
            segment != "." && segment != ".."
        });
    if !plain {
        return None;
    }
    upstreams.iter().find(|upstream| upstream.serves(path))
}

/// Every request no gateway route of its own answers: [`API_ROUTES`] and the fallback.
pub async fn forward(State(state): State<AppState>, request: Request) -> Response {
    let Some(upstream) = upstream_for(&state.upstreams, request.uri().path()) else {
        return ApiError::NotFound("no such route".into()).into_response();
    };
    match relay(&state.http, &state.metrics.outbound(), upstream, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn relay(
    http: &reqwest::Client,
    metrics: &OutboundMetrics,
    upstream: &Upstream,
    request: Request,
) -> Result<Response, ApiError> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    let (parts, body) = request.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |value| value.as_str());
    let url = reqwest::Url::parse(&format!("{}{path_and_query}", upstream.base_url))
        .map_err(|_| ApiError::NotFound("no such route".into()))?;
    // The only error reading a body can give a client is that it was too long.
    let body = to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;

    let mut headers = parts.headers;
    remove_hop_by_hop(&mut headers);
    headers.remove(header::HOST);
    if let Some(ip) = peer.and_then(|ip| HeaderValue::from_str(&ip.to_string()).ok()) {
        headers.append(X_FORWARDED_FOR, ip);
    }
    // The template the request matched, as its server span has it; a path that matched
    // none is named by the prefix it falls under.
    let route = match parts.extensions.get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_owned(),
        None => upstream.route_of(parts.uri.path()).unwrap_or_default(),
    };
    let call = telemetry::client_span(&parts.method, upstream.name, &route);
    telemetry::inject_trace(&call, &mut headers);
    let mut outgoing = http.request(parts.method, url).headers(headers);
    if !body.is_empty() {
        outgoing = outgoing.body(body);
    }
    // Timed to the answer's head: the body streams on to the client after that.
    let started = Instant::now();
    let answer = outgoing
        .send()
        .instrument(call.clone())
        .await
        .map_err(|error| {
            telemetry::record_failure(&call);
            let outcome = if error.is_timeout() {
                Outcome::Timeout
            } else {
                Outcome::TransportError
            };
            metrics.observe(upstream.name, outcome, started.elapsed());
            upstream_error(upstream.name, &error)
        })?;
    metrics.observe(
        upstream.name,
        Outcome::of_status(answer.status()),
        started.elapsed(),
    );
    telemetry::record_status(&call, answer.status());

    let status = answer.status();
    let mut headers = answer.headers().clone();
    remove_hop_by_hop(&mut headers);
    server_timing::record_callee(upstream.name, &headers);
    headers.remove(server_timing::SERVER_TIMING);
    let mut response = Response::new(Body::from_stream(answer.bytes_stream()));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Headers that describe one connection (RFC 9110 §7.6.1), plus any the `Connection`
/// header names: never relayed.
fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        header::CONNECTION,
        header::PROXY_AUTHENTICATE,
        header::PROXY_AUTHORIZATION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        HeaderName::from_static("keep-alive"),
    ] {
        headers.remove(name);
    }
}

/// What the client is told when `service` gives no answer: that a dependency failed, and
/// how; which service, its address and the error stay in the log (issue 15: nothing about
/// the inside leaks to clients).
fn upstream_error(service: &str, error: &reqwest::Error) -> ApiError {
    tracing::warn!(service, %error, "forwarding failed");
    if error.is_timeout() {
        ApiError::GatewayTimeout("a dependency did not answer in time; try again shortly".into())
    } else if error.is_connect() {
        ApiError::ServiceUnavailable("a dependency is unavailable; try again shortly".into())
    } else {
        ApiError::BadGateway("a dependency failed to answer".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstreams() -> Vec<Upstream> {
        Upstream::all(&Upstreams {
            users: "http://users".into(),
            tasks: "http://tasks".into(),
            stats: "http://stats".into(),
        })
    }

    fn owner(path: &str) -> Option<&'static str> {
        upstream_for(&upstreams(), path).map(|upstream| upstream.name)
    }

    #[test]
    fn paths_route_by_prefix() {
        assert_eq!(owner("/api/v1/auth/login"), Some("user-service"));
        assert_eq!(owner("/api/v1/users/me"), Some("user-service"));
        assert_eq!(owner("/api/v1/tasks"), Some("task-service"));
        assert_eq!(owner("/api/v1/tasks/7/toggle"), Some("task-service"));
        assert_eq!(owner("/api/v1/stats"), Some("stats-service"));
    }

    #[test]
    fn spans_name_a_route_not_a_path() {
        let upstreams = upstreams();
        let route = |path: &str| upstream_for(&upstreams, path).and_then(|u| u.route_of(path));
        assert_eq!(route("/api/v1/stats").as_deref(), Some("/api/v1/stats"));
        assert_eq!(
            route("/api/v1/tasks/7/toggle").as_deref(),
            Some("/api/v1/tasks/*")
        );
        assert_eq!(route("/api/v1/tasks/8").as_deref(), Some("/api/v1/tasks/*"));
        assert_eq!(route("/api/v1/tasksx"), None);
    }

    #[test]
    fn the_api_routes_are_the_services_operations_each_forwarded_to_its_owner() {
        use std::collections::BTreeSet;

        use utoipa::OpenApi;

        let documents = [
            ("user-service", identity::ApiDoc::openapi()),
            ("task-service", tasks::ApiDoc::openapi()),
            ("stats-service", stats::ApiDoc::openapi()),
        ];
        let mut documented = BTreeSet::new();
        for (service, document) in documents {
            for path in document.paths.paths.keys() {
                assert_eq!(owner(path), Some(service), "{path}");
                documented.insert(path.clone());
            }
        }
        let routed: BTreeSet<String> = API_ROUTES.iter().map(|route| route.to_string()).collect();
        assert_eq!(routed, documented);
    }

    #[test]
    fn internal_and_unknown_paths_are_nobodys() {
        for path in [
            "/internal/v1/task-counts",
            "/api/v1/tasksx",
            "/api/v2/tasks",
            "/",
            "/api/v1/tasks/../../internal/v1/task-counts",
            "/api/v1/tasks/%2e%2E/%2e./internal/v1/task-counts",
            "/api/v1/tasks/.",
            "/api/v1/tasks\\..\\..\\internal",
        ] {
            assert_eq!(owner(path), None, "{path}");
        }
    }

    #[test]
    fn hop_by_hop_headers_are_dropped() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, x-secret"),
        );
        headers.insert("x-secret", HeaderValue::from_static("1"));
        headers.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        remove_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key(header::AUTHORIZATION));
    }
}
