//! The service binary as the launcher runs it: configured from the environment, serving the
//! API, consuming, stopping cleanly on SIGTERM, and refusing to start when misconfigured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use common::{TestApp, WAIT, registered};
use orderflow_testkit::platform::{self, ServiceProcess};
use serde_json::Value;
use uuid::Uuid;

const BINARY: &str = env!("CARGO_BIN_EXE_notification-service");

#[tokio::test]
async fn the_binary_serves_consumes_and_stops_on_sigterm() {
    let app = TestApp::spawn().await;
    app.create_topics().await;
    let port = orderflow_testkit::ports::free_port().unwrap();
    let (kafka, redis) = (&app.config.kafka, &app.config.redis);
    let env = [
        ("REDIS_URL", redis.redis_url.as_str()),
        ("REDIS_KEY_PREFIX", &redis.redis_key_prefix),
        ("KAFKA_BOOTSTRAP_SERVERS", &kafka.kafka_bootstrap_servers),
        ("KAFKA_TOPIC_PREFIX", &kafka.kafka_topic_prefix),
        ("NOTIFICATION_CHANNEL", "log"),
        ("RUST_LOG", "warn"),
    ];
    let mut service = ServiceProcess::start(
        platform::spec("notification").unwrap(),
        PathBuf::from(BINARY),
        SocketAddr::from(([127, 0, 0, 1], port)),
        env.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        platform::binary_dir().join(format!("notification-service-{port}.log")),
    )
    .unwrap();
    service.wait_ready(platform::READY_TIMEOUT).await.unwrap();

    let customer = Uuid::now_v7();
    app.emit(&registered(customer, "Ada")).await;
    let (client, url) = (
        &reqwest::Client::new(),
        &service.url(&format!("/customers/{customer}/notifications")),
    );
    let history = orderflow_testkit::eventually("the welcome", WAIT, move || async move {
        let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
        if body["total"] == 1 {
            Ok(body)
        } else {
            Err(body)
        }
    })
    .await;
    assert_eq!(history["items"][0]["subject"], "Welcome to OrderFlow, Ada");

    let status = service.stop().unwrap().expect("the service was running");
    assert!(status.success(), "stops cleanly on SIGTERM: {status}");
}

#[test]
fn the_smtp_channel_without_its_url_refuses_to_start() {
    let output = Command::new(BINARY)
        .env("HTTP_ADDR", "127.0.0.1:0")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
        .env("NOTIFICATION_CHANNEL", "smtp")
        .env_remove("SMTP_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SMTP_URL"), "{stderr}");
}
