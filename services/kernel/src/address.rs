//! Postal addresses, normalised enough that shipping and invoicing can rely on them.

use serde::{Deserialize, Serialize};

use crate::{CountryCode, CountryError};

/// Longest street, second line or city we accept; longer values are junk or abuse.
const MAX_LINE_CHARS: usize = 200;
/// Longest postal code worldwide is 10 characters; 16 leaves room for formatting.
const MAX_POSTAL_CODE_CHARS: usize = 16;

/// A postal address. All text is trimmed; an empty second line is absent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AddressRepr", into = "AddressRepr")]
pub struct Address {
    line1: String,
    line2: Option<String>,
    city: String,
    postal_code: String,
    country: CountryCode,
}

/// Which address field is wrong and why. Field names are the JSON (camelCase)
/// names so an API can point the client at the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} must be at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} must not contain control characters such as line breaks")]
    ControlCharacter { field: &'static str },
    #[error("postalCode may contain only letters, digits, spaces and '-'")]
    InvalidPostalCode,
    #[error(transparent)]
    Country(#[from] CountryError),
}

impl AddressError {
    /// The camelCase JSON name of the field that failed validation.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Empty { field }
            | Self::TooLong { field, .. }
            | Self::ControlCharacter { field } => field,
            Self::InvalidPostalCode => "postalCode",
            Self::Country(_) => "country",
        }
    }
}

impl Address {
    /// Validates every field; `country` is an ISO 3166-1 alpha-2 code in any case.
    pub fn new(
        line1: &str,
        line2: Option<&str>,
        city: &str,
        postal_code: &str,
        country: &str,
    ) -> Result<Self, AddressError> {
        let line1 = required_text("line1", line1, MAX_LINE_CHARS)?;
        let line2 = match line2.map(str::trim).filter(|l| !l.is_empty()) {
            Some(line2) => Some(required_text("line2", line2, MAX_LINE_CHARS)?),
            None => None,
        };
        let city = required_text("city", city, MAX_LINE_CHARS)?;
        let postal_code = required_text("postalCode", postal_code, MAX_POSTAL_CODE_CHARS)?;
        if !postal_code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            return Err(AddressError::InvalidPostalCode);
        }
        let country = CountryCode::parse(country)?;
        Ok(Self {
            line1,
            line2,
            city,
            postal_code,
            country,
        })
    }

    pub fn line1(&self) -> &str {
        &self.line1
    }

    pub fn line2(&self) -> Option<&str> {
        self.line2.as_deref()
    }

    pub fn city(&self) -> &str {
        &self.city
    }

    pub fn postal_code(&self) -> &str {
        &self.postal_code
    }

    pub fn country(&self) -> CountryCode {
        self.country
    }
}

/// Trims `value` and checks it is non-empty, short enough and free of control characters.
fn required_text(field: &'static str, value: &str, max: usize) -> Result<String, AddressError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AddressError::Empty { field });
    }
    if value.chars().count() > max {
        return Err(AddressError::TooLong { field, max });
    }
    if value.chars().any(char::is_control) {
        return Err(AddressError::ControlCharacter { field });
    }
    Ok(value.to_owned())
}

/// Wire form; deserialised values go through [`Address::new`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddressRepr {
    line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line2: Option<String>,
    city: String,
    postal_code: String,
    country: String,
}

impl TryFrom<AddressRepr> for Address {
    type Error = AddressError;

    fn try_from(repr: AddressRepr) -> Result<Self, Self::Error> {
        Self::new(
            &repr.line1,
            repr.line2.as_deref(),
            &repr.city,
            &repr.postal_code,
            &repr.country,
        )
    }
}

impl From<Address> for AddressRepr {
    fn from(address: Address) -> Self {
        Self {
            line1: address.line1,
            line2: address.line2,
            city: address.city,
            postal_code: address.postal_code,
            country: address.country.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn berlin() -> Address {
        Address::new("Unter den Linden 1", None, "Berlin", "10117", "DE").unwrap()
    }

    fn err_field(result: Result<Address, AddressError>) -> &'static str {
        result.expect_err("address should be rejected").field()
    }

    #[test]
    fn builds_and_exposes_fields() {
        let address = Address::new(
            "1 Main St",
            Some("Apt 4"),
            "Springfield",
            "12345-6789",
            "US",
        )
        .unwrap();
        assert_eq!(address.line1(), "1 Main St");
        assert_eq!(address.line2(), Some("Apt 4"));
        assert_eq!(address.city(), "Springfield");
        assert_eq!(address.postal_code(), "12345-6789");
        assert_eq!(address.country().as_str(), "US");
    }

    #[test]
    fn trims_everything_and_normalises_country() {
        let address = Address::new(
            "  Hauptstr. 5 ",
            Some("  Hinterhaus "),
            " Köln ",
            " 50667 ",
            " de ",
        )
        .unwrap();
        assert_eq!(address.line1(), "Hauptstr. 5");
        assert_eq!(address.line2(), Some("Hinterhaus"));
        assert_eq!(address.city(), "Köln");
        assert_eq!(address.postal_code(), "50667");
        assert_eq!(address.country().as_str(), "DE");
    }

    #[test]
    fn blank_line2_becomes_none() {
        for line2 in [Some(""), Some("   "), None] {
            let address = Address::new("a", line2, "b", "1", "FR").unwrap();
            assert_eq!(address.line2(), None, "{line2:?}");
        }
    }

    #[test]
    fn required_fields_must_not_be_blank() {
        assert_eq!(
            err_field(Address::new(" ", None, "Berlin", "10117", "DE")),
            "line1"
        );
        assert_eq!(
            err_field(Address::new("x", None, "", "10117", "DE")),
            "city"
        );
        assert_eq!(
            err_field(Address::new("x", None, "Berlin", "  ", "DE")),
            "postalCode"
        );
        assert_eq!(
            err_field(Address::new("x", None, "Berlin", "10117", " ")),
            "country"
        );
    }

    #[test]
    fn line_limits_are_200_characters_not_bytes() {
        let max = "ä".repeat(200);
        let address = Address::new(&max, Some(&max), &max, "1", "DE").unwrap();
        assert_eq!(address.line1().chars().count(), 200);
        let over = "a".repeat(201);
        assert_eq!(
            err_field(Address::new(&over, None, "c", "1", "DE")),
            "line1"
        );
        assert_eq!(
            err_field(Address::new("l", Some(&over), "c", "1", "DE")),
            "line2"
        );
        assert_eq!(err_field(Address::new("l", None, &over, "1", "DE")), "city");
    }

    #[test]
    fn postal_code_limit_is_16_characters() {
        assert!(Address::new("l", None, "c", &"9".repeat(16), "DE").is_ok());
        let err = Address::new("l", None, "c", &"9".repeat(17), "DE").unwrap_err();
        assert_eq!(
            err,
            AddressError::TooLong {
                field: "postalCode",
                max: 16
            }
        );
        assert_eq!(err.to_string(), "postalCode must be at most 16 characters");
    }

    #[test]
    fn postal_code_allows_letters_digits_spaces_and_dashes() {
        let uk = Address::new("10 Downing St", None, "London", "SW1A 2AA", "GB").unwrap();
        assert_eq!(uk.postal_code(), "SW1A 2AA");
        assert!(Address::new("l", None, "c", "1234-567", "PT").is_ok());
        for bad in ["10117!", "W1/2", "12.345", "١٢٣"] {
            assert_eq!(
                Address::new("l", None, "c", bad, "DE"),
                Err(AddressError::InvalidPostalCode),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_control_characters() {
        assert_eq!(
            Address::new("a\nb", None, "c", "1", "DE"),
            Err(AddressError::ControlCharacter { field: "line1" })
        );
        assert_eq!(
            err_field(Address::new("a", Some("b\u{0}"), "c", "1", "DE")),
            "line2"
        );
    }

    #[test]
    fn country_errors_are_reported_as_country() {
        let err = Address::new("l", None, "c", "1", "XX").unwrap_err();
        assert_eq!(err.field(), "country");
        assert_eq!(
            err.to_string(),
            "\"XX\" is not an assigned ISO 3166-1 alpha-2 country code"
        );
        assert_eq!(
            err_field(Address::new("l", None, "c", "1", "Germany")),
            "country"
        );
    }

    #[test]
    fn error_messages_name_the_field() {
        let err = Address::new("", None, "c", "1", "DE").unwrap_err();
        assert_eq!(err.to_string(), "line1 must not be empty");
    }

    #[test]
    fn serde_uses_camel_case_and_omits_missing_line2() {
        let json = serde_json::to_value(berlin()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "line1": "Unter den Linden 1",
                "city": "Berlin",
                "postalCode": "10117",
                "country": "DE"
            })
        );
    }

    #[test]
    fn serde_round_trip_with_line2() {
        let address = Address::new("l1", Some("l2"), "c", "1", "NL").unwrap();
        let json = serde_json::to_string(&address).unwrap();
        assert!(json.contains(r#""line2":"l2""#), "{json}");
        assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), address);
        assert_eq!(
            serde_json::from_str::<Address>(&serde_json::to_string(&berlin()).unwrap()).unwrap(),
            berlin()
        );
    }

    #[test]
    fn serde_validates_and_normalises() {
        let address: Address = serde_json::from_str(
            r#"{"line1":" a ","line2":" ","city":"c","postalCode":"1","country":"de"}"#,
        )
        .unwrap();
        assert_eq!(address.line1(), "a");
        assert_eq!(address.line2(), None);
        assert_eq!(address.country().as_str(), "DE");
        let null_line2: Address = serde_json::from_str(
            r#"{"line1":"a","line2":null,"city":"c","postalCode":"1","country":"DE"}"#,
        )
        .unwrap();
        assert_eq!(null_line2.line2(), None);
    }

    #[test]
    fn serde_rejects_invalid_addresses() {
        for json in [
            r#"{"line1":"","city":"c","postalCode":"1","country":"DE"}"#,
            r#"{"line1":"a","city":"c","postalCode":"1","country":"XX"}"#,
            r#"{"line1":"a","city":"c","postalCode":"1!","country":"DE"}"#,
            r#"{"line1":"a","city":"c","country":"DE"}"#,
            r#"{"line1":"a","city":"c","postal_code":"1","country":"DE"}"#,
        ] {
            assert!(serde_json::from_str::<Address>(json).is_err(), "{json}");
        }
        let err = serde_json::from_str::<Address>(
            r#"{"line1":"a","city":" ","postalCode":"1","country":"DE"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("city must not be empty"), "{err}");
    }
}
