//! The product and customer read models, built only from other contexts' events: through the
//! real consumer group, and through their use case for orderings a broker cannot force.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::{TestApp, eventually};
use order_domain::{CustomerId, ProductId};
use order_service::application::{CustomerRegistration, ProductInfo, ReadModels};
use order_service::infrastructure::PgStore;
use orderflow_contracts::{
    CustomerDeactivated, CustomerEmailChanged, CustomerReactivated, CustomerRegistered, Money,
    ProductCreated, ProductUpdated,
};
use orderflow_kernel::Currency;
use serde_json::json;
use uuid::Uuid;

fn registered(id: Uuid, at: chrono::DateTime<Utc>) -> CustomerRegistered {
    CustomerRegistered {
        customer_id: id,
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: "ada@example.com".into(),
        registered_at: at,
    }
}

async fn product_name(app: &TestApp, id: Uuid) -> Option<String> {
    sqlx::query_scalar("SELECT name FROM product_view WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

async fn customer_active(app: &TestApp, id: Uuid) -> Option<bool> {
    sqlx::query_scalar("SELECT active FROM customer_view WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn catalogue_and_customer_events_let_orders_be_priced_and_placed() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let customer = Uuid::now_v7();
    let product = Uuid::now_v7();
    let created_at = Utc::now();
    app.publish(&registered(customer, created_at)).await;
    app.publish(&ProductCreated {
        product_id: product,
        sku: "MUG-1".into(),
        name: "Blue mug".into(),
        price: Money::new(1299, "EUR"),
        created_at,
    })
    .await;
    eventually("both read models", || async {
        let known = product_name(&app, product).await.is_some()
            && customer_active(&app, customer).await.is_some();
        known.then_some(())
    })
    .await;

    let order = app.draft(&customer.to_string()).await;
    let line = app.add_line(&order, &product.to_string(), 2).await;
    assert_eq!(line.status, StatusCode::OK, "{:?}", line.body);
    assert_eq!(line.body["lines"][0]["productName"], "Blue mug");
    assert_eq!(
        line.body["lines"][0]["unitPrice"],
        json!({"amount": 1299, "currency": "EUR"})
    );

    // A newer state replaces the copy; an older one arriving late (from a retry topic) does not.
    app.publish(&ProductUpdated {
        product_id: product,
        name: "Green mug".into(),
        price: Money::new(999, "EUR"),
        updated_at: created_at + Duration::seconds(10),
    })
    .await;
    app.publish(&ProductUpdated {
        product_id: product,
        name: "Stale mug".into(),
        price: Money::new(1, "EUR"),
        updated_at: created_at + Duration::seconds(5),
    })
    .await;
    let stale_id = app
        .publish(&ProductUpdated {
            product_id: product,
            name: "Stale mug".into(),
            price: Money::new(1, "EUR"),
            updated_at: created_at + Duration::seconds(1),
        })
        .await;
    eventually("the last update consumed", || async {
        let seen: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inbox_message WHERE event_id = $1)")
                .bind(stale_id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        seen.then_some(())
    })
    .await;
    assert_eq!(
        product_name(&app, product).await.as_deref(),
        Some("Green mug")
    );

    // The line keeps what the customer agreed to; a new draft gets the new name and price.
    assert_eq!(
        app.order(&order).await["lines"][0]["productName"],
        "Blue mug"
    );
    let other = app.draft(&customer.to_string()).await;
    let line = app.add_line(&other, &product.to_string(), 1).await;
    assert_eq!(line.body["lines"][0]["productName"], "Green mug");
    assert_eq!(line.body["lines"][0]["unitPrice"]["amount"], 999);

    let placed = app.post(&format!("/orders/{order}/place"), None).await;
    assert_eq!(placed.status, StatusCode::ACCEPTED, "{:?}", placed.body);
}

#[tokio::test]
async fn a_deactivation_stops_new_orders_but_leaves_placed_ones_alone() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let draft = app.placed().await;
    let before = app.order(&draft.order).await;
    let next = app.draft(&draft.customer).await;
    app.add_line(&next, &draft.product, 1).await;

    let customer: Uuid = draft.customer.parse().unwrap();
    app.publish(&CustomerDeactivated {
        customer_id: customer,
        deactivated_at: Utc::now(),
    })
    .await;
    eventually("the deactivation", || async {
        (customer_active(&app, customer).await == Some(false)).then_some(())
    })
    .await;
    let refused = app.post(&format!("/orders/{next}/place"), None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["code"], "customer-deactivated");
    let after = app.order(&draft.order).await;
    assert_eq!(after["status"], "Placed");
    assert_eq!(after["version"], before["version"]);
    assert_eq!(after["saga"]["version"], before["saga"]["version"]);

    app.publish(&CustomerReactivated {
        customer_id: customer,
        reactivated_at: Utc::now(),
    })
    .await;
    eventually("the reactivation", || async {
        (customer_active(&app, customer).await == Some(true)).then_some(())
    })
    .await;
    let placed = app.post(&format!("/orders/{next}/place"), None).await;
    assert_eq!(placed.status, StatusCode::ACCEPTED, "{:?}", placed.body);
}

#[tokio::test]
async fn a_deactivation_that_overtakes_the_registration_still_wins() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let customer = Uuid::now_v7();
    let registered_at = Utc::now() - Duration::seconds(60);
    app.publish(&CustomerDeactivated {
        customer_id: customer,
        deactivated_at: registered_at + Duration::seconds(30),
    })
    .await;
    let registration = app.publish(&registered(customer, registered_at)).await;
    eventually("the registration", || async {
        let seen: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inbox_message WHERE event_id = $1)")
                .bind(registration)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        seen.then_some(())
    })
    .await;
    assert_eq!(customer_active(&app, customer).await, Some(false));
    let product = app.seed_product("Blue mug", 1299, Currency::EUR).await;
    let order = app.draft(&customer.to_string()).await;
    app.add_line(&order, &product, 1).await;
    let refused = app.post(&format!("/orders/{order}/place"), None).await;
    assert_eq!(refused.body["code"], "customer-deactivated");
}

#[tokio::test]
async fn read_model_updates_are_idempotent_and_keep_the_newest_state() {
    let app = TestApp::spawn().await;
    let models = ReadModels::new(PgStore);
    let mut conn = app.pool.acquire().await.unwrap();
    let t0 = Utc::now();

    let product = ProductId::new();
    let info = |name: &str, at| ProductInfo {
        id: product,
        name: name.into(),
        price: orderflow_kernel::Money::new(100, Currency::EUR),
        as_of: at,
    };
    assert!(
        models
            .product_changed(&mut conn, &info("Mug", t0))
            .await
            .unwrap()
    );
    assert!(
        !models
            .product_changed(&mut conn, &info("Mug", t0))
            .await
            .unwrap(),
        "replay"
    );
    assert!(
        !models
            .product_changed(&mut conn, &info("Old", t0 - Duration::seconds(1)))
            .await
            .unwrap()
    );
    assert!(
        models
            .product_changed(&mut conn, &info("New", t0 + Duration::seconds(1)))
            .await
            .unwrap()
    );
    assert_eq!(
        product_name(&app, product.as_uuid()).await.as_deref(),
        Some("New")
    );

    // Reactivation before the deactivation it follows: the later one wins either way.
    let customer = CustomerId::new();
    let id = customer.as_uuid();
    models
        .customer_activity_changed(&mut conn, customer, true, t0 + Duration::seconds(20))
        .await
        .unwrap();
    models
        .customer_activity_changed(&mut conn, customer, false, t0 + Duration::seconds(10))
        .await
        .unwrap();
    assert_eq!(customer_active(&app, id).await, Some(true));

    // An email change that overtook the registration keeps the newer address.
    models
        .customer_email_changed(
            &mut conn,
            customer,
            "new@example.com",
            t0 + Duration::seconds(5),
        )
        .await
        .unwrap();
    let registration = CustomerRegistration {
        id: customer,
        name: "Ada Lovelace".into(),
        email: "old@example.com".into(),
        registered_at: t0,
    };
    models
        .customer_registered(&mut conn, &registration)
        .await
        .unwrap();
    models
        .customer_registered(&mut conn, &registration)
        .await
        .unwrap();
    let (name, email, active): (Option<String>, Option<String>, bool) =
        sqlx::query_as("SELECT name, email, active FROM customer_view WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(email.as_deref(), Some("new@example.com"));
    assert!(active);
}

#[tokio::test]
async fn an_email_change_is_applied_to_the_customer_copy() {
    let app = TestApp::spawn().await;
    let _workers = app.start_workers().await;
    let customer = Uuid::now_v7();
    let at = Utc::now();
    app.publish(&registered(customer, at)).await;
    app.publish(&CustomerEmailChanged {
        customer_id: customer,
        old_email: "ada@example.com".into(),
        new_email: "countess@example.com".into(),
        changed_at: at + Duration::seconds(1),
    })
    .await;
    eventually("the new email", || async {
        let email: Option<Option<String>> =
            sqlx::query_scalar("SELECT email FROM customer_view WHERE id = $1")
                .bind(customer)
                .fetch_optional(&app.pool)
                .await
                .unwrap();
        (email.flatten().as_deref() == Some("countess@example.com")).then_some(())
    })
    .await;
}
