//! What the use cases need from infrastructure.

use std::future::Future;

use orderflow_kernel::Money;
use orderflow_runtime::events::EventContext;
use orderflow_runtime::http::PageRequest;
use orderflow_runtime::messaging::OutboxError;
use payment_domain::{CustomerId, OrderId, Payment, PaymentReply};
use sqlx::PgConnection;

pub use orderflow_runtime::db::Versioned;

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// Another transaction stored the order's payment first; a retry sees it.
    #[error("order {0} already has a payment")]
    DuplicateOrder(OrderId),
    #[error("the payment was changed concurrently (expected version {expected})")]
    VersionConflict { expected: i64 },
    #[error("stored payment is invalid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Persistence of payments. Every method takes the caller's transaction, so a command's
/// change, its ledger entries, its reply and its inbox row commit together.
pub trait PaymentRepository: Send + Sync + 'static {
    /// Serialises every command for `order` until the transaction ends, even while the
    /// order has no payment row yet to lock (a refund racing the first charge).
    fn lock_order(
        &self,
        conn: &mut PgConnection,
        order: OrderId,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Serialises the charges of `customer` until the transaction ends, so the exposure read
    /// after it cannot be overtaken by a concurrent charge (the limit holds).
    fn lock_customer(
        &self,
        conn: &mut PgConnection,
        customer: CustomerId,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// The order's payment, locked for the rest of the transaction.
    fn find_for_update(
        &self,
        conn: &mut PgConnection,
        order: OrderId,
    ) -> impl Future<Output = Result<Option<Versioned<Payment>>, RepositoryError>> + Send;

    fn find(
        &self,
        conn: &mut PgConnection,
        order: OrderId,
    ) -> impl Future<Output = Result<Option<Versioned<Payment>>, RepositoryError>> + Send;

    /// Stores a new payment and its ledger at version 1.
    fn insert(
        &self,
        conn: &mut PgConnection,
        payment: &Payment,
        context: &EventContext,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    /// Stores `payment` if it is still at `expected_version`, appending the ledger entries
    /// not stored yet; returns the new version.
    fn update(
        &self,
        conn: &mut PgConnection,
        payment: &Payment,
        expected_version: i64,
        context: &EventContext,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    /// What the customer's payments hold (captured, not refunded), one sum per currency.
    fn holdings(
        &self,
        conn: &mut PgConnection,
        customer: CustomerId,
    ) -> impl Future<Output = Result<Vec<Money>, RepositoryError>> + Send;

    /// One page of the customer's payments in creation order, and their total.
    fn list_by_customer(
        &self,
        conn: &mut PgConnection,
        customer: CustomerId,
        page: PageRequest,
    ) -> impl Future<Output = Result<(Vec<Versioned<Payment>>, i64), RepositoryError>> + Send;
}

/// Sends a command's reply to the saga, on the command's transaction (through the outbox).
pub trait ReplyPublisher: Send + Sync + 'static {
    fn publish(
        &self,
        conn: &mut PgConnection,
        reply: &PaymentReply,
        context: &EventContext,
    ) -> impl Future<Output = Result<(), OutboxError>> + Send;
}
