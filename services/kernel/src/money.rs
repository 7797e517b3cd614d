//! Money as an integer count of minor units, so that no rounding ever creeps in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Currency;

/// An amount of one currency, counted in its minor unit (cents for EUR, yen for JPY).
///
/// Arithmetic is checked: mixing currencies or overflowing `i64` is an error
/// rather than a silently wrong total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "MoneyRepr", into = "MoneyRepr")]
pub struct Money {
    amount_minor: i64,
    currency: Currency,
}

/// Why a calculation with money could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("cannot combine amounts in different currencies ({left} and {right})")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("amount is too large")]
    Overflow,
}

/// Wire form: `{"amount": 1234, "currency": "EUR"}`; the currency validates itself.
#[derive(Serialize, Deserialize)]
struct MoneyRepr {
    amount: i64,
    currency: Currency,
}

impl From<MoneyRepr> for Money {
    fn from(repr: MoneyRepr) -> Self {
        Self::new(repr.amount, repr.currency)
    }
}

impl From<Money> for MoneyRepr {
    fn from(money: Money) -> Self {
        Self {
            amount: money.amount_minor,
            currency: money.currency,
        }
    }
}

impl Money {
    /// `amount_minor` is in the currency's minor unit: `Money::new(1234, EUR)` is 12.34 EUR.
    pub const fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }

    /// Nothing of `currency`; the starting point of a sum.
    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The amount in minor units.
    pub const fn amount_minor(&self) -> i64 {
        self.amount_minor
    }

    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// True for refunds and credits.
    pub const fn is_negative(&self) -> bool {
        self.amount_minor < 0
    }

    pub const fn is_zero(&self) -> bool {
        self.amount_minor == 0
    }

    /// Adds `other`; fails on a different currency or on overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.amount_minor
            .checked_add(other.amount_minor)
            .map(|amount| Self::new(amount, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Subtracts `other`; the result may be negative (refunds, discounts).
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.amount_minor
            .checked_sub(other.amount_minor)
            .map(|amount| Self::new(amount, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Multiplies by a quantity, e.g. a unit price times the number of items.
    pub fn checked_mul(self, factor: u32) -> Result<Money, MoneyError> {
        self.amount_minor
            .checked_mul(i64::from(factor))
            .map(|amount| Self::new(amount, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Adds up `amounts`, all of which must be in `currency`; an empty input sums to zero.
    pub fn sum<I: IntoIterator<Item = Money>>(
        currency: Currency,
        amounts: I,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Self::zero(currency), Money::checked_add)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }
}

impl fmt::Display for Money {
    /// Formats as `12.34 EUR`, `-0.05 EUR` or `1200 JPY`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.is_negative() { "-" } else { "" };
        let magnitude = self.amount_minor.unsigned_abs();
        let exponent = u32::from(self.currency.minor_units());
        let scale = 10_u64.pow(exponent);
        let (major, minor) = (magnitude / scale, magnitude % scale);
        if exponent == 0 {
            write!(f, "{sign}{major} {}", self.currency)
        } else {
            let width = usize::from(self.currency.minor_units());
            write!(f, "{sign}{major}.{minor:0width$} {}", self.currency)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn accessors_return_what_was_given() {
        let money = Money::new(-250, Currency::USD);
        assert_eq!(money.amount_minor(), -250);
        assert_eq!(money.currency(), Currency::USD);
        assert!(money.is_negative());
        assert!(!money.is_zero());
    }

    #[test]
    fn zero_is_zero_and_not_negative() {
        let zero = Money::zero(Currency::GBP);
        assert_eq!(zero.amount_minor(), 0);
        assert!(zero.is_zero());
        assert!(!zero.is_negative());
        assert_eq!(zero.currency(), Currency::GBP);
    }

    #[test]
    fn adds_and_subtracts_same_currency() {
        assert_eq!(eur(1050).checked_add(eur(-50)), Ok(eur(1000)));
        assert_eq!(eur(100).checked_sub(eur(250)), Ok(eur(-150)));
    }

    #[test]
    fn refuses_to_mix_currencies() {
        let usd = Money::new(1, Currency::USD);
        let expected = MoneyError::CurrencyMismatch {
            left: Currency::EUR,
            right: Currency::USD,
        };
        assert_eq!(eur(1).checked_add(usd), Err(expected));
        assert_eq!(eur(1).checked_sub(usd), Err(expected));
        assert_eq!(
            expected.to_string(),
            "cannot combine amounts in different currencies (EUR and USD)"
        );
    }

    #[test]
    fn detects_overflow() {
        assert_eq!(eur(i64::MAX).checked_add(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MIN).checked_sub(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MAX).checked_mul(2), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MIN).checked_mul(2), Err(MoneyError::Overflow));
    }

    #[test]
    fn multiplies_by_quantity() {
        assert_eq!(eur(199).checked_mul(3), Ok(eur(597)));
        assert_eq!(eur(-5).checked_mul(4), Ok(eur(-20)));
        assert_eq!(eur(123).checked_mul(0), Ok(eur(0)));
        assert_eq!(
            eur(2).checked_mul(u32::MAX),
            Ok(eur(2 * i64::from(u32::MAX)))
        );
    }

    #[test]
    fn sums_amounts() {
        assert_eq!(
            Money::sum(Currency::EUR, [eur(1), eur(2), eur(-4)]),
            Ok(eur(-1))
        );
        assert_eq!(Money::sum(Currency::EUR, Vec::new()), Ok(eur(0)));
    }

    #[test]
    fn sum_rejects_foreign_currency_and_overflow() {
        let usd = Money::new(1, Currency::USD);
        assert_eq!(
            Money::sum(Currency::EUR, [eur(1), usd]),
            Err(MoneyError::CurrencyMismatch {
                left: Currency::EUR,
                right: Currency::USD
            })
        );
        assert!(matches!(
            Money::sum(Currency::USD, [eur(1)]),
            Err(MoneyError::CurrencyMismatch { .. })
        ));
        assert_eq!(
            Money::sum(Currency::EUR, [eur(i64::MAX), eur(1)]),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn displays_with_currency_exponent() {
        assert_eq!(eur(1234).to_string(), "12.34 EUR");
        assert_eq!(eur(5).to_string(), "0.05 EUR");
        assert_eq!(eur(-5).to_string(), "-0.05 EUR");
        assert_eq!(eur(-1234).to_string(), "-12.34 EUR");
        assert_eq!(eur(0).to_string(), "0.00 EUR");
        assert_eq!(Money::new(1200, Currency::JPY).to_string(), "1200 JPY");
        assert_eq!(Money::new(-1200, Currency::JPY).to_string(), "-1200 JPY");
    }

    #[test]
    fn displays_three_and_four_decimal_currencies() {
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::new(1005, kwd).to_string(), "1.005 KWD");
        let clf = Currency::parse("CLF").unwrap();
        assert_eq!(Money::new(7, clf).to_string(), "0.0007 CLF");
    }

    #[test]
    fn displays_extreme_amounts() {
        assert_eq!(eur(i64::MIN).to_string(), "-92233720368547758.08 EUR");
        assert_eq!(eur(i64::MAX).to_string(), "92233720368547758.07 EUR");
    }

    #[test]
    fn serde_round_trip() {
        let money = eur(-1234);
        let json = serde_json::to_string(&money).unwrap();
        assert_eq!(json, r#"{"amount":-1234,"currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
    }

    #[test]
    fn serde_rejects_unknown_currency() {
        let err = serde_json::from_str::<Money>(r#"{"amount":1,"currency":"XYZ"}"#).unwrap_err();
        assert!(err.to_string().contains("not an active ISO 4217"), "{err}");
    }

    #[test]
    fn serde_rejects_malformed_payloads() {
        for json in [
            r#"{"amount":1}"#,
            r#"{"currency":"EUR"}"#,
            r#"{"amount":1.5,"currency":"EUR"}"#,
            r#"{"amount":"1","currency":"EUR"}"#,
            r#"{"amount":9223372036854775808,"currency":"EUR"}"#,
        ] {
            assert!(serde_json::from_str::<Money>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn serde_tolerates_unknown_fields_so_contracts_can_grow() {
        let money: Money =
            serde_json::from_str(r#"{"amount":1,"currency":"EUR","extra":true}"#).unwrap();
        assert_eq!(money, Money::new(1, Currency::EUR));
    }
}
