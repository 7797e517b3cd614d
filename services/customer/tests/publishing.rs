//! The customer service publishes its facts through the outbox to the real broker.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::http::Method;
use common::{TestApp, customer};
use orderflow_contracts::topics::CUSTOMER_EVENTS;
use orderflow_testkit::records::read_topic_until;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn registering_a_customer_publishes_customer_registered_with_cloudevents_headers() {
    let app = TestApp::spawn().await;
    let kafka = &app.config.kafka;
    kafka
        .ensure_topics(&[(kafka.topic(CUSTOMER_EVENTS), 3)])
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let relay = tokio::spawn(
        customer_service::relay(app.pool.clone(), &app.config)
            .unwrap()
            .run(stop.clone()),
    );

    let response = app
        .call(
            Method::POST,
            "/customers",
            Some(customer("events@example.com")),
            &[("x-request-id", "req-42")],
        )
        .await;
    let id = response.body["id"].as_str().unwrap().to_owned();
    app.call(
        Method::POST,
        &format!("/customers/{id}/deactivate"),
        None,
        &[],
    )
    .await;

    let (bootstrap, topic) = (
        kafka.kafka_bootstrap_servers.clone(),
        kafka.topic(CUSTOMER_EVENTS),
    );
    let records = tokio::task::spawn_blocking(move || {
        read_topic_until(&bootstrap, &topic, Duration::from_secs(30), |r| {
            r.len() >= 2
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(records.len(), 2);
    let registered = &records[0];
    assert_eq!(registered.key_str(), id);
    assert_eq!(registered.header("ce_specversion"), Some("1.0"));
    assert_eq!(
        registered.header("ce_type"),
        Some("orderflow.customer.registered.v1")
    );
    assert_eq!(registered.header("ce_source"), Some("/orderflow/customer"));
    assert_eq!(registered.header("ce_subject"), Some(id.as_str()));
    assert_eq!(registered.header("content-type"), Some("application/json"));
    assert_eq!(registered.header("correlation-id"), Some("req-42"));
    assert!(
        registered
            .header("ce_id")
            .unwrap()
            .parse::<uuid::Uuid>()
            .is_ok()
    );
    assert!(registered.header("ce_time").is_some());
    let payload = registered.json().unwrap();
    assert_eq!(payload["customerId"], id.as_str());
    assert_eq!(payload["email"], "events@example.com");
    assert_eq!(payload["firstName"], "Ada");
    assert_eq!(
        records[1].header("ce_type"),
        Some("orderflow.customer.deactivated.v1")
    );

    stop.cancel();
    relay.await.unwrap();
}
