//! The inventory service publishes its catalogue facts through the outbox to the real broker.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use axum::http::Method;
use common::{TestApp, product};
use orderflow_contracts::topics::INVENTORY_EVENTS;
use orderflow_testkit::records::read_topic_until;
use serde_json::json;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn creating_and_updating_a_product_publishes_product_created_and_updated() {
    let app = TestApp::spawn().await;
    let kafka = &app.config.kafka;
    kafka
        .ensure_topics(&[(kafka.topic(INVENTORY_EVENTS), 3)])
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let relay = tokio::spawn(
        inventory_service::relay(app.pool.clone(), &app.config)
            .unwrap()
            .run(stop.clone()),
    );

    let response = app
        .call(
            Method::POST,
            "/products",
            Some(product("pub-1", 5)),
            &[("x-request-id", "req-7")],
        )
        .await;
    let id = response.body["id"].as_str().unwrap().to_owned();
    // A stock adjustment is not published; the update after it is.
    app.call(
        Method::POST,
        &format!("/products/{id}/stock-adjustments"),
        Some(json!({"delta": 1, "reason": "found"})),
        &[],
    )
    .await;
    let updated = app
        .call(
            Method::PUT,
            &format!("/products/{id}"),
            Some(json!({"name": "Green mug", "price": {"amount": 999, "currency": "USD"}})),
            &[],
        )
        .await;
    assert_eq!(updated.etag(), "\"3\"");

    let (bootstrap, topic) = (
        kafka.kafka_bootstrap_servers.clone(),
        kafka.topic(INVENTORY_EVENTS),
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
    let created = &records[0];
    assert_eq!(created.key_str(), id);
    assert_eq!(
        created.header("ce_type"),
        Some("orderflow.inventory.product-created.v1")
    );
    assert_eq!(created.header("ce_subject"), Some(id.as_str()));
    assert_eq!(created.header("correlation-id"), Some("req-7"));
    let payload = created.json().unwrap();
    assert_eq!(payload["productId"], id.as_str());
    assert_eq!(payload["sku"], "PUB-1");
    assert_eq!(payload["name"], "Blue mug, 350 ml");
    assert_eq!(payload["price"], json!({"amount": 1299, "currency": "EUR"}));
    assert!(payload["createdAt"].is_string());

    let updated = &records[1];
    assert_eq!(updated.key_str(), id);
    assert_eq!(
        updated.header("ce_type"),
        Some("orderflow.inventory.product-updated.v1")
    );
    let payload = updated.json().unwrap();
    assert_eq!(payload["name"], "Green mug");
    assert_eq!(payload["price"], json!({"amount": 999, "currency": "USD"}));

    stop.cancel();
    relay.await.unwrap();
}
