//! Plain state of a payment, for persistence.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;
use serde::{Deserialize, Serialize};

use crate::{CustomerId, LedgerEntry, OrderId, PaymentId, PaymentStatus};

/// Every field of a [`Payment`](crate::Payment), public so repositories can
/// map it to and from storage without the aggregate exposing setters.
///
/// Decline and refund reasons and times are not separate fields: they live
/// in the ledger, and storing them twice could only let them disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSnapshot {
    pub id: PaymentId,
    /// Unique: one payment per order.
    pub order_id: OrderId,
    /// `None` only for a voided order: its refund named no customer.
    pub customer_id: Option<CustomerId>,
    /// What was (or would have been) charged.
    pub amount: Money,
    pub status: PaymentStatus,
    pub created_at: DateTime<Utc>,
    /// Why the order was voided; `Some` only when voided.
    pub void_reason: Option<String>,
    /// Append-only audit trail, oldest first.
    pub ledger: Vec<LedgerEntry>,
}
