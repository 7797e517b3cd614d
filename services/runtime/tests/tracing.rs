//! Traces cross process boundaries. Over HTTP, a request's server span continues the caller's
//! `traceparent`. Over Kafka, a span that enqueues an event is the parent of the relay's
//! producer span and of the event's time in the outbox; the consumer handling the record
//! continues the producer's trace, with its time in Kafka as a span of its own; and what the
//! handler enqueues in turn stays in the same trace. Spans go to OpenTelemetry's in-memory
//! exporter through the same subscriber the services install (once per process; the tests
//! tell their spans apart by trace).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use opentelemetry::trace::{SpanId, SpanKind, TraceContextExt, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use orderflow_contracts::{CustomerDeactivated, CustomerRegistered, header};
use orderflow_runtime::BoxFuture;
use orderflow_runtime::messaging::{
    ConsumerRunner, Handler, HandlerError, Handlers, Message, Outbox, OutboxRelay, RelayConfig,
};
use orderflow_runtime::telemetry;
use orderflow_testkit::eventually;
use sqlx::PgConnection;
use support::*;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

/// Remembers the trace it handled each event in, and enqueues a follow-up event.
#[derive(Clone, Default)]
struct FollowUp {
    handled_in: Arc<Mutex<Option<TraceId>>>,
}

impl Handler<CustomerRegistered> for FollowUp {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: CustomerRegistered,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            let current = tracing::Span::current().context();
            *self.handled_in.lock().unwrap() = Some(current.span().span_context().trace_id());
            let follow_up = CustomerDeactivated {
                customer_id: event.customer_id,
                deactivated_at: chrono::Utc::now(),
            };
            Outbox::enqueue(conn, &follow_up, &message.context())
                .await
                .map_err(HandlerError::transient)?;
            Ok(())
        })
    }
}

/// The exporter of this process's telemetry, installed on first use.
fn exporter() -> &'static InMemorySpanExporter {
    static EXPORTER: OnceLock<InMemorySpanExporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        // Kept for the process's life: the provider must outlive every test.
        std::mem::forget(telemetry::install("tracing-test", Some(provider)));
        exporter
    })
}

fn finished() -> Vec<SpanData> {
    exporter().get_finished_spans().unwrap()
}

/// The one span named `name` whose parent is `parent`, in `trace`.
fn child<'a>(spans: &'a [SpanData], name: &str, trace: TraceId, parent: SpanId) -> &'a SpanData {
    let found: Vec<_> = spans
        .iter()
        .filter(|span| span.name == name && span.parent_span_id == parent)
        .collect();
    assert_eq!(found.len(), 1, "{name} spans under {parent}: {spans:#?}");
    assert_eq!(found[0].span_context.trace_id(), trace);
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumed_message_continues_the_trace_of_the_span_that_enqueued_it() {
    exporter();
    let env = env().await;
    let stop = CancellationToken::new();
    let relay = OutboxRelay::new(env.pool.clone(), &env.kafka, RelayConfig::default()).unwrap();
    tokio::spawn(relay.run(stop.clone()));
    let handler = FollowUp::default();
    let runner = ConsumerRunner::new(
        env.pool.clone(),
        &env.kafka,
        "tracing-test",
        Handlers::new().on::<CustomerRegistered>(handler.clone()),
    )
    .unwrap();
    tokio::spawn({
        let stop = stop.clone();
        async move { runner.run(stop).await.unwrap() }
    });

    let request = tracing::info_span!("register customer");
    let customer = Uuid::now_v7();
    enqueue(&env.pool, &[registered(customer, 1)])
        .instrument(request.clone())
        .await;
    let request_context = request.context().span().span_context().clone();
    drop(request);
    let (trace, root) = (request_context.trace_id(), request_context.span_id());

    eventually("the consumer's span", Duration::from_secs(60), || async {
        let spans = finished();
        spans
            .iter()
            .any(|span| {
                span.span_kind == SpanKind::Consumer && span.span_context.trace_id() == trace
            })
            .then_some(())
            .ok_or_else(|| format!("{} spans so far", spans.len()))
    })
    .await;
    let spans = finished();
    let publish = child(&spans, "orderflow.customer.events publish", trace, root);
    assert_eq!(publish.span_kind, SpanKind::Producer);
    let waited = child(&spans, "outbox wait", trace, root);
    assert!(waited.end_time >= waited.start_time);

    let producer = publish.span_context.span_id();
    let consumed = child(&spans, "orderflow.customer.events process", trace, producer);
    assert_eq!(consumed.span_kind, SpanKind::Consumer);
    child(&spans, "consumer lag", trace, producer);
    assert_eq!(*handler.handled_in.lock().unwrap(), Some(trace));

    // The follow-up the handler enqueued goes out with a traceparent of the same trace.
    let records = read_customer_events(&env.kafka, 2).await;
    let follow_up = records
        .iter()
        .find(|record| record.header("ce_type") == Some("orderflow.customer.deactivated.v1"))
        .expect("the follow-up event");
    let traceparent = follow_up.header(header::TRACEPARENT).unwrap();
    assert_eq!(
        traceparent.split('-').nth(1),
        Some(trace.to_string().as_str()),
        "{traceparent}"
    );
    stop.cancel();
}

#[tokio::test]
async fn a_request_continues_the_trace_of_its_caller() {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    exporter();
    let api = axum::Router::new().route(
        "/probe",
        axum::routing::get(|| async { telemetry::current_traceparent().unwrap_or_default() }),
    );
    let app = orderflow_runtime::http::ServiceApp::new(
        "tracing-test",
        api,
        utoipa::openapi::OpenApi::default(),
        orderflow_runtime::config::HttpConfig::ephemeral(),
    )
    .into_router();
    let (trace, caller) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let response = app
        .oneshot(
            Request::get("/probe")
                .header("traceparent", format!("00-{trace}-{caller}-01"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let handed_on = String::from_utf8(body.to_vec()).unwrap();
    assert_eq!(handed_on.split('-').nth(1), Some(trace), "{handed_on}");

    let trace = TraceId::from_hex(trace).unwrap();
    let caller = SpanId::from_hex(caller).unwrap();
    let server = eventually("the request's span", Duration::from_secs(10), || async {
        finished()
            .into_iter()
            .find(|span| span.span_context.trace_id() == trace)
            .ok_or("not exported yet")
    })
    .await;
    assert_eq!(server.name, "GET /probe");
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(server.parent_span_id, caller);
    assert_eq!(
        handed_on.split('-').nth(2),
        Some(server.span_context.span_id().to_string().as_str()),
        "what the request hands on is its own span"
    );
}
