//! Spawns the real inventory application on a fresh database of its own.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use inventory_service::{MIGRATOR, app, config::Config};
use orderflow_runtime::config::DatabaseConfig;
use orderflow_runtime::messaging::KafkaConfig;
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub pool: PgPool,
    pub config: Config,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn etag(&self) -> String {
        self.headers["etag"].to_str().unwrap().to_owned()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The field names of a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a configuration the test adjusts first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let database = orderflow_testkit::database().await.expect("test database");
        let kafka = orderflow_testkit::kafka().await.expect("test broker");
        let kafka_config = KafkaConfig::new(&kafka.bootstrap).with_prefix(&kafka.prefix);
        let mut config = Config::for_tests(&database.url, kafka_config);
        adjust(&mut config);
        let pool = orderflow_runtime::db::connect(&DatabaseConfig::new(&database.url), &MIGRATOR)
            .await
            .expect("migrated pool");
        Self {
            router: app(pool.clone(), &config).expect("app"),
            pool,
            config,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.call(Method::GET, uri, None, &[]).await
    }

    pub async fn create(&self, body: Value) -> TestResponse {
        self.call(Method::POST, "/products", Some(body), &[]).await
    }

    /// Creates a valid product and returns its id.
    pub async fn created(&self, sku: &str, stock_on_hand: u32) -> String {
        let response = self.create(product(sku, stock_on_hand)).await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        response.body["id"].as_str().unwrap().to_owned()
    }
}

pub fn product(sku: &str, stock_on_hand: u32) -> Value {
    json!({
        "sku": sku,
        "name": "Blue mug, 350 ml",
        "price": {"amount": 1299, "currency": "EUR"},
        "stockOnHand": stock_on_hand
    })
}
