//! The customer API through the real router and a real PostgreSQL database.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, customer};
use serde_json::json;

#[tokio::test]
async fn registering_answers_201_with_location_etag_and_the_normalised_customer() {
    let app = TestApp::spawn().await;
    let response = app.register(customer("Ada@Example.COM")).await;
    assert_eq!(response.status, StatusCode::CREATED);
    let id = response.body["id"].as_str().unwrap();
    assert_eq!(
        response.headers["location"],
        format!("/customers/{id}").as_str()
    );
    assert_eq!(response.etag(), "\"1\"");
    assert_eq!(response.body["email"], "Ada@example.com");
    assert_eq!(response.body["phone"], "+442079460958");
    assert_eq!(response.body["address"]["country"], "GB");
    assert_eq!(response.body["status"], "Active");
    assert_eq!(response.body["version"], 1);
}

#[tokio::test]
async fn a_bad_email_is_400_with_a_field_error() {
    let app = TestApp::spawn().await;
    let response = app.register(customer("not-an-email")).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
    assert_eq!(response.error_fields(), ["email"]);
    assert_eq!(response.body["status"], 400);
    assert_eq!(response.body["instance"], "/customers");
    assert!(
        response.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains('@')
    );
}

#[tokio::test]
async fn missing_and_invalid_fields_are_all_reported() {
    let app = TestApp::spawn().await;
    let response = app
        .register(json!({"lastName": "L", "email": "a@b.io", "phone": "12", "address": {"line1": "x", "city": "y", "postalCode": "1", "country": "QQ"}}))
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.error_fields(),
        ["firstName", "phone", "address.country"]
    );
}

#[tokio::test]
async fn malformed_json_is_400_problem_never_500() {
    let app = TestApp::spawn().await;
    for body in ["{\"firstName\": ", "[1, 2]", "{\"firstName\": 5}"] {
        let request = axum::http::Request::post("/customers")
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
        assert_eq!(
            response.body["type"], "https://orderflow.io/problems/malformed-request",
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_body_without_json_content_type_is_a_clear_400() {
    let app = TestApp::spawn().await;
    let request = axum::http::Request::post("/customers")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(
        response.body["detail"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("content-type")
    );
}

#[tokio::test]
async fn an_oversized_body_is_413_problem() {
    let app = TestApp::spawn().await;
    let mut body = customer("big@example.com");
    body["firstName"] = json!("x".repeat(300 * 1024));
    let response = app.register(body).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.content_type(), "application/problem+json");
}

#[tokio::test]
async fn a_duplicate_email_is_409_whatever_its_case() {
    let app = TestApp::spawn().await;
    app.registered("grace@example.com").await;
    let response = app.register(customer("GRACE@example.com")).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.content_type(), "application/problem+json");
    assert!(
        response.body["detail"]
            .as_str()
            .unwrap()
            .contains("already registered")
    );
}

#[tokio::test]
async fn get_returns_the_customer_with_its_etag() {
    let app = TestApp::spawn().await;
    let id = app.registered("get@example.com").await;
    let response = app.get(&format!("/customers/{id}")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.etag(), "\"1\"");
    assert_eq!(response.body["id"], id.as_str());
    assert_eq!(response.body["firstName"], "Ada");
}

#[tokio::test]
async fn an_unknown_id_is_404_and_a_malformed_id_400() {
    let app = TestApp::spawn().await;
    let response = app
        .get(&format!("/customers/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.content_type(), "application/problem+json");
    let response = app.get("/customers/not-a-uuid").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
}

#[tokio::test]
async fn listing_pages_and_filters_by_email_and_status() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(app.registered(&format!("list{n}@example.com")).await);
    }
    let deactivated = app
        .call(
            Method::POST,
            &format!("/customers/{}/deactivate", ids[1]),
            None,
            &[],
        )
        .await;
    assert_eq!(deactivated.status, StatusCode::OK);

    let page = app.get("/customers?page=2&per_page=2").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["total"], 5);
    assert_eq!(page.body["page"], 2);
    assert_eq!(page.body["perPage"], 2);
    let listed: Vec<_> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ids[2..4]);

    let by_email = app.get("/customers?email=LIST3@example.com").await;
    assert_eq!(by_email.body["total"], 1);
    assert_eq!(by_email.body["items"][0]["id"], ids[3].as_str());

    let by_status = app.get("/customers?status=Deactivated").await;
    assert_eq!(by_status.body["total"], 1);
    assert_eq!(by_status.body["items"][0]["id"], ids[1].as_str());
}

#[tokio::test]
async fn bad_list_parameters_are_400_with_field_errors() {
    let app = TestApp::spawn().await;
    let response = app.get("/customers?status=Sleeping&per_page=500").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.error_fields(), ["status", "per_page"]);
    let response = app.get("/customers?page=abc").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.content_type(), "application/problem+json");
}

#[tokio::test]
async fn changing_the_email_bumps_the_version_and_is_refused_again_within_the_cooldown() {
    let app = TestApp::spawn().await;
    let id = app.registered("old@example.com").await;
    let uri = format!("/customers/{id}/email");
    let changed = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"email": "new@example.com"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.body["email"], "new@example.com");
    assert_eq!(changed.etag(), "\"2\"");

    let again = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"email": "newer@example.com"})),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.body["code"], "email-change-too-soon");
}

#[tokio::test]
async fn changing_to_a_taken_email_is_409_and_a_bad_one_400() {
    let app = TestApp::spawn().await;
    app.registered("taken@example.com").await;
    let id = app.registered("mine@example.com").await;
    let uri = format!("/customers/{id}/email");
    let taken = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"email": "taken@example.com"})),
            &[],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let bad = app
        .call(Method::PUT, &uri, Some(json!({"email": "@"})), &[])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_fields(), ["email"]);
    let missing = app.call(Method::PUT, &uri, Some(json!({})), &[]).await;
    assert_eq!(missing.error_fields(), ["email"]);
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = app.registered("stale@example.com").await;
    let first = app
        .call(
            Method::POST,
            &format!("/customers/{id}/deactivate"),
            None,
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let stale = app
        .call(
            Method::PUT,
            &format!("/customers/{id}/address"),
            Some(json!({"address": null})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.content_type(), "application/problem+json");
    let current = app.get(&format!("/customers/{id}")).await;
    assert_eq!(current.etag(), "\"2\"");
    assert_eq!(current.body["address"]["city"], "London");
}

#[tokio::test]
async fn a_malformed_if_match_is_400() {
    let app = TestApp::spawn().await;
    let id = app.registered("ifmatch@example.com").await;
    let response = app
        .call(
            Method::POST,
            &format!("/customers/{id}/deactivate"),
            None,
            &[("if-match", "three")],
        )
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_address_can_be_replaced_validated_and_removed() {
    let app = TestApp::spawn().await;
    let id = app.registered("address@example.com").await;
    let uri = format!("/customers/{id}/address");
    let replaced = app
        .call(
            Method::PUT,
            &uri,
            Some(json!({"address": {"line1": "1 Infinite Loop", "line2": "Building 2", "city": "Cupertino", "postalCode": "95014", "country": "US"}})),
            &[],
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(replaced.body["address"]["line2"], "Building 2");
    assert_eq!(replaced.etag(), "\"2\"");

    let invalid = app
        .call(Method::PUT, &uri, Some(json!({"address": {"line1": "x", "city": "y", "postalCode": "!!", "country": "US"}})), &[])
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(invalid.error_fields(), ["address.postalCode"]);

    let removed = app
        .call(Method::PUT, &uri, Some(json!({"address": null})), &[])
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert!(removed.body.get("address").is_none());
    assert_eq!(removed.etag(), "\"3\"");
}

#[tokio::test]
async fn deactivation_and_activation_are_idempotent_and_guard_changes() {
    let app = TestApp::spawn().await;
    let id = app.registered("toggle@example.com").await;
    let deactivate = format!("/customers/{id}/deactivate");
    let first = app.call(Method::POST, &deactivate, None, &[]).await;
    assert_eq!(
        (first.status, first.body["status"].as_str()),
        (StatusCode::OK, Some("Deactivated"))
    );
    let repeated = app.call(Method::POST, &deactivate, None, &[]).await;
    assert_eq!(repeated.status, StatusCode::OK);
    assert_eq!(
        repeated.etag(),
        "\"2\"",
        "a repeated deactivation must not write"
    );

    let refused = app
        .call(
            Method::PUT,
            &format!("/customers/{id}/email"),
            Some(json!({"email": "x@example.com"})),
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["code"], "customer-deactivated");

    let activated = app
        .call(
            Method::POST,
            &format!("/customers/{id}/activate"),
            None,
            &[],
        )
        .await;
    assert_eq!(
        (activated.status, activated.body["status"].as_str()),
        (StatusCode::OK, Some("Active"))
    );
    assert_eq!(activated.etag(), "\"3\"");
}

#[tokio::test]
async fn commands_on_an_unknown_customer_are_404() {
    let app = TestApp::spawn().await;
    let id = uuid::Uuid::now_v7();
    for (method, path, body) in [
        (Method::POST, format!("/customers/{id}/deactivate"), None),
        (Method::POST, format!("/customers/{id}/activate"), None),
        (
            Method::PUT,
            format!("/customers/{id}/email"),
            Some(json!({"email": "a@b.io"})),
        ),
        (
            Method::PUT,
            format!("/customers/{id}/address"),
            Some(json!({"address": null})),
        ),
    ] {
        let response = app.call(method, &path, body, &[]).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn every_change_is_audited_in_the_same_transaction_with_the_correlation_id() {
    let app = TestApp::spawn().await;
    let response = app
        .call(
            Method::POST,
            "/customers",
            Some(customer("audit@example.com")),
            &[("x-request-id", "corr-123")],
        )
        .await;
    assert_eq!(response.headers["x-request-id"], "corr-123");
    let id = response.body["id"].as_str().unwrap().to_owned();
    app.call(
        Method::POST,
        &format!("/customers/{id}/deactivate"),
        None,
        &[],
    )
    .await;
    app.call(
        Method::POST,
        &format!("/customers/{id}/deactivate"),
        None,
        &[],
    )
    .await;
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT event_type, correlation_id FROM customer_audit WHERE customer_id = $1 ORDER BY id",
    )
    .bind(uuid::Uuid::parse_str(&id).unwrap())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let types: Vec<_> = rows.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, ["CustomerRegistered", "CustomerDeactivated"]);
    assert_eq!(rows[0].1.as_deref(), Some("corr-123"));
}

#[tokio::test]
async fn a_failed_registration_leaves_no_audit_row() {
    let app = TestApp::spawn().await;
    app.registered("once@example.com").await;
    app.register(customer("once@example.com")).await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM customer_audit")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}
