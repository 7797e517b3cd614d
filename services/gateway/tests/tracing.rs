//! The gateway's place in a trace: its server span continues the client's `traceparent`, and
//! the service receives a `traceparent` naming the gateway's client span for that call.
//! Spans go to OpenTelemetry's in-memory exporter through the services' own subscriber.

mod common;

use std::time::Duration;

use axum::http::Method;
use common::TestGateway;
use gateway_service::routes::Upstream;
use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use orderflow_runtime::telemetry;
use orderflow_testkit::eventually;

#[tokio::test]
async fn a_proxied_request_hands_the_trace_on_under_the_gateways_client_span() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let _telemetry = telemetry::install("gateway-tracing-test", Some(provider));
    let gateway = TestGateway::spawn().await;
    let (trace, client) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    gateway
        .request(Method::GET, "/api/orders")
        .header("traceparent", format!("00-{trace}-{client}-01"))
        .send()
        .await
        .unwrap();
    let received = gateway.double(Upstream::Order).received();
    let handed_on = received.last().unwrap().header("traceparent");
    let parts: Vec<&str> = handed_on.split('-').collect();
    assert_eq!(parts[1], trace, "{handed_on}");
    assert_ne!(
        parts[2], client,
        "the service's parent is the gateway's span, not the client's"
    );

    let trace = TraceId::from_hex(trace).unwrap();
    let spans = eventually("the gateway's spans", Duration::from_secs(10), || async {
        let spans: Vec<_> = exporter
            .get_finished_spans()
            .unwrap()
            .into_iter()
            .filter(|span| span.span_context.trace_id() == trace)
            .collect();
        if spans.len() == 2 {
            Ok(spans)
        } else {
            Err(format!("{} spans of the trace so far", spans.len()))
        }
    })
    .await;
    let server = spans
        .iter()
        .find(|span| span.span_kind == SpanKind::Server)
        .unwrap();
    let upstream = spans
        .iter()
        .find(|span| span.span_kind == SpanKind::Client)
        .unwrap();
    assert_eq!(server.parent_span_id, SpanId::from_hex(client).unwrap());
    assert_eq!(upstream.parent_span_id, server.span_context.span_id());
    assert_eq!(upstream.name, "GET order");
    assert_eq!(parts[2], upstream.span_context.span_id().to_string());
}
