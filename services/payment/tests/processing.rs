//! The command processor against a real PostgreSQL database: the per-customer limit and
//! per-order idempotence under concurrency, and what each command answers and writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{TestApp, process, refund};
use payment_domain::PaymentReply;
use tokio::task::JoinSet;
use uuid::Uuid;

/// The contract types the outbox holds for `order`, oldest first.
async fn outbox_types(app: &TestApp, order: Uuid) -> Vec<String> {
    sqlx::query_scalar("SELECT type FROM outbox_message WHERE aggregateid = $1 ORDER BY id")
        .bind(order.to_string())
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn concurrent_charges_of_one_customer_never_exceed_the_limit() {
    let app =
        Arc::new(TestApp::spawn_with(|config| config.rules.payment_limit_minor = 10_000).await);
    let customer = Uuid::now_v7();
    let mut charges = JoinSet::new();
    for _ in 0..8 {
        let app = Arc::clone(&app);
        charges.spawn(async move {
            app.charge(&process(Uuid::now_v7(), customer, 3_000, None))
                .await
        });
    }
    let replies: Vec<PaymentReply> = charges
        .join_all()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    let processed = replies
        .iter()
        .filter(|reply| matches!(reply, PaymentReply::Processed { .. }))
        .count();
    assert_eq!(processed, 3, "3 x 30.00 fit a 100.00 limit: {replies:?}");
    for reply in &replies {
        if let PaymentReply::Failed { reason, .. } = reply {
            assert!(reason.starts_with("limit exceeded"), "{reason}");
        }
    }
    let captured: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(amount), 0)::BIGINT FROM payment WHERE customer_id = $1 AND status = 'Captured'",
    )
    .bind(customer)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(captured, 9_000);
}

#[tokio::test]
async fn a_refund_racing_the_charge_of_its_order_never_leaves_money_captured() {
    let app = Arc::new(TestApp::spawn().await);
    let orders: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    let mut commands = JoinSet::new();
    for order in orders.clone() {
        let charging = Arc::clone(&app);
        commands.spawn(async move {
            charging
                .charge(&process(order, Uuid::now_v7(), 1_000, None))
                .await
        });
        let refunding = Arc::clone(&app);
        commands.spawn(async move {
            refunding
                .refund(&refund(order, 1_000, "payment timed out"))
                .await
        });
    }
    for result in commands.join_all().await {
        result.expect("both commands are handled without a conflict");
    }
    for order in orders {
        let status: String = sqlx::query_scalar("SELECT status FROM payment WHERE order_id = $1")
            .bind(order)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let answered = outbox_types(&app, order).await;
        match status.as_str() {
            // The charge won: it was captured, then refunded.
            "Refunded" => assert!(answered.contains(&"orderflow.payment.processed.v1".to_owned())),
            // The refund won: the late charge was refused.
            "Voided" => assert!(answered.contains(&"orderflow.payment.failed.v1".to_owned())),
            other => panic!("order {order} ended {other}"),
        }
        assert_eq!(
            answered.len(),
            2,
            "each command answered once: {answered:?}"
        );
        assert!(answered.contains(&"orderflow.payment.refunded.v1".to_owned()));
    }
}

#[tokio::test]
async fn a_refund_frees_room_under_the_limit() {
    let app = TestApp::spawn_with(|config| config.rules.payment_limit_minor = 10_000).await;
    let customer = Uuid::now_v7();
    let first = Uuid::now_v7();
    app.charge(&process(first, customer, 8_000, None))
        .await
        .unwrap();
    let over = app
        .charge(&process(Uuid::now_v7(), customer, 5_000, None))
        .await
        .unwrap();
    assert!(matches!(over, PaymentReply::Failed { .. }), "{over:?}");

    app.refund(&refund(first, 8_000, "cancelled"))
        .await
        .unwrap();
    let fits = app
        .charge(&process(Uuid::now_v7(), customer, 5_000, None))
        .await
        .unwrap();
    assert!(matches!(fits, PaymentReply::Processed { .. }), "{fits:?}");
}

#[tokio::test]
async fn every_command_is_answered_even_when_it_changes_nothing() {
    let app = TestApp::spawn().await;
    let order = Uuid::now_v7();
    let charge = process(order, Uuid::now_v7(), 1_500, Some("tok_decline"));
    app.charge(&charge).await.unwrap();
    app.charge(&charge).await.unwrap();
    let reply = app
        .refund(&refund(order, 1_500, "cancelled"))
        .await
        .unwrap();
    assert!(
        matches!(&reply, PaymentReply::NothingToRefund { amount, .. } if amount.is_zero()),
        "{reply:?}"
    );
    assert_eq!(
        outbox_types(&app, order).await,
        [
            "orderflow.payment.failed.v1",
            "orderflow.payment.failed.v1",
            "orderflow.payment.refunded.v1"
        ]
    );
    let refunded: serde_json::Value = sqlx::query_scalar(
        "SELECT payload FROM outbox_message WHERE aggregateid = $1 AND type = 'orderflow.payment.refunded.v1'",
    )
    .bind(order.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refunded["amount"]["amount"], 0);
    let ledger: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_ledger")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(ledger, 1, "only the decline");
}

#[tokio::test]
async fn broken_commands_are_refused_permanently_and_write_nothing() {
    let app = TestApp::spawn().await;
    let order = Uuid::now_v7();
    let mut bad_currency = process(order, Uuid::now_v7(), 100, None);
    bad_currency.amount.currency = "euro".to_owned();
    let zero = process(order, Uuid::now_v7(), 0, None);
    let negative_refund = refund(order, -5, "r");
    let errors = [
        app.charge(&bad_currency).await.unwrap_err(),
        app.charge(&zero).await.unwrap_err(),
        app.refund(&negative_refund).await.unwrap_err(),
    ];
    for err in errors {
        assert!(!err.is_transient(), "{err}");
    }
    let payments: i64 = sqlx::query_scalar("SELECT count(*) FROM payment")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(payments, 0);
}
