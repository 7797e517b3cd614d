//! The service binary as the launcher runs it: configured from the environment, serving the
//! API, consuming, relaying and sweeping, and stopping cleanly on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::Utc;
use common::{PATIENCE, TestApp};
use orderflow_contracts::topics::INVENTORY_COMMANDS;
use orderflow_contracts::{CustomerRegistered, Money, ProductCreated};
use orderflow_testkit::platform::{self, ServiceProcess};
use serde_json::{Value, json};
use uuid::Uuid;

/// Repeats a request until it answers `status` (the read models fill asynchronously).
async fn until_status(
    client: &reqwest::Client,
    request: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    status: u16,
) -> Value {
    let request = &request;
    orderflow_testkit::eventually("the expected status", PATIENCE, move || async move {
        let response = request(client)
            .send()
            .await
            .map_err(|err| err.to_string())?;
        let answered = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if answered == status {
            Ok(body)
        } else {
            Err(format!("{answered}: {body}"))
        }
    })
    .await
}

#[tokio::test]
async fn the_binary_serves_consumes_relays_sweeps_and_stops_on_sigterm() {
    let app = TestApp::spawn().await;
    app.create_topics().await;
    let port = orderflow_testkit::ports::free_port().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let kafka = &app.config.kafka;
    let env = [
        ("DATABASE_URL", app.database_url.as_str()),
        ("KAFKA_BOOTSTRAP_SERVERS", &kafka.kafka_bootstrap_servers),
        ("KAFKA_TOPIC_PREFIX", &kafka.kafka_topic_prefix),
        ("SAGA_STEP_TIMEOUT_SECS", "1"),
        ("SAGA_SWEEP_INTERVAL_MS", "100"),
        ("RUST_LOG", "warn"),
    ];
    let mut service = ServiceProcess::start(
        platform::spec("order").unwrap(),
        PathBuf::from(env!("CARGO_BIN_EXE_order-service")),
        SocketAddr::from(([127, 0, 0, 1], port)),
        env.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        platform::binary_dir().join(format!("order-service-{port}.log")),
    )
    .unwrap();
    service.wait_ready(platform::READY_TIMEOUT).await.unwrap();
    let client = reqwest::Client::new();

    let customer = Uuid::now_v7();
    let product = Uuid::now_v7();
    app.publish(&CustomerRegistered {
        customer_id: customer,
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: "ada@example.com".into(),
        registered_at: Utc::now(),
    })
    .await;
    app.publish(&ProductCreated {
        product_id: product,
        sku: "MUG-1".into(),
        name: "Blue mug".into(),
        price: Money::new(1299, "EUR"),
        created_at: Utc::now(),
    })
    .await;

    let order = until_status(
        &client,
        |c| {
            c.post(format!("{base}/orders"))
                .json(&json!({"customerId": customer}))
        },
        201,
    )
    .await;
    let id = order["id"].as_str().unwrap().to_owned();
    until_status(
        &client,
        |c| {
            c.post(format!("{base}/orders/{id}/lines"))
                .json(&json!({"productId": product, "quantity": 1}))
        },
        200,
    )
    .await;
    until_status(
        &client,
        |c| c.post(format!("{base}/orders/{id}/place")),
        202,
    )
    .await;

    let commands = app
        .read_topic(INVENTORY_COMMANDS, |records| !records.is_empty())
        .await;
    assert_eq!(commands.len(), 1, "the relay published ReserveStock");
    assert_eq!(commands[0].key_str(), id);

    // Nobody answers the reservation: the sweeper gives up after the 1 s step.
    let (client, order_url) = (&client, format!("{base}/orders/{id}"));
    let order_url = &order_url;
    let order =
        orderflow_testkit::eventually("the sweeper to cancel", PATIENCE, move || async move {
            let order: Value = client
                .get(order_url)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if order["status"] == "Cancelled" {
                Ok(order)
            } else {
                Err(order)
            }
        })
        .await;
    assert_eq!(order["cancellationReason"], "timed out waiting for stock");

    let status = service.stop().unwrap().expect("the service was running");
    assert!(status.success(), "stops cleanly on SIGTERM: {status}");
}
