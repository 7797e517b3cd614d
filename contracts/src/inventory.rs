//! Facts published by the inventory context on `orderflow.inventory.events`:
//! catalogue events keyed by product id, stock events keyed by order id (so a
//! saga's replies stay ordered with each other).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{Money, StockLine};
use crate::event::{integration_event, source};
use crate::topics::INVENTORY_EVENTS;

/// A product was added to the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductCreated {
    /// The new product.
    pub product_id: Uuid,
    /// Stock keeping unit, unique in the catalogue.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Current unit price.
    pub price: Money,
    /// When the product was created.
    pub created_at: DateTime<Utc>,
}

/// A product's name or price changed; carries the full new values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductUpdated {
    /// The updated product.
    pub product_id: Uuid,
    /// Display name after the update.
    pub name: String,
    /// Unit price after the update.
    pub price: Money,
    /// When the update was recorded.
    pub updated_at: DateTime<Utc>,
}

/// All lines of an order were reserved (reply to `ReserveStock`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockReserved {
    /// Order the stock is held for.
    pub order_id: Uuid,
    /// Reserved quantities.
    pub lines: Vec<StockLine>,
    /// When the reservation was made.
    pub reserved_at: DateTime<Utc>,
}

/// A product lacked the stock asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockShortage {
    /// Product that ran short.
    pub product_id: Uuid,
    /// Units asked for.
    pub requested: u32,
    /// Units that were available.
    pub available: u32,
}

/// Nothing was reserved for an order (reply to `ReserveStock`); the
/// reservation is all or nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockReservationFailed {
    /// Order whose reservation failed.
    pub order_id: Uuid,
    /// Human-readable cause.
    pub reason: String,
    /// Products that ran short (may be empty for other causes, e.g. an
    /// unknown product).
    pub shortages: Vec<StockShortage>,
    /// When the reservation failed.
    pub failed_at: DateTime<Utc>,
}

/// An order's reservation was given back (reply to `ReleaseStock`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockReleased {
    /// Order whose reservation was released.
    pub order_id: Uuid,
    /// When the stock was released.
    pub released_at: DateTime<Utc>,
}

/// An order's reservation became a permanent deduction (reply to
/// `CommitStock`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockCommitted {
    /// Order whose reservation was committed.
    pub order_id: Uuid,
    /// When the stock was committed.
    pub committed_at: DateTime<Utc>,
}

integration_event!(ProductCreated, type = "orderflow.inventory.product-created.v1",
    topic = INVENTORY_EVENTS, source = source::INVENTORY, subject = product_id);
integration_event!(ProductUpdated, type = "orderflow.inventory.product-updated.v1",
    topic = INVENTORY_EVENTS, source = source::INVENTORY, subject = product_id);
integration_event!(StockReserved, type = "orderflow.inventory.stock-reserved.v1",
    topic = INVENTORY_EVENTS, source = source::INVENTORY, subject = order_id);
integration_event!(StockReservationFailed, type = "orderflow.inventory.stock-reservation-failed.v1",
    topic = INVENTORY_EVENTS, source = source::INVENTORY, subject = order_id);
integration_event!(StockReleased, type = "orderflow.inventory.stock-released.v1",
    topic = INVENTORY_EVENTS, source = source::INVENTORY, subject = order_id);
integration_event!(StockCommitted, type = "orderflow.inventory.stock-committed.v1",
    topic = INVENTORY_EVENTS, source = source::INVENTORY, subject = order_id);
