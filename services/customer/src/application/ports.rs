//! What the use cases need from infrastructure.

use std::future::Future;

use customer_domain::{Customer, CustomerId, CustomerStatus};
use orderflow_runtime::http::PageRequest;
use sqlx::PgConnection;

pub use orderflow_runtime::db::Versioned;

/// Filters of the customer list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub email: Option<String>,
    pub status: Option<CustomerStatus>,
}

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    #[error("the email address {0} is already registered")]
    DuplicateEmail(String),
    #[error("the customer was changed concurrently (expected version {expected})")]
    VersionConflict { expected: i64 },
    #[error("stored customer is invalid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Persistence of customers. Writes take the use case's transaction so that the change and
/// its domain event handlers commit together.
pub trait CustomerRepository: Send + Sync + 'static {
    /// Stores a new customer at version 1.
    fn insert(
        &self,
        conn: &mut PgConnection,
        customer: &Customer,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    /// Stores `customer` if it is still at `expected_version`; returns the new version.
    fn update(
        &self,
        conn: &mut PgConnection,
        customer: &Customer,
        expected_version: i64,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    fn find(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
    ) -> impl Future<Output = Result<Option<Versioned<Customer>>, RepositoryError>> + Send;

    /// One page of customers in registration order, and the total under the filter.
    fn list(
        &self,
        conn: &mut PgConnection,
        filter: &CustomerFilter,
        page: PageRequest,
    ) -> impl Future<Output = Result<(Vec<Versioned<Customer>>, i64), RepositoryError>> + Send;
}
