//! `GET /orders/{id}/events` on a real listening server: the timeline so far, then live
//! entries committed by another instance of the service, and resuming with `Last-Event-ID`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;

use axum::http::StatusCode;
use common::{PATIENCE, TestApp};
use serde_json::{Value, json};

/// Serves a fresh instance of the app on a free port.
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = order_service::app(app.pool.clone(), &app.config).unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

#[derive(Debug)]
struct SseEvent {
    id: String,
    event: String,
    data: Value,
}

/// Reads Server-Sent Events off a streaming response, skipping comments (keep-alives).
struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    async fn connect(address: SocketAddr, order: &str, last_event_id: Option<&str>) -> Self {
        let mut request = reqwest::Client::new()
            .get(format!("http://{address}/orders/{order}/events"))
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    async fn next(&mut self) -> SseEvent {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in frame.lines() {
                    if let Some(value) = line.strip_prefix("id:") {
                        id = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("event:") {
                        event = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                return SseEvent {
                    id,
                    event,
                    data: serde_json::from_str(&data).unwrap(),
                };
            }
            let chunk = tokio::time::timeout(PATIENCE, self.response.chunk())
                .await
                .expect("an event within the patience")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn the_stream_sends_the_timeline_so_far_then_changes_made_elsewhere_live() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let address = serve(&app).await;
    let mut stream = SseReader::connect(address, &draft.order, None).await;

    let created = stream.next().await;
    assert_eq!(
        (created.id.as_str(), created.event.as_str()),
        ("1", "Created")
    );
    assert_eq!(created.data["seq"], 1);
    assert_eq!(created.data["kind"], "Created");
    assert_eq!(created.data["status"], "Draft");
    assert_eq!(
        created.data["detail"],
        json!({"customerId": draft.customer})
    );
    assert!(created.data["at"].is_string());

    // Another replica (its own pool and listener) makes the change; only the database and its
    // NOTIFY connect the two.
    let replica = app.replica().await;
    let placed = replica
        .call(
            axum::http::Method::POST,
            &format!("/orders/{}/place", draft.order),
            None,
            &[("x-request-id", "req-live")],
        )
        .await;
    assert_eq!(placed.status, StatusCode::ACCEPTED, "{:?}", placed.body);
    let event = stream.next().await;
    assert_eq!((event.id.as_str(), event.event.as_str()), ("2", "Placed"));
    assert_eq!(event.data["status"], "Placed");
    assert_eq!(event.data["correlationId"], "req-live");
    assert_eq!(
        event.data["detail"]["total"],
        json!({"amount": 2598, "currency": "EUR"})
    );

    replica
        .post(
            &format!("/orders/{}/cancel", draft.order),
            Some(json!({"reason": "too slow"})),
        )
        .await;
    let event = stream.next().await;
    assert_eq!(
        (event.id.as_str(), event.event.as_str()),
        ("3", "Cancelled")
    );
    assert_eq!(event.data["detail"]["reason"], "too slow");
    assert_eq!(event.data["status"], "Cancelled");
}

#[tokio::test]
async fn a_client_resumes_after_the_last_event_it_saw() {
    let app = TestApp::spawn().await;
    let draft = app.placed().await;
    app.post(
        &format!("/orders/{}/cancel", draft.order),
        Some(json!({"reason": "too slow"})),
    )
    .await;
    let address = serve(&app).await;
    let mut stream = SseReader::connect(address, &draft.order, Some("2")).await;
    let event = stream.next().await;
    assert_eq!(
        (event.id.as_str(), event.event.as_str()),
        ("3", "Cancelled")
    );
    assert_eq!(event.data["seq"], 3);
}

#[tokio::test]
async fn a_malformed_last_event_id_is_400() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let response = app
        .call(
            axum::http::Method::GET,
            &format!("/orders/{}/events", draft.order),
            None,
            &[("last-event-id", "yesterday")],
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
}
