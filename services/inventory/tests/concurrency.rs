//! Stock is never oversold: many reservations applied at the same time, each through the
//! real use case in a transaction of its own, as concurrent consumers would.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{TestApp, line};
use inventory_service::application::{StockCommandError, StockReply};
use inventory_service::infrastructure::PgReservationService;
use orderflow_contracts::ReserveStock;
use orderflow_runtime::events::EventContext;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

/// A pool wide enough that dozens of transactions really wait on the same rows at once.
async fn wide_pool(app: &TestApp) -> PgPool {
    PgPoolOptions::new()
        .max_connections(30)
        .acquire_timeout(Duration::from_secs(60))
        .connect(&app.config.database.database_url)
        .await
        .unwrap()
}

/// Applies `command` in a transaction of its own, committing only what succeeded.
async fn reserve_in_own_transaction(
    pool: PgPool,
    service: Arc<PgReservationService>,
    command: ReserveStock,
) -> Result<StockReply, StockCommandError> {
    let mut tx = pool.begin().await.unwrap();
    let context = EventContext::correlated(command.order_id.to_string());
    let reply = service.reserve(&mut tx, &command, &context).await?;
    tx.commit().await.unwrap();
    Ok(reply)
}

/// Runs every command at once and returns the results in command order.
async fn reserve_all_at_once(
    app: &TestApp,
    commands: Vec<ReserveStock>,
) -> Vec<Result<StockReply, StockCommandError>> {
    let pool = wide_pool(app).await;
    let service = Arc::new(inventory_service::reservation_service(app.pool.clone()));
    let tasks: Vec<_> = commands
        .into_iter()
        .map(|command| {
            tokio::spawn(reserve_in_own_transaction(
                pool.clone(),
                service.clone(),
                command,
            ))
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_orders_for_ten_units_reserve_exactly_ten() {
    let app = TestApp::spawn().await;
    let mug = app.created("MUG", 10).await;
    let commands = (0..100)
        .map(|_| ReserveStock {
            order_id: Uuid::now_v7(),
            lines: vec![line(&mug, 1)],
        })
        .collect();

    let results = reserve_all_at_once(&app, commands).await;

    let mut reserved = 0;
    for result in results {
        match result {
            Ok(StockReply::Reserved(_)) => reserved += 1,
            Ok(StockReply::ReservationFailed(failed)) => {
                assert_eq!(failed.reason, "out of stock");
                assert_eq!(failed.shortages.len(), 1);
                assert_eq!(failed.shortages[0].requested, 1);
                assert_eq!(failed.shortages[0].available, 0);
            }
            other => panic!("every order is answered as reserved or out of stock: {other:?}"),
        }
    }
    assert_eq!(reserved, 10);
    assert_eq!(app.counts(&mug).await, (10, 10, 0));
    assert_eq!(
        count(
            &app.pool,
            "SELECT count(*) FROM reservation WHERE status = 'Reserved'"
        )
        .await,
        10
    );
    assert_eq!(
        count(
            &app.pool,
            "SELECT count(*) FROM reservation WHERE status = 'Failed'"
        )
        .await,
        90
    );
    assert_eq!(
        count(
            &app.pool,
            "SELECT count(*) FROM outbox_message WHERE type LIKE 'orderflow.inventory.stock-%'"
        )
        .await,
        100,
        "one reply per order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_locking_the_same_products_in_opposite_line_order_never_deadlock() {
    let app = TestApp::spawn().await;
    let (mug, plate) = (
        app.created("MUG", 1000).await,
        app.created("PLATE", 1000).await,
    );
    let commands = (0..60)
        .map(|i| {
            let lines = if i % 2 == 0 {
                vec![line(&mug, 1), line(&plate, 2)]
            } else {
                vec![line(&plate, 2), line(&mug, 1)]
            };
            ReserveStock {
                order_id: Uuid::now_v7(),
                lines,
            }
        })
        .collect();

    let results = reserve_all_at_once(&app, commands).await;

    for result in results {
        assert!(
            matches!(result, Ok(StockReply::Reserved(_))),
            "no deadlock or other failure: {result:?}"
        );
    }
    assert_eq!(app.counts(&mug).await, (1000, 60, 940));
    assert_eq!(app.counts(&plate).await, (1000, 120, 880));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_deliveries_of_one_order_reserve_once_and_the_losers_retry() {
    let app = TestApp::spawn().await;
    let mug = app.created("MUG", 10).await;
    let order = Uuid::now_v7();
    let command = ReserveStock {
        order_id: order,
        lines: vec![line(&mug, 3)],
    };

    let results = reserve_all_at_once(&app, vec![command.clone(); 20]).await;

    let pool = app.pool.clone();
    let service = Arc::new(inventory_service::reservation_service(app.pool.clone()));
    let mut replies = Vec::new();
    for result in results {
        match result {
            Ok(reply) => replies.push(reply),
            // Lost the race to store the reservation: transient, so the consumer retries.
            Err(err) => {
                assert!(err.is_transient(), "{err}");
                let retried =
                    reserve_in_own_transaction(pool.clone(), service.clone(), command.clone())
                        .await
                        .unwrap();
                replies.push(retried);
            }
        }
    }
    assert_eq!(replies.len(), 20);
    assert!(
        replies.windows(2).all(|pair| pair[0] == pair[1]),
        "{replies:?}"
    );
    assert!(matches!(replies[0], StockReply::Reserved(_)));
    assert_eq!(app.counts(&mug).await, (10, 3, 7));
}
