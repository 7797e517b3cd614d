//! ISO 3166-1 alpha-2 country codes, the form carriers, tax and payment systems expect.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// An officially assigned ISO 3166-1 alpha-2 code such as `DE`, always upper-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode(&'static str);

/// Why a string is not an accepted country code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountryError {
    #[error("country must be a two-letter ISO 3166-1 alpha-2 code such as \"DE\"")]
    Malformed,
    #[error("\"{0}\" is not an assigned ISO 3166-1 alpha-2 country code")]
    Unknown(String),
}

impl CountryCode {
    /// Accepts any case and surrounding whitespace (`" de "` becomes `DE`).
    pub fn parse(input: &str) -> Result<Self, CountryError> {
        let trimmed = input.trim();
        if trimmed.len() != 2 || !trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(CountryError::Malformed);
        }
        let upper = trimmed.to_ascii_uppercase();
        ASSIGNED_CODES
            .binary_search(&upper.as_str())
            .map(|index| Self(ASSIGNED_CODES[index]))
            .map_err(|_| CountryError::Unknown(upper))
    }

    /// The upper-case code, e.g. `"DE"`.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl FromStr for CountryCode {
    type Err = CountryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CountryCode {
    type Error = CountryError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl AsRef<str> for CountryCode {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

// Hand-written: a derive would tie the `&'static str` field to the input's lifetime.
impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Self::parse(&value).map_err(de::Error::custom)
    }
}

/// All 249 officially assigned ISO 3166-1 alpha-2 codes, sorted for binary search.
/// Exceptionally or transitionally reserved codes (UK, EU, XK, ...) are not assigned.
static ASSIGNED_CODES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_upper_case() {
        assert!(ASSIGNED_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(
            ASSIGNED_CODES
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn every_assigned_code_parses() {
        for code in ASSIGNED_CODES {
            assert_eq!(CountryCode::parse(code).unwrap().as_str(), code);
        }
    }

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(CountryCode::parse("de").unwrap().as_str(), "DE");
        assert_eq!(CountryCode::parse(" gB\t").unwrap().as_str(), "GB");
        assert_eq!(
            CountryCode::parse("Fr").unwrap(),
            CountryCode::parse("FR").unwrap()
        );
    }

    #[test]
    fn rejects_malformed_input() {
        for input in ["", " ", "D", "DEU", "D1", "1D", "D-", "ÄÖ", "D E"] {
            assert_eq!(
                CountryCode::parse(input),
                Err(CountryError::Malformed),
                "{input:?}"
            );
        }
    }

    #[test]
    fn rejects_unassigned_and_reserved_codes() {
        for code in ["XX", "ZZ", "UK", "EU", "XK", "AA", "QM"] {
            assert_eq!(
                CountryCode::parse(code),
                Err(CountryError::Unknown(code.to_owned())),
                "{code}"
            );
        }
        assert_eq!(
            CountryCode::parse("uk").unwrap_err().to_string(),
            "\"UK\" is not an assigned ISO 3166-1 alpha-2 country code"
        );
    }

    #[test]
    fn display_and_from_str() {
        let code: CountryCode = "ch".parse().unwrap();
        assert_eq!(code.to_string(), "CH");
    }

    #[test]
    fn serde_round_trip_and_normalisation() {
        let code = CountryCode::parse("AT").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), r#""AT""#);
        assert_eq!(
            serde_json::from_str::<CountryCode>(r#""at""#).unwrap(),
            code
        );
    }

    #[test]
    fn serde_rejects_invalid_codes() {
        let err = serde_json::from_str::<CountryCode>(r#""XX""#).unwrap_err();
        assert!(err.to_string().contains("not an assigned"), "{err}");
        assert!(serde_json::from_str::<CountryCode>(r#""DEU""#).is_err());
        assert!(serde_json::from_str::<CountryCode>("276").is_err());
    }
}
