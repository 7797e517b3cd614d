//! Lifecycle status of a customer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Whether a customer may currently be changed and do business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerStatus {
    /// The normal state after registration.
    Active,
    /// Frozen: every change is refused until the customer is reactivated.
    Deactivated,
}

impl CustomerStatus {
    /// Stable name, identical to the serde form, for storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Deactivated => "Deactivated",
        }
    }
}

impl fmt::Display for CustomerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the names produced by [`CustomerStatus::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown customer status {0:?}; expected \"Active\" or \"Deactivated\"")]
pub struct ParseStatusError(pub String);

impl FromStr for CustomerStatus {
    type Err = ParseStatusError;

    /// Exact, case-sensitive inverse of [`CustomerStatus::as_str`], so stored
    /// values round-trip without ambiguity.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Active" => Ok(Self::Active),
            "Deactivated" => Ok(Self::Deactivated),
            other => Err(ParseStatusError(other.to_owned())),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn as_str_round_trips_through_from_str() {
        for status in [CustomerStatus::Active, CustomerStatus::Deactivated] {
            assert_eq!(status.as_str().parse::<CustomerStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
    }

    #[test]
    fn from_str_rejects_unknown_and_wrong_case() {
        assert_eq!(
            "active".parse::<CustomerStatus>(),
            Err(ParseStatusError("active".to_owned()))
        );
        assert!("Suspended".parse::<CustomerStatus>().is_err());
    }

    #[test]
    fn serde_uses_variant_names() {
        assert_eq!(
            serde_json::to_string(&CustomerStatus::Deactivated).unwrap(),
            "\"Deactivated\""
        );
        let parsed: CustomerStatus = serde_json::from_str("\"Active\"").unwrap();
        assert_eq!(parsed, CustomerStatus::Active);
        assert!(serde_json::from_str::<CustomerStatus>("\"active\"").is_err());
    }
}
