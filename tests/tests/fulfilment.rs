//! The order-fulfilment saga end to end: the customer, order, payment and inventory services
//! run as separate processes on a real PostgreSQL and a real Kafka-protocol broker, and the
//! tests drive them over HTTP only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use support::{Shop, ledger_entries};

#[tokio::test]
async fn an_order_in_stock_and_paid_is_confirmed_with_the_stock_committed_and_the_payment_captured()
{
    let shop = Shop::open(&[]).await;
    let customer = shop.register_customer().await;
    let product = shop.create_product(5, 1250).await;
    let order = shop.draft(&customer, &[(&product, 2)]).await;
    assert_eq!(
        shop.order(&order).await["total"],
        json!({"amount": 2500, "currency": "EUR"})
    );

    shop.placed(&order, json!({})).await;
    let settled = shop.settled(&order).await;

    assert_eq!(settled["status"], "Confirmed", "{settled}");
    let history: Vec<_> = settled["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(history, ["Draft", "Placed", "Confirmed"]);
    let stock = shop
        .product_until(&product, |p| p["stockOnHand"] == 3 && p["reserved"] == 0)
        .await;
    assert_eq!(stock["available"], 3);
    let payment = shop
        .payment_until(&order, |r| r.status == StatusCode::OK)
        .await
        .body;
    assert_eq!(payment["status"], "Captured", "{payment}");
    assert_eq!(
        payment["amount"],
        json!({"amount": 2500, "currency": "EUR"})
    );
    assert_eq!(ledger_entries(&payment, "Captured"), 1, "{payment}");
}

#[tokio::test]
async fn an_order_out_of_stock_is_cancelled_without_a_payment() {
    let shop = Shop::open(&[]).await;
    let customer = shop.register_customer().await;
    let product = shop.create_product(1, 990).await;
    let order = shop.draft(&customer, &[(&product, 2)]).await;

    shop.placed(&order, json!({})).await;
    let settled = shop.settled(&order).await;

    assert_eq!(settled["status"], "Cancelled", "{settled}");
    assert_eq!(settled["cancellationReason"], "out of stock");
    // Nothing was ever asked of the payment service for this order.
    let payment = shop.get("payment", &format!("/payments/{order}")).await;
    assert_eq!(payment.status, StatusCode::NOT_FOUND, "{}", payment.body);
    let stock = shop.product(&product).await;
    assert_eq!(
        (stock["stockOnHand"].as_u64(), stock["reserved"].as_u64()),
        (Some(1), Some(0))
    );
}

#[tokio::test]
async fn a_declined_payment_cancels_the_order_and_releases_the_stock() {
    let shop = Shop::open(&[]).await;
    let customer = shop.register_customer().await;
    let product = shop.create_product(4, 700).await;
    let order = shop.draft(&customer, &[(&product, 3)]).await;

    shop.placed(&order, json!({"paymentToken": "tok_decline"}))
        .await;
    let settled = shop.settled(&order).await;

    assert_eq!(settled["status"], "Cancelled", "{settled}");
    let reason = settled["cancellationReason"].as_str().unwrap();
    assert!(reason.contains("declined"), "{reason}");
    let stock = shop.product_until(&product, |p| p["reserved"] == 0).await;
    assert_eq!(
        (stock["stockOnHand"].as_u64(), stock["available"].as_u64()),
        (Some(4), Some(4))
    );
    let payment = shop
        .get("payment", &format!("/payments/{order}"))
        .await
        .body;
    assert_eq!(payment["status"], "Declined", "{payment}");
    assert_eq!(ledger_entries(&payment, "Captured"), 0);
    // The saga finished compensating once the release was confirmed.
    let order_path = format!("/orders/{order}");
    let saga = shop
        .until(
            || shop.get("order", &order_path),
            |r| r.body["saga"]["state"] == "Cancelled",
        )
        .await;
    assert_eq!(saga.body["saga"]["compensating"], false);
}

#[tokio::test]
async fn when_payment_never_answers_the_deadline_cancels_and_the_late_charge_never_stays_captured()
{
    let mut shop = Shop::open(&[
        ("SAGA_STEP_TIMEOUT_SECS", "3"),
        ("SAGA_SWEEP_INTERVAL_MS", "200"),
    ])
    .await;
    let customer = shop.register_customer().await;
    let product = shop.create_product(3, 1500).await;
    let order = shop.draft(&customer, &[(&product, 1)]).await;
    shop.platform.service_mut("payment").stop().unwrap();

    shop.placed(&order, json!({})).await;
    let settled = shop.settled(&order).await;

    assert_eq!(settled["status"], "Cancelled", "{settled}");
    assert_eq!(settled["cancellationReason"], "payment timed out");
    let stock = shop.product_until(&product, |p| p["reserved"] == 0).await;
    assert_eq!(stock["stockOnHand"], 3);

    // The payment service comes back and finds the charge and then the refund waiting.
    let payment = shop.platform.service_mut("payment");
    payment.start_again().unwrap();
    payment
        .wait_ready(orderflow_testkit::platform::READY_TIMEOUT)
        .await
        .unwrap();
    let payment = shop
        .payment_until(&order, |r| {
            matches!(r.body["status"].as_str(), Some("Refunded" | "Voided"))
        })
        .await
        .body;
    assert_eq!(
        ledger_entries(&payment, "Captured"),
        ledger_entries(&payment, "Refunded"),
        "whatever was captured was refunded: {payment}"
    );
    let order_after = shop.order(&order).await;
    assert_eq!(order_after["status"], "Cancelled");
}

#[tokio::test]
async fn cancelling_a_confirmed_order_refunds_the_payment_and_returns_the_stock() {
    let shop = Shop::open(&[]).await;
    let customer = shop.register_customer().await;
    let product = shop.create_product(6, 400).await;
    let order = shop.draft(&customer, &[(&product, 2)]).await;
    shop.placed(&order, json!({})).await;
    assert_eq!(shop.settled(&order).await["status"], "Confirmed");
    shop.product_until(&product, |p| p["stockOnHand"] == 4)
        .await;

    let cancelled = shop
        .post(
            "order",
            &format!("/orders/{order}/cancel"),
            json!({"reason": "changed my mind"}),
        )
        .await;

    assert!(cancelled.status.is_success(), "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "Cancelled");
    assert_eq!(cancelled.body["cancellationReason"], "changed my mind");
    let payment = shop
        .payment_until(&order, |r| r.body["status"] == "Refunded")
        .await
        .body;
    assert_eq!(ledger_entries(&payment, "Refunded"), 1, "{payment}");
    let stock = shop
        .product_until(&product, |p| p["stockOnHand"] == 6)
        .await;
    assert_eq!(
        (stock["reserved"].as_u64(), stock["available"].as_u64()),
        (Some(0), Some(6))
    );
}

#[tokio::test]
async fn a_deactivated_customer_cannot_place_an_order() {
    let shop = Shop::open(&[]).await;
    let customer = shop.register_customer().await;
    let product = shop.create_product(100, 100).await;
    let deactivated = shop
        .post(
            "customer",
            &format!("/customers/{customer}/deactivate"),
            json!({}),
        )
        .await;
    assert!(deactivated.status.is_success(), "{}", deactivated.body);

    // The order service learns of the deactivation from the customer's events, a moment
    // later; an order placed before it knows is placed (and left alone). Fresh drafts are
    // tried until the deactivation has arrived.
    let deadline = std::time::Instant::now() + support::PATIENCE;
    let (refused, draft) = loop {
        let draft = shop.draft(&customer, &[(&product, 1)]).await;
        let reply = shop.place(&draft, json!({})).await;
        if reply.body["code"] == "customer-deactivated" {
            break (reply, draft);
        }
        assert!(reply.status.is_success(), "{}", reply.body);
        assert!(std::time::Instant::now() < deadline, "never refused");
    };

    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("deactivated"),
        "{}",
        refused.body
    );
    assert_eq!(shop.order(&draft).await["status"], "Draft");
}

#[tokio::test]
async fn a_hundred_orders_racing_for_ten_units_confirm_exactly_ten() {
    let shop = Shop::open(&[]).await;
    let customer = shop.register_customer().await;
    let product = shop.create_product(10, 100).await;
    // The first draft waits for the read models; the others then find them ready.
    let line = [(product.as_str(), 1)];
    let first = shop.draft(&customer, &line).await;
    let mut orders = vec![first];
    let rest = futures::future::join_all((1..100).map(|_| shop.draft(&customer, &line))).await;
    orders.extend(rest);

    futures::future::join_all(orders.iter().map(|order| shop.placed(order, json!({})))).await;
    let settled = futures::future::join_all(orders.iter().map(|order| shop.settled(order))).await;

    let confirmed = settled
        .iter()
        .filter(|o| o["status"] == "Confirmed")
        .count();
    let out_of_stock = settled
        .iter()
        .filter(|o| o["status"] == "Cancelled" && o["cancellationReason"] == "out of stock")
        .count();
    assert_eq!((confirmed, out_of_stock), (10, 90));
    let stock = shop
        .product_until(&product, |p| p["stockOnHand"] == 0 && p["reserved"] == 0)
        .await;
    assert_eq!(stock["available"], 0);
}

#[tokio::test]
async fn a_payment_crash_mid_flow_leaves_every_order_settled_and_nobody_charged_twice() {
    let mut shop = Shop::open(&[("SAGA_STEP_TIMEOUT_SECS", "20")]).await;
    let customer = shop.register_customer().await;
    let product = shop.create_product(50, 300).await;
    let mut orders = Vec::new();
    for _ in 0..5 {
        orders.push(shop.draft(&customer, &[(&product, 1)]).await);
    }
    let faults = shop
        .post("payment", "/admin/faults", json!({"crashOnNext": true}))
        .await;
    assert_eq!(faults.status, StatusCode::OK, "{}", faults.body);

    futures::future::join_all(orders.iter().map(|order| shop.placed(order, json!({})))).await;
    let payment = shop.platform.service_mut("payment");
    let status = payment.wait_exit(Duration::from_secs(60)).await.unwrap();
    assert!(
        !status.success(),
        "the injected crash ends the process: {status}"
    );
    payment.start_again().unwrap();
    payment
        .wait_ready(orderflow_testkit::platform::READY_TIMEOUT)
        .await
        .unwrap();

    let mut confirmed = 0;
    for order in &orders {
        let settled = shop.settled(order).await;
        let payment = shop
            .get("payment", &format!("/payments/{order}"))
            .await
            .body;
        let captured = ledger_entries(&payment, "Captured");
        let refunded = ledger_entries(&payment, "Refunded");
        assert!(captured <= 1, "charged twice: {payment}");
        if settled["status"] == "Confirmed" {
            confirmed += 1;
            assert_eq!((captured, refunded), (1, 0), "{payment}");
        } else {
            assert_eq!(captured, refunded, "{settled} {payment}");
        }
    }
    let left = 50 - confirmed;
    shop.product_until(&product, |p| p["stockOnHand"] == left && p["reserved"] == 0)
        .await;
}
