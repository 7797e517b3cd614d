//! The operational surface every service shares, checked on the customer service.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;

#[tokio::test]
async fn liveness_and_readiness_answer_with_the_database_and_broker_up() {
    let app = TestApp::spawn().await;
    let live = app.get("/health/live").await;
    assert_eq!(live.status, StatusCode::OK);
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["checks"][0]["name"], "postgres");
    assert_eq!(ready.body["checks"][0]["ready"], true);
    assert_eq!(ready.body["checks"][1]["name"], "kafka");
    assert_eq!(ready.body["checks"][1]["ready"], true);
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.pool.close().await;
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["checks"][0]["ready"], false);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    app.get(&format!("/customers/{}", uuid::Uuid::now_v7()))
        .await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.body.as_str().unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total")
            && l.contains("route=\"/customers/{id}\"")
            && l.contains("status=\"404\"")),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("service=\"customer\""), "{text}");
}

#[tokio::test]
async fn a_correlation_id_is_generated_taken_from_traceparent_or_echoed() {
    let app = TestApp::spawn().await;
    let generated = app.get("/health/live").await;
    assert!(!generated.headers["x-request-id"].is_empty());
    let traced = app
        .call(
            Method::GET,
            "/health/live",
            None,
            &[(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )],
        )
        .await;
    assert_eq!(
        traced.headers["x-request-id"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    let echoed = app
        .call(
            Method::GET,
            "/health/live",
            None,
            &[("x-request-id", "abc")],
        )
        .await;
    assert_eq!(echoed.headers["x-request-id"], "abc");
}

#[tokio::test]
async fn problems_carry_the_correlation_id() {
    let app = TestApp::spawn().await;
    let response = app
        .call(
            Method::GET,
            "/customers/nope",
            None,
            &[("x-request-id", "trace-me")],
        )
        .await;
    assert_eq!(response.body["correlationId"], "trace-me");
    assert_eq!(response.body["instance"], "/customers/nope");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_problems() {
    let app = TestApp::spawn().await;
    let missing = app.get("/nowhere").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.content_type(), "application/problem+json");
    let wrong_method = app.call(Method::DELETE, "/customers", None, &[]).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.content_type(), "application/problem+json");
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint_and_docs_are_served() {
    let app = TestApp::spawn().await;
    let openapi = app.get("/openapi.json").await;
    assert_eq!(openapi.status, StatusCode::OK);
    assert!(openapi.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = openapi.body["paths"].as_object().unwrap();
    for path in [
        "/customers",
        "/customers/{id}",
        "/customers/{id}/email",
        "/customers/{id}/address",
        "/customers/{id}/deactivate",
        "/customers/{id}/activate",
    ] {
        assert!(paths.contains_key(path), "missing {path}");
    }
    assert!(openapi.body["components"]["schemas"]["Problem"].is_object());
    let docs = app.get("/docs").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.body.as_str().unwrap().contains("openapi"),
        "docs page must embed the document"
    );
}

#[tokio::test]
async fn admin_routes_answer_only_with_the_configured_token() {
    let off = TestApp::spawn().await;
    assert_eq!(
        off.call(
            Method::GET,
            "/admin/faults",
            None,
            &[("authorization", "Bearer x")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    let on = TestApp::spawn_with(|config| config.admin.admin_token = Some("s3cret".into())).await;
    let refused = on.get("/admin/faults").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.content_type(), "application/problem+json");
    let shown = on
        .call(
            Method::GET,
            "/admin/faults",
            None,
            &[("authorization", "Bearer s3cret")],
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["declineRate"], 0.0);
}
