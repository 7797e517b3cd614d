#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone};

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

fn line(product_id: ProductId, quantity: u32, price: Money) -> OrderLine {
    OrderLine::new(product_id, "Blue mug", qty(quantity), price).unwrap()
}

/// A fresh draft with its creation event drained.
fn draft() -> Order {
    let mut order = Order::create(OrderId::new(), CustomerId::new(), t0());
    order.take_events();
    order
}

/// A draft with one line (2 × 4.50 EUR), events drained.
fn draft_with_line() -> (Order, ProductId) {
    let mut order = draft();
    let product = ProductId::new();
    order.add_line(line(product, 2, eur(450)), t0()).unwrap();
    order.take_events();
    (order, product)
}

fn placed() -> Order {
    let (mut order, _) = draft_with_line();
    order.place(later(1)).unwrap();
    order.take_events();
    order
}

fn confirmed() -> Order {
    let mut order = placed();
    order.confirm(later(2)).unwrap();
    order.take_events();
    order
}

fn completed() -> Order {
    let mut order = confirmed();
    order.complete(later(3)).unwrap();
    order.take_events();
    order
}

fn cancelled() -> Order {
    let mut order = placed();
    order.cancel("changed my mind", later(2)).unwrap();
    order.take_events();
    order
}

fn in_every_status() -> Vec<Order> {
    vec![draft(), placed(), confirmed(), completed(), cancelled()]
}

fn statuses(order: &Order) -> Vec<(Option<OrderStatus>, OrderStatus)> {
    order.history().iter().map(|c| (c.from, c.to)).collect()
}

// --- create ------------------------------------------------------------------

#[test]
fn create_starts_an_empty_draft() {
    let (id, customer) = (OrderId::new(), CustomerId::new());
    let order = Order::create(id, customer, t0());
    assert_eq!(order.id(), id);
    assert_eq!(order.customer_id(), customer);
    assert_eq!(order.status(), OrderStatus::Draft);
    assert!(order.lines().is_empty());
    assert_eq!(order.currency(), None);
    assert_eq!(order.total(), Ok(None));
    assert_eq!(order.created_at(), t0());
    assert_eq!(order.placed_at(), None);
    assert_eq!(order.confirmed_at(), None);
    assert_eq!(order.completed_at(), None);
    assert_eq!(order.cancelled_at(), None);
    assert_eq!(order.cancellation_reason(), None);
}

#[test]
fn create_records_created_event_and_first_history_entry() {
    let (id, customer) = (OrderId::new(), CustomerId::new());
    let order = Order::create(id, customer, t0());
    assert_eq!(
        order.pending_events(),
        [OrderEvent::Created {
            order_id: id,
            customer_id: customer,
            occurred_at: t0(),
        }]
    );
    assert_eq!(
        order.history(),
        [StatusChange {
            from: None,
            to: OrderStatus::Draft,
            at: t0(),
            reason: None,
        }]
    );
}

#[test]
fn take_events_drains() {
    let mut order = Order::create(OrderId::new(), CustomerId::new(), t0());
    assert_eq!(order.take_events().len(), 1);
    assert!(order.take_events().is_empty());
    assert!(order.pending_events().is_empty());
}

// --- add_line ------------------------------------------------------------------

#[test]
fn add_line_adds_and_records_event() {
    let mut order = draft();
    let product = ProductId::new();
    let new_line = line(product, 2, eur(450));
    order.add_line(new_line.clone(), later(5)).unwrap();
    assert_eq!(order.lines(), std::slice::from_ref(&new_line));
    assert_eq!(order.line(product), Some(&new_line));
    assert_eq!(
        order.take_events(),
        [OrderEvent::LineAdded {
            order_id: order.id(),
            line: new_line,
            occurred_at: later(5),
        }]
    );
}

#[test]
fn first_line_fixes_the_currency() {
    let mut order = draft();
    order
        .add_line(
            line(ProductId::new(), 1, Money::new(100, Currency::USD)),
            t0(),
        )
        .unwrap();
    assert_eq!(order.currency(), Some(Currency::USD));
}

#[test]
fn a_line_in_another_currency_is_refused_and_changes_nothing() {
    let (mut order, _) = draft_with_line();
    let before = order.snapshot();
    let err = order
        .add_line(
            line(ProductId::new(), 1, Money::new(100, Currency::GBP)),
            t0(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        OrderError::CurrencyMismatch {
            expected: Currency::EUR,
            actual: Currency::GBP
        }
    );
    assert_eq!(order.snapshot(), before);
    assert!(order.pending_events().is_empty());
}

#[test]
fn currency_mismatch_is_checked_before_merging_the_same_product() {
    let (mut order, product) = draft_with_line();
    let err = order
        .add_line(line(product, 1, Money::new(450, Currency::USD)), t0())
        .unwrap_err();
    assert_eq!(err.code(), "currency-mismatch");
    assert_eq!(order.line(product).unwrap().quantity(), qty(2));
}

#[test]
fn adding_the_same_product_again_increases_the_quantity() {
    let (mut order, product) = draft_with_line();
    order
        .add_line(line(product, 3, eur(450)), later(5))
        .unwrap();
    assert_eq!(order.lines().len(), 1);
    assert_eq!(order.line(product).unwrap().quantity(), qty(5));
    assert_eq!(
        order.take_events(),
        [OrderEvent::LineChanged {
            order_id: order.id(),
            product_id: product,
            old_quantity: qty(2),
            new_quantity: qty(5),
            occurred_at: later(5),
        }]
    );
}

#[test]
fn merging_keeps_the_name_and_price_the_line_was_first_added_with() {
    let (mut order, product) = draft_with_line();
    let repriced = OrderLine::new(product, "Renamed mug", qty(1), eur(999)).unwrap();
    order.add_line(repriced, t0()).unwrap();
    let merged = order.line(product).unwrap();
    assert_eq!(merged.product_name(), "Blue mug");
    assert_eq!(merged.unit_price(), eur(450));
    assert_eq!(merged.quantity(), qty(3));
}

#[test]
fn merging_beyond_one_thousand_is_refused() {
    let mut order = draft();
    let product = ProductId::new();
    order.add_line(line(product, 600, eur(1)), t0()).unwrap();
    order.take_events();
    assert_eq!(
        order.add_line(line(product, 401, eur(1)), t0()),
        Err(OrderError::InvalidQuantity { quantity: 1001 })
    );
    assert_eq!(order.line(product).unwrap().quantity(), qty(600));
    assert!(order.pending_events().is_empty());
    order.add_line(line(product, 400, eur(1)), t0()).unwrap();
    assert_eq!(order.line(product).unwrap().quantity(), qty(1000));
}

#[test]
fn lines_keep_the_order_products_were_added_in() {
    let mut order = draft();
    let (a, b, c) = (ProductId::new(), ProductId::new(), ProductId::new());
    for product in [a, b, c] {
        order.add_line(line(product, 1, eur(100)), t0()).unwrap();
    }
    order.add_line(line(a, 1, eur(100)), t0()).unwrap();
    let ids: Vec<_> = order.lines().iter().map(OrderLine::product_id).collect();
    assert_eq!(ids, [a, b, c]);
}

#[test]
fn add_line_that_would_overflow_the_total_is_refused() {
    let mut order = draft();
    order
        .add_line(line(ProductId::new(), 1, eur(i64::MAX)), t0())
        .unwrap();
    let before = order.snapshot();
    assert_eq!(
        order.add_line(line(ProductId::new(), 1, eur(1)), t0()),
        Err(OrderError::AmountOverflow)
    );
    assert_eq!(order.snapshot(), before);
}

#[test]
fn add_line_whose_own_total_overflows_is_refused() {
    let mut order = draft();
    assert_eq!(
        order.add_line(line(ProductId::new(), 2, eur(i64::MAX)), t0()),
        Err(OrderError::AmountOverflow)
    );
    assert!(order.lines().is_empty());
    assert_eq!(order.currency(), None);
}

#[test]
fn lines_can_only_be_added_to_drafts() {
    for mut order in in_every_status().into_iter().skip(1) {
        let status = order.status();
        let before = order.snapshot();
        assert_eq!(
            order.add_line(line(ProductId::new(), 1, eur(1)), t0()),
            Err(OrderError::NotDraft { status })
        );
        assert_eq!(order.snapshot(), before);
        assert!(order.pending_events().is_empty());
    }
}

// --- change_quantity -------------------------------------------------------------

#[test]
fn change_quantity_sets_it_and_records_event() {
    let (mut order, product) = draft_with_line();
    order.change_quantity(product, qty(7), later(5)).unwrap();
    assert_eq!(order.line(product).unwrap().quantity(), qty(7));
    assert_eq!(order.total(), Ok(Some(eur(7 * 450))));
    assert_eq!(
        order.take_events(),
        [OrderEvent::LineChanged {
            order_id: order.id(),
            product_id: product,
            old_quantity: qty(2),
            new_quantity: qty(7),
            occurred_at: later(5),
        }]
    );
}

#[test]
fn change_to_the_same_quantity_is_a_silent_no_op() {
    let (mut order, product) = draft_with_line();
    assert_eq!(order.change_quantity(product, qty(2), t0()), Ok(()));
    assert!(order.pending_events().is_empty());
}

#[test]
fn change_quantity_of_an_unknown_product_is_line_not_found() {
    let (mut order, _) = draft_with_line();
    let unknown = ProductId::new();
    let err = order.change_quantity(unknown, qty(1), t0()).unwrap_err();
    assert_eq!(
        err,
        OrderError::LineNotFound {
            product_id: unknown
        }
    );
    assert_eq!(err.code(), "order-line-not-found");
}

#[test]
fn change_quantity_that_would_overflow_the_total_is_refused() {
    let mut order = draft();
    let product = ProductId::new();
    order
        .add_line(line(product, 1, eur(i64::MAX / 2)), t0())
        .unwrap();
    assert_eq!(order.change_quantity(product, qty(2), t0()), Ok(()));
    assert_eq!(
        order.change_quantity(product, qty(3), t0()),
        Err(OrderError::AmountOverflow)
    );
    assert_eq!(order.line(product).unwrap().quantity(), qty(2));
}

#[test]
fn quantity_limits_are_enforced_by_the_quantity_type() {
    assert_eq!(
        Quantity::new(0),
        Err(OrderError::InvalidQuantity { quantity: 0 })
    );
    assert_eq!(
        Quantity::new(1001),
        Err(OrderError::InvalidQuantity { quantity: 1001 })
    );
    let (mut order, product) = draft_with_line();
    order.change_quantity(product, qty(1000), t0()).unwrap();
    order.change_quantity(product, qty(1), t0()).unwrap();
    assert_eq!(order.line(product).unwrap().quantity(), qty(1));
}

#[test]
fn quantities_can_only_be_changed_on_drafts() {
    for mut order in in_every_status().into_iter().skip(1) {
        let product = order.lines()[0].product_id();
        let status = order.status();
        assert_eq!(
            order.change_quantity(product, qty(9), t0()),
            Err(OrderError::NotDraft { status })
        );
        assert_eq!(order.line(product).unwrap().quantity(), qty(2));
    }
}

// --- remove_line -------------------------------------------------------------------

#[test]
fn remove_line_removes_and_records_event() {
    let (mut order, product) = draft_with_line();
    let other = ProductId::new();
    order.add_line(line(other, 1, eur(100)), t0()).unwrap();
    order.take_events();
    order.remove_line(product, later(5)).unwrap();
    assert_eq!(order.line(product), None);
    assert_eq!(order.lines().len(), 1);
    assert_eq!(order.total(), Ok(Some(eur(100))));
    assert_eq!(
        order.take_events(),
        [OrderEvent::LineRemoved {
            order_id: order.id(),
            product_id: product,
            occurred_at: later(5),
        }]
    );
}

#[test]
fn removing_the_last_line_frees_the_currency() {
    let (mut order, product) = draft_with_line();
    order.remove_line(product, t0()).unwrap();
    assert_eq!(order.currency(), None);
    assert_eq!(order.total(), Ok(None));
    order
        .add_line(
            line(ProductId::new(), 1, Money::new(500, Currency::JPY)),
            t0(),
        )
        .unwrap();
    assert_eq!(order.currency(), Some(Currency::JPY));
}

#[test]
fn remove_unknown_line_is_line_not_found_and_twice_too() {
    let (mut order, product) = draft_with_line();
    order.remove_line(product, t0()).unwrap();
    assert_eq!(
        order.remove_line(product, t0()),
        Err(OrderError::LineNotFound {
            product_id: product
        })
    );
}

#[test]
fn lines_can_only_be_removed_from_drafts() {
    for mut order in in_every_status().into_iter().skip(1) {
        let product = order.lines()[0].product_id();
        let status = order.status();
        assert_eq!(
            order.remove_line(product, t0()),
            Err(OrderError::NotDraft { status })
        );
        assert_eq!(order.lines().len(), 1);
    }
}

#[test]
fn not_draft_is_reported_before_line_not_found() {
    let mut order = placed();
    assert_eq!(
        order.remove_line(ProductId::new(), t0()),
        Err(OrderError::NotDraft {
            status: OrderStatus::Placed
        })
    );
}

// --- total ---------------------------------------------------------------------------

#[test]
fn total_sums_line_totals() {
    let mut order = draft();
    order
        .add_line(line(ProductId::new(), 3, eur(199)), t0())
        .unwrap();
    order
        .add_line(line(ProductId::new(), 2, eur(1050)), t0())
        .unwrap();
    order
        .add_line(line(ProductId::new(), 5, eur(0)), t0())
        .unwrap();
    assert_eq!(order.total(), Ok(Some(eur(597 + 2100))));
}

#[test]
fn total_of_restored_overflowing_lines_is_an_error_not_a_wrong_number() {
    let mut snapshot = draft().snapshot();
    snapshot.lines = vec![
        line(ProductId::new(), 1, eur(i64::MAX)),
        line(ProductId::new(), 1, eur(1)),
    ];
    let order = Order::restore(snapshot);
    assert_eq!(order.total(), Err(OrderError::AmountOverflow));
}

// --- place --------------------------------------------------------------------------

#[test]
fn place_moves_draft_to_placed_with_lines_and_total() {
    let (mut order, _) = draft_with_line();
    order.place(later(1)).unwrap();
    assert_eq!(order.status(), OrderStatus::Placed);
    assert_eq!(order.placed_at(), Some(later(1)));
    assert_eq!(
        order.take_events(),
        [OrderEvent::Placed {
            order_id: order.id(),
            customer_id: order.customer_id(),
            lines: order.lines().to_vec(),
            total: eur(900),
            occurred_at: later(1),
        }]
    );
    assert_eq!(
        order.history().last(),
        Some(&StatusChange {
            from: Some(OrderStatus::Draft),
            to: OrderStatus::Placed,
            at: later(1),
            reason: None,
        })
    );
}

#[test]
fn an_empty_order_cannot_be_placed() {
    let mut order = draft();
    assert_eq!(order.place(t0()), Err(OrderError::EmptyOrder));
    assert_eq!(order.status(), OrderStatus::Draft);
    assert_eq!(order.history().len(), 1);
    assert!(order.pending_events().is_empty());
}

#[test]
fn an_emptied_order_cannot_be_placed() {
    let (mut order, product) = draft_with_line();
    order.remove_line(product, t0()).unwrap();
    assert_eq!(order.place(t0()), Err(OrderError::EmptyOrder));
}

#[test]
fn placing_twice_is_a_silent_no_op() {
    let mut order = placed();
    assert_eq!(order.place(later(9)), Ok(()));
    assert_eq!(order.placed_at(), Some(later(1)));
    assert_eq!(order.history().len(), 2);
    assert!(order.pending_events().is_empty());
}

#[test]
fn orders_past_placed_cannot_be_placed() {
    for mut order in [confirmed(), completed(), cancelled()] {
        let from = order.status();
        assert_eq!(
            order.place(t0()),
            Err(OrderError::InvalidTransition {
                from,
                to: OrderStatus::Placed
            })
        );
        assert_eq!(order.status(), from);
    }
}

// --- confirm -------------------------------------------------------------------------

#[test]
fn confirm_moves_placed_to_confirmed() {
    let mut order = placed();
    order.confirm(later(2)).unwrap();
    assert_eq!(order.status(), OrderStatus::Confirmed);
    assert_eq!(order.confirmed_at(), Some(later(2)));
    assert_eq!(
        order.take_events(),
        [OrderEvent::Confirmed {
            order_id: order.id(),
            occurred_at: later(2),
        }]
    );
}

#[test]
fn confirming_twice_is_a_silent_no_op() {
    let mut order = confirmed();
    let history = order.history().to_vec();
    assert_eq!(order.confirm(later(9)), Ok(()));
    assert_eq!(order.confirmed_at(), Some(later(2)));
    assert_eq!(order.history(), history);
    assert!(order.pending_events().is_empty());
}

#[test]
fn only_placed_orders_can_be_confirmed() {
    for mut order in [draft(), completed(), cancelled()] {
        let from = order.status();
        assert_eq!(
            order.confirm(t0()),
            Err(OrderError::InvalidTransition {
                from,
                to: OrderStatus::Confirmed
            })
        );
        assert_eq!(order.status(), from);
        assert_eq!(
            order.confirmed_at().is_some(),
            from == OrderStatus::Completed
        );
    }
}

// --- complete ------------------------------------------------------------------------

#[test]
fn complete_moves_confirmed_to_completed() {
    let mut order = confirmed();
    order.complete(later(3)).unwrap();
    assert_eq!(order.status(), OrderStatus::Completed);
    assert_eq!(order.completed_at(), Some(later(3)));
    assert_eq!(
        order.take_events(),
        [OrderEvent::Completed {
            order_id: order.id(),
            occurred_at: later(3),
        }]
    );
}

#[test]
fn completing_twice_is_a_silent_no_op() {
    let mut order = completed();
    assert_eq!(order.complete(later(9)), Ok(()));
    assert_eq!(order.completed_at(), Some(later(3)));
    assert!(order.pending_events().is_empty());
}

#[test]
fn only_confirmed_orders_can_be_completed() {
    for mut order in [draft(), placed(), cancelled()] {
        let from = order.status();
        assert_eq!(
            order.complete(t0()),
            Err(OrderError::InvalidTransition {
                from,
                to: OrderStatus::Completed
            })
        );
        assert_eq!(order.completed_at(), None);
    }
}

// --- cancel --------------------------------------------------------------------------

#[test]
fn cancel_from_each_live_status_records_where_it_came_from() {
    for mut order in [draft(), placed(), confirmed()] {
        let was = order.status();
        order.cancel("  customer asked  ", later(7)).unwrap();
        assert_eq!(order.status(), OrderStatus::Cancelled);
        assert_eq!(order.cancelled_at(), Some(later(7)));
        assert_eq!(order.cancellation_reason(), Some("customer asked"));
        assert_eq!(
            order.take_events(),
            [OrderEvent::Cancelled {
                order_id: order.id(),
                was,
                reason: "customer asked".to_owned(),
                occurred_at: later(7),
            }]
        );
        assert_eq!(
            order.history().last(),
            Some(&StatusChange {
                from: Some(was),
                to: OrderStatus::Cancelled,
                at: later(7),
                reason: Some("customer asked".to_owned()),
            })
        );
    }
}

#[test]
fn cancelling_a_confirmed_order_signals_a_refund() {
    let mut order = confirmed();
    order.cancel("damaged in warehouse", t0()).unwrap();
    assert!(order.take_events()[0].requires_refund());
    let mut order = placed();
    order.cancel("changed my mind", t0()).unwrap();
    assert!(!order.take_events()[0].requires_refund());
}

#[test]
fn cancel_requires_a_reason() {
    for reason in ["", "   ", "\n\t"] {
        let mut order = placed();
        assert_eq!(
            order.cancel(reason, t0()),
            Err(OrderError::ReasonRequired),
            "{reason:?}"
        );
        assert_eq!(order.status(), OrderStatus::Placed);
        assert!(order.pending_events().is_empty());
    }
}

#[test]
fn cancel_reason_limit_is_500_characters() {
    let mut order = placed();
    assert_eq!(
        order.cancel(&"x".repeat(501), t0()),
        Err(OrderError::ReasonTooLong {
            max: 500,
            actual: 501
        })
    );
    let max = "é".repeat(500);
    order.cancel(&format!("  {max}  "), t0()).unwrap();
    assert_eq!(order.cancellation_reason(), Some(max.as_str()));
}

#[test]
fn cancelling_twice_is_a_silent_no_op_that_keeps_the_first_reason() {
    let mut order = cancelled();
    let history = order.history().to_vec();
    assert_eq!(order.cancel("payment failed", later(9)), Ok(()));
    assert_eq!(order.cancellation_reason(), Some("changed my mind"));
    assert_eq!(order.cancelled_at(), Some(later(2)));
    assert_eq!(order.history(), history);
    assert!(order.pending_events().is_empty());
}

#[test]
fn repeated_cancel_still_validates_the_reason() {
    let mut order = cancelled();
    assert_eq!(order.cancel(" ", t0()), Err(OrderError::ReasonRequired));
}

#[test]
fn a_completed_order_cannot_be_cancelled() {
    let mut order = completed();
    assert_eq!(
        order.cancel("too late", t0()),
        Err(OrderError::InvalidTransition {
            from: OrderStatus::Completed,
            to: OrderStatus::Cancelled
        })
    );
    assert_eq!(order.cancellation_reason(), None);
    assert_eq!(order.cancelled_at(), None);
}

// --- terminal states -------------------------------------------------------------------

#[test]
fn terminal_orders_refuse_every_other_transition() {
    for mut order in [completed(), cancelled()] {
        let from = order.status();
        assert!(from.is_terminal());
        let before = order.snapshot();
        let attempts = [
            (order.place(t0()), OrderStatus::Placed),
            (order.confirm(t0()), OrderStatus::Confirmed),
            (order.complete(t0()), OrderStatus::Completed),
            (order.cancel("r", t0()), OrderStatus::Cancelled),
        ];
        for (result, to) in attempts {
            if to == from {
                assert_eq!(result, Ok(()), "{from} -> {to} is an idempotent repeat");
            } else {
                assert_eq!(
                    result,
                    Err(OrderError::InvalidTransition { from, to }),
                    "{from} -> {to}"
                );
            }
        }
        assert_eq!(order.snapshot(), before);
        assert!(order.pending_events().is_empty());
    }
}

// --- history & events -----------------------------------------------------------------

#[test]
fn history_records_the_whole_happy_path_in_order() {
    let order = completed();
    assert_eq!(
        statuses(&order),
        [
            (None, OrderStatus::Draft),
            (Some(OrderStatus::Draft), OrderStatus::Placed),
            (Some(OrderStatus::Placed), OrderStatus::Confirmed),
            (Some(OrderStatus::Confirmed), OrderStatus::Completed),
        ]
    );
    let times: Vec<_> = order.history().iter().map(|c| c.at).collect();
    assert_eq!(times, [t0(), later(1), later(2), later(3)]);
    assert!(order.history().iter().all(|c| c.reason.is_none()));
}

#[test]
fn line_changes_do_not_touch_the_status_history() {
    let (mut order, product) = draft_with_line();
    order.change_quantity(product, qty(3), t0()).unwrap();
    order.remove_line(product, t0()).unwrap();
    assert_eq!(statuses(&order), [(None, OrderStatus::Draft)]);
}

#[test]
fn a_full_lifecycle_records_one_event_per_change_in_order() {
    let mut order = Order::create(OrderId::new(), CustomerId::new(), t0());
    let (a, b) = (ProductId::new(), ProductId::new());
    order.add_line(line(a, 1, eur(100)), t0()).unwrap();
    order.add_line(line(b, 1, eur(100)), t0()).unwrap();
    order.change_quantity(a, qty(4), t0()).unwrap();
    order.remove_line(b, t0()).unwrap();
    order.place(t0()).unwrap();
    order.confirm(t0()).unwrap();
    order.cancel("warehouse fire", t0()).unwrap();
    let events = order.take_events();
    assert!(events.iter().all(|e| e.order_id() == order.id()));
    let types: Vec<_> = events.iter().map(OrderEvent::event_type).collect();
    assert_eq!(
        types,
        [
            "OrderCreated",
            "OrderLineAdded",
            "OrderLineAdded",
            "OrderLineChanged",
            "OrderLineRemoved",
            "OrderPlaced",
            "OrderConfirmed",
            "OrderCancelled",
        ]
    );
    match &events[5] {
        OrderEvent::Placed { lines, total, .. } => {
            assert_eq!(lines.len(), 1);
            assert_eq!(*total, eur(400));
        }
        other => panic!("expected OrderPlaced, got {other:?}"),
    }
}

#[test]
fn failed_commands_record_nothing() {
    let mut order = draft();
    let _ = order.place(t0());
    let _ = order.confirm(t0());
    let _ = order.remove_line(ProductId::new(), t0());
    let _ = order.cancel("", t0());
    assert!(order.pending_events().is_empty());
    assert_eq!(order.history().len(), 1);
}

// --- snapshot ---------------------------------------------------------------------------

#[test]
fn snapshot_round_trip_preserves_every_field() {
    for order in in_every_status() {
        let snapshot = order.snapshot();
        let restored = Order::restore(snapshot.clone());
        assert_eq!(restored.snapshot(), snapshot);
        assert_eq!(restored.status(), order.status());
        assert_eq!(restored.total(), order.total());
        assert_eq!(restored.history(), order.history());
    }
}

#[test]
fn snapshot_of_a_cancelled_order_carries_reason_and_times() {
    let snapshot = cancelled().snapshot();
    assert_eq!(snapshot.status, OrderStatus::Cancelled);
    assert_eq!(snapshot.placed_at, Some(later(1)));
    assert_eq!(snapshot.cancelled_at, Some(later(2)));
    assert_eq!(
        snapshot.cancellation_reason.as_deref(),
        Some("changed my mind")
    );
    assert_eq!(snapshot.history.len(), 3);
    assert_eq!(snapshot.lines.len(), 1);
}

#[test]
fn restore_records_no_events_and_keeps_enforcing_rules() {
    let mut order = Order::restore(placed().snapshot());
    assert!(order.pending_events().is_empty());
    assert!(matches!(
        order.add_line(line(ProductId::new(), 1, eur(1)), t0()),
        Err(OrderError::NotDraft { .. })
    ));
    order.confirm(t0()).unwrap();
    assert_eq!(order.take_events().len(), 1);
}

#[test]
fn snapshot_serde_round_trips() {
    let snapshot = confirmed().snapshot();
    let json = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(json["status"], "Confirmed");
    assert!(json.get("customerId").is_some());
    assert_eq!(
        serde_json::from_value::<OrderSnapshot>(json).unwrap(),
        snapshot
    );
}
