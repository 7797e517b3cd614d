//! `GET /reservations/{orderId}` and the demo catalogue seed, through the real router and
//! a real PostgreSQL database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::{TestApp, line, product};
use orderflow_contracts::{CommitStock, ReserveStock};
use orderflow_runtime::events::EventContext;
use serde_json::json;
use uuid::Uuid;

/// Applies and commits a `ReserveStock` through the use case the consumer runs.
async fn reserve(app: &TestApp, order_id: Uuid, lines: Vec<orderflow_contracts::StockLine>) {
    let service = inventory_service::reservation_service(app.pool.clone());
    let mut tx = app.pool.begin().await.unwrap();
    service
        .reserve(
            &mut tx,
            &ReserveStock { order_id, lines },
            &EventContext::default(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_reservation_shows_its_status_lines_and_times_with_its_version() {
    let app = TestApp::spawn().await;
    let mug = app.created("MUG", 10).await;
    let order = Uuid::now_v7();
    reserve(&app, order, vec![line(&mug, 2), line(&mug, 1)]).await;

    let response = app.get(&format!("/reservations/{order}")).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.etag(), "\"1\"");
    let body = &response.body;
    assert_eq!(body["orderId"], order.to_string());
    assert_eq!(body["status"], "Reserved");
    assert_eq!(body["lines"], json!([{"productId": mug, "quantity": 3}]));
    assert_eq!(body["shortages"], json!([]));
    assert_eq!(body["version"], 1);
    assert!(body["createdAt"].is_string());
    assert!(body["reservedAt"].is_string());
    assert!(body.get("committedAt").is_none());

    let service = inventory_service::reservation_service(app.pool.clone());
    let mut tx = app.pool.begin().await.unwrap();
    service
        .commit(
            &mut tx,
            &CommitStock { order_id: order },
            &EventContext::default(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let response = app.get(&format!("/reservations/{order}")).await;
    assert_eq!(response.etag(), "\"2\"");
    assert_eq!(response.body["status"], "Committed");
    assert!(response.body["committedAt"].is_string());
}

#[tokio::test]
async fn a_failed_reservation_shows_its_shortages() {
    let app = TestApp::spawn().await;
    let mug = app.created("MUG", 1).await;
    let order = Uuid::now_v7();
    reserve(&app, order, vec![line(&mug, 4)]).await;

    let response = app.get(&format!("/reservations/{order}")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["status"], "Failed");
    assert_eq!(
        response.body["shortages"],
        json!([{"productId": mug, "requested": 4, "available": 1}])
    );
    assert!(response.body["failedAt"].is_string());
    assert!(response.body.get("reservedAt").is_none());
}

#[tokio::test]
async fn an_order_without_reservation_is_404_and_a_malformed_id_400() {
    let app = TestApp::spawn().await;
    let response = app.get(&format!("/reservations/{}", Uuid::now_v7())).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.content_type(), "application/problem+json");
    let response = app.get("/reservations/not-a-uuid").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
}

#[tokio::test]
async fn the_openapi_document_describes_the_reservation_endpoint() {
    let app = TestApp::spawn().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let operation = &response.body["paths"]["/reservations/{orderId}"]["get"];
    assert_eq!(operation["tags"], json!(["reservations"]));
    for status in ["200", "400", "404"] {
        assert!(operation["responses"][status].is_object(), "{status}");
    }
    let schema = &response.body["components"]["schemas"]["ReservationView"];
    for field in [
        "orderId",
        "status",
        "lines",
        "shortages",
        "createdAt",
        "version",
    ] {
        assert!(schema["properties"][field].is_object(), "{field}");
    }
}

#[tokio::test]
async fn seeding_twice_leaves_one_copy_and_keeps_existing_products() {
    let app = TestApp::spawn().await;
    let existing = app.create(product("mug-blue-350ml", 7)).await;
    assert_eq!(existing.status, StatusCode::CREATED);

    let first = inventory_service::seed(app.pool.clone()).await.unwrap();
    assert_eq!(first.skipped, ["MUG-BLUE-350ML"]);
    assert_eq!(first.created.len(), 5, "{first:?}");
    let second = inventory_service::seed(app.pool.clone()).await.unwrap();
    assert!(second.created.is_empty(), "{second:?}");
    assert_eq!(second.skipped.len(), 6);

    let list = app.get("/products?per_page=100").await;
    assert_eq!(list.body["total"], 6);
    let items = list.body["items"].as_array().unwrap();
    let mug = items.iter().find(|p| p["sku"] == "MUG-BLUE-350ML").unwrap();
    assert_eq!(mug["stockOnHand"], 7, "an existing product is left alone");
    assert!(
        items
            .iter()
            .all(|p| p["price"]["currency"] == "EUR" && p["available"].as_u64() > Some(0))
    );

    // Created through the ordinary use case: each new product is published.
    let published: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox_message WHERE type = 'orderflow.inventory.product-created.v1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(published, 6);
}
