//! Spawns the real payment application on a fresh database of its own, and drives its
//! consumer through the real broker.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::http::Method;
use orderflow_contracts::topics::{PAYMENT_COMMANDS, PAYMENT_EVENTS};
use orderflow_contracts::{
    EventHeaders, IntegrationEvent, Money, ProcessPayment, RefundPayment, encode_payload,
};
use orderflow_runtime::config::DatabaseConfig;
use orderflow_runtime::events::EventContext;
use orderflow_runtime::messaging::KafkaConfig;
use orderflow_testkit::http::{TestClient, TestResponse};
use orderflow_testkit::records::{Record, produce, read_topic_until};
use payment_domain::PaymentReply;
use payment_service::application::ProcessingError;
use payment_service::config::Config;
use payment_service::{MIGRATOR, Processor, app, consumer, processor, relay};
use serde_json::Value;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const ADMIN_TOKEN: &str = "test-admin-token";
/// How long a test waits for the broker before giving up.
pub const KAFKA_WAIT: Duration = Duration::from_secs(60);

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
    /// The app with its admin routes on (bearer [`ADMIN_TOKEN`]) and the default rules.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a configuration the test adjusts first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let database = orderflow_testkit::database().await.expect("test database");
        let kafka = orderflow_testkit::kafka().await.expect("test broker");
        let kafka_config = KafkaConfig::new(&kafka.bootstrap).with_prefix(&kafka.prefix);
        let mut config = Config::for_tests(&database.url, kafka_config);
        config.admin.admin_token = Some(ADMIN_TOKEN.to_owned());
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

    /// An admin request with the bearer token.
    pub async fn admin(&self, method: Method, uri: &str, body: Option<Value>) -> TestResponse {
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        self.call(method, uri, body, &[("authorization", bearer.as_str())])
            .await
    }

    pub async fn payment(&self, order: Uuid) -> TestResponse {
        self.get(&format!("/payments/{order}")).await
    }

    /// The processor the consumer uses, on this app's rules and faults.
    pub fn processor(&self) -> Processor {
        processor(&self.config).expect("valid rules")
    }

    /// Handles a `ProcessPayment` in a committed transaction of its own, without Kafka.
    pub async fn charge(&self, command: &ProcessPayment) -> Result<PaymentReply, ProcessingError> {
        let mut tx = self.pool.begin().await.unwrap();
        let reply = self
            .processor()
            .process(&mut tx, command, &context(command.order_id))
            .await?;
        tx.commit().await.unwrap();
        Ok(reply)
    }

    /// Handles a `RefundPayment` in a committed transaction of its own, without Kafka.
    pub async fn refund(&self, command: &RefundPayment) -> Result<PaymentReply, ProcessingError> {
        let mut tx = self.pool.begin().await.unwrap();
        let reply = self
            .processor()
            .refund(&mut tx, command, &context(command.order_id))
            .await?;
        tx.commit().await.unwrap();
        Ok(reply)
    }

    /// Creates the command and reply topics, then runs the real consumer and relay.
    pub async fn start_messaging(&self) -> Messaging {
        let kafka = &self.config.kafka;
        kafka
            .ensure_topics(&[
                (kafka.topic(PAYMENT_COMMANDS), 3),
                (kafka.topic(PAYMENT_EVENTS), 3),
            ])
            .await
            .expect("topics");
        let stop = CancellationToken::new();
        let runner = consumer(self.pool.clone(), &self.config).expect("consumer");
        let relay = relay(self.pool.clone(), &self.config).expect("relay");
        let tasks = vec![
            tokio::spawn({
                let stop = stop.clone();
                async move { runner.run(stop).await.expect("consumer run") }
            }),
            tokio::spawn(relay.run(stop.clone())),
        ];
        Messaging { stop, tasks }
    }

    /// Produces a saga command to the physical command topic, as the order service would.
    pub async fn send<E: IntegrationEvent>(&self, command: &E, event_id: Uuid) {
        let subject = command.subject();
        let headers = EventHeaders::for_event(command, event_id, chrono::Utc::now())
            .with_correlation_id(subject.clone())
            .to_pairs();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        produce(
            &self.config.kafka.kafka_bootstrap_servers,
            &self.config.kafka.topic(E::TOPIC),
            &subject,
            &encode_payload(command).unwrap(),
            &headers,
        )
        .await
        .expect("produced");
    }

    /// Reads `logical` until `n` records keyed by `key` arrived (or [`KAFKA_WAIT`] passed),
    /// and returns those records.
    pub async fn records(&self, logical: &str, key: String, n: usize) -> Vec<Record> {
        let bootstrap = self.config.kafka.kafka_bootstrap_servers.clone();
        let topic = self.config.kafka.topic(logical);
        let records = tokio::task::spawn_blocking({
            let key = key.clone();
            move || {
                read_topic_until(&bootstrap, &topic, KAFKA_WAIT, |records| {
                    records.iter().filter(|r| r.key_str() == key).count() >= n
                })
            }
        })
        .await
        .unwrap()
        .unwrap();
        records.into_iter().filter(|r| r.key_str() == key).collect()
    }

    /// The replies to the commands about `order`, waiting for `n` of them.
    pub async fn replies(&self, order: Uuid, n: usize) -> Vec<Record> {
        let replies = self.records(PAYMENT_EVENTS, order.to_string(), n).await;
        assert_eq!(replies.len(), n, "expected {n} replies for order {order}");
        replies
    }

    /// Polls `GET uri` (admin) until `done` holds for the body, or panics at the deadline.
    pub async fn poll_admin(&self, uri: &str, done: impl Fn(&Value) -> bool) -> Value {
        let done = &done;
        orderflow_testkit::eventually(uri, KAFKA_WAIT, move || async move {
            let body = self.admin(Method::GET, uri, None).await.body;
            if done(&body) { Ok(body) } else { Err(body) }
        })
        .await
    }
}

/// The running consumer and relay of one test.
pub struct Messaging {
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Messaging {
    pub async fn stop(self) {
        self.stop.cancel();
        for task in self.tasks {
            task.await.unwrap();
        }
    }
}

/// The context the saga gives its commands: correlated by order.
pub fn context(order: Uuid) -> EventContext {
    EventContext::correlated(order.to_string())
}

pub fn eur(amount: i64) -> Money {
    Money::new(amount, "EUR")
}

pub fn process(order: Uuid, customer: Uuid, amount: i64, token: Option<&str>) -> ProcessPayment {
    ProcessPayment {
        order_id: order,
        customer_id: customer,
        amount: eur(amount),
        payment_token: token.map(str::to_owned),
    }
}

pub fn refund(order: Uuid, amount: i64, reason: &str) -> RefundPayment {
    RefundPayment {
        order_id: order,
        amount: eur(amount),
        reason: reason.to_owned(),
    }
}

/// The ledger kinds of a payment as the API shows it.
pub fn ledger_kinds(payment: &Value) -> Vec<String> {
    payment["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["kind"].as_str().unwrap().to_owned())
        .collect()
}
