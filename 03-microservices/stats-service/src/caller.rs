//! The caller of the request being served, as the outbound call to task-service needs it.
//!
//! The stats module asks its `TaskCounts` seam for an owner's counts, and nothing more: its
//! signatures know no tokens and no request ids, because in phase 02 there is no network.
//! task-service, however, wants the caller's own token (it verifies it again), and the
//! request id should go along so both services log the call under one id. So this layer
//! keeps both for the duration of the request (a tokio task-local), where the seam's
//! adapter reads them; and when the adapter had to answer with last known counts, the
//! layer marks the response stale on its way out. Composition around the module, not an
//! edit of it.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};
use service_kit::{auth::bearer_token, middleware::REQUEST_ID_HEADER};

/// Set to `true` on statistics served from the last known state.
pub const STALE_HEADER: HeaderName = HeaderName::from_static("x-stats-stale");

/// The largest body this layer rewrites: statistics are a few hundred bytes.
const MAX_STATS_BODY: usize = 64 * 1024;

tokio::task_local! {
    static CALLER: Caller;
}

/// What the outbound call needs to know about the incoming request.
#[derive(Debug, Default)]
pub struct Caller {
    token: Option<String>,
    request_id: Option<String>,
    served_stale: AtomicBool,
}

impl Caller {
    fn of(request: &Request) -> Self {
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
        };
        Self {
            token: bearer_token(request.headers()).ok().map(str::to_string),
            request_id: header(REQUEST_ID_HEADER).map(str::to_string),
            served_stale: AtomicBool::new(false),
        }
    }

    /// The bearer token and request id of the request being served, or `None` outside a
    /// request wrapped by [`forward_caller`].
    pub fn current() -> Option<(Option<String>, Option<String>)> {
        CALLER
            .try_with(|caller| (caller.token.clone(), caller.request_id.clone()))
            .ok()
    }

    /// Records that the answer being built uses last known counts.
    pub fn mark_stale() {
        let _outside_a_request =
            CALLER.try_with(|caller| caller.served_stale.store(true, Ordering::Relaxed));
    }
}

/// The layer: runs the request with its [`Caller`] in scope, then marks a stale answer with
/// `"stale": true` in the body, `x-stats-stale: true` and `Warning: 110`.
pub async fn forward_caller(request: Request, next: Next) -> Response {
    let caller = Caller::of(&request);
    let (response, stale) = CALLER
        .scope(caller, async {
            let response = next.run(request).await;
            let stale = CALLER.with(|caller| caller.served_stale.load(Ordering::Relaxed));
            (response, stale)
        })
        .await;
    if stale && response.status() == StatusCode::OK {
        mark_stale(response).await
    } else {
        response
    }
}

async fn mark_stale(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_STATS_BODY).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "cannot read the statistics to mark them stale");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut stats)) => {
            stats.insert("stale".into(), true.into());
            serde_json::Value::Object(stats).to_string().into()
        }
        _ => bytes,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(STALE_HEADER, HeaderValue::from_static("true"));
    parts.headers.insert(
        header::WARNING,
        HeaderValue::from_static("110 - \"Response is Stale\""),
    );
    Response::from_parts(parts, Body::from(body))
}
