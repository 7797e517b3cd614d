//! Stock keeping units: the catalogue's human-readable product key.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::InventoryError;

/// A stock keeping unit such as `MUG-BLUE-350ML`: trimmed, upper-cased, 1 to
/// 64 characters from `A`–`Z`, `0`–`9`, `-`, `_` and `.`.
///
/// SKUs are printed on labels, typed into scanners and used in URLs and
/// spreadsheets, so the alphabet is kept to characters that survive all of
/// them; upper-casing makes `mug-1` and `MUG-1` the same SKU, which the
/// application relies on when it enforces uniqueness.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

impl Sku {
    /// Longest SKU, in characters.
    pub const MAX_CHARS: usize = 64;

    /// Trims, upper-cases (ASCII only) and validates `input`.
    pub fn parse(input: &str) -> Result<Self, InventoryError> {
        let sku = input.trim().to_ascii_uppercase();
        if sku.is_empty() {
            return Err(InventoryError::SkuRequired);
        }
        let chars = sku.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(InventoryError::SkuTooLong {
                max: Self::MAX_CHARS,
                actual: chars,
            });
        }
        if let Some(character) = sku.chars().find(|c| !is_sku_char(*c)) {
            return Err(InventoryError::SkuInvalidCharacter { character });
        }
        Ok(Self(sku))
    }

    /// The normalised form, e.g. `"MUG-BLUE-350ML"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_sku_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Sku {
    type Err = InventoryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Sku {
    type Error = InventoryError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Sku> for String {
    fn from(sku: Sku) -> Self {
        sku.0
    }
}

impl AsRef<str> for Sku {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_upper_cases() {
        let sku = Sku::parse("  mug-blue_350.ml \t").unwrap();
        assert_eq!(sku.as_str(), "MUG-BLUE_350.ML");
        assert_eq!(sku.to_string(), "MUG-BLUE_350.ML");
        assert_eq!(Sku::parse("mug-1").unwrap(), Sku::parse("MUG-1").unwrap());
    }

    #[test]
    fn blank_is_rejected() {
        for blank in ["", "   ", "\t\n"] {
            assert_eq!(
                Sku::parse(blank),
                Err(InventoryError::SkuRequired),
                "{blank:?}"
            );
        }
    }

    #[test]
    fn length_limit_is_64_characters_after_trimming() {
        let max = "A".repeat(64);
        assert_eq!(Sku::parse(&format!("  {max}  ")).unwrap().as_str(), max);
        assert_eq!(
            Sku::parse(&"A".repeat(65)),
            Err(InventoryError::SkuTooLong {
                max: 64,
                actual: 65
            })
        );
        assert_eq!(Sku::parse("1").unwrap().as_str(), "1");
    }

    #[test]
    fn only_letters_digits_dash_underscore_and_dot_are_allowed() {
        for (input, bad) in [
            ("MUG 1", ' '),
            ("MUG/1", '/'),
            ("MUG#1", '#'),
            ("MÜG", 'Ü'),
            ("mül", 'ü'),
            ("ß1", 'ß'),
            ("A\u{0}B", '\u{0}'),
        ] {
            assert_eq!(
                Sku::parse(input),
                Err(InventoryError::SkuInvalidCharacter { character: bad }),
                "{input:?}"
            );
        }
        assert!(Sku::parse("A-Z_0.9").is_ok());
    }

    #[test]
    fn serde_is_a_validated_normalised_string() {
        let sku = Sku::parse("mug-1").unwrap();
        assert_eq!(serde_json::to_string(&sku).unwrap(), r#""MUG-1""#);
        assert_eq!(serde_json::from_str::<Sku>(r#"" mug-1 ""#).unwrap(), sku);
        assert!(serde_json::from_str::<Sku>(r#""mug 1""#).is_err());
        assert!(serde_json::from_str::<Sku>("42").is_err());
        assert_eq!("mug-1".parse::<Sku>(), Ok(sku));
    }
}
