//! The consumer runner against real PostgreSQL and a real broker: idempotence through the
//! inbox, retries, dead letters and replay.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use orderflow_contracts::topics::CUSTOMER_EVENTS;
use orderflow_contracts::{
    CustomerRegistered, EventHeaders, IntegrationEvent, dead_letter_topic, encode_payload,
    retry_topic,
};
use orderflow_runtime::BoxFuture;
use orderflow_runtime::messaging::dead_letter::{DeadLetterAdmin, DeadLetterFilter};
use orderflow_runtime::messaging::{ConsumerRunner, Handler, HandlerError, Handlers, Message};
use orderflow_testkit::records::{produce, read_topic_until};
use sqlx::PgConnection;
use support::*;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const GROUP: &str = "test-projection";

/// Records each applied event in `applied`; fails as the test tells it to.
#[derive(Clone, Default)]
struct Projection {
    /// Transient failures still to produce.
    transient_failures: Arc<AtomicU32>,
    /// While set, every event is refused permanently.
    refuse: Arc<AtomicBool>,
}

impl Handler<CustomerRegistered> for Projection {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: CustomerRegistered,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            if self.refuse.load(Ordering::SeqCst) {
                return Err(HandlerError::permanent("refused by the test"));
            }
            if self
                .transient_failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err(HandlerError::transient("dependency down (test)"));
            }
            sqlx::query(
                "INSERT INTO applied (event_id, customer_id, first_name) VALUES ($1, $2, $3)",
            )
            .bind(message.headers.id)
            .bind(event.customer_id)
            .bind(&event.first_name)
            .execute(conn)
            .await?;
            Ok(())
        })
    }
}

struct Running {
    env: Env,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn start(projection: Projection) -> Self {
        let env = env().await;
        sqlx::query("CREATE TABLE applied (event_id UUID NOT NULL, customer_id UUID NOT NULL, first_name TEXT NOT NULL)")
            .execute(&env.pool)
            .await
            .unwrap();
        Self::start_on(env, projection)
    }

    fn start_on(env: Env, projection: Projection) -> Self {
        let stop = CancellationToken::new();
        let runner = ConsumerRunner::new(
            env.pool.clone(),
            &env.kafka,
            GROUP,
            Handlers::new().on::<CustomerRegistered>(projection),
        )
        .unwrap();
        let task = tokio::spawn({
            let stop = stop.clone();
            async move { runner.run(stop).await.unwrap() }
        });
        Self { env, stop, task }
    }

    async fn publish(&self, event: &CustomerRegistered, id: Uuid) {
        let headers =
            EventHeaders::for_event(event, id, chrono::Utc::now()).with_correlation_id("corr");
        let pairs = headers.to_pairs();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let payload = encode_payload(event).unwrap();
        self.publish_raw(&event.subject(), &payload, &pairs).await;
    }

    async fn publish_raw(&self, key: &str, payload: &[u8], headers: &[(&str, &str)]) {
        produce(
            &self.env.kafka.kafka_bootstrap_servers,
            &self.env.kafka.topic(CUSTOMER_EVENTS),
            key,
            payload,
            headers,
        )
        .await
        .unwrap();
    }

    async fn wait_applied(&self, expected: i64, timeout: Duration) {
        wait_count(
            &self.env.pool,
            "SELECT count(*) FROM applied",
            expected,
            timeout,
        )
        .await;
    }

    async fn stop(self) -> Env {
        self.stop.cancel();
        self.task.await.unwrap();
        self.env
    }
}

#[tokio::test]
async fn a_duplicate_delivery_has_one_effect() {
    let running = Running::start(Projection::default()).await;
    let event = registered(Uuid::now_v7(), 1);
    let id = Uuid::now_v7();
    running.publish(&event, id).await;
    running.publish(&event, id).await;
    let marker = registered(Uuid::now_v7(), 2);
    running.publish(&marker, Uuid::now_v7()).await;
    running.wait_applied(2, Duration::from_secs(30)).await;
    let inbox: i64 =
        sqlx::query_scalar("SELECT count(*) FROM inbox_message WHERE consumer_group = $1")
            .bind(GROUP)
            .fetch_one(&running.env.pool)
            .await
            .unwrap();
    assert_eq!(inbox, 2);
    running.stop().await;
}

#[tokio::test]
async fn a_crash_between_database_commit_and_offset_commit_still_has_one_effect() {
    let env = env().await;
    sqlx::query("CREATE TABLE applied (event_id UUID NOT NULL, customer_id UUID NOT NULL, first_name TEXT NOT NULL)")
        .execute(&env.pool)
        .await
        .unwrap();
    let event = registered(Uuid::now_v7(), 1);
    let id = Uuid::now_v7();
    // The state a crash leaves: the handler's transaction committed (effect + inbox row)...
    sqlx::query("INSERT INTO applied VALUES ($1, $2, $3)")
        .bind(id)
        .bind(event.customer_id)
        .bind("n1")
        .execute(&env.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO inbox_message (consumer_group, event_id, topic, kafka_partition, kafka_offset, event_type) VALUES ($1, $2, $3, 0, 0, $4)",
    )
    .bind(GROUP)
    .bind(id)
    .bind(CUSTOMER_EVENTS)
    .bind(CustomerRegistered::EVENT_TYPE)
    .execute(&env.pool)
    .await
    .unwrap();
    // ...but the offset was never committed, so the group reads the record again.
    let running = Running::start_on(env, Projection::default());
    running.publish(&event, id).await;
    running
        .publish(&registered(Uuid::now_v7(), 2), Uuid::now_v7())
        .await;
    running.wait_applied(2, Duration::from_secs(30)).await;
    let effects: i64 = sqlx::query_scalar("SELECT count(*) FROM applied WHERE event_id = $1")
        .bind(id)
        .fetch_one(&running.env.pool)
        .await
        .unwrap();
    assert_eq!(effects, 1);
    running.stop().await;
}

#[tokio::test]
async fn a_transient_failure_succeeds_on_retry_through_the_retry_topic() {
    let projection = Projection::default();
    // More failures than the in-process attempts: the record must go through `.retry.5s`.
    projection.transient_failures.store(4, Ordering::SeqCst);
    let running = Running::start(projection.clone()).await;
    running
        .publish(&registered(Uuid::now_v7(), 1), Uuid::now_v7())
        .await;
    running.wait_applied(1, Duration::from_secs(60)).await;
    assert_eq!(projection.transient_failures.load(Ordering::SeqCst), 0);
    running.stop().await;
}

#[tokio::test]
async fn a_poison_message_goes_to_the_dead_letter_topic_and_the_partition_keeps_flowing() {
    let running = Running::start(Projection::default()).await;
    let key = Uuid::now_v7();
    let poison_id = Uuid::now_v7();
    let event = registered(key, 1);
    let headers = EventHeaders::for_event(&event, poison_id, chrono::Utc::now()).to_pairs();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    running
        .publish_raw(&key.to_string(), b"{not json", &headers)
        .await;
    running.publish(&registered(key, 2), Uuid::now_v7()).await;
    running.wait_applied(1, Duration::from_secs(30)).await;

    let dlt = running
        .env
        .kafka
        .topic(&dead_letter_topic(CUSTOMER_EVENTS, GROUP));
    let bootstrap = running.env.kafka.kafka_bootstrap_servers.clone();
    let records = tokio::task::spawn_blocking(move || {
        read_topic_until(&bootstrap, &dlt, Duration::from_secs(30), |r| !r.is_empty())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(records.len(), 1);
    let dead = &records[0];
    assert_eq!(
        dead.payload.as_deref(),
        Some(&b"{not json"[..]),
        "raw bytes are kept"
    );
    assert_eq!(dead.key_str(), key.to_string());
    assert_eq!(dead.header("ce_id"), Some(poison_id.to_string().as_str()));
    assert_eq!(dead.header("x-original-topic"), Some(CUSTOMER_EVENTS));
    assert_eq!(dead.header("x-consumer-group"), Some(GROUP));
    assert_eq!(dead.header("x-error-kind"), Some("permanent"));
    assert_eq!(dead.header("x-attempts"), Some("1"));
    assert!(
        dead.header("x-original-offset").is_some() && dead.header("x-original-partition").is_some()
    );
    assert!(
        dead.header("x-exception-message")
            .unwrap()
            .contains("undecodable")
    );
    assert!(dead.header("x-first-failed-at").is_some() && dead.header("x-failed-at").is_some());
    running.stop().await;
}

#[tokio::test]
async fn replaying_a_dead_letter_processes_it_exactly_once() {
    let projection = Projection::default();
    projection.refuse.store(true, Ordering::SeqCst);
    let running = Running::start(projection.clone()).await;
    running
        .publish(&registered(Uuid::now_v7(), 1), Uuid::now_v7())
        .await;

    let admin = DeadLetterAdmin::new(&running.env.kafka, GROUP, &[CUSTOMER_EVENTS]);
    let admin = &admin;
    let listed = orderflow_testkit::eventually(
        "a dead letter",
        Duration::from_secs(30),
        move || async move {
            let listed = admin.list(&DeadLetterFilter::default()).await.unwrap();
            if listed.is_empty() {
                Err(listed)
            } else {
                Ok(listed)
            }
        },
    )
    .await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].event_type.as_deref(),
        Some(CustomerRegistered::EVENT_TYPE)
    );
    assert_eq!(listed[0].error_kind.as_deref(), Some("permanent"));

    projection.refuse.store(false, Ordering::SeqCst);
    assert_eq!(admin.replay(&DeadLetterFilter::default()).await.unwrap(), 1);
    running.wait_applied(1, Duration::from_secs(30)).await;
    // A second replay is harmless: the inbox recognises the event.
    assert_eq!(admin.replay(&DeadLetterFilter::default()).await.unwrap(), 1);
    wait_group_consumed(
        &running.env.kafka,
        &retry_topic(CUSTOMER_EVENTS, GROUP, 0),
        2,
    )
    .await;
    running.wait_applied(1, Duration::from_secs(1)).await;
    running.stop().await;
}

/// Polls until the consumer group has committed offsets covering `records` records of `topic`.
async fn wait_group_consumed(
    kafka: &orderflow_runtime::messaging::KafkaConfig,
    topic: &str,
    records: i64,
) {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let consumer: BaseConsumer = kafka
        .client_config()
        .set("group.id", kafka.topic(GROUP))
        .create()
        .unwrap();
    let topic = kafka.topic(topic);
    let (consumer, topic) = (&consumer, &topic);
    orderflow_testkit::eventually(
        "the group's committed offsets",
        Duration::from_secs(30),
        move || async move {
            let metadata = consumer
                .fetch_metadata(Some(topic), Duration::from_secs(5))
                .unwrap();
            let mut list = rdkafka::TopicPartitionList::new();
            for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
                list.add_partition(topic, partition.id());
            }
            let committed = consumer
                .committed_offsets(list, Duration::from_secs(5))
                .unwrap();
            let consumed: i64 = committed
                .elements()
                .iter()
                .filter_map(|e| e.offset().to_raw())
                .filter(|o| *o > 0)
                .sum();
            if consumed >= records {
                Ok(())
            } else {
                Err(format!("{consumed} of {records} records of {topic}"))
            }
        },
    )
    .await;
}
