//! The consumer runner with the Redis inbox, against a real Redis and a real broker: a
//! redelivered event has one effect, a failed attempt releases its claim, and an event whose
//! claim another consumer holds is retried rather than dropped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use orderflow_contracts::topics::CUSTOMER_EVENTS;
use orderflow_contracts::{CustomerRegistered, EventHeaders, IntegrationEvent, encode_payload};
use orderflow_runtime::BoxFuture;
use orderflow_runtime::messaging::{
    ConsumerRunner, Handler, HandlerError, Handlers, KafkaConfig, Message, RedisInbox,
};
use orderflow_runtime::redis::{RedisConfig, connect};
use orderflow_testkit::records::produce;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use support::{create_topics, registered};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const GROUP: &str = "test-redis-projection";

/// Appends each handled event's id to a list; fails transiently as often as the test says.
#[derive(Clone)]
struct Projection {
    list: String,
    transient_failures: Arc<AtomicU32>,
}

impl Handler<CustomerRegistered, ConnectionManager> for Projection {
    fn handle<'a>(
        &'a self,
        conn: &'a mut ConnectionManager,
        _event: CustomerRegistered,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            if self
                .transient_failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err(HandlerError::transient("dependency down (test)"));
            }
            let _: () = conn
                .rpush(&self.list, message.headers.id.to_string())
                .await?;
            Ok(())
        })
    }
}

struct Running {
    kafka: KafkaConfig,
    redis: RedisConfig,
    conn: ConnectionManager,
    projection: Projection,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn start(transient_failures: u32) -> Self {
        let broker = orderflow_testkit::kafka().await.unwrap();
        let kafka = KafkaConfig::new(&broker.bootstrap).with_prefix(&broker.prefix);
        create_topics(&kafka).await;
        let server = orderflow_testkit::redis().await.unwrap();
        let redis = RedisConfig::new(&server.url, &server.prefix);
        let conn = connect(&redis).await.unwrap();
        let projection = Projection {
            list: redis.key("applied"),
            transient_failures: Arc::new(AtomicU32::new(transient_failures)),
        };
        let inbox = RedisInbox::new(
            conn.clone(),
            &redis.redis_key_prefix,
            Duration::from_secs(600),
        );
        let runner = ConsumerRunner::with_inbox(
            inbox,
            &kafka,
            GROUP,
            Handlers::new().on::<CustomerRegistered>(projection.clone()),
        )
        .unwrap();
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let stop = stop.clone();
            async move { runner.run(stop).await.unwrap() }
        });
        Self {
            kafka,
            redis,
            conn,
            projection,
            stop,
            task,
        }
    }

    async fn publish(&self, event: &CustomerRegistered, id: Uuid) {
        let headers = EventHeaders::for_event(event, id, chrono::Utc::now());
        let pairs = headers.to_pairs();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        produce(
            &self.kafka.kafka_bootstrap_servers,
            &self.kafka.topic(CUSTOMER_EVENTS),
            &event.subject(),
            &encode_payload(event).unwrap(),
            &pairs,
        )
        .await
        .unwrap();
    }

    async fn wait_applied(&self, expected: usize) -> Vec<String> {
        let (conn, list) = (&self.conn, &self.projection.list);
        orderflow_testkit::eventually("events applied", Duration::from_secs(40), || {
            let mut conn = conn.clone();
            async move {
                let applied: Vec<String> = conn.lrange(list, 0, -1).await.unwrap();
                if applied.len() >= expected {
                    Ok(applied)
                } else {
                    Err(applied)
                }
            }
        })
        .await
    }

    fn inbox_key(&self, id: Uuid) -> String {
        self.redis.key(&format!("inbox:{GROUP}:{id}"))
    }

    async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap();
    }
}

#[tokio::test]
async fn a_redelivered_event_has_one_effect() {
    let running = Running::start(0).await;
    let customer = Uuid::now_v7();
    let (first, marker) = (Uuid::now_v7(), Uuid::now_v7());
    running.publish(&registered(customer, 1), first).await;
    running.publish(&registered(customer, 1), first).await;
    running.publish(&registered(customer, 2), marker).await;
    // Same key, same partition: once the marker is applied, the duplicate has been seen.
    let applied = running.wait_applied(2).await;
    assert_eq!(applied, vec![first.to_string(), marker.to_string()]);
    let state: String = running
        .conn
        .clone()
        .get(running.inbox_key(first))
        .await
        .unwrap();
    assert_eq!(state, "handled");
    running.stop().await;
}

#[tokio::test]
async fn a_failed_attempt_releases_its_claim_so_the_retry_runs() {
    let running = Running::start(1).await;
    let id = Uuid::now_v7();
    running.publish(&registered(Uuid::now_v7(), 1), id).await;
    let applied = running.wait_applied(1).await;
    assert_eq!(applied, vec![id.to_string()]);
    running.stop().await;
}

#[tokio::test]
async fn an_event_claimed_by_another_consumer_is_retried_not_dropped() {
    let running = Running::start(0).await;
    let id = Uuid::now_v7();
    // Another consumer holds the claim (or died holding it) for two more seconds.
    let _: () = running
        .conn
        .clone()
        .pset_ex(running.inbox_key(id), "claimed", 2_000)
        .await
        .unwrap();
    running.publish(&registered(Uuid::now_v7(), 1), id).await;
    let applied = running.wait_applied(1).await;
    assert_eq!(applied, vec![id.to_string()]);
    running.stop().await;
}
