//! The fulfilment saga end to end inside the order service: the real consumer group takes
//! replies produced to the real broker, and the commands it sends reach the command topics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use chrono::Utc;
use common::{Draft, TestApp, eventually};
use orderflow_contracts::topics::{
    INVENTORY_COMMANDS, INVENTORY_EVENTS, ORDER_EVENTS, PAYMENT_COMMANDS, PAYMENT_EVENTS,
};
use orderflow_contracts::{
    Money, PaymentFailed, PaymentProcessed, PaymentRefunded, StockCommitted, StockLine,
    StockReleased, StockReservationFailed, StockReserved, dead_letter_topic, retry_topic,
};
use serde_json::json;
use uuid::Uuid;

fn eur(amount: i64) -> Money {
    Money::new(amount, "EUR")
}

fn stock_reserved(draft: &Draft) -> StockReserved {
    StockReserved {
        order_id: draft.id(),
        lines: vec![StockLine {
            product_id: draft.product.parse().unwrap(),
            quantity: 2,
        }],
        reserved_at: Utc::now(),
    }
}

fn payment_processed(draft: &Draft) -> PaymentProcessed {
    PaymentProcessed {
        payment_id: Uuid::now_v7(),
        order_id: draft.id(),
        amount: eur(2598),
        processed_at: Utc::now(),
    }
}

fn stock_released(draft: &Draft) -> StockReleased {
    StockReleased {
        order_id: draft.id(),
        released_at: Utc::now(),
    }
}

/// Drives a placed order to Confirmed through the consumer.
async fn confirm(app: &TestApp, draft: &Draft) {
    app.publish(&stock_reserved(draft)).await;
    app.wait_outbox(&draft.order, |t| t.contains(&"process-payment".to_owned()))
        .await;
    app.publish(&payment_processed(draft)).await;
    app.wait_order(&draft.order, "confirmation", |o| o["status"] == "Confirmed")
        .await;
}

#[tokio::test]
async fn placing_sends_reserve_stock_to_the_inventory_commands_topic() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;
    let records = app
        .read_topic(INVENTORY_COMMANDS, |records| !records.is_empty())
        .await;
    assert_eq!(records.len(), 1);
    let command = &records[0];
    assert_eq!(command.key_str(), draft.order);
    assert_eq!(
        command.header("ce_type"),
        Some("orderflow.inventory.reserve-stock.v1")
    );
    assert_eq!(command.header("ce_source"), Some("/orderflow/order"));
    assert_eq!(command.header("correlation-id"), Some(draft.order.as_str()));
    assert_eq!(
        command.json().unwrap(),
        json!({"orderId": draft.order, "lines": [{"productId": draft.product, "quantity": 2}]})
    );
}

#[tokio::test]
async fn the_happy_path_reserves_charges_confirms_and_commits() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;

    let reserved_id = app.publish(&stock_reserved(&draft)).await;
    let order = app
        .wait_order(&draft.order, "payment step", |o| {
            o["saga"]["state"] == "AwaitingPayment"
        })
        .await;
    assert_eq!(order["status"], "Placed");
    assert_eq!(order["saga"]["version"], 2);
    let outbox = app.outbox(&draft.order).await;
    let (kind, payment, headers) = outbox.last().unwrap();
    assert_eq!(kind, "process-payment");
    assert_eq!(
        payment,
        &json!({
            "orderId": draft.order,
            "customerId": draft.customer,
            "amount": {"amount": 2598, "currency": "EUR"},
            "paymentToken": "tok_test",
        })
    );
    assert_eq!(headers["correlation-id"], draft.order.as_str());
    assert_eq!(headers["causation-id"], reserved_id.to_string().as_str());
    let last_request: Option<Uuid> =
        sqlx::query_scalar("SELECT last_request_id FROM saga_instance WHERE order_id = $1")
            .bind(draft.id())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(last_request, Some(reserved_id));
    let payments = app
        .read_topic(PAYMENT_COMMANDS, |records| !records.is_empty())
        .await;
    assert_eq!(
        payments[0].header("ce_type"),
        Some("orderflow.payment.process-payment.v1")
    );
    assert_eq!(payments[0].key_str(), draft.order);

    app.publish(&payment_processed(&draft)).await;
    let order = app
        .wait_order(&draft.order, "confirmation", |o| o["status"] == "Confirmed")
        .await;
    assert_eq!(order["saga"]["state"], "Completed");
    assert!(order["saga"].get("deadlineAt").is_none());
    assert!(order["confirmedAt"].is_string());
    assert_eq!(
        app.outbox_types(&draft.order).await,
        [
            "placed",
            "reserve-stock",
            "process-payment",
            "confirmed",
            "commit-stock"
        ]
    );
    let events = app
        .read_topic(ORDER_EVENTS, |records| records.len() >= 2)
        .await;
    let confirmed = &events[1];
    assert_eq!(
        confirmed.header("ce_type"),
        Some("orderflow.order.confirmed.v1")
    );
    let payload = confirmed.json().unwrap();
    assert_eq!(payload["customerId"], draft.customer.as_str());
    assert_eq!(payload["total"], json!({"amount": 2598, "currency": "EUR"}));
    let inventory = app
        .read_topic(INVENTORY_COMMANDS, |records| records.len() >= 2)
        .await;
    assert_eq!(
        inventory[1].header("ce_type"),
        Some("orderflow.inventory.commit-stock.v1")
    );

    app.publish(&StockCommitted {
        order_id: draft.id(),
        committed_at: Utc::now(),
    })
    .await;
    eventually("StockCommitted on the timeline", || async {
        let kinds = app.timeline_kinds(&draft.order).await;
        kinds.contains(&"StockCommitted".to_owned()).then_some(())
    })
    .await;
    let completed = app
        .post(&format!("/orders/{}/complete", draft.order), None)
        .await;
    assert_eq!(completed.status, StatusCode::OK);
    assert_eq!(completed.body["status"], "Completed");
    assert_eq!(
        app.timeline_kinds(&draft.order).await,
        [
            "Created",
            "Placed",
            "StockReserved",
            "PaymentProcessed",
            "Confirmed",
            "StockCommitted",
            "Completed"
        ]
    );
    assert_eq!(
        app.outbox_types(&draft.order).await.last().unwrap(),
        "completed"
    );
}

#[tokio::test]
async fn a_failed_reservation_cancels_the_order_out_of_stock() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;
    app.publish(&StockReservationFailed {
        order_id: draft.id(),
        reason: "only 1 Blue mug left".into(),
        shortages: Vec::new(),
        failed_at: Utc::now(),
    })
    .await;
    let order = app
        .wait_order(&draft.order, "cancellation", |o| o["status"] == "Cancelled")
        .await;
    assert_eq!(order["cancellationReason"], "out of stock");
    assert_eq!(order["saga"]["state"], "Cancelled");
    assert_eq!(order["saga"]["failureReason"], "only 1 Blue mug left");
    assert_eq!(order["saga"]["compensating"], false);
    // Nothing was reserved, so nothing is released.
    assert_eq!(
        app.outbox_types(&draft.order).await,
        ["placed", "reserve-stock", "cancelled"]
    );
    let (_, cancelled, _) = app.outbox(&draft.order).await.pop().unwrap();
    assert_eq!(cancelled["reason"], "out of stock");
    assert_eq!(cancelled["customerId"], draft.customer.as_str());
}

#[tokio::test]
async fn a_failed_payment_releases_the_stock_and_cancels_then_the_release_ends_the_saga() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;
    app.publish(&stock_reserved(&draft)).await;
    app.wait_outbox(&draft.order, |t| t.contains(&"process-payment".to_owned()))
        .await;
    app.publish(&PaymentFailed {
        order_id: draft.id(),
        amount: eur(2598),
        reason: "card declined".into(),
        failed_at: Utc::now(),
    })
    .await;
    let order = app
        .wait_order(&draft.order, "cancellation", |o| o["status"] == "Cancelled")
        .await;
    assert_eq!(order["cancellationReason"], "card declined");
    assert_eq!(order["saga"]["state"], "Compensating");
    assert_eq!(order["saga"]["compensating"], true);
    assert!(order["saga"]["deadlineAt"].is_string());
    let outbox = app.outbox(&draft.order).await;
    let types: Vec<_> = outbox.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "placed",
            "reserve-stock",
            "process-payment",
            "cancelled",
            "release-stock"
        ]
    );
    assert_eq!(outbox[4].1["reason"], "card declined");

    app.publish(&stock_released(&draft)).await;
    let order = app
        .wait_order(&draft.order, "the end of compensation", |o| {
            o["saga"]["state"] == "Cancelled"
        })
        .await;
    assert_eq!(order["saga"]["compensating"], false);
    assert_eq!(
        app.timeline_kinds(&draft.order).await,
        [
            "Created",
            "Placed",
            "StockReserved",
            "PaymentFailed",
            "Cancelled",
            "CompensationStarted",
            "StockReleased"
        ]
    );
}

#[tokio::test]
async fn duplicate_replies_have_one_effect() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;
    let reply = stock_reserved(&draft);
    let id = Uuid::now_v7();
    // The same event twice (the inbox drops it), then a participant's resend with a new id
    // (the saga ignores it: stock is already reserved).
    app.publish_as(&reply, id).await;
    app.publish_as(&reply, id).await;
    let resend = app.publish(&reply).await;
    eventually("the resend in the inbox", || async {
        let seen: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM inbox_message WHERE consumer_group = 'order' AND event_id = $1)",
        )
        .bind(resend)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        seen.then_some(())
    })
    .await;
    assert_eq!(app.inbox_count().await, 2);
    let payments = app
        .outbox_types(&draft.order)
        .await
        .into_iter()
        .filter(|t| t == "process-payment")
        .count();
    assert_eq!(payments, 1);
    let order = app.order(&draft.order).await;
    assert_eq!(order["saga"]["version"], 2);
    assert_eq!(
        app.timeline_kinds(&draft.order).await,
        ["Created", "Placed", "StockReserved"]
    );
}

#[tokio::test]
async fn a_reply_that_arrives_early_is_retried_not_dead_lettered() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;
    // The payment result overtakes the reservation (retry topics reorder messages).
    app.publish(&payment_processed(&draft)).await;
    let retry = retry_topic(PAYMENT_EVENTS, "order", 0);
    let retried = app.read_topic(&retry, |records| !records.is_empty()).await;
    assert_eq!(retried.len(), 1, "the early reply went to {retry}");
    assert_eq!(retried[0].header("x-error-kind"), Some("transient"));
    assert_eq!(
        app.order(&draft.order).await["saga"]["state"],
        "AwaitingStock"
    );

    app.publish(&stock_reserved(&draft)).await;
    let order = app
        .wait_order(&draft.order, "confirmation after the retry", |o| {
            o["status"] == "Confirmed"
        })
        .await;
    assert_eq!(order["saga"]["state"], "Completed");
    assert_eq!(
        app.outbox_types(&draft.order).await,
        [
            "placed",
            "reserve-stock",
            "process-payment",
            "confirmed",
            "commit-stock"
        ]
    );
}

#[tokio::test]
async fn a_reply_for_an_unknown_order_is_dead_lettered_with_its_reason() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let stranger = Uuid::now_v7();
    let id = app
        .publish(&StockReleased {
            order_id: stranger,
            released_at: Utc::now(),
        })
        .await;
    let dlt = dead_letter_topic(INVENTORY_EVENTS, "order");
    let dead = app.read_topic(&dlt, |records| !records.is_empty()).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].header("ce_id"), Some(id.to_string().as_str()));
    assert_eq!(dead[0].header("x-error-kind"), Some("permanent"));
    assert!(
        dead[0]
            .header("x-exception-message")
            .unwrap()
            .contains(&format!("order {stranger} does not exist"))
    );
}

#[tokio::test]
async fn cancelling_a_confirmed_order_refunds_and_releases() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;
    confirm(&app, &draft).await;

    let response = app
        .post(
            &format!("/orders/{}/cancel", draft.order),
            Some(json!({"reason": "changed my mind"})),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.body["status"], "Cancelled");
    assert_eq!(response.body["saga"]["state"], "Compensating");
    let outbox = app.outbox(&draft.order).await;
    let tail: Vec<_> = outbox[outbox.len() - 3..]
        .iter()
        .map(|(t, _, _)| t.as_str())
        .collect();
    assert_eq!(tail, ["cancelled", "refund-payment", "release-stock"]);
    let (_, refund, headers) = &outbox[outbox.len() - 2];
    assert_eq!(
        refund,
        &json!({"orderId": draft.order, "amount": {"amount": 2598, "currency": "EUR"}, "reason": "changed my mind"})
    );
    assert_eq!(headers["correlation-id"], draft.order.as_str());

    app.publish(&PaymentRefunded {
        payment_id: Uuid::now_v7(),
        order_id: draft.id(),
        amount: eur(2598),
        refunded_at: Utc::now(),
    })
    .await;
    app.publish(&stock_released(&draft)).await;
    app.wait_order(&draft.order, "the end of compensation", |o| {
        o["saga"]["state"] == "Cancelled"
    })
    .await;
    let kinds = eventually("the refund on the timeline", || async {
        let kinds = app.timeline_kinds(&draft.order).await;
        kinds
            .contains(&"PaymentRefunded".to_owned())
            .then_some(kinds)
    })
    .await;
    let position = |kind: &str| kinds.iter().position(|k| k == kind).unwrap();
    assert!(
        position("Cancelled") < position("CompensationStarted"),
        "{kinds:?}"
    );
    assert!(
        position("CompensationStarted") < position("StockReleased"),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn cancelling_while_awaiting_stock_releases_whatever_may_be_reserved() {
    let app = TestApp::spawn().await;
    let draft = app.placed().await;
    let response = app
        .post(
            &format!("/orders/{}/cancel", draft.order),
            Some(json!({"reason": "too slow"})),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["saga"]["state"], "Cancelled");
    assert_eq!(
        app.outbox_types(&draft.order).await,
        ["placed", "reserve-stock", "cancelled", "release-stock"]
    );
}

#[tokio::test]
async fn the_sweeper_cancels_a_saga_whose_stock_reply_is_overdue() {
    let app = TestApp::spawn().await;
    let draft = app.placed().await;
    let sweeper = order_service::sweeper(app.pool.clone(), &app.config);
    assert_eq!(
        sweeper.sweep_once(Utc::now()).await.unwrap(),
        0,
        "not due yet"
    );
    assert_eq!(app.order(&draft.order).await["status"], "Placed");

    let later = Utc::now() + chrono::Duration::seconds(31);
    assert_eq!(sweeper.sweep_once(later).await.unwrap(), 1);
    let order = app.order(&draft.order).await;
    assert_eq!(order["status"], "Cancelled");
    assert_eq!(order["cancellationReason"], "timed out waiting for stock");
    assert_eq!(order["saga"]["state"], "Cancelled");
    assert_eq!(
        app.outbox_types(&draft.order).await,
        ["placed", "reserve-stock", "cancelled", "release-stock"]
    );
    assert_eq!(
        app.timeline_kinds(&draft.order).await,
        ["Created", "Placed", "DeadlinePassed", "Cancelled"]
    );
    assert_eq!(
        sweeper.sweep_once(later).await.unwrap(),
        0,
        "nothing is due any more"
    );
}

#[tokio::test]
async fn the_sweeper_compensates_a_saga_whose_payment_reply_is_overdue() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;
    app.publish(&stock_reserved(&draft)).await;
    app.wait_order(&draft.order, "payment step", |o| {
        o["saga"]["state"] == "AwaitingPayment"
    })
    .await;

    let sweeper = order_service::sweeper(app.pool.clone(), &app.config);
    let later = Utc::now() + chrono::Duration::seconds(31);
    assert_eq!(sweeper.sweep_once(later).await.unwrap(), 1);
    let order = app.order(&draft.order).await;
    assert_eq!(order["status"], "Cancelled");
    assert_eq!(order["cancellationReason"], "payment timed out");
    assert_eq!(order["saga"]["state"], "Compensating");
    let types = app.outbox_types(&draft.order).await;
    assert_eq!(
        types[types.len() - 3..],
        [
            "cancelled".to_owned(),
            "refund-payment".to_owned(),
            "release-stock".to_owned()
        ]
    );

    // Still no release after another step: the release is sent again.
    let much_later = later + chrono::Duration::seconds(31);
    assert_eq!(sweeper.sweep_once(much_later).await.unwrap(), 1);
    let releases = app
        .outbox_types(&draft.order)
        .await
        .into_iter()
        .filter(|t| t == "release-stock")
        .count();
    assert_eq!(releases, 2);
}

#[tokio::test]
async fn the_running_sweeper_compensates_on_its_own() {
    let app = TestApp::spawn_with(|config| {
        config.saga_step_timeout_secs = 1;
        config.saga_sweep_interval_ms = 100;
    })
    .await;
    let draft = app.placed().await;
    let stop = tokio_util::sync::CancellationToken::new();
    let sweeper = order_service::sweeper(app.pool.clone(), &app.config);
    let running = tokio::spawn(sweeper.run(stop.clone()));
    let order = app
        .wait_order(&draft.order, "the sweeper", |o| o["status"] == "Cancelled")
        .await;
    assert_eq!(order["cancellationReason"], "timed out waiting for stock");
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the sweeper stops when asked")
        .unwrap();
}

#[tokio::test]
async fn faults_set_on_the_admin_route_hit_the_consumer_and_dead_letters_are_listed() {
    let app = TestApp::spawn_with(|config| config.admin.admin_token = Some("s3cret".into())).await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;
    let auth = [("authorization", "Bearer s3cret")];
    let set = app
        .call(
            axum::http::Method::POST,
            "/admin/faults",
            Some(json!({"failNextPermanent": 1})),
            &auth,
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);

    let id = app.publish(&stock_reserved(&draft)).await;
    let dlt = dead_letter_topic(INVENTORY_EVENTS, "order");
    let dead = app.read_topic(&dlt, |records| !records.is_empty()).await;
    assert_eq!(dead[0].header("ce_id"), Some(id.to_string().as_str()));
    assert!(
        dead[0]
            .header("x-exception-message")
            .unwrap()
            .contains("injected permanent fault")
    );
    assert_eq!(
        app.order(&draft.order).await["saga"]["state"],
        "AwaitingStock"
    );

    let listed = app
        .call(
            axum::http::Method::GET,
            "/admin/dead-letters?group=order",
            None,
            &auth,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    assert_eq!(listed.body["items"][0]["eventId"], id.to_string().as_str());
    // Replaying it, now that the fault is spent, moves the saga on.
    let replayed = app
        .call(
            axum::http::Method::POST,
            "/admin/dead-letters/replay",
            Some(json!({"group": "order"})),
            &auth,
        )
        .await;
    assert_eq!(replayed.body["replayed"], 1);
    app.wait_order(&draft.order, "the replayed reply", |o| {
        o["saga"]["state"] == "AwaitingPayment"
    })
    .await;
}

/// The sum of the samples of series `name` whose labels include every one of `labels`.
fn value(text: &str, name: &str, labels: &[&str]) -> f64 {
    series(text, name, labels)
        .iter()
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The `/metrics` lines of series `name` whose labels include every one of `labels`.
fn series<'a>(text: &'a str, name: &str, labels: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter(|line| labels.iter().all(|label| line.contains(label)))
        .collect()
}

#[tokio::test]
async fn confirmations_cancellations_and_timeouts_are_counted_with_bounded_labels() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let confirmed = app.placed().await;
    confirm(&app, &confirmed).await;
    let declined = app.placed().await;
    app.publish(&stock_reserved(&declined)).await;
    app.wait_outbox(&declined.order, |t| {
        t.contains(&"process-payment".to_owned())
    })
    .await;
    app.publish(&PaymentFailed {
        order_id: declined.id(),
        amount: eur(2598),
        reason: "card declined by the issuer".into(),
        failed_at: Utc::now(),
    })
    .await;
    app.wait_order(&declined.order, "cancellation", |o| {
        o["status"] == "Cancelled"
    })
    .await;
    let overdue = app.placed().await;
    let sweeper = order_service::sweeper(app.pool.clone(), &app.config);
    let later = Utc::now() + chrono::Duration::seconds(31);
    eventually("the overdue saga to be swept", || async {
        sweeper.sweep_once(later).await.unwrap();
        (app.order(&overdue.order).await["status"] == "Cancelled").then_some(())
    })
    .await;

    // Counters start at zero (the app registers them), so wait for the counts themselves.
    let order = r#"service="order""#;
    let expected: [(&str, &[&str], f64); 6] = [
        ("orders_placed_total", &[order], 3.0),
        ("orders_confirmed_total", &[order], 1.0),
        (
            "orders_cancelled_total",
            &[order, r#"reason="payment_declined""#],
            1.0,
        ),
        (
            "orders_cancelled_total",
            &[order, r#"reason="timeout""#],
            1.0,
        ),
        (
            "saga_timeouts_total",
            &[order, r#"state="AwaitingStock""#],
            1.0,
        ),
        ("saga_duration_seconds_count", &[order], 3.0),
    ];
    let text = eventually("the counts on /metrics", || async {
        let text = app.get("/metrics").await.body.as_str()?.to_owned();
        expected
            .iter()
            .all(|(name, labels, at_least)| value(&text, name, labels) >= *at_least)
            .then_some(text)
    })
    .await;
    assert!(
        series(&text, "orders_cancelled_total", &["card declined"]).is_empty(),
        "a free-text reason became a label: {text}"
    );
    for outcome in ["confirmed", "cancelled"] {
        let label = format!(r#"outcome="{outcome}""#);
        assert!(
            !series(&text, "saga_duration_seconds_count", &[order, &label]).is_empty(),
            "no {outcome} saga duration in {text}"
        );
        let buckets = series(&text, "saga_duration_seconds_bucket", &[&label]);
        assert!(
            buckets.iter().any(|line| line.contains(r#"le="600""#)),
            "saga durations lack the long buckets: {buckets:?}"
        );
    }
}
