//! Phone numbers in E.164 form, so that every context stores and compares one spelling.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

/// E.164 allows at most 15 digits including the country code.
const MAX_DIGITS: usize = 15;
/// Shorter numbers are almost always typos or local numbers without a country code.
const MIN_DIGITS: usize = 8;

/// An international phone number such as `+4915112345678`.
///
/// Input may use the usual visual separators (spaces, dashes, dots, round
/// brackets) and the `00` international prefix; they are normalised away.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct PhoneNumber(String);

/// Why a string is not an acceptable phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number must not be empty")]
    Empty,
    #[error("phone number contains the invalid character {0:?}")]
    InvalidCharacter(char),
    #[error("phone number must start with '+' or '00' followed by the country code")]
    MissingCountryCode,
    #[error("phone number must have between 8 and 15 digits")]
    InvalidLength,
    #[error("phone number country code must not start with 0")]
    LeadingZero,
}

impl PhoneNumber {
    /// Normalises `input` to E.164 and validates it.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        if compact.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (has_prefix, digits) = if let Some(rest) = compact.strip_prefix('+') {
            (true, rest)
        } else if let Some(rest) = compact.strip_prefix("00") {
            (true, rest)
        } else {
            (false, compact.as_str())
        };
        if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(PhoneError::InvalidCharacter(bad));
        }
        if !has_prefix {
            return Err(PhoneError::MissingCountryCode);
        }
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
            return Err(PhoneError::InvalidLength);
        }
        if digits.starts_with('0') {
            return Err(PhoneError::LeadingZero);
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The E.164 form, e.g. `+4915112345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> Self {
        phone.0
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn e164(input: &str) -> String {
        PhoneNumber::parse(input)
            .unwrap_or_else(|e| panic!("{input:?} should be valid: {e}"))
            .as_str()
            .to_owned()
    }

    #[test]
    fn keeps_canonical_form() {
        assert_eq!(e164("+4915112345678"), "+4915112345678");
    }

    #[test]
    fn strips_separators() {
        assert_eq!(e164("+49 (151) 123-45.678"), "+4915112345678");
        assert_eq!(e164("  +1 (415) 555-2671 "), "+14155552671");
    }

    #[test]
    fn double_zero_prefix_becomes_plus() {
        assert_eq!(e164("0049 151 12345678"), "+4915112345678");
        assert_eq!(e164("00-44-20-7946-0958"), "+442079460958");
    }

    #[test]
    fn digit_count_bounds_are_8_to_15() {
        assert_eq!(e164("+12345678"), "+12345678");
        assert_eq!(e164("+123456789012345"), "+123456789012345");
        assert_eq!(
            PhoneNumber::parse("+1234567"),
            Err(PhoneError::InvalidLength)
        );
        assert_eq!(
            PhoneNumber::parse("+1234567890123456"),
            Err(PhoneError::InvalidLength)
        );
    }

    #[test]
    fn rejects_empty_and_separator_only_input() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(PhoneNumber::parse(" - ( ) . "), Err(PhoneError::Empty));
    }

    #[test]
    fn requires_international_prefix() {
        assert_eq!(
            PhoneNumber::parse("015112345678"),
            Err(PhoneError::MissingCountryCode)
        );
        assert_eq!(
            PhoneNumber::parse("4915112345678"),
            Err(PhoneError::MissingCountryCode)
        );
    }

    #[test]
    fn country_code_must_not_start_with_zero() {
        assert_eq!(
            PhoneNumber::parse("+04915112345"),
            Err(PhoneError::LeadingZero)
        );
        assert_eq!(
            PhoneNumber::parse("0004915112345"),
            Err(PhoneError::LeadingZero)
        );
    }

    #[test]
    fn rejects_letters_and_stray_plus_signs() {
        assert_eq!(
            PhoneNumber::parse("+49 151 CALL-NOW"),
            Err(PhoneError::InvalidCharacter('C'))
        );
        assert_eq!(
            PhoneNumber::parse("++4915112345678"),
            Err(PhoneError::InvalidCharacter('+'))
        );
        assert_eq!(
            PhoneNumber::parse("+49/151/12345678"),
            Err(PhoneError::InvalidCharacter('/'))
        );
        assert_eq!(
            PhoneNumber::parse("+4915112345678 ext 5"),
            Err(PhoneError::InvalidCharacter('e'))
        );
    }

    #[test]
    fn rejects_non_ascii_digits() {
        assert_eq!(
            PhoneNumber::parse("+٤٩١٥١١٢٣٤٥٦٧٨"),
            Err(PhoneError::InvalidCharacter('٤'))
        );
    }

    #[test]
    fn equal_after_normalisation() {
        assert_eq!(
            PhoneNumber::parse("0049 151 12345678").unwrap(),
            "+49-151-12345678".parse::<PhoneNumber>().unwrap()
        );
    }

    #[test]
    fn display_matches_as_str() {
        let phone = PhoneNumber::parse("+44 20 7946 0958").unwrap();
        assert_eq!(phone.to_string(), "+442079460958");
        assert_eq!(String::from(phone), "+442079460958");
    }

    #[test]
    fn serde_round_trip_as_plain_string() {
        let phone = PhoneNumber::parse("+4915112345678").unwrap();
        let json = serde_json::to_string(&phone).unwrap();
        assert_eq!(json, r#""+4915112345678""#);
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), phone);
    }

    #[test]
    fn serde_normalises_and_rejects() {
        let phone: PhoneNumber = serde_json::from_str(r#""0049 (151) 1234-5678""#).unwrap();
        assert_eq!(phone.as_str(), "+4915112345678");
        let err = serde_json::from_str::<PhoneNumber>(r#""12345""#).unwrap_err();
        assert!(err.to_string().contains("'+' or '00'"), "{err}");
        assert!(serde_json::from_str::<PhoneNumber>("4915112345678").is_err());
    }

    #[test]
    fn error_messages_are_readable() {
        assert_eq!(
            PhoneError::InvalidLength.to_string(),
            "phone number must have between 8 and 15 digits"
        );
        assert_eq!(
            PhoneError::InvalidCharacter('x').to_string(),
            "phone number contains the invalid character 'x'"
        );
    }
}
