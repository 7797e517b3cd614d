//! Business metrics of the order context: orders placed, confirmed and cancelled, how long
//! their sagas took, and sagas that missed a deadline. Each is deferred to the commit of the
//! change it counts ([`after_commit`]), so a rolled-back or redelivered change counts once.

use chrono::{DateTime, Utc};
use order_domain::SagaState;
use orderflow_runtime::after_commit;

use super::saga::SagaTrigger;

/// Why an order was cancelled, as a bounded label: free-text reasons from other contexts
/// would give every order its own series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    OutOfStock,
    PaymentDeclined,
    Timeout,
    CustomerRequest,
    Other,
}

impl CancelReason {
    pub const ALL: [Self; 5] = [
        Self::OutOfStock,
        Self::PaymentDeclined,
        Self::Timeout,
        Self::CustomerRequest,
        Self::Other,
    ];

    /// The `reason` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OutOfStock => "out_of_stock",
            Self::PaymentDeclined => "payment_declined",
            Self::Timeout => "timeout",
            Self::CustomerRequest => "customer_request",
            Self::Other => "other",
        }
    }

    /// The reason behind a saga cancelling the order on `trigger`.
    pub fn of(trigger: &SagaTrigger) -> Self {
        match trigger {
            SagaTrigger::StockReservationFailed { .. } => Self::OutOfStock,
            SagaTrigger::PaymentFailed { .. } => Self::PaymentDeclined,
            SagaTrigger::Deadline => Self::Timeout,
            SagaTrigger::OrderCancelled { .. } => Self::CustomerRequest,
            SagaTrigger::StockReserved
            | SagaTrigger::PaymentProcessed
            | SagaTrigger::StockReleased => Self::Other,
        }
    }
}

/// Every counter at zero, once the recorder is installed: a series that first appears at 1
/// hides that first increase from `increase()`/`rate()`, and dashboards would show no data.
pub fn register() {
    metrics::counter!("orders_placed_total").increment(0);
    metrics::counter!("orders_confirmed_total").increment(0);
    for reason in CancelReason::ALL {
        metrics::counter!("orders_cancelled_total", "reason" => reason.as_str()).increment(0);
    }
    for state in SagaState::ALL
        .into_iter()
        .filter(|state| state.is_waiting())
    {
        metrics::counter!("saga_timeouts_total", "state" => state.as_str()).increment(0);
    }
}

/// An order was placed (its saga started).
pub fn order_placed() {
    after_commit::defer(|| metrics::counter!("orders_placed_total").increment(1));
}

/// The saga confirmed an order placed at `placed_at`.
pub fn order_confirmed(placed_at: Option<DateTime<Utc>>, now: DateTime<Utc>) {
    after_commit::defer(move || {
        metrics::counter!("orders_confirmed_total").increment(1);
        saga_finished("confirmed", placed_at, now);
    });
}

/// An order was cancelled. `placed_at` is given when this ends its saga (it was placed but not
/// yet confirmed), so the saga's duration is recorded too.
pub fn order_cancelled(
    reason: CancelReason,
    saga_placed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    after_commit::defer(move || {
        metrics::counter!("orders_cancelled_total", "reason" => reason.as_str()).increment(1);
        saga_finished("cancelled", saga_placed_at, now);
    });
}

/// The sweeper found a saga in `state` past its deadline.
pub fn saga_timed_out(state: SagaState) {
    after_commit::defer(move || {
        metrics::counter!("saga_timeouts_total", "state" => state.as_str()).increment(1);
    });
}

fn saga_finished(outcome: &'static str, placed_at: Option<DateTime<Utc>>, now: DateTime<Utc>) {
    if let Some(placed_at) = placed_at {
        let seconds = (now - placed_at).to_std().unwrap_or_default().as_secs_f64();
        metrics::histogram!("saga_duration_seconds", "outcome" => outcome).record(seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_saga_trigger_maps_to_a_fixed_reason() {
        let reason = || "card declined by the issuer".to_owned();
        let cases = [
            (
                SagaTrigger::StockReservationFailed { reason: reason() },
                "out_of_stock",
            ),
            (
                SagaTrigger::PaymentFailed { reason: reason() },
                "payment_declined",
            ),
            (SagaTrigger::Deadline, "timeout"),
            (
                SagaTrigger::OrderCancelled { reason: reason() },
                "customer_request",
            ),
            (SagaTrigger::StockReleased, "other"),
        ];
        for (trigger, label) in cases {
            assert_eq!(
                CancelReason::of(&trigger).as_str(),
                label,
                "{}",
                trigger.name()
            );
        }
    }
}
