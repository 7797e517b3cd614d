//! Spawns the real inventory application on a fresh database of its own, and, for the
//! saga tests, its outbox relay and stock-command consumer on a broker prefix of its own.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::http::{Method, StatusCode};
use inventory_service::{MIGRATOR, app, config::Config};
use orderflow_contracts::topics::{INVENTORY_COMMANDS, INVENTORY_EVENTS};
use orderflow_contracts::{EventHeaders, IntegrationEvent, encode_payload};
use orderflow_runtime::config::DatabaseConfig;
use orderflow_runtime::messaging::KafkaConfig;
use orderflow_testkit::http::{TestClient, TestResponse};
use orderflow_testkit::records::{Record, produce, read_topic_until};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long a test waits for the broker round trip (consumer group join included).
pub const PATIENCE: Duration = Duration::from_secs(60);

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

    /// `(stockOnHand, reserved, available)` of a product, as the API shows them.
    pub async fn counts(&self, id: &str) -> (u64, u64, u64) {
        let response = self.get(&format!("/products/{id}")).await;
        assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
        let count = |field: &str| response.body[field].as_u64().unwrap();
        (count("stockOnHand"), count("reserved"), count("available"))
    }

    /// Creates the command and event topics (their producers' job in production) and
    /// starts the outbox relay and the stock-command consumer.
    pub async fn start_workers(&self) -> Workers {
        let kafka = &self.config.kafka;
        kafka
            .ensure_topics(&[
                (kafka.topic(INVENTORY_COMMANDS), 3),
                (kafka.topic(INVENTORY_EVENTS), 3),
            ])
            .await
            .unwrap();
        let stop = CancellationToken::new();
        let relay = inventory_service::relay(self.pool.clone(), &self.config).unwrap();
        let consumer = inventory_service::consumer(self.pool.clone(), &self.config).unwrap();
        let tasks = vec![
            tokio::spawn(relay.run(stop.clone())),
            tokio::spawn({
                let stop = stop.clone();
                async move { consumer.run(stop).await.unwrap() }
            }),
        ];
        Workers { stop, tasks }
    }

    /// Produces a saga command to the physical command topic as the order service would
    /// (keyed by order id, correlated by it); returns its event id.
    pub async fn send_command<E: IntegrationEvent>(&self, command: &E) -> Uuid {
        let id = Uuid::now_v7();
        self.send_command_as(command, id).await;
        id
    }

    /// Produces `command` with the given event id, e.g. to redeliver one already sent.
    pub async fn send_command_as<E: IntegrationEvent>(&self, command: &E, id: Uuid) {
        let headers = EventHeaders::for_event(command, id, chrono::Utc::now())
            .with_correlation_id(command.subject());
        let pairs = headers.to_pairs();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let kafka = &self.config.kafka;
        produce(
            &kafka.kafka_bootstrap_servers,
            &kafka.topic(E::TOPIC),
            &command.subject(),
            &encode_payload(command).unwrap(),
            &pairs,
        )
        .await
        .unwrap();
    }

    /// The replies published about `order_id`, oldest first, once there are at least `n`
    /// (or whatever arrived within [`PATIENCE`], for the caller's assertion to report).
    pub async fn replies(&self, order_id: Uuid, n: usize) -> Vec<Record> {
        let key = order_id.to_string();
        let kafka = &self.config.kafka;
        let (bootstrap, topic) = (
            kafka.kafka_bootstrap_servers.clone(),
            kafka.topic(INVENTORY_EVENTS),
        );
        let records = tokio::task::spawn_blocking(move || {
            read_topic_until(&bootstrap, &topic, PATIENCE, |records| {
                records.iter().filter(|r| r.key_str() == key).count() >= n
            })
        })
        .await
        .unwrap()
        .unwrap();
        let mut mine: Vec<Record> = records
            .into_iter()
            .filter(|r| r.key_str() == order_id.to_string())
            .collect();
        mine.sort_by_key(|r| r.offset);
        mine
    }

    /// The `n`th reply about `order_id` (1-based), once it arrived: its type and payload.
    pub async fn reply(&self, order_id: Uuid, n: usize) -> (String, Value) {
        let replies = self.replies(order_id, n).await;
        assert!(
            replies.len() >= n,
            "expected {n} replies for order {order_id}, got {:?}",
            summary(&replies)
        );
        let record = &replies[n - 1];
        (
            record.header("ce_type").unwrap().to_owned(),
            record.json().unwrap(),
        )
    }

    /// Polls `GET uri` with the admin token until `done` holds for the body, or panics at
    /// the deadline.
    pub async fn poll_admin(&self, uri: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
        let bearer = format!("Bearer {token}");
        let (bearer, done) = (bearer.as_str(), &done);
        orderflow_testkit::eventually(uri, PATIENCE, move || async move {
            let response = self
                .call(Method::GET, uri, None, &[("authorization", bearer)])
                .await;
            assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
            if done(&response.body) {
                Ok(response.body)
            } else {
                Err(response.body)
            }
        })
        .await
    }
}

/// `ce_type` of each record, for assertion messages.
pub fn summary(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| r.header("ce_type").unwrap_or("?").to_owned())
        .collect()
}

/// The relay and the consumer of one test.
pub struct Workers {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    pub async fn stop(self) {
        self.stop.cancel();
        for task in self.tasks {
            task.await.unwrap();
        }
    }
}

/// A contracts stock line.
pub fn line(product_id: &str, quantity: u32) -> orderflow_contracts::StockLine {
    orderflow_contracts::StockLine {
        product_id: product_id.parse().unwrap(),
        quantity,
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
