//! Keeping the order context's copies of products and customers, from their contexts' events.
//!
//! Retry topics reorder events, so every change says when it happened and only replaces
//! older state; replaying an event is harmless.

use chrono::{DateTime, Utc};
use order_domain::CustomerId;
use sqlx::PgConnection;

use super::ports::{ProductInfo, RepositoryError, Store};

/// A customer's registration, as the order context needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRegistration {
    pub id: CustomerId,
    pub name: String,
    pub email: String,
    pub registered_at: DateTime<Utc>,
}

/// The read-model use cases, on the caller's connection (the consumer's transaction).
#[derive(Debug, Clone)]
pub struct ReadModels<S> {
    store: S,
}

impl<S: Store> ReadModels<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// A product was created or changed; true when this was news.
    pub async fn product_changed(
        &self,
        conn: &mut PgConnection,
        product: &ProductInfo,
    ) -> Result<bool, RepositoryError> {
        let applied = self.store.upsert_product(conn, product).await?;
        if !applied {
            tracing::debug!(product_id = %product.id, as_of = %product.as_of, "older product state ignored");
        }
        Ok(applied)
    }

    pub async fn customer_registered(
        &self,
        conn: &mut PgConnection,
        registration: &CustomerRegistration,
    ) -> Result<(), RepositoryError> {
        self.store
            .register_customer(
                conn,
                registration.id,
                &registration.name,
                &registration.email,
                registration.registered_at,
            )
            .await
    }

    /// A customer was deactivated (`active = false`) or reactivated. Orders already placed
    /// are not touched: the rule applies to placing only.
    pub async fn customer_activity_changed(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
        active: bool,
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        self.store.set_customer_active(conn, id, active, at).await
    }

    pub async fn customer_email_changed(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
        email: &str,
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        self.store.change_customer_email(conn, id, email, at).await
    }
}
