//! Admin routes: off without a token, 401 without the right bearer, dead letters with it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use orderflow_contracts::dead_letter_topic;
use orderflow_contracts::topics::CUSTOMER_EVENTS;
use orderflow_runtime::config::HttpConfig;
use orderflow_runtime::http::{ServiceApp, dead_letter_routes};
use orderflow_runtime::messaging::KafkaConfig;
use orderflow_runtime::messaging::dead_letter::DeadLetterAdmin;
use serde_json::Value;
use tower::ServiceExt;

fn app(kafka: &KafkaConfig, token: Option<&str>) -> axum::Router {
    let admin = DeadLetterAdmin::new(kafka, "projection", &[CUSTOMER_EVENTS]);
    ServiceApp::new(
        "admin-test",
        axum::Router::new(),
        utoipa::openapi::OpenApi::default(),
        HttpConfig::ephemeral(),
    )
    .admin(dead_letter_routes(vec![admin]), token)
    .into_router()
}

async fn get(app: axum::Router, uri: &str, authorization: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::get(uri);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = app
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn kafka() -> KafkaConfig {
    let broker = orderflow_testkit::kafka().await.unwrap();
    let kafka = KafkaConfig::new(&broker.bootstrap).with_prefix(&broker.prefix);
    kafka
        .ensure_topics(&[(
            kafka.topic(&dead_letter_topic(CUSTOMER_EVENTS, "projection")),
            1,
        )])
        .await
        .unwrap();
    kafka
}

#[tokio::test]
async fn admin_routes_are_off_without_a_configured_token() {
    let kafka = kafka().await;
    let (status, _) = get(
        app(&kafka, None),
        "/admin/dead-letters",
        Some("Bearer anything"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admin_routes_need_the_bearer_token() {
    let kafka = kafka().await;
    let (status, body) = get(app(&kafka, Some("s3cret")), "/admin/dead-letters", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["status"], 401);
    let (status, _) = get(
        app(&kafka, Some("s3cret")),
        "/admin/dead-letters",
        Some("Bearer wrong"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = get(
        app(&kafka, Some("s3cret")),
        "/admin/dead-letters",
        Some("Bearer s3cret"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"], serde_json::json!([]));
}

#[tokio::test]
async fn an_unknown_consumer_group_is_a_field_error() {
    let kafka = kafka().await;
    let (status, body) = get(
        app(&kafka, Some("t")),
        "/admin/dead-letters?group=nope",
        Some("Bearer t"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "group");
}

#[tokio::test]
async fn faults_are_set_shown_validated_and_cleared_over_http() {
    use orderflow_runtime::faults::{Faults, routes};
    let faults = Faults::new();
    let app = ServiceApp::new(
        "faults-test",
        axum::Router::new(),
        utoipa::openapi::OpenApi::default(),
        HttpConfig::ephemeral(),
    )
    .admin(routes(faults.clone()), Some("t"))
    .into_router();
    let send = |method: &str, body: Option<&str>| {
        let mut request = Request::builder()
            .method(method)
            .uri("/admin/faults")
            .header("authorization", "Bearer t");
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Body::from(body.unwrap_or_default().to_owned()))
            .unwrap();
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = send(
        "POST",
        Some(r#"{"declineRate": 0.25, "failNextTransient": 2}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            body["declineRate"].as_f64(),
            body["failNextTransient"].as_u64()
        ),
        (Some(0.25), Some(2))
    );
    assert_eq!(
        faults.current().fail_next_transient,
        2,
        "the service sees what the endpoint set"
    );

    let (status, body) = send("POST", Some(r#"{"declineRate": 2}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "declineRate");

    let (status, body) = send("GET", None).await;
    assert_eq!(
        (status, body["declineRate"].as_f64()),
        (StatusCode::OK, Some(0.25))
    );
    let (status, _) = send("DELETE", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(faults.current().fail_next_transient, 0);
}

#[tokio::test]
async fn admin_operations_are_documented_only_while_the_routes_are_on() {
    let kafka = kafka().await;
    let (_, document) = get(app(&kafka, Some("t")), "/openapi.json", None).await;
    let paths = &document["paths"];
    assert_eq!(
        paths["/admin/dead-letters"]["get"]["operationId"],
        "listDeadLetters"
    );
    assert_eq!(
        paths["/admin/dead-letters/replay"]["post"]["security"],
        serde_json::json!([{"adminToken": []}])
    );
    assert_eq!(
        document["components"]["securitySchemes"]["adminToken"]["scheme"],
        "bearer"
    );
    assert!(document["components"]["schemas"]["DeadLetter"].is_object());

    let (_, document) = get(app(&kafka, None), "/openapi.json", None).await;
    assert!(document["paths"].get("/admin/dead-letters").is_none());
}
