//! The reservation aggregate: the stock held for one order.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::allocation::{allocate, apply_all, merge_lines};
use crate::{
    InventoryError, OrderId, Product, ReservationEvent, ReservationSnapshot, StockLine,
    StockShortage,
};

/// Where an order's reservation stands.
///
/// ```text
/// Pending ──reserve──► Reserved ──commit──► Committed
///    │         │           │                    │
///    │         └─► Failed  │ release            │ release (order cancelled:
///    │                     ▼                    │  the goods go back on hand)
///    └─release (nothing held)─► Released ◄──────┘
/// ```
///
/// Only `Reserved` holds stock. `Failed` and `Released` are final:
/// redelivered commands are answered from them without touching stock
/// again. `Committed` moves on only when the confirmed order is cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all_fields = "camelCase")]
pub enum ReservationStatus {
    /// Created for a `ReserveStock`, not yet decided.
    Pending,
    /// Every line is held, out of the products' available stock.
    Reserved,
    /// Nothing was held because these products were short.
    Failed { shortages: Vec<StockShortage> },
    /// The held stock went back (or nothing had been held when the release
    /// came); a late `ReserveStock` must not reserve again.
    Released,
    /// The held stock was sold: it left stock on hand, until a cancellation
    /// of the confirmed order returns it.
    Committed,
}

impl ReservationStatus {
    /// Stable name, identical to the serde `kind`, for a status column.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Reserved => "Reserved",
            Self::Failed { .. } => "Failed",
            Self::Released => "Released",
            Self::Committed => "Committed",
        }
    }

    /// True for statuses no command moves on from.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Failed { .. } | Self::Released)
    }
}

impl fmt::Display for ReservationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to a `ReserveStock`: what to tell the saga.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservationOutcome {
    /// Every line is (or, on redelivery, was) held: answer `StockReserved`.
    Reserved { lines: Vec<StockLine> },
    /// Nothing is held, because of these shortages: answer
    /// `StockReservationFailed` naming them.
    Failed { shortages: Vec<StockShortage> },
    /// The reservation was released before this (late or redelivered)
    /// `ReserveStock`: nothing is reserved, and the saga, which has moved
    /// on, is told `StockReservationFailed` ([`ReservationOutcome::ALREADY_RELEASED`]).
    AlreadyReleased,
}

impl ReservationOutcome {
    /// Failure reason when products were short; the shortages name them.
    pub const OUT_OF_STOCK: &'static str = "out of stock";
    /// Failure reason when the order's stock was released before (or
    /// instead of) this `ReserveStock`.
    pub const ALREADY_RELEASED: &'static str = "order already released";

    pub fn is_reserved(&self) -> bool {
        matches!(self, Self::Reserved { .. })
    }

    /// The cause to report in `StockReservationFailed`: a short, stable
    /// phrase the saga can show or match on, while the shortages carry the
    /// numbers. `None` for [`ReservationOutcome::Reserved`].
    pub fn failure_reason(&self) -> Option<&'static str> {
        match self {
            Self::Failed { .. } => Some(Self::OUT_OF_STOCK),
            Self::AlreadyReleased => Some(Self::ALREADY_RELEASED),
            Self::Reserved { .. } => None,
        }
    }
}

/// The answer to a `ReleaseStock`. Every outcome is answered with
/// `StockReleased`, because the saga waits for it whether or not anything
/// was still held; only the first two changed stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseOutcome {
    /// The held stock is available again; `StockReleased` was recorded.
    Released,
    /// The order had been confirmed and is now cancelled: the committed
    /// (sold) units went back on hand; `StockReleased` was recorded with
    /// `returned` set, so the return is audited as a stock movement.
    Returned,
    /// Released before: a redelivery, no-op.
    AlreadyReleased,
    /// Nothing was held (the reservation failed, or the release came before
    /// any reservation): no-op.
    NothingReserved,
}

impl ReleaseOutcome {
    /// True when product stock changed, i.e. products must be saved.
    pub fn changed_stock(self) -> bool {
        matches!(self, Self::Released | Self::Returned)
    }
}

/// The answer to a `CommitStock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The held stock left stock on hand and `StockCommitted` was recorded:
    /// publish it.
    Committed,
    /// Committed before: a redelivery, no-op, nothing to publish.
    AlreadyCommitted,
}

/// The stock held for one order: the consistency boundary that makes the
/// saga's stock commands idempotent.
///
/// The saga may deliver a command more than once and out of order, so each
/// command is answered from the reservation's status:
/// - `ReserveStock` reserves only while `Pending`; afterwards it gets the
///   same outcome again (`Reserved` also once committed), and after a
///   release it reserves nothing ([`ReservationOutcome::AlreadyReleased`]);
/// - `ReleaseStock` gives back held stock while `Reserved`, returns sold
///   stock to the shelf while `Committed` (a confirmed order was cancelled),
///   and is a no-op for released, failed or never-reserved reservations;
/// - `CommitStock` commits only while `Reserved`; a committed reservation
///   makes it a no-op; anything else is an error (there is nothing to sell).
///
/// Real changes record a [`ReservationEvent`]; redeliveries record nothing.
/// Each change applies to all lines or none.
#[derive(Debug, Clone)]
pub struct Reservation {
    order_id: OrderId,
    lines: Vec<StockLine>,
    status: ReservationStatus,
    created_at: DateTime<Utc>,
    reserved_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    released_at: Option<DateTime<Utc>>,
    committed_at: Option<DateTime<Utc>>,
    pending_events: Vec<ReservationEvent>,
}

impl Reservation {
    /// A `Pending` reservation of `lines` for `order_id`, for an order that
    /// has none yet; [`Reservation::reserve`] decides it. Lines for the same
    /// product are added up; at least one line is required.
    pub fn new(
        order_id: OrderId,
        lines: &[StockLine],
        now: DateTime<Utc>,
    ) -> Result<Self, InventoryError> {
        Ok(Self {
            order_id,
            lines: merge_lines(lines)?,
            status: ReservationStatus::Pending,
            created_at: now,
            reserved_at: None,
            failed_at: None,
            released_at: None,
            committed_at: None,
            pending_events: Vec::new(),
        })
    }

    /// A `Released` reservation without lines, for a `ReleaseStock` that
    /// arrives before its `ReserveStock` (retry topics reorder messages).
    /// Storing it makes the late `ReserveStock` a no-op instead of holding
    /// stock for a cancelled order. Records nothing: no stock changed.
    pub fn released_before_reserve(order_id: OrderId, now: DateTime<Utc>) -> Self {
        Self {
            order_id,
            lines: Vec::new(),
            status: ReservationStatus::Released,
            created_at: now,
            reserved_at: None,
            failed_at: None,
            released_at: Some(now),
            committed_at: None,
            pending_events: Vec::new(),
        }
    }

    /// Rebuilds a stored reservation; records no events because nothing happened.
    pub fn restore(snapshot: ReservationSnapshot) -> Self {
        let ReservationSnapshot {
            order_id,
            lines,
            status,
            created_at,
            reserved_at,
            failed_at,
            released_at,
            committed_at,
        } = snapshot;
        Self {
            order_id,
            lines,
            status,
            created_at,
            reserved_at,
            failed_at,
            released_at,
            committed_at,
            pending_events: Vec::new(),
        }
    }

    /// Copy of the current state for a repository to persist.
    pub fn snapshot(&self) -> ReservationSnapshot {
        ReservationSnapshot {
            order_id: self.order_id,
            lines: self.lines.clone(),
            status: self.status.clone(),
            created_at: self.created_at,
            reserved_at: self.reserved_at,
            failed_at: self.failed_at,
            released_at: self.released_at,
            committed_at: self.committed_at,
        }
    }

    pub fn order_id(&self) -> OrderId {
        self.order_id
    }

    /// One line per product, in order of first appearance.
    pub fn lines(&self) -> &[StockLine] {
        &self.lines
    }

    pub fn status(&self) -> &ReservationStatus {
        &self.status
    }

    /// The products that were short; empty unless the reservation failed.
    pub fn shortages(&self) -> &[StockShortage] {
        match &self.status {
            ReservationStatus::Failed { shortages } => shortages,
            _ => &[],
        }
    }

    /// True while the lines are held out of available stock.
    pub fn holds_stock(&self) -> bool {
        self.status == ReservationStatus::Reserved
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn reserved_at(&self) -> Option<DateTime<Utc>> {
        self.reserved_at
    }

    pub fn failed_at(&self) -> Option<DateTime<Utc>> {
        self.failed_at
    }

    pub fn released_at(&self) -> Option<DateTime<Utc>> {
        self.released_at
    }

    pub fn committed_at(&self) -> Option<DateTime<Utc>> {
        self.committed_at
    }

    /// The answer to a `ReserveStock` given the current status; `None`
    /// while `Pending` (not decided yet).
    pub fn outcome(&self) -> Option<ReservationOutcome> {
        match &self.status {
            ReservationStatus::Pending => None,
            ReservationStatus::Reserved | ReservationStatus::Committed => {
                Some(ReservationOutcome::Reserved {
                    lines: self.lines.clone(),
                })
            }
            ReservationStatus::Failed { shortages } => Some(ReservationOutcome::Failed {
                shortages: shortages.clone(),
            }),
            ReservationStatus::Released => Some(ReservationOutcome::AlreadyReleased),
        }
    }

    /// Handles `ReserveStock`. While `Pending`, reserves all lines from
    /// `products` or none (see [`crate::reserve_all`]), moving to `Reserved`
    /// (recording `StockReserved`) or `Failed` (recording
    /// `StockReservationFailed` with every shortage).
    ///
    /// Once decided, answers with [`Reservation::outcome`] and changes
    /// nothing: a redelivery gets the same answer, and a reservation that
    /// was released is never reserved again. Whether anything changed can be
    /// seen from [`Reservation::pending_events`].
    pub fn reserve(
        &mut self,
        products: &mut [Product],
        now: DateTime<Utc>,
    ) -> Result<ReservationOutcome, InventoryError> {
        if let Some(outcome) = self.outcome() {
            return Ok(outcome);
        }
        match allocate(&self.lines, products)? {
            Ok(lines) => {
                self.lines = lines.clone();
                self.status = ReservationStatus::Reserved;
                self.reserved_at = Some(now);
                self.record(ReservationEvent::Reserved {
                    order_id: self.order_id,
                    lines: lines.clone(),
                    occurred_at: now,
                });
                Ok(ReservationOutcome::Reserved { lines })
            }
            Err(shortages) => {
                self.status = ReservationStatus::Failed {
                    shortages: shortages.clone(),
                };
                self.failed_at = Some(now);
                self.record(ReservationEvent::ReservationFailed {
                    order_id: self.order_id,
                    shortages: shortages.clone(),
                    occurred_at: now,
                });
                Ok(ReservationOutcome::Failed { shortages })
            }
        }
    }

    /// Handles `ReleaseStock` (compensation). A `Reserved` reservation gives
    /// its lines back to available stock; a `Committed` one puts them back on
    /// hand (the cancelled order's goods return to the shelf). Either way all
    /// lines or none change, the reservation becomes `Released` and
    /// `StockReleased` is recorded. A `Pending` one becomes `Released`
    /// without touching stock, so a late `ReserveStock` is refused. See
    /// [`ReleaseOutcome`] for the no-op cases.
    ///
    /// Errors, with nothing changed, only if a product of the lines is
    /// missing from `products`, holds less than the reservation says, or
    /// would overflow its stock counter.
    pub fn release(
        &mut self,
        products: &mut [Product],
        now: DateTime<Utc>,
    ) -> Result<ReleaseOutcome, InventoryError> {
        match self.status {
            ReservationStatus::Reserved => {
                apply_all(&self.lines, products, Product::release)?;
                self.mark_released(now);
                self.record_released(false, now);
                Ok(ReleaseOutcome::Released)
            }
            ReservationStatus::Committed => {
                apply_all(&self.lines, products, Product::return_stock)?;
                self.mark_released(now);
                self.record_released(true, now);
                Ok(ReleaseOutcome::Returned)
            }
            ReservationStatus::Pending => {
                self.mark_released(now);
                Ok(ReleaseOutcome::NothingReserved)
            }
            ReservationStatus::Failed { .. } => Ok(ReleaseOutcome::NothingReserved),
            ReservationStatus::Released => Ok(ReleaseOutcome::AlreadyReleased),
        }
    }

    fn mark_released(&mut self, now: DateTime<Utc>) {
        self.status = ReservationStatus::Released;
        self.released_at = Some(now);
    }

    /// Records `StockReleased`; `returned` when the lines came back from a sale.
    fn record_released(&mut self, returned: bool, now: DateTime<Utc>) {
        self.record(ReservationEvent::Released {
            order_id: self.order_id,
            lines: self.lines.clone(),
            returned,
            occurred_at: now,
        });
    }

    /// Handles `CommitStock` (the order was confirmed): the held lines leave
    /// both the reserved count and the stock on hand of `products`, all or
    /// none, and `StockCommitted` is recorded. Already committed: no-op.
    ///
    /// [`InventoryError::NotCommittable`] for a reservation that holds
    /// nothing (pending, failed or released): there is nothing to sell.
    pub fn commit(
        &mut self,
        products: &mut [Product],
        now: DateTime<Utc>,
    ) -> Result<CommitOutcome, InventoryError> {
        match self.status {
            ReservationStatus::Reserved => {
                apply_all(&self.lines, products, Product::commit)?;
                self.status = ReservationStatus::Committed;
                self.committed_at = Some(now);
                self.record(ReservationEvent::Committed {
                    order_id: self.order_id,
                    lines: self.lines.clone(),
                    occurred_at: now,
                });
                Ok(CommitOutcome::Committed)
            }
            ReservationStatus::Committed => Ok(CommitOutcome::AlreadyCommitted),
            ReservationStatus::Pending
            | ReservationStatus::Failed { .. }
            | ReservationStatus::Released => Err(InventoryError::NotCommittable {
                order_id: self.order_id,
                status: self.status.clone(),
            }),
        }
    }

    /// Events recorded since the last [`Reservation::take_events`], oldest first.
    pub fn pending_events(&self) -> &[ReservationEvent] {
        &self.pending_events
    }

    /// Drains the recorded events, e.g. to dispatch them after saving.
    pub fn take_events(&mut self) -> Vec<ReservationEvent> {
        std::mem::take(&mut self.pending_events)
    }

    fn record(&mut self, event: ReservationEvent) {
        self.pending_events.push(event);
    }
}

#[cfg(test)]
mod tests;
