//! The inventory catalogue API through the real router and a real PostgreSQL database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, product};
use serde_json::json;

#[tokio::test]
async fn creating_answers_201_with_location_etag_and_the_normalised_product() {
    let app = TestApp::spawn().await;
    let response = app.create(product(" mug-blue-350ml ", 25)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    let id = response.body["id"].as_str().unwrap();
    assert_eq!(
        response.headers["location"],
        format!("/products/{id}").as_str()
    );
    assert_eq!(response.etag(), "\"1\"");
    assert_eq!(response.body["sku"], "MUG-BLUE-350ML");
    assert_eq!(response.body["name"], "Blue mug, 350 ml");
    assert_eq!(
        response.body["price"],
        json!({"amount": 1299, "currency": "EUR"})
    );
    assert_eq!(response.body["stockOnHand"], 25);
    assert_eq!(response.body["reserved"], 0);
    assert_eq!(response.body["available"], 25);
    assert_eq!(response.body["version"], 1);
    assert!(response.body["createdAt"].is_string());
    assert_eq!(response.body["createdAt"], response.body["updatedAt"]);
}

#[tokio::test]
async fn invalid_and_missing_fields_are_400_with_every_field_named() {
    let app = TestApp::spawn().await;
    let response = app
        .create(json!({"sku": "bad sku", "name": "  ", "price": {"amount": -1, "currency": "EUR"}, "stockOnHand": -2}))
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
    assert_eq!(
        response.error_fields(),
        ["sku", "name", "price", "stockOnHand"]
    );

    let missing = app.create(json!({})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.error_fields(),
        ["sku", "name", "price", "stockOnHand"]
    );

    let currency = app
        .create(json!({"sku": "A", "name": "A", "price": {"amount": 1, "currency": "QQQ"}, "stockOnHand": 1}))
        .await;
    assert_eq!(currency.status, StatusCode::BAD_REQUEST);
    assert_eq!(currency.error_fields(), ["price"]);
}

#[tokio::test]
async fn malformed_json_is_400_problem_never_500() {
    let app = TestApp::spawn().await;
    for body in ["{\"sku\": ", "[1, 2]", "{\"stockOnHand\": \"five\"}"] {
        let request = axum::http::Request::post("/products")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body))
            .unwrap();
        let response = app.send(request).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            response.content_type(),
            "application/problem+json",
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_duplicate_sku_is_409_whatever_its_case() {
    let app = TestApp::spawn().await;
    app.created("MUG-1", 1).await;
    let response = app.create(product("mug-1", 2)).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.content_type(), "application/problem+json");
    assert!(response.body["detail"].as_str().unwrap().contains("MUG-1"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM product")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn get_returns_the_product_with_its_etag() {
    let app = TestApp::spawn().await;
    let id = app.created("GET-1", 3).await;
    let response = app.get(&format!("/products/{id}")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.etag(), "\"1\"");
    assert_eq!(response.body["id"], id.as_str());
    assert_eq!(response.body["sku"], "GET-1");
    assert_eq!(response.body["available"], 3);
}

#[tokio::test]
async fn an_unknown_id_is_404_and_a_malformed_id_400() {
    let app = TestApp::spawn().await;
    let response = app
        .get(&format!("/products/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.content_type(), "application/problem+json");
    let response = app.get("/products/not-a-uuid").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
}

#[tokio::test]
async fn listing_pages_in_creation_order() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(app.created(&format!("LIST-{n}"), n).await);
    }
    let page = app.get("/products?page=2&per_page=2").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["total"], 5);
    assert_eq!(page.body["page"], 2);
    assert_eq!(page.body["perPage"], 2);
    let listed: Vec<_> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ids[2..4]);

    let last = app.get("/products?page=3&per_page=2").await;
    assert_eq!(last.body["items"].as_array().unwrap().len(), 1);

    let bad = app.get("/products?per_page=500").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_fields(), ["per_page"]);
}

#[tokio::test]
async fn updating_replaces_name_and_price_and_bumps_the_version() {
    let app = TestApp::spawn().await;
    let id = app.created("UPD-1", 4).await;
    let uri = format!("/products/{id}");
    let updated = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"name": "Blue mug, 400 ml", "price": {"amount": 1499, "currency": "EUR"}})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    assert_eq!(updated.etag(), "\"2\"");
    assert_eq!(updated.body["name"], "Blue mug, 400 ml");
    assert_eq!(updated.body["price"]["amount"], 1499);
    assert_eq!(updated.body["stockOnHand"], 4);

    let same = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"name": "Blue mug, 400 ml", "price": {"amount": 1499, "currency": "EUR"}})),
            &[],
        )
        .await;
    assert_eq!(same.etag(), "\"2\"", "the same values again must not write");

    let invalid = app
        .call(Method::PUT, &uri, Some(json!({"name": ""})), &[])
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(invalid.error_fields(), ["name", "price"]);
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = app.created("STALE-1", 4).await;
    let uri = format!("/products/{id}");
    let first = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"name": "First", "price": {"amount": 100, "currency": "EUR"}})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let stale = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"name": "Second", "price": {"amount": 200, "currency": "EUR"}})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.content_type(), "application/problem+json");
    let current = app.get(&uri).await;
    assert_eq!(current.etag(), "\"2\"");
    assert_eq!(current.body["name"], "First");

    let stale_adjustment = app
        .call(
            Method::POST,
            &format!("{uri}/stock-adjustments"),
            Some(json!({"delta": 1, "reason": "found"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale_adjustment.status, StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn a_stock_adjustment_changes_the_available_stock_and_is_recorded() {
    let app = TestApp::spawn().await;
    let id = app.created("ADJ-1", 10).await;
    let response = app
        .call(
            Method::POST,
            &format!("/products/{id}/stock-adjustments"),
            Some(json!({"delta": -3, "reason": " broken in transit "})),
            &[("if-match", "\"1\""), ("x-request-id", "corr-adj")],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.etag(), "\"2\"");
    assert_eq!(response.body["stockOnHand"], 7);
    assert_eq!(response.body["available"], 7);
    assert_eq!(response.body["reserved"], 0);

    let received = app
        .call(
            Method::POST,
            &format!("/products/{id}/stock-adjustments"),
            Some(json!({"delta": 5, "reason": "delivery"})),
            &[],
        )
        .await;
    assert_eq!(received.body["available"], 12);

    let rows: Vec<(i32, String, Option<String>)> = sqlx::query_as(
        "SELECT delta, reason, correlation_id FROM stock_adjustment WHERE product_id = $1 ORDER BY id",
    )
    .bind(uuid::Uuid::parse_str(&id).unwrap())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        (
            -3,
            "broken in transit".to_owned(),
            Some("corr-adj".to_owned())
        )
    );
    assert_eq!(rows[1].0, 5);
}

#[tokio::test]
async fn refused_adjustments_are_422_with_the_rule_code_and_change_nothing() {
    let app = TestApp::spawn().await;
    let id = app.created("ADJ-2", 2).await;
    let uri = format!("/products/{id}/stock-adjustments");
    let below_zero = app
        .call(
            Method::POST,
            &uri,
            Some(json!({"delta": -3, "reason": "lost"})),
            &[],
        )
        .await;
    assert_eq!(below_zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(below_zero.content_type(), "application/problem+json");
    assert_eq!(below_zero.body["code"], "stock-below-reserved");

    let zero = app
        .call(
            Method::POST,
            &uri,
            Some(json!({"delta": 0, "reason": "nothing"})),
            &[],
        )
        .await;
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(zero.body["code"], "zero-stock-adjustment");

    // Units promised to orders cannot be adjusted away either.
    sqlx::query("UPDATE product SET reserved = 2 WHERE id = $1")
        .bind(uuid::Uuid::parse_str(&id).unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    let below_reserved = app
        .call(
            Method::POST,
            &uri,
            Some(json!({"delta": -1, "reason": "lost"})),
            &[],
        )
        .await;
    assert_eq!(below_reserved.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(below_reserved.body["code"], "stock-below-reserved");

    let missing = app.call(Method::POST, &uri, Some(json!({})), &[]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.error_fields(), ["delta", "reason"]);

    let current = app.get(&format!("/products/{id}")).await;
    assert_eq!(current.etag(), "\"1\"");
    assert_eq!(current.body["stockOnHand"], 2);
    assert_eq!(current.body["available"], 0);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM stock_adjustment")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn commands_on_an_unknown_product_are_404() {
    let app = TestApp::spawn().await;
    let id = uuid::Uuid::now_v7();
    let update = app
        .call(
            Method::PUT,
            &format!("/products/{id}"),
            Some(json!({"name": "X", "price": {"amount": 1, "currency": "EUR"}})),
            &[],
        )
        .await;
    assert_eq!(update.status, StatusCode::NOT_FOUND);
    let adjust = app
        .call(
            Method::POST,
            &format!("/products/{id}/stock-adjustments"),
            Some(json!({"delta": 1, "reason": "found"})),
            &[],
        )
        .await;
    assert_eq!(adjust.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_openapi_document_describes_the_product_routes() {
    let app = TestApp::spawn().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let paths = &response.body["paths"];
    for path in [
        "/products",
        "/products/{id}",
        "/products/{id}/stock-adjustments",
    ] {
        assert!(paths.get(path).is_some(), "{path} missing");
    }
    assert_eq!(app.get("/docs").await.status, StatusCode::OK);
}
