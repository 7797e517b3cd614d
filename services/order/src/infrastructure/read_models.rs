//! The sqlx implementation of [`ReadModelRepository`]: `product_view` and `customer_view`.
//!
//! Every write is a single upsert whose `WHERE` keeps the newer state, so concurrent and
//! reordered events converge on the same row whatever order they commit in.

use chrono::{DateTime, Utc};
use order_domain::{CustomerId, ProductId};
use orderflow_kernel::{Currency, Money};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::PgStore;
use crate::application::{CustomerInfo, ProductInfo, ReadModelRepository, RepositoryError};

#[derive(FromRow)]
struct ProductRow {
    id: Uuid,
    name: String,
    price: i64,
    currency: String,
    updated_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct CustomerRow {
    id: Uuid,
    name: Option<String>,
    email: Option<String>,
    active: bool,
}

impl ReadModelRepository for PgStore {
    async fn product(
        &self,
        conn: &mut PgConnection,
        id: ProductId,
    ) -> Result<Option<ProductInfo>, RepositoryError> {
        let row: Option<ProductRow> = sqlx::query_as(
            "SELECT id, name, price, currency, updated_at FROM product_view WHERE id = $1",
        )
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await?;
        row.map(|row| {
            let currency = Currency::parse(&row.currency)
                .map_err(|err| RepositoryError::Corrupt(format!("product {}: {err}", row.id)))?;
            Ok(ProductInfo {
                id: ProductId::from_uuid(row.id),
                name: row.name,
                price: Money::new(row.price, currency),
                as_of: row.updated_at,
            })
        })
        .transpose()
    }

    async fn upsert_product(
        &self,
        conn: &mut PgConnection,
        product: &ProductInfo,
    ) -> Result<bool, RepositoryError> {
        let applied = sqlx::query(
            "INSERT INTO product_view (id, name, price, currency, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE
                SET name = EXCLUDED.name, price = EXCLUDED.price, currency = EXCLUDED.currency,
                    updated_at = EXCLUDED.updated_at
              WHERE product_view.updated_at < EXCLUDED.updated_at",
        )
        .bind(product.id.as_uuid())
        .bind(&product.name)
        .bind(product.price.amount_minor())
        .bind(product.price.currency().code())
        .bind(product.as_of)
        .execute(conn)
        .await?
        .rows_affected();
        Ok(applied > 0)
    }

    async fn customer(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
    ) -> Result<Option<CustomerInfo>, RepositoryError> {
        let row: Option<CustomerRow> =
            sqlx::query_as("SELECT id, name, email, active FROM customer_view WHERE id = $1")
                .bind(id.as_uuid())
                .fetch_optional(conn)
                .await?;
        Ok(row.map(|row| CustomerInfo {
            id: CustomerId::from_uuid(row.id),
            name: row.name,
            email: row.email,
            active: row.active,
        }))
    }

    async fn register_customer(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
        name: &str,
        email: &str,
        registered_at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        // A deactivation that overtook the registration is later than it, so it is kept.
        sqlx::query(
            "INSERT INTO customer_view (id, name, email, email_changed_at, active, active_changed_at, registered_at, changed_at)
             VALUES ($1, $2, $3, $4, TRUE, $4, $4, $4)
             ON CONFLICT (id) DO UPDATE
                SET name = EXCLUDED.name,
                    email = CASE WHEN customer_view.email_changed_at IS NULL
                                   OR customer_view.email_changed_at < EXCLUDED.email_changed_at
                                 THEN EXCLUDED.email ELSE customer_view.email END,
                    email_changed_at = GREATEST(customer_view.email_changed_at, EXCLUDED.email_changed_at),
                    active = CASE WHEN customer_view.active_changed_at < EXCLUDED.active_changed_at
                                  THEN TRUE ELSE customer_view.active END,
                    active_changed_at = GREATEST(customer_view.active_changed_at, EXCLUDED.active_changed_at),
                    registered_at = EXCLUDED.registered_at,
                    changed_at = GREATEST(customer_view.changed_at, EXCLUDED.changed_at)",
        )
        .bind(id.as_uuid())
        .bind(name)
        .bind(email)
        .bind(registered_at)
        .execute(conn)
        .await?;
        Ok(())
    }

    async fn set_customer_active(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
        active: bool,
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        sqlx::query(
            "INSERT INTO customer_view (id, active, active_changed_at, changed_at)
             VALUES ($1, $2, $3, $3)
             ON CONFLICT (id) DO UPDATE
                SET active = EXCLUDED.active,
                    active_changed_at = EXCLUDED.active_changed_at,
                    changed_at = GREATEST(customer_view.changed_at, EXCLUDED.changed_at)
              WHERE customer_view.active_changed_at < EXCLUDED.active_changed_at",
        )
        .bind(id.as_uuid())
        .bind(active)
        .bind(at)
        .execute(conn)
        .await?;
        Ok(())
    }

    async fn change_customer_email(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
        email: &str,
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        // The customer context refuses email changes of deactivated customers, so a change
        // that overtook the registration also tells that the customer was active then.
        sqlx::query(
            "INSERT INTO customer_view (id, email, email_changed_at, active, active_changed_at, changed_at)
             VALUES ($1, $2, $3, TRUE, $3, $3)
             ON CONFLICT (id) DO UPDATE
                SET email = EXCLUDED.email,
                    email_changed_at = EXCLUDED.email_changed_at,
                    changed_at = GREATEST(customer_view.changed_at, EXCLUDED.changed_at)
              WHERE customer_view.email_changed_at IS NULL
                 OR customer_view.email_changed_at < EXCLUDED.email_changed_at",
        )
        .bind(id.as_uuid())
        .bind(email)
        .bind(at)
        .execute(conn)
        .await?;
        Ok(())
    }
}
