//! Plain state of an order, for persistence.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CustomerId, OrderId, OrderLine, OrderStatus, StatusChange};

/// Every field of an [`Order`](crate::Order), public so repositories can map
/// it to and from storage without the aggregate exposing setters.
///
/// There is no currency field: an order's currency is that of its lines
/// (all lines share one), so storing it separately could only disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSnapshot {
    pub id: OrderId,
    pub customer_id: CustomerId,
    /// At most one line per product, in the order they were first added.
    pub lines: Vec<OrderLine>,
    pub status: OrderStatus,
    pub created_at: DateTime<Utc>,
    pub placed_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancellation_reason: Option<String>,
    /// Every status change, oldest first, starting with the creation entry.
    pub history: Vec<StatusChange>,
}
