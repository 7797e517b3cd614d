//! Per-request observation: the request's span, Prometheus metrics by route and status, and
//! the finishing touches on problem+json bodies (the request path as `instance`, the
//! correlation id).

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::RequestId;

use super::correlation::CORRELATION_HEADER;
use crate::{AppError, Problem, telemetry};

/// The span of one request: a server span continuing the caller's `traceparent`, named by its
/// route, with the correlation id for the logs. Probes and scrapes get debug-level spans, so
/// at the default level they are neither logged nor traced.
pub(crate) fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let headers = request.headers();
    let correlation_id = headers
        .get(CORRELATION_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let path = request.uri().path();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(path, MatchedPath::as_str);
    let method = request.method();
    let span = if path.starts_with("/health/") || path == "/metrics" {
        tracing::debug_span!("http", method = %method, path, correlation_id)
    } else {
        tracing::info_span!(
            "http",
            otel.name = %format_args!("{method} {route}"),
            otel.kind = "server",
            method = %method,
            path,
            correlation_id,
        )
    };
    let traceparent = headers
        .get("traceparent")
        .and_then(|value| value.to_str().ok());
    telemetry::continue_trace(&span, traceparent);
    span
}

/// Ends a request that runs past `limit` with a 503 problem; inside the metrics and problem
/// layers, so timed-out requests are counted and answered like every other failure.
pub(crate) async fn time_out(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::Timeout(limit).into_response(),
    }
}

/// Records `http_requests_total` and `http_request_duration_seconds` by method, route and status.
pub(crate) async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Fills `instance` and `correlationId` of problem responses, which only the stack knows.
pub(crate) async fn complete_problems(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let correlation = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .map(str::to_owned);
    let mut response = next.run(request).await;
    match response.extensions_mut().remove::<Problem>() {
        Some(mut problem) => {
            problem.instance.get_or_insert(path);
            problem.correlation_id = problem.correlation_id.or(correlation);
            let mut completed = problem.into_response();
            completed.extensions_mut().remove::<Problem>();
            let mut headers = std::mem::take(response.headers_mut());
            headers.remove(header::CONTENT_LENGTH);
            *completed.headers_mut() = headers;
            completed
        }
        None => response,
    }
}
