//! The whole platform as `cargo xtask up` runs it — the five services and the gateway as
//! processes on real PostgreSQL, Redis and a Kafka-protocol broker — used the way a client
//! uses it: through the gateway only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{PATIENCE, Shop};

/// Reads a server-sent event stream until an event named `last` arrives, and returns the
/// event names in the order they came.
async fn follow_until(mut response: reqwest::Response, last: &str) -> Vec<String> {
    let mut buffer = String::new();
    let mut names = Vec::new();
    let read = async {
        while let Some(chunk) = response.chunk().await.expect("stream read") {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let frame: String = buffer.drain(..end + 2).collect();
                if let Some(name) = frame.lines().find_map(|l| l.strip_prefix("event: ")) {
                    names.push(name.to_owned());
                    if name == last {
                        return;
                    }
                }
            }
        }
        panic!("the stream ended before {last}: {names:?}");
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .unwrap_or_else(|_| panic!("no {last} within {PATIENCE:?}"));
    names
}

#[tokio::test]
async fn an_order_placed_through_the_gateway_is_confirmed_live_and_notified_once() {
    let shop = Shop::open_through_gateway().await;

    // The gateway gives every request a correlation id and keeps a client's own.
    let correlation = format!("e2e-{}", uuid::Uuid::new_v4().simple());
    let response = shop
        .http
        .get(shop.url("inventory", "/products"))
        .header("x-request-id", &correlation)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"], correlation.as_str());

    let customer = shop.register_customer().await;
    let product = shop.create_product(5, 1250).await;
    let order = shop.draft(&customer, &[(&product, 2)]).await;

    // Follow the order's live timeline through the gateway before placing it.
    let stream = shop
        .http
        .get(shop.url("order", &format!("/orders/{order}/events")))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let timeline = tokio::spawn(follow_until(stream, "Confirmed"));

    shop.placed(&order, json!({})).await;
    let names = timeline.await.unwrap();
    let position = |name: &str| {
        names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no {name} in {names:?}"))
    };
    assert!(position("Placed") < position("StockReserved"), "{names:?}");
    assert!(
        position("StockReserved") < position("PaymentProcessed"),
        "{names:?}"
    );
    assert!(
        position("PaymentProcessed") < position("Confirmed"),
        "{names:?}"
    );

    let confirmed = shop.order(&order).await;
    assert_eq!(confirmed["status"], "Confirmed", "{confirmed}");

    // The notification service learnt the customer and the order from events alone.
    let path = format!("/customers/{customer}/notifications?per_page=100");
    let reply = shop
        .until(
            || shop.get("notification", &path),
            |r| kinds(&r.body).contains(&"order-confirmed".to_owned()),
        )
        .await;
    let items = reply.body["items"].as_array().unwrap();
    let confirmations: Vec<&Value> = items
        .iter()
        .filter(|item| item["kind"] == "order-confirmed")
        .collect();
    assert_eq!(confirmations.len(), 1, "{}", reply.body);
    let confirmation = confirmations[0];
    assert_eq!(confirmation["orderId"], order.as_str());
    assert!(
        confirmation["body"].as_str().unwrap().contains("25.00 EUR"),
        "the total of 2 × 12.50 EUR: {confirmation}"
    );
    assert!(kinds(&reply.body).contains(&"welcome".to_owned()));

    // The same list through the notification resource the gateway routes to.
    let by_query = shop
        .get(
            "notification",
            &format!("/notifications?customerId={customer}&per_page=100"),
        )
        .await;
    assert_eq!(by_query.status, StatusCode::OK);
    assert_eq!(by_query.body["items"], reply.body["items"]);

    // Admin routes need the token at the gateway.
    let refused = shop
        .http
        .get(shop.url("payment", "/admin/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let faults = shop.get("payment", "/admin/faults").await;
    assert_eq!(faults.status, StatusCode::OK, "{}", faults.body);

    // One merged API description for the whole platform.
    let document: Value = shop
        .http
        .get(shop.platform.url("gateway", "/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/customers",
        "/api/orders/{id}/place",
        "/api/products",
        "/api/customers/{customerId}/notifications",
    ] {
        assert!(paths.contains_key(path), "{path} in {:?}", paths.keys());
    }
}

fn kinds(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The web app's API types are generated from `web/openapi.json` (`npm run api:generate`, and
/// `npm run api:check` fails when they lag behind it); this keeps that file equal to the
/// document the gateway serves, so front end and back end cannot drift apart unnoticed.
/// `ORDERFLOW_UPDATE_OPENAPI=1` rewrites the file instead of failing.
#[tokio::test]
async fn the_web_apps_openapi_snapshot_is_the_gateways_document() {
    let shop = Shop::open_through_gateway().await;
    let live: Value = reqwest::get(shop.platform.url("gateway", "/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !live["info"]["description"]
            .as_str()
            .unwrap_or_default()
            .contains("Left out"),
        "a service did not answer: {}",
        live["info"]["description"]
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/openapi.json");
    if std::env::var_os("ORDERFLOW_UPDATE_OPENAPI").is_some() {
        let text = serde_json::to_string_pretty(&live).unwrap();
        std::fs::write(&path, text + "\n").unwrap();
        return;
    }
    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        snapshot == live,
        "web/openapi.json differs from the gateway's /openapi.json: refresh it with \
         `ORDERFLOW_UPDATE_OPENAPI=1 cargo nextest run -p orderflow-testkit openapi_snapshot`, \
         then run `npm run api:generate` in web/"
    );
}
