//! The saga's payment commands through the real broker: produced to the command topic,
//! handled by the real consumer runner, answered on the payment events topic by the relay.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, ledger_kinds, process, refund};
use orderflow_contracts::dead_letter_topic;
use orderflow_contracts::topics::PAYMENT_COMMANDS;
use payment_service::CONSUMER_GROUP;
use serde_json::json;
use uuid::Uuid;

const PROCESSED: &str = "orderflow.payment.processed.v1";
const FAILED: &str = "orderflow.payment.failed.v1";
const REFUNDED: &str = "orderflow.payment.refunded.v1";

#[tokio::test]
async fn an_approved_charge_answers_payment_processed_and_records_the_ledger() {
    let app = TestApp::spawn().await;
    let messaging = app.start_messaging().await;
    let (order, customer) = (Uuid::now_v7(), Uuid::now_v7());
    let command_id = Uuid::now_v7();
    app.send(
        &process(order, customer, 4_990, Some("tok_visa")),
        command_id,
    )
    .await;

    let replies = app.replies(order, 1).await;
    let reply = &replies[0];
    assert_eq!(reply.header("ce_type"), Some(PROCESSED));
    assert_eq!(reply.header("ce_subject"), Some(order.to_string().as_str()));
    assert_eq!(
        reply.header("correlation-id"),
        Some(order.to_string().as_str())
    );
    assert_eq!(
        reply.header("causation-id"),
        Some(command_id.to_string().as_str())
    );
    let body = reply.json().unwrap();
    assert_eq!(body["orderId"], order.to_string());
    assert_eq!(body["amount"], json!({"amount": 4990, "currency": "EUR"}));

    let payment = app.payment(order).await;
    assert_eq!(payment.status, StatusCode::OK);
    assert_eq!(payment.etag(), "\"1\"");
    assert_eq!(payment.body["paymentId"], body["paymentId"]);
    assert_eq!(payment.body["customerId"], customer.to_string());
    assert_eq!(payment.body["status"], "Captured");
    assert_eq!(payment.body["capturedAt"], body["processedAt"]);
    assert_eq!(ledger_kinds(&payment.body), ["Authorised", "Captured"]);
    assert_eq!(
        payment.body["ledger"][1]["amount"],
        json!({"amount": 4990, "currency": "EUR"})
    );
    messaging.stop().await;
}

#[tokio::test]
async fn the_declining_token_answers_payment_failed_card_declined() {
    let app = TestApp::spawn().await;
    let messaging = app.start_messaging().await;
    let order = Uuid::now_v7();
    app.send(
        &process(order, Uuid::now_v7(), 100, Some("tok_decline")),
        Uuid::now_v7(),
    )
    .await;

    let replies = app.replies(order, 1).await;
    assert_eq!(replies[0].header("ce_type"), Some(FAILED));
    let body = replies[0].json().unwrap();
    assert_eq!(body["reason"], "card declined");
    assert_eq!(body["amount"], json!({"amount": 100, "currency": "EUR"}));
    let payment = app.payment(order).await;
    assert_eq!(payment.body["status"], "Declined");
    assert_eq!(payment.body["declineReason"], "card declined");
    assert_eq!(ledger_kinds(&payment.body), ["Declined"]);
    messaging.stop().await;
}

#[tokio::test]
async fn a_charge_over_the_customers_limit_answers_payment_failed() {
    let app = TestApp::spawn_with(|config| config.rules.payment_limit_minor = 10_000).await;
    let messaging = app.start_messaging().await;
    let customer = Uuid::now_v7();
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
    app.send(&process(first, customer, 6_000, None), Uuid::now_v7())
        .await;
    assert_eq!(
        app.replies(first, 1).await[0].header("ce_type"),
        Some(PROCESSED)
    );
    // 60.00 already charged: another 40.01 goes over the 100.00 limit.
    app.send(&process(second, customer, 4_001, None), Uuid::now_v7())
        .await;
    let replies = app.replies(second, 1).await;
    assert_eq!(replies[0].header("ce_type"), Some(FAILED));
    let reason = replies[0].json().unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.starts_with("limit exceeded"), "{reason}");
    assert_eq!(app.payment(second).await.body["status"], "Declined");
    messaging.stop().await;
}

#[tokio::test]
async fn a_new_command_for_a_charged_order_charges_nothing_and_answers_the_same() {
    let app = TestApp::spawn().await;
    let messaging = app.start_messaging().await;
    let (order, customer) = (Uuid::now_v7(), Uuid::now_v7());
    let command = process(order, customer, 2_500, None);
    app.send(&command, Uuid::now_v7()).await;
    app.replies(order, 1).await;
    let before = app.payment(order).await;

    // The saga resends with a new event id, so the inbox cannot recognise it.
    app.send(&command, Uuid::now_v7()).await;
    let replies = app.replies(order, 2).await;
    let (first, second) = (replies[0].json().unwrap(), replies[1].json().unwrap());
    assert_eq!(replies[1].header("ce_type"), Some(PROCESSED));
    assert_eq!(first, second, "the same outcome, at its original time");
    assert_ne!(replies[0].header("ce_id"), replies[1].header("ce_id"));

    let after = app.payment(order).await;
    assert_eq!(after.etag(), before.etag());
    assert_eq!(after.body["ledger"], before.body["ledger"]);
    assert_eq!(ledger_kinds(&after.body), ["Authorised", "Captured"]);
    messaging.stop().await;
}

#[tokio::test]
async fn a_refund_answers_payment_refunded_and_appends_to_the_ledger() {
    let app = TestApp::spawn().await;
    let messaging = app.start_messaging().await;
    let order = Uuid::now_v7();
    app.send(&process(order, Uuid::now_v7(), 1_999, None), Uuid::now_v7())
        .await;
    let processed = app.replies(order, 1).await[0].json().unwrap();
    app.send(&refund(order, 1_999, "damaged in transit"), Uuid::now_v7())
        .await;

    let replies = app.replies(order, 2).await;
    assert_eq!(replies[1].header("ce_type"), Some(REFUNDED));
    let body = replies[1].json().unwrap();
    assert_eq!(body["paymentId"], processed["paymentId"]);
    assert_eq!(body["amount"], json!({"amount": 1999, "currency": "EUR"}));
    let payment = app.payment(order).await;
    assert_eq!(payment.etag(), "\"2\"");
    assert_eq!(payment.body["status"], "Refunded");
    assert_eq!(payment.body["refundReason"], "damaged in transit");
    assert_eq!(payment.body["refundedAt"], body["refundedAt"]);
    assert_eq!(
        ledger_kinds(&payment.body),
        ["Authorised", "Captured", "Refunded"]
    );
    messaging.stop().await;
}

#[tokio::test]
async fn a_refund_that_overtakes_the_charge_voids_the_order_and_the_late_charge_is_refused() {
    let app = TestApp::spawn().await;
    let messaging = app.start_messaging().await;
    let order = Uuid::now_v7();
    app.send(&refund(order, 3_000, "payment timed out"), Uuid::now_v7())
        .await;
    let replies = app.replies(order, 1).await;
    assert_eq!(replies[0].header("ce_type"), Some(REFUNDED));
    let voided = replies[0].json().unwrap();
    assert_eq!(
        voided["amount"],
        json!({"amount": 0, "currency": "EUR"}),
        "nothing was charged, so nothing went back"
    );
    let payment = app.payment(order).await;
    assert_eq!(payment.body["status"], "Voided");
    assert_eq!(payment.body["voidReason"], "payment timed out");

    app.send(&process(order, Uuid::now_v7(), 3_000, None), Uuid::now_v7())
        .await;
    let replies = app.replies(order, 2).await;
    assert_eq!(replies[1].header("ce_type"), Some(FAILED));
    assert_eq!(
        replies[1].json().unwrap()["reason"],
        "order cancelled before payment"
    );
    let payment = app.payment(order).await;
    assert_eq!(payment.body["status"], "Voided");
    assert_eq!(ledger_kinds(&payment.body), Vec::<String>::new());
    assert!(payment.body.get("capturedAt").is_none());
    messaging.stop().await;
}

#[tokio::test]
async fn a_decline_rate_of_one_set_through_admin_faults_declines_the_charge() {
    let app = TestApp::spawn().await;
    let set = app
        .admin(
            Method::POST,
            "/admin/faults",
            Some(json!({"declineRate": 1.0})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    let messaging = app.start_messaging().await;
    let order = Uuid::now_v7();
    app.send(&process(order, Uuid::now_v7(), 500, None), Uuid::now_v7())
        .await;

    let replies = app.replies(order, 1).await;
    assert_eq!(replies[0].header("ce_type"), Some(FAILED));
    assert_eq!(
        replies[0].json().unwrap()["reason"],
        "declined by fault injection"
    );
    assert_eq!(app.payment(order).await.body["status"], "Declined");
    messaging.stop().await;
}

#[tokio::test]
async fn transient_faults_are_retried_through_the_retry_topic_until_processed() {
    let app = TestApp::spawn().await;
    // As many failures as the runner's in-process attempts: the retry topic must take over.
    let set = app
        .admin(
            Method::POST,
            "/admin/faults",
            Some(json!({"failNextTransient": 3})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    let messaging = app.start_messaging().await;
    let order = Uuid::now_v7();
    app.send(&process(order, Uuid::now_v7(), 700, None), Uuid::now_v7())
        .await;

    let replies = app.replies(order, 1).await;
    assert_eq!(replies[0].header("ce_type"), Some(PROCESSED));
    let retried = app
        .records(
            &orderflow_contracts::retry_topic(PAYMENT_COMMANDS, CONSUMER_GROUP, 0),
            order.to_string(),
            1,
        )
        .await;
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].header("x-error-kind"), Some("transient"));
    let faults = app.admin(Method::GET, "/admin/faults", None).await;
    assert_eq!(faults.body["failNextTransient"], 0);
    assert_eq!(
        ledger_kinds(&app.payment(order).await.body),
        ["Authorised", "Captured"]
    );
    messaging.stop().await;
}

#[tokio::test]
async fn a_permanent_fault_dead_letters_the_command_and_a_replay_processes_it() {
    let app = TestApp::spawn().await;
    app.admin(
        Method::POST,
        "/admin/faults",
        Some(json!({"failNextPermanent": 1})),
    )
    .await;
    let messaging = app.start_messaging().await;
    let order = Uuid::now_v7();
    let command_id = Uuid::now_v7();
    app.send(&process(order, Uuid::now_v7(), 800, None), command_id)
        .await;

    let dead = app
        .records(
            &dead_letter_topic(PAYMENT_COMMANDS, CONSUMER_GROUP),
            order.to_string(),
            1,
        )
        .await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].header("x-error-kind"), Some("permanent"));
    assert_eq!(dead[0].header("x-consumer-group"), Some(CONSUMER_GROUP));
    assert_eq!(
        dead[0].header("ce_id"),
        Some(command_id.to_string().as_str())
    );
    assert_eq!(app.payment(order).await.status, StatusCode::NOT_FOUND);

    // The dead-letter admin of the group lists it, and replaying it charges the order.
    let listed = app
        .poll_admin("/admin/dead-letters?group=payment", |body| {
            body["items"]
                .as_array()
                .is_some_and(|items| !items.is_empty())
        })
        .await;
    assert_eq!(
        listed["items"][0]["eventType"],
        "orderflow.payment.process-payment.v1"
    );
    let replayed = app
        .admin(
            Method::POST,
            "/admin/dead-letters/replay",
            Some(json!({"group": "payment"})),
        )
        .await;
    assert_eq!(replayed.body["replayed"], 1);
    assert_eq!(
        app.replies(order, 1).await[0].header("ce_type"),
        Some(PROCESSED)
    );
    messaging.stop().await;
}
