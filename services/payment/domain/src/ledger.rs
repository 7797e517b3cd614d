//! The audit ledger: every money movement (or refused movement) of a payment.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;
use serde::{Deserialize, Serialize};

/// What happened to the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LedgerEntryKind {
    /// The gateway reserved the amount on the customer's card.
    Authorised,
    /// The reserved amount was taken.
    Captured,
    /// The charge was refused; nothing was reserved or taken.
    Declined,
    /// The captured amount was given back.
    Refunded,
}

impl LedgerEntryKind {
    /// Stable name, identical to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorised => "Authorised",
            Self::Captured => "Captured",
            Self::Declined => "Declined",
            Self::Refunded => "Refunded",
        }
    }

    /// How the entry changes what the customer has paid: `+1` for a capture,
    /// `-1` for a refund, `0` for entries that move no money.
    pub fn sign(self) -> i64 {
        match self {
            Self::Captured => 1,
            Self::Refunded => -1,
            Self::Authorised | Self::Declined => 0,
        }
    }
}

/// One line of a payment's ledger.
///
/// Entries are values: the [`Payment`](crate::Payment) only ever appends
/// them and exposes them read-only, so the ledger is a faithful history for
/// auditors and support. Amounts are always positive; the
/// [kind](LedgerEntryKind::sign) gives the direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    pub kind: LedgerEntryKind,
    pub amount: Money,
    pub at: DateTime<Utc>,
    /// Why, for declines and refunds; `None` for authorisations and captures.
    pub reason: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;
    use orderflow_kernel::Currency;
    use serde_json::json;

    use super::*;

    #[test]
    fn only_captures_and_refunds_move_money() {
        assert_eq!(LedgerEntryKind::Captured.sign(), 1);
        assert_eq!(LedgerEntryKind::Refunded.sign(), -1);
        assert_eq!(LedgerEntryKind::Authorised.sign(), 0);
        assert_eq!(LedgerEntryKind::Declined.sign(), 0);
    }

    #[test]
    fn entry_serializes_camel_case_with_kind_name() {
        let entry = LedgerEntry {
            kind: LedgerEntryKind::Refunded,
            amount: Money::new(900, Currency::EUR),
            at: Utc.with_ymd_and_hms(2024, 3, 1, 9, 30, 0).unwrap(),
            reason: Some("order cancelled".to_owned()),
        };
        let value = serde_json::to_value(&entry).unwrap();
        assert_eq!(
            value,
            json!({
                "kind": "Refunded",
                "amount": {"amount": 900, "currency": "EUR"},
                "at": "2024-03-01T09:30:00Z",
                "reason": "order cancelled",
            })
        );
        assert_eq!(value["kind"], LedgerEntryKind::Refunded.as_str());
        assert_eq!(serde_json::from_value::<LedgerEntry>(value).unwrap(), entry);
    }
}
