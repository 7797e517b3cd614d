//! The payment API through the real router and a real PostgreSQL database; payments are
//! made through the command processor directly (the broker path is in `commands.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, ledger_kinds, process, refund};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn an_order_without_a_payment_is_a_404_problem_and_a_malformed_id_a_400() {
    let app = TestApp::spawn().await;
    let response = app.payment(Uuid::now_v7()).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.content_type(), "application/problem+json");
    assert_eq!(response.body["status"], 404);
    assert!(
        response.body["detail"]
            .as_str()
            .unwrap()
            .contains("has no payment")
    );
    let response = app.get("/payments/not-a-uuid").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
}

#[tokio::test]
async fn a_payment_shows_its_ledger_and_its_version_as_etag() {
    let app = TestApp::spawn().await;
    let (order, customer) = (Uuid::now_v7(), Uuid::now_v7());
    app.charge(&process(order, customer, 4_990, None))
        .await
        .unwrap();

    let captured = app.payment(order).await;
    assert_eq!(captured.status, StatusCode::OK);
    assert_eq!(captured.etag(), "\"1\"");
    let body = &captured.body;
    assert_eq!(body["orderId"], order.to_string());
    assert_eq!(body["customerId"], customer.to_string());
    assert_eq!(body["amount"], json!({"amount": 4990, "currency": "EUR"}));
    assert_eq!(body["status"], "Captured");
    assert_eq!(body["version"], 1);
    assert!(body["paymentId"].is_string() && body["createdAt"].is_string());
    assert_eq!(body["capturedAt"], body["createdAt"]);
    for absent in ["declineReason", "refundReason", "voidReason", "refundedAt"] {
        assert!(body.get(absent).is_none(), "{absent} in {body}");
    }
    assert_eq!(ledger_kinds(body), ["Authorised", "Captured"]);
    assert_eq!(body["ledger"][0]["occurredAt"], body["createdAt"]);
    assert!(body["ledger"][0].get("reason").is_none());

    app.refund(&refund(order, 4_990, "customer asked"))
        .await
        .unwrap();
    let refunded = app.payment(order).await;
    assert_eq!(refunded.etag(), "\"2\"");
    assert_eq!(refunded.body["status"], "Refunded");
    assert_eq!(refunded.body["refundReason"], "customer asked");
    assert!(refunded.body["refundedAt"].is_string());
    assert_eq!(
        ledger_kinds(&refunded.body),
        ["Authorised", "Captured", "Refunded"]
    );
    assert_eq!(refunded.body["ledger"][2]["reason"], "customer asked");
    assert_eq!(
        refunded.body["ledger"].as_array().unwrap()[..2],
        captured.body["ledger"].as_array().unwrap()[..],
        "earlier entries are kept as they were"
    );
}

#[tokio::test]
async fn a_customers_payments_are_listed_in_pages_in_creation_order() {
    let app = TestApp::spawn().await;
    let (customer, other) = (Uuid::now_v7(), Uuid::now_v7());
    let orders: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    for (index, order) in orders.iter().enumerate() {
        let amount = 100 * (index as i64 + 1);
        app.charge(&process(*order, customer, amount, None))
            .await
            .unwrap();
    }
    app.charge(&process(Uuid::now_v7(), other, 100, None))
        .await
        .unwrap();

    let first = app
        .get(&format!(
            "/payments?customerId={customer}&page=1&per_page=2"
        ))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["page"], 1);
    assert_eq!(first.body["perPage"], 2);
    assert_eq!(first.body["total"], 3);
    let ids: Vec<_> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["orderId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [orders[0].to_string(), orders[1].to_string()]);
    assert_eq!(
        ledger_kinds(&first.body["items"][0]),
        ["Authorised", "Captured"]
    );

    let second = app
        .get(&format!(
            "/payments?customerId={customer}&page=2&per_page=2"
        ))
        .await;
    assert_eq!(second.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(second.body["items"][0]["orderId"], orders[2].to_string());
    assert_eq!(
        second.body["items"][0]["amount"],
        json!({"amount": 300, "currency": "EUR"})
    );

    let nobody = app
        .get(&format!("/payments?customerId={}", Uuid::now_v7()))
        .await;
    assert_eq!(nobody.body["total"], 0);
    assert_eq!(nobody.body["items"], json!([]));
}

#[tokio::test]
async fn the_list_needs_a_valid_customer_id_and_paging_with_field_errors() {
    let app = TestApp::spawn().await;
    for (uri, fields) in [
        ("/payments", vec!["customerId"]),
        ("/payments?customerId=nope", vec!["customerId"]),
        (
            "/payments?customerId=00000000-0000-0000-0000-000000000000&per_page=101",
            vec!["per_page"],
        ),
        ("/payments?customerId=x&page=0", vec!["customerId", "page"]),
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(response.content_type(), "application/problem+json");
        assert_eq!(response.error_fields(), fields, "{uri}");
    }
}

#[tokio::test]
async fn admin_routes_need_the_bearer_token() {
    let app = TestApp::spawn().await;
    for uri in ["/admin/faults", "/admin/dead-letters"] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(response.content_type(), "application/problem+json");
        let wrong = app
            .call(Method::GET, uri, None, &[("authorization", "Bearer wrong")])
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{uri}");
    }
    let faults = app.admin(Method::GET, "/admin/faults", None).await;
    assert_eq!(faults.status, StatusCode::OK);
    assert_eq!(faults.body["declineRate"], 0.0);
}

#[tokio::test]
async fn admin_routes_are_off_without_a_configured_token() {
    let app = TestApp::spawn_with(|config| config.admin.admin_token = None).await;
    let response = app
        .call(
            Method::GET,
            "/admin/faults",
            None,
            &[("authorization", "Bearer anything")],
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_is_documented_and_readiness_checks_postgres_and_kafka() {
    let app = TestApp::spawn().await;
    let openapi = app.get("/openapi.json").await;
    assert_eq!(openapi.status, StatusCode::OK);
    assert!(openapi.body["paths"]["/payments/{orderId}"]["get"].is_object());
    let parameters: Vec<_> = openapi.body["paths"]["/payments"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|parameter| parameter["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(parameters, ["customerId", "page", "per_page"]);
    assert!(openapi.body["components"]["schemas"]["PaymentView"].is_object());
    assert_eq!(app.get("/docs").await.status, StatusCode::OK);

    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{:?}", ready.body);
    let checks: Vec<_> = ready.body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| check["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(checks, ["postgres", "kafka"]);
}

#[tokio::test]
async fn the_ledger_table_refuses_updates_and_deletes() {
    let app = TestApp::spawn().await;
    let order = Uuid::now_v7();
    app.charge(&process(order, Uuid::now_v7(), 100, None))
        .await
        .unwrap();
    for statement in [
        "UPDATE payment_ledger SET amount = 1",
        "DELETE FROM payment_ledger",
        "TRUNCATE payment_ledger",
    ] {
        let err = sqlx::query(statement)
            .execute(&app.pool)
            .await
            .expect_err(statement);
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
    let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_ledger")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(entries, 2);
}
