//! Forwarding through the real gateway to service doubles over TCP: routing, headers,
//! correlation ids, admin routes, failures of the services and streamed responses.

mod common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::{TestGateway, closed_url, header};
use gateway_service::routes::Upstream;
use serde_json::Value;

#[tokio::test]
async fn every_prefix_reaches_its_service_with_path_query_and_body() {
    let gateway = TestGateway::spawn().await;
    let cases = [
        (
            Method::GET,
            "/api/customers?page=2&per_page=5",
            Upstream::Customer,
            "/customers?page=2&per_page=5",
        ),
        (
            Method::GET,
            "/api/customers/c1",
            Upstream::Customer,
            "/customers/c1",
        ),
        (
            Method::GET,
            "/api/customers/c1/notifications?page=1",
            Upstream::Notification,
            "/customers/c1/notifications?page=1",
        ),
        (Method::POST, "/api/orders", Upstream::Order, "/orders"),
        (
            Method::PUT,
            "/api/products/p1",
            Upstream::Inventory,
            "/products/p1",
        ),
        (
            Method::DELETE,
            "/api/reservations/r1",
            Upstream::Inventory,
            "/reservations/r1",
        ),
        (
            Method::PATCH,
            "/api/payments/p9?x=%20y",
            Upstream::Payment,
            "/payments/p9?x=%20y",
        ),
        (
            Method::GET,
            "/api/notifications/n1",
            Upstream::Notification,
            "/notifications/n1",
        ),
    ];
    let count = cases.len();
    for (method, path, upstream, upstream_uri) in cases {
        let body = format!("{{\"sent\":\"{path}\"}}");
        let response = gateway
            .request(method.clone(), path)
            .header("content-type", "application/json")
            .header("x-custom", "kept")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let expected = if method == Method::POST {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        assert_eq!(response.status(), expected, "{path}");
        assert_eq!(header(&response, "x-served-by"), upstream.name(), "{path}");
        assert_eq!(header(&response, "location"), "/somewhere/1", "{path}");
        let echoed: Value = response.json().await.unwrap();
        assert_eq!(echoed["uri"], upstream_uri, "{path}");

        let received = gateway.double(upstream).received();
        let last = received.last().unwrap();
        assert_eq!(last.method, method, "{path}");
        assert_eq!(last.uri, upstream_uri, "{path}");
        assert_eq!(last.body, body.as_bytes(), "{path}");
        assert_eq!(last.header("x-custom"), "kept");
        assert_eq!(last.header("content-type"), "application/json");
    }
    // Every request reached exactly one service.
    assert_eq!(gateway.all_received().len(), count);
}

#[tokio::test]
async fn services_learn_who_the_client_is() {
    let gateway = TestGateway::spawn().await;
    gateway
        .request(Method::GET, "/api/orders")
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .unwrap();
    let received = gateway.double(Upstream::Order).received();
    let request = received.last().unwrap();
    assert_eq!(request.header("x-forwarded-for"), "203.0.113.7, 127.0.0.1");
    let host = gateway.url.trim_start_matches("http://");
    assert_eq!(
        request.header("forwarded"),
        format!("for=127.0.0.1;proto=http;host=\"{host}\"")
    );
    assert_eq!(request.header("x-forwarded-host"), host);
    assert_eq!(request.header("x-forwarded-proto"), "http");
    assert!(
        request.header("host").ends_with(
            gateway
                .double(Upstream::Order)
                .url
                .authority()
                .unwrap()
                .as_str()
        ),
        "the service sees its own host, not the gateway's: {}",
        request.header("host")
    );
}

#[tokio::test]
async fn unknown_api_routes_are_404_problems_and_reach_no_service() {
    let gateway = TestGateway::spawn().await;
    for path in [
        "/api/unknown",
        "/api",
        "/api/",
        "/api/customersx/1",
        "/api/admin/billing/faults",
    ] {
        let response = gateway.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            header(&response, "content-type"),
            "application/problem+json"
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["status"], 404);
    }
    assert!(gateway.all_received().is_empty());
}

#[tokio::test]
async fn a_correlation_id_is_made_when_absent_and_reaches_the_service() {
    let gateway = TestGateway::spawn().await;
    let response = gateway.get("/api/orders/1").await;
    let id = header(&response, "x-request-id").to_owned();
    assert!(!id.is_empty(), "the response carries the correlation id");
    let received = gateway.double(Upstream::Order).received();
    assert_eq!(received.last().unwrap().header("x-request-id"), id);

    let response = gateway
        .request(Method::GET, "/api/payments/1")
        .header("x-request-id", "client-chosen-42")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&response, "x-request-id"), "client-chosen-42");
    let received = gateway.double(Upstream::Payment).received();
    assert_eq!(
        received.last().unwrap().header("x-request-id"),
        "client-chosen-42"
    );
}

#[tokio::test]
async fn admin_routes_need_the_token_and_are_never_forwarded_without_it() {
    let gateway = TestGateway::spawn_with(|config| {
        config.admin.admin_token = Some("s3cret".to_owned());
    })
    .await;
    for authorization in [None, Some("Bearer wrong"), Some("s3cret")] {
        let mut request = gateway.request(Method::POST, "/api/admin/order/dead-letters/replay");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
        assert_eq!(
            header(&response, "content-type"),
            "application/problem+json"
        );
    }
    assert!(
        gateway.all_received().is_empty(),
        "nothing reached a service"
    );

    let response = gateway
        .request(Method::POST, "/api/admin/order/dead-letters/replay?group=g")
        .header("authorization", "Bearer s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let received = gateway.double(Upstream::Order).received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].uri, "/admin/dead-letters/replay?group=g");
    assert_eq!(received[0].header("authorization"), "Bearer s3cret");
}

#[tokio::test]
async fn admin_routes_are_off_without_a_configured_token() {
    let gateway = TestGateway::spawn().await;
    let response = gateway
        .request(Method::GET, "/api/admin/customer/faults")
        .header("authorization", "Bearer anything")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(gateway.all_received().is_empty());
}

#[tokio::test]
async fn a_service_that_is_down_is_a_503_naming_it_at_once() {
    let down = closed_url().await;
    let gateway = TestGateway::spawn_with(|config| {
        config.upstreams.payment_url = down;
        config.upstream_timeout_secs = 10;
    })
    .await;
    let started = Instant::now();
    let response = gateway.get("/api/payments/1").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        header(&response, "content-type"),
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("payment"),
        "{problem}"
    );
    assert_eq!(problem["instance"], "/api/payments/1");

    // The other services are unaffected.
    assert_eq!(gateway.get("/api/orders").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_service_that_never_answers_is_a_504_after_the_upstream_timeout() {
    let gateway = TestGateway::spawn_with(|config| config.upstream_timeout_secs = 1).await;
    let started = Instant::now();
    let response = gateway.get("/api/orders/never").await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        header(&response, "content-type"),
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("order"),
        "{problem}"
    );
    assert_eq!(gateway.double(Upstream::Order).received().len(), 1);
}

#[tokio::test]
async fn event_streams_pass_through_as_they_are_sent() {
    let gateway = TestGateway::spawn_with(|config| config.upstream_timeout_secs = 1).await;
    let order = gateway.double(Upstream::Order).clone();

    // The double holds the stream open after its first event; a gateway that buffered the
    // body would deliver nothing (not even the headers) until the test releases it.
    let first = tokio::time::timeout(Duration::from_secs(5), async {
        let mut response = gateway
            .request(Method::GET, "/api/orders/o1/events")
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        let chunk = response.chunk().await.unwrap().unwrap();
        (response, chunk)
    })
    .await;
    let (mut response, chunk) =
        first.expect("the first event arrives while the stream is held open");
    assert_eq!(header(&response, "content-type"), "text/event-stream");
    assert_eq!(&chunk[..], b"event: status\ndata: first\n\n");

    // Not synchronisation: the stream is kept open past the upstream timeout, to show that
    // only the wait for the headers is bounded.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    order.release_stream();
    let mut rest = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        rest.extend_from_slice(&chunk);
    }
    assert_eq!(rest, b"event: status\ndata: second\n\n");
}
