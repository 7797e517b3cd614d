//! Rules a payment command or the payment configuration can break.
//!
//! A *declined* payment is not an error: it is an outcome
//! ([`Decision::Decline`](crate::Decision::Decline)) that the saga is told
//! about with `PaymentFailed`. Errors here mean the command or the
//! configuration itself is wrong, so retrying it cannot help.

use orderflow_kernel::{Currency, Money, MoneyError};

/// One variant per broken rule, so callers can map each to a precise response
/// (a permanent failure for a saga command, a startup error for configuration).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// Only positive amounts can be charged; the saga never asks to charge a
    /// free order, so zero or less means a broken command.
    #[error("a payment amount must be positive, got {amount}")]
    NonPositiveAmount { amount: Money },
    /// The per-customer limit of [`PaymentPolicy`](crate::PaymentPolicy) is
    /// negative, which would decline everything in a confusing way.
    #[error("the per-customer limit must not be negative, got {limit}")]
    NegativeLimit { limit: Money },
    /// The simulated always-declining card token is blank, which would make
    /// payments without a token decline.
    #[error("the declining card token must not be blank")]
    DecliningTokenRequired,
    /// Amounts in another currency than the limit's were added up.
    #[error("expected amounts in {expected}, got one in {actual}")]
    CurrencyMismatch {
        expected: Currency,
        actual: Currency,
    },
    /// A sum of amounts does not fit in the money type.
    #[error("the amount is too large")]
    AmountOverflow,
}

impl PaymentError {
    /// Stable kebab-case code for API clients and logs, independent of the message wording.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NonPositiveAmount { .. } => "non-positive-payment-amount",
            Self::NegativeLimit { .. } => "negative-payment-limit",
            Self::DecliningTokenRequired => "declining-token-required",
            Self::CurrencyMismatch { .. } => "currency-mismatch",
            Self::AmountOverflow => "amount-overflow",
        }
    }
}

impl From<MoneyError> for PaymentError {
    /// Money arithmetic fails only for these two reasons, both payment rules.
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

    fn every_variant() -> Vec<PaymentError> {
        vec![
            PaymentError::NonPositiveAmount {
                amount: Money::new(0, Currency::EUR),
            },
            PaymentError::NegativeLimit {
                limit: Money::new(-1, Currency::EUR),
            },
            PaymentError::DecliningTokenRequired,
            PaymentError::CurrencyMismatch {
                expected: Currency::EUR,
                actual: Currency::USD,
            },
            PaymentError::AmountOverflow,
        ]
    }

    #[test]
    fn codes_are_unique_kebab_case() {
        let codes: Vec<_> = every_variant().iter().map(PaymentError::code).collect();
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
        let codes: Vec<_> = every_variant().iter().map(PaymentError::code).collect();
        assert_eq!(
            codes,
            [
                "non-positive-payment-amount",
                "negative-payment-limit",
                "declining-token-required",
                "currency-mismatch",
                "amount-overflow",
            ]
        );
    }

    #[test]
    fn messages_name_the_offending_values() {
        assert_eq!(
            PaymentError::NonPositiveAmount {
                amount: Money::new(-150, Currency::EUR)
            }
            .to_string(),
            "a payment amount must be positive, got -1.50 EUR"
        );
        assert_eq!(
            PaymentError::CurrencyMismatch {
                expected: Currency::EUR,
                actual: Currency::GBP
            }
            .to_string(),
            "expected amounts in EUR, got one in GBP"
        );
    }

    #[test]
    fn money_errors_map_to_payment_rules() {
        assert_eq!(
            PaymentError::from(MoneyError::Overflow),
            PaymentError::AmountOverflow
        );
        assert_eq!(
            PaymentError::from(MoneyError::CurrencyMismatch {
                left: Currency::CHF,
                right: Currency::JPY
            }),
            PaymentError::CurrencyMismatch {
                expected: Currency::CHF,
                actual: Currency::JPY
            }
        );
    }
}
