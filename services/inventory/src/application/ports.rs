//! What the use cases need from infrastructure.

use std::future::Future;

use chrono::{DateTime, Utc};
use inventory_domain::{OrderId, Product, ProductId, Reservation, Sku};
use orderflow_runtime::events::EventContext;
use orderflow_runtime::http::PageRequest;
use sqlx::PgConnection;

pub use orderflow_runtime::db::Versioned;

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    #[error("a product with SKU {0} already exists")]
    DuplicateSku(String),
    /// Another transaction stored a reservation for the order first; trying again finds it.
    #[error("a reservation for order {0} was stored concurrently")]
    DuplicateReservation(OrderId),
    #[error("the product was changed concurrently (expected version {expected})")]
    VersionConflict { expected: i64 },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Persistence of products. Writes take the use case's transaction so that the change and
/// its domain event handlers commit together.
pub trait ProductRepository: Send + Sync + 'static {
    /// Stores a new product at version 1.
    fn insert(
        &self,
        conn: &mut PgConnection,
        product: &Product,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    /// Stores `product` if it is still at `expected_version`; returns the new version.
    fn update(
        &self,
        conn: &mut PgConnection,
        product: &Product,
        expected_version: i64,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    fn find(
        &self,
        conn: &mut PgConnection,
        id: ProductId,
    ) -> impl Future<Output = Result<Option<Versioned<Product>>, RepositoryError>> + Send;

    fn find_by_sku(
        &self,
        conn: &mut PgConnection,
        sku: &Sku,
    ) -> impl Future<Output = Result<Option<Versioned<Product>>, RepositoryError>> + Send;

    /// The products among `ids` that exist, locked until the transaction ends and locked in
    /// id order: every transaction takes product locks in the same order, so two orders
    /// sharing products wait for each other instead of deadlocking, and each sees the
    /// counts the other left.
    fn lock_all(
        &self,
        conn: &mut PgConnection,
        ids: &[ProductId],
    ) -> impl Future<Output = Result<Vec<Versioned<Product>>, RepositoryError>> + Send;

    /// One page of products in creation order, and the total.
    fn list(
        &self,
        conn: &mut PgConnection,
        page: PageRequest,
    ) -> impl Future<Output = Result<(Vec<Versioned<Product>>, i64), RepositoryError>> + Send;
}

/// Persistence of reservations, one per order.
pub trait ReservationRepository: Send + Sync + 'static {
    /// The order's reservation, locked until the transaction ends, so that commands for one
    /// order (a resend racing its original, say) apply one after the other.
    fn lock(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
    ) -> impl Future<Output = Result<Option<Versioned<Reservation>>, RepositoryError>> + Send;

    fn find(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
    ) -> impl Future<Output = Result<Option<Versioned<Reservation>>, RepositoryError>> + Send;

    /// Stores a new reservation at version 1; [`RepositoryError::DuplicateReservation`] when
    /// a concurrent command stored one for the order first.
    fn insert(
        &self,
        conn: &mut PgConnection,
        reservation: &Reservation,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    /// Stores `reservation` if it is still at `expected_version`; returns the new version.
    fn update(
        &self,
        conn: &mut PgConnection,
        reservation: &Reservation,
        expected_version: i64,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;
}

/// A change of a product's stock on hand caused by an order, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockMovement {
    pub product_id: ProductId,
    pub order_id: OrderId,
    /// Negative when goods left (sold), positive when they came back (returned).
    pub delta: i64,
    pub reason: String,
    pub occurred_at: DateTime<Utc>,
}

/// The stock audit trail, written in the transaction of the change it records.
pub trait StockLedger: Send + Sync + 'static {
    fn record(
        &self,
        conn: &mut PgConnection,
        movements: &[StockMovement],
        context: &EventContext,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;
}
