//! Business rules an inventory command can break.

use orderflow_kernel::Money;

use crate::{OrderId, ProductId, ReservationStatus};

/// One variant per broken rule, so callers can map each to a precise
/// response (most are 422; [`InventoryError::ProductNotFound`] is a 404 or,
/// inside the saga, a sign of data the application lost).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    /// The SKU is empty or whitespace only.
    #[error("sku must not be blank")]
    SkuRequired,
    /// The SKU is longer than [`Sku::MAX_CHARS`](crate::Sku::MAX_CHARS).
    #[error("sku must be at most {max} characters, got {actual}")]
    SkuTooLong { max: usize, actual: usize },
    /// The SKU has a character outside `A`–`Z`, `0`–`9`, `-`, `_`, `.`.
    #[error("sku may contain only letters A-Z, digits 0-9, '-', '_' and '.', not {character:?}")]
    SkuInvalidCharacter { character: char },
    /// The product name is empty or whitespace only.
    #[error("product name must not be blank")]
    NameRequired,
    /// The product name is longer than [`ProductName::MAX_CHARS`](crate::ProductName::MAX_CHARS).
    #[error("product name must be at most {max} characters, got {actual}")]
    NameTooLong { max: usize, actual: usize },
    /// The product name contains a control character such as a line break.
    #[error("product name must not contain control characters")]
    NameControlCharacter,
    /// Prices are never negative; a free product costs zero.
    #[error("price must not be negative, got {price}")]
    NegativePrice { price: Money },
    /// A quantity to reserve, release or commit must be at least one unit.
    #[error("quantity must be at least 1")]
    ZeroQuantity,
    /// Adding up quantities (e.g. several lines for one product) would
    /// overflow the stock counter.
    #[error("quantity is too large")]
    QuantityOverflow,
    /// A stock adjustment needs a non-blank reason for the audit trail.
    #[error("a stock adjustment needs a reason")]
    ReasonRequired,
    /// The adjustment reason is longer than [`Product::MAX_REASON_CHARS`](crate::Product::MAX_REASON_CHARS).
    #[error("adjustment reason must be at most {max} characters, got {actual}")]
    ReasonTooLong { max: usize, actual: usize },
    /// An adjustment of zero units changes nothing and would only add noise
    /// to the audit trail.
    #[error("a stock adjustment must change the stock, got a delta of 0")]
    ZeroAdjustment,
    /// The adjustment would leave less stock on hand than is reserved for
    /// orders (or a negative stock), i.e. sell what is already promised.
    #[error(
        "stock on hand cannot drop below the {reserved} reserved units \
         ({stock_on_hand} on hand, adjustment {delta})"
    )]
    BelowReserved {
        stock_on_hand: u32,
        reserved: u32,
        delta: i64,
    },
    /// The adjustment would push the stock on hand past the counter's range.
    #[error("stock on hand is too large ({stock_on_hand} on hand, adjustment {delta})")]
    StockOverflow { stock_on_hand: u32, delta: i64 },
    /// Fewer units are available (on hand minus reserved) than asked for.
    #[error("insufficient stock: requested {requested}, available {available}")]
    Insufficient { requested: u32, available: u32 },
    /// More units were to be released or committed than are reserved.
    #[error("cannot take {requested} units out of reservation, only {reserved} are reserved")]
    ExceedsReserved { requested: u32, reserved: u32 },
    /// A reservation needs at least one line.
    #[error("a reservation needs at least one line")]
    EmptyReservation,
    /// A product a reservation holds stock of is missing from the products
    /// passed in.
    #[error("product {product_id} was not found")]
    ProductNotFound { product_id: ProductId },
    /// Only a reservation that holds stock can become a sale.
    #[error("the reservation for order {order_id} is {status}, so it cannot be committed")]
    NotCommittable {
        order_id: OrderId,
        status: ReservationStatus,
    },
}

impl InventoryError {
    /// Stable kebab-case code for API clients, independent of the message wording.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SkuRequired => "sku-required",
            Self::SkuTooLong { .. } => "sku-too-long",
            Self::SkuInvalidCharacter { .. } => "sku-invalid-character",
            Self::NameRequired => "product-name-required",
            Self::NameTooLong { .. } => "product-name-too-long",
            Self::NameControlCharacter => "product-name-control-character",
            Self::NegativePrice { .. } => "negative-price",
            Self::ZeroQuantity => "zero-quantity",
            Self::QuantityOverflow => "quantity-overflow",
            Self::ReasonRequired => "adjustment-reason-required",
            Self::ReasonTooLong { .. } => "adjustment-reason-too-long",
            Self::ZeroAdjustment => "zero-stock-adjustment",
            Self::BelowReserved { .. } => "stock-below-reserved",
            Self::StockOverflow { .. } => "stock-overflow",
            Self::Insufficient { .. } => "insufficient-stock",
            Self::ExceedsReserved { .. } => "exceeds-reserved-stock",
            Self::EmptyReservation => "empty-reservation",
            Self::ProductNotFound { .. } => "product-not-found",
            Self::NotCommittable { .. } => "reservation-not-committable",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::HashSet;

    use orderflow_kernel::Currency;

    use super::*;

    fn every_variant() -> Vec<InventoryError> {
        vec![
            InventoryError::SkuRequired,
            InventoryError::SkuTooLong {
                max: 64,
                actual: 65,
            },
            InventoryError::SkuInvalidCharacter { character: ' ' },
            InventoryError::NameRequired,
            InventoryError::NameTooLong {
                max: 200,
                actual: 201,
            },
            InventoryError::NameControlCharacter,
            InventoryError::NegativePrice {
                price: Money::new(-1, Currency::EUR),
            },
            InventoryError::ZeroQuantity,
            InventoryError::QuantityOverflow,
            InventoryError::ReasonRequired,
            InventoryError::ReasonTooLong {
                max: 500,
                actual: 501,
            },
            InventoryError::ZeroAdjustment,
            InventoryError::BelowReserved {
                stock_on_hand: 5,
                reserved: 3,
                delta: -4,
            },
            InventoryError::StockOverflow {
                stock_on_hand: u32::MAX,
                delta: 1,
            },
            InventoryError::Insufficient {
                requested: 5,
                available: 2,
            },
            InventoryError::ExceedsReserved {
                requested: 5,
                reserved: 2,
            },
            InventoryError::EmptyReservation,
            InventoryError::ProductNotFound {
                product_id: ProductId::new(),
            },
            InventoryError::NotCommittable {
                order_id: OrderId::new(),
                status: ReservationStatus::Released,
            },
        ]
    }

    #[test]
    fn codes_are_unique_kebab_case() {
        let codes: Vec<_> = every_variant().iter().map(InventoryError::code).collect();
        let unique: HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len(), "{codes:?}");
        for code in codes {
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{code}"
            );
            assert!(!code.starts_with('-') && !code.ends_with('-'), "{code}");
        }
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(
            InventoryError::Insufficient {
                requested: 1,
                available: 0
            }
            .code(),
            "insufficient-stock"
        );
        assert_eq!(
            InventoryError::BelowReserved {
                stock_on_hand: 1,
                reserved: 1,
                delta: -1
            }
            .code(),
            "stock-below-reserved"
        );
        assert_eq!(InventoryError::SkuRequired.code(), "sku-required");
    }

    #[test]
    fn messages_name_the_offending_values() {
        assert_eq!(
            InventoryError::BelowReserved {
                stock_on_hand: 5,
                reserved: 3,
                delta: -4
            }
            .to_string(),
            "stock on hand cannot drop below the 3 reserved units (5 on hand, adjustment -4)"
        );
        assert_eq!(
            InventoryError::Insufficient {
                requested: 5,
                available: 2
            }
            .to_string(),
            "insufficient stock: requested 5, available 2"
        );
        assert_eq!(
            InventoryError::NegativePrice {
                price: Money::new(-150, Currency::EUR)
            }
            .to_string(),
            "price must not be negative, got -1.50 EUR"
        );
        let order_id = OrderId::new();
        assert_eq!(
            InventoryError::NotCommittable {
                order_id,
                status: ReservationStatus::Released
            }
            .to_string(),
            format!("the reservation for order {order_id} is Released, so it cannot be committed")
        );
    }
}
