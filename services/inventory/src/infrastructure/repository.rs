//! The sqlx implementation of [`ProductRepository`].

use chrono::{DateTime, Utc};
use inventory_domain::{Product, ProductId, ProductName, ProductSnapshot, Sku};
use orderflow_kernel::{Currency, Money};
use orderflow_runtime::http::PageRequest;
use sqlx::{FromRow, PgConnection, QueryBuilder};
use uuid::Uuid;

use crate::application::{ProductRepository, RepositoryError, Versioned};

const SKU_UNIQUE: &str = "product_sku_key";
const COLUMNS: &str = "id, sku, name, price_amount, price_currency, stock_on_hand, reserved, created_at, updated_at, version";

#[derive(Debug, Clone, Copy, Default)]
pub struct PgProductRepository;

#[derive(FromRow)]
struct ProductRow {
    id: Uuid,
    sku: String,
    name: String,
    price_amount: i64,
    price_currency: String,
    stock_on_hand: i32,
    reserved: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl TryFrom<ProductRow> for Versioned<Product> {
    type Error = RepositoryError;

    fn try_from(row: ProductRow) -> Result<Self, Self::Error> {
        let corrupt = |err: &dyn std::fmt::Display| {
            RepositoryError::Corrupt(format!("product {}: {err}", row.id))
        };
        let snapshot = ProductSnapshot {
            id: ProductId::from_uuid(row.id),
            sku: Sku::parse(&row.sku).map_err(|e| corrupt(&e))?,
            name: ProductName::new(&row.name).map_err(|e| corrupt(&e))?,
            price: Money::new(
                row.price_amount,
                Currency::parse(&row.price_currency).map_err(|e| corrupt(&e))?,
            ),
            stock_on_hand: u32::try_from(row.stock_on_hand).map_err(|e| corrupt(&e))?,
            reserved: u32::try_from(row.reserved).map_err(|e| corrupt(&e))?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        };
        Ok(Versioned {
            value: Product::restore(snapshot),
            version: row.version,
        })
    }
}

/// The stored counts: `u32` in the domain, `INT` in the table.
fn counts(product: &Product) -> Result<(i32, i32), RepositoryError> {
    let count = |value: u32| {
        i32::try_from(value).map_err(|_| {
            RepositoryError::Corrupt(format!(
                "product {}: a stock count of {value} does not fit the table",
                product.id()
            ))
        })
    };
    Ok((count(product.stock_on_hand())?, count(product.reserved())?))
}

/// Turns the unique-SKU violation into its domain meaning.
fn write_error(err: sqlx::Error, product: &Product) -> RepositoryError {
    match &err {
        sqlx::Error::Database(db)
            if db.is_unique_violation() && db.constraint() == Some(SKU_UNIQUE) =>
        {
            RepositoryError::DuplicateSku(product.sku().to_string())
        }
        _ => RepositoryError::Database(err),
    }
}

impl ProductRepository for PgProductRepository {
    async fn insert(
        &self,
        conn: &mut PgConnection,
        product: &Product,
    ) -> Result<i64, RepositoryError> {
        let (stock_on_hand, reserved) = counts(product)?;
        sqlx::query(
            "INSERT INTO product (id, sku, name, price_amount, price_currency, stock_on_hand, reserved, created_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
        )
        .bind(product.id().as_uuid())
        .bind(product.sku().as_str())
        .bind(product.name().as_str())
        .bind(product.price().amount_minor())
        .bind(product.price().currency().code())
        .bind(stock_on_hand)
        .bind(reserved)
        .bind(product.created_at())
        .bind(product.updated_at())
        .execute(conn)
        .await
        .map_err(|err| write_error(err, product))?;
        Ok(1)
    }

    async fn update(
        &self,
        conn: &mut PgConnection,
        product: &Product,
        expected_version: i64,
    ) -> Result<i64, RepositoryError> {
        let (stock_on_hand, reserved) = counts(product)?;
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE product
                SET name = $2, price_amount = $3, price_currency = $4, stock_on_hand = $5,
                    reserved = $6, updated_at = $7, version = version + 1
              WHERE id = $1 AND version = $8
          RETURNING version",
        )
        .bind(product.id().as_uuid())
        .bind(product.name().as_str())
        .bind(product.price().amount_minor())
        .bind(product.price().currency().code())
        .bind(stock_on_hand)
        .bind(reserved)
        .bind(product.updated_at())
        .bind(expected_version)
        .fetch_optional(conn)
        .await
        .map_err(|err| write_error(err, product))?;
        updated.ok_or(RepositoryError::VersionConflict {
            expected: expected_version,
        })
    }

    async fn find(
        &self,
        conn: &mut PgConnection,
        id: ProductId,
    ) -> Result<Option<Versioned<Product>>, RepositoryError> {
        let mut query = QueryBuilder::new(format!("SELECT {COLUMNS} FROM product WHERE id = "));
        query.push_bind(id.as_uuid());
        let row: Option<ProductRow> = query.build_query_as().fetch_optional(conn).await?;
        row.map(Versioned::try_from).transpose()
    }

    async fn find_by_sku(
        &self,
        conn: &mut PgConnection,
        sku: &Sku,
    ) -> Result<Option<Versioned<Product>>, RepositoryError> {
        let mut query = QueryBuilder::new(format!("SELECT {COLUMNS} FROM product WHERE sku = "));
        query.push_bind(sku.as_str());
        let row: Option<ProductRow> = query.build_query_as().fetch_optional(conn).await?;
        row.map(Versioned::try_from).transpose()
    }

    async fn lock_all(
        &self,
        conn: &mut PgConnection,
        ids: &[ProductId],
    ) -> Result<Vec<Versioned<Product>>, RepositoryError> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        // Rows are locked as the sort hands them over, i.e. in id order.
        let mut query = QueryBuilder::new(format!("SELECT {COLUMNS} FROM product WHERE id = ANY("));
        query.push_bind(ids).push(") ORDER BY id FOR UPDATE");
        let rows: Vec<ProductRow> = query.build_query_as().fetch_all(conn).await?;
        rows.into_iter().map(Versioned::try_from).collect()
    }

    async fn list(
        &self,
        conn: &mut PgConnection,
        page: PageRequest,
    ) -> Result<(Vec<Versioned<Product>>, i64), RepositoryError> {
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM product")
            .fetch_one(&mut *conn)
            .await?;
        // Ids are UUIDv7, so id order is creation order.
        let mut select = QueryBuilder::new(format!("SELECT {COLUMNS} FROM product"));
        select
            .push(" ORDER BY id LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<ProductRow> = select.build_query_as().fetch_all(conn).await?;
        let items = rows
            .into_iter()
            .map(Versioned::try_from)
            .collect::<Result<_, _>>()?;
        Ok((items, total))
    }
}
