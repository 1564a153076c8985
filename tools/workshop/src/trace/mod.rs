//! Traces without Docker: an OTLP/HTTP receiver inside the workshop tool, and a waterfall per
//! request in the terminal (`workshop up 03 --trace`).
//!
//! Each process of a phase exports its spans to [`Receiver`] (the phase is started with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at it). Spans of one request arrive in batches, from
//! several processes, at different times; once a trace has had no new span for a moment it is
//! complete enough to draw ([`Receiver::take_settled`]) with [`waterfall`]. The phase 03
//! system tests use the same receiver to check that one request is one trace.

mod receiver;
mod waterfall;

pub use receiver::{Receiver, Span, SpanKind};
pub use waterfall::waterfall;
