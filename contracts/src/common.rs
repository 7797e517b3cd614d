//! Value types used by more than one context's messages.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An amount of money: integer minor units, so no floating-point rounding,
/// with its currency, so no consumer has to assume one.
// Plain data rather than the kernel's validated `Money`: the contracts stay
// dependency-free and accept what any producer version sends; consumers
// validate into their domain types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    /// Amount in minor units of the currency (cents for EUR/USD).
    pub amount: i64,
    /// ISO 4217 alphabetic currency code, e.g. "EUR".
    pub currency: String,
}

impl Money {
    /// Money of `amount` minor units in `currency`.
    pub fn new(amount: i64, currency: impl Into<String>) -> Self {
        Self {
            amount,
            currency: currency.into(),
        }
    }
}

/// A quantity of one product, as reserved, released or committed in stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockLine {
    /// Product whose stock is concerned.
    pub product_id: Uuid,
    /// Number of units.
    pub quantity: u32,
}
