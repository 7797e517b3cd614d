#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone};
use orderflow_kernel::{Currency, Money};
use serde_json::json;

use super::*;
use crate::{ProductId, ProductName, Quantity, Sku, reserve_all};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 0).unwrap()
}

fn later(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

fn product(sku: &str, on_hand: u32) -> Product {
    let mut product = Product::create(
        ProductId::new(),
        Sku::parse(sku).unwrap(),
        ProductName::new(sku).unwrap(),
        Money::new(100, Currency::EUR),
        on_hand,
        t0(),
    )
    .unwrap();
    product.take_events();
    product
}

fn line(product_id: ProductId, quantity: u32) -> StockLine {
    StockLine::new(product_id, Quantity::new(quantity).unwrap())
}

/// (on hand, reserved, available) of every product, in order.
fn counts(products: &[Product]) -> Vec<(u32, u32, u32)> {
    products
        .iter()
        .map(|p| (p.stock_on_hand(), p.reserved(), p.available()))
        .collect()
}

/// Three products with 10, 5 and 2 units on hand.
fn shelf() -> Vec<Product> {
    vec![product("MUG", 10), product("PLATE", 5), product("BOWL", 2)]
}

fn pending(products: &[Product], quantities: &[u32]) -> Reservation {
    let lines: Vec<_> = products
        .iter()
        .zip(quantities)
        .map(|(p, q)| line(p.id(), *q))
        .collect();
    Reservation::new(OrderId::new(), &lines, t0()).unwrap()
}

/// A reservation of 3 mugs, 1 plate and 2 bowls, reserved from `products`,
/// with its events drained.
fn reserved(products: &mut [Product]) -> Reservation {
    let mut reservation = pending(products, &[3, 1, 2]);
    assert!(
        reservation
            .reserve(products, later(1))
            .unwrap()
            .is_reserved()
    );
    reservation.take_events();
    reservation
}

fn committed(products: &mut [Product]) -> Reservation {
    let mut reservation = reserved(products);
    assert_eq!(
        reservation.commit(products, later(2)).unwrap(),
        CommitOutcome::Committed
    );
    reservation.take_events();
    reservation
}

fn released(products: &mut [Product]) -> Reservation {
    let mut reservation = reserved(products);
    assert_eq!(
        reservation.release(products, later(2)).unwrap(),
        ReleaseOutcome::Released
    );
    reservation.take_events();
    reservation
}

/// A failed reservation asking for 11 mugs (10 on hand), events drained.
fn failed(products: &mut [Product]) -> Reservation {
    let mut reservation = pending(products, &[11]);
    let outcome = reservation.reserve(products, later(1)).unwrap();
    assert!(matches!(outcome, ReservationOutcome::Failed { .. }));
    reservation.take_events();
    reservation
}

// --- new ------------------------------------------------------------------------

#[test]
fn new_starts_pending_and_merges_lines_for_the_same_product() {
    let (a, b) = (ProductId::new(), ProductId::new());
    let order_id = OrderId::new();
    let reservation =
        Reservation::new(order_id, &[line(a, 2), line(b, 1), line(a, 3)], t0()).unwrap();
    assert_eq!(reservation.order_id(), order_id);
    assert_eq!(reservation.lines(), [line(a, 5), line(b, 1)]);
    assert_eq!(reservation.status(), &ReservationStatus::Pending);
    assert_eq!(reservation.outcome(), None);
    assert_eq!(reservation.created_at(), t0());
    assert!(!reservation.holds_stock());
    assert!(reservation.pending_events().is_empty());
}

#[test]
fn new_refuses_no_lines_and_overflowing_quantities() {
    assert_eq!(
        Reservation::new(OrderId::new(), &[], t0()).unwrap_err(),
        InventoryError::EmptyReservation
    );
    let id = ProductId::new();
    assert_eq!(
        Reservation::new(OrderId::new(), &[line(id, u32::MAX), line(id, 1)], t0()).unwrap_err(),
        InventoryError::QuantityOverflow
    );
}

// --- reserve: all or nothing ------------------------------------------------------

#[test]
fn reserve_holds_every_line_and_records_stock_reserved() {
    let mut products = shelf();
    let mut reservation = pending(&products, &[3, 1, 2]);
    let outcome = reservation.reserve(&mut products, later(1)).unwrap();
    let expected_lines = reservation.lines().to_vec();
    assert_eq!(
        outcome,
        ReservationOutcome::Reserved {
            lines: expected_lines.clone()
        }
    );
    assert_eq!(counts(&products), [(10, 3, 7), (5, 1, 4), (2, 2, 0)]);
    assert_eq!(reservation.status(), &ReservationStatus::Reserved);
    assert!(reservation.holds_stock());
    assert_eq!(reservation.reserved_at(), Some(later(1)));
    assert_eq!(
        reservation.take_events(),
        [ReservationEvent::Reserved {
            order_id: reservation.order_id(),
            lines: expected_lines,
            occurred_at: later(1),
        }]
    );
}

#[test]
fn one_short_line_reserves_nothing() {
    let mut products = shelf();
    let mut reservation = pending(&products, &[3, 1, 3]);
    let outcome = reservation.reserve(&mut products, later(1)).unwrap();
    assert_eq!(
        outcome,
        ReservationOutcome::Failed {
            shortages: vec![StockShortage {
                product_id: products[2].id(),
                requested: 3,
                available: 2,
            }]
        }
    );
    assert_eq!(counts(&products), [(10, 0, 10), (5, 0, 5), (2, 0, 2)]);
    assert_eq!(reservation.failed_at(), Some(later(1)));
    assert_eq!(reservation.reserved_at(), None);
    assert!(!reservation.holds_stock());
}

#[test]
fn every_shortage_is_named_in_line_order_and_recorded() {
    let mut products = shelf();
    let mut reservation = pending(&products, &[11, 1, 9]);
    let outcome = reservation.reserve(&mut products, later(1)).unwrap();
    let shortages = vec![
        StockShortage {
            product_id: products[0].id(),
            requested: 11,
            available: 10,
        },
        StockShortage {
            product_id: products[2].id(),
            requested: 9,
            available: 2,
        },
    ];
    assert_eq!(
        outcome,
        ReservationOutcome::Failed {
            shortages: shortages.clone()
        }
    );
    assert_eq!(reservation.shortages(), shortages.as_slice());
    assert_eq!(
        reservation.status(),
        &ReservationStatus::Failed {
            shortages: shortages.clone()
        }
    );
    assert_eq!(
        reservation.take_events(),
        [ReservationEvent::ReservationFailed {
            order_id: reservation.order_id(),
            shortages,
            occurred_at: later(1),
        }]
    );
    assert_eq!(counts(&products), [(10, 0, 10), (5, 0, 5), (2, 0, 2)]);
}

#[test]
fn unknown_product_is_a_shortage_with_nothing_available() {
    let mut products = shelf();
    let unknown = ProductId::new();
    let mut reservation = Reservation::new(
        OrderId::new(),
        &[line(products[0].id(), 1), line(unknown, 4)],
        t0(),
    )
    .unwrap();
    let outcome = reservation.reserve(&mut products, later(1)).unwrap();
    assert_eq!(
        outcome,
        ReservationOutcome::Failed {
            shortages: vec![StockShortage {
                product_id: unknown,
                requested: 4,
                available: 0,
            }]
        }
    );
    assert_eq!(products[0].reserved(), 0);
}

#[test]
fn reserving_exactly_what_is_available_succeeds() {
    let mut products = shelf();
    let mut reservation = pending(&products, &[10, 5, 2]);
    assert!(
        reservation
            .reserve(&mut products, later(1))
            .unwrap()
            .is_reserved()
    );
    assert_eq!(counts(&products), [(10, 10, 0), (5, 5, 0), (2, 2, 0)]);
}

#[test]
fn competing_orders_never_oversell_the_last_units() {
    let mut products = shelf();
    let mut first = pending(&products, &[8]);
    let mut second = pending(&products, &[3]);
    assert!(
        first
            .reserve(&mut products, later(1))
            .unwrap()
            .is_reserved()
    );
    assert_eq!(
        second.reserve(&mut products, later(1)).unwrap(),
        ReservationOutcome::Failed {
            shortages: vec![StockShortage {
                product_id: products[0].id(),
                requested: 3,
                available: 2,
            }]
        }
    );
    assert_eq!(counts(&products)[0], (10, 8, 2));
}

#[test]
fn released_stock_can_be_reserved_by_another_order() {
    let mut products = shelf();
    released(&mut products);
    let mut other = pending(&products, &[10, 5, 2]);
    assert!(
        other
            .reserve(&mut products, later(3))
            .unwrap()
            .is_reserved()
    );
}

// --- reserve_all (the stateless domain service) ---------------------------------

#[test]
fn reserve_all_adds_up_lines_for_the_same_product_before_checking() {
    let mut products = shelf();
    let bowl = products[2].id();
    assert_eq!(
        reserve_all(&[line(bowl, 1), line(bowl, 2)], &mut products).unwrap(),
        ReservationOutcome::Failed {
            shortages: vec![StockShortage {
                product_id: bowl,
                requested: 3,
                available: 2,
            }]
        }
    );
    assert_eq!(products[2].reserved(), 0);
    assert_eq!(
        reserve_all(&[line(bowl, 1), line(bowl, 1)], &mut products).unwrap(),
        ReservationOutcome::Reserved {
            lines: vec![line(bowl, 2)]
        }
    );
    assert_eq!(counts(&products)[2], (2, 2, 0));
}

#[test]
fn reserve_all_refuses_no_lines_and_without_products_everything_is_short() {
    let mut products = shelf();
    assert_eq!(
        reserve_all(&[], &mut products),
        Err(InventoryError::EmptyReservation)
    );
    let (a, b) = (ProductId::new(), ProductId::new());
    let outcome = reserve_all(&[line(a, 1), line(b, 2)], &mut []).unwrap();
    let ReservationOutcome::Failed { shortages } = outcome else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert_eq!(
        shortages
            .iter()
            .map(|s| (s.product_id, s.requested, s.available))
            .collect::<Vec<_>>(),
        [(a, 1, 0), (b, 2, 0)]
    );
}

// --- reserve: redeliveries --------------------------------------------------------

#[test]
fn reserve_twice_answers_the_same_outcome_without_reserving_again() {
    let mut products = shelf();
    let mut reservation = reserved(&mut products);
    let before = counts(&products);
    let again = reservation.reserve(&mut products, later(5)).unwrap();
    assert_eq!(
        again,
        ReservationOutcome::Reserved {
            lines: reservation.lines().to_vec()
        }
    );
    assert_eq!(counts(&products), before);
    assert!(reservation.pending_events().is_empty());
    assert_eq!(reservation.reserved_at(), Some(later(1)));
}

#[test]
fn failed_reservation_redelivered_fails_again_even_after_restocking() {
    let mut products = shelf();
    let mut reservation = failed(&mut products);
    products[0].adjust_stock(50, "delivery", later(2)).unwrap();
    let again = reservation.reserve(&mut products, later(3)).unwrap();
    assert_eq!(
        again,
        ReservationOutcome::Failed {
            shortages: vec![StockShortage {
                product_id: products[0].id(),
                requested: 11,
                available: 10,
            }]
        }
    );
    assert_eq!(products[0].reserved(), 0);
    assert!(reservation.pending_events().is_empty());
}

#[test]
fn reserve_after_release_does_not_reserve_again() {
    let mut products = shelf();
    let mut reservation = released(&mut products);
    assert_eq!(
        reservation.reserve(&mut products, later(3)).unwrap(),
        ReservationOutcome::AlreadyReleased
    );
    assert_eq!(counts(&products), [(10, 0, 10), (5, 0, 5), (2, 0, 2)]);
    assert_eq!(reservation.status(), &ReservationStatus::Released);
    assert!(reservation.pending_events().is_empty());
}

#[test]
fn reserve_after_commit_answers_reserved_without_touching_stock() {
    let mut products = shelf();
    let mut reservation = committed(&mut products);
    let before = counts(&products);
    let again = reservation.reserve(&mut products, later(3)).unwrap();
    assert!(again.is_reserved());
    assert_eq!(counts(&products), before);
    assert_eq!(reservation.status(), &ReservationStatus::Committed);
}

// --- release ------------------------------------------------------------------------

#[test]
fn release_gives_the_stock_back_and_records_stock_released() {
    let mut products = shelf();
    let mut reservation = reserved(&mut products);
    let outcome = reservation.release(&mut products, later(2)).unwrap();
    assert_eq!(outcome, ReleaseOutcome::Released);
    assert!(outcome.changed_stock());
    assert_eq!(counts(&products), [(10, 0, 10), (5, 0, 5), (2, 0, 2)]);
    assert_eq!(reservation.status(), &ReservationStatus::Released);
    assert_eq!(reservation.released_at(), Some(later(2)));
    assert_eq!(
        reservation.take_events(),
        [ReservationEvent::Released {
            order_id: reservation.order_id(),
            lines: reservation.lines().to_vec(),
            returned: false,
            occurred_at: later(2),
        }]
    );
}

#[test]
fn release_twice_is_a_no_op() {
    let mut products = shelf();
    let mut reservation = released(&mut products);
    let mut other = pending(&products, &[4]);
    other.reserve(&mut products, later(3)).unwrap();
    let outcome = reservation.release(&mut products, later(4)).unwrap();
    assert_eq!(outcome, ReleaseOutcome::AlreadyReleased);
    assert!(!outcome.changed_stock());
    assert_eq!(products[0].reserved(), 4, "another order's units stay held");
    assert_eq!(reservation.released_at(), Some(later(2)));
    assert!(reservation.pending_events().is_empty());
}

#[test]
fn release_of_a_failed_reservation_is_a_no_op() {
    let mut products = shelf();
    let mut other = pending(&products, &[2]);
    other.reserve(&mut products, later(1)).unwrap();
    let mut reservation = failed(&mut products);
    let outcome = reservation.release(&mut products, later(2)).unwrap();
    assert_eq!(outcome, ReleaseOutcome::NothingReserved);
    assert!(!outcome.changed_stock());
    assert_eq!(products[0].reserved(), 2);
    assert!(matches!(
        reservation.status(),
        ReservationStatus::Failed { .. }
    ));
    assert!(reservation.pending_events().is_empty());
}

#[test]
fn release_of_a_pending_reservation_blocks_a_later_reserve() {
    let mut products = shelf();
    let mut reservation = pending(&products, &[1]);
    assert_eq!(
        reservation.release(&mut products, later(1)).unwrap(),
        ReleaseOutcome::NothingReserved
    );
    assert_eq!(reservation.status(), &ReservationStatus::Released);
    assert_eq!(
        reservation.reserve(&mut products, later(2)).unwrap(),
        ReservationOutcome::AlreadyReleased
    );
    assert_eq!(products[0].reserved(), 0);
    assert!(reservation.pending_events().is_empty());
}

#[test]
fn release_before_reserve_leaves_a_marker_that_refuses_the_late_reserve() {
    let mut products = shelf();
    let order_id = OrderId::new();
    let mut marker = Reservation::released_before_reserve(order_id, later(1));
    assert_eq!(marker.order_id(), order_id);
    assert!(marker.lines().is_empty());
    assert_eq!(marker.released_at(), Some(later(1)));
    assert!(marker.pending_events().is_empty());
    assert_eq!(
        marker.release(&mut products, later(2)).unwrap(),
        ReleaseOutcome::AlreadyReleased
    );
    assert_eq!(
        marker.reserve(&mut products, later(3)).unwrap(),
        ReservationOutcome::AlreadyReleased
    );
    assert_eq!(counts(&products), [(10, 0, 10), (5, 0, 5), (2, 0, 2)]);
}

// --- release after commit: the cancelled order's goods come back ---------------------

#[test]
fn release_after_commit_returns_the_goods_to_stock_and_records_it() {
    let mut products = shelf();
    let mut reservation = committed(&mut products);
    assert_eq!(counts(&products), [(7, 0, 7), (4, 0, 4), (0, 0, 0)]);
    let outcome = reservation.release(&mut products, later(5)).unwrap();
    assert_eq!(outcome, ReleaseOutcome::Returned);
    assert!(outcome.changed_stock());
    assert_eq!(counts(&products), [(10, 0, 10), (5, 0, 5), (2, 0, 2)]);
    assert_eq!(reservation.status(), &ReservationStatus::Released);
    assert!(reservation.status().is_final());
    assert!(!reservation.holds_stock());
    assert_eq!(reservation.released_at(), Some(later(5)));
    assert_eq!(
        reservation.committed_at(),
        Some(later(2)),
        "history is kept"
    );
    assert_eq!(
        reservation.take_events(),
        [ReservationEvent::Released {
            order_id: reservation.order_id(),
            lines: reservation.lines().to_vec(),
            returned: true,
            occurred_at: later(5),
        }]
    );
}

#[test]
fn returned_goods_leave_other_orders_reservations_alone() {
    let mut products = shelf();
    let mut reservation = committed(&mut products);
    let mut other = pending(&products, &[4, 4]);
    assert!(
        other
            .reserve(&mut products, later(3))
            .unwrap()
            .is_reserved()
    );
    assert_eq!(counts(&products)[..2], [(7, 4, 3), (4, 4, 0)]);
    reservation.release(&mut products, later(5)).unwrap();
    assert_eq!(counts(&products)[..2], [(10, 4, 6), (5, 4, 1)]);
}

#[test]
fn returned_goods_can_be_sold_again() {
    let mut products = shelf();
    let mut reservation = committed(&mut products);
    reservation.release(&mut products, later(5)).unwrap();
    let mut other = pending(&products, &[10, 5, 2]);
    assert!(
        other
            .reserve(&mut products, later(6))
            .unwrap()
            .is_reserved()
    );
}

#[test]
fn a_redelivered_release_after_a_return_returns_nothing_twice() {
    let mut products = shelf();
    let mut reservation = committed(&mut products);
    reservation.release(&mut products, later(5)).unwrap();
    reservation.take_events();
    let outcome = reservation.release(&mut products, later(6)).unwrap();
    assert_eq!(outcome, ReleaseOutcome::AlreadyReleased);
    assert_eq!(counts(&products), [(10, 0, 10), (5, 0, 5), (2, 0, 2)]);
    assert_eq!(reservation.released_at(), Some(later(5)));
    assert!(reservation.pending_events().is_empty());
}

#[test]
fn after_a_return_reserve_is_refused_and_commit_is_an_error() {
    let mut products = shelf();
    let mut reservation = committed(&mut products);
    reservation.release(&mut products, later(5)).unwrap();
    assert_eq!(
        reservation.reserve(&mut products, later(6)).unwrap(),
        ReservationOutcome::AlreadyReleased
    );
    assert_eq!(
        reservation.commit(&mut products, later(6)).unwrap_err(),
        InventoryError::NotCommittable {
            order_id: reservation.order_id(),
            status: ReservationStatus::Released,
        }
    );
    assert_eq!(counts(&products), [(10, 0, 10), (5, 0, 5), (2, 0, 2)]);
}

#[test]
fn a_return_is_all_or_nothing() {
    let mut products = shelf();
    let mut reservation = committed(&mut products);
    let bowl_id = products[2].id();
    let mut without_bowl = products[..2].to_vec();
    assert_eq!(
        reservation.release(&mut without_bowl, later(5)),
        Err(InventoryError::ProductNotFound {
            product_id: bowl_id
        })
    );
    assert_eq!(counts(&without_bowl), [(7, 0, 7), (4, 0, 4)]);

    let mut snapshot = products[2].snapshot();
    snapshot.stock_on_hand = u32::MAX - 1;
    products[2] = Product::restore(snapshot);
    assert_eq!(
        reservation.release(&mut products, later(5)),
        Err(InventoryError::StockOverflow {
            stock_on_hand: u32::MAX - 1,
            delta: 2
        })
    );
    assert_eq!(counts(&products)[..2], [(7, 0, 7), (4, 0, 4)]);
    assert_eq!(reservation.status(), &ReservationStatus::Committed);
    assert_eq!(reservation.released_at(), None);
    assert!(reservation.pending_events().is_empty());
}

#[test]
fn release_with_a_missing_product_changes_nothing() {
    let mut products = shelf();
    let mut reservation = reserved(&mut products);
    let bowl_id = products[2].id();
    let mut without_bowl = products[..2].to_vec();
    assert_eq!(
        reservation.release(&mut without_bowl, later(2)),
        Err(InventoryError::ProductNotFound {
            product_id: bowl_id
        })
    );
    assert_eq!(counts(&without_bowl), [(10, 3, 7), (5, 1, 4)]);
    assert_eq!(reservation.status(), &ReservationStatus::Reserved);
    assert!(reservation.pending_events().is_empty());
}

// --- commit ---------------------------------------------------------------------------

#[test]
fn commit_turns_the_held_stock_into_a_sale() {
    let mut products = shelf();
    let mut reservation = reserved(&mut products);
    assert_eq!(
        reservation.commit(&mut products, later(2)).unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(counts(&products), [(7, 0, 7), (4, 0, 4), (0, 0, 0)]);
    assert_eq!(reservation.status(), &ReservationStatus::Committed);
    assert_eq!(reservation.committed_at(), Some(later(2)));
    assert!(!reservation.holds_stock());
    assert_eq!(
        reservation.take_events(),
        [ReservationEvent::Committed {
            order_id: reservation.order_id(),
            lines: reservation.lines().to_vec(),
            occurred_at: later(2),
        }]
    );
}

#[test]
fn commit_twice_is_a_no_op() {
    let mut products = shelf();
    let mut reservation = committed(&mut products);
    let before = counts(&products);
    assert_eq!(
        reservation.commit(&mut products, later(5)).unwrap(),
        CommitOutcome::AlreadyCommitted
    );
    assert_eq!(counts(&products), before);
    assert_eq!(reservation.committed_at(), Some(later(2)));
    assert!(reservation.pending_events().is_empty());
}

#[test]
fn commit_without_held_stock_is_an_error() {
    let mut products = shelf();
    let mut cases = vec![
        pending(&products, &[1]),
        failed(&mut products),
        released(&mut products),
    ];
    for reservation in &mut cases {
        let status = reservation.status().clone();
        let err = reservation.commit(&mut products, later(5)).unwrap_err();
        assert_eq!(err.code(), "reservation-not-committable");
        assert_eq!(
            err,
            InventoryError::NotCommittable {
                order_id: reservation.order_id(),
                status: status.clone(),
            }
        );
        assert_eq!(reservation.status(), &status);
    }
    assert_eq!(counts(&products), [(10, 0, 10), (5, 0, 5), (2, 0, 2)]);
}

#[test]
fn commit_is_all_or_nothing_when_a_product_holds_too_little() {
    let mut products = shelf();
    let mut reservation = reserved(&mut products);
    let mut snapshot = products[2].snapshot();
    snapshot.reserved = 1;
    products[2] = Product::restore(snapshot);
    assert_eq!(
        reservation.commit(&mut products, later(2)),
        Err(InventoryError::ExceedsReserved {
            requested: 2,
            reserved: 1
        })
    );
    assert_eq!(counts(&products), [(10, 3, 7), (5, 1, 4), (2, 1, 1)]);
    assert_eq!(reservation.status(), &ReservationStatus::Reserved);
}

// --- outcome, status and snapshots --------------------------------------------

#[test]
fn failure_reasons_are_stable_phrases_and_shortages_carry_the_numbers() {
    let outcome = ReservationOutcome::Failed {
        shortages: vec![StockShortage {
            product_id: ProductId::new(),
            requested: 3,
            available: 1,
        }],
    };
    assert_eq!(outcome.failure_reason(), Some("out of stock"));
    assert!(!outcome.is_reserved());
    assert_eq!(
        ReservationOutcome::AlreadyReleased.failure_reason(),
        Some("order already released")
    );
    assert!(!ReservationOutcome::AlreadyReleased.is_reserved());
    let reserved = ReservationOutcome::Reserved { lines: vec![] };
    assert_eq!(reserved.failure_reason(), None);
    assert!(reserved.is_reserved());
}

#[test]
fn status_names_and_finality() {
    let failed = ReservationStatus::Failed { shortages: vec![] };
    let all = [
        ReservationStatus::Pending,
        ReservationStatus::Reserved,
        failed,
        ReservationStatus::Released,
        ReservationStatus::Committed,
    ];
    let names: Vec<_> = all.iter().map(ReservationStatus::as_str).collect();
    assert_eq!(
        names,
        ["Pending", "Reserved", "Failed", "Released", "Committed"]
    );
    let finals: Vec<_> = all
        .iter()
        .filter(|s| s.is_final())
        .map(|s| s.to_string())
        .collect();
    assert_eq!(finals, ["Failed", "Released"]);
}

#[test]
fn status_serde_carries_the_shortages() {
    let id = ProductId::new();
    let status = ReservationStatus::Failed {
        shortages: vec![StockShortage {
            product_id: id,
            requested: 3,
            available: 1,
        }],
    };
    let value = serde_json::to_value(&status).unwrap();
    assert_eq!(
        value,
        json!({
            "kind": "Failed",
            "shortages": [{"productId": id.to_string(), "requested": 3, "available": 1}],
        })
    );
    assert_eq!(
        serde_json::from_value::<ReservationStatus>(value).unwrap(),
        status
    );
    assert_eq!(
        serde_json::to_value(ReservationStatus::Committed).unwrap(),
        json!({"kind": "Committed"})
    );
}

#[test]
fn snapshot_round_trips_a_failed_reservation_and_keeps_answering_the_same() {
    let mut products = shelf();
    let reservation = failed(&mut products);
    let snapshot = reservation.snapshot();
    assert_eq!(snapshot.failed_at, Some(later(1)));
    let json = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(json["status"]["kind"], "Failed");
    assert_eq!(json["failedAt"], "2024-01-01T10:01:00Z");
    let back: ReservationSnapshot = serde_json::from_value(json).unwrap();
    assert_eq!(back, snapshot);
    let mut restored = Reservation::restore(back);
    assert!(restored.pending_events().is_empty());
    assert_eq!(
        restored.reserve(&mut products, later(9)).unwrap(),
        reservation.outcome().unwrap()
    );
    assert_eq!(restored.snapshot(), snapshot);
}

#[test]
fn snapshot_of_a_reserved_reservation_restores_the_ability_to_commit() {
    let mut products = shelf();
    let reservation = reserved(&mut products);
    let snapshot = reservation.snapshot();
    assert_eq!(snapshot.status, ReservationStatus::Reserved);
    assert_eq!(snapshot.lines, reservation.lines());
    let mut restored = Reservation::restore(snapshot);
    assert_eq!(
        restored.commit(&mut products, later(3)).unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(counts(&products), [(7, 0, 7), (4, 0, 4), (0, 0, 0)]);
}
