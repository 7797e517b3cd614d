//! What this context keeps of an order: the payment events name only the order, and the
//! customer is who gets told.

use orderflow_kernel::{CustomerId, Money};

/// Who placed an order and what it came to. Written once, from `OrderPlaced`, whose facts
/// never change; a replay writes the same values again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub customer_id: CustomerId,
    pub total: Money,
}
