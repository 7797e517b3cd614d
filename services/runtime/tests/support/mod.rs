//! Shared set-up of the messaging tests: a fresh database with the messaging tables, and a
//! broker with topics of this test's own.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::Utc;
use orderflow_contracts::{CustomerRegistered, TOPICS};
use orderflow_runtime::config::DatabaseConfig;
use orderflow_runtime::events::EventContext;
use orderflow_runtime::messaging::{KafkaConfig, Outbox};
use orderflow_testkit::records::{Record, read_topic_until};
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use uuid::Uuid;

pub struct Env {
    pub pool: PgPool,
    pub kafka: KafkaConfig,
}

pub async fn pool() -> PgPool {
    let database = orderflow_testkit::database().await.expect("database");
    orderflow_runtime::db::connect(
        &DatabaseConfig::new(&database.url),
        &Migrator::with_migrations(Vec::new()),
    )
    .await
    .expect("migrated")
}

/// Creates every registry topic (3 partitions) under `kafka`'s prefix.
pub async fn create_topics(kafka: &KafkaConfig) {
    let topics: Vec<(String, i32)> = TOPICS.iter().map(|t| (kafka.topic(t.name), 3)).collect();
    kafka.ensure_topics(&topics).await.expect("topics");
}

pub async fn env() -> Env {
    let broker = orderflow_testkit::kafka().await.expect("broker");
    let kafka = KafkaConfig::new(&broker.bootstrap).with_prefix(&broker.prefix);
    create_topics(&kafka).await;
    Env {
        pool: pool().await,
        kafka,
    }
}

/// A `CustomerRegistered` of `customer` whose first name carries a sequence number.
pub fn registered(customer: Uuid, seq: usize) -> CustomerRegistered {
    CustomerRegistered {
        customer_id: customer,
        first_name: format!("n{seq}"),
        last_name: "Test".into(),
        email: format!("{customer}@example.com"),
        registered_at: Utc::now(),
    }
}

/// Enqueues `events` in one committed transaction.
pub async fn enqueue(pool: &PgPool, events: &[CustomerRegistered]) -> Vec<Uuid> {
    let mut tx = pool.begin().await.unwrap();
    let mut ids = Vec::new();
    for event in events {
        ids.push(
            Outbox::enqueue(&mut tx, event, &EventContext::correlated("test"))
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    ids
}

/// Polls until `sql` (a count) reaches `expected`, or panics at the deadline.
pub async fn wait_count(pool: &PgPool, sql: &'static str, expected: i64, timeout: Duration) {
    orderflow_testkit::eventually(sql, timeout, move || async move {
        let count: i64 = sqlx::query_scalar(sql).fetch_one(pool).await.unwrap();
        if count == expected {
            Ok(())
        } else {
            Err(format!("{count}, expected {expected}"))
        }
    })
    .await
}

pub async fn wait_published(pool: &PgPool, expected: i64, timeout: Duration) {
    wait_count(
        pool,
        "SELECT count(*) FROM outbox_message WHERE published_at IS NOT NULL",
        expected,
        timeout,
    )
    .await;
}

/// Reads the customer events topic until `n` records arrived (or 30 s passed).
pub async fn read_customer_events(kafka: &KafkaConfig, n: usize) -> Vec<Record> {
    let bootstrap = kafka.kafka_bootstrap_servers.clone();
    let topic = kafka.topic(orderflow_contracts::topics::CUSTOMER_EVENTS);
    tokio::task::spawn_blocking(move || {
        read_topic_until(&bootstrap, &topic, Duration::from_secs(30), |r| {
            r.len() >= n
        })
    })
    .await
    .unwrap()
    .unwrap()
}

/// Asserts that, per key, the sequence numbers in first names never go backwards and that
/// every expected event id is present.
pub fn assert_ordered_and_complete(records: &[Record], expected_ids: &[Uuid]) {
    use std::collections::HashMap;
    let mut last: HashMap<String, u64> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for record in records {
        let id: Uuid = record.header("ce_id").unwrap().parse().unwrap();
        if !seen.insert(id) {
            continue;
        }
        let seq: u64 = record.json().unwrap()["firstName"].as_str().unwrap()[1..]
            .parse()
            .unwrap();
        let previous = last.insert(record.key_str().to_owned(), seq);
        assert!(
            previous.is_none_or(|p| p < seq),
            "key {} went from {previous:?} to {seq}",
            record.key_str()
        );
    }
    for id in expected_ids {
        assert!(seen.contains(id), "event {id} was never published");
    }
}
