//! What the use cases answer with.

use chrono::{DateTime, Utc};
use inventory_domain::Product;
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
