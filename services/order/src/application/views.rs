//! What the use cases answer with.

use chrono::{DateTime, Utc};
use order_domain::{Order, OrderLine, StatusChange};
use orderflow_kernel::Money;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ports::{SagaRecord, Versioned};
use super::timeline::TimelineEntry;

/// An order with its saga, as the use cases return it.
#[derive(Debug, Clone)]
pub struct OrderDetails {
    pub order: Versioned<Order>,
    /// `None` until the order is placed.
    pub saga: Option<SagaRecord>,
}

/// An amount of money in the minor unit of its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MoneyView {
    /// Minor units (cents for EUR).
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
}

impl From<Money> for MoneyView {
    fn from(money: Money) -> Self {
        Self {
            amount: money.amount_minor(),
            currency: money.currency().code().to_owned(),
        }
    }
}

/// One product on an order, priced when it was added.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LineView {
    pub product_id: Uuid,
    pub product_name: String,
    pub quantity: u32,
    pub unit_price: MoneyView,
    pub line_total: MoneyView,
}

impl From<&OrderLine> for LineView {
    fn from(line: &OrderLine) -> Self {
        let line_total = line
            .line_total()
            // The aggregate refuses lines whose total overflows, so this cannot happen.
            .unwrap_or_else(|_| Money::zero(line.currency()));
        Self {
            product_id: line.product_id().as_uuid(),
            product_name: line.product_name().to_owned(),
            quantity: line.quantity().get(),
            unit_price: line.unit_price().into(),
            line_total: line_total.into(),
        }
    }
}

/// One status change of the order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    /// The status entered.
    pub status: String,
    pub at: DateTime<Utc>,
    /// Why, for cancellations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl From<&StatusChange> for HistoryView {
    fn from(change: &StatusChange) -> Self {
        Self {
            status: change.to.as_str().to_owned(),
            at: change.at,
            reason: change.reason.clone(),
        }
    }
}

/// Where the order's fulfilment saga stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SagaView {
    /// `AwaitingStock`, `AwaitingPayment`, `Completed`, `Compensating` or `Cancelled`.
    pub state: String,
    pub compensating: bool,
    /// When the sweeper acts if the awaited reply has not come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    pub version: i64,
}

impl From<&SagaRecord> for SagaView {
    fn from(record: &SagaRecord) -> Self {
        let saga = &record.saga;
        Self {
            state: saga.state().as_str().to_owned(),
            compensating: saga.state().is_compensating(),
            deadline_at: saga.deadline_at(),
            failure_reason: saga.failure_reason().map(str::to_owned),
            version: saga.version(),
        }
    }
}

/// An order as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// `Draft`, `Placed`, `Confirmed`, `Completed` or `Cancelled`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_reason: Option<String>,
    pub lines: Vec<LineView>,
    /// Sum of the line totals; `null` while the order has no lines (and so no currency).
    pub total: Option<MoneyView>,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Every status change, oldest first, starting with the creation.
    pub history: Vec<HistoryView>,
    /// The fulfilment saga; `null` until the order is placed.
    pub saga: Option<SagaView>,
    /// Optimistic-concurrency version, also sent as the ETag.
    pub version: i64,
}

impl From<&OrderDetails> for OrderView {
    fn from(details: &OrderDetails) -> Self {
        let order = &details.order.value;
        Self {
            id: order.id().as_uuid(),
            customer_id: order.customer_id().as_uuid(),
            status: order.status().as_str().to_owned(),
            cancellation_reason: order.cancellation_reason().map(str::to_owned),
            lines: order.lines().iter().map(LineView::from).collect(),
            total: order.total().ok().flatten().map(MoneyView::from),
            created_at: order.created_at(),
            placed_at: order.placed_at(),
            confirmed_at: order.confirmed_at(),
            completed_at: order.completed_at(),
            cancelled_at: order.cancelled_at(),
            history: order.history().iter().map(HistoryView::from).collect(),
            saga: details.saga.as_ref().map(SagaView::from),
            version: details.order.version,
        }
    }
}

/// One entry of the order timeline, as the SSE stream sends it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntryView {
    /// 1, 2, 3, ... per order; also the SSE event id, for `Last-Event-ID`.
    pub seq: i64,
    /// What happened, e.g. `Placed`, `StockReserved`, `CompensationStarted`; also the SSE
    /// event name.
    pub kind: String,
    /// The order's status after the entry.
    pub status: String,
    pub at: DateTime<Utc>,
    /// Kind-specific facts, e.g. a reason or the commands the saga sent.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub correlation_id: Option<String>,
}

impl From<TimelineEntry> for TimelineEntryView {
    fn from(entry: TimelineEntry) -> Self {
        Self {
            seq: entry.seq,
            kind: entry.kind,
            status: entry.status,
            at: entry.at,
            detail: entry.detail,
            correlation_id: entry.correlation_id,
        }
    }
}
