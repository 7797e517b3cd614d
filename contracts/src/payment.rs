//! Facts published by the payment context on `orderflow.payment.events`,
//! keyed by order id (replies to the saga's payment commands).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::Money;
use crate::event::{integration_event, source};
use crate::topics::PAYMENT_EVENTS;

/// An order was charged (reply to `ProcessPayment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentProcessed {
    /// The payment, needed to refund it later.
    pub payment_id: Uuid,
    /// Order that was charged.
    pub order_id: Uuid,
    /// Amount charged.
    pub amount: Money,
    /// When the charge succeeded.
    pub processed_at: DateTime<Utc>,
}

/// An order could not be charged (reply to `ProcessPayment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentFailed {
    /// Order that could not be charged.
    pub order_id: Uuid,
    /// Amount that was attempted.
    pub amount: Money,
    /// Human-readable cause, e.g. a decline.
    pub reason: String,
    /// When the charge failed.
    pub failed_at: DateTime<Utc>,
}

/// A charge was refunded (reply to `RefundPayment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRefunded {
    /// The refunded payment.
    pub payment_id: Uuid,
    /// Order the payment was for.
    pub order_id: Uuid,
    /// Amount refunded.
    pub amount: Money,
    /// When the refund succeeded.
    pub refunded_at: DateTime<Utc>,
}

integration_event!(PaymentProcessed, type = "orderflow.payment.processed.v1",
    topic = PAYMENT_EVENTS, source = source::PAYMENT, subject = order_id);
integration_event!(PaymentFailed, type = "orderflow.payment.failed.v1",
    topic = PAYMENT_EVENTS, source = source::PAYMENT, subject = order_id);
integration_event!(PaymentRefunded, type = "orderflow.payment.refunded.v1",
    topic = PAYMENT_EVENTS, source = source::PAYMENT, subject = order_id);
