//! Outbox relay throughput and commit-to-acknowledgement latency against the raw producer's
//! ceiling, on a local PostgreSQL and tansu broker from the test kit.
//!
//! `cargo bench -p orderflow-runtime --bench messaging` (or `cargo xtask bench`).
//! `BENCH_EVENTS` sets the number of events (default 100000), `BENCH_RELAY_BATCH` the relay's
//! batch size (default: the relay's).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use orderflow_contracts::{CustomerRegistered, EventHeaders, IntegrationEvent, encode_payload};
use orderflow_runtime::config::DatabaseConfig;
use orderflow_runtime::events::EventContext;
use orderflow_runtime::messaging::{KafkaConfig, Outbox, OutboxRelay, RelayConfig};
use orderflow_testkit::{PgCluster, TansuBroker};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::FutureRecord;
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const AGGREGATES: usize = 1000;
const PARTITIONS: i32 = 6;

/// An event whose JSON payload is about 500 bytes.
fn event(aggregate: Uuid, seq: usize) -> CustomerRegistered {
    CustomerRegistered {
        customer_id: aggregate,
        first_name: format!("n{seq}"),
        last_name: "x".repeat(330),
        email: format!("{aggregate}@example.com"),
        registered_at: Utc::now(),
    }
}

fn aggregates() -> Vec<Uuid> {
    (0..AGGREGATES).map(|_| Uuid::now_v7()).collect()
}

/// A record ready to send: key, payload and CloudEvents headers.
type Prepared = (String, Vec<u8>, Vec<(&'static str, String)>);

async fn raw_producer(kafka: &KafkaConfig, n: usize) -> f64 {
    let topic = kafka.topic(CustomerRegistered::TOPIC);
    let producer = kafka.producer().unwrap();
    let keys = aggregates();
    let records: Vec<Prepared> = (0..n)
        .map(|i| {
            let e = event(keys[i % AGGREGATES], i);
            let headers = EventHeaders::for_event(&e, Uuid::now_v7(), Utc::now()).to_pairs();
            (e.subject(), encode_payload(&e).unwrap(), headers)
        })
        .collect();
    let started = Instant::now();
    let mut in_flight = FuturesUnordered::new();
    for (key, payload, headers) in &records {
        let mut owned = OwnedHeaders::new();
        for (name, value) in headers {
            owned = owned.insert(Header {
                key: name,
                value: Some(value.as_str()),
            });
        }
        in_flight.push(
            producer.send(
                FutureRecord::to(&topic)
                    .key(key)
                    .payload(payload)
                    .headers(owned),
                Duration::from_secs(60),
            ),
        );
        if in_flight.len() >= 50_000 {
            in_flight.next().await.unwrap().map_err(|(e, _)| e).unwrap();
        }
    }
    while let Some(result) = in_flight.next().await {
        result.map_err(|(e, _)| e).unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn enqueue_all(pool: &PgPool, n: usize, writers: usize) {
    let keys = aggregates();
    let per_writer = n / writers;
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let pool = pool.clone();
            let keys = keys.clone();
            tokio::spawn(async move {
                for chunk in (0..per_writer).collect::<Vec<_>>().chunks(50) {
                    let mut tx = pool.begin().await.unwrap();
                    for i in chunk {
                        let seq = w * per_writer + i;
                        Outbox::enqueue(
                            &mut tx,
                            &event(keys[seq % AGGREGATES], seq),
                            &EventContext::default(),
                        )
                        .await
                        .unwrap();
                    }
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

/// Commits `n` events at `rate` events/s from 4 writers, in transactions of 10.
async fn enqueue_at_rate(pool: &PgPool, n: usize, rate: f64) {
    const WRITERS: usize = 4;
    const PER_TX: usize = 10;
    let keys = aggregates();
    let per_writer = n / WRITERS;
    let period = Duration::from_secs_f64(PER_TX as f64 * WRITERS as f64 / rate);
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let pool = pool.clone();
            let keys = keys.clone();
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(period);
                for start in (0..per_writer).step_by(PER_TX) {
                    ticks.tick().await;
                    let mut tx = pool.begin().await.unwrap();
                    for i in start..(start + PER_TX).min(per_writer) {
                        let seq = w * per_writer + i;
                        Outbox::enqueue(
                            &mut tx,
                            &event(keys[seq % AGGREGATES], seq),
                            &EventContext::default(),
                        )
                        .await
                        .unwrap();
                    }
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

async fn published(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox_message WHERE published_at IS NOT NULL")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn wait_published(pool: &PgPool, n: usize) {
    while published(pool).await < n as i64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn fresh_pool(postgres: &PgCluster, name: &str) -> PgPool {
    postgres.ensure_database(name).await.unwrap();
    let config = DatabaseConfig {
        database_max_connections: 16,
        ..DatabaseConfig::new(postgres.url(name))
    };
    orderflow_runtime::db::connect(&config, &Migrator::with_migrations(Vec::new()))
        .await
        .unwrap()
}

fn relay_config() -> RelayConfig {
    let defaults = RelayConfig::default();
    let batch_size = std::env::var("BENCH_RELAY_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(defaults.batch_size);
    RelayConfig {
        batch_size,
        ..defaults
    }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let postgres = PgCluster::start_ephemeral().unwrap();
    postgres.remove_when_process_exits().unwrap();
    let broker = TansuBroker::start_ephemeral().unwrap();
    let payload_bytes = encode_payload(&event(Uuid::now_v7(), 0)).unwrap().len();
    println!(
        "messaging benchmark: {n} events of {payload_bytes} bytes, {AGGREGATES} aggregates, {PARTITIONS} partitions"
    );

    let ensure = |kafka: KafkaConfig| async move {
        kafka
            .ensure_topics(&[(kafka.topic(CustomerRegistered::TOPIC), PARTITIONS)])
            .await
            .unwrap();
        kafka
    };

    // The ceiling: the same records straight from an idempotent acks=all producer.
    let raw = ensure(KafkaConfig::new(broker.bootstrap()).with_prefix("raw.")).await;
    let raw_rate = raw_producer(&raw, n).await;
    println!("raw producer:            {raw_rate:>10.0} events/s");

    // Relay throughput: drain a backlog of n committed events.
    let drain = ensure(KafkaConfig::new(broker.bootstrap()).with_prefix("drain.")).await;
    let pool = fresh_pool(&postgres, "drain").await;
    enqueue_all(&pool, n, 4).await;
    let stop = CancellationToken::new();
    let started = Instant::now();
    let relay = tokio::spawn(
        OutboxRelay::new(pool.clone(), &drain, relay_config())
            .unwrap()
            .run(stop.clone()),
    );
    wait_published(&pool, n).await;
    let relay_rate = n as f64 / started.elapsed().as_secs_f64();
    stop.cancel();
    relay.await.unwrap();
    println!(
        "relay (backlog drain):   {relay_rate:>10.0} events/s  ({:.0}% of raw)",
        100.0 * relay_rate / raw_rate
    );

    // Latency: commit to acknowledgement at a steady load the relay can sustain.
    let rate: f64 = std::env::var("BENCH_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000.0);
    let live = ensure(KafkaConfig::new(broker.bootstrap()).with_prefix("live.")).await;
    let pool = fresh_pool(&postgres, "live").await;
    let stop = CancellationToken::new();
    let relay = tokio::spawn(
        OutboxRelay::new(pool.clone(), &live, relay_config())
            .unwrap()
            .run(stop.clone()),
    );
    enqueue_at_rate(&pool, n, rate).await;
    wait_published(&pool, n).await;
    stop.cancel();
    relay.await.unwrap();
    let (p50, p99): (f64, f64) = sqlx::query_as(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM published_at - created_at)),
                percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM published_at - created_at))
           FROM outbox_message",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    println!(
        "commit -> ack latency at {rate:.0} events/s: p50 {:.1} ms, p99 {:.1} ms",
        p50 * 1000.0,
        p99 * 1000.0
    );
    drop(broker);
    let _ = postgres.stop();
}
