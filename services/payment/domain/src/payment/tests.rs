#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone};
use orderflow_kernel::Currency;
use serde_json::json;

use super::*;
use crate::PaymentPolicy;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 0).unwrap()
}

fn later(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

fn decline(reason: &str) -> Decision {
    Decision::Decline {
        reason: reason.to_owned(),
    }
}

fn new_payment(decision: Decision) -> Payment {
    Payment::process(
        PaymentId::new(),
        OrderId::new(),
        CustomerId::new(),
        eur(4_990),
        decision,
        t0(),
    )
    .unwrap()
}

/// Captured 49.90 EUR at `t0`, events drained.
fn captured() -> Payment {
    let mut payment = new_payment(Decision::Approve);
    payment.take_events();
    payment
}

/// Declined with "card declined" at `t0`, events drained.
fn declined() -> Payment {
    let mut payment = new_payment(decline("card declined"));
    payment.take_events();
    payment
}

/// Captured at `t0`, refunded at `later(5)`, events drained.
fn refunded() -> Payment {
    let mut payment = captured();
    payment.refund("order cancelled", later(5));
    payment.take_events();
    payment
}

/// Voided at `t0` for 49.90 EUR, events drained.
fn voided() -> Payment {
    let mut payment = Payment::void(
        PaymentId::new(),
        OrderId::new(),
        eur(4_990),
        "payment timed out",
        t0(),
    )
    .unwrap();
    payment.take_events();
    payment
}

fn in_every_status() -> Vec<Payment> {
    vec![captured(), declined(), refunded(), voided()]
}

fn kinds(payment: &Payment) -> Vec<LedgerEntryKind> {
    payment.ledger().iter().map(|entry| entry.kind).collect()
}

fn count(payment: &Payment, kind: LedgerEntryKind) -> usize {
    payment.ledger().iter().filter(|e| e.kind == kind).count()
}

// --- process: approve --------------------------------------------------------

#[test]
fn approve_authorises_then_captures_the_full_amount() {
    let payment = captured();
    assert_eq!(payment.status(), PaymentStatus::Captured);
    assert_eq!(
        kinds(&payment),
        [LedgerEntryKind::Authorised, LedgerEntryKind::Captured]
    );
    for entry in payment.ledger() {
        assert_eq!(entry.amount, eur(4_990));
        assert_eq!(entry.at, t0());
        assert_eq!(entry.reason, None);
    }
    assert_eq!(payment.captured_at(), Some(t0()));
    assert_eq!(payment.refunded_at(), None);
    assert_eq!(payment.decline_reason(), None);
    assert_eq!(payment.exposure(), eur(4_990));
}

#[test]
fn approve_keeps_the_identities_given() {
    let (id, order_id, customer_id) = (PaymentId::new(), OrderId::new(), CustomerId::new());
    let payment =
        Payment::process(id, order_id, customer_id, eur(100), Decision::Approve, t0()).unwrap();
    assert_eq!(payment.id(), id);
    assert_eq!(payment.order_id(), order_id);
    assert_eq!(payment.customer_id(), Some(customer_id));
    assert_eq!(payment.amount(), eur(100));
    assert_eq!(payment.created_at(), t0());
    assert_eq!(payment.void_reason(), None);
}

#[test]
fn approve_records_payment_processed() {
    let (id, order_id, customer_id) = (PaymentId::new(), OrderId::new(), CustomerId::new());
    let mut payment = Payment::process(
        id,
        order_id,
        customer_id,
        eur(4_990),
        Decision::Approve,
        t0(),
    )
    .unwrap();
    assert_eq!(
        payment.pending_events(),
        [PaymentEvent::Processed {
            payment_id: id,
            order_id,
            customer_id,
            amount: eur(4_990),
            occurred_at: t0(),
        }]
    );
    assert_eq!(payment.take_events().len(), 1);
    assert!(payment.pending_events().is_empty());
    assert!(payment.take_events().is_empty());
}

// --- process: decline --------------------------------------------------------

#[test]
fn decline_writes_one_declined_entry_and_records_payment_failed() {
    let mut payment = new_payment(decline("card declined"));
    assert_eq!(payment.status(), PaymentStatus::Declined);
    assert_eq!(
        payment.ledger(),
        [LedgerEntry {
            kind: LedgerEntryKind::Declined,
            amount: eur(4_990),
            at: t0(),
            reason: Some("card declined".to_owned()),
        }]
    );
    assert_eq!(payment.decline_reason(), Some("card declined"));
    assert_eq!(payment.captured_at(), None);
    assert_eq!(payment.exposure(), eur(0));
    let events = payment.take_events();
    assert_eq!(events.len(), 1);
    assert!(matches!(
        &events[0],
        PaymentEvent::Failed { reason, amount, .. } if reason == "card declined" && *amount == eur(4_990)
    ));
}

#[test]
fn decline_reasons_are_trimmed_and_blank_ones_get_a_default() {
    assert_eq!(
        new_payment(decline("  limit exceeded \n")).decline_reason(),
        Some("limit exceeded")
    );
    let blank = new_payment(decline("   "));
    assert_eq!(
        blank.decline_reason(),
        Some(Payment::DEFAULT_DECLINE_REASON)
    );
    assert_eq!(blank.decline_reason(), Some("payment declined"));
}

#[test]
fn overlong_reasons_are_cut_to_500_characters_not_bytes() {
    let payment = new_payment(decline(&"ö".repeat(600)));
    let reason = payment.decline_reason().unwrap();
    assert_eq!(reason.chars().count(), Payment::MAX_REASON_CHARS);
    assert_eq!(reason, "ö".repeat(500));
}

#[test]
fn process_refuses_zero_and_negative_amounts_whatever_the_decision() {
    for amount in [eur(0), eur(-1)] {
        for decision in [Decision::Approve, decline("card declined")] {
            let result = Payment::process(
                PaymentId::new(),
                OrderId::new(),
                CustomerId::new(),
                amount,
                decision,
                t0(),
            );
            let err = result.unwrap_err();
            assert_eq!(err, PaymentError::NonPositiveAmount { amount });
            assert_eq!(err.code(), "non-positive-payment-amount");
        }
    }
}

#[test]
fn policy_decisions_drive_the_outcome() {
    let policy = PaymentPolicy::default();
    let process = |token| {
        let decision = policy.decide(eur(4_990), token, eur(0));
        new_payment(decision)
    };
    assert_eq!(process(Some("tok_visa")).status(), PaymentStatus::Captured);
    let declined = process(Some("tok_decline"));
    assert_eq!(declined.status(), PaymentStatus::Declined);
    assert!(matches!(
        declined.on_redelivered_process(),
        PaymentReply::Failed { reason, .. } if reason == "card declined"
    ));
}

// --- redelivered ProcessPayment ------------------------------------------------

#[test]
fn redelivered_process_of_a_capture_answers_processed_with_the_original_time() {
    let mut payment = new_payment(Decision::Approve);
    let original = payment.take_events().remove(0).reply();
    let reply = payment.on_redelivered_process();
    assert_eq!(reply, original);
    assert_eq!(
        reply,
        PaymentReply::Processed {
            payment_id: payment.id(),
            order_id: payment.order_id(),
            amount: eur(4_990),
            processed_at: t0(),
        }
    );
}

#[test]
fn redelivering_process_many_times_never_adds_a_second_capture() {
    let payment = captured();
    let before = payment.snapshot();
    for _ in 0..5 {
        assert!(matches!(
            payment.on_redelivered_process(),
            PaymentReply::Processed { .. }
        ));
    }
    assert_eq!(payment.snapshot(), before);
    assert_eq!(count(&payment, LedgerEntryKind::Captured), 1);
    assert_eq!(count(&payment, LedgerEntryKind::Authorised), 1);
    assert_eq!(payment.exposure(), eur(4_990));
    assert!(payment.pending_events().is_empty());
}

#[test]
fn redelivered_process_of_a_decline_answers_failed_with_the_same_reason() {
    let mut payment = new_payment(decline("limit exceeded: too much"));
    let original = payment.take_events().remove(0).reply();
    let ledger_before = payment.ledger().to_vec();
    let reply = payment.on_redelivered_process();
    assert_eq!(reply, original);
    assert_eq!(
        reply,
        PaymentReply::Failed {
            order_id: payment.order_id(),
            amount: eur(4_990),
            reason: "limit exceeded: too much".to_owned(),
            failed_at: t0(),
        }
    );
    assert_eq!(payment.ledger(), ledger_before);
    assert!(payment.pending_events().is_empty());
}

#[test]
fn redelivered_process_after_a_refund_still_answers_processed_and_charges_nothing() {
    let payment = refunded();
    assert_eq!(
        payment.on_redelivered_process(),
        PaymentReply::Processed {
            payment_id: payment.id(),
            order_id: payment.order_id(),
            amount: eur(4_990),
            processed_at: t0(),
        }
    );
    assert_eq!(count(&payment, LedgerEntryKind::Captured), 1);
    assert_eq!(payment.exposure(), eur(0));
    assert_eq!(payment.status(), PaymentStatus::Refunded);
}

// --- refund -------------------------------------------------------------------

#[test]
fn refund_of_a_capture_gives_back_exactly_the_captured_amount() {
    let mut payment = captured();
    let reply = payment.refund("order cancelled", later(5));
    assert_eq!(payment.status(), PaymentStatus::Refunded);
    assert_eq!(
        kinds(&payment),
        [
            LedgerEntryKind::Authorised,
            LedgerEntryKind::Captured,
            LedgerEntryKind::Refunded
        ]
    );
    assert_eq!(
        payment.ledger()[2],
        LedgerEntry {
            kind: LedgerEntryKind::Refunded,
            amount: eur(4_990),
            at: later(5),
            reason: Some("order cancelled".to_owned()),
        }
    );
    assert_eq!(payment.refunded_at(), Some(later(5)));
    assert_eq!(payment.refund_reason(), Some("order cancelled"));
    assert_eq!(payment.exposure(), eur(0));
    assert_eq!(
        reply,
        PaymentReply::Refunded {
            payment_id: payment.id(),
            order_id: payment.order_id(),
            amount: eur(4_990),
            refunded_at: later(5),
        }
    );
}

#[test]
fn refund_records_payment_refunded() {
    let mut payment = captured();
    payment.refund("payment timed out", later(5));
    assert_eq!(
        payment.take_events(),
        [PaymentEvent::Refunded {
            payment_id: payment.id(),
            order_id: payment.order_id(),
            amount: eur(4_990),
            reason: "payment timed out".to_owned(),
            occurred_at: later(5),
        }]
    );
}

#[test]
fn refund_with_a_blank_reason_uses_the_default() {
    let mut payment = captured();
    payment.refund(" \t", later(1));
    assert_eq!(
        payment.refund_reason(),
        Some(Payment::DEFAULT_REFUND_REASON)
    );
    assert_eq!(payment.status(), PaymentStatus::Refunded);
}

#[test]
fn refunding_twice_changes_nothing_and_answers_the_same_reply() {
    let mut payment = captured();
    let first = payment.refund("order cancelled", later(5));
    payment.take_events();
    let ledger = payment.ledger().to_vec();
    let second = payment.refund("another reason", later(9));
    assert_eq!(second, first);
    assert_eq!(payment.ledger(), ledger);
    assert_eq!(count(&payment, LedgerEntryKind::Refunded), 1);
    assert_eq!(payment.refund_reason(), Some("order cancelled"));
    assert_eq!(payment.refunded_at(), Some(later(5)));
    assert!(payment.pending_events().is_empty());
}

#[test]
fn refund_of_a_decline_changes_nothing_and_answers_a_zero_refund() {
    let mut payment = declined();
    let before = payment.snapshot();
    let reply = payment.refund("order cancelled", later(5));
    assert_eq!(
        reply,
        PaymentReply::NothingToRefund {
            payment_id: payment.id(),
            order_id: payment.order_id(),
            amount: eur(0),
            reason: Payment::NOTHING_CHARGED_DECLINED.to_owned(),
            at: t0(),
        }
    );
    assert_eq!(reply.event_type(), "PaymentRefunded");
    assert_eq!(payment.snapshot(), before);
    assert_eq!(payment.status(), PaymentStatus::Declined);
    assert!(payment.pending_events().is_empty());
}

// --- void: refund before payment ------------------------------------------------

#[test]
fn void_leaves_a_tombstone_without_ledger_entries() {
    let (id, order_id) = (PaymentId::new(), OrderId::new());
    let mut payment = Payment::void(id, order_id, eur(4_990), " payment timed out ", t0()).unwrap();
    assert_eq!(payment.status(), PaymentStatus::Voided);
    assert!(payment.ledger().is_empty());
    assert_eq!(payment.customer_id(), None);
    assert_eq!(payment.void_reason(), Some("payment timed out"));
    assert_eq!(payment.exposure(), eur(0));
    assert_eq!(
        payment.take_events(),
        [PaymentEvent::Voided {
            payment_id: id,
            order_id,
            amount: eur(4_990),
            reason: "payment timed out".to_owned(),
            occurred_at: t0(),
        }]
    );
}

#[test]
fn void_with_a_blank_reason_says_the_order_was_cancelled_before_payment() {
    let payment = Payment::void(PaymentId::new(), OrderId::new(), eur(1), "", t0()).unwrap();
    assert_eq!(
        payment.void_reason(),
        Some("order cancelled before payment")
    );
}

#[test]
fn void_refuses_non_positive_amounts() {
    assert_eq!(
        Payment::void(PaymentId::new(), OrderId::new(), eur(0), "r", t0()).unwrap_err(),
        PaymentError::NonPositiveAmount { amount: eur(0) }
    );
}

#[test]
fn process_after_void_is_refused_as_expired_without_charging() {
    let payment = voided();
    let before = payment.snapshot();
    let reply = payment.on_redelivered_process();
    assert_eq!(
        reply,
        PaymentReply::Failed {
            order_id: payment.order_id(),
            amount: eur(4_990),
            reason: "order cancelled before payment".to_owned(),
            failed_at: t0(),
        }
    );
    assert_eq!(reply.event_type(), "PaymentFailed");
    assert_eq!(payment.snapshot(), before);
    assert_eq!(count(&payment, LedgerEntryKind::Captured), 0);
    assert_eq!(payment.exposure(), eur(0));
    assert!(payment.pending_events().is_empty());
}

#[test]
fn refund_of_a_voided_order_changes_nothing_and_answers_the_same_zero_refund() {
    let mut payment = voided();
    let before = payment.snapshot();
    let reply = payment.refund("payment timed out", later(3));
    assert_eq!(
        reply,
        PaymentReply::NothingToRefund {
            payment_id: payment.id(),
            order_id: payment.order_id(),
            amount: eur(0),
            reason: Payment::NOTHING_CHARGED_VOIDED.to_owned(),
            at: t0(),
        }
    );
    assert_eq!(payment.snapshot(), before);
    assert!(payment.pending_events().is_empty());
}

// --- the saga gave up: never left captured ----------------------------------------

#[test]
fn a_late_charge_is_either_refused_or_refunded_never_kept() {
    // Order 1: the charge beat the saga's refund: charged, then refunded.
    let mut charged = captured();
    charged.refund("payment timed out", later(10));
    // The saga answers the late PaymentProcessed with another RefundPayment,
    // and the ProcessPayment may be redelivered too: neither changes anything.
    assert!(matches!(
        charged.on_redelivered_process(),
        PaymentReply::Processed { .. }
    ));
    assert!(matches!(
        charged.refund("payment processed after the order was cancelled", later(11)),
        PaymentReply::Refunded { refunded_at, .. } if refunded_at == later(10)
    ));
    assert_eq!(charged.status(), PaymentStatus::Refunded);
    assert_eq!(charged.exposure(), eur(0));

    // Order 2: the refund overtook the charge: the charge is refused.
    let tombstone = voided();
    assert!(matches!(
        tombstone.on_redelivered_process(),
        PaymentReply::Failed { reason, .. } if reason == Payment::EXPIRED_REASON
    ));

    for payment in [&charged, &tombstone] {
        assert!(!payment.status().holds_money());
    }
}

// --- ledger is append-only ---------------------------------------------------------

#[test]
fn every_step_keeps_the_earlier_ledger_as_a_prefix() {
    let mut payment = new_payment(Decision::Approve);
    let mut history = vec![payment.ledger().to_vec()];
    payment.on_redelivered_process();
    history.push(payment.ledger().to_vec());
    payment.refund("order cancelled", later(5));
    history.push(payment.ledger().to_vec());
    payment.refund("again", later(6));
    history.push(payment.ledger().to_vec());
    payment.on_redelivered_process();
    history.push(payment.ledger().to_vec());
    for pair in history.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        assert!(after.len() >= before.len());
        assert_eq!(&after[..before.len()], before.as_slice());
    }
    assert_eq!(history.last().unwrap().len(), 3);
}

#[test]
fn ledger_entries_are_in_time_order_and_amounts_are_positive() {
    for payment in in_every_status() {
        let ledger = payment.ledger();
        assert!(ledger.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(ledger.iter().all(|e| e.amount.amount_minor() > 0));
        assert!(ledger.iter().all(|e| e.amount == payment.amount()));
    }
}

#[test]
fn exposure_from_the_ledger_agrees_with_the_status() {
    for payment in in_every_status() {
        let expected = if payment.status().holds_money() {
            payment.amount()
        } else {
            eur(0)
        };
        assert_eq!(payment.exposure(), expected, "{}", payment.status());
    }
}

// --- snapshots ----------------------------------------------------------------------

#[test]
fn snapshot_round_trips_in_every_status() {
    for payment in in_every_status() {
        let snapshot = payment.snapshot();
        let restored = Payment::restore(snapshot.clone());
        assert_eq!(restored.snapshot(), snapshot);
        assert_eq!(restored.status(), payment.status());
        assert_eq!(restored.ledger(), payment.ledger());
        assert_eq!(
            restored.on_redelivered_process(),
            payment.on_redelivered_process()
        );
    }
}

#[test]
fn restore_records_no_events_and_keeps_working() {
    let mut fresh = new_payment(Decision::Approve);
    assert_eq!(fresh.pending_events().len(), 1);
    let mut restored = Payment::restore(fresh.snapshot());
    assert!(restored.pending_events().is_empty());
    restored.refund("order cancelled", later(5));
    assert_eq!(restored.status(), PaymentStatus::Refunded);
    assert_eq!(restored.take_events().len(), 1);
    fresh.take_events();
}

#[test]
fn snapshot_serializes_camel_case_and_deserializes_back() {
    let payment = refunded();
    let snapshot = payment.snapshot();
    let value = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(value["orderId"], json!(payment.order_id().to_string()));
    assert_eq!(
        value["customerId"],
        json!(payment.customer_id().unwrap().to_string())
    );
    assert_eq!(value["status"], "Refunded");
    assert_eq!(value["voidReason"], json!(null));
    assert_eq!(value["amount"], json!({"amount": 4990, "currency": "EUR"}));
    assert_eq!(value["createdAt"], "2024-01-01T10:00:00Z");
    let kinds: Vec<_> = value["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["Authorised", "Captured", "Refunded"]);
    assert_eq!(
        serde_json::from_value::<PaymentSnapshot>(value).unwrap(),
        snapshot
    );
}

#[test]
fn voided_snapshot_has_no_customer_and_keeps_the_reason() {
    let snapshot = voided().snapshot();
    assert_eq!(snapshot.customer_id, None);
    assert_eq!(snapshot.void_reason.as_deref(), Some("payment timed out"));
    let value = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(value["customerId"], json!(null));
    assert_eq!(value["ledger"], json!([]));
    let back: PaymentSnapshot = serde_json::from_value(value).unwrap();
    assert_eq!(Payment::restore(back).status(), PaymentStatus::Voided);
}
