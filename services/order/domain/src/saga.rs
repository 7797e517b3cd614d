//! The order-fulfilment saga as a pure state machine.
//!
//! ```text
//! start → AwaitingStock ── StockReserved ──→ AwaitingPayment ── PaymentProcessed ──→ Completed
//!   AwaitingStock   ── reservation failed / deadline ─────────────────────→ Cancelled
//!   AwaitingPayment ── payment failed / deadline ───→ Compensating ── StockReleased ──→ Cancelled
//!   AwaitingStock   ── order cancelled ──→ Cancelled (releasing any reservation)
//!   AwaitingPayment, Completed ── order cancelled ──→ Compensating (refund + release)
//! ```
//!
//! Each method takes the reply (or the sweeper's deadline tick) and answers
//! with a [`SagaOutcome`]: either the saga moved on ([`SagaOutcome::Advanced`],
//! with the commands to write to the outbox and what to do with the order),
//! or the reply is a duplicate or stale and is skipped
//! ([`SagaOutcome::Ignored`]), or it came before the saga got there and
//! should be retried later ([`SagaOutcome::NotYet`]). Retry topics reorder
//! messages, so neither of the latter two is an error.
//!
//! Participants must treat commands as idempotent per order (the saga resends
//! rather than risks leaking stock or money): a late `StockReserved` after
//! cancellation answers with another `ReleaseStock`, a late
//! `PaymentProcessed` with another `RefundPayment`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use orderflow_kernel::Money;
use serde::{Deserialize, Serialize};

use crate::{Order, OrderError, OrderId, OrderLine};

/// Where the fulfilment of one order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SagaState {
    /// `ReserveStock` sent; waiting for `StockReserved` or `StockReservationFailed`.
    AwaitingStock,
    /// Stock reserved, `ProcessPayment` sent; waiting for the payment result.
    AwaitingPayment,
    /// Paid and stock committed; the order is confirmed. Only a later
    /// cancellation of the order moves the saga on (to compensate).
    Completed,
    /// Undoing: `ReleaseStock` sent (and a refund where money may have been
    /// taken); waiting for `StockReleased`.
    Compensating,
    /// Finished without fulfilment; nothing is held for the order.
    Cancelled,
}

impl SagaState {
    /// Every state, in the order of the happy path then compensation.
    pub const ALL: [SagaState; 5] = [
        Self::AwaitingStock,
        Self::AwaitingPayment,
        Self::Completed,
        Self::Compensating,
        Self::Cancelled,
    ];

    /// Stable name, identical to the serde form, for the `saga_instance.state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingStock => "AwaitingStock",
            Self::AwaitingPayment => "AwaitingPayment",
            Self::Completed => "Completed",
            Self::Compensating => "Compensating",
            Self::Cancelled => "Cancelled",
        }
    }

    /// True while a reply is awaited, i.e. the saga has a deadline.
    pub fn is_waiting(self) -> bool {
        matches!(
            self,
            Self::AwaitingStock | Self::AwaitingPayment | Self::Compensating
        )
    }

    /// True while undoing; the `saga_instance.compensating` column.
    pub fn is_compensating(self) -> bool {
        self == Self::Compensating
    }
}

impl fmt::Display for SagaState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the names produced by [`SagaState::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown saga state {0:?}")]
pub struct ParseSagaStateError(pub String);

impl FromStr for SagaState {
    type Err = ParseSagaStateError;

    /// Exact, case-sensitive inverse of [`SagaState::as_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| ParseSagaStateError(s.to_owned()))
    }
}

/// A command for another context, to be written to the outbox with the
/// order id as key and correlation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SagaCommand {
    /// Inventory: hold these quantities for the order.
    ReserveStock { lines: Vec<OrderLine> },
    /// Payment: charge the order total.
    ProcessPayment { amount: Money },
    /// Inventory: give back whatever is held for the order (no-op if nothing is).
    ReleaseStock { reason: String },
    /// Inventory: the reservation becomes a sale.
    CommitStock,
    /// Payment: pay back what was charged for the order (no-op if nothing was).
    RefundPayment { amount: Money, reason: String },
}

impl SagaCommand {
    /// Name of the command, e.g. for the message type.
    pub fn command_type(&self) -> &'static str {
        match self {
            Self::ReserveStock { .. } => "ReserveStock",
            Self::ProcessPayment { .. } => "ProcessPayment",
            Self::ReleaseStock { .. } => "ReleaseStock",
            Self::CommitStock => "CommitStock",
            Self::RefundPayment { .. } => "RefundPayment",
        }
    }

    /// The bounded context that handles it: the `<context>` of
    /// `orderflow.<context>.commands`.
    pub fn target_context(&self) -> &'static str {
        match self {
            Self::ReserveStock { .. } | Self::ReleaseStock { .. } | Self::CommitStock => {
                "inventory"
            }
            Self::ProcessPayment { .. } | Self::RefundPayment { .. } => "payment",
        }
    }
}

/// What the application must do to the [`Order`] in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderAction {
    /// Call [`Order::confirm`].
    Confirm,
    /// Call [`Order::cancel`] with this reason (already valid for it).
    Cancel { reason: String },
}

/// The effects of a transition: commands to send, in this order, and the
/// order action, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SagaStep {
    pub commands: Vec<SagaCommand>,
    pub order_action: Option<OrderAction>,
}

/// How the saga took a reply or deadline tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SagaOutcome {
    /// The saga changed (its version went up by one): persist it, write the
    /// commands to the outbox and apply the order action, in one transaction.
    Advanced(SagaStep),
    /// A duplicate or a reply the saga has moved past: commit the inbox row
    /// and skip it. `reason` is for logs.
    Ignored {
        state: SagaState,
        reason: &'static str,
    },
    /// The reply belongs to a later step, or the deadline is not due yet:
    /// nothing changed; retry it later (a transient failure, not the DLT).
    NotYet { state: SagaState },
}

impl SagaOutcome {
    /// The commands to send; empty unless [`SagaOutcome::Advanced`].
    pub fn commands(&self) -> &[SagaCommand] {
        match self {
            Self::Advanced(step) => &step.commands,
            Self::Ignored { .. } | Self::NotYet { .. } => &[],
        }
    }

    /// The order action; `None` unless [`SagaOutcome::Advanced`] with one.
    pub fn order_action(&self) -> Option<&OrderAction> {
        match self {
            Self::Advanced(step) => step.order_action.as_ref(),
            Self::Ignored { .. } | Self::NotYet { .. } => None,
        }
    }

    pub fn is_advanced(&self) -> bool {
        matches!(self, Self::Advanced(_))
    }

    pub fn is_ignored(&self) -> bool {
        matches!(self, Self::Ignored { .. })
    }

    pub fn is_not_yet(&self) -> bool {
        matches!(self, Self::NotYet { .. })
    }
}

/// Every field of a [`FulfilmentSaga`], for the `saga_instance` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SagaSnapshot {
    pub order_id: OrderId,
    pub state: SagaState,
    /// The order total: what is charged, and refunded when compensating.
    pub amount: Money,
    pub step_timeout: Duration,
    /// When the sweeper should call [`FulfilmentSaga::on_deadline`]; `None`
    /// when no reply is awaited.
    pub deadline_at: Option<DateTime<Utc>>,
    /// Why the saga is compensating or cancelled, for operators.
    pub failure_reason: Option<String>,
    pub version: i64,
}

/// The fulfilment of one placed order, orchestrated by the order service.
///
/// Every [`SagaOutcome::Advanced`] bumps [`FulfilmentSaga::version`] by one,
/// so the repository can update with `WHERE version = new_version - 1`.
/// Every transition into a waiting state sets `deadline_at = now +
/// step_timeout`; leaving the waiting states clears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfilmentSaga {
    order_id: OrderId,
    state: SagaState,
    amount: Money,
    step_timeout: Duration,
    deadline_at: Option<DateTime<Utc>>,
    failure_reason: Option<String>,
    version: i64,
}

impl FulfilmentSaga {
    /// Order cancellation reason when stock could not be reserved.
    pub const OUT_OF_STOCK: &'static str = "out of stock";
    /// Order cancellation reason when inventory did not answer in time.
    pub const STOCK_TIMED_OUT: &'static str = "timed out waiting for stock";
    /// Order cancellation reason when payment did not answer in time.
    pub const PAYMENT_TIMED_OUT: &'static str = "payment timed out";
    /// Used when the payment context gives a blank failure reason.
    pub const PAYMENT_FAILED: &'static str = "payment failed";
    /// Used when an order cancellation arrives with a blank reason.
    pub const ORDER_CANCELLED: &'static str = "order cancelled";

    /// Version of a freshly started saga.
    pub const INITIAL_VERSION: i64 = 1;

    /// Starts fulfilling a placed order: `AwaitingStock`, sending `ReserveStock`.
    ///
    /// `lines` and `total` come from `OrderPlaced`; the lines must be
    /// non-empty ([`OrderError::EmptyOrder`]) and in the total's currency.
    pub fn start(
        order_id: OrderId,
        lines: Vec<OrderLine>,
        total: Money,
        step_timeout: Duration,
        now: DateTime<Utc>,
    ) -> Result<(Self, SagaStep), OrderError> {
        if lines.is_empty() {
            return Err(OrderError::EmptyOrder);
        }
        if let Some(line) = lines.iter().find(|l| l.currency() != total.currency()) {
            return Err(OrderError::CurrencyMismatch {
                expected: total.currency(),
                actual: line.currency(),
            });
        }
        let saga = Self {
            order_id,
            state: SagaState::AwaitingStock,
            amount: total,
            step_timeout,
            deadline_at: Some(deadline(now, step_timeout)),
            failure_reason: None,
            version: Self::INITIAL_VERSION,
        };
        let step = SagaStep {
            commands: vec![SagaCommand::ReserveStock { lines }],
            order_action: None,
        };
        Ok((saga, step))
    }

    /// Rebuilds a stored saga.
    pub fn restore(snapshot: SagaSnapshot) -> Self {
        let SagaSnapshot {
            order_id,
            state,
            amount,
            step_timeout,
            deadline_at,
            failure_reason,
            version,
        } = snapshot;
        Self {
            order_id,
            state,
            amount,
            step_timeout,
            deadline_at,
            failure_reason,
            version,
        }
    }

    /// Copy of the current state for a repository to persist.
    pub fn snapshot(&self) -> SagaSnapshot {
        SagaSnapshot {
            order_id: self.order_id,
            state: self.state,
            amount: self.amount,
            step_timeout: self.step_timeout,
            deadline_at: self.deadline_at,
            failure_reason: self.failure_reason.clone(),
            version: self.version,
        }
    }

    pub fn order_id(&self) -> OrderId {
        self.order_id
    }

    pub fn state(&self) -> SagaState {
        self.state
    }

    /// The order total being charged (and refunded when compensating).
    pub fn amount(&self) -> Money {
        self.amount
    }

    /// How long each step may take before [`FulfilmentSaga::on_deadline`] acts.
    pub fn step_timeout(&self) -> Duration {
        self.step_timeout
    }

    pub fn deadline_at(&self) -> Option<DateTime<Utc>> {
        self.deadline_at
    }

    pub fn failure_reason(&self) -> Option<&str> {
        self.failure_reason.as_deref()
    }

    pub fn version(&self) -> i64 {
        self.version
    }

    /// Inventory reserved the stock: charge the customer. A free order (zero
    /// total) needs no payment and completes at once.
    ///
    /// After cancellation the reservation is late (e.g. the deadline fired
    /// first, or inventory retried `ReserveStock` after our `ReleaseStock`):
    /// release it again rather than leak stock.
    pub fn on_stock_reserved(&mut self, now: DateTime<Utc>) -> SagaOutcome {
        match self.state {
            SagaState::AwaitingStock if self.amount.is_zero() => self.advance(
                SagaState::Completed,
                None,
                vec![SagaCommand::CommitStock],
                Some(OrderAction::Confirm),
            ),
            SagaState::AwaitingStock => self.advance(
                SagaState::AwaitingPayment,
                Some(deadline(now, self.step_timeout)),
                vec![SagaCommand::ProcessPayment {
                    amount: self.amount,
                }],
                None,
            ),
            SagaState::AwaitingPayment | SagaState::Completed | SagaState::Compensating => {
                ignored(self.state, "stock is already reserved")
            }
            SagaState::Cancelled => self.advance(
                SagaState::Cancelled,
                None,
                vec![SagaCommand::ReleaseStock {
                    reason: "stock reserved after the order was cancelled".to_owned(),
                }],
                None,
            ),
        }
    }

    /// Inventory could not reserve: nothing is held, so cancel the order
    /// ("out of stock"); `reason` is kept as the failure reason.
    pub fn on_stock_reservation_failed(
        &mut self,
        reason: &str,
        _now: DateTime<Utc>,
    ) -> SagaOutcome {
        match self.state {
            SagaState::AwaitingStock => {
                self.failure_reason = Some(order_reason(reason, Self::OUT_OF_STOCK));
                self.advance(
                    SagaState::Cancelled,
                    None,
                    Vec::new(),
                    Some(OrderAction::Cancel {
                        reason: Self::OUT_OF_STOCK.to_owned(),
                    }),
                )
            }
            SagaState::AwaitingPayment
            | SagaState::Completed
            | SagaState::Compensating
            | SagaState::Cancelled => ignored(self.state, "stock reservation is no longer awaited"),
        }
    }

    /// Payment succeeded: commit the stock and confirm the order.
    ///
    /// After cancellation the payment is late (e.g. it was captured after
    /// the deadline): refund it again rather than keep the customer's money.
    pub fn on_payment_processed(&mut self, _now: DateTime<Utc>) -> SagaOutcome {
        match self.state {
            SagaState::AwaitingPayment => self.advance(
                SagaState::Completed,
                None,
                vec![SagaCommand::CommitStock],
                Some(OrderAction::Confirm),
            ),
            SagaState::AwaitingStock => self.not_yet(),
            SagaState::Completed => ignored(self.state, "payment is already processed"),
            SagaState::Compensating | SagaState::Cancelled => {
                match self.refund("payment processed after the order was cancelled") {
                    Some(refund) => self.advance(self.state, self.deadline_at, vec![refund], None),
                    None => ignored(self.state, "a free order has nothing to refund"),
                }
            }
        }
    }

    /// Payment was refused: release the stock and cancel the order with the
    /// payment's reason (or "payment failed" when it gave none).
    pub fn on_payment_failed(&mut self, reason: &str, now: DateTime<Utc>) -> SagaOutcome {
        match self.state {
            SagaState::AwaitingPayment => {
                let reason = order_reason(reason, Self::PAYMENT_FAILED);
                self.failure_reason = Some(reason.clone());
                self.advance(
                    SagaState::Compensating,
                    Some(deadline(now, self.step_timeout)),
                    vec![SagaCommand::ReleaseStock {
                        reason: reason.clone(),
                    }],
                    Some(OrderAction::Cancel { reason }),
                )
            }
            SagaState::AwaitingStock => self.not_yet(),
            SagaState::Completed | SagaState::Compensating | SagaState::Cancelled => {
                ignored(self.state, "payment result is no longer awaited")
            }
        }
    }

    /// Inventory released the stock: compensation is done.
    pub fn on_stock_released(&mut self, _now: DateTime<Utc>) -> SagaOutcome {
        match self.state {
            SagaState::Compensating => self.advance(SagaState::Cancelled, None, Vec::new(), None),
            SagaState::AwaitingStock
            | SagaState::AwaitingPayment
            | SagaState::Completed
            | SagaState::Cancelled => ignored(self.state, "stock release is not awaited"),
        }
    }

    /// The sweeper found the saga past its deadline.
    ///
    /// - `AwaitingStock`: cancel; release stock in case a reservation was made.
    /// - `AwaitingPayment`: compensate; refund in case the payment was
    ///   captured late, and release the stock.
    /// - `Compensating`: resend `ReleaseStock` and wait another step.
    ///
    /// Before the deadline: [`SagaOutcome::NotYet`]; without one: ignored.
    pub fn on_deadline(&mut self, now: DateTime<Utc>) -> SagaOutcome {
        match self.state {
            SagaState::Completed | SagaState::Cancelled => {
                ignored(self.state, "no reply is awaited")
            }
            _ if self.deadline_at.is_some_and(|due| now < due) => self.not_yet(),
            SagaState::AwaitingStock => {
                let reason = Self::STOCK_TIMED_OUT.to_owned();
                self.failure_reason = Some(reason.clone());
                self.advance(
                    SagaState::Cancelled,
                    None,
                    vec![SagaCommand::ReleaseStock {
                        reason: reason.clone(),
                    }],
                    Some(OrderAction::Cancel { reason }),
                )
            }
            SagaState::AwaitingPayment => {
                let reason = Self::PAYMENT_TIMED_OUT.to_owned();
                self.failure_reason = Some(reason.clone());
                let commands = self.refund_and_release(&reason);
                self.advance(
                    SagaState::Compensating,
                    Some(deadline(now, self.step_timeout)),
                    commands,
                    Some(OrderAction::Cancel { reason }),
                )
            }
            SagaState::Compensating => {
                let reason = self
                    .failure_reason
                    .clone()
                    .unwrap_or_else(|| Self::ORDER_CANCELLED.to_owned());
                self.advance(
                    SagaState::Compensating,
                    Some(deadline(now, self.step_timeout)),
                    vec![SagaCommand::ReleaseStock { reason }],
                    None,
                )
            }
        }
    }

    /// The order was cancelled from outside the saga (by the customer or
    /// support). The order is already cancelled, so there is no order action.
    ///
    /// - `AwaitingStock`: release any reservation; done.
    /// - `AwaitingPayment`: the payment may be captured: refund and release.
    /// - `Completed` (cancelled after confirmation): refund and release.
    ///
    /// Compensating or cancelled sagas ignore it: the saga itself caused the
    /// cancellation, or already reacted to it.
    pub fn on_order_cancelled(&mut self, reason: &str, now: DateTime<Utc>) -> SagaOutcome {
        let reason = order_reason(reason, Self::ORDER_CANCELLED);
        match self.state {
            SagaState::AwaitingStock => {
                self.failure_reason = Some(reason.clone());
                self.advance(
                    SagaState::Cancelled,
                    None,
                    vec![SagaCommand::ReleaseStock { reason }],
                    None,
                )
            }
            SagaState::AwaitingPayment | SagaState::Completed => {
                let commands = self.refund_and_release(&reason);
                self.failure_reason = Some(reason);
                self.advance(
                    SagaState::Compensating,
                    Some(deadline(now, self.step_timeout)),
                    commands,
                    None,
                )
            }
            SagaState::Compensating | SagaState::Cancelled => {
                ignored(self.state, "the saga is already compensating or cancelled")
            }
        }
    }

    fn advance(
        &mut self,
        state: SagaState,
        deadline_at: Option<DateTime<Utc>>,
        commands: Vec<SagaCommand>,
        order_action: Option<OrderAction>,
    ) -> SagaOutcome {
        self.state = state;
        self.deadline_at = deadline_at;
        self.version = self.version.saturating_add(1);
        SagaOutcome::Advanced(SagaStep {
            commands,
            order_action,
        })
    }

    fn not_yet(&self) -> SagaOutcome {
        SagaOutcome::NotYet { state: self.state }
    }

    /// A refund of the order total; none for a free order, which was never charged.
    fn refund(&self, reason: &str) -> Option<SagaCommand> {
        (!self.amount.is_zero()).then(|| SagaCommand::RefundPayment {
            amount: self.amount,
            reason: reason.to_owned(),
        })
    }

    /// Compensation in reverse order of the forward steps: payment, then stock.
    fn refund_and_release(&self, reason: &str) -> Vec<SagaCommand> {
        self.refund(reason)
            .into_iter()
            .chain([SagaCommand::ReleaseStock {
                reason: reason.to_owned(),
            }])
            .collect()
    }
}

fn ignored(state: SagaState, reason: &'static str) -> SagaOutcome {
    SagaOutcome::Ignored { state, reason }
}

/// `now + timeout`, saturating instead of panicking on absurd timeouts.
fn deadline(now: DateTime<Utc>, timeout: Duration) -> DateTime<Utc> {
    now.checked_add_signed(timeout)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A reason from another context made acceptable to [`Order::cancel`]:
/// trimmed, `fallback` when blank, cut to [`Order::MAX_REASON_CHARS`].
fn order_reason(reason: &str, fallback: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() {
        return fallback.to_owned();
    }
    reason
        .chars()
        .take(Order::MAX_REASON_CHARS)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests;
