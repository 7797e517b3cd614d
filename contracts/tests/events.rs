//! Every contract type survives a JSON round trip and tolerates fields added
//! by a newer producer.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::fmt::Debug;

use chrono::{DateTime, TimeZone, Utc};
use orderflow_contracts::*;
use serde_json::{Value, json};
use uuid::Uuid;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 15, 9, 26).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn eur(amount: i64) -> Money {
    Money::new(amount, "EUR")
}

/// Round-trips `event`, also with an unknown field added, checks its subject
/// is the expected aggregate id, and returns its type for the coverage check.
fn check<E: IntegrationEvent + PartialEq + Debug>(event: E, subject: Uuid) -> &'static str {
    let json = serde_json::to_value(&event).unwrap();
    let back: E = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, event, "{}", E::EVENT_TYPE);

    let mut newer = json;
    let object = newer.as_object_mut().unwrap();
    object.insert("addedInV1_1".into(), json!({ "nested": [1, 2, 3] }));
    let back: E = serde_json::from_value(newer)
        .unwrap_or_else(|err| panic!("{} rejects an unknown field: {err}", E::EVENT_TYPE));
    assert_eq!(back, event);

    assert_eq!(event.subject(), subject.to_string());
    E::EVENT_TYPE
}

fn samples() -> Vec<&'static str> {
    let customer = id(1);
    let order = id(2);
    let product = id(3);
    let payment = id(4);
    let stock_lines = vec![StockLine {
        product_id: product,
        quantity: 2,
    }];
    vec![
        check(
            CustomerRegistered {
                customer_id: customer,
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
                email: "ada@example.com".into(),
                registered_at: at(),
            },
            customer,
        ),
        check(
            CustomerDeactivated {
                customer_id: customer,
                deactivated_at: at(),
            },
            customer,
        ),
        check(
            CustomerReactivated {
                customer_id: customer,
                reactivated_at: at(),
            },
            customer,
        ),
        check(
            CustomerEmailChanged {
                customer_id: customer,
                old_email: "ada@example.com".into(),
                new_email: "ada@lovelace.org".into(),
                changed_at: at(),
            },
            customer,
        ),
        check(
            OrderPlaced {
                order_id: order,
                customer_id: customer,
                lines: vec![OrderLine {
                    product_id: product,
                    product_name: "Analytical Engine".into(),
                    quantity: 2,
                    unit_price: eur(1_250),
                }],
                total: eur(2_500),
                placed_at: at(),
            },
            order,
        ),
        check(
            OrderConfirmed {
                order_id: order,
                customer_id: customer,
                total: eur(2_500),
                confirmed_at: at(),
            },
            order,
        ),
        check(
            OrderCancelled {
                order_id: order,
                customer_id: customer,
                reason: "out of stock".into(),
                cancelled_at: at(),
            },
            order,
        ),
        check(
            OrderCompleted {
                order_id: order,
                customer_id: customer,
                completed_at: at(),
            },
            order,
        ),
        check(
            ProductCreated {
                product_id: product,
                sku: "AE-1".into(),
                name: "Analytical Engine".into(),
                price: eur(1_250),
                created_at: at(),
            },
            product,
        ),
        check(
            ProductUpdated {
                product_id: product,
                name: "Analytical Engine II".into(),
                price: eur(1_500),
                updated_at: at(),
            },
            product,
        ),
        check(
            StockReserved {
                order_id: order,
                lines: stock_lines.clone(),
                reserved_at: at(),
            },
            order,
        ),
        check(
            StockReservationFailed {
                order_id: order,
                reason: "insufficient stock".into(),
                shortages: vec![StockShortage {
                    product_id: product,
                    requested: 2,
                    available: 1,
                }],
                failed_at: at(),
            },
            order,
        ),
        check(
            StockReleased {
                order_id: order,
                released_at: at(),
            },
            order,
        ),
        check(
            StockCommitted {
                order_id: order,
                committed_at: at(),
            },
            order,
        ),
        check(
            PaymentProcessed {
                payment_id: payment,
                order_id: order,
                amount: eur(2_500),
                processed_at: at(),
            },
            order,
        ),
        check(
            PaymentFailed {
                order_id: order,
                amount: eur(2_500),
                reason: "card declined".into(),
                failed_at: at(),
            },
            order,
        ),
        check(
            PaymentRefunded {
                payment_id: payment,
                order_id: order,
                amount: eur(2_500),
                refunded_at: at(),
            },
            order,
        ),
        check(
            ReserveStock {
                order_id: order,
                lines: stock_lines,
            },
            order,
        ),
        check(
            ReleaseStock {
                order_id: order,
                reason: "payment failed".into(),
            },
            order,
        ),
        check(CommitStock { order_id: order }, order),
        check(
            ProcessPayment {
                order_id: order,
                customer_id: customer,
                amount: eur(2_500),
                payment_token: Some("tok_visa".into()),
            },
            order,
        ),
        check(
            RefundPayment {
                order_id: order,
                amount: eur(2_500),
                reason: "stock commit failed".into(),
            },
            order,
        ),
    ]
}

#[test]
fn every_contract_round_trips_and_accepts_unknown_fields() {
    let sampled = samples();
    let sampled_set: BTreeSet<_> = sampled.iter().copied().collect();
    assert_eq!(sampled_set.len(), sampled.len(), "a type is sampled twice");
    let all: BTreeSet<_> = schemas().into_iter().map(|(t, _)| t).collect();
    assert_eq!(sampled_set, all, "every contract needs a sample here");
}

#[test]
fn wire_format_is_camel_case_with_rfc3339_times_and_minor_units() {
    let event = OrderPlaced {
        order_id: id(2),
        customer_id: id(1),
        lines: vec![OrderLine {
            product_id: id(3),
            product_name: "Analytical Engine".into(),
            quantity: 2,
            unit_price: eur(1_250),
        }],
        total: eur(2_500),
        placed_at: at(),
    };
    let expected = json!({
        "orderId": "00000000-0000-0000-0000-000000000002",
        "customerId": "00000000-0000-0000-0000-000000000001",
        "lines": [{
            "productId": "00000000-0000-0000-0000-000000000003",
            "productName": "Analytical Engine",
            "quantity": 2,
            "unitPrice": { "amount": 1250, "currency": "EUR" }
        }],
        "total": { "amount": 2500, "currency": "EUR" },
        "placedAt": "2025-03-14T15:09:26Z"
    });
    assert_eq!(serde_json::to_value(&event).unwrap(), expected);
}

#[test]
fn a_missing_required_field_is_rejected() {
    let json: Value = json!({ "customerId": Uuid::nil() });
    let err = serde_json::from_value::<CustomerDeactivated>(json).unwrap_err();
    assert!(err.to_string().contains("deactivatedAt"), "{err}");
}

#[test]
fn contract_metadata() {
    assert_eq!(
        CustomerRegistered::EVENT_TYPE,
        "orderflow.customer.registered.v1"
    );
    assert_eq!(CustomerRegistered::SOURCE, "/orderflow/customer");
    assert_eq!(CustomerRegistered::TOPIC, "orderflow.customer.events");
    assert_eq!(OrderPlaced::EVENT_TYPE, "orderflow.order.placed.v1");
    assert_eq!(
        ReserveStock::EVENT_TYPE,
        "orderflow.inventory.reserve-stock.v1"
    );
    assert_eq!(ReserveStock::TOPIC, "orderflow.inventory.commands");
    assert_eq!(ReserveStock::SOURCE, "/orderflow/order");
    assert_eq!(ProcessPayment::TOPIC, "orderflow.payment.commands");
    assert_eq!(
        topic_of(StockReservationFailed::EVENT_TYPE).map(|t| t.name),
        Some("orderflow.inventory.events")
    );
}
