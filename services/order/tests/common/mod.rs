//! Spawns the real order application on a fresh database of its own, with a broker prefix of
//! its own, and drives its consumer with events produced to the real broker.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::Utc;
use order_domain::{CustomerId, ProductId};
use order_service::application::{CustomerRegistration, ProductInfo, ReadModels};
use order_service::infrastructure::PgStore;
use order_service::{MIGRATOR, app, config::Config};
use orderflow_contracts::{EventHeaders, IntegrationEvent, TOPICS, encode_payload};
use orderflow_kernel::{Currency, Money};
use orderflow_runtime::config::DatabaseConfig;
use orderflow_runtime::messaging::KafkaConfig;
use orderflow_testkit::http::{TestClient, TestResponse};
use orderflow_testkit::records::{Record, produce, read_topic_until};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long a test waits for something asynchronous (a consumer, the relay) to happen.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub struct TestApp {
    pub client: TestClient,
    pub pool: PgPool,
    pub config: Config,
    pub database_url: String,
}

/// The client's `get`, `call` and `send` are the app's.
impl std::ops::Deref for TestApp {
    type Target = TestClient;

    fn deref(&self) -> &TestClient {
        &self.client
    }
}

/// The consumer group and the relay, running until dropped.
pub struct Workers {
    stop: CancellationToken,
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop.cancel();
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
            database_url: database.url.clone(),
        }
    }

    /// A second, independent instance of the service on the same database and broker: its own
    /// pool, router and listener, as another replica would have.
    pub async fn replica(&self) -> Self {
        let pool =
            orderflow_runtime::db::connect(&DatabaseConfig::new(&self.database_url), &MIGRATOR)
                .await
                .expect("migrated pool");
        Self {
            client: TestClient::new(app(pool.clone(), &self.config).expect("app")),
            pool,
            config: self.config.clone(),
            database_url: self.database_url.clone(),
        }
    }

    /// Creates every registry topic under this test's prefix.
    pub async fn create_topics(&self) {
        let kafka = &self.config.kafka;
        let topics: Vec<(String, i32)> = TOPICS.iter().map(|t| (kafka.topic(t.name), 3)).collect();
        kafka.ensure_topics(&topics).await.expect("topics");
    }

    /// Starts the consumer group "order" and the outbox relay.
    pub async fn start_workers(&self) -> Workers {
        self.create_topics().await;
        let stop = CancellationToken::new();
        let consumer = order_service::consumer(self.pool.clone(), &self.config).expect("consumer");
        let relay = order_service::relay(self.pool.clone(), &self.config).expect("relay");
        tokio::spawn({
            let stop = stop.clone();
            async move { consumer.run(stop).await.expect("consumer ran") }
        });
        tokio::spawn(relay.run(stop.clone()));
        Workers { stop }
    }

    // ----- read models, seeded through their use case -----

    pub async fn seed_product(&self, name: &str, amount: i64, currency: Currency) -> String {
        let id = ProductId::new();
        let mut conn = self.pool.acquire().await.unwrap();
        ReadModels::new(PgStore)
            .product_changed(
                &mut conn,
                &ProductInfo {
                    id,
                    name: name.to_owned(),
                    price: Money::new(amount, currency),
                    as_of: Utc::now(),
                },
            )
            .await
            .unwrap();
        id.to_string()
    }

    /// A registered, active customer.
    pub async fn seed_customer(&self) -> String {
        let id = CustomerId::new();
        let mut conn = self.pool.acquire().await.unwrap();
        ReadModels::new(PgStore)
            .customer_registered(
                &mut conn,
                &CustomerRegistration {
                    id,
                    name: "Ada Lovelace".into(),
                    email: format!("{id}@example.com"),
                    registered_at: Utc::now(),
                },
            )
            .await
            .unwrap();
        id.to_string()
    }

    pub async fn deactivate_customer(&self, id: &str) {
        let mut conn = self.pool.acquire().await.unwrap();
        ReadModels::new(PgStore)
            .customer_activity_changed(&mut conn, id.parse().unwrap(), false, Utc::now())
            .await
            .unwrap();
    }

    // ----- the API -----

    pub async fn post(&self, uri: &str, body: Option<Value>) -> TestResponse {
        self.call(Method::POST, uri, body, &[]).await
    }

    /// A draft of `customer`; returns its id.
    pub async fn draft(&self, customer: &str) -> String {
        let response = self
            .post("/orders", Some(json!({ "customerId": customer })))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
        response.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn add_line(&self, order: &str, product: &str, quantity: i64) -> TestResponse {
        self.post(
            &format!("/orders/{order}/lines"),
            Some(json!({ "productId": product, "quantity": quantity })),
        )
        .await
    }

    /// A draft of a known customer with two mugs at 12.99 EUR (total 25.98 EUR).
    pub async fn filled_draft(&self) -> Draft {
        let customer = self.seed_customer().await;
        let product = self.seed_product("Blue mug", 1299, Currency::EUR).await;
        let order = self.draft(&customer).await;
        let response = self.add_line(&order, &product, 2).await;
        assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
        Draft {
            order,
            customer,
            product,
        }
    }

    /// A placed order (saga awaiting stock), paid with `tok_test`.
    pub async fn placed(&self) -> Draft {
        let draft = self.filled_draft().await;
        let response = self
            .post(
                &format!("/orders/{}/place", draft.order),
                Some(json!({ "paymentToken": "tok_test" })),
            )
            .await;
        assert_eq!(response.status, StatusCode::ACCEPTED, "{:?}", response.body);
        draft
    }

    pub async fn order(&self, id: &str) -> Value {
        let response = self.get(&format!("/orders/{id}")).await;
        assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
        response.body
    }

    /// Polls the order until `done` holds for it, or fails after [`PATIENCE`].
    pub async fn wait_order(&self, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let done = &done;
        orderflow_testkit::eventually(what, PATIENCE, move || async move {
            let order = self.order(id).await;
            if done(&order) { Ok(order) } else { Err(order) }
        })
        .await
    }

    // ----- messages -----

    /// Produces `event` to its topic as its producer would; returns its event id.
    pub async fn publish<E: IntegrationEvent>(&self, event: &E) -> Uuid {
        let id = Uuid::now_v7();
        self.publish_as(event, id).await;
        id
    }

    /// Produces `event` with the given event id (a redelivery when the id was used before).
    pub async fn publish_as<E: IntegrationEvent>(&self, event: &E, id: Uuid) {
        let headers =
            EventHeaders::for_event(event, id, Utc::now()).with_correlation_id(event.subject());
        let pairs = headers.to_pairs();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let kafka = &self.config.kafka;
        produce(
            &kafka.kafka_bootstrap_servers,
            &kafka.topic(E::TOPIC),
            &event.subject(),
            &encode_payload(event).unwrap(),
            &pairs,
        )
        .await
        .unwrap();
    }

    /// Reads a logical topic from the start until `done` holds (or [`PATIENCE`] passes).
    pub async fn read_topic(
        &self,
        logical: &str,
        done: impl Fn(&[Record]) -> bool + Send + 'static,
    ) -> Vec<Record> {
        let bootstrap = self.config.kafka.kafka_bootstrap_servers.clone();
        let topic = self.config.kafka.topic(logical);
        tokio::task::spawn_blocking(move || read_topic_until(&bootstrap, &topic, PATIENCE, done))
            .await
            .unwrap()
            .unwrap()
    }

    /// The outbox rows written for an order (its events and the saga's commands), oldest
    /// first, as (short type, payload, headers): `reserve-stock`, `placed`, ...
    pub async fn outbox(&self, order: &str) -> Vec<(String, Value, Value)> {
        let rows: Vec<(String, Value, Value)> = sqlx::query_as(
            "SELECT type, payload, headers FROM outbox_message WHERE aggregateid = $1 ORDER BY id",
        )
        .bind(order)
        .fetch_all(&self.pool)
        .await
        .unwrap();
        rows.into_iter()
            .map(|(kind, payload, headers)| (short_type(&kind), payload, headers))
            .collect()
    }

    /// The short types of the outbox rows of an order, oldest first.
    pub async fn outbox_types(&self, order: &str) -> Vec<String> {
        self.outbox(order)
            .await
            .into_iter()
            .map(|(t, _, _)| t)
            .collect()
    }

    /// Polls the outbox of an order until `done` holds for its short types.
    pub async fn wait_outbox(&self, order: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        eventually("the outbox", || async {
            let types = self.outbox_types(order).await;
            done(&types).then_some(types)
        })
        .await
    }

    /// Events of the consumer group "order" applied or skipped (the inbox), for waiting until
    /// the consumer has taken a message that changes nothing visible.
    pub async fn inbox_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM inbox_message WHERE consumer_group = 'order'")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn timeline_kinds(&self, order: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT kind FROM order_timeline WHERE order_id = $1 ORDER BY seq")
            .bind(order.parse::<Uuid>().unwrap())
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

/// An order with its customer and the one product on it.
pub struct Draft {
    pub order: String,
    pub customer: String,
    pub product: String,
}

impl Draft {
    pub fn id(&self) -> Uuid {
        self.order.parse().unwrap()
    }
}

/// `orderflow.inventory.reserve-stock.v1` → `reserve-stock`.
fn short_type(event_type: &str) -> String {
    let parts: Vec<&str> = event_type.split('.').collect();
    parts.get(2).copied().unwrap_or(event_type).to_owned()
}

/// Polls `check` until it gives a value, or fails after [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let check = &check;
    orderflow_testkit::eventually(what, PATIENCE, move || async move {
        check().await.ok_or("not yet")
    })
    .await
}
