//! What the gateway answers itself, over real TCP: rate limits, CORS, the merged OpenAPI
//! document and docs, the web app's files, health and metrics.

mod common;

use std::num::NonZeroU32;

use axum::http::{Method, StatusCode};
use common::{ServiceDouble, TestGateway, closed_url, header, openapi, web_dir};
use gateway_service::routes::Upstream;
use serde_json::{Value, json};

#[tokio::test]
async fn a_client_past_its_burst_gets_429_with_retry_after_but_health_stays_open() {
    let gateway = TestGateway::spawn_with(|config| {
        config.rate_limit_per_second = NonZeroU32::MIN;
        config.rate_limit_burst = NonZeroU32::new(3).unwrap();
    })
    .await;
    for _ in 0..3 {
        assert_eq!(gateway.get("/api/orders").await.status(), StatusCode::OK);
    }
    let limited = gateway.get("/api/orders").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = header(&limited, "retry-after").parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(header(&limited, "content-type"), "application/problem+json");
    assert!(!header(&limited, "x-request-id").is_empty());
    let problem: Value = limited.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    assert_eq!(problem["instance"], "/api/orders");
    assert_eq!(gateway.double(Upstream::Order).received().len(), 3);

    for path in [
        "/health/live",
        "/health/ready",
        "/metrics",
        "/health/upstreams",
    ] {
        for _ in 0..5 {
            assert_eq!(gateway.get(path).await.status(), StatusCode::OK, "{path}");
        }
    }
}

#[tokio::test]
async fn the_web_app_origin_passes_cors_preflight_and_others_do_not() {
    let gateway = TestGateway::spawn().await;
    let preflight = |origin: &'static str| {
        gateway
            .request(Method::OPTIONS, "/api/orders")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, if-match")
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        "http://localhost:5173"
    );
    assert!(header(&allowed, "access-control-allow-methods").contains("POST"));
    assert!(header(&allowed, "access-control-allow-headers").contains("if-match"));

    let refused = preflight("https://evil.example").await.unwrap();
    assert_eq!(header(&refused, "access-control-allow-origin"), "");
    assert!(
        gateway.all_received().is_empty(),
        "preflights are answered at the gateway"
    );

    let simple = gateway
        .request(Method::GET, "/api/orders")
        .header("origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&simple, "access-control-allow-origin"),
        "http://localhost:5173"
    );
    assert!(header(&simple, "access-control-expose-headers").contains("x-request-id"));
}

#[tokio::test]
async fn the_openapi_document_merges_the_services_under_their_gateway_paths() {
    let gateway = TestGateway::spawn().await;
    let response = gateway.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    let mut paths: Vec<_> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/api/customers",
            "/api/customers/{id}",
            "/api/customers/{id}/notifications",
            "/api/orders",
            "/api/orders/{id}/events",
            "/api/payments/{id}",
            "/api/products",
            "/api/reservations/{id}",
            "/health/upstreams",
        ]
    );
    assert_eq!(
        document["paths"]["/api/customers/{id}/notifications"]["get"]["tags"],
        json!(["notification"])
    );
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for name in ["Customer", "Order", "Payment", "Product", "Notification"] {
        assert!(schemas.contains_key(name), "{name} in {schemas:?}");
    }
    let docs = gateway.get("/docs").await;
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.text()
            .await
            .unwrap()
            .contains("data-url=\"/openapi.json\"")
    );
}

#[tokio::test]
async fn colliding_schemas_are_namespaced_and_a_service_that_is_down_is_left_out() {
    let order = ServiceDouble::start(
        "order",
        openapi(
            &["/orders"],
            json!({"Item": {"type": "object", "required": ["sku"]}}),
        ),
    )
    .await;
    let inventory = ServiceDouble::start(
        "inventory",
        openapi(
            &["/products"],
            json!({"Item": {"type": "object", "required": ["onHand"]}}),
        ),
    )
    .await;
    let mut doubles = Vec::new();
    for upstream in Upstream::ALL {
        doubles.push(match upstream {
            Upstream::Order => order.clone(),
            Upstream::Inventory => inventory.clone(),
            other => ServiceDouble::start(other.name(), openapi(&[], json!({}))).await,
        });
    }
    let down = closed_url().await;
    let gateway =
        TestGateway::spawn_in_front_of(doubles, |config| config.upstreams.payment_url = down).await;
    let document: Value = gateway.get("/openapi.json").await.json().await.unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("order.Item") && schemas.contains_key("inventory.Item"));
    assert!(!schemas.contains_key("Item"));
    let description = document["info"]["description"].as_str().unwrap();
    assert!(description.contains("payment"), "{description}");
}

#[tokio::test]
async fn the_web_app_is_served_with_a_fallback_to_its_index() {
    let dir = web_dir("spa");
    let gateway = TestGateway::spawn_with(|config| config.web_dir = Some(dir.clone())).await;

    let index = gateway.get("/").await;
    assert_eq!(index.status(), StatusCode::OK);
    assert!(header(&index, "content-type").starts_with("text/html"));
    assert_eq!(index.text().await.unwrap(), "<html>OrderFlow</html>");

    let script = gateway.get("/assets/app.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(header(&script, "content-type").contains("javascript"));
    assert_eq!(script.text().await.unwrap(), "console.log('app')");

    let deep_link = gateway.get("/orders/42").await;
    assert_eq!(deep_link.status(), StatusCode::OK);
    assert_eq!(deep_link.text().await.unwrap(), "<html>OrderFlow</html>");

    let api = gateway.get("/api/nothing-here").await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&api, "content-type"), "application/problem+json");
    assert_eq!(gateway.get("/health/live").await.status(), StatusCode::OK);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn without_a_web_app_the_root_points_at_the_api_and_docs() {
    let gateway = TestGateway::spawn().await;
    let root: Value = gateway.get("/").await.json().await.unwrap();
    assert_eq!(root["api"], "/api");
    assert_eq!(root["docs"], "/docs");
    assert_eq!(
        gateway.get("/orders/42").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn upstream_health_is_reported_without_making_the_gateway_unready() {
    let down = closed_url().await;
    let gateway = TestGateway::spawn_with(|config| config.upstreams.inventory_url = down).await;
    let response = gateway.get("/health/upstreams").await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["status"], "degraded");
    let upstreams = report["upstreams"].as_array().unwrap();
    assert_eq!(upstreams.len(), 5);
    for upstream in upstreams {
        let expected = upstream["name"] != "inventory";
        assert_eq!(upstream["ready"], expected, "{upstream}");
    }
    assert_eq!(gateway.get("/health/ready").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_per_upstream() {
    let gateway = TestGateway::spawn().await;
    gateway.get("/api/reservations/r1").await;
    let metrics = gateway.get("/metrics").await.text().await.unwrap();
    let line = metrics
        .lines()
        .find(|line| {
            line.starts_with("gateway_upstream_requests_total")
                && line.contains("upstream=\"inventory\"")
                && line.contains("outcome=\"200\"")
        })
        .unwrap_or_else(|| panic!("no inventory count in {metrics}"));
    assert!(!line.ends_with(" 0"), "{line}");
    assert!(metrics.contains("gateway_upstream_request_duration_seconds_bucket"));
}
