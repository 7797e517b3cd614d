//! Facts published by the customer context on `orderflow.customer.events`,
//! keyed by customer id.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{integration_event, source};
use crate::topics::CUSTOMER_EVENTS;

/// A customer signed up; other contexts may now accept orders for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRegistered {
    /// The new customer.
    pub customer_id: Uuid,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Contact email address.
    pub email: String,
    /// When the registration was recorded.
    pub registered_at: DateTime<Utc>,
}

/// A customer was deactivated and may no longer place orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDeactivated {
    /// The deactivated customer.
    pub customer_id: Uuid,
    /// When the deactivation was recorded.
    pub deactivated_at: DateTime<Utc>,
}

/// A previously deactivated customer may place orders again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerReactivated {
    /// The reactivated customer.
    pub customer_id: Uuid,
    /// When the reactivation was recorded.
    pub reactivated_at: DateTime<Utc>,
}

/// A customer's email address changed; carries the old one so consumers
/// holding a copy can tell which value they are replacing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerEmailChanged {
    /// The customer concerned.
    pub customer_id: Uuid,
    /// Address before the change.
    pub old_email: String,
    /// Address after the change.
    pub new_email: String,
    /// When the change was recorded.
    pub changed_at: DateTime<Utc>,
}

integration_event!(CustomerRegistered, type = "orderflow.customer.registered.v1",
    topic = CUSTOMER_EVENTS, source = source::CUSTOMER, subject = customer_id);
integration_event!(CustomerDeactivated, type = "orderflow.customer.deactivated.v1",
    topic = CUSTOMER_EVENTS, source = source::CUSTOMER, subject = customer_id);
integration_event!(CustomerReactivated, type = "orderflow.customer.reactivated.v1",
    topic = CUSTOMER_EVENTS, source = source::CUSTOMER, subject = customer_id);
integration_event!(CustomerEmailChanged, type = "orderflow.customer.email-changed.v1",
    topic = CUSTOMER_EVENTS, source = source::CUSTOMER, subject = customer_id);
