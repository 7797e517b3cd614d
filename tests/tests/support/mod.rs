//! A shop on a running platform, driven over HTTP only, the way a client would.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use orderflow_testkit::{Platform, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// How long anything asynchronous may take before a test gives up.
pub const PATIENCE: Duration = Duration::from_secs(90);

pub const SAGA_SERVICES: &[&str] = &["customer", "order", "payment", "inventory"];

/// Every service and the gateway, as `cargo xtask up` runs them.
pub const WHOLE_PLATFORM: &[&str] = &[
    "customer",
    "order",
    "payment",
    "inventory",
    "notification",
    "gateway",
];

pub struct Shop {
    pub platform: Platform,
    pub http: reqwest::Client,
    /// Every call goes through the gateway's `/api` instead of straight to the service.
    pub through_gateway: bool,
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Shop {
    /// The customer, order, payment and inventory services as processes, with `env` added.
    pub async fn open(env: &[(&str, &str)]) -> Self {
        let platform = Platform::start(SAGA_SERVICES, env)
            .await
            .expect("platform started");
        Self {
            platform,
            http: reqwest::Client::new(),
            through_gateway: false,
        }
    }

    /// The whole platform, driven through the gateway only. The test client is one address,
    /// so the gateway's per-client rate limit is raised out of the way.
    pub async fn open_through_gateway() -> Self {
        let env = [
            ("RATE_LIMIT_PER_SECOND", "10000"),
            ("RATE_LIMIT_BURST", "10000"),
        ];
        let platform = Platform::start(WHOLE_PLATFORM, &env)
            .await
            .expect("platform started");
        Self {
            platform,
            http: reqwest::Client::new(),
            through_gateway: true,
        }
    }

    /// Where a call to `service`'s `path` goes: the service itself, or the gateway's route to
    /// it (`/api/<path>`, admin paths as `/api/admin/<service>/...`).
    pub fn url(&self, service: &str, path: &str) -> String {
        if !self.through_gateway {
            return self.platform.url(service, path);
        }
        let routed = match path.strip_prefix("/admin") {
            Some(rest) => format!("/api/admin/{service}{rest}"),
            None => format!("/api{path}"),
        };
        self.platform.url("gateway", &routed)
    }

    pub async fn call(
        &self,
        service: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, self.url(service, path))
            .bearer_auth(&self.platform.admin_token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let bytes = response.bytes().await.expect("body read");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, body }
    }

    pub async fn get(&self, service: &str, path: &str) -> Reply {
        self.call(service, Method::GET, path, None).await
    }

    pub async fn post(&self, service: &str, path: &str, body: Value) -> Reply {
        self.call(service, Method::POST, path, Some(body)).await
    }

    pub async fn register_customer(&self) -> String {
        let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        let reply = self
            .post(
                "customer",
                "/customers",
                json!({"firstName": "Ada", "lastName": "Lovelace", "email": email}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// A product priced at `price` euro cents with `stock` units on hand.
    pub async fn create_product(&self, stock: u32, price: i64) -> String {
        let sku = format!("E2E-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let reply = self
            .post(
                "inventory",
                "/products",
                json!({"sku": sku, "name": "Test mug", "price": {"amount": price, "currency": "EUR"}, "stockOnHand": stock}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn product(&self, id: &str) -> Value {
        let reply = self.get("inventory", &format!("/products/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    /// A draft order for `customer` with the given lines. Adding a line waits until the
    /// order service has learnt the product from inventory's events.
    pub async fn draft(&self, customer: &str, lines: &[(&str, u32)]) -> String {
        let reply = self
            .post("order", "/orders", json!({"customerId": customer}))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let order = reply.body["id"].as_str().unwrap().to_owned();
        for (product, quantity) in lines {
            let body = json!({"productId": product, "quantity": quantity});
            let path = format!("/orders/{order}/lines");
            let reply = self
                .until(
                    || self.post("order", &path, body.clone()),
                    |r| r.status != StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            assert!(reply.status.is_success(), "adding a line: {}", reply.body);
        }
        order
    }

    /// Places `order`, waiting while the order service does not know the customer yet.
    pub async fn place(&self, order: &str, body: Value) -> Reply {
        let path = format!("/orders/{order}/place");
        self.until(
            || self.post("order", &path, body.clone()),
            |r| r.body["code"] != "unknown-customer",
        )
        .await
    }

    /// Places `order` and asserts it was accepted.
    pub async fn placed(&self, order: &str, body: Value) {
        let reply = self.place(order, body).await;
        assert!(reply.status.is_success(), "placing: {}", reply.body);
        assert_eq!(reply.body["status"], "Placed", "{}", reply.body);
    }

    pub async fn order(&self, id: &str) -> Value {
        let reply = self.get("order", &format!("/orders/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    /// Waits until `order` is Confirmed or Cancelled, and returns it.
    pub async fn settled(&self, order: &str) -> Value {
        let path = format!("/orders/{order}");
        self.until(
            || self.get("order", &path),
            |r| matches!(r.body["status"].as_str(), Some("Confirmed" | "Cancelled")),
        )
        .await
        .body
    }

    /// Waits until the product's counts satisfy `done`, and returns it.
    pub async fn product_until(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let path = format!("/products/{id}");
        self.until(|| self.get("inventory", &path), |r| done(&r.body))
            .await
            .body
    }

    /// Waits until the order's payment satisfies `done`, and returns the last answer.
    pub async fn payment_until(&self, order: &str, done: impl Fn(&Reply) -> bool) -> Reply {
        let path = format!("/payments/{order}");
        self.until(|| self.get("payment", &path), done).await
    }

    /// Repeats `call` until `done` holds for its answer; fails the test after [`PATIENCE`]
    /// with the last answer.
    pub async fn until<F, Fut>(&self, call: F, done: impl Fn(&Reply) -> bool) -> Reply
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Reply>,
    {
        let (call, done) = (&call, &done);
        eventually(
            "an answer that satisfies the test",
            PATIENCE,
            move || async move {
                let reply = call().await;
                if done(&reply) { Ok(reply) } else { Err(reply) }
            },
        )
        .await
    }
}

/// The ledger entries of `kind` in a payment.
pub fn ledger_entries(payment: &Value, kind: &str) -> usize {
    payment["ledger"].as_array().map_or(0, |entries| {
        entries.iter().filter(|e| e["kind"] == kind).count()
    })
}
