//! The shared HTTP stack on a router of its own.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use http_body_util::BodyExt;
use orderflow_runtime::config::HttpConfig;
use orderflow_runtime::http::ServiceApp;
use tower::ServiceExt;

#[tokio::test]
async fn a_request_past_the_time_limit_is_a_503_problem() {
    let slow = axum::Router::new().route(
        "/slow",
        get(|| async {
            // A handler that outlives the one-second limit below.
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    );
    let config = HttpConfig {
        request_timeout_secs: 1,
        ..HttpConfig::ephemeral()
    };
    let app = ServiceApp::new(
        "http-test",
        slow,
        utoipa::openapi::OpenApi::default(),
        config,
    )
    .into_router();
    let request = Request::get("/slow")
        .header("x-request-id", "slow-1")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["type"], "https://orderflow.io/problems/timeout");
    assert_eq!(body["instance"], "/slow");
    assert_eq!(body["correlationId"], "slow-1");
}
