//! Test doubles of the services, and the real gateway in front of them, over real TCP.
//!
//! The doubles stand in for the customer, order, payment, inventory and notification services,
//! whose real processes need PostgreSQL and the broker: what is tested here is the gateway, so
//! each double is a small axum server on a free port that records every request it receives
//! and answers with what it saw. They also serve what the gateway reads from a service: an
//! `/openapi.json`, `/health/ready`, an event stream held open until the test says, and a route
//! that never answers.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gateway_service::config::Config;
use gateway_service::routes::Upstream;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One request as a service double received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    /// Path and query, as the service saw them.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// A running stand-in for one service.
#[derive(Clone)]
pub struct ServiceDouble {
    pub name: &'static str,
    pub url: Uri,
    received: Arc<Mutex<Vec<Received>>>,
    release_stream: Arc<Notify>,
}

impl ServiceDouble {
    /// Starts a double that serves `openapi` at `/openapi.json`.
    pub async fn start(name: &'static str, openapi: Value) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let double = Self {
            name,
            url: format!("http://{}", listener.local_addr().unwrap())
                .parse()
                .unwrap(),
            received: Arc::default(),
            release_stream: Arc::new(Notify::new()),
        };
        let openapi = Arc::new(openapi);
        let router = Router::new()
            .route(
                "/openapi.json",
                get(move || async move { axum::Json(openapi.as_ref().clone()) }),
            )
            .route("/health/ready", get(|| async { "ready" }))
            .route("/orders/{id}/events", get(events))
            .route("/orders/never", get(never))
            .fallback(echo)
            .with_state(double.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        double
    }

    /// Everything received so far, except the gateway's own health and document look-ups.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Lets the held event stream send its second event and end.
    pub fn release_stream(&self) {
        self.release_stream.notify_one();
    }

    async fn record(&self, request: Request) -> Received {
        let (parts, body) = request.into_parts();
        let received = Received {
            method: parts.method,
            uri: parts.uri.to_string(),
            headers: parts.headers,
            body: body.collect().await.unwrap().to_bytes(),
        };
        self.received.lock().unwrap().push(received.clone());
        received
    }
}

/// Answers with what it received: 201 with a `Location` for POST, else 200.
async fn echo(State(double): State<ServiceDouble>, request: Request) -> Response {
    let received = double.record(request).await;
    let status = if received.method == Method::POST {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        [
            ("x-served-by", double.name),
            (header::LOCATION.as_str(), "/somewhere/1"),
        ],
        axum::Json(json!({
            "service": double.name,
            "method": received.method.as_str(),
            "uri": received.uri,
            "body": String::from_utf8_lossy(&received.body),
        })),
    )
        .into_response()
}

/// An event stream that sends one event, then holds the connection open until the test calls
/// [`ServiceDouble::release_stream`], then sends a second event and ends.
async fn events(State(double): State<ServiceDouble>, request: Request) -> Response {
    double.record(request).await;
    let release = Arc::clone(&double.release_stream);
    let first = futures::stream::iter([Ok::<_, Infallible>(Bytes::from_static(
        b"event: status\ndata: first\n\n",
    ))]);
    let second = futures::stream::once(async move {
        release.notified().await;
        Ok::<_, Infallible>(Bytes::from_static(b"event: status\ndata: second\n\n"))
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(futures::StreamExt::chain(first, second)),
    )
        .into_response()
}

/// Receives the request and never answers it.
async fn never(State(double): State<ServiceDouble>, request: Request) -> Response {
    double.record(request).await;
    std::future::pending().await
}

/// A minimal OpenAPI document with one path answering `schema`.
pub fn openapi(paths: &[&str], schemas: Value) -> Value {
    let paths: serde_json::Map<String, Value> = paths
        .iter()
        .map(|path| {
            (
                (*path).to_owned(),
                json!({"get": {"operationId": format!("get {path}"), "responses": {"200": {"description": "ok"}}}}),
            )
        })
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {"title": "double", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas}
    })
}

/// An address where nothing listens: a port bound and released again.
pub async fn closed_url() -> Uri {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}").parse().unwrap()
}

/// The five service doubles and the gateway in front of them.
pub struct TestGateway {
    pub url: String,
    pub doubles: Vec<ServiceDouble>,
    pub http: reqwest::Client,
}

impl TestGateway {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a configuration the test adjusts first (it may point upstreams elsewhere).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let mut doubles = Vec::new();
        for upstream in Upstream::ALL {
            doubles.push(ServiceDouble::start(upstream.name(), default_openapi(upstream)).await);
        }
        Self::spawn_in_front_of(doubles, adjust).await
    }

    pub async fn spawn_in_front_of(
        doubles: Vec<ServiceDouble>,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = Config::for_tests(&doubles[0].url);
        for (upstream, double) in Upstream::ALL.into_iter().zip(&doubles) {
            *config.upstreams.get_mut(upstream) = double.url.clone();
        }
        adjust(&mut config);
        let gateway = gateway_service::app(&config);
        let listener = TcpListener::bind(config.http.http_addr).await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(orderflow_runtime::http::serve(
            listener,
            gateway.router,
            Duration::from_secs(1),
        ));
        Self {
            url: format!("http://{addr}"),
            doubles,
            http: reqwest::Client::new(),
        }
    }

    pub fn double(&self, upstream: Upstream) -> &ServiceDouble {
        &self.doubles[Upstream::ALL.iter().position(|u| *u == upstream).unwrap()]
    }

    /// Requests received by every double, all together.
    pub fn all_received(&self) -> Vec<Received> {
        self.doubles
            .iter()
            .flat_map(ServiceDouble::received)
            .collect()
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(Method::GET, path).send().await.unwrap()
    }
}

fn default_openapi(upstream: Upstream) -> Value {
    match upstream {
        Upstream::Customer => openapi(
            &["/customers", "/customers/{id}", "/health/ready"],
            json!({"Customer": {"type": "object"}}),
        ),
        Upstream::Notification => openapi(
            &["/customers/{id}/notifications"],
            json!({"Notification": {"type": "object"}}),
        ),
        Upstream::Order => openapi(
            &["/orders", "/orders/{id}/events"],
            json!({"Order": {"type": "object"}}),
        ),
        Upstream::Payment => openapi(&["/payments/{id}"], json!({"Payment": {"type": "object"}})),
        Upstream::Inventory => openapi(
            &["/products", "/reservations/{id}"],
            json!({"Product": {"type": "object"}}),
        ),
    }
}

/// A response's header as text, empty when absent.
pub fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A web app build in a directory of this test's own.
pub fn web_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("gateway-web-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<html>OrderFlow</html>").unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log('app')").unwrap();
    dir
}
