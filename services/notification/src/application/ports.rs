//! What the use cases need from infrastructure: a store for the read models and the
//! history, and a channel that delivers.
//!
//! Store methods take the caller's Redis connection: the consumer's handlers write through
//! the connection the Redis inbox hands them.

use std::future::Future;

use notification_domain::{CustomerContact, CustomerId, OrderId, OrderSummary, Recipient};
use orderflow_runtime::BoxFuture;
use redis::aio::ConnectionManager;

use super::views::NotificationRecord;

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// A customer contact with the version it was read at (0: never stored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredContact {
    pub contact: CustomerContact,
    pub version: u64,
}

/// Persistence of the read models and of each customer's capped notification history.
pub trait NotificationStore: Send + Sync + 'static {
    fn contact(
        &self,
        conn: &mut ConnectionManager,
        id: CustomerId,
    ) -> impl Future<Output = Result<StoredContact, StoreError>> + Send;

    /// Stores `contact` if the stored one is still at `expected_version`; false when another
    /// writer came first (the caller reads again and reapplies its change).
    fn save_contact(
        &self,
        conn: &mut ConnectionManager,
        id: CustomerId,
        contact: &CustomerContact,
        expected_version: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn order(
        &self,
        conn: &mut ConnectionManager,
        id: OrderId,
    ) -> impl Future<Output = Result<Option<OrderSummary>, StoreError>> + Send;

    /// Stores an order's summary; its facts never change, so writing it again is harmless.
    fn save_order(
        &self,
        conn: &mut ConnectionManager,
        id: OrderId,
        order: &OrderSummary,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Prepends `record` to its customer's history and drops what exceeds the cap, atomically.
    fn record(
        &self,
        conn: &mut ConnectionManager,
        record: &NotificationRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// `count` records of a customer's history from `offset`, newest first, and how many
    /// there are in all.
    fn history(
        &self,
        conn: &mut ConnectionManager,
        customer: CustomerId,
        offset: u64,
        count: u64,
    ) -> impl Future<Output = Result<(Vec<NotificationRecord>, u64), StoreError>> + Send;
}

/// One notification on its way to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub to: Recipient,
    pub subject: String,
    pub body: String,
}

/// A channel could not deliver; worth retrying later.
#[derive(Debug, thiserror::Error)]
#[error("{channel} channel: {reason}")]
pub struct DeliveryError {
    pub channel: &'static str,
    pub reason: String,
}

/// A way to reach customers (log, mail, …).
pub trait Channel: Send + Sync + 'static {
    /// Stable name, recorded with each notification and used as a metric label.
    fn name(&self) -> &'static str;

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>>;
}
