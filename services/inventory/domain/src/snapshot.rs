//! Plain state of the aggregates, for persistence.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;
use serde::{Deserialize, Serialize};

use crate::{OrderId, ProductId, ProductName, ReservationStatus, Sku, StockLine};

/// Every field of a [`Product`](crate::Product), public so repositories can
/// map it to and from storage without the aggregate exposing setters.
///
/// There is no `available` field: it is always `stock_on_hand - reserved`,
/// so storing it could only disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSnapshot {
    pub id: ProductId,
    pub sku: Sku,
    pub name: ProductName,
    pub price: Money,
    pub stock_on_hand: u32,
    /// Units held for orders; never more than `stock_on_hand`.
    pub reserved: u32,
    pub created_at: DateTime<Utc>,
    /// Last catalogue change or stock adjustment (reservations are tracked
    /// on the reservation, not here).
    pub updated_at: DateTime<Utc>,
}

/// Every field of a [`Reservation`](crate::Reservation), public for repositories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationSnapshot {
    pub order_id: OrderId,
    /// At most one line per product; empty only for a reservation released
    /// before it was ever asked for.
    pub lines: Vec<StockLine>,
    pub status: ReservationStatus,
    pub created_at: DateTime<Utc>,
    pub reserved_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    pub committed_at: Option<DateTime<Utc>>,
}
