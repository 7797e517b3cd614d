//! The payment aggregate root.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;

use crate::{
    CustomerId, Decision, LedgerEntry, LedgerEntryKind, OrderId, PaymentError, PaymentEvent,
    PaymentId, PaymentReply, PaymentSnapshot, PaymentStatus,
};

/// The one payment of an order: the consistency boundary that makes payment
/// commands idempotent per order (see [`PaymentStatus`] for the states).
///
/// Rules it guards:
/// - an order is charged at most once: a payment exists per order from its
///   first command on, and a repeated `ProcessPayment` (redelivered by any
///   route) only gets the original outcome again
///   ([`Payment::on_redelivered_process`]);
/// - a refund gives back exactly what was captured, at most once; refunding
///   what was never charged changes nothing;
/// - a refund that overtakes the charge voids the order
///   ([`Payment::void`]), and the late charge is then refused as expired,
///   so money taken after the saga gave up is never kept;
/// - the [ledger](Payment::ledger) is append-only: no method removes or
///   edits an entry.
///
/// Every real change records a [`PaymentEvent`]. Saga commands are never
/// refused over their free text: blank reasons get a default, overlong ones
/// are cut to [`Payment::MAX_REASON_CHARS`], because failing a refund on
/// wording would leave money captured.
#[derive(Debug, Clone)]
pub struct Payment {
    id: PaymentId,
    order_id: OrderId,
    customer_id: Option<CustomerId>,
    amount: Money,
    status: PaymentStatus,
    created_at: DateTime<Utc>,
    void_reason: Option<String>,
    ledger: Vec<LedgerEntry>,
    pending_events: Vec<PaymentEvent>,
}

impl Payment {
    /// Longest reason kept, in characters (not bytes); longer ones are cut.
    pub const MAX_REASON_CHARS: usize = 500;
    /// Why a charge for a voided order is refused.
    pub const EXPIRED_REASON: &'static str = "order cancelled before payment";
    /// Used when a decline comes without a reason.
    pub const DEFAULT_DECLINE_REASON: &'static str = "payment declined";
    /// Used when a refund comes without a reason.
    pub const DEFAULT_REFUND_REASON: &'static str = "refund requested";
    /// Why refunding a declined payment does nothing.
    pub const NOTHING_CHARGED_DECLINED: &'static str =
        "the payment was declined; nothing was charged";
    /// Why refunding a voided order does nothing.
    pub const NOTHING_CHARGED_VOIDED: &'static str =
        "the order was cancelled before payment; nothing was charged";

    /// Charges an order for the first time, as the gateway `decision` says
    /// (see [`PaymentPolicy::decide`](crate::PaymentPolicy::decide)).
    ///
    /// - [`Decision::Approve`]: ledger `Authorised` then `Captured`, status
    ///   `Captured`, event `PaymentProcessed`.
    /// - [`Decision::Decline`]: ledger `Declined` with the reason, status
    ///   `Declined`, event `PaymentFailed`.
    ///
    /// Only for an order with no payment yet; otherwise use
    /// [`Payment::on_redelivered_process`]. The amount must be positive.
    pub fn process(
        id: PaymentId,
        order_id: OrderId,
        customer_id: CustomerId,
        amount: Money,
        decision: Decision,
        now: DateTime<Utc>,
    ) -> Result<Self, PaymentError> {
        ensure_positive(amount)?;
        let mut payment = Self {
            id,
            order_id,
            customer_id: Some(customer_id),
            amount,
            status: PaymentStatus::Captured,
            created_at: now,
            void_reason: None,
            ledger: Vec::new(),
            pending_events: Vec::new(),
        };
        match decision {
            Decision::Approve => {
                payment.append(LedgerEntryKind::Authorised, now, None);
                payment.append(LedgerEntryKind::Captured, now, None);
                payment.record(PaymentEvent::Processed {
                    payment_id: id,
                    order_id,
                    customer_id,
                    amount,
                    occurred_at: now,
                });
            }
            Decision::Decline { reason } => {
                let reason = normalise_reason(&reason, Self::DEFAULT_DECLINE_REASON);
                payment.status = PaymentStatus::Declined;
                payment.append(LedgerEntryKind::Declined, now, Some(reason.clone()));
                payment.record(PaymentEvent::Failed {
                    payment_id: id,
                    order_id,
                    customer_id,
                    amount,
                    reason,
                    occurred_at: now,
                });
            }
        }
        Ok(payment)
    }

    /// A refund for an order that has no payment yet: the saga gave up and
    /// its `RefundPayment` overtook the `ProcessPayment`. Leaves a tombstone
    /// (status `Voided`, empty ledger, event `PaymentVoided`) so the late
    /// charge is refused as expired instead of taking money nobody will
    /// give back. `amount` is the refund's amount, i.e. what the charge
    /// would have been; it must be positive.
    ///
    /// The refund itself is answered with a zero refund: nothing was charged
    /// (see [`PaymentReply::NothingToRefund`]).
    pub fn void(
        id: PaymentId,
        order_id: OrderId,
        amount: Money,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, PaymentError> {
        ensure_positive(amount)?;
        let reason = normalise_reason(reason, Self::EXPIRED_REASON);
        Ok(Self {
            id,
            order_id,
            customer_id: None,
            amount,
            status: PaymentStatus::Voided,
            created_at: now,
            void_reason: Some(reason.clone()),
            ledger: Vec::new(),
            pending_events: vec![PaymentEvent::Voided {
                payment_id: id,
                order_id,
                amount,
                reason,
                occurred_at: now,
            }],
        })
    }

    /// Rebuilds a stored payment; records no events because nothing happened.
    pub fn restore(snapshot: PaymentSnapshot) -> Self {
        let PaymentSnapshot {
            id,
            order_id,
            customer_id,
            amount,
            status,
            created_at,
            void_reason,
            ledger,
        } = snapshot;
        Self {
            id,
            order_id,
            customer_id,
            amount,
            status,
            created_at,
            void_reason,
            ledger,
            pending_events: Vec::new(),
        }
    }

    /// Copy of the current state for a repository to persist.
    pub fn snapshot(&self) -> PaymentSnapshot {
        PaymentSnapshot {
            id: self.id,
            order_id: self.order_id,
            customer_id: self.customer_id,
            amount: self.amount,
            status: self.status,
            created_at: self.created_at,
            void_reason: self.void_reason.clone(),
            ledger: self.ledger.clone(),
        }
    }

    pub fn id(&self) -> PaymentId {
        self.id
    }

    pub fn order_id(&self) -> OrderId {
        self.order_id
    }

    /// The customer charged; `None` for a voided order, whose refund named none.
    pub fn customer_id(&self) -> Option<CustomerId> {
        self.customer_id
    }

    /// What was charged (or attempted, or would have been for a voided order).
    pub fn amount(&self) -> Money {
        self.amount
    }

    pub fn status(&self) -> PaymentStatus {
        self.status
    }

    /// When the first command for the order was handled.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// The audit trail, oldest first. Read-only: entries are only appended.
    pub fn ledger(&self) -> &[LedgerEntry] {
        &self.ledger
    }

    /// Why the charge was declined; `None` unless declined.
    pub fn decline_reason(&self) -> Option<&str> {
        self.last_entry(LedgerEntryKind::Declined)
            .and_then(|entry| entry.reason.as_deref())
    }

    /// Why the payment was refunded; `None` unless refunded.
    pub fn refund_reason(&self) -> Option<&str> {
        self.last_entry(LedgerEntryKind::Refunded)
            .and_then(|entry| entry.reason.as_deref())
    }

    /// Why the order was voided; `None` unless voided.
    pub fn void_reason(&self) -> Option<&str> {
        self.void_reason.as_deref()
    }

    /// When the money was taken; `None` if it never was.
    pub fn captured_at(&self) -> Option<DateTime<Utc>> {
        self.last_entry(LedgerEntryKind::Captured)
            .map(|entry| entry.at)
    }

    /// When the money was given back; `None` if it was not.
    pub fn refunded_at(&self) -> Option<DateTime<Utc>> {
        self.last_entry(LedgerEntryKind::Refunded)
            .map(|entry| entry.at)
    }

    /// What this payment currently holds of the customer's money, from the
    /// ledger: captured minus refunded (the amount while captured, else
    /// zero). Counts against the per-customer limit.
    pub fn exposure(&self) -> Money {
        // Saturating: a ledger holds at most one capture and one refund of
        // an i64 amount, so this only matters for corrupt restored data.
        let net = self.ledger.iter().fold(0_i64, |sum, entry| {
            sum.saturating_add(
                entry
                    .amount
                    .amount_minor()
                    .saturating_mul(entry.kind.sign()),
            )
        });
        Money::new(net, self.amount.currency())
    }

    /// The answer to a `ProcessPayment` for an order that already has this
    /// payment: the original outcome, with its original time, and no new
    /// charge, ledger entry or event.
    ///
    /// - captured, or captured and since refunded: `PaymentProcessed` (the
    ///   charge did happen; a saga that has given up answers it with another
    ///   refund, which is a no-op here);
    /// - declined: `PaymentFailed` with the same reason;
    /// - voided: `PaymentFailed` with [`Payment::EXPIRED_REASON`], i.e. the
    ///   late charge is refused as expired.
    pub fn on_redelivered_process(&self) -> PaymentReply {
        match self.status {
            PaymentStatus::Captured | PaymentStatus::Refunded => PaymentReply::Processed {
                payment_id: self.id,
                order_id: self.order_id,
                amount: self.amount,
                processed_at: self.captured_at().unwrap_or(self.created_at),
            },
            PaymentStatus::Declined => PaymentReply::Failed {
                order_id: self.order_id,
                amount: self.amount,
                reason: self
                    .decline_reason()
                    .unwrap_or(Self::DEFAULT_DECLINE_REASON)
                    .to_owned(),
                failed_at: self.created_at,
            },
            PaymentStatus::Voided => PaymentReply::Failed {
                order_id: self.order_id,
                amount: self.amount,
                reason: Self::EXPIRED_REASON.to_owned(),
                failed_at: self.created_at,
            },
        }
    }

    /// Gives the captured amount back in full (the amount a `RefundPayment`
    /// carries is informational: partial refunds are not modelled).
    ///
    /// - captured: ledger `Refunded`, status `Refunded`, event
    ///   `PaymentRefunded`; answers `PaymentRefunded`;
    /// - already refunded: nothing changes; answers the same
    ///   `PaymentRefunded` again (original time, first reason kept);
    /// - declined or voided: nothing changes; answers
    ///   [`PaymentReply::NothingToRefund`] (a zero refund, at the time the
    ///   payment was declined or voided).
    pub fn refund(&mut self, reason: &str, now: DateTime<Utc>) -> PaymentReply {
        match self.status {
            PaymentStatus::Captured => {
                let reason = normalise_reason(reason, Self::DEFAULT_REFUND_REASON);
                self.status = PaymentStatus::Refunded;
                self.append(LedgerEntryKind::Refunded, now, Some(reason.clone()));
                let event = PaymentEvent::Refunded {
                    payment_id: self.id,
                    order_id: self.order_id,
                    amount: self.amount,
                    reason,
                    occurred_at: now,
                };
                let reply = event.reply();
                self.record(event);
                reply
            }
            PaymentStatus::Refunded => PaymentReply::Refunded {
                payment_id: self.id,
                order_id: self.order_id,
                amount: self.amount,
                refunded_at: self.refunded_at().unwrap_or(self.created_at),
            },
            PaymentStatus::Declined => self.nothing_to_refund(Self::NOTHING_CHARGED_DECLINED),
            PaymentStatus::Voided => self.nothing_to_refund(Self::NOTHING_CHARGED_VOIDED),
        }
    }

    /// Events recorded since the last [`Payment::take_events`], oldest first.
    pub fn pending_events(&self) -> &[PaymentEvent] {
        &self.pending_events
    }

    /// Drains the recorded events, e.g. to dispatch them after saving.
    pub fn take_events(&mut self) -> Vec<PaymentEvent> {
        std::mem::take(&mut self.pending_events)
    }

    fn nothing_to_refund(&self, reason: &str) -> PaymentReply {
        PaymentReply::NothingToRefund {
            payment_id: self.id,
            order_id: self.order_id,
            amount: Money::zero(self.amount.currency()),
            reason: reason.to_owned(),
            at: self.created_at,
        }
    }

    fn last_entry(&self, kind: LedgerEntryKind) -> Option<&LedgerEntry> {
        self.ledger.iter().rev().find(|entry| entry.kind == kind)
    }

    /// The only way entries get into the ledger: at the end, for the full amount.
    fn append(&mut self, kind: LedgerEntryKind, at: DateTime<Utc>, reason: Option<String>) {
        self.ledger.push(LedgerEntry {
            kind,
            amount: self.amount,
            at,
            reason,
        });
    }

    fn record(&mut self, event: PaymentEvent) {
        self.pending_events.push(event);
    }
}

fn ensure_positive(amount: Money) -> Result<(), PaymentError> {
    if amount.amount_minor() > 0 {
        Ok(())
    } else {
        Err(PaymentError::NonPositiveAmount { amount })
    }
}

/// Trims `reason`, falls back to `default` when blank, and cuts it to
/// [`Payment::MAX_REASON_CHARS`] characters.
fn normalise_reason(reason: &str, default: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() {
        return default.to_owned();
    }
    reason
        .chars()
        .take(Payment::MAX_REASON_CHARS)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests;
