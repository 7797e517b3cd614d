//! The transactional outbox and its relay against real PostgreSQL and a real broker.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use orderflow_runtime::events::EventContext;
use orderflow_runtime::messaging::{KafkaConfig, Outbox, OutboxRelay, RelayConfig};
use orderflow_testkit::TansuBroker;
use support::*;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn relay_config() -> RelayConfig {
    RelayConfig {
        batch_size: 100,
        ..RelayConfig::default()
    }
}

#[tokio::test]
async fn committed_events_are_published_once_in_order_per_aggregate() {
    let env = env().await;
    let stop = CancellationToken::new();
    let relay = OutboxRelay::new(env.pool.clone(), &env.kafka, relay_config()).unwrap();
    let task = tokio::spawn(relay.run(stop.clone()));

    let customers = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
    let mut ids = Vec::new();
    for round in 0..10 {
        let events: Vec<_> = customers.iter().map(|c| registered(*c, round)).collect();
        ids.extend(enqueue(&env.pool, &events).await);
    }
    wait_published(&env.pool, 30, Duration::from_secs(30)).await;
    let records = read_customer_events(&env.kafka, 30).await;
    assert_eq!(
        records.len(),
        30,
        "each committed event is published exactly once"
    );
    assert_ordered_and_complete(&records, &ids);
    for record in &records {
        assert_eq!(
            record.header("ce_type"),
            Some("orderflow.customer.registered.v1")
        );
        assert_eq!(record.header("correlation-id"), Some("test"));
    }
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn events_of_a_rolled_back_transaction_are_never_published() {
    let env = env().await;
    let stop = CancellationToken::new();
    let task = tokio::spawn(
        OutboxRelay::new(env.pool.clone(), &env.kafka, relay_config())
            .unwrap()
            .run(stop.clone()),
    );

    let mut tx = env.pool.begin().await.unwrap();
    let rolled_back = Outbox::enqueue(
        &mut tx,
        &registered(Uuid::now_v7(), 0),
        &EventContext::default(),
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    let committed = enqueue(&env.pool, &[registered(Uuid::now_v7(), 1)]).await;

    wait_published(&env.pool, 1, Duration::from_secs(30)).await;
    let records = read_customer_events(&env.kafka, 1).await;
    let ids: Vec<&str> = records.iter().filter_map(|r| r.header("ce_id")).collect();
    assert_eq!(ids, [committed[0].to_string()]);
    assert!(!ids.contains(&rolled_back.to_string().as_str()));
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn the_relay_recovers_after_the_broker_restarts_without_loss_or_reordering() {
    let mut broker = tokio::task::spawn_blocking(TansuBroker::start_ephemeral)
        .await
        .unwrap()
        .unwrap();
    let kafka = KafkaConfig::new(broker.bootstrap());
    create_topics(&kafka).await;
    let pool = pool().await;
    let stop = CancellationToken::new();
    let task = tokio::spawn(
        OutboxRelay::new(pool.clone(), &kafka, relay_config())
            .unwrap()
            .run(stop.clone()),
    );

    let customers = [Uuid::now_v7(), Uuid::now_v7()];
    let mut ids = enqueue(&pool, &customers.map(|c| registered(c, 0))).await;
    wait_published(&pool, 2, Duration::from_secs(30)).await;

    broker.stop().unwrap();
    for round in 1..6 {
        ids.extend(enqueue(&pool, &customers.map(|c| registered(c, round))).await);
    }
    broker.restart().unwrap();

    wait_published(&pool, 12, Duration::from_secs(120)).await;
    let records = read_customer_events(&kafka, 12).await;
    assert_ordered_and_complete(&records, &ids);
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn two_relays_on_one_database_never_publish_twice() {
    let env = env().await;
    let stop = CancellationToken::new();
    let first = tokio::spawn(
        OutboxRelay::new(env.pool.clone(), &env.kafka, relay_config())
            .unwrap()
            .run(stop.clone()),
    );
    let second = tokio::spawn(
        OutboxRelay::new(env.pool.clone(), &env.kafka, relay_config())
            .unwrap()
            .run(stop.clone()),
    );

    let mut ids = Vec::new();
    for round in 0..20 {
        let events: Vec<_> = (0..10).map(|_| registered(Uuid::now_v7(), round)).collect();
        ids.extend(enqueue(&env.pool, &events).await);
    }
    wait_published(&env.pool, 200, Duration::from_secs(60)).await;
    let records = read_customer_events(&env.kafka, 200).await;
    let mut seen: Vec<&str> = records.iter().filter_map(|r| r.header("ce_id")).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(
        (records.len(), seen.len()),
        (200, 200),
        "no event may be published twice"
    );
    stop.cancel();
    first.await.unwrap();
    second.await.unwrap();
}

#[tokio::test]
async fn the_janitor_deletes_only_published_rows_past_retention() {
    let env = env().await;
    enqueue(
        &env.pool,
        &[registered(Uuid::now_v7(), 0), registered(Uuid::now_v7(), 1)],
    )
    .await;
    sqlx::query("UPDATE outbox_message SET published_at = now() - interval '8 days' WHERE id = (SELECT min(id) FROM outbox_message)")
        .execute(&env.pool)
        .await
        .unwrap();
    let relay = OutboxRelay::new(env.pool.clone(), &env.kafka, relay_config()).unwrap();
    assert_eq!(relay.delete_published().await.unwrap(), 1);
    wait_count(
        &env.pool,
        "SELECT count(*) FROM outbox_message",
        1,
        Duration::from_secs(1),
    )
    .await;
}

#[tokio::test]
async fn an_oversized_event_is_marked_dead_and_does_not_block_its_aggregate() {
    let env = env().await;
    let stop = CancellationToken::new();
    let task = tokio::spawn(
        OutboxRelay::new(env.pool.clone(), &env.kafka, relay_config())
            .unwrap()
            .run(stop.clone()),
    );
    let customer = Uuid::now_v7();
    let mut oversized = registered(customer, 0);
    oversized.last_name = "x".repeat(2_000_000);
    let ids = enqueue(&env.pool, &[oversized, registered(customer, 1)]).await;

    wait_count(
        &env.pool,
        "SELECT count(*) FROM outbox_message WHERE dead",
        1,
        Duration::from_secs(30),
    )
    .await;
    wait_published(&env.pool, 1, Duration::from_secs(30)).await;
    let (dead_id, error): (Uuid, Option<String>) =
        sqlx::query_as("SELECT event_id, last_error FROM outbox_message WHERE dead")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(dead_id, ids[0]);
    assert!(error.unwrap_or_default().to_lowercase().contains("size"));
    let records = read_customer_events(&env.kafka, 1).await;
    assert_eq!(
        records[0].header("ce_id"),
        Some(ids[1].to_string().as_str())
    );
    stop.cancel();
    task.await.unwrap();
}
