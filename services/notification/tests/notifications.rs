//! The consumer against a real broker and a real Redis, observed through the HTTP API:
//! which events notify whom, with what, exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    TestApp, cancelled, confirmed, email_of, kinds, payment_failed, placed, refunded, registered,
};
use orderflow_contracts::topics::ORDER_EVENTS;
use uuid::Uuid;

#[tokio::test]
async fn a_registration_is_welcomed_by_name() {
    let app = TestApp::spawn().await;
    let consumer = app.start_consumer().await;
    let customer = Uuid::now_v7();
    let event_id = app.emit(&registered(customer, "Ada")).await;

    let items = app.wait_for(customer, "welcome").await;
    assert_eq!(items.len(), 1);
    let welcome = &items[0];
    assert_eq!(welcome["subject"], "Welcome to OrderFlow, Ada");
    assert!(
        welcome["body"]
            .as_str()
            .unwrap()
            .starts_with("Hello Ada,\n")
    );
    assert_eq!(welcome["recipient"], email_of(customer));
    assert_eq!(welcome["customerId"], customer.to_string());
    assert_eq!(welcome["eventId"], event_id.to_string());
    assert_eq!(welcome["channel"], "log");
    assert!(welcome.get("orderId").is_none());
    assert_eq!(
        Uuid::parse_str(welcome["id"].as_str().unwrap())
            .unwrap()
            .get_version_num(),
        7
    );

    let page = app.notifications(customer).await.body;
    assert_eq!(
        (
            page["page"].as_u64(),
            page["perPage"].as_u64(),
            page["total"].as_u64()
        ),
        (Some(1), Some(100), Some(1))
    );
    let by_query = app
        .get(&format!(
            "/notifications?customerId={customer}&per_page=100"
        ))
        .await
        .body;
    assert_eq!(
        by_query, page,
        "GET /notifications?customerId= lists the same"
    );
    let metrics = app.get("/metrics").await.body;
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("notifications_sent_total{")
                && l.contains(r#"kind="welcome""#)
                && l.contains(r#"channel="log""#)),
        "{metrics}"
    );
    consumer.stop().await;
}

#[tokio::test]
async fn a_confirmed_order_is_notified_once_with_its_total_even_when_redelivered() {
    let app = TestApp::spawn().await;
    let consumer = app.start_consumer().await;
    let (customer, order) = (Uuid::now_v7(), Uuid::now_v7());
    app.register(customer, "Ada").await;

    let confirmation = Uuid::now_v7();
    app.emit(&placed(order, customer, 1250)).await;
    app.publish(&confirmed(order, customer, 1250), confirmation)
        .await;
    app.publish(&confirmed(order, customer, 1250), confirmation)
        .await;
    // Same key, same partition: once this is handled, the redelivery has been seen.
    app.emit(&cancelled(order, customer, "changed my mind"))
        .await;

    let items = app.wait_for(customer, "order-cancelled").await;
    assert_eq!(
        kinds(&items),
        ["order-cancelled", "order-confirmed", "welcome"]
    );
    let confirmed = &items[1];
    assert_eq!(confirmed["eventId"], confirmation.to_string());
    assert_eq!(confirmed["orderId"], order.to_string());
    assert_eq!(
        confirmed["subject"],
        format!("Your order {order} is confirmed")
    );
    assert!(
        confirmed["body"]
            .as_str()
            .unwrap()
            .contains("Total charged: 12.50 EUR"),
        "{confirmed}"
    );
    consumer.stop().await;
}

#[tokio::test]
async fn a_cancellation_gives_its_reason() {
    let app = TestApp::spawn().await;
    let consumer = app.start_consumer().await;
    let (customer, order) = (Uuid::now_v7(), Uuid::now_v7());
    app.register(customer, "Grace").await;
    app.emit(&cancelled(
        order,
        customer,
        "payment declined: card expired",
    ))
    .await;

    let items = app.wait_for(customer, "order-cancelled").await;
    let cancellation = &items[0];
    assert_eq!(
        cancellation["subject"],
        format!("Your order {order} was cancelled")
    );
    let body = cancellation["body"].as_str().unwrap();
    assert!(body.starts_with("Hello Grace,\n"), "{body}");
    assert!(
        body.contains("Reason: payment declined: card expired\n"),
        "{body}"
    );
    consumer.stop().await;
}

#[tokio::test]
async fn payment_events_reach_the_customer_through_the_order_read_model() {
    let app = TestApp::spawn().await;
    let consumer = app.start_consumer().await;
    let (customer, order) = (Uuid::now_v7(), Uuid::now_v7());
    app.register(customer, "Ada").await;
    app.emit(&placed(order, customer, 1250)).await;
    app.emit(&confirmed(order, customer, 1250)).await;
    // The placement precedes the confirmation on the order's partition: it is known now.
    app.wait_for(customer, "order-confirmed").await;

    app.emit(&refunded(order, 0)).await;
    app.emit(&payment_failed(order, 1250, "card declined"))
        .await;
    app.emit(&refunded(order, 500)).await;

    let items = app.wait_for(customer, "refund-issued").await;
    // The refund of nothing, handled before the others on the same partition, told nobody.
    assert_eq!(
        kinds(&items),
        [
            "refund-issued",
            "payment-failed",
            "order-confirmed",
            "welcome"
        ]
    );
    let (refund, failure) = (&items[0], &items[1]);
    assert_eq!(failure["recipient"], email_of(customer));
    assert_eq!(failure["orderId"], order.to_string());
    assert_eq!(
        failure["subject"],
        format!("Payment for your order {order} failed")
    );
    let body = failure["body"].as_str().unwrap();
    assert!(
        body.contains("Amount: 12.50 EUR\nReason: card declined\n"),
        "{body}"
    );
    assert_eq!(
        refund["subject"],
        format!("Refund of 5.00 EUR for your order {order}")
    );
    let body = refund["body"].as_str().unwrap();
    assert!(
        body.contains("Amount refunded: 5.00 EUR\nOrder total: 12.50 EUR\n"),
        "{body}"
    );
    consumer.stop().await;
}

#[tokio::test]
async fn an_event_for_an_unknown_customer_is_retried_until_the_registration_arrives() {
    let app = TestApp::spawn().await;
    let consumer = app.start_consumer().await;
    let (customer, order) = (Uuid::now_v7(), Uuid::now_v7());
    app.emit(&confirmed(order, customer, 990)).await;
    // The consumer found no customer and scheduled a retry instead of notifying blanks.
    app.retried(ORDER_EVENTS, order.to_string()).await;
    assert_eq!(app.notifications(customer).await.body["total"], 0);

    app.emit(&registered(customer, "Ada")).await;
    let items = app.wait_for(customer, "order-confirmed").await;
    assert_eq!(kinds(&items), ["order-confirmed", "welcome"]);
    assert!(
        items[0]["body"]
            .as_str()
            .unwrap()
            .contains("Total charged: 9.90 EUR")
    );
    assert!(
        items[0]["body"]
            .as_str()
            .unwrap()
            .starts_with("Hello Ada,\n")
    );
    consumer.stop().await;
}

#[tokio::test]
async fn the_history_keeps_only_the_newest_notifications() {
    let app = TestApp::spawn_with(|config| config.notification_history_limit = 3).await;
    let consumer = app.start_consumer().await;
    let (customer, order) = (Uuid::now_v7(), Uuid::now_v7());
    app.register(customer, "Ada").await;
    for total in [100, 200, 300, 400] {
        app.emit(&confirmed(order, customer, total)).await;
    }
    app.emit(&cancelled(order, customer, "the last one")).await;

    let items = app.wait_for(customer, "order-cancelled").await;
    assert_eq!(items.len(), 3);
    assert_eq!(app.notifications(customer).await.body["total"], 3);
    assert!(items[1]["body"].as_str().unwrap().contains("4.00 EUR"));
    assert!(items[2]["body"].as_str().unwrap().contains("3.00 EUR"));

    let second = app
        .get(&format!(
            "/customers/{customer}/notifications?page=2&per_page=2"
        ))
        .await
        .body;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0], items[2]);
    assert_eq!(second["total"], 3);
    consumer.stop().await;
}
