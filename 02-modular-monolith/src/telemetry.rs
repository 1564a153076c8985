//! Logs and traces: `tracing` events, filtered by `RUST_LOG` (default `info`), and
//! OpenTelemetry spans, exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
//!
//! Every request gets a trace id, exported or not: the request span continues the caller's
//! W3C `traceparent` (or starts a trace), and its `trace_id` field is on every log line the
//! request writes, so one request can be followed through every process's log with grep.
//! Outgoing calls carry a `traceparent` of their own ([`inject_trace`]), so the callee's
//! spans join the same trace.
//!
//! The standard variables, checked like every other setting (present and invalid stops
//! start-up): `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL such as `http://localhost:4318`;
//! spans go to `<it>/v1/traces`), `OTEL_EXPORTER_OTLP_PROTOCOL` (only `http/protobuf` is
//! built in), `OTEL_SERVICE_NAME` (default: the binary's name, which is its package's) and
//! `OTEL_BSP_SCHEDULE_DELAY` (milliseconds between exports, default 5000).

use std::{io::IsTerminal, time::Duration};

use axum::http::{HeaderMap, Uri};
use opentelemetry::{
    propagation::TextMapPropagator,
    trace::{TraceContextExt, TraceId, TracerProvider as _},
};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider},
};
use tracing::{Level, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{
    EnvFilter,
    filter::{FilterExt, filter_fn},
    fmt,
    prelude::*,
};

use crate::config::ConfigError;

/// The only OTLP protocol built in: protobuf over HTTP (port 4318). gRPC would add tonic
/// and its dependencies to every binary.
pub const OTLP_PROTOCOL: &str = "http/protobuf";
/// The SDK's own default for `OTEL_BSP_SCHEDULE_DELAY`.
pub const DEFAULT_SCHEDULE_DELAY: Duration = Duration::from_millis(5000);

/// Where and how spans are exported, read from the standard `OTEL_*` variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracingSettings {
    /// `service.name` on every span: `OTEL_SERVICE_NAME`, else the binary's name.
    pub service_name: String,
    /// `None` when `OTEL_EXPORTER_OTLP_ENDPOINT` is unset: nothing leaves the process.
    pub export: Option<Export>,
}

/// An OTLP/HTTP destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` without a trailing `/`.
    pub endpoint: String,
    /// `OTEL_BSP_SCHEDULE_DELAY`: how long finished spans wait to be sent in one batch.
    pub schedule_delay: Duration,
}

impl Export {
    /// Where traces are posted, as the specification derives it from the base endpoint.
    pub fn traces_url(&self) -> String {
        format!("{}/v1/traces", self.endpoint)
    }
}

impl TracingSettings {
    /// Reads the variables through `lookup`; an empty value counts as unset.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        default_service_name: &str,
    ) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        if let Some(protocol) = var("OTEL_EXPORTER_OTLP_PROTOCOL")
            && protocol.trim() != OTLP_PROTOCOL
        {
            return Err(ConfigError {
                variable: "OTEL_EXPORTER_OTLP_PROTOCOL",
                reason: format!(
                    "{protocol:?} is not supported: only {OTLP_PROTOCOL} is built in (port 4318)"
                ),
            });
        }
        let schedule_delay = match var("OTEL_BSP_SCHEDULE_DELAY") {
            None => DEFAULT_SCHEDULE_DELAY,
            Some(raw) => {
                raw.trim()
                    .parse()
                    .map(Duration::from_millis)
                    .map_err(|_| ConfigError {
                        variable: "OTEL_BSP_SCHEDULE_DELAY",
                        reason: format!("{raw:?} is not a whole number of milliseconds"),
                    })?
            }
        };
        let export = match var("OTEL_EXPORTER_OTLP_ENDPOINT") {
            None => None,
            Some(raw) => Some(Export {
                endpoint: check_endpoint(&raw)?,
                schedule_delay,
            }),
        };
        Ok(Self {
            service_name: var("OTEL_SERVICE_NAME")
                .map(|name| name.trim().to_string())
                .unwrap_or_else(|| default_service_name.to_string()),
            export,
        })
    }
}

/// An `http://` or `https://` URL with a host, without its trailing `/`.
fn check_endpoint(raw: &str) -> Result<String, ConfigError> {
    let invalid = |reason: &str| ConfigError {
        variable: "OTEL_EXPORTER_OTLP_ENDPOINT",
        reason: format!("{raw:?} {reason}, such as http://localhost:4318"),
    };
    let uri: Uri = raw.trim().parse().map_err(|_| invalid("is not a URL"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(invalid("is not an http:// or https:// URL with a host"));
    }
    Ok(raw.trim().trim_end_matches('/').to_string())
}

/// Flushes the spans not yet exported when dropped: keep it until `main` returns.
#[must_use = "dropping it at once stops the export of spans"]
pub struct Telemetry {
    provider: SdkTracerProvider,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        // Exports what is still queued (blocking, bounded by the exporter's timeout).
        if let Err(error) = self.provider.shutdown() {
            eprintln!("cannot export the last spans: {error}");
        }
    }
}

/// Installs the global subscriber from the environment (a `.env` file may supply it).
/// A present but invalid `RUST_LOG` or `OTEL_*` variable is an error, as every other
/// invalid setting is: falling back to a default would hide the typo. Later calls (several
/// tests in one process) install nothing.
pub fn init() -> Result<Telemetry, ConfigError> {
    let _ = dotenvy::dotenv();
    let rust_log = match std::env::var("RUST_LOG") {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(ConfigError {
                variable: "RUST_LOG",
                reason: "is not valid UTF-8".into(),
            });
        }
    };
    let settings = TracingSettings::from_lookup(|name| std::env::var(name).ok(), &binary_name())?;
    init_with(rust_log.as_deref(), &settings)
}

/// [`init`] with the caller's `RUST_LOG` and settings.
///
/// Colours only on a terminal: in a log file or a pipe the ANSI codes are noise to grep
/// through, and writing them cost about 12,000 instructions of every request's log line
/// (callgrind, `GET /api/v1/tasks/{id}` on phase 01).
pub fn init_with(
    rust_log: Option<&str>,
    settings: &TracingSettings,
) -> Result<Telemetry, ConfigError> {
    let logs = log_filter(rust_log)?;
    let resource = Resource::builder()
        .with_service_name(settings.service_name.clone())
        .build();
    let mut provider = SdkTracerProvider::builder().with_resource(resource);
    let spans = match &settings.export {
        // Not exported: spans only where the logs have them (the request span at `info`),
        // for the trace id on log lines and in the `traceparent` of outgoing calls.
        None => FilterExt::boxed(log_filter(rust_log)?),
        Some(export) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(Protocol::HttpBinary)
                .with_endpoint(export.traces_url())
                .build()
                .map_err(|error| ConfigError {
                    variable: "OTEL_EXPORTER_OTLP_ENDPOINT",
                    reason: error.to_string(),
                })?;
            let batches = BatchConfigBuilder::default()
                .with_scheduled_delay(export.schedule_delay)
                .build();
            provider = provider.with_span_processor(
                BatchSpanProcessor::builder(exporter)
                    .with_batch_config(batches)
                    .build(),
            );
            // Exported: every span of every layer (`debug` and above) whatever `RUST_LOG`
            // says, and the log events worth a line (`info` and above) as span events.
            FilterExt::boxed(filter_fn(|metadata| {
                let wanted = if metadata.is_span() {
                    Level::DEBUG
                } else {
                    Level::INFO
                };
                *metadata.level() <= wanted
            }))
        }
    };
    let provider = provider.build();
    let tracer = provider.tracer(settings.service_name.clone());
    let _ = tracing_subscriber::registry()
        .with(
            fmt::layer()
                .with_target(false)
                .with_ansi(std::io::stdout().is_terminal())
                .with_filter(logs),
        )
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                // Neither is needed, and each costs time on every poll of every future.
                .with_tracked_inactivity(false)
                .with_context_activation(false)
                .with_threads(false)
                .with_location(false)
                .with_filter(spans),
        )
        .try_init();
    Ok(Telemetry { provider })
}

/// The filter that `RUST_LOG` asks for: `info` when it is unset or empty, an error naming
/// the variable when any of its directives cannot be parsed.
pub fn log_filter(rust_log: Option<&str>) -> Result<EnvFilter, ConfigError> {
    match rust_log.map(str::trim).filter(|value| !value.is_empty()) {
        None => Ok(EnvFilter::new("info")),
        Some(directives) => EnvFilter::builder()
            .parse(directives)
            .map_err(|error| ConfigError {
                variable: "RUST_LOG",
                reason: format!("{directives:?} is not valid: {error}"),
            }),
    }
}

/// The running binary's file name: each phase's binary is named after its package.
fn binary_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| path.file_stem()?.to_str().map(str::to_string))
        .unwrap_or_else(|| "unknown_service".into())
}

/// The server span of one request, named `<METHOD> <route template>` as OpenTelemetry
/// asks (the template, not the path: `/api/v1/tasks/{id}`, never `/api/v1/tasks/17`).
/// It continues the trace of the caller's `traceparent` header, or starts one, and
/// records the trace id in its `trace_id` field, which every log line inside it shows.
pub fn request_span(
    method: &axum::http::Method,
    route: Option<&str>,
    headers: &HeaderMap,
    request_id: &str,
) -> Span {
    let name = match route {
        Some(route) => format!("{method} {route}"),
        None => method.to_string(),
    };
    let span = tracing::info_span!(
        "request",
        otel.name = %name,
        otel.kind = "server",
        request_id = %request_id,
        trace_id = tracing::field::Empty,
    );
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    // An error only means no OpenTelemetry layer is installed (tests without `init`).
    let _ = span.set_parent(parent);
    let trace_id = span.context().span().span_context().trace_id();
    if trace_id != TraceId::INVALID {
        span.record("trace_id", tracing::field::display(trace_id));
    }
    span
}

/// The client span of one outgoing HTTP call (one attempt, when calls are retried), named
/// `<METHOD> <service> <route>`; `http.response.status_code` is recorded when it answers,
/// and `circuit_breaker` what a circuit breaker in front of the call decided, if any.
/// At `debug`, so it costs nothing unless spans are exported or `RUST_LOG` asks for it.
pub fn client_span(method: &axum::http::Method, service: &str, route: &str) -> Span {
    tracing::debug_span!(
        "call",
        otel.name = %format!("{method} {service} {route}"),
        otel.kind = "client",
        peer.service = service,
        http.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        circuit_breaker = tracing::field::Empty,
    )
}

/// Records the answer's status on a [`client_span`]; a 5xx marks the span failed.
pub fn record_status(span: &Span, status: axum::http::StatusCode) {
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "error");
    }
}

/// Marks a [`client_span`] failed: the call got no answer (refused, timed out, ...).
pub fn record_failure(span: &Span) {
    span.record("otel.status_code", "error");
}

/// Writes `traceparent` (and `tracestate`) for an outgoing call into `headers`, replacing
/// any the caller sent: the callee's server span becomes a child of `span`, the client
/// span of the call. When `span` is off (not exported, `RUST_LOG` below `debug`), the
/// current span stands in for it, so the callee still continues this request's trace.
pub fn inject_trace(span: &Span, headers: &mut HeaderMap) {
    let context = if span.is_disabled() {
        Span::current().context()
    } else {
        span.context()
    };
    TraceContextPropagator::new().inject_context(&context, &mut HeaderInjector(headers));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<TracingSettings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TracingSettings::from_lookup(|name| vars.get(name).cloned(), "the-package")
    }

    #[test]
    fn unset_or_empty_means_info() {
        for unset in [None, Some(""), Some("  ")] {
            assert_eq!(log_filter(unset).unwrap().to_string(), "info", "{unset:?}");
        }
    }

    #[test]
    fn valid_directives_are_kept() {
        let filter = log_filter(Some("warn,tower_http=debug")).unwrap();
        assert!(filter.to_string().contains("tower_http=debug"), "{filter}");
    }

    #[test]
    fn an_invalid_directive_is_an_error_naming_rust_log() {
        for invalid in ["garbage===", "info,tower_http=loud", "[unclosed"] {
            let error = log_filter(Some(invalid)).unwrap_err();
            assert_eq!(error.variable, "RUST_LOG", "{invalid}");
            assert!(error.to_string().contains(invalid), "{error}");
        }
    }

    #[test]
    fn nothing_is_exported_without_an_endpoint() {
        let settings = settings(&[("OTEL_BSP_SCHEDULE_DELAY", "100")]).unwrap();
        assert_eq!(settings.export, None);
        assert_eq!(settings.service_name, "the-package");
    }

    #[test]
    fn an_endpoint_turns_export_on() {
        let settings = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318/"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_SERVICE_NAME", "renamed"),
            ("OTEL_BSP_SCHEDULE_DELAY", "250"),
        ])
        .unwrap();
        let export = settings.export.unwrap();
        assert_eq!(export.traces_url(), "http://localhost:4318/v1/traces");
        assert_eq!(export.schedule_delay, Duration::from_millis(250));
        assert_eq!(settings.service_name, "renamed");
        let default = self::settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example")]);
        assert_eq!(
            default.unwrap().export.unwrap().schedule_delay,
            DEFAULT_SCHEDULE_DELAY
        );
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (name, value) in [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://localhost:4318"),
            ("OTEL_BSP_SCHEDULE_DELAY", "soon"),
            ("OTEL_BSP_SCHEDULE_DELAY", "-5"),
        ] {
            let error = settings(&[(name, value)]).unwrap_err();
            assert_eq!(error.variable, name, "{name}={value}");
        }
    }

    #[test]
    fn a_traceparent_is_continued_and_written_for_the_next_hop() {
        let settings = TracingSettings {
            service_name: "test".into(),
            export: None,
        };
        let _telemetry = init_with(None, &settings).unwrap();
        let mut incoming = HeaderMap::new();
        incoming.insert(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                .parse()
                .unwrap(),
        );
        let span = request_span(&axum::http::Method::GET, Some("/x/{id}"), &incoming, "r");
        let context = span.context();
        let own = context.span().span_context().clone();
        if own.trace_id() == TraceId::INVALID {
            // Another test in this process installed its subscriber first, without the
            // OpenTelemetry layer: nothing to check here.
            return;
        }
        assert_eq!(
            own.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        let mut outgoing = HeaderMap::new();
        inject_trace(&span, &mut outgoing);
        let traceparent = outgoing["traceparent"].to_str().unwrap();
        assert_eq!(
            traceparent,
            format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{}-01", own.span_id())
        );
        assert_ne!(own.span_id().to_string(), "00f067aa0ba902b7");
    }
}
