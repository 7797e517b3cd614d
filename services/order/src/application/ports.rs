//! What the use cases need from infrastructure.
//!
//! Every write takes the caller's connection, so that a use case's changes, its domain event
//! handlers and its outbox rows commit together. Method names are distinct across the traits
//! because one adapter implements them all (see [`Store`]).

use std::future::Future;

use chrono::{DateTime, Utc};
use order_domain::{
    CustomerId, FulfilmentSaga, Order, OrderId, OrderStatus, ProductId, SagaCommand,
};
use orderflow_kernel::Money;
use orderflow_runtime::events::EventContext;
use orderflow_runtime::http::PageRequest;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use super::timeline::{NewTimelineEntry, TimelineEntry};

pub use orderflow_runtime::db::Versioned;

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    #[error("the {kind} was changed concurrently (expected version {expected})")]
    VersionConflict { kind: &'static str, expected: i64 },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("cannot write to the outbox: {0}")]
    Outbox(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Filters of the order list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub customer_id: Option<CustomerId>,
    pub status: Option<OrderStatus>,
}

/// Persistence of orders.
pub trait OrderRepository {
    /// Stores a new order at version 1.
    fn insert_order(
        &self,
        conn: &mut PgConnection,
        order: &Order,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    /// Stores `order` if it is still at `expected_version`; returns the new version.
    fn update_order(
        &self,
        conn: &mut PgConnection,
        order: &Order,
        expected_version: i64,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    fn find_order(
        &self,
        conn: &mut PgConnection,
        id: OrderId,
    ) -> impl Future<Output = Result<Option<Versioned<Order>>, RepositoryError>> + Send;

    /// Like [`OrderRepository::find_order`], holding the row lock until the transaction ends:
    /// every change of an order, its saga and its timeline happens under this lock.
    fn lock_order(
        &self,
        conn: &mut PgConnection,
        id: OrderId,
    ) -> impl Future<Output = Result<Option<Versioned<Order>>, RepositoryError>> + Send;

    /// One page of orders, newest first, and the total under the filter.
    fn list_orders(
        &self,
        conn: &mut PgConnection,
        filter: &OrderFilter,
        page: PageRequest,
    ) -> impl Future<Output = Result<(Vec<Versioned<Order>>, i64), RepositoryError>> + Send;
}

/// What the saga's commands need beyond the domain, kept in `saga_instance.data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SagaData {
    /// Who `ProcessPayment` charges.
    pub customer_id: CustomerId,
    /// The payment method chosen when placing; absent means the customer's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_token: Option<String>,
}

/// A stored saga with its command data.
#[derive(Debug, Clone)]
pub struct SagaRecord {
    pub saga: FulfilmentSaga,
    pub data: SagaData,
    /// Id of the event that last moved the saga.
    pub last_request_id: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

/// Persistence of fulfilment sagas, one per placed order.
pub trait SagaRepository {
    fn insert_saga(
        &self,
        conn: &mut PgConnection,
        saga: &FulfilmentSaga,
        data: &SagaData,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Stores `saga` if the row is still at `expected_version`, recording what moved it.
    fn update_saga(
        &self,
        conn: &mut PgConnection,
        saga: &FulfilmentSaga,
        expected_version: i64,
        request_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    fn find_saga(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
    ) -> impl Future<Output = Result<Option<SagaRecord>, RepositoryError>> + Send;

    /// Like [`SagaRepository::find_saga`], holding the row lock (taken after the order's).
    fn lock_saga(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
    ) -> impl Future<Output = Result<Option<SagaRecord>, RepositoryError>> + Send;

    /// The sagas of these orders (for lists), in no particular order.
    fn find_sagas(
        &self,
        conn: &mut PgConnection,
        order_ids: &[OrderId],
    ) -> impl Future<Output = Result<Vec<SagaRecord>, RepositoryError>> + Send;

    /// Locks one saga past its deadline at `now`, with its order, skipping rows other
    /// transactions hold (so sweepers in several replicas share the work and never wait) and
    /// the orders in `skip` (already handled in this sweep).
    fn claim_due_saga(
        &self,
        conn: &mut PgConnection,
        now: DateTime<Utc>,
        skip: &[OrderId],
    ) -> impl Future<Output = Result<Option<OrderId>, RepositoryError>> + Send;
}

/// The order timeline behind `GET /orders/{id}/events`.
pub trait TimelineRepository {
    /// Appends an entry with the order's next sequence number and notifies listeners when the
    /// transaction commits. The caller holds the order's row lock.
    fn append_timeline(
        &self,
        conn: &mut PgConnection,
        entry: &NewTimelineEntry,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    /// The entries after sequence number `after`, oldest first, at most `limit`.
    fn timeline_since(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
        after: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<TimelineEntry>, RepositoryError>> + Send;
}

/// A product as the order context knows it, from the inventory's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductInfo {
    pub id: ProductId,
    pub name: String,
    pub price: Money,
    /// When the inventory recorded this state; only newer states replace it.
    pub as_of: DateTime<Utc>,
}

/// A customer as the order context knows it, from the customer's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerInfo {
    pub id: CustomerId,
    /// `None` until the registration arrived.
    pub name: Option<String>,
    pub email: Option<String>,
    pub active: bool,
}

/// The read models of other contexts (products, customers).
pub trait ReadModelRepository {
    fn product(
        &self,
        conn: &mut PgConnection,
        id: ProductId,
    ) -> impl Future<Output = Result<Option<ProductInfo>, RepositoryError>> + Send;

    /// Stores `product` unless a state at least as new is stored; true when it was stored.
    fn upsert_product(
        &self,
        conn: &mut PgConnection,
        product: &ProductInfo,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    fn customer(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
    ) -> impl Future<Output = Result<Option<CustomerInfo>, RepositoryError>> + Send;

    /// Records a registration: name and email, and `active` unless a later activity change
    /// (a deactivation that overtook the registration) is already stored.
    fn register_customer(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
        name: &str,
        email: &str,
        registered_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Records a (de)activation unless a later one is already stored.
    fn set_customer_active(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
        active: bool,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Records an email change unless a later email is already stored.
    fn change_customer_email(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
        email: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;
}

/// Sends the saga's commands to the other contexts (through the outbox).
pub trait SagaCommandSender {
    fn send_command(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
        data: &SagaData,
        command: &SagaCommand,
        context: &EventContext,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;
}

/// Every port, implemented together by one adapter, so use cases take one type parameter.
pub trait Store:
    OrderRepository
    + SagaRepository
    + TimelineRepository
    + ReadModelRepository
    + SagaCommandSender
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: OrderRepository
        + SagaRepository
        + TimelineRepository
        + ReadModelRepository
        + SagaCommandSender
        + Clone
        + Send
        + Sync
        + 'static
{
}
