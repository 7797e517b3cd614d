//! What the use cases answer with.

use chrono::{DateTime, Utc};
use inventory_domain::{Product, Reservation};
use orderflow_kernel::Money;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Versioned;

/// An amount of money in the minor unit of its currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoneyView {
    /// Minor units (cents for EUR).
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
}

impl From<Money> for MoneyView {
    fn from(money: Money) -> Self {
        Self {
            amount: money.amount_minor(),
            currency: money.currency().code().to_owned(),
        }
    }
}

/// A product as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductView {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub price: MoneyView,
    /// Units physically in stock, including reserved ones.
    pub stock_on_hand: u32,
    /// Units held for orders not yet confirmed.
    pub reserved: u32,
    /// Units that can still be promised: on hand minus reserved.
    pub available: u32,
    /// Optimistic-concurrency version, also sent as the ETag.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Versioned<Product>> for ProductView {
    fn from(stored: &Versioned<Product>) -> Self {
        let product = &stored.value;
        Self {
            id: product.id().as_uuid(),
            sku: product.sku().as_str().to_owned(),
            name: product.name().as_str().to_owned(),
            price: product.price().into(),
            stock_on_hand: product.stock_on_hand(),
            reserved: product.reserved(),
            available: product.available(),
            version: stored.version,
            created_at: product.created_at(),
            updated_at: product.updated_at(),
        }
    }
}

/// A quantity of one product.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockLineView {
    pub product_id: Uuid,
    pub quantity: u32,
}

/// A product that could not supply what an order asked for.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockShortageView {
    pub product_id: Uuid,
    /// Units asked for.
    pub requested: u32,
    /// Units that were available at the time.
    pub available: u32,
}

/// The stock held for one order, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReservationView {
    pub order_id: Uuid,
    /// `Pending`, `Reserved`, `Failed`, `Released` or `Committed`.
    #[schema(example = "Reserved")]
    pub status: String,
    /// One line per product; empty for a release that came before any reservation.
    pub lines: Vec<StockLineView>,
    /// The products that were short; empty unless `Failed`.
    pub shortages: Vec<StockShortageView>,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version, also sent as the ETag.
    pub version: i64,
}

impl From<&Versioned<Reservation>> for ReservationView {
    fn from(stored: &Versioned<Reservation>) -> Self {
        let reservation = &stored.value;
        Self {
            order_id: reservation.order_id().as_uuid(),
            status: reservation.status().as_str().to_owned(),
            lines: reservation
                .lines()
                .iter()
                .map(|line| StockLineView {
                    product_id: line.product_id().as_uuid(),
                    quantity: line.quantity().get(),
                })
                .collect(),
            shortages: reservation
                .shortages()
                .iter()
                .map(|shortage| StockShortageView {
                    product_id: shortage.product_id.as_uuid(),
                    requested: shortage.requested,
                    available: shortage.available,
                })
                .collect(),
            created_at: reservation.created_at(),
            reserved_at: reservation.reserved_at(),
            failed_at: reservation.failed_at(),
            released_at: reservation.released_at(),
            committed_at: reservation.committed_at(),
            version: stored.version,
        }
    }
}
