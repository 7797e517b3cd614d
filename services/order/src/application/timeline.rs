//! The order timeline: what happened to an order, in words a person (and the web app) can
//! follow. Entries are appended in the transaction of the change they describe.

use std::fmt;

use chrono::{DateTime, Utc};
use order_domain::{OrderEvent, OrderId, OrderStatus};
use orderflow_runtime::events::EventContext;
use serde_json::{Value, json};

/// What an entry records: an order status change or a saga transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimelineKind {
    Created,
    Placed,
    Confirmed,
    Completed,
    Cancelled,
    StockReserved,
    StockReservationFailed,
    PaymentProcessed,
    PaymentFailed,
    StockReleased,
    StockCommitted,
    PaymentRefunded,
    DeadlinePassed,
    CompensationStarted,
}

impl TimelineKind {
    /// Stable name, used as the SSE event name and stored in `order_timeline.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::Placed => "Placed",
            Self::Confirmed => "Confirmed",
            Self::Completed => "Completed",
            Self::Cancelled => "Cancelled",
            Self::StockReserved => "StockReserved",
            Self::StockReservationFailed => "StockReservationFailed",
            Self::PaymentProcessed => "PaymentProcessed",
            Self::PaymentFailed => "PaymentFailed",
            Self::StockReleased => "StockReleased",
            Self::StockCommitted => "StockCommitted",
            Self::PaymentRefunded => "PaymentRefunded",
            Self::DeadlinePassed => "DeadlinePassed",
            Self::CompensationStarted => "CompensationStarted",
        }
    }
}

impl fmt::Display for TimelineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entry to append; the store gives it the order's next sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTimelineEntry {
    pub order_id: OrderId,
    pub kind: TimelineKind,
    /// The order's status once the change is made.
    pub status: OrderStatus,
    /// Kind-specific facts (reason, saga state, commands sent).
    pub detail: Value,
    pub at: DateTime<Utc>,
    pub correlation_id: Option<String>,
}

impl NewTimelineEntry {
    /// The entry for an order status change; `None` for line edits, which are not status
    /// changes and would drown the timeline.
    pub fn for_order_event(event: &OrderEvent, context: &EventContext) -> Option<Self> {
        let (kind, status, detail) = match event {
            OrderEvent::Created { customer_id, .. } => (
                TimelineKind::Created,
                OrderStatus::Draft,
                json!({ "customerId": customer_id }),
            ),
            OrderEvent::Placed { lines, total, .. } => (
                TimelineKind::Placed,
                OrderStatus::Placed,
                json!({ "lines": lines.len(), "total": total }),
            ),
            OrderEvent::Confirmed { .. } => {
                (TimelineKind::Confirmed, OrderStatus::Confirmed, json!({}))
            }
            OrderEvent::Completed { .. } => {
                (TimelineKind::Completed, OrderStatus::Completed, json!({}))
            }
            OrderEvent::Cancelled { was, reason, .. } => (
                TimelineKind::Cancelled,
                OrderStatus::Cancelled,
                json!({ "reason": reason, "was": was }),
            ),
            OrderEvent::LineAdded { .. }
            | OrderEvent::LineChanged { .. }
            | OrderEvent::LineRemoved { .. } => return None,
        };
        Some(Self {
            order_id: event.order_id(),
            kind,
            status,
            detail,
            at: event.occurred_at(),
            correlation_id: context.correlation_id.clone(),
        })
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub order_id: OrderId,
    /// 1, 2, 3, ... per order; the SSE event id.
    pub seq: i64,
    /// A [`TimelineKind`] name (kept as text so entries written by newer versions still read).
    pub kind: String,
    pub status: String,
    pub detail: Value,
    pub at: DateTime<Utc>,
    pub correlation_id: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;
    use order_domain::CustomerId;

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap()
    }

    #[test]
    fn status_changes_make_entries_with_their_new_status_and_the_correlation() {
        let order_id = OrderId::new();
        let event = OrderEvent::Cancelled {
            order_id,
            was: OrderStatus::Placed,
            reason: "changed my mind".into(),
            occurred_at: at(),
        };
        let entry =
            NewTimelineEntry::for_order_event(&event, &EventContext::correlated("req-1")).unwrap();
        assert_eq!(entry.kind, TimelineKind::Cancelled);
        assert_eq!(entry.status, OrderStatus::Cancelled);
        assert_eq!(entry.detail["reason"], "changed my mind");
        assert_eq!(entry.detail["was"], "Placed");
        assert_eq!(entry.correlation_id.as_deref(), Some("req-1"));
        assert_eq!(entry.at, at());
        assert_eq!(entry.order_id, order_id);
    }

    #[test]
    fn line_edits_are_not_on_the_timeline() {
        let event = OrderEvent::LineRemoved {
            order_id: OrderId::new(),
            product_id: order_domain::ProductId::new(),
            occurred_at: at(),
        };
        assert!(NewTimelineEntry::for_order_event(&event, &EventContext::default()).is_none());
        let created = OrderEvent::Created {
            order_id: OrderId::new(),
            customer_id: CustomerId::new(),
            occurred_at: at(),
        };
        let entry = NewTimelineEntry::for_order_event(&created, &EventContext::default()).unwrap();
        assert_eq!(
            (entry.kind, entry.status),
            (TimelineKind::Created, OrderStatus::Draft)
        );
    }
}
