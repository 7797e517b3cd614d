//! What the use cases need from infrastructure.

use std::future::Future;

use inventory_domain::{Product, ProductId};
use orderflow_runtime::http::PageRequest;
use sqlx::PgConnection;

/// An aggregate with the version it was stored at.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    #[error("a product with SKU {0} already exists")]
    DuplicateSku(String),
    #[error("the product was changed concurrently (expected version {expected})")]
    VersionConflict { expected: i64 },
    #[error("stored product is invalid: {0}")]
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

    /// One page of products in creation order, and the total.
    fn list(
        &self,
        conn: &mut PgConnection,
        page: PageRequest,
    ) -> impl Future<Output = Result<(Vec<Versioned<Product>>, i64), RepositoryError>> + Send;
}
