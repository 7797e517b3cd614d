//! What the history keeps of each notification, and what the API shows of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A notification as it was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationRecord {
    /// This notification (UUID v7).
    pub id: Uuid,
    /// The event it was about.
    pub event_id: Uuid,
    /// `welcome`, `order-confirmed`, `order-cancelled`, `payment-failed` or `refund-issued`.
    #[schema(example = "order-confirmed")]
    pub kind: String,
    pub customer_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Uuid>,
    /// The address it was sent to.
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// The channel that delivered it: `log` or `smtp`.
    pub channel: String,
    pub created_at: DateTime<Utc>,
}
