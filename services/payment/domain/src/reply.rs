//! What the payment context answers the saga.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;

use crate::{OrderId, PaymentId};

/// The answer to a payment command, mirroring the `PaymentProcessed`,
/// `PaymentFailed` and `PaymentRefunded` contracts. Every command is answered.
///
/// Replies are not domain events: a redelivered command changes nothing, yet
/// it is answered again (with the original outcome and time), so a saga that
/// resent the command because it lost track still gets its answer. Resending
/// is harmless: the saga ignores replies it has moved past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentReply {
    /// The order was charged. Publish `PaymentProcessed`.
    Processed {
        payment_id: PaymentId,
        order_id: OrderId,
        amount: Money,
        processed_at: DateTime<Utc>,
    },
    /// The order was not charged (declined, or refused as expired after the
    /// order was voided). Publish `PaymentFailed`.
    Failed {
        order_id: OrderId,
        amount: Money,
        reason: String,
        failed_at: DateTime<Utc>,
    },
    /// The charge was given back. Publish `PaymentRefunded`.
    Refunded {
        payment_id: PaymentId,
        order_id: OrderId,
        amount: Money,
        refunded_at: DateTime<Utc>,
    },
    /// A refund was asked for but nothing was ever charged (the payment was
    /// declined, or the order voided). Publish `PaymentRefunded` with this
    /// **zero** `amount` (in the payment's currency): the saga, which resends
    /// commands until answered, gets its answer, while consumers that add up
    /// refunds count nothing that never moved. `at` is when the payment reached
    /// its final state, so every redelivery gets the same answer; `reason` is
    /// for logs.
    NothingToRefund {
        payment_id: PaymentId,
        order_id: OrderId,
        amount: Money,
        reason: String,
        at: DateTime<Utc>,
    },
}

impl PaymentReply {
    /// The order the reply is about: the Kafka key and correlation id.
    pub fn order_id(&self) -> OrderId {
        match self {
            Self::Processed { order_id, .. }
            | Self::Failed { order_id, .. }
            | Self::Refunded { order_id, .. }
            | Self::NothingToRefund { order_id, .. } => *order_id,
        }
    }

    /// The contract to publish.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Processed { .. } => "PaymentProcessed",
            Self::Failed { .. } => "PaymentFailed",
            Self::Refunded { .. } | Self::NothingToRefund { .. } => "PaymentRefunded",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;
    use orderflow_kernel::Currency;

    use super::*;

    #[test]
    fn every_reply_names_its_order_and_nothing_to_refund_answers_as_a_refund() {
        let order_id = OrderId::new();
        let payment_id = PaymentId::new();
        let amount = Money::new(900, Currency::EUR);
        let at = Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap();
        let replies = [
            PaymentReply::Processed {
                payment_id,
                order_id,
                amount,
                processed_at: at,
            },
            PaymentReply::Failed {
                order_id,
                amount,
                reason: "card declined".to_owned(),
                failed_at: at,
            },
            PaymentReply::Refunded {
                payment_id,
                order_id,
                amount,
                refunded_at: at,
            },
            PaymentReply::NothingToRefund {
                payment_id,
                order_id,
                amount: Money::zero(Currency::EUR),
                reason: "nothing was charged".to_owned(),
                at,
            },
        ];
        let types: Vec<_> = replies.iter().map(PaymentReply::event_type).collect();
        assert_eq!(
            types,
            [
                "PaymentProcessed",
                "PaymentFailed",
                "PaymentRefunded",
                "PaymentRefunded"
            ]
        );
        assert!(replies.iter().all(|r| r.order_id() == order_id));
    }
}
