//! Reading payments, for the HTTP API. Payments change only through saga commands.

use orderflow_runtime::AppError;
use orderflow_runtime::http::Page;
use payment_domain::{OrderId, Payment};
use sqlx::PgPool;

use super::commands::PaymentQuery;
use super::ports::{PaymentRepository, RepositoryError, Versioned};

pub struct PaymentQueries<R> {
    pool: PgPool,
    repository: R,
}

impl<R: PaymentRepository> PaymentQueries<R> {
    pub fn new(pool: PgPool, repository: R) -> Self {
        Self { pool, repository }
    }

    /// The payment of `order`; 404 when the order has none.
    pub async fn by_order(&self, order: OrderId) -> Result<Versioned<Payment>, AppError> {
        let mut conn = self.pool.acquire().await?;
        self.repository
            .find(&mut conn, order)
            .await
            .map_err(repository_error)?
            .ok_or_else(|| AppError::NotFound(format!("order {order} has no payment")))
    }

    /// One page of a customer's payments.
    pub async fn list(&self, query: PaymentQuery) -> Result<Page<Versioned<Payment>>, AppError> {
        let (customer, page) = query.validate().map_err(AppError::Validation)?;
        let mut conn = self.pool.acquire().await?;
        let (items, total) = self
            .repository
            .list_by_customer(&mut conn, customer, page)
            .await
            .map_err(repository_error)?;
        Ok(Page::new(items, page, total))
    }
}

fn repository_error(err: RepositoryError) -> AppError {
    match err {
        RepositoryError::Database(db) => db.into(),
        other => AppError::internal(other),
    }
}
