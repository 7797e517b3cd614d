//! W3C trace context across process boundaries: continuing a caller's trace, handing the
//! current one on (`traceparent`), and recording intervals nobody was inside of, such as an
//! event waiting in the outbox or in Kafka, as spans of their own.

use std::collections::HashMap;
use std::time::SystemTime;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::tracing_enabled;

const TRACEPARENT: &str = "traceparent";

/// The `traceparent` of the current span, while traces are on.
pub fn current_traceparent() -> Option<String> {
    traceparent_of(&Span::current())
}

/// The `traceparent` that makes a remote span a child of `span`, while traces are on.
pub fn traceparent_of(span: &Span) -> Option<String> {
    if !tracing_enabled() {
        return None;
    }
    let context = span.context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// Makes the new `span` a child of the remote span `traceparent` names. Call it right after
/// creating the span, before anything is logged in it: a span's parent is fixed once it
/// starts. Without traces, a `traceparent` or with an invalid one, `span` stays as it is.
pub fn continue_trace(span: &Span, traceparent: Option<&str>) {
    if let Some(parent) = remote(traceparent) {
        // Fails only for a span already started or without the layer: it then keeps its own.
        let _ = span.set_parent(parent);
    }
}

/// Records `name` as a finished span from `start` to `end`, a child of the remote span
/// `traceparent` names: time something spent waiting between two processes.
pub fn record_interval(
    name: &'static str,
    traceparent: Option<&str>,
    start: SystemTime,
    end: SystemTime,
    attributes: Vec<KeyValue>,
) {
    let Some(parent) = remote(traceparent) else {
        return;
    };
    let tracer = opentelemetry::global::tracer("orderflow");
    let mut span = tracer
        .span_builder(name)
        .with_start_time(start.min(end))
        .with_attributes(attributes)
        .start_with_context(&tracer, &parent);
    opentelemetry::trace::Span::end_with_timestamp(&mut span, end);
}

/// The remote context of a valid `traceparent`, while traces are on.
fn remote(traceparent: Option<&str>) -> Option<Context> {
    if !tracing_enabled() {
        return None;
    }
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent?.to_owned())]);
    let context = TraceContextPropagator::new().extract(&carrier);
    context.span().span_context().is_valid().then_some(context)
}
