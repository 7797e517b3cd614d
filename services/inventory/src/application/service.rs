//! The catalogue use cases.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use inventory_domain::{InventoryError, Product, ProductEvent, ProductId, Sku};
use orderflow_runtime::AppError;
use orderflow_runtime::clock::Clock;
use orderflow_runtime::events::{EventContext, EventDispatcher};
use orderflow_runtime::http::{IfMatch, Page};
use orderflow_runtime::unit_of_work::{self, VersionedRepository};
use sqlx::{PgConnection, PgPool};

use super::commands::{AdjustStock, CreateProduct, ProductQuery, UpdateProduct};
use super::ports::{ProductRepository, RepositoryError, Versioned};

pub struct ProductService<R> {
    pool: PgPool,
    repository: R,
    dispatcher: EventDispatcher<ProductEvent>,
    clock: Arc<dyn Clock>,
}

impl<R: ProductRepository> ProductService<R> {
    pub fn new(
        pool: PgPool,
        repository: R,
        dispatcher: EventDispatcher<ProductEvent>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            pool,
            repository,
            dispatcher,
            clock,
        }
    }

    pub async fn create(
        &self,
        command: CreateProduct,
        context: &EventContext,
    ) -> Result<Versioned<Product>, AppError> {
        let valid = command.validate().map_err(AppError::Validation)?;
        let mut product = Product::create(
            ProductId::new(),
            valid.sku,
            valid.name,
            valid.price,
            valid.stock_on_hand,
            self.clock.now(),
        )
        .map_err(domain_error)?;
        let events = product.take_events();
        let mut tx = self.pool.begin().await?;
        let version = self
            .repository
            .insert(&mut tx, &product)
            .await
            .map_err(repository_error)?;
        self.dispatcher.dispatch(&mut tx, context, &events).await?;
        tx.commit().await?;
        Ok(Versioned {
            value: product,
            version,
        })
    }

    pub async fn get(&self, id: ProductId) -> Result<Versioned<Product>, AppError> {
        let mut conn = self.pool.acquire().await?;
        self.repository
            .find(&mut conn, id)
            .await
            .map_err(repository_error)?
            .ok_or_else(|| not_found(id))
    }

    /// The product with this SKU, if the catalogue has one.
    pub async fn find_by_sku(&self, sku: &Sku) -> Result<Option<Versioned<Product>>, AppError> {
        let mut conn = self.pool.acquire().await?;
        self.repository
            .find_by_sku(&mut conn, sku)
            .await
            .map_err(repository_error)
    }

    pub async fn list(&self, query: ProductQuery) -> Result<Page<Versioned<Product>>, AppError> {
        let page = query.validate().map_err(AppError::Validation)?;
        let mut conn = self.pool.acquire().await?;
        let (items, total) = self
            .repository
            .list(&mut conn, page)
            .await
            .map_err(repository_error)?;
        Ok(Page::new(items, page, total))
    }

    pub async fn update(
        &self,
        id: ProductId,
        command: UpdateProduct,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<Versioned<Product>, AppError> {
        let (name, price) = command.validate().map_err(AppError::Validation)?;
        self.modify(id, if_match, context, |product, now| {
            product.update(name, price, now)
        })
        .await
    }

    pub async fn adjust_stock(
        &self,
        id: ProductId,
        command: AdjustStock,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<Versioned<Product>, AppError> {
        let (delta, reason) = command.validate().map_err(AppError::Validation)?;
        self.modify(id, if_match, context, |product, now| {
            product.adjust_stock(delta, &reason, now)
        })
        .await
    }

    /// Applies `change` through the runtime's unit of work (load, If-Match, store with the
    /// recorded events, one transaction).
    async fn modify(
        &self,
        id: ProductId,
        if_match: IfMatch,
        context: &EventContext,
        change: impl FnOnce(&mut Product, DateTime<Utc>) -> Result<(), InventoryError>,
    ) -> Result<Versioned<Product>, AppError> {
        let now = self.clock.now();
        unit_of_work::modify(
            &self.pool,
            &Stored(&self.repository),
            &self.dispatcher,
            id,
            if_match,
            context,
            |product| {
                change(product, now).map_err(domain_error)?;
                Ok(product.take_events())
            },
        )
        .await
    }
}

/// The repository as the unit of work sees it.
struct Stored<'a, R>(&'a R);

impl<R: ProductRepository> VersionedRepository<Product> for Stored<'_, R> {
    type Id = ProductId;
    const KIND: &'static str = "product";

    async fn load(
        &self,
        conn: &mut PgConnection,
        id: ProductId,
    ) -> Result<Option<Versioned<Product>>, AppError> {
        self.0.find(conn, id).await.map_err(repository_error)
    }

    async fn store(
        &self,
        conn: &mut PgConnection,
        product: &Product,
        expected: i64,
    ) -> Result<Option<i64>, AppError> {
        match self.0.update(conn, product, expected).await {
            Ok(version) => Ok(Some(version)),
            Err(RepositoryError::VersionConflict { .. }) => Ok(None),
            Err(other) => Err(repository_error(other)),
        }
    }
}

fn not_found(id: ProductId) -> AppError {
    AppError::NotFound(format!("product {id} does not exist"))
}

fn domain_error(err: InventoryError) -> AppError {
    AppError::Rule {
        code: err.code(),
        message: err.to_string(),
    }
}

pub(super) fn repository_error(err: RepositoryError) -> AppError {
    match err {
        RepositoryError::DuplicateSku(_)
        | RepositoryError::DuplicateReservation(_)
        | RepositoryError::VersionConflict { .. } => AppError::Conflict(err.to_string()),
        RepositoryError::Corrupt(_) => AppError::internal(err),
        RepositoryError::Database(db) => db.into(),
    }
}
