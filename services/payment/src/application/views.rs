//! What the queries answer with.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;
use payment_domain::{LedgerEntry, Payment};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Versioned;

/// An amount of money in the minor unit of its currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoneyView {
    /// Minor units (cents for EUR).
    #[schema(example = 4990)]
    pub amount: i64,
    /// ISO 4217 code.
    #[schema(example = "EUR")]
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

/// One line of the payment's audit ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntryView {
    /// `Authorised`, `Captured`, `Declined` or `Refunded`.
    #[schema(example = "Captured")]
    pub kind: String,
    /// Always positive; the kind gives the direction.
    pub amount: MoneyView,
    pub occurred_at: DateTime<Utc>,
    /// Why, for declines and refunds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl From<&LedgerEntry> for LedgerEntryView {
    fn from(entry: &LedgerEntry) -> Self {
        Self {
            kind: entry.kind.as_str().to_owned(),
            amount: entry.amount.into(),
            occurred_at: entry.at,
            reason: entry.reason.clone(),
        }
    }
}

/// The payment of one order as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub payment_id: Uuid,
    pub order_id: Uuid,
    /// Absent only for a voided order (its refund named no customer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
    /// What was charged, attempted, or (voided) would have been.
    pub amount: MoneyView,
    /// `Captured`, `Declined`, `Refunded` or `Voided`.
    #[schema(example = "Captured")]
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_reason: Option<String>,
    /// Why the order was voided (its refund overtook the charge).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version, also sent as the ETag.
    pub version: i64,
    /// The audit trail, oldest first.
    pub ledger: Vec<LedgerEntryView>,
}

impl From<&Versioned<Payment>> for PaymentView {
    fn from(stored: &Versioned<Payment>) -> Self {
        let payment = &stored.value;
        Self {
            payment_id: payment.id().as_uuid(),
            order_id: payment.order_id().as_uuid(),
            customer_id: payment.customer_id().map(|id| id.as_uuid()),
            amount: payment.amount().into(),
            status: payment.status().as_str().to_owned(),
            decline_reason: payment.decline_reason().map(str::to_owned),
            refund_reason: payment.refund_reason().map(str::to_owned),
            void_reason: payment.void_reason().map(str::to_owned),
            created_at: payment.created_at(),
            captured_at: payment.captured_at(),
            refunded_at: payment.refunded_at(),
            version: stored.version,
            ledger: payment.ledger().iter().map(LedgerEntryView::from).collect(),
        }
    }
}
