//! The customer's personal name.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a name part was rejected; [`NameError::field`] says which part, so an
/// API can point at the offending input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty or whitespace only.
    #[error("{field} must not be blank")]
    Blank { field: &'static str },
    /// Longer than [`CustomerName::MAX_CHARS`] characters after trimming.
    #[error("{field} must be at most {max} characters, got {actual}")]
    TooLong {
        field: &'static str,
        max: usize,
        actual: usize,
    },
    /// Contains a control character (e.g. NUL or an inner newline).
    #[error("{field} must not contain control characters")]
    ControlCharacter { field: &'static str },
}

impl NameError {
    /// API field that failed: `"firstName"` or `"lastName"`.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Blank { field }
            | Self::TooLong { field, .. }
            | Self::ControlCharacter { field } => field,
        }
    }
}

/// A validated, trimmed first and last name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawCustomerName")]
pub struct CustomerName {
    first_name: String,
    last_name: String,
}

impl CustomerName {
    /// Maximum length of each part, in characters (not bytes), so names in
    /// non-Latin scripts get the same allowance.
    pub const MAX_CHARS: usize = 100;

    /// Trims both parts and validates them; the first failing part is reported.
    pub fn new(first: &str, last: &str) -> Result<Self, NameError> {
        Ok(Self {
            first_name: validate_part("firstName", first)?,
            last_name: validate_part("lastName", last)?,
        })
    }

    /// The first name.
    pub fn first(&self) -> &str {
        &self.first_name
    }

    /// The last name.
    pub fn last(&self) -> &str {
        &self.last_name
    }

    /// `"First Last"`, for greetings and display.
    pub fn full(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

impl fmt::Display for CustomerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.first_name, self.last_name)
    }
}

fn validate_part(field: &'static str, raw: &str) -> Result<String, NameError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(NameError::Blank { field });
    }
    let chars = trimmed.chars().count();
    if chars > CustomerName::MAX_CHARS {
        return Err(NameError::TooLong {
            field,
            max: CustomerName::MAX_CHARS,
            actual: chars,
        });
    }
    if trimmed.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter { field });
    }
    Ok(trimmed.to_owned())
}

/// Unvalidated wire form, so deserialization goes through [`CustomerName::new`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCustomerName {
    first_name: String,
    last_name: String,
}

impl TryFrom<RawCustomerName> for CustomerName {
    type Error = NameError;

    fn try_from(raw: RawCustomerName) -> Result<Self, Self::Error> {
        Self::new(&raw.first_name, &raw.last_name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn valid_name_exposes_parts_and_full_form() {
        let name = CustomerName::new("Ada", "Lovelace").unwrap();
        assert_eq!(name.first(), "Ada");
        assert_eq!(name.last(), "Lovelace");
        assert_eq!(name.full(), "Ada Lovelace");
        assert_eq!(name.to_string(), "Ada Lovelace");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let name = CustomerName::new("  Ada\t", "\n Lovelace  ").unwrap();
        assert_eq!(name.first(), "Ada");
        assert_eq!(name.last(), "Lovelace");
    }

    #[test]
    fn inner_spaces_are_kept() {
        let name = CustomerName::new("Mary Ann", "van der Berg").unwrap();
        assert_eq!(name.full(), "Mary Ann van der Berg");
    }

    #[test]
    fn blank_first_name_is_rejected() {
        let err = CustomerName::new("", "Lovelace").unwrap_err();
        assert_eq!(err, NameError::Blank { field: "firstName" });
        assert_eq!(err.field(), "firstName");
    }

    #[test]
    fn whitespace_only_last_name_is_rejected() {
        let err = CustomerName::new("Ada", " \t\n ").unwrap_err();
        assert_eq!(err, NameError::Blank { field: "lastName" });
        assert_eq!(err.field(), "lastName");
        assert_eq!(err.to_string(), "lastName must not be blank");
    }

    #[test]
    fn first_name_is_reported_when_both_parts_are_invalid() {
        let err = CustomerName::new("", "").unwrap_err();
        assert_eq!(err.field(), "firstName");
    }

    #[test]
    fn exactly_100_chars_is_accepted() {
        let long = "a".repeat(100);
        let name = CustomerName::new(&long, &long).unwrap();
        assert_eq!(name.first().chars().count(), 100);
    }

    #[test]
    fn length_is_measured_after_trimming() {
        let padded = format!("  {}  ", "a".repeat(100));
        assert!(CustomerName::new(&padded, "Lovelace").is_ok());
    }

    #[test]
    fn over_100_chars_is_rejected() {
        let err = CustomerName::new("Ada", &"a".repeat(101)).unwrap_err();
        assert_eq!(
            err,
            NameError::TooLong {
                field: "lastName",
                max: 100,
                actual: 101
            }
        );
        assert_eq!(
            err.to_string(),
            "lastName must be at most 100 characters, got 101"
        );
    }

    #[test]
    fn multibyte_characters_count_as_one_each() {
        // 100 × 'é' is 200 bytes but 100 characters.
        let hundred = "é".repeat(100);
        assert_eq!(hundred.len(), 200);
        assert!(CustomerName::new(&hundred, "Ω").is_ok());

        let err = CustomerName::new(&"界".repeat(101), "Ω").unwrap_err();
        assert_eq!(
            err,
            NameError::TooLong {
                field: "firstName",
                max: 100,
                actual: 101
            }
        );
    }

    #[test]
    fn control_characters_are_rejected() {
        for bad in ["Ada\u{0}", "A\nda", "Ada\u{7f}x", "\u{1b}[31mAda"] {
            let err = CustomerName::new(bad, "Lovelace").unwrap_err();
            assert_eq!(
                err,
                NameError::ControlCharacter { field: "firstName" },
                "{bad:?}"
            );
        }
        let err = CustomerName::new("Ada", "Love\rlace").unwrap_err();
        assert_eq!(err.field(), "lastName");
        assert_eq!(
            err.to_string(),
            "lastName must not contain control characters"
        );
    }

    #[test]
    fn serializes_as_camel_case_object() {
        let name = CustomerName::new("Ada", "Lovelace").unwrap();
        assert_eq!(
            serde_json::to_value(&name).unwrap(),
            serde_json::json!({"firstName": "Ada", "lastName": "Lovelace"})
        );
    }

    #[test]
    fn deserialization_trims_and_round_trips() {
        let name: CustomerName =
            serde_json::from_str(r#"{"firstName":" Ada ","lastName":"Lovelace"}"#).unwrap();
        assert_eq!(name, CustomerName::new("Ada", "Lovelace").unwrap());

        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(serde_json::from_str::<CustomerName>(&json).unwrap(), name);
    }

    #[test]
    fn deserialization_validates() {
        let err = serde_json::from_str::<CustomerName>(r#"{"firstName":"Ada","lastName":"  "}"#)
            .unwrap_err();
        assert!(
            err.to_string().contains("lastName must not be blank"),
            "{err}"
        );
        assert!(serde_json::from_str::<CustomerName>(r#"{"firstName":"Ada"}"#).is_err());
    }
}
