//! Saga commands sent by the order service (the orchestrator, DESIGN §5) to
//! the inventory and payment contexts, keyed by order id. Their `ce_source` is
//! therefore the order context, while the topic belongs to the receiver.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{Money, StockLine};
use crate::event::{integration_event, source};
use crate::topics::{INVENTORY_COMMANDS, PAYMENT_COMMANDS};

/// Reserve all lines of an order, or none; answered by `StockReserved` or
/// `StockReservationFailed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReserveStock {
    /// Order to reserve for; also the idempotency key.
    pub order_id: Uuid,
    /// Quantities to reserve.
    pub lines: Vec<StockLine>,
}

/// Give back an order's reservation (compensation); answered by
/// `StockReleased`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseStock {
    /// Order whose reservation to release.
    pub order_id: Uuid,
    /// Why the saga is compensating.
    pub reason: String,
}

/// Turn an order's reservation into a permanent deduction; answered by
/// `StockCommitted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommitStock {
    /// Order whose reservation to commit.
    pub order_id: Uuid,
}

/// Charge a customer for an order; answered by `PaymentProcessed` or
/// `PaymentFailed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProcessPayment {
    /// Order to charge for; also the idempotency key.
    pub order_id: Uuid,
    /// Customer to charge.
    pub customer_id: Uuid,
    /// Amount to charge.
    pub amount: Money,
    /// The payment method the customer chose, an opaque token; absent means the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_token: Option<String>,
}

/// Refund an order's payment (compensation); answered by `PaymentRefunded`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundPayment {
    /// Order whose payment to refund.
    pub order_id: Uuid,
    /// Amount to refund.
    pub amount: Money,
    /// Why the saga is compensating.
    pub reason: String,
}

integration_event!(ReserveStock, type = "orderflow.inventory.reserve-stock.v1",
    topic = INVENTORY_COMMANDS, source = source::ORDER, subject = order_id);
integration_event!(ReleaseStock, type = "orderflow.inventory.release-stock.v1",
    topic = INVENTORY_COMMANDS, source = source::ORDER, subject = order_id);
integration_event!(CommitStock, type = "orderflow.inventory.commit-stock.v1",
    topic = INVENTORY_COMMANDS, source = source::ORDER, subject = order_id);
integration_event!(ProcessPayment, type = "orderflow.payment.process-payment.v1",
    topic = PAYMENT_COMMANDS, source = source::ORDER, subject = order_id);
integration_event!(RefundPayment, type = "orderflow.payment.refund-payment.v1",
    topic = PAYMENT_COMMANDS, source = source::ORDER, subject = order_id);
