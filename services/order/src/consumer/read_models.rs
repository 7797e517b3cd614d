//! Inventory and customer events → the product and customer read models.

use chrono::{DateTime, Utc};
use order_domain::{CustomerId, ProductId};
use orderflow_contracts::{
    CustomerDeactivated, CustomerEmailChanged, CustomerReactivated, CustomerRegistered,
    ProductCreated, ProductUpdated,
};
use orderflow_kernel::{Currency, Money};
use orderflow_runtime::BoxFuture;
use orderflow_runtime::messaging::{Handler, HandlerError, Message};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::application::{CustomerRegistration, ProductInfo, ReadModels, RepositoryError, Store};

/// Handles every event the read models are built from.
#[derive(Clone)]
pub struct ReadModelHandlers<S> {
    read_models: ReadModels<S>,
}

impl<S: Store> ReadModelHandlers<S> {
    pub fn new(store: S) -> Self {
        Self {
            read_models: ReadModels::new(store),
        }
    }

    async fn product(
        &self,
        conn: &mut PgConnection,
        id: Uuid,
        name: String,
        price: orderflow_contracts::Money,
        as_of: DateTime<Utc>,
    ) -> Result<(), HandlerError> {
        // A price the kernel cannot represent is the producer's bug: no retry fixes it.
        let currency = Currency::parse(&price.currency).map_err(HandlerError::permanent)?;
        let product = ProductInfo {
            id: ProductId::from_uuid(id),
            name,
            price: Money::new(price.amount, currency),
            as_of,
        };
        self.read_models
            .product_changed(conn, &product)
            .await
            .map(|_| ())
            .map_err(handler_error)
    }

    async fn activity(
        &self,
        conn: &mut PgConnection,
        id: Uuid,
        active: bool,
        at: DateTime<Utc>,
    ) -> Result<(), HandlerError> {
        self.read_models
            .customer_activity_changed(conn, CustomerId::from_uuid(id), active, at)
            .await
            .map_err(handler_error)
    }
}

fn handler_error(err: RepositoryError) -> HandlerError {
    match err {
        RepositoryError::Database(_) => HandlerError::transient(err),
        other => HandlerError::permanent(other),
    }
}

impl<S: Store> Handler<ProductCreated> for ReadModelHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: ProductCreated,
        _message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(self.product(
            conn,
            event.product_id,
            event.name,
            event.price,
            event.created_at,
        ))
    }
}

impl<S: Store> Handler<ProductUpdated> for ReadModelHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: ProductUpdated,
        _message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(self.product(
            conn,
            event.product_id,
            event.name,
            event.price,
            event.updated_at,
        ))
    }
}

impl<S: Store> Handler<CustomerRegistered> for ReadModelHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: CustomerRegistered,
        _message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            let registration = CustomerRegistration {
                id: CustomerId::from_uuid(event.customer_id),
                name: format!("{} {}", event.first_name, event.last_name),
                email: event.email,
                registered_at: event.registered_at,
            };
            self.read_models
                .customer_registered(conn, &registration)
                .await
                .map_err(handler_error)
        })
    }
}

impl<S: Store> Handler<CustomerDeactivated> for ReadModelHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: CustomerDeactivated,
        _message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(self.activity(conn, event.customer_id, false, event.deactivated_at))
    }
}

impl<S: Store> Handler<CustomerReactivated> for ReadModelHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: CustomerReactivated,
        _message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(self.activity(conn, event.customer_id, true, event.reactivated_at))
    }
}

impl<S: Store> Handler<CustomerEmailChanged> for ReadModelHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: CustomerEmailChanged,
        _message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            self.read_models
                .customer_email_changed(
                    conn,
                    CustomerId::from_uuid(event.customer_id),
                    &event.new_email,
                    event.changed_at,
                )
                .await
                .map_err(handler_error)
        })
    }
}
