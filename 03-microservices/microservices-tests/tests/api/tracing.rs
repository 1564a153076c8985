//! One request, one trace, across real processes: every service exports its spans over
//! OTLP/HTTP to a receiver in this test (the workshop tool's, decoding with
//! `opentelemetry-proto`), and the test follows the parent links.
//!
//! - `GET /health` through the gateway touches all four processes: the gateway's server
//!   span continues the client's `traceparent`, and each service's server span is a child
//!   of the gateway's client span that called it.
//! - `GET /api/v1/stats` with task-service failing once (a proxy between stats-service and
//!   task-service answers the first call with a 503): two client spans in stats-service,
//!   the first failed, and task-service's one server span is a child of the second.

use std::time::Duration;

use reqwest::Client;
use serde_json::{Value, json};
use workshop::trace::{Receiver, Span, SpanKind};

use crate::helpers::{Backend, FaultProxy, Options, System};

/// The caller's own span, as its `traceparent` names it.
const CALLER_SPAN: &str = "00f067aa0ba902b7";
const WAIT: Duration = Duration::from_secs(20);

fn traceparent(trace_id: &str) -> String {
    format!("00-{trace_id}-{CALLER_SPAN}-01")
}

fn exporting_to(receiver: &Receiver) -> [(&'static str, String); 2] {
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        // Send finished spans every 50 ms, so the test does not wait for the 5 s default.
        ("OTEL_BSP_SCHEDULE_DELAY", "50".to_string()),
    ]
}

/// The one span of `service` of `kind` named `name` (panics when there is not exactly one).
fn the<'a>(spans: &'a [Span], service: &str, kind: SpanKind, name: &str) -> &'a Span {
    let found: Vec<&Span> = spans
        .iter()
        .filter(|s| s.service == service && s.kind == kind && s.name == name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {kind:?} span {name:?} of {service} in {spans:#?}"
    );
    found[0]
}

fn parent<'a>(spans: &'a [Span], span: &Span) -> Option<&'a Span> {
    let id = span.parent_span_id.as_deref()?;
    spans.iter().find(|s| s.span_id == id)
}

/// `span`'s nearest ancestor (itself excluded) that `is` picks out.
fn ancestor<'a>(spans: &'a [Span], span: &Span, is: impl Fn(&Span) -> bool) -> Option<&'a Span> {
    let mut current = parent(spans, span)?;
    loop {
        if is(current) {
            return Some(current);
        }
        current = parent(spans, current)?;
    }
}

fn has_server_span(spans: &[Span], service: &str) -> bool {
    spans
        .iter()
        .any(|s| s.service == service && s.kind == SpanKind::Server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_health_request_is_one_trace_through_all_four_processes() {
    let receiver = Receiver::start().await.expect("a span receiver");
    let env = exporting_to(&receiver);
    let every: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let system = System::start_with(
        Backend::Sqlite,
        Options {
            every: &every,
            ..Options::default()
        },
    )
    .await
    .expect("SQLite needs no set-up");

    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let answer = Client::new()
        .get(format!("{}/health", system.gateway.url))
        .header("traceparent", traceparent(trace_id))
        .send()
        .await
        .expect("the gateway answers");
    assert_eq!(answer.status(), 200);

    let services = ["user-service", "task-service", "stats-service"];
    let spans = receiver
        .wait_for_trace(trace_id, WAIT, |spans| {
            has_server_span(spans, "api-gateway")
                && services
                    .iter()
                    .all(|service| has_server_span(spans, service))
        })
        .await;
    let gateway = the(&spans, "api-gateway", SpanKind::Server, "GET /health");
    assert_eq!(
        gateway.parent_span_id.as_deref(),
        Some(CALLER_SPAN),
        "the gateway continues the client's traceparent"
    );
    for service in services {
        let server = the(&spans, service, SpanKind::Server, "GET /health");
        let caller = parent(&spans, server)
            .unwrap_or_else(|| panic!("{service}'s parent is not in the trace: {spans:#?}"));
        assert_eq!(
            (caller.service.as_str(), caller.kind),
            ("api-gateway", SpanKind::Client),
            "{service} is called by the gateway's client span"
        );
        assert_eq!(
            ancestor(&spans, caller, |s| s.kind == SpanKind::Server).map(|s| &s.span_id),
            Some(&gateway.span_id),
            "the gateway's client span for {service} is inside its request"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_call_shows_one_client_span_per_attempt() {
    let receiver = Receiver::start().await.expect("a span receiver");
    let env = exporting_to(&receiver);
    let every: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let proxy = FaultProxy::start().await;
    let system = System::start_with(
        Backend::Sqlite,
        Options {
            every: &every,
            stats_to_tasks_through: Some(&proxy),
            ..Options::default()
        },
    )
    .await
    .expect("SQLite needs no set-up");
    let client = Client::new();
    let gateway = &system.gateway.url;
    let registered = client
        .post(format!("{gateway}/api/v1/auth/register"))
        .json(&json!({"email": "retry@example.com", "username": "retry", "password": "password-of-retry"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let login: Value = client
        .post(format!("{gateway}/api/v1/auth/login"))
        .json(&json!({"username": "retry", "password": "password-of-retry"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().expect("a token");

    let forwarded_before = proxy.forwarded();
    proxy.fail_next(1);
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let answer = client
        .get(format!("{gateway}/api/v1/stats"))
        .bearer_auth(token)
        .header("traceparent", traceparent(trace_id))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let stats: Value = answer.json().await.unwrap();
    assert_ne!(stats["stale"], true, "the retry got fresh counts: {stats}");
    assert_eq!(
        proxy.forwarded() - forwarded_before,
        1,
        "one call failed at the proxy"
    );

    let spans = receiver
        .wait_for_trace(trace_id, WAIT, |spans| {
            has_server_span(spans, "task-service")
                && has_server_span(spans, "stats-service")
                && has_server_span(spans, "api-gateway")
        })
        .await;
    // gateway (server) -> gateway (client) -> stats-service (server)
    let gateway_server = the(&spans, "api-gateway", SpanKind::Server, "GET /api/v1/stats");
    assert_eq!(gateway_server.parent_span_id.as_deref(), Some(CALLER_SPAN));
    let stats_server = the(
        &spans,
        "stats-service",
        SpanKind::Server,
        "GET /api/v1/stats",
    );
    let gateway_client = parent(&spans, stats_server).expect("stats-service's caller");
    assert_eq!(
        (gateway_client.service.as_str(), gateway_client.kind),
        ("api-gateway", SpanKind::Client)
    );
    assert_eq!(
        ancestor(&spans, gateway_client, |s| s.kind == SpanKind::Server).map(|s| &s.span_id),
        Some(&gateway_server.span_id)
    );

    // stats-service (server) -> one client span per attempt -> task-service (server)
    let mut attempts: Vec<&Span> = spans
        .iter()
        .filter(|s| s.service == "stats-service" && s.kind == SpanKind::Client)
        .collect();
    attempts.sort_by_key(|s| s.start_unix_nanos);
    assert_eq!(
        attempts.len(),
        2,
        "one failed attempt and its retry: {spans:#?}"
    );
    for attempt in &attempts {
        assert_eq!(
            ancestor(&spans, attempt, |s| s.kind == SpanKind::Server).map(|s| &s.span_id),
            Some(&stats_server.span_id),
            "each attempt is inside stats-service's request"
        );
    }
    let (failed, retried) = (attempts[0], attempts[1]);
    assert!(
        failed.failed
            || failed
                .attributes
                .get("http.response.status_code")
                .map(String::as_str)
                == Some("503"),
        "the first attempt shows the 503: {failed:#?}"
    );
    assert!(!retried.failed, "{retried:#?}");
    let task_servers: Vec<&Span> = spans
        .iter()
        .filter(|s| s.service == "task-service" && s.kind == SpanKind::Server)
        .collect();
    assert_eq!(
        task_servers.len(),
        1,
        "the failed attempt never reached task-service"
    );
    assert_eq!(
        task_servers[0].parent_span_id.as_deref(),
        Some(retried.span_id.as_str()),
        "task-service continues the retry's traceparent"
    );
}
