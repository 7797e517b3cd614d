//! The order API through the real router and a real PostgreSQL database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use orderflow_kernel::Currency;
use serde_json::json;

#[tokio::test]
async fn creating_a_draft_answers_201_with_location_etag_and_an_empty_order() {
    let app = TestApp::spawn().await;
    // The customer need not be known yet: that is checked when placing.
    let customer = uuid::Uuid::now_v7().to_string();
    let response = app
        .post("/orders", Some(json!({ "customerId": customer })))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{:?}", response.body);
    let id = response.body["id"].as_str().unwrap();
    assert_eq!(response.header("location"), format!("/orders/{id}"));
    assert_eq!(response.etag(), "\"1\"");
    let body = &response.body;
    assert_eq!(body["customerId"], customer.as_str());
    assert_eq!(body["status"], "Draft");
    assert_eq!(body["lines"], json!([]));
    assert_eq!(body["total"], json!(null));
    assert_eq!(body["saga"], json!(null));
    assert_eq!(body["version"], 1);
    assert!(body["createdAt"].is_string());
    assert!(body.get("placedAt").is_none() && body.get("cancellationReason").is_none());
    assert_eq!(body["history"].as_array().unwrap().len(), 1);
    assert_eq!(body["history"][0]["status"], "Draft");

    let fetched = app.get(&format!("/orders/{id}")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.etag(), "\"1\"");
    assert_eq!(fetched.body["id"], id);
}

#[tokio::test]
async fn a_draft_needs_a_customer_id_given_as_a_uuid() {
    let app = TestApp::spawn().await;
    for body in [json!({}), json!({ "customerId": "ada" })] {
        let response = app.post("/orders", Some(body.clone())).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.content_type(), "application/problem+json");
        assert_eq!(response.error_fields(), ["customerId"], "{body}");
    }
}

#[tokio::test]
async fn lines_take_name_and_price_from_the_product_read_model() {
    let app = TestApp::spawn().await;
    let customer = app.seed_customer().await;
    let mug = app.seed_product("Blue mug", 1299, Currency::EUR).await;
    let tea = app.seed_product("Green tea", 450, Currency::EUR).await;
    let order = app.draft(&customer).await;

    let response = app.add_line(&order, &mug, 2).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.etag(), "\"2\"");
    assert_eq!(
        response.body["lines"],
        json!([{
            "productId": mug,
            "productName": "Blue mug",
            "quantity": 2,
            "unitPrice": {"amount": 1299, "currency": "EUR"},
            "lineTotal": {"amount": 2598, "currency": "EUR"},
        }])
    );
    assert_eq!(
        response.body["total"],
        json!({"amount": 2598, "currency": "EUR"})
    );

    // The same product again adds to its line; another product is a new line.
    app.add_line(&order, &mug, 1).await;
    let response = app.add_line(&order, &tea, 4).await;
    let lines = response.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["quantity"], 3);
    assert_eq!(response.body["total"]["amount"], 3 * 1299 + 4 * 450);

    let changed = app
        .call(
            Method::PUT,
            &format!("/orders/{order}/lines/{mug}"),
            Some(json!({"quantity": 5})),
            &[],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["lines"][0]["quantity"], 5);
    assert_eq!(changed.body["lines"][0]["lineTotal"]["amount"], 5 * 1299);

    let removed = app
        .call(
            Method::DELETE,
            &format!("/orders/{order}/lines/{mug}"),
            None,
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{:?}", removed.body);
    assert_eq!(removed.body["lines"].as_array().unwrap().len(), 1);
    assert_eq!(removed.body["lines"][0]["productId"], tea.as_str());
    assert_eq!(
        removed.body["total"],
        json!({"amount": 1800, "currency": "EUR"})
    );
}

#[tokio::test]
async fn an_unknown_product_is_422_unknown_product() {
    let app = TestApp::spawn().await;
    let order = app.draft(&app.seed_customer().await).await;
    let response = app
        .add_line(&order, &uuid::Uuid::now_v7().to_string(), 1)
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.content_type(), "application/problem+json");
    assert_eq!(response.body["code"], "unknown-product");
    assert_eq!(app.order(&order).await["version"], 1, "nothing changed");
}

#[tokio::test]
async fn line_input_is_validated_with_field_errors() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let response = app
        .post(
            &format!("/orders/{}/lines", draft.order),
            Some(json!({"productId": "mug", "quantity": 0})),
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["productId", "quantity"]);

    let response = app
        .call(
            Method::PUT,
            &format!("/orders/{}/lines/{}", draft.order, draft.product),
            Some(json!({"quantity": 1001})),
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["quantity"]);

    // 999 more would make 1001 on the existing line: the domain refuses.
    let response = app.add_line(&draft.order, &draft.product, 999).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.body["code"], "invalid-quantity");
}

#[tokio::test]
async fn a_line_of_another_currency_is_refused_by_the_domain() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let dollars = app.seed_product("Cap", 999, Currency::USD).await;
    let response = app.add_line(&draft.order, &dollars, 1).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.body["code"], "currency-mismatch");
}

#[tokio::test]
async fn changing_a_line_the_order_does_not_have_is_404() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let other = uuid::Uuid::now_v7();
    let response = app
        .call(
            Method::PUT,
            &format!("/orders/{}/lines/{other}", draft.order),
            Some(json!({"quantity": 1})),
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    let response = app
        .call(
            Method::DELETE,
            &format!("/orders/{}/lines/{other}", draft.order),
            None,
            &[],
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_the_current_one_is_accepted() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let uri = format!("/orders/{}/lines/{}", draft.order, draft.product);
    let stale = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"quantity": 3})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.content_type(), "application/problem+json");
    let current = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"quantity": 3})),
            &[("if-match", "\"2\"")],
        )
        .await;
    assert_eq!(current.status, StatusCode::OK, "{:?}", current.body);
    assert_eq!(current.etag(), "\"3\"");

    let place = app
        .call(
            Method::POST,
            &format!("/orders/{}/place", draft.order),
            None,
            &[("if-match", "\"2\"")],
        )
        .await;
    assert_eq!(place.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(app.order(&draft.order).await["status"], "Draft");
}

#[tokio::test]
async fn placing_answers_202_and_commits_order_saga_and_reserve_stock_together() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let response = app
        .call(
            Method::POST,
            &format!("/orders/{}/place", draft.order),
            Some(json!({"paymentToken": "tok_visa"})),
            &[("x-request-id", "req-place")],
        )
        .await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{:?}", response.body);
    assert_eq!(response.etag(), "\"3\"");
    let body = &response.body;
    assert_eq!(body["status"], "Placed");
    assert!(body["placedAt"].is_string());
    let history: Vec<_> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["Draft", "Placed"]);
    assert_eq!(body["saga"]["state"], "AwaitingStock");
    assert_eq!(body["saga"]["compensating"], false);
    assert_eq!(body["saga"]["version"], 1);
    assert!(body["saga"]["deadlineAt"].is_string());

    let outbox = app.outbox(&draft.order).await;
    let types: Vec<_> = outbox.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(types, ["placed", "reserve-stock"]);
    let (_, placed, placed_headers) = &outbox[0];
    assert_eq!(placed["customerId"], draft.customer.as_str());
    assert_eq!(placed["total"], json!({"amount": 2598, "currency": "EUR"}));
    assert_eq!(placed["lines"][0]["productName"], "Blue mug");
    assert_eq!(placed_headers["correlation-id"], "req-place");
    let (_, reserve, reserve_headers) = &outbox[1];
    assert_eq!(reserve["orderId"], draft.order.as_str());
    assert_eq!(
        reserve["lines"],
        json!([{"productId": draft.product, "quantity": 2}])
    );
    // The saga's correlation id is the order id.
    assert_eq!(reserve_headers["correlation-id"], draft.order.as_str());

    let data: serde_json::Value =
        sqlx::query_scalar("SELECT data FROM saga_instance WHERE order_id = $1")
            .bind(draft.id())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        data,
        json!({"customerId": draft.customer, "paymentToken": "tok_visa"})
    );

    // Placing again changes nothing and starts no second saga.
    let again = app
        .post(&format!("/orders/{}/place", draft.order), None)
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.etag(), "\"3\"");
    assert_eq!(app.outbox_types(&draft.order).await.len(), 2);
    assert_eq!(
        app.timeline_kinds(&draft.order).await,
        ["Created", "Placed"]
    );
}

#[tokio::test]
async fn placing_for_an_unknown_customer_is_422_unknown_customer() {
    let app = TestApp::spawn().await;
    let product = app.seed_product("Blue mug", 1299, Currency::EUR).await;
    let order = app.draft(&uuid::Uuid::now_v7().to_string()).await;
    app.add_line(&order, &product, 1).await;
    let response = app.post(&format!("/orders/{order}/place"), None).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.body["code"], "unknown-customer");
    assert_eq!(app.order(&order).await["status"], "Draft");
    assert!(app.outbox_types(&order).await.is_empty());
}

#[tokio::test]
async fn placing_for_a_deactivated_customer_is_422_customer_deactivated() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    app.deactivate_customer(&draft.customer).await;
    let response = app
        .post(&format!("/orders/{}/place", draft.order), None)
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.body["code"], "customer-deactivated");
    assert!(
        response.body["detail"]
            .as_str()
            .unwrap()
            .contains("deactivated")
    );
    assert_eq!(app.order(&draft.order).await["saga"], json!(null));
}

#[tokio::test]
async fn placing_an_empty_order_is_422_empty_order() {
    let app = TestApp::spawn().await;
    let order = app.draft(&app.seed_customer().await).await;
    let response = app.post(&format!("/orders/{order}/place"), None).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.body["code"], "empty-order");
}

#[tokio::test]
async fn a_blank_payment_token_or_a_malformed_body_is_400() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let uri = format!("/orders/{}/place", draft.order);
    let blank = app.post(&uri, Some(json!({"paymentToken": "  "}))).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert_eq!(blank.error_fields(), ["paymentToken"]);
    let request = axum::http::Request::post(&uri)
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{\"paymentToken\": "))
        .unwrap();
    let malformed = app.send(request).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        malformed.body["type"],
        "https://orderflow.io/problems/malformed-request"
    );
}

#[tokio::test]
async fn lines_of_a_placed_order_cannot_change() {
    let app = TestApp::spawn().await;
    let draft = app.placed().await;
    let response = app.add_line(&draft.order, &draft.product, 1).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.body["code"], "order-not-draft");
}

#[tokio::test]
async fn cancelling_needs_a_reason_and_keeps_it_in_the_history() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let uri = format!("/orders/{}/cancel", draft.order);
    for body in [json!({}), json!({"reason": "   "})] {
        let response = app.post(&uri, Some(body.clone())).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(response.error_fields(), ["reason"], "{body}");
    }
    let response = app
        .post(&uri, Some(json!({"reason": " ordered by mistake "})))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
    assert_eq!(response.body["status"], "Cancelled");
    assert_eq!(response.body["cancellationReason"], "ordered by mistake");
    assert!(response.body["cancelledAt"].is_string());
    let last = response.body["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["status"], "Cancelled");
    assert_eq!(last["reason"], "ordered by mistake");
    // A draft has no saga and nothing to compensate; its cancellation is still published.
    assert_eq!(response.body["saga"], json!(null));
    assert_eq!(app.outbox_types(&draft.order).await, ["cancelled"]);

    let again = app.post(&uri, Some(json!({"reason": "twice"}))).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["cancellationReason"], "ordered by mistake");
    assert_eq!(again.etag(), response.etag());
}

#[tokio::test]
async fn the_domain_decides_which_transitions_are_legal() {
    let app = TestApp::spawn().await;
    let draft = app.filled_draft().await;
    let complete = app
        .post(&format!("/orders/{}/complete", draft.order), None)
        .await;
    assert_eq!(complete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(complete.body["code"], "invalid-status-transition");

    app.post(
        &format!("/orders/{}/cancel", draft.order),
        Some(json!({"reason": "no"})),
    )
    .await;
    let place = app
        .post(&format!("/orders/{}/place", draft.order), None)
        .await;
    assert_eq!(place.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(place.body["code"], "invalid-status-transition");
}

#[tokio::test]
async fn orders_are_listed_by_customer_and_status_newest_first() {
    let app = TestApp::spawn().await;
    let ada = app.seed_customer().await;
    let bob = app.seed_customer().await;
    let product = app.seed_product("Blue mug", 1299, Currency::EUR).await;
    let first = app.draft(&ada).await;
    let second = app.draft(&ada).await;
    app.draft(&bob).await;
    app.add_line(&second, &product, 1).await;
    let placed = app.post(&format!("/orders/{second}/place"), None).await;
    assert_eq!(placed.status, StatusCode::ACCEPTED);

    let all = app.get(&format!("/orders?customerId={ada}")).await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    assert_eq!(all.body["total"], 2);
    assert_eq!(all.body["page"], 1);
    assert_eq!(all.body["perPage"], 20);
    let ids: Vec<_> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    assert_eq!(all.body["items"][0]["saga"]["state"], "AwaitingStock");
    assert_eq!(all.body["items"][1]["saga"], json!(null));

    let placed = app
        .get(&format!("/orders?customerId={ada}&status=Placed"))
        .await;
    assert_eq!(placed.body["total"], 1);
    assert_eq!(placed.body["items"][0]["id"], second.as_str());

    let paged = app.get("/orders?page=2&per_page=2").await;
    assert_eq!(paged.body["total"], 3);
    assert_eq!(paged.body["items"].as_array().unwrap().len(), 1);

    let invalid = app
        .get("/orders?customerId=nobody&status=Shipped&per_page=101")
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(invalid.error_fields(), ["customerId", "status", "per_page"]);
}

#[tokio::test]
async fn unknown_orders_are_404_problems_and_bad_ids_400() {
    let app = TestApp::spawn().await;
    let unknown = uuid::Uuid::now_v7();
    for (method, uri, body) in [
        (Method::GET, format!("/orders/{unknown}"), None),
        (Method::GET, format!("/orders/{unknown}/events"), None),
        (
            Method::POST,
            format!("/orders/{unknown}/lines"),
            Some(json!({"productId": unknown, "quantity": 1})),
        ),
        (Method::POST, format!("/orders/{unknown}/place"), None),
        (
            Method::POST,
            format!("/orders/{unknown}/cancel"),
            Some(json!({"reason": "x"})),
        ),
        (Method::POST, format!("/orders/{unknown}/complete"), None),
    ] {
        let response = app.call(method, &uri, body, &[]).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(response.content_type(), "application/problem+json", "{uri}");
        assert!(
            response.body["detail"]
                .as_str()
                .unwrap()
                .contains(&unknown.to_string()),
            "{uri}"
        );
    }
    let response = app.get("/orders/not-a-uuid").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_api_is_documented() {
    let app = TestApp::spawn().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let paths = response.body["paths"].as_object().unwrap();
    for path in [
        "/orders",
        "/orders/{id}",
        "/orders/{id}/lines",
        "/orders/{id}/lines/{productId}",
        "/orders/{id}/place",
        "/orders/{id}/cancel",
        "/orders/{id}/complete",
        "/orders/{id}/events",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    assert!(
        response.body["components"]["schemas"]
            .get("OrderView")
            .is_some()
    );
    let list_params: Vec<_> = response.body["paths"]["/orders"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(list_params, ["customerId", "status", "page", "per_page"]);
    assert_eq!(app.get("/docs").await.status, StatusCode::OK);
}

#[tokio::test]
async fn admin_routes_are_off_without_a_token_and_guarded_with_one() {
    let closed = TestApp::spawn().await;
    assert_eq!(
        closed.get("/admin/faults").await.status,
        StatusCode::NOT_FOUND
    );

    let app = TestApp::spawn_with(|config| config.admin.admin_token = Some("s3cret".into())).await;
    assert_eq!(
        app.get("/admin/faults").await.status,
        StatusCode::UNAUTHORIZED
    );
    let faults = app
        .call(
            Method::GET,
            "/admin/faults",
            None,
            &[("authorization", "Bearer s3cret")],
        )
        .await;
    assert_eq!(faults.status, StatusCode::OK);
    assert_eq!(faults.body["failNextTransient"], 0);
}
