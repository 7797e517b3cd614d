//! Facts published by the order context on `orderflow.order.events`, keyed by
//! order id.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::Money;
use crate::event::{integration_event, source};
use crate::topics::ORDER_EVENTS;

/// One line of an order, with name and price copied at placement time so the
/// order stays meaningful when the catalogue changes later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    /// Ordered product.
    pub product_id: Uuid,
    /// Product name at placement time.
    pub product_name: String,
    /// Number of units ordered.
    pub quantity: u32,
    /// Price of one unit at placement time.
    pub unit_price: Money,
}

/// A customer placed an order; starts the fulfilment saga.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    /// The new order.
    pub order_id: Uuid,
    /// Customer who placed it.
    pub customer_id: Uuid,
    /// Ordered lines.
    pub lines: Vec<OrderLine>,
    /// Sum of all lines.
    pub total: Money,
    /// When the order was placed.
    pub placed_at: DateTime<Utc>,
}

/// Stock is reserved and payment taken: the order will be fulfilled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderConfirmed {
    /// The confirmed order.
    pub order_id: Uuid,
    /// Customer who placed it.
    pub customer_id: Uuid,
    /// Amount charged.
    pub total: Money,
    /// When the order was confirmed.
    pub confirmed_at: DateTime<Utc>,
}

/// The order will not be fulfilled (saga compensation or customer request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderCancelled {
    /// The cancelled order.
    pub order_id: Uuid,
    /// Customer who placed it.
    pub customer_id: Uuid,
    /// Human-readable cause, for support and the customer.
    pub reason: String,
    /// When the order was cancelled.
    pub cancelled_at: DateTime<Utc>,
}

/// The order was fulfilled; terminal state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderCompleted {
    /// The completed order.
    pub order_id: Uuid,
    /// Customer who placed it.
    pub customer_id: Uuid,
    /// When the order was completed.
    pub completed_at: DateTime<Utc>,
}

integration_event!(OrderPlaced, type = "orderflow.order.placed.v1",
    topic = ORDER_EVENTS, source = source::ORDER, subject = order_id);
integration_event!(OrderConfirmed, type = "orderflow.order.confirmed.v1",
    topic = ORDER_EVENTS, source = source::ORDER, subject = order_id);
integration_event!(OrderCancelled, type = "orderflow.order.cancelled.v1",
    topic = ORDER_EVENTS, source = source::ORDER, subject = order_id);
integration_event!(OrderCompleted, type = "orderflow.order.completed.v1",
    topic = ORDER_EVENTS, source = source::ORDER, subject = order_id);
