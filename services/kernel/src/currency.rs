//! ISO 4217 currencies, so amounts can only ever be tagged with a real currency.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// An active ISO 4217 currency with its minor-unit exponent.
///
/// Only codes that have a defined minor unit are listed: precious metals,
/// special drawing rights and the testing/"no currency" codes (XAU, XDR, XTS,
/// XXX, ...) cannot price an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
    minor_units: u8,
}

/// Why a string is not an accepted currency code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    #[error("currency must be a three-letter upper-case ISO 4217 code such as \"EUR\"")]
    Malformed,
    #[error("\"{0}\" is not an active ISO 4217 currency code")]
    Unknown(String),
}

impl Currency {
    /// Euro.
    pub const EUR: Self = Self::known("EUR", 2);
    /// US dollar.
    pub const USD: Self = Self::known("USD", 2);
    /// Pound sterling.
    pub const GBP: Self = Self::known("GBP", 2);
    /// Swiss franc.
    pub const CHF: Self = Self::known("CHF", 2);
    /// Japanese yen, a currency without minor units.
    pub const JPY: Self = Self::known("JPY", 0);

    /// Only for the constants above; the table test checks they match the table.
    const fn known(code: &'static str, minor_units: u8) -> Self {
        Self { code, minor_units }
    }

    /// Looks up an upper-case ISO 4217 code such as `"EUR"`.
    pub fn parse(code: &str) -> Result<Self, CurrencyError> {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(CurrencyError::Malformed);
        }
        ACTIVE_CURRENCIES
            .binary_search_by(|(known, _)| (*known).cmp(code))
            .map(|index| {
                let (code, minor_units) = ACTIVE_CURRENCIES[index];
                Self { code, minor_units }
            })
            .map_err(|_| CurrencyError::Unknown(code.to_owned()))
    }

    /// The three-letter code, e.g. `"EUR"`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Number of decimal places of the minor unit (2 for EUR, 0 for JPY, 3 for KWD).
    pub fn minor_units(&self) -> u8 {
        self.minor_units
    }

    /// Every accepted currency, in code order.
    pub fn all() -> impl ExactSizeIterator<Item = Self> {
        ACTIVE_CURRENCIES
            .iter()
            .map(|&(code, minor_units)| Self { code, minor_units })
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

// Hand-written: a derive would tie the `&'static str` field to the input's lifetime.
impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Self::parse(&value).map_err(de::Error::custom)
    }
}

/// ISO 4217 list one (active codes with a minor unit), sorted for binary search.
/// ANG (replaced by XCG in 2025) and BGN (Bulgaria adopted the euro in 2026)
/// are withdrawn and therefore absent.
static ACTIVE_CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        assert!(ACTIVE_CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0));
        for &(code, minor_units) in ACTIVE_CURRENCIES {
            assert_eq!(code.len(), 3, "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_uppercase()), "{code}");
            assert!(minor_units <= 4, "{code}");
        }
        assert_eq!(Currency::all().len(), ACTIVE_CURRENCIES.len());
        assert!(ACTIVE_CURRENCIES.len() > 150);
    }

    #[test]
    fn every_table_entry_parses_to_itself() {
        for currency in Currency::all() {
            assert_eq!(Currency::parse(currency.code()), Ok(currency));
        }
    }

    #[test]
    fn constants_match_the_table() {
        for constant in [
            Currency::EUR,
            Currency::USD,
            Currency::GBP,
            Currency::CHF,
            Currency::JPY,
        ] {
            assert_eq!(Currency::parse(constant.code()), Ok(constant));
        }
    }

    #[test]
    fn knows_minor_units() {
        assert_eq!(Currency::parse("EUR").unwrap().minor_units(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_units(), 3);
        assert_eq!(Currency::parse("CLF").unwrap().minor_units(), 4);
    }

    #[test]
    fn rejects_wrong_case_and_shape() {
        for input in ["eur", "Eur", "EU", "EURO", "", " EUR", "E1R", "ÉUR"] {
            assert_eq!(
                Currency::parse(input),
                Err(CurrencyError::Malformed),
                "{input:?}"
            );
        }
    }

    #[test]
    fn rejects_unknown_withdrawn_and_non_monetary_codes() {
        for code in ["ABC", "DEM", "HRK", "ANG", "XAU", "XXX", "XTS", "XDR"] {
            assert_eq!(
                Currency::parse(code),
                Err(CurrencyError::Unknown(code.to_owned())),
                "{code}"
            );
        }
        assert_eq!(
            CurrencyError::Unknown("ABC".into()).to_string(),
            "\"ABC\" is not an active ISO 4217 currency code"
        );
    }

    #[test]
    fn display_and_from_str() {
        let currency: Currency = "GBP".parse().unwrap();
        assert_eq!(currency, Currency::GBP);
        assert_eq!(currency.to_string(), "GBP");
    }

    #[test]
    fn serde_as_code_string() {
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), r#""EUR""#);
        assert_eq!(
            serde_json::from_str::<Currency>(r#""JPY""#).unwrap(),
            Currency::JPY
        );
    }

    #[test]
    fn serde_rejects_unknown_and_lowercase() {
        let err = serde_json::from_str::<Currency>(r#""XYZ""#).unwrap_err();
        assert!(err.to_string().contains("not an active ISO 4217"), "{err}");
        assert!(serde_json::from_str::<Currency>(r#""eur""#).is_err());
        assert!(serde_json::from_str::<Currency>("978").is_err());
    }
}
