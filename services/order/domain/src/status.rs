//! Lifecycle status of an order and the history of its changes.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an order is in its lifecycle.
///
/// ```text
/// Draft ──place──► Placed ──confirm──► Confirmed ──complete──► Completed
///   │                │                    │
///   └────────────────┴──────cancel────────┴──────────────────► Cancelled
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Being put together: lines may be added, changed and removed.
    Draft,
    /// Submitted; the fulfilment saga is reserving stock and taking payment.
    Placed,
    /// Stock is reserved and payment taken.
    Confirmed,
    /// Fulfilled. Terminal.
    Completed,
    /// Abandoned or failed; see the cancellation reason. Terminal.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 5] = [
        Self::Draft,
        Self::Placed,
        Self::Confirmed,
        Self::Completed,
        Self::Cancelled,
    ];

    /// Stable name, identical to the serde form, for storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Placed => "Placed",
            Self::Confirmed => "Confirmed",
            Self::Completed => "Completed",
            Self::Cancelled => "Cancelled",
        }
    }

    /// True for states no command can leave: `Completed` and `Cancelled`.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the names produced by [`OrderStatus::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown order status {0:?}; expected one of Draft, Placed, Confirmed, Completed, Cancelled"
)]
pub struct ParseStatusError(pub String);

impl FromStr for OrderStatus {
    type Err = ParseStatusError;

    /// Exact, case-sensitive inverse of [`OrderStatus::as_str`], so stored
    /// values round-trip without ambiguity.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| ParseStatusError(s.to_owned()))
    }
}

/// One entry of an order's status history: an audit trail customer support
/// can read without replaying events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    /// The previous status; `None` for the creation entry.
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    pub at: DateTime<Utc>,
    /// Why the change happened, where the rules require one (cancellation).
    pub reason: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn as_str_round_trips_through_from_str_and_display() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
    }

    #[test]
    fn from_str_rejects_unknown_and_wrong_case() {
        assert_eq!(
            "placed".parse::<OrderStatus>(),
            Err(ParseStatusError("placed".to_owned()))
        );
        assert!("Shipped".parse::<OrderStatus>().is_err());
        assert!(" Draft".parse::<OrderStatus>().is_err());
    }

    #[test]
    fn only_completed_and_cancelled_are_terminal() {
        let terminal: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(terminal, [OrderStatus::Completed, OrderStatus::Cancelled]);
    }

    #[test]
    fn serde_uses_variant_names() {
        for status in OrderStatus::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(serde_json::from_str::<OrderStatus>(&json).unwrap(), status);
        }
        assert!(serde_json::from_str::<OrderStatus>("\"draft\"").is_err());
    }

    #[test]
    fn status_change_serializes_camel_case_with_null_from() {
        let change = StatusChange {
            from: None,
            to: OrderStatus::Draft,
            at: Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap(),
            reason: None,
        };
        let value = serde_json::to_value(&change).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "from": null,
                "to": "Draft",
                "at": "2024-05-01T08:00:00Z",
                "reason": null,
            })
        );
        assert_eq!(
            serde_json::from_value::<StatusChange>(value).unwrap(),
            change
        );
    }
}
