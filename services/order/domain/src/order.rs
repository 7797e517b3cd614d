//! The order aggregate root.

use chrono::{DateTime, Utc};
use orderflow_kernel::{Currency, Money};

use crate::{
    CustomerId, OrderError, OrderEvent, OrderId, OrderLine, OrderSnapshot, OrderStatus, ProductId,
    Quantity, StatusChange,
};

/// A customer's order: the consistency boundary for its lines, total and
/// lifecycle (see [`OrderStatus`] for the state diagram).
///
/// Rules it guards:
/// - lines change only while the order is a draft;
/// - at most one line per product (adding a product again adds to its
///   quantity, keeping the name and price it was first added with);
/// - one currency per order, fixed by the first line (an emptied draft has
///   none again, since no amount remains to be consistent with);
/// - the total always fits the money type: a change that would overflow it is
///   refused, so placing never fails on arithmetic;
/// - an order without lines cannot be placed; a cancellation needs a reason.
///
/// Every real change records an [`OrderEvent`]; every status change also
/// appends to [`Order::history`]. Asking for the status the order is already
/// in (placing a placed order, confirming a confirmed one, cancelling a
/// cancelled one, ...) succeeds and records nothing, so redelivered saga
/// replies and retried requests are harmless. Leaving a terminal status is
/// always [`OrderError::InvalidTransition`].
#[derive(Debug, Clone)]
pub struct Order {
    id: OrderId,
    customer_id: CustomerId,
    lines: Vec<OrderLine>,
    status: OrderStatus,
    created_at: DateTime<Utc>,
    placed_at: Option<DateTime<Utc>>,
    confirmed_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
    cancellation_reason: Option<String>,
    history: Vec<StatusChange>,
    pending_events: Vec<OrderEvent>,
}

impl Order {
    /// Longest cancellation reason, in characters (not bytes).
    pub const MAX_REASON_CHARS: usize = 500;

    /// Starts an empty draft for `customer_id` and records `OrderCreated`.
    ///
    /// Whether the customer may order (known, active) is checked by the
    /// application against its read model before calling this.
    pub fn create(id: OrderId, customer_id: CustomerId, now: DateTime<Utc>) -> Self {
        Self {
            id,
            customer_id,
            lines: Vec::new(),
            status: OrderStatus::Draft,
            created_at: now,
            placed_at: None,
            confirmed_at: None,
            completed_at: None,
            cancelled_at: None,
            cancellation_reason: None,
            history: vec![StatusChange {
                from: None,
                to: OrderStatus::Draft,
                at: now,
                reason: None,
            }],
            pending_events: vec![OrderEvent::Created {
                order_id: id,
                customer_id,
                occurred_at: now,
            }],
        }
    }

    /// Rebuilds a stored order; records no events because nothing happened.
    pub fn restore(snapshot: OrderSnapshot) -> Self {
        let OrderSnapshot {
            id,
            customer_id,
            lines,
            status,
            created_at,
            placed_at,
            confirmed_at,
            completed_at,
            cancelled_at,
            cancellation_reason,
            history,
        } = snapshot;
        Self {
            id,
            customer_id,
            lines,
            status,
            created_at,
            placed_at,
            confirmed_at,
            completed_at,
            cancelled_at,
            cancellation_reason,
            history,
            pending_events: Vec::new(),
        }
    }

    /// Copy of the current state for a repository to persist.
    pub fn snapshot(&self) -> OrderSnapshot {
        OrderSnapshot {
            id: self.id,
            customer_id: self.customer_id,
            lines: self.lines.clone(),
            status: self.status,
            created_at: self.created_at,
            placed_at: self.placed_at,
            confirmed_at: self.confirmed_at,
            completed_at: self.completed_at,
            cancelled_at: self.cancelled_at,
            cancellation_reason: self.cancellation_reason.clone(),
            history: self.history.clone(),
        }
    }

    pub fn id(&self) -> OrderId {
        self.id
    }

    pub fn customer_id(&self) -> CustomerId {
        self.customer_id
    }

    /// The order's currency: that of its first line; `None` while it has no lines.
    pub fn currency(&self) -> Option<Currency> {
        self.lines.first().map(OrderLine::currency)
    }

    /// The lines, in the order their products were first added.
    pub fn lines(&self) -> &[OrderLine] {
        &self.lines
    }

    /// The line for `product_id`, if the order has one.
    pub fn line(&self, product_id: ProductId) -> Option<&OrderLine> {
        self.lines.iter().find(|l| l.product_id() == product_id)
    }

    pub fn status(&self) -> OrderStatus {
        self.status
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn placed_at(&self) -> Option<DateTime<Utc>> {
        self.placed_at
    }

    pub fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.confirmed_at
    }

    pub fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.completed_at
    }

    pub fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.cancelled_at
    }

    /// Why the order was cancelled; `None` unless it is cancelled.
    pub fn cancellation_reason(&self) -> Option<&str> {
        self.cancellation_reason.as_deref()
    }

    /// Every status change, oldest first, starting with the creation entry.
    pub fn history(&self) -> &[StatusChange] {
        &self.history
    }

    /// The sum of the line totals, or `None` for an order without lines:
    /// an empty order has no currency, so "zero" would have to invent one.
    ///
    /// Errors only with [`OrderError::AmountOverflow`], which the commands
    /// prevent; it can happen only for state restored from elsewhere.
    pub fn total(&self) -> Result<Option<Money>, OrderError> {
        match self.currency() {
            None => Ok(None),
            Some(currency) => sum_lines(currency, &self.lines).map(Some),
        }
    }

    /// Adds a line, or adds its quantity to the existing line for the same
    /// product (recording `OrderLineChanged`; name and price stay those of
    /// the existing line). The first line fixes the order's currency.
    pub fn add_line(&mut self, line: OrderLine, now: DateTime<Utc>) -> Result<(), OrderError> {
        self.ensure_draft()?;
        if let Some(expected) = self.currency()
            && expected != line.currency()
        {
            return Err(OrderError::CurrencyMismatch {
                expected,
                actual: line.currency(),
            });
        }
        if let Some(index) = self.position(line.product_id()) {
            let combined = self.lines[index].quantity().checked_add(line.quantity())?;
            return self.set_quantity(index, combined, now);
        }
        let mut lines = self.lines.clone();
        lines.push(line.clone());
        sum_lines(line.currency(), &lines)?;
        self.lines = lines;
        self.record(OrderEvent::LineAdded {
            order_id: self.id,
            line,
            occurred_at: now,
        });
        Ok(())
    }

    /// Sets the quantity of the line for `product_id`; the same quantity is a
    /// no-op. To drop a line use [`Order::remove_line`] (a quantity is never 0).
    pub fn change_quantity(
        &mut self,
        product_id: ProductId,
        quantity: Quantity,
        now: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.ensure_draft()?;
        let index = self
            .position(product_id)
            .ok_or(OrderError::LineNotFound { product_id })?;
        self.set_quantity(index, quantity, now)
    }

    /// Removes the line for `product_id`. Removing the last line frees the
    /// currency, so the draft can be refilled in another one.
    pub fn remove_line(
        &mut self,
        product_id: ProductId,
        now: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.ensure_draft()?;
        let index = self
            .position(product_id)
            .ok_or(OrderError::LineNotFound { product_id })?;
        self.lines.remove(index);
        self.record(OrderEvent::LineRemoved {
            order_id: self.id,
            product_id,
            occurred_at: now,
        });
        Ok(())
    }

    /// Submits a draft: `Draft → Placed`, recording `OrderPlaced` with the
    /// lines and total the saga needs. Already placed: `Ok`, nothing recorded.
    pub fn place(&mut self, now: DateTime<Utc>) -> Result<(), OrderError> {
        match self.status {
            OrderStatus::Placed => return Ok(()),
            OrderStatus::Draft => {}
            from => {
                return Err(OrderError::InvalidTransition {
                    from,
                    to: OrderStatus::Placed,
                });
            }
        }
        let total = self.total()?.ok_or(OrderError::EmptyOrder)?;
        self.transition(OrderStatus::Placed, now, None);
        self.placed_at = Some(now);
        self.record(OrderEvent::Placed {
            order_id: self.id,
            customer_id: self.customer_id,
            lines: self.lines.clone(),
            total,
            occurred_at: now,
        });
        Ok(())
    }

    /// Stock reserved and paid: `Placed → Confirmed`. Already confirmed: `Ok`,
    /// nothing recorded, so a redelivered `PaymentProcessed` is harmless.
    pub fn confirm(&mut self, now: DateTime<Utc>) -> Result<(), OrderError> {
        match self.status {
            OrderStatus::Confirmed => return Ok(()),
            OrderStatus::Placed => {}
            from => {
                return Err(OrderError::InvalidTransition {
                    from,
                    to: OrderStatus::Confirmed,
                });
            }
        }
        self.transition(OrderStatus::Confirmed, now, None);
        self.confirmed_at = Some(now);
        self.record(OrderEvent::Confirmed {
            order_id: self.id,
            occurred_at: now,
        });
        Ok(())
    }

    /// Fulfilled: `Confirmed → Completed`. Already completed: `Ok`, nothing recorded.
    pub fn complete(&mut self, now: DateTime<Utc>) -> Result<(), OrderError> {
        match self.status {
            OrderStatus::Completed => return Ok(()),
            OrderStatus::Confirmed => {}
            from => {
                return Err(OrderError::InvalidTransition {
                    from,
                    to: OrderStatus::Completed,
                });
            }
        }
        self.transition(OrderStatus::Completed, now, None);
        self.completed_at = Some(now);
        self.record(OrderEvent::Completed {
            order_id: self.id,
            occurred_at: now,
        });
        Ok(())
    }

    /// Cancels a draft, placed or confirmed order with a reason (trimmed,
    /// 1 to 500 characters), recording `OrderCancelled` with the status it
    /// left, so the saga knows whether to refund (it was `Confirmed`).
    ///
    /// The reason is validated first, even when the order is already
    /// cancelled; then an already cancelled order is `Ok` with nothing
    /// recorded and keeps its first reason. A completed order can't be cancelled.
    pub fn cancel(&mut self, reason: &str, now: DateTime<Utc>) -> Result<(), OrderError> {
        let reason = validate_reason(reason)?;
        let was = match self.status {
            OrderStatus::Cancelled => return Ok(()),
            OrderStatus::Completed => {
                return Err(OrderError::InvalidTransition {
                    from: OrderStatus::Completed,
                    to: OrderStatus::Cancelled,
                });
            }
            was @ (OrderStatus::Draft | OrderStatus::Placed | OrderStatus::Confirmed) => was,
        };
        self.transition(OrderStatus::Cancelled, now, Some(reason.clone()));
        self.cancelled_at = Some(now);
        self.cancellation_reason = Some(reason.clone());
        self.record(OrderEvent::Cancelled {
            order_id: self.id,
            was,
            reason,
            occurred_at: now,
        });
        Ok(())
    }

    /// Events recorded since the last [`Order::take_events`], oldest first.
    pub fn pending_events(&self) -> &[OrderEvent] {
        &self.pending_events
    }

    /// Drains the recorded events, e.g. to dispatch them after saving.
    pub fn take_events(&mut self) -> Vec<OrderEvent> {
        std::mem::take(&mut self.pending_events)
    }

    fn ensure_draft(&self) -> Result<(), OrderError> {
        match self.status {
            OrderStatus::Draft => Ok(()),
            status => Err(OrderError::NotDraft { status }),
        }
    }

    fn position(&self, product_id: ProductId) -> Option<usize> {
        self.lines.iter().position(|l| l.product_id() == product_id)
    }

    /// Changes the quantity of the line at `index` if the total still fits.
    fn set_quantity(
        &mut self,
        index: usize,
        quantity: Quantity,
        now: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        let old = &self.lines[index];
        let old_quantity = old.quantity();
        if old_quantity == quantity {
            return Ok(());
        }
        let (product_id, currency) = (old.product_id(), old.currency());
        let mut lines = self.lines.clone();
        lines[index] = old.with_quantity(quantity);
        sum_lines(currency, &lines)?;
        self.lines = lines;
        self.record(OrderEvent::LineChanged {
            order_id: self.id,
            product_id,
            old_quantity,
            new_quantity: quantity,
            occurred_at: now,
        });
        Ok(())
    }

    fn transition(&mut self, to: OrderStatus, now: DateTime<Utc>, reason: Option<String>) {
        self.history.push(StatusChange {
            from: Some(self.status),
            to,
            at: now,
            reason,
        });
        self.status = to;
    }

    fn record(&mut self, event: OrderEvent) {
        self.pending_events.push(event);
    }
}

/// Total of `lines`, all in `currency`, failing instead of overflowing.
fn sum_lines(currency: Currency, lines: &[OrderLine]) -> Result<Money, OrderError> {
    lines.iter().try_fold(Money::zero(currency), |sum, line| {
        Ok(sum.checked_add(line.line_total()?)?)
    })
}

/// Trims a cancellation reason and checks it is 1 to 500 characters.
fn validate_reason(reason: &str) -> Result<String, OrderError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(OrderError::ReasonRequired);
    }
    let chars = reason.chars().count();
    if chars > Order::MAX_REASON_CHARS {
        return Err(OrderError::ReasonTooLong {
            max: Order::MAX_REASON_CHARS,
            actual: chars,
        });
    }
    Ok(reason.to_owned())
}

#[cfg(test)]
mod tests;
