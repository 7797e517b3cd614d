//! The inventory's part of the order-fulfilment saga end to end through the real broker:
//! commands produced to the command topic, the real consumer and relay, replies read back
//! from the events topic, and stock counts read through the HTTP API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, line, summary};
use orderflow_contracts::{CommitStock, ReleaseStock, ReserveStock};
use serde_json::json;
use uuid::Uuid;

const RESERVED: &str = "orderflow.inventory.stock-reserved.v1";
const FAILED: &str = "orderflow.inventory.stock-reservation-failed.v1";
const RELEASED: &str = "orderflow.inventory.stock-released.v1";
const COMMITTED: &str = "orderflow.inventory.stock-committed.v1";

fn release(order_id: Uuid) -> ReleaseStock {
    ReleaseStock {
        order_id,
        reason: "payment failed".into(),
    }
}

/// `(product id, delta, reason)` of the stock adjustments an order caused, oldest first.
async fn adjustments(app: &TestApp, order_id: Uuid) -> Vec<(Uuid, i32, String)> {
    sqlx::query_as(
        "SELECT product_id, delta, reason FROM stock_adjustment WHERE order_id = $1 ORDER BY id",
    )
    .bind(order_id)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_confirmed_order_sells_its_stock_and_its_cancellation_returns_the_goods() {
    let app = TestApp::spawn().await;
    let workers = app.start_workers().await;
    let (mug, plate) = (app.created("MUG", 10).await, app.created("PLATE", 5).await);
    let order = Uuid::now_v7();

    let reserve = ReserveStock {
        order_id: order,
        lines: vec![line(&mug, 3), line(&plate, 2)],
    };
    app.send_command(&reserve).await;
    let (kind, payload) = app.reply(order, 1).await;
    assert_eq!(kind, RESERVED, "{payload}");
    assert_eq!(payload["orderId"], order.to_string());
    assert_eq!(
        payload["lines"],
        json!([{"productId": mug, "quantity": 3}, {"productId": plate, "quantity": 2}])
    );
    assert!(payload["reservedAt"].is_string());
    assert_eq!(app.counts(&mug).await, (10, 3, 7));
    assert_eq!(app.counts(&plate).await, (5, 2, 3));

    app.send_command(&CommitStock { order_id: order }).await;
    let (kind, payload) = app.reply(order, 2).await;
    assert_eq!(kind, COMMITTED, "{payload}");
    assert!(payload["committedAt"].is_string());
    assert_eq!(app.counts(&mug).await, (7, 0, 7));
    assert_eq!(app.counts(&plate).await, (3, 0, 3));

    // The saga resends on its deadline: a second CommitStock is answered, sells nothing.
    app.send_command(&CommitStock { order_id: order }).await;
    let (kind, again) = app.reply(order, 3).await;
    assert_eq!(kind, COMMITTED);
    assert_eq!(again["committedAt"], payload["committedAt"]);
    assert_eq!(app.counts(&mug).await, (7, 0, 7));

    // The confirmed order is cancelled: the goods go back on the shelf.
    app.send_command(&release(order)).await;
    let (kind, payload) = app.reply(order, 4).await;
    assert_eq!(kind, RELEASED, "{payload}");
    assert!(payload["releasedAt"].is_string());
    assert_eq!(app.counts(&mug).await, (10, 0, 10));
    assert_eq!(app.counts(&plate).await, (5, 0, 5));

    let (mug_id, plate_id) = (mug.parse().unwrap(), plate.parse().unwrap());
    assert_eq!(
        adjustments(&app, order).await,
        [
            (mug_id, -3, format!("sold to order {order}")),
            (plate_id, -2, format!("sold to order {order}")),
            (mug_id, 3, format!("returned by cancelled order {order}")),
            (plate_id, 2, format!("returned by cancelled order {order}")),
        ]
    );
    let reservation = app.get(&format!("/reservations/{order}")).await;
    assert_eq!(reservation.body["status"], "Released");
    assert!(reservation.body["committedAt"].is_string());

    // A late resend of the ReleaseStock returns nothing twice.
    app.send_command(&release(order)).await;
    assert_eq!(app.reply(order, 5).await.0, RELEASED);
    assert_eq!(app.counts(&mug).await, (10, 0, 10));
    assert_eq!(adjustments(&app, order).await.len(), 4);
    workers.stop().await;
}

#[tokio::test]
async fn a_release_gives_held_stock_back_and_every_resend_is_answered_again() {
    let app = TestApp::spawn().await;
    let workers = app.start_workers().await;
    let mug = app.created("MUG", 10).await;
    let order = Uuid::now_v7();
    let reserve = ReserveStock {
        order_id: order,
        lines: vec![line(&mug, 4)],
    };

    let first = app.send_command(&reserve).await;
    assert_eq!(app.reply(order, 1).await.0, RESERVED);
    // The saga resends ReserveStock (a new event id): the recorded outcome, no new hold.
    app.send_command(&reserve).await;
    let replies = app.replies(order, 2).await;
    assert_eq!(summary(&replies), [RESERVED, RESERVED]);
    assert_eq!(replies[0].json(), replies[1].json());
    assert_eq!(app.counts(&mug).await, (10, 4, 6));

    app.send_command(&release(order)).await;
    assert_eq!(app.reply(order, 3).await.0, RELEASED);
    assert_eq!(app.counts(&mug).await, (10, 0, 10));
    assert!(
        adjustments(&app, order).await.is_empty(),
        "nothing left the shelf"
    );

    // The compensating saga resends ReleaseStock until it hears back: answered again.
    app.send_command(&release(order)).await;
    assert_eq!(app.reply(order, 4).await.0, RELEASED);

    // A resent ReserveStock after the release reserves nothing and says why.
    app.send_command(&reserve).await;
    let (kind, payload) = app.reply(order, 5).await;
    assert_eq!(kind, FAILED);
    assert_eq!(payload["reason"], "order already released");
    assert_eq!(payload["shortages"], json!([]));
    assert_eq!(app.counts(&mug).await, (10, 0, 10));

    // A redelivery of the very first message (same event id) is absorbed by the inbox:
    // the release sent after it is the next reply, nothing came in between.
    app.send_command_as(&reserve, first).await;
    app.send_command(&release(order)).await;
    let replies = app.replies(order, 6).await;
    assert_eq!(
        summary(&replies),
        [RESERVED, RESERVED, RELEASED, RELEASED, FAILED, RELEASED]
    );
    assert_eq!(app.counts(&mug).await, (10, 0, 10));
    workers.stop().await;
}

#[tokio::test]
async fn an_out_of_stock_reservation_fails_naming_every_shortage_and_holds_nothing() {
    let app = TestApp::spawn().await;
    let workers = app.start_workers().await;
    let (mug, plate) = (app.created("MUG", 2).await, app.created("PLATE", 5).await);
    let unknown = Uuid::now_v7().to_string();
    let order = Uuid::now_v7();
    let reserve = ReserveStock {
        order_id: order,
        lines: vec![line(&mug, 3), line(&plate, 1), line(&unknown, 1)],
    };

    app.send_command(&reserve).await;
    let (kind, payload) = app.reply(order, 1).await;
    assert_eq!(kind, FAILED, "{payload}");
    assert_eq!(payload["reason"], "out of stock");
    assert_eq!(
        payload["shortages"],
        json!([
            {"productId": mug, "requested": 3, "available": 2},
            {"productId": unknown, "requested": 1, "available": 0},
        ])
    );
    assert_eq!(app.counts(&mug).await, (2, 0, 2));
    assert_eq!(app.counts(&plate).await, (5, 0, 5), "all or nothing");

    // Redelivered after restocking: the same answer, never a late reservation.
    let restock = app
        .call(
            Method::POST,
            &format!("/products/{mug}/stock-adjustments"),
            Some(json!({"delta": 10, "reason": "delivery"})),
            &[],
        )
        .await;
    assert_eq!(restock.status, StatusCode::OK);
    app.send_command(&reserve).await;
    let (kind, again) = app.reply(order, 2).await;
    assert_eq!(kind, FAILED);
    assert_eq!(again, payload);

    // The saga compensates a failed reservation too; it is answered, nothing moves.
    app.send_command(&release(order)).await;
    assert_eq!(app.reply(order, 3).await.0, RELEASED);
    assert_eq!(app.counts(&mug).await, (12, 0, 12));
    assert_eq!(app.counts(&plate).await, (5, 0, 5));
    workers.stop().await;
}

#[tokio::test]
async fn a_release_that_overtakes_its_reserve_leaves_a_tombstone() {
    let app = TestApp::spawn().await;
    let workers = app.start_workers().await;
    let mug = app.created("MUG", 10).await;
    let order = Uuid::now_v7();

    app.send_command(&release(order)).await;
    assert_eq!(app.reply(order, 1).await.0, RELEASED);
    let tombstone = app.get(&format!("/reservations/{order}")).await;
    assert_eq!(tombstone.status, StatusCode::OK);
    assert_eq!(tombstone.body["status"], "Released");
    assert_eq!(tombstone.body["lines"], json!([]));

    app.send_command(&ReserveStock {
        order_id: order,
        lines: vec![line(&mug, 1)],
    })
    .await;
    let (kind, payload) = app.reply(order, 2).await;
    assert_eq!(kind, FAILED);
    assert_eq!(payload["reason"], "order already released");
    assert_eq!(app.counts(&mug).await, (10, 0, 10));
    workers.stop().await;
}

#[tokio::test]
async fn invalid_commands_commits_of_nothing_and_injected_faults_are_dead_lettered() {
    let token = "inventory-admin";
    let app = TestApp::spawn_with(|config| config.admin.admin_token = Some(token.into())).await;
    let workers = app.start_workers().await;
    let mug = app.created("MUG", 10).await;

    // The same faults the admin endpoint sets are the ones the consumer suffers.
    let bearer = format!("Bearer {token}");
    let set = app
        .call(
            Method::POST,
            "/admin/faults",
            Some(json!({"failNextPermanent": 1})),
            &[("authorization", bearer.as_str())],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    let faulted = Uuid::now_v7();
    app.send_command(&ReserveStock {
        order_id: faulted,
        lines: vec![line(&mug, 1)],
    })
    .await;
    // Waited for, so that the fault cannot hit a command of another partition instead.
    let dead_letters = "/admin/dead-letters?group=inventory";
    app.poll_admin(dead_letters, token, |body| {
        body["items"].as_array().unwrap().len() == 1
    })
    .await;

    let zero = Uuid::now_v7();
    app.send_command(&ReserveStock {
        order_id: zero,
        lines: vec![line(&mug, 0)],
    })
    .await;
    let empty = Uuid::now_v7();
    app.send_command(&ReserveStock {
        order_id: empty,
        lines: vec![],
    })
    .await;
    let never_reserved = Uuid::now_v7();
    app.send_command(&CommitStock {
        order_id: never_reserved,
    })
    .await;
    let released = Uuid::now_v7();
    app.send_command(&release(released)).await;
    app.send_command(&CommitStock { order_id: released }).await;

    let body = app
        .poll_admin(dead_letters, token, |body| {
            body["items"].as_array().unwrap().len() >= 5
        })
        .await;
    let mut dead: Vec<(String, String, String)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["key"].as_str().unwrap().to_owned(),
                item["errorKind"].as_str().unwrap().to_owned(),
                item["exceptionMessage"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    dead.sort();
    let mut expected_keys = vec![
        faulted.to_string(),
        zero.to_string(),
        empty.to_string(),
        never_reserved.to_string(),
        released.to_string(),
    ];
    expected_keys.sort();
    assert_eq!(
        dead.iter().map(|d| d.0.clone()).collect::<Vec<_>>(),
        expected_keys
    );
    assert!(dead.iter().all(|d| d.1 == "permanent"), "{dead:?}");
    let message = |key: Uuid| {
        dead.iter()
            .find(|d| d.0 == key.to_string())
            .map(|d| d.2.clone())
            .unwrap()
    };
    assert!(message(faulted).contains("injected permanent fault"));
    assert!(message(zero).contains("quantity must be at least 1"));
    assert!(message(empty).contains("at least one line"));
    assert!(message(never_reserved).contains("nothing to commit"));
    assert!(message(released).contains("cannot be committed"));

    // Nothing was held for any of them, and the consumer goes on with the next command.
    assert_eq!(app.counts(&mug).await, (10, 0, 10));
    let next = Uuid::now_v7();
    app.send_command(&ReserveStock {
        order_id: next,
        lines: vec![line(&mug, 2)],
    })
    .await;
    assert_eq!(app.reply(next, 1).await.0, RESERVED);
    assert_eq!(app.counts(&mug).await, (10, 2, 8));
    workers.stop().await;
}
