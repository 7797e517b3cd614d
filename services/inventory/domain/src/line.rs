//! What a reservation asks for, and why it could not be granted.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{ProductId, Quantity};

/// A quantity of one product held, or to be held, for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockLine {
    product_id: ProductId,
    quantity: Quantity,
}

impl StockLine {
    pub fn new(product_id: ProductId, quantity: Quantity) -> Self {
        Self {
            product_id,
            quantity,
        }
    }

    pub fn product_id(&self) -> ProductId {
        self.product_id
    }

    pub fn quantity(&self) -> Quantity {
        self.quantity
    }
}

/// A product that could not supply what an order asked for.
///
/// Plain data reported back to the saga: `available` is what could have
/// been reserved at the time (0 for a product the catalogue doesn't know),
/// so the customer can be told how many are left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockShortage {
    pub product_id: ProductId,
    /// Units asked for, summed over all lines for the product.
    pub requested: u32,
    /// Units that were available; always less than `requested`.
    pub available: u32,
}

impl fmt::Display for StockShortage {
    /// `product <id>: requested 5, available 2`, for logs and failure reasons.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "product {}: requested {}, available {}",
            self.product_id, self.requested, self.available
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn stock_line_serde_is_camel_case_and_validates_quantity() {
        let id = ProductId::new();
        let line = StockLine::new(id, Quantity::new(3).unwrap());
        let value = serde_json::to_value(line).unwrap();
        assert_eq!(value, json!({"productId": id.to_string(), "quantity": 3}));
        assert_eq!(serde_json::from_value::<StockLine>(value).unwrap(), line);
        let zero = json!({"productId": id.to_string(), "quantity": 0});
        assert!(serde_json::from_value::<StockLine>(zero).is_err());
    }

    #[test]
    fn shortage_displays_and_serializes_its_numbers() {
        let id = ProductId::new();
        let shortage = StockShortage {
            product_id: id,
            requested: 5,
            available: 2,
        };
        assert_eq!(
            shortage.to_string(),
            format!("product {id}: requested 5, available 2")
        );
        assert_eq!(
            serde_json::to_value(shortage).unwrap(),
            json!({"productId": id.to_string(), "requested": 5, "available": 2})
        );
    }
}
