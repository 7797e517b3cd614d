//! Domain events recorded by the [`Order`](crate::Order) aggregate.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;
use serde::{Deserialize, Serialize};

use crate::{CustomerId, OrderId, OrderLine, OrderStatus, ProductId, Quantity};

/// Facts about an order, dispatched by the application layer (which starts the
/// saga on [`OrderEvent::Placed`] and maps events to integration events).
///
/// The serde `type` tag equals [`OrderEvent::event_type`], so the wire name
/// and the routing name never diverge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum OrderEvent {
    /// A customer started a draft order.
    #[serde(rename = "OrderCreated")]
    Created {
        order_id: OrderId,
        customer_id: CustomerId,
        occurred_at: DateTime<Utc>,
    },
    /// A product not yet on the order was added.
    #[serde(rename = "OrderLineAdded")]
    LineAdded {
        order_id: OrderId,
        line: OrderLine,
        occurred_at: DateTime<Utc>,
    },
    /// A line's quantity changed, directly or by adding the same product again.
    #[serde(rename = "OrderLineChanged")]
    LineChanged {
        order_id: OrderId,
        product_id: ProductId,
        old_quantity: Quantity,
        new_quantity: Quantity,
        occurred_at: DateTime<Utc>,
    },
    /// A line was removed.
    #[serde(rename = "OrderLineRemoved")]
    LineRemoved {
        order_id: OrderId,
        product_id: ProductId,
        occurred_at: DateTime<Utc>,
    },
    /// The order was submitted. Carries the lines and total so the saga can
    /// start from the event alone.
    #[serde(rename = "OrderPlaced")]
    Placed {
        order_id: OrderId,
        customer_id: CustomerId,
        lines: Vec<OrderLine>,
        total: Money,
        occurred_at: DateTime<Utc>,
    },
    /// Stock is reserved and payment taken.
    #[serde(rename = "OrderConfirmed")]
    Confirmed {
        order_id: OrderId,
        occurred_at: DateTime<Utc>,
    },
    /// The order was fulfilled.
    #[serde(rename = "OrderCompleted")]
    Completed {
        order_id: OrderId,
        occurred_at: DateTime<Utc>,
    },
    /// The order was cancelled. `was` is the status it left, so a handler
    /// knows whether money was taken (see [`OrderEvent::requires_refund`]).
    #[serde(rename = "OrderCancelled")]
    Cancelled {
        order_id: OrderId,
        was: OrderStatus,
        reason: String,
        occurred_at: DateTime<Utc>,
    },
}

impl OrderEvent {
    /// The order the event is about, e.g. for the Kafka key.
    pub fn order_id(&self) -> OrderId {
        match self {
            Self::Created { order_id, .. }
            | Self::LineAdded { order_id, .. }
            | Self::LineChanged { order_id, .. }
            | Self::LineRemoved { order_id, .. }
            | Self::Placed { order_id, .. }
            | Self::Confirmed { order_id, .. }
            | Self::Completed { order_id, .. }
            | Self::Cancelled { order_id, .. } => *order_id,
        }
    }

    /// When the change happened (the `now` passed to the command).
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            Self::Created { occurred_at, .. }
            | Self::LineAdded { occurred_at, .. }
            | Self::LineChanged { occurred_at, .. }
            | Self::LineRemoved { occurred_at, .. }
            | Self::Placed { occurred_at, .. }
            | Self::Confirmed { occurred_at, .. }
            | Self::Completed { occurred_at, .. }
            | Self::Cancelled { occurred_at, .. } => *occurred_at,
        }
    }

    /// Stable, context-qualified event name for outboxes and message routing.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Created { .. } => "OrderCreated",
            Self::LineAdded { .. } => "OrderLineAdded",
            Self::LineChanged { .. } => "OrderLineChanged",
            Self::LineRemoved { .. } => "OrderLineRemoved",
            Self::Placed { .. } => "OrderPlaced",
            Self::Confirmed { .. } => "OrderConfirmed",
            Self::Completed { .. } => "OrderCompleted",
            Self::Cancelled { .. } => "OrderCancelled",
        }
    }

    /// True for a cancellation of a confirmed order: payment was taken, so
    /// the saga must refund it and release the stock.
    pub fn requires_refund(&self) -> bool {
        matches!(
            self,
            Self::Cancelled {
                was: OrderStatus::Confirmed,
                ..
            }
        )
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

    fn line() -> OrderLine {
        OrderLine::new(
            ProductId::new(),
            "Mug",
            Quantity::new(2).unwrap(),
            Money::new(450, Currency::EUR),
        )
        .unwrap()
    }

    fn all_events(id: OrderId) -> Vec<OrderEvent> {
        let occurred_at = at();
        let line = line();
        vec![
            OrderEvent::Created {
                order_id: id,
                customer_id: CustomerId::new(),
                occurred_at,
            },
            OrderEvent::LineAdded {
                order_id: id,
                line: line.clone(),
                occurred_at,
            },
            OrderEvent::LineChanged {
                order_id: id,
                product_id: line.product_id(),
                old_quantity: Quantity::new(2).unwrap(),
                new_quantity: Quantity::new(5).unwrap(),
                occurred_at,
            },
            OrderEvent::LineRemoved {
                order_id: id,
                product_id: line.product_id(),
                occurred_at,
            },
            OrderEvent::Placed {
                order_id: id,
                customer_id: CustomerId::new(),
                lines: vec![line],
                total: Money::new(900, Currency::EUR),
                occurred_at,
            },
            OrderEvent::Confirmed {
                order_id: id,
                occurred_at,
            },
            OrderEvent::Completed {
                order_id: id,
                occurred_at,
            },
            OrderEvent::Cancelled {
                order_id: id,
                was: OrderStatus::Placed,
                reason: "changed my mind".to_owned(),
                occurred_at,
            },
        ]
    }

    #[test]
    fn accessors_cover_every_variant() {
        let id = OrderId::new();
        let types: Vec<_> = all_events(id)
            .iter()
            .inspect(|event| {
                assert_eq!(event.order_id(), id);
                assert_eq!(event.occurred_at(), at());
            })
            .map(OrderEvent::event_type)
            .collect();
        assert_eq!(
            types,
            [
                "OrderCreated",
                "OrderLineAdded",
                "OrderLineChanged",
                "OrderLineRemoved",
                "OrderPlaced",
                "OrderConfirmed",
                "OrderCompleted",
                "OrderCancelled",
            ]
        );
    }

    #[test]
    fn serde_tag_matches_event_type_and_round_trips() {
        for event in all_events(OrderId::new()) {
            let value = serde_json::to_value(&event).unwrap();
            assert_eq!(value["type"], event.event_type());
            let back: OrderEvent = serde_json::from_value(value).unwrap();
            assert_eq!(back, event);
        }
    }

    #[test]
    fn cancelled_serializes_camel_case_with_previous_status() {
        let id = OrderId::new();
        let event = all_events(id).pop().unwrap();
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            json!({
                "type": "OrderCancelled",
                "orderId": id.to_string(),
                "was": "Placed",
                "reason": "changed my mind",
                "occurredAt": "2024-03-01T09:30:00Z",
            })
        );
    }

    #[test]
    fn placed_carries_lines_and_total() {
        let event = all_events(OrderId::new()).remove(4);
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["total"], json!({"amount": 900, "currency": "EUR"}));
        assert_eq!(value["lines"][0]["quantity"], 2);
        assert_eq!(value["lines"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn only_cancelling_a_confirmed_order_requires_a_refund() {
        let cancelled = |was| OrderEvent::Cancelled {
            order_id: OrderId::new(),
            was,
            reason: "r".to_owned(),
            occurred_at: at(),
        };
        assert!(cancelled(OrderStatus::Confirmed).requires_refund());
        assert!(!cancelled(OrderStatus::Placed).requires_refund());
        assert!(!cancelled(OrderStatus::Draft).requires_refund());
        let others = all_events(OrderId::new());
        assert!(others.iter().all(|e| !e.requires_refund()));
    }

    #[test]
    fn unknown_event_type_is_rejected() {
        let value = json!({
            "type": "OrderShipped",
            "orderId": OrderId::new().to_string(),
            "occurredAt": "2024-03-01T09:30:00Z",
        });
        assert!(serde_json::from_value::<OrderEvent>(value).is_err());
    }
}
