//! Where a payment stands.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The state of the one payment an order has.
///
/// ```text
/// process(Approve) ──► Captured ──refund──► Refunded
/// process(Decline) ──► Declined
/// void (refund before any charge) ──► Voided
/// ```
///
/// There is no `Authorised` status: the simulated gateway authorises and
/// captures in one step, so an authorised-but-not-captured payment never
/// exists between two commands. Both steps are still written to the
/// [ledger](crate::LedgerEntryKind) for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaymentStatus {
    /// Money was taken; a refund can still give it back.
    Captured,
    /// The charge was refused; nothing was taken. Terminal.
    Declined,
    /// Money was taken and given back in full. Terminal.
    Refunded,
    /// The order was cancelled before any charge arrived (its refund came
    /// first): a tombstone that refuses the late charge as expired. Terminal.
    Voided,
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 4] =
        [Self::Captured, Self::Declined, Self::Refunded, Self::Voided];

    /// Stable name, identical to the serde form, for storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Captured => "Captured",
            Self::Declined => "Declined",
            Self::Refunded => "Refunded",
            Self::Voided => "Voided",
        }
    }

    /// True for states no command changes any more: all but `Captured`.
    pub fn is_terminal(self) -> bool {
        self != Self::Captured
    }

    /// True while the payment holds the customer's money (it counts against
    /// the per-customer limit).
    pub fn holds_money(self) -> bool {
        self == Self::Captured
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the names produced by [`PaymentStatus::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown payment status {0:?}; expected one of Captured, Declined, Refunded, Voided")]
pub struct ParseStatusError(pub String);

impl FromStr for PaymentStatus {
    type Err = ParseStatusError;

    /// Exact, case-sensitive inverse of [`PaymentStatus::as_str`], so stored
    /// values round-trip without ambiguity.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| ParseStatusError(s.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn as_str_round_trips_through_from_str_display_and_serde() {
        for status in PaymentStatus::ALL {
            assert_eq!(status.as_str().parse::<PaymentStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(
                serde_json::from_str::<PaymentStatus>(&json).unwrap(),
                status
            );
        }
    }

    #[test]
    fn from_str_rejects_unknown_and_wrong_case() {
        assert_eq!(
            "captured".parse::<PaymentStatus>(),
            Err(ParseStatusError("captured".to_owned()))
        );
        assert!("Authorised".parse::<PaymentStatus>().is_err());
        assert!(" Voided".parse::<PaymentStatus>().is_err());
    }

    #[test]
    fn only_captured_is_open_and_holds_money() {
        let open: Vec<_> = PaymentStatus::ALL
            .into_iter()
            .filter(|s| !s.is_terminal())
            .collect();
        assert_eq!(open, [PaymentStatus::Captured]);
        let holding: Vec<_> = PaymentStatus::ALL
            .into_iter()
            .filter(|s| s.holds_money())
            .collect();
        assert_eq!(holding, [PaymentStatus::Captured]);
    }
}
