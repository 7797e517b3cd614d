//! Domain events recorded by the [`Product`](crate::Product) and
//! [`Reservation`](crate::Reservation) aggregates.
//!
//! The serde `type` tag equals `event_type()`, so the wire name and the
//! routing name never diverge.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;
use serde::{Deserialize, Serialize};

use crate::{OrderId, ProductId, ProductName, Sku, StockLine, StockShortage};

/// Facts about a catalogue product and its stock on hand; keyed by product id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum ProductEvent {
    /// A product was added to the catalogue with its initial stock.
    #[serde(rename = "ProductCreated")]
    Created {
        product_id: ProductId,
        sku: Sku,
        name: ProductName,
        price: Money,
        stock_on_hand: u32,
        occurred_at: DateTime<Utc>,
    },
    /// The name or price changed; carries both new values, so consumers
    /// (e.g. a catalogue read model) need no previous state.
    #[serde(rename = "ProductUpdated")]
    Updated {
        product_id: ProductId,
        name: ProductName,
        price: Money,
        occurred_at: DateTime<Utc>,
    },
    /// Stock on hand was corrected by `delta` (goods received, counted,
    /// damaged, returned ...). `stock_on_hand` is the count afterwards.
    #[serde(rename = "StockAdjusted")]
    StockAdjusted {
        product_id: ProductId,
        delta: i64,
        reason: String,
        stock_on_hand: u32,
        occurred_at: DateTime<Utc>,
    },
}

impl ProductEvent {
    /// The product the event is about, e.g. for the Kafka key.
    pub fn product_id(&self) -> ProductId {
        match self {
            Self::Created { product_id, .. }
            | Self::Updated { product_id, .. }
            | Self::StockAdjusted { product_id, .. } => *product_id,
        }
    }

    /// When the change happened (the `now` passed to the command).
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            Self::Created { occurred_at, .. }
            | Self::Updated { occurred_at, .. }
            | Self::StockAdjusted { occurred_at, .. } => *occurred_at,
        }
    }

    /// Stable event name for outboxes and message routing.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Created { .. } => "ProductCreated",
            Self::Updated { .. } => "ProductUpdated",
            Self::StockAdjusted { .. } => "StockAdjusted",
        }
    }
}

/// Facts about the stock held for one order; keyed by order id, so the
/// saga's replies stay ordered with each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum ReservationEvent {
    /// Every line of the order is held (reply to `ReserveStock`).
    #[serde(rename = "StockReserved")]
    Reserved {
        order_id: OrderId,
        lines: Vec<StockLine>,
        occurred_at: DateTime<Utc>,
    },
    /// Nothing was reserved because these products were short (reply to
    /// `ReserveStock`).
    #[serde(rename = "StockReservationFailed")]
    ReservationFailed {
        order_id: OrderId,
        shortages: Vec<StockShortage>,
        occurred_at: DateTime<Utc>,
    },
    /// The order's lines went back (reply to `ReleaseStock`): held units to
    /// available stock or, when `returned`, sold units of a cancelled
    /// confirmed order back on hand, which the stock audit trail records.
    #[serde(rename = "StockReleased")]
    Released {
        order_id: OrderId,
        lines: Vec<StockLine>,
        returned: bool,
        occurred_at: DateTime<Utc>,
    },
    /// The held lines left the warehouse's stock for good (reply to `CommitStock`).
    #[serde(rename = "StockCommitted")]
    Committed {
        order_id: OrderId,
        lines: Vec<StockLine>,
        occurred_at: DateTime<Utc>,
    },
}

impl ReservationEvent {
    /// The order the event is about, e.g. for the Kafka key.
    pub fn order_id(&self) -> OrderId {
        match self {
            Self::Reserved { order_id, .. }
            | Self::ReservationFailed { order_id, .. }
            | Self::Released { order_id, .. }
            | Self::Committed { order_id, .. } => *order_id,
        }
    }

    /// When the change happened (the `now` passed to the command).
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            Self::Reserved { occurred_at, .. }
            | Self::ReservationFailed { occurred_at, .. }
            | Self::Released { occurred_at, .. }
            | Self::Committed { occurred_at, .. } => *occurred_at,
        }
    }

    /// Stable event name for outboxes and message routing.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Reserved { .. } => "StockReserved",
            Self::ReservationFailed { .. } => "StockReservationFailed",
            Self::Released { .. } => "StockReleased",
            Self::Committed { .. } => "StockCommitted",
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
    use crate::Quantity;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, 9, 30, 0).unwrap()
    }

    fn product_events(product_id: ProductId) -> Vec<ProductEvent> {
        let name = ProductName::new("Mug").unwrap();
        let price = Money::new(450, Currency::EUR);
        vec![
            ProductEvent::Created {
                product_id,
                sku: Sku::parse("MUG-1").unwrap(),
                name: name.clone(),
                price,
                stock_on_hand: 10,
                occurred_at: at(),
            },
            ProductEvent::Updated {
                product_id,
                name,
                price,
                occurred_at: at(),
            },
            ProductEvent::StockAdjusted {
                product_id,
                delta: -2,
                reason: "broken in transit".to_owned(),
                stock_on_hand: 8,
                occurred_at: at(),
            },
        ]
    }

    fn reservation_events(order_id: OrderId) -> Vec<ReservationEvent> {
        let lines = vec![StockLine::new(ProductId::new(), Quantity::new(2).unwrap())];
        vec![
            ReservationEvent::Reserved {
                order_id,
                lines: lines.clone(),
                occurred_at: at(),
            },
            ReservationEvent::ReservationFailed {
                order_id,
                shortages: vec![StockShortage {
                    product_id: ProductId::new(),
                    requested: 2,
                    available: 1,
                }],
                occurred_at: at(),
            },
            ReservationEvent::Released {
                order_id,
                lines: lines.clone(),
                returned: true,
                occurred_at: at(),
            },
            ReservationEvent::Committed {
                order_id,
                lines,
                occurred_at: at(),
            },
        ]
    }

    #[test]
    fn product_event_accessors_and_serde_tags_agree() {
        let id = ProductId::new();
        let types: Vec<_> = product_events(id)
            .into_iter()
            .map(|event| {
                assert_eq!(event.product_id(), id);
                assert_eq!(event.occurred_at(), at());
                let value = serde_json::to_value(&event).unwrap();
                assert_eq!(value["type"], event.event_type());
                assert_eq!(
                    serde_json::from_value::<ProductEvent>(value).unwrap(),
                    event
                );
                event.event_type()
            })
            .collect();
        assert_eq!(types, ["ProductCreated", "ProductUpdated", "StockAdjusted"]);
    }

    #[test]
    fn reservation_event_accessors_and_serde_tags_agree() {
        let id = OrderId::new();
        let types: Vec<_> = reservation_events(id)
            .into_iter()
            .map(|event| {
                assert_eq!(event.order_id(), id);
                assert_eq!(event.occurred_at(), at());
                let value = serde_json::to_value(&event).unwrap();
                assert_eq!(value["type"], event.event_type());
                assert_eq!(
                    serde_json::from_value::<ReservationEvent>(value).unwrap(),
                    event
                );
                event.event_type()
            })
            .collect();
        assert_eq!(
            types,
            [
                "StockReserved",
                "StockReservationFailed",
                "StockReleased",
                "StockCommitted"
            ]
        );
    }

    #[test]
    fn stock_adjusted_serializes_camel_case() {
        let id = ProductId::new();
        let event = product_events(id).pop().unwrap();
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            json!({
                "type": "StockAdjusted",
                "productId": id.to_string(),
                "delta": -2,
                "reason": "broken in transit",
                "stockOnHand": 8,
                "occurredAt": "2024-03-01T09:30:00Z",
            })
        );
    }
}
