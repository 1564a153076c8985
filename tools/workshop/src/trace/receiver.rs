//! An OTLP/HTTP trace receiver: `POST /v1/traces` with an `ExportTraceServiceRequest` in
//! protobuf, as every phase's exporter sends it (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`).

use std::{
    collections::{BTreeMap, HashMap},
    fmt::Write as _,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use opentelemetry_proto::tonic::{
    collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse},
    common::v1::{AnyValue, KeyValue, any_value::Value},
    trace::v1::{span::SpanKind as ProtoKind, status::StatusCode as ProtoStatus},
};
use prost::Message;

/// One finished span, as received: ids in lowercase hex, times in nanoseconds since 1970.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub trace_id: String,
    pub span_id: String,
    /// `None` for the first span of a trace (or one whose caller sent no `traceparent`).
    pub parent_span_id: Option<String>,
    pub name: String,
    /// The process that sent it: its resource's `service.name`.
    pub service: String,
    pub kind: SpanKind,
    pub start_unix_nanos: u64,
    pub end_unix_nanos: u64,
    /// The status said `error`.
    pub failed: bool,
    /// Every attribute, its value as text.
    pub attributes: BTreeMap<String, String>,
}

impl Span {
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.end_unix_nanos.saturating_sub(self.start_unix_nanos))
    }
}

/// What a span stands for, as OpenTelemetry classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// Work inside a process (a layer, a module, a query).
    Internal,
    /// Answering a request that came in.
    Server,
    /// A call out to another process.
    Client,
    Other,
}

/// The spans received so far, grouped by trace.
#[derive(Default)]
struct Store {
    traces: HashMap<String, Arrived>,
}

struct Arrived {
    spans: Vec<Span>,
    last: Instant,
}

/// A receiver listening on `127.0.0.1` on a port of its own; stops when dropped.
pub struct Receiver {
    address: SocketAddr,
    store: Arc<Mutex<Store>>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start() -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("cannot listen for spans")?;
        let address = listener.local_addr()?;
        let store = Arc::new(Mutex::new(Store::default()));
        let app = Router::new()
            .route("/v1/traces", post(receive))
            .with_state(store.clone());
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("the span receiver stopped: {error}");
            }
        });
        Ok(Self {
            address,
            store,
            server,
        })
    }

    /// The value for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every span received so far (and not taken), oldest first within each trace.
    pub fn spans(&self) -> Vec<Span> {
        let store = self.store();
        store
            .traces
            .values()
            .flat_map(|trace| trace.spans.iter().cloned())
            .collect()
    }

    /// The spans of one trace received so far.
    pub fn trace(&self, trace_id: &str) -> Vec<Span> {
        self.store()
            .traces
            .get(trace_id)
            .map(|trace| trace.spans.clone())
            .unwrap_or_default()
    }

    /// Waits until the spans of `trace_id` satisfy `done`, for at most `timeout`; returns
    /// the spans as they are then, done or not.
    pub async fn wait_for_trace(
        &self,
        trace_id: &str,
        timeout: Duration,
        done: impl Fn(&[Span]) -> bool,
    ) -> Vec<Span> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.trace(trace_id);
            if done(&spans) || Instant::now() >= deadline {
                return spans;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Removes and returns every trace that has had no new span for `quiet`, oldest first.
    pub fn take_settled(&self, quiet: Duration) -> Vec<Vec<Span>> {
        let mut store = self.store();
        let settled: Vec<String> = store
            .traces
            .iter()
            .filter(|(_, trace)| trace.last.elapsed() >= quiet)
            .map(|(id, _)| id.clone())
            .collect();
        let mut traces: Vec<Vec<Span>> = settled
            .iter()
            .filter_map(|id| store.traces.remove(id))
            .map(|trace| trace.spans)
            .collect();
        traces.sort_by_key(|spans| spans.iter().map(|s| s.start_unix_nanos).min());
        traces
    }

    /// Forgets every span received so far.
    pub fn clear(&self) {
        self.store().traces.clear();
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// `POST /v1/traces`: 200 with an empty `ExportTraceServiceResponse`, or 400 for a body
/// that is not one (the exporter does not retry a 400).
async fn receive(State(store): State<Arc<Mutex<Store>>>, body: Bytes) -> Response {
    let request = match ExportTraceServiceRequest::decode(body) {
        Ok(request) => request,
        Err(error) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("not an OTLP ExportTraceServiceRequest: {error}"),
            )
                .into_response();
        }
    };
    let spans = decode(request);
    let now = Instant::now();
    {
        let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
        for span in spans {
            let trace = store
                .traces
                .entry(span.trace_id.clone())
                .or_insert_with(|| Arrived {
                    spans: Vec::new(),
                    last: now,
                });
            trace.spans.push(span);
            trace.last = now;
        }
    }
    (
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
        .into_response()
}

/// The request's spans, each with its process's `service.name`.
pub fn decode(request: ExportTraceServiceRequest) -> Vec<Span> {
    let mut spans = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|resource| &resource.attributes)
            .find(|attribute| attribute.key == "service.name")
            .map(|attribute| text(attribute.value.as_ref()))
            .unwrap_or_else(|| "unknown_service".into());
        for scope_spans in resource_spans.scope_spans {
            for span in scope_spans.spans {
                let kind = match ProtoKind::try_from(span.kind) {
                    Ok(ProtoKind::Server) => SpanKind::Server,
                    Ok(ProtoKind::Client) => SpanKind::Client,
                    Ok(ProtoKind::Internal | ProtoKind::Unspecified) => SpanKind::Internal,
                    _ => SpanKind::Other,
                };
                spans.push(Span {
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: (!span.parent_span_id.is_empty())
                        .then(|| hex(&span.parent_span_id)),
                    name: span.name,
                    service: service.clone(),
                    kind,
                    start_unix_nanos: span.start_time_unix_nano,
                    end_unix_nanos: span.end_time_unix_nano,
                    failed: span
                        .status
                        .is_some_and(|status| status.code == ProtoStatus::Error as i32),
                    attributes: attributes(&span.attributes),
                });
            }
        }
    }
    spans
}

fn attributes(pairs: &[KeyValue]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|pair| (pair.key.clone(), text(pair.value.as_ref())))
        .collect()
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|value| value.value.as_ref()) {
        Some(Value::StringValue(text)) => text.clone(),
        Some(Value::BoolValue(flag)) => flag.to_string(),
        Some(Value::IntValue(number)) => number.to_string(),
        Some(Value::DoubleValue(number)) => number.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::{
        resource::v1::Resource,
        trace::v1::{ResourceSpans, ScopeSpans, Span as ProtoSpan, Status},
    };

    fn string(key: &str, value: &str) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(value.into())),
            }),
            ..Default::default()
        }
    }

    fn request() -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![string("service.name", "stats-service")],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans: vec![ProtoSpan {
                        trace_id: vec![0xab; 16],
                        span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
                        parent_span_id: vec![],
                        name: "GET /api/v1/stats".into(),
                        kind: ProtoKind::Server as i32,
                        start_time_unix_nano: 1_000,
                        end_time_unix_nano: 5_000,
                        attributes: vec![string("request_id", "r-1")],
                        status: Some(Status {
                            code: ProtoStatus::Error as i32,
                            message: String::new(),
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn spans_are_decoded_with_their_process() {
        let spans = decode(request());
        assert_eq!(spans.len(), 1);
        let span = &spans[0];
        assert_eq!(span.trace_id, "ab".repeat(16));
        assert_eq!(span.span_id, "0102030405060708");
        assert_eq!(span.parent_span_id, None);
        assert_eq!(span.service, "stats-service");
        assert_eq!(span.kind, SpanKind::Server);
        assert_eq!(span.duration(), Duration::from_nanos(4_000));
        assert!(span.failed);
        assert_eq!(span.attributes["request_id"], "r-1");
    }

    #[tokio::test]
    async fn it_receives_over_http_and_refuses_what_is_not_otlp() {
        let receiver = Receiver::start().await.unwrap();
        let client = reqwest::Client::new();
        let url = format!("{}/v1/traces", receiver.endpoint());
        let refused = client
            .post(&url)
            .body(vec![0xffu8; 3])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        assert!(receiver.spans().is_empty());
        let accepted = client
            .post(&url)
            .header("content-type", "application/x-protobuf")
            .body(request().encode_to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status(), 200);
        assert_eq!(receiver.trace(&"ab".repeat(16)).len(), 1);
        assert!(receiver.take_settled(Duration::from_secs(60)).is_empty());
        assert_eq!(receiver.take_settled(Duration::ZERO).len(), 1);
        assert!(receiver.spans().is_empty(), "taken traces are forgotten");
    }
}
