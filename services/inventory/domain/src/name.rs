//! The name a product is shown and sold under.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::InventoryError;

/// A trimmed product name of 1 to 200 characters without control characters.
///
/// Orders copy this name onto their lines, so it must be printable
/// wherever an order is shown (invoices, emails, support tools).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductName(String);

impl ProductName {
    /// Longest name, in characters (not bytes), matching the order line's limit.
    pub const MAX_CHARS: usize = 200;

    /// Trims and validates `input`.
    pub fn new(input: &str) -> Result<Self, InventoryError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(InventoryError::NameRequired);
        }
        let chars = name.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(InventoryError::NameTooLong {
                max: Self::MAX_CHARS,
                actual: chars,
            });
        }
        if name.chars().any(char::is_control) {
            return Err(InventoryError::NameControlCharacter);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProductName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ProductName {
    type Error = InventoryError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<ProductName> for String {
    fn from(name: ProductName) -> Self {
        name.0
    }
}

impl AsRef<str> for ProductName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_inner_spaces_and_case() {
        let name = ProductName::new("  Blue mug, 350 ml \n").unwrap();
        assert_eq!(name.as_str(), "Blue mug, 350 ml");
        assert_eq!(name.to_string(), "Blue mug, 350 ml");
    }

    #[test]
    fn blank_is_rejected() {
        for blank in ["", "  ", "\t\r\n"] {
            assert_eq!(
                ProductName::new(blank),
                Err(InventoryError::NameRequired),
                "{blank:?}"
            );
        }
    }

    #[test]
    fn limit_is_200_characters_not_bytes() {
        let max = "ü".repeat(200);
        assert_eq!(max.len(), 400);
        assert_eq!(ProductName::new(&max).unwrap().as_str(), max);
        assert_eq!(
            ProductName::new(&"a".repeat(201)),
            Err(InventoryError::NameTooLong {
                max: 200,
                actual: 201
            })
        );
    }

    #[test]
    fn inner_control_characters_are_rejected() {
        for bad in ["Blue\nmug", "Mug\u{0}", "\u{1b}[31mMug"] {
            assert_eq!(
                ProductName::new(bad),
                Err(InventoryError::NameControlCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn serde_validates_and_trims() {
        let name: ProductName = serde_json::from_str(r#"" Mug ""#).unwrap();
        assert_eq!(name.as_str(), "Mug");
        assert_eq!(serde_json::to_string(&name).unwrap(), r#""Mug""#);
        assert!(serde_json::from_str::<ProductName>(r#""  ""#).is_err());
    }
}
