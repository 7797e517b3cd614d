//! Spawns the real notification application on a Redis key prefix and broker topics of its
//! own, and feeds its consumer real events through the broker.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod smtp;

use std::time::Duration;

use axum::http::Method;
use chrono::Utc;
use notification_service::config::Config;
use notification_service::{CONSUMED_TOPICS, app, channel, consumer};
use orderflow_contracts::{
    CustomerRegistered, EventHeaders, IntegrationEvent, Money, OrderCancelled, OrderConfirmed,
    OrderPlaced, PaymentFailed, PaymentRefunded, encode_payload,
};
use orderflow_runtime::messaging::KafkaConfig;
use orderflow_runtime::redis::{RedisConfig, connect};
use orderflow_testkit::http::{TestClient, TestResponse};
use orderflow_testkit::records::{Record, produce, read_topic_until};
use redis::aio::ConnectionManager;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const ADMIN_TOKEN: &str = "test-admin-token";
/// How long a test waits for the consumer; the first retry tier alone is 5 s.
pub const WAIT: Duration = Duration::from_secs(60);

pub struct TestApp {
    pub client: TestClient,
    pub config: Config,
    pub conn: ConnectionManager,
}

/// The client's `get` and `call` are the app's.
impl std::ops::Deref for TestApp {
    type Target = TestClient;

    fn deref(&self) -> &TestClient {
        &self.client
    }
}

impl TestApp {
    /// The app with its admin routes on (bearer [`ADMIN_TOKEN`]) and the log channel.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a configuration the test adjusts first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let redis = orderflow_testkit::redis().await.expect("test redis");
        let kafka = orderflow_testkit::kafka().await.expect("test broker");
        let mut config = Config::for_tests(
            RedisConfig::new(&redis.url, &redis.prefix),
            KafkaConfig::new(&kafka.bootstrap).with_prefix(&kafka.prefix),
        );
        config.admin.admin_token = Some(ADMIN_TOKEN.to_owned());
        adjust(&mut config);
        let conn = connect(&config.redis).await.expect("redis connection");
        Self {
            client: TestClient::new(app(conn.clone(), &config).expect("app")),
            config,
            conn,
        }
    }

    /// Creates the topics the consumer reads (their producers' job), 3 partitions each.
    pub async fn create_topics(&self) {
        let kafka = &self.config.kafka;
        let topics: Vec<(String, i32)> = CONSUMED_TOPICS
            .iter()
            .map(|topic| (kafka.topic(topic), 3))
            .collect();
        kafka.ensure_topics(&topics).await.expect("topics");
    }

    /// Creates the topics, then runs the real consumer with the configured channel.
    pub async fn start_consumer(&self) -> Consumer {
        self.create_topics().await;
        let channel = channel(&self.config).expect("channel");
        let runner = consumer(self.conn.clone(), &self.config, channel).expect("consumer");
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let stop = stop.clone();
            async move { runner.run(stop).await.expect("consumer run") }
        });
        Consumer { stop, task }
    }

    /// Produces `event` with event id `id` to its physical topic, as its context would.
    pub async fn publish<E: IntegrationEvent>(&self, event: &E, id: Uuid) {
        let subject = event.subject();
        let headers = EventHeaders::for_event(event, id, Utc::now())
            .with_correlation_id(subject.clone())
            .to_pairs();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        produce(
            &self.config.kafka.kafka_bootstrap_servers,
            &self.config.kafka.topic(E::TOPIC),
            &subject,
            &encode_payload(event).unwrap(),
            &headers,
        )
        .await
        .expect("produced");
    }

    /// Produces `event` under a fresh event id.
    pub async fn emit<E: IntegrationEvent>(&self, event: &E) -> Uuid {
        let id = Uuid::now_v7();
        self.publish(event, id).await;
        id
    }

    pub async fn notifications(&self, customer: Uuid) -> TestResponse {
        self.get(&format!("/customers/{customer}/notifications?per_page=100"))
            .await
    }

    /// Polls the API until the customer's newest notification is of `kind`, and returns
    /// the whole history, newest first.
    pub async fn wait_for(&self, customer: Uuid, kind: &str) -> Vec<Value> {
        orderflow_testkit::eventually(kind, WAIT, || async {
            let response = self.notifications(customer).await;
            let items = response.body["items"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            match items.first() {
                Some(newest) if newest["kind"] == kind => Ok(items),
                _ => Err(response.body),
            }
        })
        .await
    }

    /// Registers `customer` and waits for the welcome, so events about them that follow
    /// are never early.
    pub async fn register(&self, customer: Uuid, first_name: &str) {
        self.emit(&registered(customer, first_name)).await;
        self.wait_for(customer, "welcome").await;
    }

    /// The records the consumer forwarded to the first retry tier of `topic`, once one
    /// keyed by `key` is there.
    pub async fn retried(&self, topic: &str, key: String) -> Vec<Record> {
        let kafka = &self.config.kafka;
        let bootstrap = kafka.kafka_bootstrap_servers.clone();
        let retry = kafka.topic(&orderflow_contracts::retry_topic(
            topic,
            notification_service::CONSUMER_GROUP,
            0,
        ));
        tokio::task::spawn_blocking(move || {
            read_topic_until(&bootstrap, &retry, WAIT, |records| {
                records.iter().any(|r| r.key_str() == key)
            })
        })
        .await
        .unwrap()
        .unwrap()
    }

    /// An admin request with the bearer token.
    pub async fn admin(&self, method: Method, uri: &str) -> TestResponse {
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        self.call(method, uri, None, &[("authorization", bearer.as_str())])
            .await
    }
}

/// The running consumer of one test.
pub struct Consumer {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Consumer {
    pub async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap();
    }
}

/// The kinds of a history, newest first.
pub fn kinds(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|item| item["kind"].as_str().unwrap())
        .collect()
}

pub fn eur(amount: i64) -> Money {
    Money::new(amount, "EUR")
}

pub fn email_of(customer: Uuid) -> String {
    format!("{}@example.com", customer.simple())
}

pub fn registered(customer: Uuid, first_name: &str) -> CustomerRegistered {
    CustomerRegistered {
        customer_id: customer,
        first_name: first_name.to_owned(),
        last_name: "Lovelace".to_owned(),
        email: email_of(customer),
        registered_at: Utc::now(),
    }
}

pub fn placed(order: Uuid, customer: Uuid, total: i64) -> OrderPlaced {
    OrderPlaced {
        order_id: order,
        customer_id: customer,
        lines: Vec::new(),
        total: eur(total),
        placed_at: Utc::now(),
    }
}

pub fn confirmed(order: Uuid, customer: Uuid, total: i64) -> OrderConfirmed {
    OrderConfirmed {
        order_id: order,
        customer_id: customer,
        total: eur(total),
        confirmed_at: Utc::now(),
    }
}

pub fn cancelled(order: Uuid, customer: Uuid, reason: &str) -> OrderCancelled {
    OrderCancelled {
        order_id: order,
        customer_id: customer,
        reason: reason.to_owned(),
        cancelled_at: Utc::now(),
    }
}

pub fn payment_failed(order: Uuid, amount: i64, reason: &str) -> PaymentFailed {
    PaymentFailed {
        order_id: order,
        amount: eur(amount),
        reason: reason.to_owned(),
        failed_at: Utc::now(),
    }
}

pub fn refunded(order: Uuid, amount: i64) -> PaymentRefunded {
    PaymentRefunded {
        payment_id: Uuid::now_v7(),
        order_id: order,
        amount: eur(amount),
        refunded_at: Utc::now(),
    }
}
