//! Business rules an order command can break.

use orderflow_kernel::{Currency, Money, MoneyError};

use crate::{OrderStatus, ProductId, Quantity};

/// One variant per broken rule, so callers can map each to a precise response
/// (most are 422; [`OrderError::LineNotFound`] is a 404 on a line resource).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// Lines can only be edited while the order is a draft: once placed, the
    /// saga has reserved stock and priced payment for exactly these lines.
    #[error("order lines can only be changed while the order is Draft, but it is {status}")]
    NotDraft { status: OrderStatus },
    /// An order is paid in one currency, fixed by its first line.
    #[error("the order is in {expected}; a line priced in {actual} cannot be added")]
    CurrencyMismatch {
        expected: Currency,
        actual: Currency,
    },
    /// The order has no line for this product.
    #[error("the order has no line for product {product_id}")]
    LineNotFound { product_id: ProductId },
    /// A line's quantity, or the sum when the same product is added again, is
    /// outside [`Quantity::MIN`]..=[`Quantity::MAX`].
    #[error(
        "quantity must be between {} and {}, got {quantity}",
        Quantity::MIN,
        Quantity::MAX
    )]
    InvalidQuantity { quantity: u32 },
    /// The product name is empty or whitespace only.
    #[error("product name must not be blank")]
    ProductNameRequired,
    /// The product name is longer than [`OrderLine::MAX_NAME_CHARS`](crate::OrderLine::MAX_NAME_CHARS).
    #[error("product name must be at most {max} characters, got {actual}")]
    ProductNameTooLong { max: usize, actual: usize },
    /// Prices are never negative; discounts are not modelled as lines.
    #[error("unit price must not be negative, got {unit_price}")]
    NegativeUnitPrice { unit_price: Money },
    /// A line total or the order total does not fit in the money type.
    #[error("the order amount is too large")]
    AmountOverflow,
    /// Placing an order without lines would start a saga with nothing to do.
    #[error("an order without lines cannot be placed")]
    EmptyOrder,
    /// The lifecycle does not allow this step from the current status
    /// (including every step out of a terminal status).
    #[error("an order cannot go from {from} to {to}")]
    InvalidTransition { from: OrderStatus, to: OrderStatus },
    /// Cancelling needs a non-blank reason, shown to the customer and support.
    #[error("a cancellation reason is required")]
    ReasonRequired,
    /// The cancellation reason is longer than [`Order::MAX_REASON_CHARS`](crate::Order::MAX_REASON_CHARS).
    #[error("cancellation reason must be at most {max} characters, got {actual}")]
    ReasonTooLong { max: usize, actual: usize },
}

impl OrderError {
    /// Stable kebab-case code for API clients, independent of the message wording.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDraft { .. } => "order-not-draft",
            Self::CurrencyMismatch { .. } => "currency-mismatch",
            Self::LineNotFound { .. } => "order-line-not-found",
            Self::InvalidQuantity { .. } => "invalid-quantity",
            Self::ProductNameRequired => "product-name-required",
            Self::ProductNameTooLong { .. } => "product-name-too-long",
            Self::NegativeUnitPrice { .. } => "negative-unit-price",
            Self::AmountOverflow => "amount-overflow",
            Self::EmptyOrder => "empty-order",
            Self::InvalidTransition { .. } => "invalid-status-transition",
            Self::ReasonRequired => "cancellation-reason-required",
            Self::ReasonTooLong { .. } => "cancellation-reason-too-long",
        }
    }
}

impl From<MoneyError> for OrderError {
    /// Money arithmetic inside the aggregate fails only for these two reasons,
    /// both of which are order rules.
    fn from(error: MoneyError) -> Self {
        match error {
            MoneyError::CurrencyMismatch { left, right } => Self::CurrencyMismatch {
                expected: left,
                actual: right,
            },
            MoneyError::Overflow => Self::AmountOverflow,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn every_variant() -> Vec<OrderError> {
        vec![
            OrderError::NotDraft {
                status: OrderStatus::Placed,
            },
            OrderError::CurrencyMismatch {
                expected: Currency::EUR,
                actual: Currency::USD,
            },
            OrderError::LineNotFound {
                product_id: ProductId::new(),
            },
            OrderError::InvalidQuantity { quantity: 0 },
            OrderError::ProductNameRequired,
            OrderError::ProductNameTooLong {
                max: 200,
                actual: 201,
            },
            OrderError::NegativeUnitPrice {
                unit_price: Money::new(-1, Currency::EUR),
            },
            OrderError::AmountOverflow,
            OrderError::EmptyOrder,
            OrderError::InvalidTransition {
                from: OrderStatus::Cancelled,
                to: OrderStatus::Confirmed,
            },
            OrderError::ReasonRequired,
            OrderError::ReasonTooLong {
                max: 500,
                actual: 501,
            },
        ]
    }

    #[test]
    fn codes_are_unique_kebab_case() {
        let codes: Vec<_> = every_variant().iter().map(OrderError::code).collect();
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
            OrderError::NotDraft {
                status: OrderStatus::Placed
            }
            .code(),
            "order-not-draft"
        );
        assert_eq!(OrderError::EmptyOrder.code(), "empty-order");
        assert_eq!(
            OrderError::InvalidTransition {
                from: OrderStatus::Draft,
                to: OrderStatus::Completed
            }
            .code(),
            "invalid-status-transition"
        );
        assert_eq!(
            OrderError::ReasonRequired.code(),
            "cancellation-reason-required"
        );
    }

    #[test]
    fn messages_name_the_offending_values() {
        assert_eq!(
            OrderError::InvalidQuantity { quantity: 1001 }.to_string(),
            "quantity must be between 1 and 1000, got 1001"
        );
        assert_eq!(
            OrderError::InvalidTransition {
                from: OrderStatus::Cancelled,
                to: OrderStatus::Confirmed
            }
            .to_string(),
            "an order cannot go from Cancelled to Confirmed"
        );
        assert_eq!(
            OrderError::CurrencyMismatch {
                expected: Currency::EUR,
                actual: Currency::USD
            }
            .to_string(),
            "the order is in EUR; a line priced in USD cannot be added"
        );
        assert_eq!(
            OrderError::NegativeUnitPrice {
                unit_price: Money::new(-150, Currency::EUR)
            }
            .to_string(),
            "unit price must not be negative, got -1.50 EUR"
        );
    }

    #[test]
    fn money_errors_map_to_order_rules() {
        assert_eq!(
            OrderError::from(MoneyError::Overflow),
            OrderError::AmountOverflow
        );
        assert_eq!(
            OrderError::from(MoneyError::CurrencyMismatch {
                left: Currency::GBP,
                right: Currency::CHF
            }),
            OrderError::CurrencyMismatch {
                expected: Currency::GBP,
                actual: Currency::CHF
            }
        );
    }
}
