//! Domain events recorded by the [`Payment`](crate::Payment) aggregate.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;
use serde::{Deserialize, Serialize};

use crate::{CustomerId, OrderId, PaymentId, PaymentReply};

/// Facts about a payment, one per state change, dispatched by the
/// application layer (which maps them to the saga replies, see
/// [`PaymentEvent::reply`]).
///
/// The serde `type` tag equals [`PaymentEvent::event_type`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum PaymentEvent {
    /// The order was charged (authorised and captured).
    #[serde(rename = "PaymentProcessed")]
    Processed {
        payment_id: PaymentId,
        order_id: OrderId,
        customer_id: CustomerId,
        amount: Money,
        occurred_at: DateTime<Utc>,
    },
    /// The charge was declined; nothing was taken.
    #[serde(rename = "PaymentFailed")]
    Failed {
        payment_id: PaymentId,
        order_id: OrderId,
        customer_id: CustomerId,
        amount: Money,
        reason: String,
        occurred_at: DateTime<Utc>,
    },
    /// The captured amount was given back in full.
    #[serde(rename = "PaymentRefunded")]
    Refunded {
        payment_id: PaymentId,
        order_id: OrderId,
        amount: Money,
        reason: String,
        occurred_at: DateTime<Utc>,
    },
    /// A refund arrived before any charge: the order is closed for payment,
    /// and a later charge will be refused as expired.
    #[serde(rename = "PaymentVoided")]
    Voided {
        payment_id: PaymentId,
        order_id: OrderId,
        amount: Money,
        reason: String,
        occurred_at: DateTime<Utc>,
    },
}

impl PaymentEvent {
    pub fn payment_id(&self) -> PaymentId {
        match self {
            Self::Processed { payment_id, .. }
            | Self::Failed { payment_id, .. }
            | Self::Refunded { payment_id, .. }
            | Self::Voided { payment_id, .. } => *payment_id,
        }
    }

    /// The order the payment is for: the Kafka key and correlation id.
    pub fn order_id(&self) -> OrderId {
        match self {
            Self::Processed { order_id, .. }
            | Self::Failed { order_id, .. }
            | Self::Refunded { order_id, .. }
            | Self::Voided { order_id, .. } => *order_id,
        }
    }

    /// When the change happened (the `now` passed to the command).
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            Self::Processed { occurred_at, .. }
            | Self::Failed { occurred_at, .. }
            | Self::Refunded { occurred_at, .. }
            | Self::Voided { occurred_at, .. } => *occurred_at,
        }
    }

    /// Stable, context-qualified event name for outboxes and message routing.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Processed { .. } => "PaymentProcessed",
            Self::Failed { .. } => "PaymentFailed",
            Self::Refunded { .. } => "PaymentRefunded",
            Self::Voided { .. } => "PaymentVoided",
        }
    }

    /// The reply the saga gets for this change. A void answers the refund
    /// that caused it with a zero refund: it moved no money (see
    /// [`PaymentReply::NothingToRefund`]).
    pub fn reply(&self) -> PaymentReply {
        match self {
            Self::Processed {
                payment_id,
                order_id,
                amount,
                occurred_at,
                ..
            } => PaymentReply::Processed {
                payment_id: *payment_id,
                order_id: *order_id,
                amount: *amount,
                processed_at: *occurred_at,
            },
            Self::Failed {
                order_id,
                amount,
                reason,
                occurred_at,
                ..
            } => PaymentReply::Failed {
                order_id: *order_id,
                amount: *amount,
                reason: reason.clone(),
                failed_at: *occurred_at,
            },
            Self::Refunded {
                payment_id,
                order_id,
                amount,
                occurred_at,
                ..
            } => PaymentReply::Refunded {
                payment_id: *payment_id,
                order_id: *order_id,
                amount: *amount,
                refunded_at: *occurred_at,
            },
            Self::Voided {
                payment_id,
                order_id,
                amount,
                reason,
                occurred_at,
            } => PaymentReply::NothingToRefund {
                payment_id: *payment_id,
                order_id: *order_id,
                amount: Money::zero(amount.currency()),
                reason: reason.clone(),
                at: *occurred_at,
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;
    use orderflow_kernel::Currency;
    use serde_json::json;

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, 9, 30, 0).unwrap()
    }

    fn all_events(payment_id: PaymentId, order_id: OrderId) -> Vec<PaymentEvent> {
        let amount = Money::new(900, Currency::EUR);
        let occurred_at = at();
        vec![
            PaymentEvent::Processed {
                payment_id,
                order_id,
                customer_id: CustomerId::new(),
                amount,
                occurred_at,
            },
            PaymentEvent::Failed {
                payment_id,
                order_id,
                customer_id: CustomerId::new(),
                amount,
                reason: "card declined".to_owned(),
                occurred_at,
            },
            PaymentEvent::Refunded {
                payment_id,
                order_id,
                amount,
                reason: "order cancelled".to_owned(),
                occurred_at,
            },
            PaymentEvent::Voided {
                payment_id,
                order_id,
                amount,
                reason: "payment timed out".to_owned(),
                occurred_at,
            },
        ]
    }

    #[test]
    fn accessors_cover_every_variant_and_tags_match_event_type() {
        let (payment_id, order_id) = (PaymentId::new(), OrderId::new());
        let mut types = Vec::new();
        for event in all_events(payment_id, order_id) {
            assert_eq!(event.payment_id(), payment_id);
            assert_eq!(event.order_id(), order_id);
            assert_eq!(event.occurred_at(), at());
            let value = serde_json::to_value(&event).unwrap();
            assert_eq!(value["type"], event.event_type());
            assert_eq!(
                serde_json::from_value::<PaymentEvent>(value).unwrap(),
                event
            );
            types.push(event.event_type());
        }
        assert_eq!(
            types,
            [
                "PaymentProcessed",
                "PaymentFailed",
                "PaymentRefunded",
                "PaymentVoided"
            ]
        );
    }

    #[test]
    fn failed_serializes_camel_case_with_reason() {
        let (payment_id, order_id) = (PaymentId::new(), OrderId::new());
        let event = all_events(payment_id, order_id).remove(1);
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["paymentId"], json!(payment_id.to_string()));
        assert_eq!(value["orderId"], json!(order_id.to_string()));
        assert_eq!(value["reason"], "card declined");
        assert_eq!(value["amount"], json!({"amount": 900, "currency": "EUR"}));
        assert_eq!(value["occurredAt"], "2024-03-01T09:30:00Z");
    }

    #[test]
    fn replies_mirror_events_and_a_void_answers_a_zero_refund() {
        let (payment_id, order_id) = (PaymentId::new(), OrderId::new());
        let replies: Vec<_> = all_events(payment_id, order_id)
            .iter()
            .map(PaymentEvent::reply)
            .collect();
        assert_eq!(
            replies[0],
            PaymentReply::Processed {
                payment_id,
                order_id,
                amount: Money::new(900, Currency::EUR),
                processed_at: at(),
            }
        );
        assert!(
            matches!(&replies[1], PaymentReply::Failed { reason, failed_at, .. }
                if reason == "card declined" && *failed_at == at())
        );
        assert!(
            matches!(&replies[2], PaymentReply::Refunded { payment_id: p, refunded_at, .. }
                if *p == payment_id && *refunded_at == at())
        );
        assert_eq!(
            replies[3],
            PaymentReply::NothingToRefund {
                payment_id,
                order_id,
                amount: Money::zero(Currency::EUR),
                reason: "payment timed out".to_owned(),
                at: at(),
            }
        );
        assert_eq!(replies[3].event_type(), "PaymentRefunded");
    }
}
