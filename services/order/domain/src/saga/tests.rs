#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use orderflow_kernel::Currency;

use super::*;
use crate::{ProductId, Quantity};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 0).unwrap()
}

fn secs(n: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(n)
}

fn timeout() -> Duration {
    Duration::seconds(30)
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

fn lines_in(currency: Currency) -> Vec<OrderLine> {
    vec![
        OrderLine::new(
            ProductId::new(),
            "Mug",
            Quantity::new(2).unwrap(),
            Money::new(450, currency),
        )
        .unwrap(),
    ]
}

fn start_with(total: Money) -> FulfilmentSaga {
    FulfilmentSaga::start(
        OrderId::new(),
        lines_in(total.currency()),
        total,
        timeout(),
        t0(),
    )
    .unwrap()
    .0
}

fn awaiting_stock() -> FulfilmentSaga {
    start_with(eur(900))
}

fn awaiting_payment() -> FulfilmentSaga {
    let mut saga = awaiting_stock();
    assert!(saga.on_stock_reserved(secs(1)).is_advanced());
    saga
}

fn completed() -> FulfilmentSaga {
    let mut saga = awaiting_payment();
    assert!(saga.on_payment_processed(secs(2)).is_advanced());
    saga
}

fn compensating() -> FulfilmentSaga {
    let mut saga = awaiting_payment();
    assert!(
        saga.on_payment_failed("card declined", secs(2))
            .is_advanced()
    );
    saga
}

fn cancelled() -> FulfilmentSaga {
    let mut saga = compensating();
    assert!(saga.on_stock_released(secs(3)).is_advanced());
    saga
}

fn in_every_state() -> Vec<FulfilmentSaga> {
    vec![
        awaiting_stock(),
        awaiting_payment(),
        completed(),
        compensating(),
        cancelled(),
    ]
}

fn step(outcome: SagaOutcome) -> SagaStep {
    match outcome {
        SagaOutcome::Advanced(step) => step,
        other => panic!("expected the saga to advance, got {other:?}"),
    }
}

fn release(reason: &str) -> SagaCommand {
    SagaCommand::ReleaseStock {
        reason: reason.to_owned(),
    }
}

fn refund(reason: &str) -> SagaCommand {
    SagaCommand::RefundPayment {
        amount: eur(900),
        reason: reason.to_owned(),
    }
}

fn cancel(reason: &str) -> Option<OrderAction> {
    Some(OrderAction::Cancel {
        reason: reason.to_owned(),
    })
}

/// Asserts the outcome is `Ignored` and that the saga did not change.
fn assert_ignored(
    saga: &mut FulfilmentSaga,
    reply: impl FnOnce(&mut FulfilmentSaga) -> SagaOutcome,
) {
    let before = saga.snapshot();
    let outcome = reply(saga);
    assert!(
        matches!(outcome, SagaOutcome::Ignored { state, .. } if state == before.state),
        "{outcome:?} in {}",
        before.state
    );
    assert!(outcome.commands().is_empty());
    assert_eq!(outcome.order_action(), None);
    assert_eq!(saga.snapshot(), before);
}

/// Asserts the outcome is `NotYet` and that the saga did not change.
fn assert_not_yet(
    saga: &mut FulfilmentSaga,
    reply: impl FnOnce(&mut FulfilmentSaga) -> SagaOutcome,
) {
    let before = saga.snapshot();
    let outcome = reply(saga);
    assert_eq!(
        outcome,
        SagaOutcome::NotYet {
            state: before.state
        }
    );
    assert!(outcome.is_not_yet());
    assert_eq!(saga.snapshot(), before);
}

// --- start ------------------------------------------------------------------------

#[test]
fn start_awaits_stock_and_sends_reserve_stock() {
    let order_id = OrderId::new();
    let lines = lines_in(Currency::EUR);
    let (saga, step) =
        FulfilmentSaga::start(order_id, lines.clone(), eur(900), timeout(), t0()).unwrap();
    assert_eq!(saga.order_id(), order_id);
    assert_eq!(saga.state(), SagaState::AwaitingStock);
    assert_eq!(saga.amount(), eur(900));
    assert_eq!(saga.step_timeout(), timeout());
    assert_eq!(saga.deadline_at(), Some(secs(30)));
    assert_eq!(saga.failure_reason(), None);
    assert_eq!(saga.version(), FulfilmentSaga::INITIAL_VERSION);
    assert_eq!(
        step,
        SagaStep {
            commands: vec![SagaCommand::ReserveStock { lines }],
            order_action: None,
        }
    );
}

#[test]
fn start_refuses_an_order_without_lines() {
    assert_eq!(
        FulfilmentSaga::start(OrderId::new(), Vec::new(), eur(0), timeout(), t0()),
        Err(OrderError::EmptyOrder)
    );
}

#[test]
fn start_refuses_lines_in_another_currency_than_the_total() {
    assert_eq!(
        FulfilmentSaga::start(
            OrderId::new(),
            lines_in(Currency::USD),
            eur(900),
            timeout(),
            t0()
        ),
        Err(OrderError::CurrencyMismatch {
            expected: Currency::EUR,
            actual: Currency::USD
        })
    );
}

#[test]
fn start_saturates_an_absurd_timeout_instead_of_panicking() {
    let (saga, _) = FulfilmentSaga::start(
        OrderId::new(),
        lines_in(Currency::EUR),
        eur(900),
        Duration::MAX,
        t0(),
    )
    .unwrap();
    assert_eq!(saga.deadline_at(), Some(DateTime::<Utc>::MAX_UTC));
}

// --- stock reserved ------------------------------------------------------------------

#[test]
fn stock_reserved_moves_on_to_payment() {
    let mut saga = awaiting_stock();
    let step = step(saga.on_stock_reserved(secs(5)));
    assert_eq!(
        step.commands,
        [SagaCommand::ProcessPayment { amount: eur(900) }]
    );
    assert_eq!(step.order_action, None);
    assert_eq!(saga.state(), SagaState::AwaitingPayment);
    assert_eq!(saga.deadline_at(), Some(secs(35)));
    assert_eq!(saga.version(), 2);
}

#[test]
fn a_free_order_skips_payment_and_completes_once_stock_is_reserved() {
    let mut saga = start_with(eur(0));
    let step = step(saga.on_stock_reserved(secs(5)));
    assert_eq!(step.commands, [SagaCommand::CommitStock]);
    assert_eq!(step.order_action, Some(OrderAction::Confirm));
    assert_eq!(saga.state(), SagaState::Completed);
    assert_eq!(saga.deadline_at(), None);
}

#[test]
fn duplicate_stock_reserved_is_ignored_once_reserved() {
    for mut saga in [awaiting_payment(), completed(), compensating()] {
        assert_ignored(&mut saga, |s| s.on_stock_reserved(secs(9)));
    }
}

#[test]
fn stock_reserved_after_cancellation_releases_it_again() {
    let mut saga = awaiting_stock();
    saga.on_deadline(secs(30));
    let version = saga.version();
    let step = step(saga.on_stock_reserved(secs(40)));
    assert_eq!(
        step.commands,
        [release("stock reserved after the order was cancelled")]
    );
    assert_eq!(step.order_action, None);
    assert_eq!(saga.state(), SagaState::Cancelled);
    assert_eq!(saga.deadline_at(), None);
    assert_eq!(saga.version(), version + 1);
}

// --- stock reservation failed -----------------------------------------------------------

#[test]
fn stock_reservation_failure_cancels_the_order_as_out_of_stock() {
    let mut saga = awaiting_stock();
    let step = step(saga.on_stock_reservation_failed("SKU-1 has 0 left", secs(5)));
    assert!(
        step.commands.is_empty(),
        "nothing is held, nothing to release"
    );
    assert_eq!(step.order_action, cancel("out of stock"));
    assert_eq!(saga.state(), SagaState::Cancelled);
    assert_eq!(saga.deadline_at(), None);
    assert_eq!(saga.failure_reason(), Some("SKU-1 has 0 left"));
    assert_eq!(saga.version(), 2);
}

#[test]
fn blank_stock_failure_reason_falls_back_to_out_of_stock() {
    let mut saga = awaiting_stock();
    saga.on_stock_reservation_failed("  ", secs(5));
    assert_eq!(saga.failure_reason(), Some(FulfilmentSaga::OUT_OF_STOCK));
}

#[test]
fn stock_reservation_failure_in_any_later_state_is_ignored() {
    for mut saga in in_every_state().into_iter().skip(1) {
        assert_ignored(&mut saga, |s| {
            s.on_stock_reservation_failed("none", secs(9))
        });
    }
}

// --- payment processed ------------------------------------------------------------------

#[test]
fn payment_processed_completes_commits_stock_and_confirms() {
    let mut saga = awaiting_payment();
    let step = step(saga.on_payment_processed(secs(6)));
    assert_eq!(step.commands, [SagaCommand::CommitStock]);
    assert_eq!(step.order_action, Some(OrderAction::Confirm));
    assert_eq!(saga.state(), SagaState::Completed);
    assert_eq!(saga.deadline_at(), None);
    assert_eq!(saga.version(), 3);
}

#[test]
fn payment_processed_before_stock_is_reserved_is_not_yet() {
    let mut saga = awaiting_stock();
    assert_not_yet(&mut saga, |s| s.on_payment_processed(secs(1)));
}

#[test]
fn duplicate_payment_processed_is_ignored() {
    let mut saga = completed();
    assert_ignored(&mut saga, |s| s.on_payment_processed(secs(9)));
}

#[test]
fn payment_processed_after_cancellation_is_refunded() {
    for mut saga in [compensating(), cancelled()] {
        let (state, deadline_at, version) = (saga.state(), saga.deadline_at(), saga.version());
        let step = step(saga.on_payment_processed(secs(9)));
        assert_eq!(
            step.commands,
            [refund("payment processed after the order was cancelled")]
        );
        assert_eq!(step.order_action, None);
        assert_eq!(saga.state(), state);
        assert_eq!(saga.deadline_at(), deadline_at);
        assert_eq!(saga.version(), version + 1);
    }
}

#[test]
fn late_payment_of_a_free_order_has_nothing_to_refund() {
    let mut saga = start_with(eur(0));
    saga.on_order_cancelled("customer asked", secs(1));
    assert_ignored(&mut saga, |s| s.on_payment_processed(secs(2)));
}

// --- payment failed ----------------------------------------------------------------------

#[test]
fn payment_failure_releases_stock_and_cancels_with_its_reason() {
    let mut saga = awaiting_payment();
    let step = step(saga.on_payment_failed(" card declined ", secs(6)));
    assert_eq!(step.commands, [release("card declined")]);
    assert_eq!(step.order_action, cancel("card declined"));
    assert_eq!(saga.state(), SagaState::Compensating);
    assert!(saga.state().is_compensating());
    assert_eq!(saga.deadline_at(), Some(secs(36)));
    assert_eq!(saga.failure_reason(), Some("card declined"));
    assert_eq!(saga.version(), 3);
}

#[test]
fn payment_failure_reason_is_made_acceptable_to_the_order() {
    let mut saga = awaiting_payment();
    let action = step(saga.on_payment_failed("", secs(6))).order_action;
    assert_eq!(action, cancel("payment failed"));

    let mut saga = awaiting_payment();
    let long = "x".repeat(Order::MAX_REASON_CHARS + 50);
    let Some(OrderAction::Cancel { reason }) =
        step(saga.on_payment_failed(&long, secs(6))).order_action
    else {
        panic!("expected a cancel action");
    };
    assert_eq!(reason.chars().count(), Order::MAX_REASON_CHARS);
    let mut order = Order::create(OrderId::new(), crate::CustomerId::new(), t0());
    assert_eq!(order.cancel(&reason, t0()), Ok(()));
}

#[test]
fn payment_failed_before_stock_is_reserved_is_not_yet() {
    let mut saga = awaiting_stock();
    assert_not_yet(&mut saga, |s| s.on_payment_failed("declined", secs(1)));
}

#[test]
fn payment_failed_after_the_payment_step_is_ignored() {
    for mut saga in [completed(), compensating(), cancelled()] {
        assert_ignored(&mut saga, |s| s.on_payment_failed("declined", secs(9)));
    }
}

// --- stock released --------------------------------------------------------------------

#[test]
fn stock_released_finishes_compensation() {
    let mut saga = compensating();
    let step = step(saga.on_stock_released(secs(7)));
    assert!(step.commands.is_empty());
    assert_eq!(step.order_action, None);
    assert_eq!(saga.state(), SagaState::Cancelled);
    assert_eq!(saga.deadline_at(), None);
    assert_eq!(saga.failure_reason(), Some("card declined"));
    assert_eq!(saga.version(), 4);
}

#[test]
fn stock_released_outside_compensation_is_ignored() {
    for mut saga in [
        awaiting_stock(),
        awaiting_payment(),
        completed(),
        cancelled(),
    ] {
        assert_ignored(&mut saga, |s| s.on_stock_released(secs(9)));
    }
}

// --- deadline ----------------------------------------------------------------------------

#[test]
fn stock_deadline_cancels_and_releases_any_reservation() {
    let mut saga = awaiting_stock();
    let step = step(saga.on_deadline(secs(30)));
    assert_eq!(step.commands, [release("timed out waiting for stock")]);
    assert_eq!(step.order_action, cancel("timed out waiting for stock"));
    assert_eq!(saga.state(), SagaState::Cancelled);
    assert_eq!(saga.deadline_at(), None);
    assert_eq!(saga.failure_reason(), Some(FulfilmentSaga::STOCK_TIMED_OUT));
}

#[test]
fn payment_deadline_refunds_releases_and_cancels() {
    let mut saga = awaiting_payment();
    let step = step(saga.on_deadline(secs(31)));
    assert_eq!(
        step.commands,
        [refund("payment timed out"), release("payment timed out")],
        "compensation runs in reverse: payment first, then stock"
    );
    assert_eq!(step.order_action, cancel("payment timed out"));
    assert_eq!(saga.state(), SagaState::Compensating);
    assert_eq!(saga.deadline_at(), Some(secs(61)));
    assert_eq!(saga.version(), 3);
}

#[test]
fn compensation_deadline_resends_release_and_waits_again() {
    let mut saga = compensating();
    let step = step(saga.on_deadline(secs(40)));
    assert_eq!(step.commands, [release("card declined")]);
    assert_eq!(step.order_action, None);
    assert_eq!(saga.state(), SagaState::Compensating);
    assert_eq!(saga.deadline_at(), Some(secs(70)));
    assert_eq!(saga.version(), 4);
}

#[test]
fn deadline_before_it_is_due_is_not_yet() {
    for mut saga in [awaiting_stock(), awaiting_payment(), compensating()] {
        let due = saga.deadline_at().unwrap();
        assert_not_yet(&mut saga, |s| {
            s.on_deadline(due - Duration::milliseconds(1))
        });
    }
}

#[test]
fn deadline_exactly_when_due_fires() {
    let mut saga = awaiting_stock();
    assert!(saga.on_deadline(secs(30)).is_advanced());
}

#[test]
fn deadline_of_a_finished_saga_is_ignored() {
    for mut saga in [completed(), cancelled()] {
        assert_eq!(saga.deadline_at(), None);
        assert_ignored(&mut saga, |s| s.on_deadline(secs(1_000)));
    }
}

#[test]
fn stock_reply_after_the_deadline_fired_does_not_resume_the_happy_path() {
    let mut saga = awaiting_stock();
    saga.on_deadline(secs(30));
    let step = step(saga.on_stock_reserved(secs(31)));
    assert!(
        !step
            .commands
            .iter()
            .any(|c| matches!(c, SagaCommand::ProcessPayment { .. }))
    );
    assert_ignored(&mut saga, |s| {
        s.on_stock_reservation_failed("none", secs(32))
    });
}

// --- order cancelled elsewhere -----------------------------------------------------------

#[test]
fn order_cancelled_after_confirmation_refunds_and_releases() {
    let mut saga = completed();
    let step = step(saga.on_order_cancelled("damaged in transit", secs(100)));
    assert_eq!(
        step.commands,
        [refund("damaged in transit"), release("damaged in transit")]
    );
    assert_eq!(step.order_action, None, "the order is already cancelled");
    assert_eq!(saga.state(), SagaState::Compensating);
    assert_eq!(saga.deadline_at(), Some(secs(130)));
    assert_eq!(saga.failure_reason(), Some("damaged in transit"));
    assert_eq!(saga.version(), 4);
    assert!(saga.on_stock_released(secs(101)).is_advanced());
    assert_eq!(saga.state(), SagaState::Cancelled);
}

#[test]
fn order_cancelled_while_awaiting_payment_refunds_in_case_it_was_captured() {
    let mut saga = awaiting_payment();
    let step = step(saga.on_order_cancelled("customer asked", secs(5)));
    assert_eq!(
        step.commands,
        [refund("customer asked"), release("customer asked")]
    );
    assert_eq!(saga.state(), SagaState::Compensating);
}

#[test]
fn order_cancelled_while_awaiting_stock_releases_and_finishes() {
    let mut saga = awaiting_stock();
    let step = step(saga.on_order_cancelled("customer asked", secs(5)));
    assert_eq!(step.commands, [release("customer asked")]);
    assert_eq!(step.order_action, None);
    assert_eq!(saga.state(), SagaState::Cancelled);
    assert_eq!(saga.deadline_at(), None);
}

#[test]
fn order_cancelled_with_a_blank_reason_uses_a_default() {
    let mut saga = awaiting_stock();
    let step = step(saga.on_order_cancelled(" ", secs(5)));
    assert_eq!(step.commands, [release(FulfilmentSaga::ORDER_CANCELLED)]);
}

#[test]
fn free_order_cancelled_after_confirmation_only_releases_stock() {
    let mut saga = start_with(eur(0));
    saga.on_stock_reserved(secs(1));
    let step = step(saga.on_order_cancelled("customer asked", secs(5)));
    assert_eq!(step.commands, [release("customer asked")]);
}

#[test]
fn order_cancelled_echo_of_the_sagas_own_cancellation_is_ignored() {
    for mut saga in [compensating(), cancelled()] {
        assert_ignored(&mut saga, |s| {
            s.on_order_cancelled("card declined", secs(9))
        });
    }
}

// --- versions, outcomes, snapshot ----------------------------------------------------------

#[test]
fn version_goes_up_by_one_per_advance_only() {
    let mut saga = awaiting_stock();
    assert_eq!(saga.version(), 1);
    saga.on_payment_processed(secs(1)); // not yet
    saga.on_stock_released(secs(1)); // ignored
    assert_eq!(saga.version(), 1);
    saga.on_stock_reserved(secs(1));
    saga.on_stock_reserved(secs(1)); // duplicate
    assert_eq!(saga.version(), 2);
    saga.on_payment_processed(secs(2));
    assert_eq!(saga.version(), 3);
}

#[test]
fn outcome_helpers_expose_commands_and_action() {
    let mut saga = awaiting_payment();
    let outcome = saga.on_payment_processed(secs(2));
    assert!(outcome.is_advanced() && !outcome.is_ignored() && !outcome.is_not_yet());
    assert_eq!(outcome.commands(), [SagaCommand::CommitStock]);
    assert_eq!(outcome.order_action(), Some(&OrderAction::Confirm));
    let ignored = saga.on_payment_processed(secs(3));
    assert!(ignored.is_ignored());
    assert!(ignored.commands().is_empty());
}

#[test]
fn commands_name_themselves_and_their_target_context() {
    let commands = [
        (
            SagaCommand::ReserveStock {
                lines: lines_in(Currency::EUR),
            },
            "ReserveStock",
            "inventory",
        ),
        (
            SagaCommand::ProcessPayment { amount: eur(1) },
            "ProcessPayment",
            "payment",
        ),
        (release("r"), "ReleaseStock", "inventory"),
        (SagaCommand::CommitStock, "CommitStock", "inventory"),
        (refund("r"), "RefundPayment", "payment"),
    ];
    for (command, name, context) in commands {
        assert_eq!(command.command_type(), name);
        assert_eq!(command.target_context(), context);
    }
}

#[test]
fn snapshot_round_trip_in_every_state() {
    for saga in in_every_state() {
        let snapshot = saga.snapshot();
        let restored = FulfilmentSaga::restore(snapshot.clone());
        assert_eq!(restored, saga);
        assert_eq!(restored.snapshot(), snapshot);
    }
}

#[test]
fn restored_saga_continues_where_it_left_off() {
    let mut saga = FulfilmentSaga::restore(awaiting_payment().snapshot());
    assert_eq!(
        step(saga.on_payment_processed(secs(2))).order_action,
        Some(OrderAction::Confirm)
    );
}

#[test]
fn state_names_round_trip_and_classify() {
    for state in SagaState::ALL {
        assert_eq!(state.as_str().parse::<SagaState>(), Ok(state));
        assert_eq!(state.to_string(), state.as_str());
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(json, format!("\"{state}\""));
    }
    assert_eq!(
        "awaitingStock".parse::<SagaState>(),
        Err(ParseSagaStateError("awaitingStock".to_owned()))
    );
    let waiting: Vec<_> = SagaState::ALL
        .into_iter()
        .filter(|s| s.is_waiting())
        .collect();
    assert_eq!(
        waiting,
        [
            SagaState::AwaitingStock,
            SagaState::AwaitingPayment,
            SagaState::Compensating
        ]
    );
}

#[test]
fn every_waiting_state_has_a_deadline_and_finished_ones_do_not() {
    for saga in in_every_state() {
        assert_eq!(
            saga.deadline_at().is_some(),
            saga.state().is_waiting(),
            "{}",
            saga.state()
        );
    }
}

#[test]
fn saga_drives_an_order_through_the_happy_path() {
    let mut order = Order::create(OrderId::new(), crate::CustomerId::new(), t0());
    order
        .add_line(lines_in(Currency::EUR).remove(0), t0())
        .unwrap();
    order.place(t0()).unwrap();
    let total = order.total().unwrap().unwrap();
    let (mut saga, _) =
        FulfilmentSaga::start(order.id(), order.lines().to_vec(), total, timeout(), t0()).unwrap();
    saga.on_stock_reserved(secs(1));
    if let Some(OrderAction::Confirm) = saga.on_payment_processed(secs(2)).order_action() {
        order.confirm(secs(2)).unwrap();
    }
    assert_eq!(order.status(), crate::OrderStatus::Confirmed);
    assert_eq!(saga.state(), SagaState::Completed);
}

#[test]
fn saga_cancellation_reasons_are_accepted_by_the_order() {
    for reason in [
        FulfilmentSaga::OUT_OF_STOCK,
        FulfilmentSaga::STOCK_TIMED_OUT,
        FulfilmentSaga::PAYMENT_TIMED_OUT,
        FulfilmentSaga::PAYMENT_FAILED,
        FulfilmentSaga::ORDER_CANCELLED,
    ] {
        let mut order = Order::create(OrderId::new(), crate::CustomerId::new(), t0());
        order.cancel(reason, t0()).unwrap();
        assert_eq!(order.cancellation_reason(), Some(reason));
    }
}
