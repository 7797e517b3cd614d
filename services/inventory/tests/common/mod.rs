//! Spawns the real inventory application on a fresh database of its own.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::http::{Method, StatusCode};
use inventory_service::{MIGRATOR, app, config::Config};
use orderflow_runtime::config::DatabaseConfig;
use orderflow_runtime::messaging::KafkaConfig;
use orderflow_testkit::http::{TestClient, TestResponse};
use serde_json::{Value, json};
use sqlx::PgPool;

pub struct TestApp {
    pub client: TestClient,
    pub pool: PgPool,
    pub config: Config,
}

/// The client's `get`, `call` and `send` are the app's.
impl std::ops::Deref for TestApp {
    type Target = TestClient;

    fn deref(&self) -> &TestClient {
        &self.client
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
            client: TestClient::new(app(pool.clone(), &config).expect("app")),
            pool,
            config,
        }
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
