//! What the use cases answer with.

use chrono::{DateTime, Utc};
use customer_domain::Customer;
use orderflow_kernel::Address;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Versioned;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressView {
    pub line1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub country: String,
}

impl From<&Address> for AddressView {
    fn from(address: &Address) -> Self {
        Self {
            line1: address.line1().to_owned(),
            line2: address.line2().map(str::to_owned),
            city: address.city().to_owned(),
            postal_code: address.postal_code().to_owned(),
            country: address.country().as_str().to_owned(),
        }
    }
}

/// A customer as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerView {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressView>,
    /// `Active` or `Deactivated`.
    pub status: String,
    pub registered_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_changed_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version, also sent as the ETag.
    pub version: i64,
}

impl From<&Versioned<Customer>> for CustomerView {
    fn from(stored: &Versioned<Customer>) -> Self {
        let customer = &stored.value;
        Self {
            id: customer.id().as_uuid(),
            first_name: customer.name().first().to_owned(),
            last_name: customer.name().last().to_owned(),
            email: customer.email().as_str().to_owned(),
            phone: customer.phone().map(|phone| phone.as_str().to_owned()),
            address: customer.address().map(AddressView::from),
            status: customer.status().as_str().to_owned(),
            registered_at: customer.registered_at(),
            email_changed_at: customer.email_changed_at(),
            version: stored.version,
        }
    }
}
