//! End-to-end latency of the order-fulfilment saga, and each service's idle memory.
//!
//! Run with `cargo xtask bench saga`, which builds the services in release mode first. The
//! customer, order, payment and inventory services run as processes on the test kit's
//! PostgreSQL and broker; one client places orders one after another and times each from the
//! `place` request to the moment `GET /orders/{id}` shows it Confirmed (polled every
//! millisecond or so, so the figures carry up to ~1 ms of polling granularity).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use orderflow_testkit::Platform;
use serde_json::{Value, json};

const ORDERS: usize = 1_000;
const WARM_UP: usize = 20;
const SERVICES: &[&str] = &["customer", "order", "payment", "inventory"];

struct Client {
    http: reqwest::Client,
    platform: Platform,
}

impl Client {
    async fn post(&self, service: &str, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.platform.url(service, path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, service: &str, path: &str) -> Value {
        let response = self
            .http
            .get(self.platform.url(service, path))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap_or(Value::Null)
    }

    /// Repeats `post` while it answers 422 (a read model not caught up yet), up to a minute.
    async fn post_when_known(&self, service: &str, path: &str, body: Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, reply) = self.post(service, path, body.clone()).await;
            if status != 422 {
                assert!((200..300).contains(&status), "{path}: {status} {reply}");
                return reply;
            }
            assert!(Instant::now() < deadline, "{path}: {reply}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A draft order for one unit of `product`.
    async fn draft(&self, customer: &str, product: &str) -> String {
        let (_, order) = self
            .post("order", "/orders", json!({"customerId": customer}))
            .await;
        let id = order["id"].as_str().unwrap().to_owned();
        self.post_when_known(
            "order",
            &format!("/orders/{id}/lines"),
            json!({"productId": product, "quantity": 1}),
        )
        .await;
        id
    }

    /// Places `order` and returns how long it took to become Confirmed.
    async fn place_and_time(&self, order: &str) -> Duration {
        let started = Instant::now();
        self.post_when_known("order", &format!("/orders/{order}/place"), json!({}))
            .await;
        let path = format!("/orders/{order}");
        loop {
            let status = self.get("order", &path).await["status"].clone();
            match status.as_str() {
                Some("Confirmed") => return started.elapsed(),
                Some("Cancelled") => panic!("order {order} was cancelled"),
                _ => tokio::time::sleep(Duration::from_millis(1)).await,
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "order {order} stuck"
            );
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn rss_table(platform: &Platform) -> String {
    platform
        .services()
        .iter()
        .map(|service| {
            let mib = service.rss_kib().map_or(0.0, |kib| kib as f64 / 1024.0);
            format!("{}={mib:.1} MiB", service.name())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; a plain `cargo test` build runs nothing.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let platform = Platform::start(SERVICES, &[]).await.unwrap();
    let client = Client {
        http: reqwest::Client::new(),
        platform,
    };
    // Idle: started, connected, nothing asked of it yet.
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!("idle RSS after start-up: {}", rss_table(&client.platform));

    let email = format!("{}@bench.example", uuid::Uuid::new_v4().simple());
    let (_, customer) = client
        .post(
            "customer",
            "/customers",
            json!({"firstName": "Bench", "lastName": "Mark", "email": email}),
        )
        .await;
    let customer = customer["id"].as_str().unwrap().to_owned();
    let (_, product) = client
        .post(
            "inventory",
            "/products",
            json!({"sku": "BENCH-1", "name": "Bench mug", "price": {"amount": 1, "currency": "EUR"}, "stockOnHand": 1_000_000}),
        )
        .await;
    let product = product["id"].as_str().unwrap().to_owned();

    for _ in 0..WARM_UP {
        let order = client.draft(&customer, &product).await;
        client.place_and_time(&order).await;
    }
    let mut latencies = Vec::with_capacity(ORDERS);
    let started = Instant::now();
    for _ in 0..ORDERS {
        let order = client.draft(&customer, &product).await;
        latencies.push(client.place_and_time(&order).await);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let mean = latencies.iter().sum::<Duration>() / latencies.len() as u32;
    println!(
        "place → Confirmed over {ORDERS} sequential orders: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms, mean {:.1} ms ({:.1} s in all, drafts included)",
        percentile(&latencies, 50.0).as_secs_f64() * 1e3,
        percentile(&latencies, 90.0).as_secs_f64() * 1e3,
        percentile(&latencies, 99.0).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3,
        elapsed.as_secs_f64(),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!("RSS after the run: {}", rss_table(&client.platform));
}
