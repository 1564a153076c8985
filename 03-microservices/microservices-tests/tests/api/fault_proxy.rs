//! A small HTTP proxy for tests, put between two services: it relays every request to its
//! target and the answer back, except that it answers the next `n` requests with a 503 of
//! its own ([`FaultProxy::fail_next`]), as a failing or restarting service would.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicUsize, Ordering},
};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderName, StatusCode, header},
    response::{IntoResponse, Response},
};

pub struct FaultProxy {
    /// Where the calling service is pointed instead of its target.
    pub url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

struct Shared {
    target: OnceLock<String>,
    failures_left: AtomicUsize,
    forwarded: AtomicUsize,
    http: reqwest::Client,
}

impl FaultProxy {
    /// Listens on a free port of 127.0.0.1; relays nothing until [`FaultProxy::forward_to`].
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("a port for the proxy");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let shared = Arc::new(Shared {
            target: OnceLock::new(),
            failures_left: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
            http: reqwest::Client::new(),
        });
        let app = Router::new().fallback(relay).with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url,
            shared,
            server,
        }
    }

    /// The base URL requests are relayed to (set once).
    pub fn forward_to(&self, target: &str) {
        let _ = self.shared.target.set(target.to_string());
    }

    /// The next `n` requests get a 503 from the proxy and never reach the target.
    pub fn fail_next(&self, n: usize) {
        self.shared.failures_left.store(n, Ordering::SeqCst);
    }

    /// How many requests reached the target.
    pub fn forwarded(&self) -> usize {
        self.shared.forwarded.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn relay(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let failing = shared
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        })
        .is_ok();
    if failing {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "fault injected by the test proxy",
        )
            .into_response();
    }
    let Some(target) = shared.target.get() else {
        return (StatusCode::BAD_GATEWAY, "the proxy has no target yet").into_response();
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, 1 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers;
    headers.remove(header::HOST);
    shared.forwarded.fetch_add(1, Ordering::SeqCst);
    let answer = shared
        .http
        .request(parts.method, format!("{target}{path}"))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => return (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    };
    let status = answer.status();
    let mut headers = answer.headers().clone();
    for hop in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        HeaderName::from_static("keep-alive"),
    ] {
        headers.remove(hop);
    }
    let body = answer.bytes().await.unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}
