//! Plain state of a customer, for persistence.

use chrono::{DateTime, Utc};
use orderflow_kernel::{Address, Email, PhoneNumber};

use crate::{CustomerId, CustomerName, CustomerStatus};

/// Every field of a [`Customer`](crate::Customer), public so repositories can
/// map it to and from storage without the aggregate exposing setters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSnapshot {
    pub id: CustomerId,
    pub name: CustomerName,
    pub email: Email,
    pub phone: Option<PhoneNumber>,
    pub address: Option<Address>,
    pub status: CustomerStatus,
    pub registered_at: DateTime<Utc>,
    /// When the email was last changed; `None` if never (registration doesn't count).
    pub email_changed_at: Option<DateTime<Utc>>,
}
