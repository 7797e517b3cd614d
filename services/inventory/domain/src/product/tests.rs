#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone};
use orderflow_kernel::Currency;

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 0).unwrap()
}

fn later(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

fn qty(n: u32) -> Quantity {
    Quantity::new(n).unwrap()
}

fn name(s: &str) -> ProductName {
    ProductName::new(s).unwrap()
}

/// A mug with `on_hand` units in stock and its creation event drained.
fn mug(on_hand: u32) -> Product {
    let mut product = Product::create(
        ProductId::new(),
        Sku::parse("MUG-1").unwrap(),
        name("Blue mug"),
        eur(450),
        on_hand,
        t0(),
    )
    .unwrap();
    product.take_events();
    product
}

/// A mug with `on_hand` units of which `reserved` are held.
fn mug_with_reserved(on_hand: u32, reserved: u32) -> Product {
    let mut product = mug(on_hand);
    product.reserve(qty(reserved)).unwrap();
    product
}

fn counts(product: &Product) -> (u32, u32, u32) {
    (
        product.stock_on_hand(),
        product.reserved(),
        product.available(),
    )
}

// --- create and update ----------------------------------------------------------

#[test]
fn create_sets_fields_and_records_product_created() {
    let id = ProductId::new();
    let sku = Sku::parse("mug-1").unwrap();
    let product = Product::create(id, sku.clone(), name("Blue mug"), eur(450), 12, t0()).unwrap();
    assert_eq!(product.id(), id);
    assert_eq!(product.sku().as_str(), "MUG-1");
    assert_eq!(product.name().as_str(), "Blue mug");
    assert_eq!(product.price(), eur(450));
    assert_eq!(counts(&product), (12, 0, 12));
    assert_eq!(product.created_at(), t0());
    assert_eq!(product.updated_at(), t0());
    assert_eq!(
        product.pending_events(),
        [ProductEvent::Created {
            product_id: id,
            sku,
            name: name("Blue mug"),
            price: eur(450),
            stock_on_hand: 12,
            occurred_at: t0(),
        }]
    );
}

#[test]
fn create_allows_zero_price_and_zero_stock_but_not_a_negative_price() {
    let free = Product::create(
        ProductId::new(),
        Sku::parse("STICKER").unwrap(),
        name("Sticker"),
        eur(0),
        0,
        t0(),
    )
    .unwrap();
    assert_eq!(counts(&free), (0, 0, 0));
    let err = Product::create(
        ProductId::new(),
        Sku::parse("MUG").unwrap(),
        name("Mug"),
        eur(-1),
        1,
        t0(),
    )
    .unwrap_err();
    assert_eq!(err, InventoryError::NegativePrice { price: eur(-1) });
}

#[test]
fn update_replaces_name_and_price_and_records_both() {
    let mut product = mug(5);
    product.update(name("Red mug"), eur(500), later(1)).unwrap();
    assert_eq!(product.name().as_str(), "Red mug");
    assert_eq!(product.price(), eur(500));
    assert_eq!(product.updated_at(), later(1));
    assert_eq!(
        product.take_events(),
        [ProductEvent::Updated {
            product_id: product.id(),
            name: name("Red mug"),
            price: eur(500),
            occurred_at: later(1),
        }]
    );
}

#[test]
fn update_with_unchanged_values_is_a_no_op() {
    let mut product = mug(5);
    product
        .update(name("Blue mug"), eur(450), later(1))
        .unwrap();
    assert!(product.pending_events().is_empty());
    assert_eq!(product.updated_at(), t0());
}

#[test]
fn update_price_only_records_an_event() {
    let mut product = mug(5);
    product
        .update(name("Blue mug"), eur(451), later(1))
        .unwrap();
    assert_eq!(product.take_events().len(), 1);
    assert_eq!(product.price(), eur(451));
}

#[test]
fn update_refuses_negative_price_and_changes_nothing() {
    let mut product = mug(5);
    assert_eq!(
        product.update(name("Red mug"), eur(-5), later(1)),
        Err(InventoryError::NegativePrice { price: eur(-5) })
    );
    assert_eq!(product.name().as_str(), "Blue mug");
    assert_eq!(product.price(), eur(450));
    assert!(product.pending_events().is_empty());
}

// --- adjust_stock -----------------------------------------------------------------

#[test]
fn adjust_stock_adds_and_removes_and_records_the_resulting_count() {
    let mut product = mug(10);
    product
        .adjust_stock(5, " goods received ", later(1))
        .unwrap();
    product
        .adjust_stock(-3, "broken in transit", later(2))
        .unwrap();
    assert_eq!(counts(&product), (12, 0, 12));
    assert_eq!(product.updated_at(), later(2));
    assert_eq!(
        product.take_events(),
        [
            ProductEvent::StockAdjusted {
                product_id: product.id(),
                delta: 5,
                reason: "goods received".to_owned(),
                stock_on_hand: 15,
                occurred_at: later(1),
            },
            ProductEvent::StockAdjusted {
                product_id: product.id(),
                delta: -3,
                reason: "broken in transit".to_owned(),
                stock_on_hand: 12,
                occurred_at: later(2),
            },
        ]
    );
}

#[test]
fn adjust_stock_requires_a_reason() {
    let mut product = mug(10);
    for blank in ["", "   ", "\n\t"] {
        assert_eq!(
            product.adjust_stock(1, blank, later(1)),
            Err(InventoryError::ReasonRequired),
            "{blank:?}"
        );
    }
    assert_eq!(product.stock_on_hand(), 10);
    assert!(product.pending_events().is_empty());
}

#[test]
fn adjust_stock_reason_limit_is_500_characters() {
    let mut product = mug(10);
    assert_eq!(
        product.adjust_stock(1, &"x".repeat(501), later(1)),
        Err(InventoryError::ReasonTooLong {
            max: 500,
            actual: 501
        })
    );
    product.adjust_stock(1, &"é".repeat(500), later(1)).unwrap();
    assert_eq!(product.stock_on_hand(), 11);
}

#[test]
fn adjust_stock_refuses_a_zero_delta_after_checking_the_reason() {
    let mut product = mug(10);
    assert_eq!(
        product.adjust_stock(0, "recount", later(1)),
        Err(InventoryError::ZeroAdjustment)
    );
    assert_eq!(
        product.adjust_stock(0, " ", later(1)),
        Err(InventoryError::ReasonRequired)
    );
    assert!(product.pending_events().is_empty());
}

#[test]
fn adjust_stock_never_goes_below_reserved() {
    let mut product = mug_with_reserved(10, 4);
    assert_eq!(
        product.adjust_stock(-7, "stolen", later(1)),
        Err(InventoryError::BelowReserved {
            stock_on_hand: 10,
            reserved: 4,
            delta: -7
        })
    );
    assert_eq!(counts(&product), (10, 4, 6));
    assert!(product.pending_events().is_empty());
}

#[test]
fn adjust_stock_may_remove_exactly_the_available_units() {
    let mut product = mug_with_reserved(10, 4);
    product.adjust_stock(-6, "damaged", later(1)).unwrap();
    assert_eq!(counts(&product), (4, 4, 0));
}

#[test]
fn adjust_stock_never_goes_negative_without_reservations() {
    let mut product = mug(3);
    assert_eq!(
        product.adjust_stock(-4, "recount", later(1)),
        Err(InventoryError::BelowReserved {
            stock_on_hand: 3,
            reserved: 0,
            delta: -4
        })
    );
    assert_eq!(
        product.adjust_stock(i64::MIN, "recount", later(1)),
        Err(InventoryError::BelowReserved {
            stock_on_hand: 3,
            reserved: 0,
            delta: i64::MIN
        })
    );
    product.adjust_stock(-3, "recount", later(1)).unwrap();
    assert_eq!(product.stock_on_hand(), 0);
}

#[test]
fn adjust_stock_refuses_to_overflow_the_counter() {
    let mut product = mug(u32::MAX - 1);
    assert_eq!(
        product.adjust_stock(2, "delivery", later(1)),
        Err(InventoryError::StockOverflow {
            stock_on_hand: u32::MAX - 1,
            delta: 2
        })
    );
    assert!(matches!(
        product.adjust_stock(i64::MAX, "delivery", later(1)),
        Err(InventoryError::StockOverflow { .. })
    ));
    product.adjust_stock(1, "delivery", later(1)).unwrap();
    assert_eq!(product.stock_on_hand(), u32::MAX);
}

// --- reserve, release, commit ---------------------------------------------------

#[test]
fn available_is_on_hand_minus_reserved() {
    let mut product = mug(10);
    product.reserve(qty(3)).unwrap();
    assert_eq!(counts(&product), (10, 3, 7));
    product.reserve(qty(7)).unwrap();
    assert_eq!(counts(&product), (10, 10, 0));
    product.release(qty(4)).unwrap();
    assert_eq!(counts(&product), (10, 6, 4));
    product.commit(qty(6)).unwrap();
    assert_eq!(counts(&product), (4, 0, 4));
}

#[test]
fn reserve_refuses_more_than_available_and_changes_nothing() {
    let mut product = mug_with_reserved(10, 8);
    assert_eq!(
        product.reserve(qty(3)),
        Err(InventoryError::Insufficient {
            requested: 3,
            available: 2
        })
    );
    assert_eq!(counts(&product), (10, 8, 2));
}

#[test]
fn reserve_on_empty_stock_reports_zero_available() {
    let mut product = mug(0);
    assert_eq!(
        product.reserve(qty(1)),
        Err(InventoryError::Insufficient {
            requested: 1,
            available: 0
        })
    );
}

#[test]
fn reserve_release_commit_and_return_record_no_product_events() {
    let mut product = mug(10);
    product.reserve(qty(5)).unwrap();
    product.release(qty(1)).unwrap();
    product.commit(qty(2)).unwrap();
    product.return_stock(qty(2)).unwrap();
    assert!(product.pending_events().is_empty());
    assert_eq!(product.updated_at(), t0());
}

#[test]
fn release_refuses_more_than_reserved() {
    let mut product = mug_with_reserved(10, 2);
    assert_eq!(
        product.release(qty(3)),
        Err(InventoryError::ExceedsReserved {
            requested: 3,
            reserved: 2
        })
    );
    assert_eq!(counts(&product), (10, 2, 8));
}

#[test]
fn commit_removes_from_on_hand_and_reserved_leaving_available_unchanged() {
    let mut product = mug_with_reserved(10, 4);
    product.commit(qty(3)).unwrap();
    assert_eq!(counts(&product), (7, 1, 6));
}

#[test]
fn commit_refuses_more_than_reserved() {
    let mut product = mug_with_reserved(10, 2);
    assert_eq!(
        product.commit(qty(5)),
        Err(InventoryError::ExceedsReserved {
            requested: 5,
            reserved: 2
        })
    );
    assert_eq!(counts(&product), (10, 2, 8));
}

#[test]
fn return_stock_puts_sold_units_back_on_hand_and_available() {
    let mut product = mug_with_reserved(10, 4);
    product.commit(qty(3)).unwrap();
    assert_eq!(counts(&product), (7, 1, 6));
    product.return_stock(qty(3)).unwrap();
    assert_eq!(counts(&product), (10, 1, 9), "reserved units stay held");
}

#[test]
fn return_stock_works_on_an_empty_shelf() {
    let mut product = mug(0);
    product.return_stock(qty(2)).unwrap();
    assert_eq!(counts(&product), (2, 0, 2));
}

#[test]
fn return_stock_refuses_to_overflow_the_counter_and_changes_nothing() {
    let mut product = mug(u32::MAX - 1);
    assert_eq!(
        product.return_stock(qty(2)),
        Err(InventoryError::StockOverflow {
            stock_on_hand: u32::MAX - 1,
            delta: 2
        })
    );
    assert_eq!(product.stock_on_hand(), u32::MAX - 1);
    product.return_stock(qty(1)).unwrap();
    assert_eq!(product.stock_on_hand(), u32::MAX);
}

#[test]
fn available_saturates_for_inconsistent_restored_state() {
    let mut snapshot = mug(2).snapshot();
    snapshot.reserved = 5;
    let mut product = Product::restore(snapshot);
    assert_eq!(product.available(), 0);
    assert!(matches!(
        product.reserve(qty(1)),
        Err(InventoryError::Insufficient { available: 0, .. })
    ));
    assert_eq!(
        product.commit(qty(4)),
        Err(InventoryError::ExceedsReserved {
            requested: 4,
            reserved: 2
        })
    );
    assert_eq!(counts(&product), (2, 5, 0));
}

// --- snapshots ----------------------------------------------------------------------

#[test]
fn snapshot_round_trips_through_restore_without_events() {
    let mut product = mug_with_reserved(10, 3);
    product.update(name("Red mug"), eur(500), later(5)).unwrap();
    let snapshot = product.snapshot();
    assert_eq!(snapshot.stock_on_hand, 10);
    assert_eq!(snapshot.reserved, 3);
    assert_eq!(snapshot.updated_at, later(5));
    let restored = Product::restore(snapshot.clone());
    assert!(restored.pending_events().is_empty());
    assert_eq!(restored.snapshot(), snapshot);
    assert_eq!(counts(&restored), (10, 3, 7));
}

#[test]
fn snapshot_serde_is_camel_case_and_round_trips() {
    let snapshot = mug_with_reserved(10, 3).snapshot();
    let value = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(value["sku"], "MUG-1");
    assert_eq!(value["stockOnHand"], 10);
    assert_eq!(value["reserved"], 3);
    assert_eq!(
        value["price"],
        serde_json::json!({"amount": 450, "currency": "EUR"})
    );
    assert!(value.get("available").is_none());
    assert_eq!(
        serde_json::from_value::<ProductSnapshot>(value).unwrap(),
        snapshot
    );
}
