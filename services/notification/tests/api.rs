//! The HTTP surface without the consumer: history reads, errors, readiness, admin routes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{ADMIN_TOKEN, TestApp};
use notification_service::app;
use notification_service::config::Config;
use orderflow_runtime::messaging::KafkaConfig;
use orderflow_runtime::redis::{RedisConfig, connect};
use orderflow_testkit::RedisServer;
use orderflow_testkit::http::TestClient;
use uuid::Uuid;

#[tokio::test]
async fn a_customer_never_notified_has_an_empty_history() {
    let app = TestApp::spawn().await;
    let response = app.notifications(Uuid::now_v7()).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["items"], serde_json::json!([]));
    assert_eq!(response.body["total"], 0);
}

#[tokio::test]
async fn a_malformed_customer_id_is_a_bad_request() {
    let app = TestApp::spawn().await;
    let response = app.get("/customers/not-a-uuid/notifications").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
}

#[tokio::test]
async fn the_notification_resource_lists_by_customer_and_requires_one() {
    let app = TestApp::spawn().await;
    let response = app
        .get(&format!("/notifications?customerId={}", Uuid::now_v7()))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.body["items"], serde_json::json!([]));
    let response = app.get("/notifications").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
}

#[tokio::test]
async fn invalid_paging_is_a_bad_request_naming_the_field() {
    let app = TestApp::spawn().await;
    let uri = format!("/customers/{}/notifications?per_page=0", Uuid::now_v7());
    let response = app.get(&uri).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["per_page"]);
}

#[tokio::test]
async fn readiness_reports_redis_and_kafka() {
    let app = TestApp::spawn().await;
    let response = app.get("/health/ready").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let names: Vec<&str> = response.body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| check["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["redis", "kafka"]);
}

#[tokio::test]
async fn readiness_fails_while_redis_is_down() {
    let server = tokio::task::spawn_blocking(RedisServer::start_ephemeral)
        .await
        .unwrap()
        .expect("a Redis of this test's own");
    let redis = RedisConfig::new(server.url(), "t:");
    let conn = connect(&redis).await.unwrap();
    let config = Config::for_tests(redis, KafkaConfig::new("127.0.0.1:1"));
    let client = TestClient::new(app(conn, &config).unwrap());
    drop(server);

    let response = client.get("/health/ready").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let redis = &response.body["checks"][0];
    assert_eq!(
        (redis["name"].as_str(), redis["ready"].as_bool()),
        (Some("redis"), Some(false))
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_history() {
    let app = TestApp::spawn().await;
    let document = app.get("/openapi.json").await.body;
    let path = &document["paths"]["/customers/{customerId}/notifications"]["get"];
    assert!(path.is_object(), "{document}");
    assert_eq!(app.get("/docs").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_admin_routes_need_the_token() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get("/admin/faults").await.status,
        StatusCode::UNAUTHORIZED
    );
    let faults = app.admin(Method::GET, "/admin/faults").await;
    assert_eq!(faults.status, StatusCode::OK, "{}", faults.body);
    let bearer = format!("Bearer {ADMIN_TOKEN}x");
    let wrong = app
        .call(
            Method::GET,
            "/admin/dead-letters",
            None,
            &[("authorization", bearer.as_str())],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}
