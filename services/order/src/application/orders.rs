//! The order use cases.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use order_domain::{
    CustomerId, Order, OrderError, OrderEvent, OrderId, OrderLine, OrderStatus, ProductId,
};
use orderflow_runtime::AppError;
use orderflow_runtime::after_commit;
use orderflow_runtime::clock::Clock;
use orderflow_runtime::db::Tx;
use orderflow_runtime::events::{EventContext, EventDispatcher};
use orderflow_runtime::http::{IfMatch, Page};
use sqlx::{PgConnection, PgPool};

use super::commands::{AddLine, CancelOrder, ChangeLine, CreateOrder, OrderQuery, PlaceOrder};
use super::metrics::{self, CancelReason};
use super::ports::{RepositoryError, SagaData, Store, Versioned};
use super::saga::{Cause, SagaCoordinator, SagaTrigger};
use super::timeline::TimelineEntry;
use super::views::OrderDetails;

/// Most timeline entries read at once; an order has a few dozen at most.
pub const TIMELINE_BATCH: i64 = 1000;

pub struct OrderService<S> {
    pool: PgPool,
    store: S,
    dispatcher: EventDispatcher<OrderEvent>,
    saga: Arc<SagaCoordinator<S>>,
    clock: Arc<dyn Clock>,
}

impl<S: Store> OrderService<S> {
    pub fn new(
        pool: PgPool,
        store: S,
        dispatcher: EventDispatcher<OrderEvent>,
        saga: Arc<SagaCoordinator<S>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            pool,
            store,
            dispatcher,
            saga,
            clock,
        }
    }

    pub async fn create(
        &self,
        command: CreateOrder,
        context: &EventContext,
    ) -> Result<OrderDetails, AppError> {
        let customer_id = command.validate().map_err(AppError::Validation)?;
        let mut order = Order::create(OrderId::new(), customer_id, self.clock.now());
        let events = order.take_events();
        let mut tx = self.pool.begin().await?;
        let version = self
            .store
            .insert_order(&mut tx, &order)
            .await
            .map_err(repository_error)?;
        self.dispatcher.dispatch(&mut tx, context, &events).await?;
        tx.commit().await?;
        Ok(OrderDetails {
            order: Versioned {
                value: order,
                version,
            },
            saga: None,
        })
    }

    pub async fn get(&self, id: OrderId) -> Result<OrderDetails, AppError> {
        let mut conn = self.pool.acquire().await?;
        let order = self
            .store
            .find_order(&mut conn, id)
            .await
            .map_err(repository_error)?
            .ok_or_else(|| not_found(id))?;
        let saga = self
            .store
            .find_saga(&mut conn, id)
            .await
            .map_err(repository_error)?;
        Ok(OrderDetails { order, saga })
    }

    pub async fn list(&self, query: OrderQuery) -> Result<Page<OrderDetails>, AppError> {
        let (filter, page) = query.validate().map_err(AppError::Validation)?;
        let mut conn = self.pool.acquire().await?;
        let (orders, total) = self
            .store
            .list_orders(&mut conn, &filter, page)
            .await
            .map_err(repository_error)?;
        let ids: Vec<OrderId> = orders.iter().map(|o| o.value.id()).collect();
        let mut sagas: HashMap<OrderId, _> = self
            .store
            .find_sagas(&mut conn, &ids)
            .await
            .map_err(repository_error)?
            .into_iter()
            .map(|record| (record.saga.order_id(), record))
            .collect();
        let items = orders
            .into_iter()
            .map(|order| {
                let saga = sagas.remove(&order.value.id());
                OrderDetails { order, saga }
            })
            .collect();
        Ok(Page::new(items, page, total))
    }

    /// Adds a line priced from the product read model, never from the client.
    pub async fn add_line(
        &self,
        id: OrderId,
        command: AddLine,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<OrderDetails, AppError> {
        let (product_id, quantity) = command.validate().map_err(AppError::Validation)?;
        let (mut tx, mut order) = self.begin(id, if_match).await?;
        let product = self
            .store
            .product(&mut tx, product_id)
            .await
            .map_err(repository_error)?
            .ok_or_else(|| AppError::Rule {
                code: "unknown-product",
                message: format!("product {product_id} is not in the catalogue"),
            })?;
        let line = OrderLine::new(product_id, &product.name, quantity, product.price)
            .map_err(domain_error)?;
        order
            .value
            .add_line(line, self.clock.now())
            .map_err(domain_error)?;
        self.save(&mut tx, &mut order, context).await?;
        self.finish(tx, order).await
    }

    pub async fn change_line(
        &self,
        id: OrderId,
        product_id: ProductId,
        command: ChangeLine,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<OrderDetails, AppError> {
        let quantity = command.validate().map_err(AppError::Validation)?;
        self.modify(id, if_match, context, |order, now| {
            order.change_quantity(product_id, quantity, now)
        })
        .await
    }

    pub async fn remove_line(
        &self,
        id: OrderId,
        product_id: ProductId,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<OrderDetails, AppError> {
        self.modify(id, if_match, context, |order, now| {
            order.remove_line(product_id, now)
        })
        .await
    }

    /// Places a draft of a known, active customer and starts its saga, all in one transaction.
    /// Placing a placed order again changes nothing.
    pub async fn place(
        &self,
        id: OrderId,
        command: PlaceOrder,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<OrderDetails, AppError> {
        let payment_token = command.validate().map_err(AppError::Validation)?;
        after_commit::scope(async {
            let (mut tx, mut order) = self.begin(id, if_match).await?;
            let customer_id = order.value.customer_id();
            if order.value.status() == OrderStatus::Draft {
                self.ensure_may_order(&mut tx, customer_id).await?;
            }
            let now = self.clock.now();
            order.value.place(now).map_err(domain_error)?;
            let events = self.save(&mut tx, &mut order, context).await?;
            if events
                .iter()
                .any(|event| matches!(event, OrderEvent::Placed { .. }))
            {
                let data = SagaData {
                    customer_id,
                    payment_token,
                };
                self.saga.start(&mut tx, &order.value, data, now).await?;
                metrics::order_placed();
            }
            self.finish(tx, order).await
        })
        .await
    }

    /// Cancels an order; a placed or confirmed one also has its saga compensate (release the
    /// stock, refund a payment that may have been taken).
    pub async fn cancel(
        &self,
        id: OrderId,
        command: CancelOrder,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<OrderDetails, AppError> {
        let reason = command.validate().map_err(AppError::Validation)?;
        after_commit::scope(async {
            let (mut tx, mut order) = self.begin(id, if_match).await?;
            let now = self.clock.now();
            order.value.cancel(&reason, now).map_err(domain_error)?;
            let events = self.save(&mut tx, &mut order, context).await?;
            let was = events.iter().find_map(|event| match event {
                OrderEvent::Cancelled { was, .. } => Some(*was),
                _ => None,
            });
            if let Some(was @ (OrderStatus::Placed | OrderStatus::Confirmed)) = was {
                // A confirmed order's saga already finished; a placed one's ends here.
                let saga_placed_at = order
                    .value
                    .placed_at()
                    .filter(|_| was == OrderStatus::Placed);
                metrics::order_cancelled(CancelReason::CustomerRequest, saga_placed_at, now);
                let trigger = SagaTrigger::OrderCancelled { reason };
                self.saga
                    .drive(&mut tx, &mut order, &trigger, &Cause::internal(id), now)
                    .await?;
            }
            self.finish(tx, order).await
        })
        .await
    }

    pub async fn complete(
        &self,
        id: OrderId,
        if_match: IfMatch,
        context: &EventContext,
    ) -> Result<OrderDetails, AppError> {
        self.modify(id, if_match, context, Order::complete).await
    }

    /// The order's timeline after sequence number `after`; 404 for an unknown order.
    pub async fn timeline(&self, id: OrderId, after: i64) -> Result<Vec<TimelineEntry>, AppError> {
        let mut conn = self.pool.acquire().await?;
        self.store
            .find_order(&mut conn, id)
            .await
            .map_err(repository_error)?
            .ok_or_else(|| not_found(id))?;
        self.read_timeline(&mut conn, id, after).await
    }

    /// Like [`OrderService::timeline`] for an order known to exist (a live stream's reads).
    pub async fn timeline_after(
        &self,
        id: OrderId,
        after: i64,
    ) -> Result<Vec<TimelineEntry>, AppError> {
        let mut conn = self.pool.acquire().await?;
        self.read_timeline(&mut conn, id, after).await
    }

    async fn read_timeline(
        &self,
        conn: &mut PgConnection,
        id: OrderId,
        after: i64,
    ) -> Result<Vec<TimelineEntry>, AppError> {
        self.store
            .timeline_since(conn, id, after, TIMELINE_BATCH)
            .await
            .map_err(repository_error)
    }

    /// Orders are refused for customers this context does not know, or knows as deactivated.
    async fn ensure_may_order(
        &self,
        conn: &mut PgConnection,
        customer_id: CustomerId,
    ) -> Result<(), AppError> {
        let customer = self
            .store
            .customer(conn, customer_id)
            .await
            .map_err(repository_error)?;
        match customer {
            None => Err(AppError::Rule {
                code: "unknown-customer",
                message: format!(
                    "customer {customer_id} is not known; orders need a registered customer"
                ),
            }),
            Some(customer) if !customer.active => Err(AppError::Rule {
                code: "customer-deactivated",
                message: format!("customer {customer_id} is deactivated and cannot place orders"),
            }),
            Some(_) => Ok(()),
        }
    }

    /// Loads, locks and version-checks an order, applies `change` and stores the result with
    /// the events it recorded, all in one transaction.
    async fn modify(
        &self,
        id: OrderId,
        if_match: IfMatch,
        context: &EventContext,
        change: impl FnOnce(&mut Order, DateTime<Utc>) -> Result<(), OrderError>,
    ) -> Result<OrderDetails, AppError> {
        let (mut tx, mut order) = self.begin(id, if_match).await?;
        change(&mut order.value, self.clock.now()).map_err(domain_error)?;
        self.save(&mut tx, &mut order, context).await?;
        self.finish(tx, order).await
    }

    /// Starts a change: the order, locked for the transaction, at the version the client expects.
    async fn begin(
        &self,
        id: OrderId,
        if_match: IfMatch,
    ) -> Result<(Tx, Versioned<Order>), AppError> {
        let mut tx = self.pool.begin().await?;
        let order = self
            .store
            .lock_order(&mut tx, id)
            .await
            .map_err(repository_error)?
            .ok_or_else(|| not_found(id))?;
        if_match.check(order.version)?;
        Ok((tx, order))
    }

    /// Stores the order's recorded events with it; a change that recorded nothing writes nothing.
    async fn save(
        &self,
        conn: &mut PgConnection,
        order: &mut Versioned<Order>,
        context: &EventContext,
    ) -> Result<Vec<OrderEvent>, AppError> {
        let events = order.value.take_events();
        if events.is_empty() {
            return Ok(events);
        }
        order.version = self
            .store
            .update_order(conn, &order.value, order.version)
            .await
            .map_err(repository_error)?;
        self.dispatcher.dispatch(conn, context, &events).await?;
        Ok(events)
    }

    async fn finish(&self, mut tx: Tx, order: Versioned<Order>) -> Result<OrderDetails, AppError> {
        let saga = self
            .store
            .find_saga(&mut tx, order.value.id())
            .await
            .map_err(repository_error)?;
        tx.commit().await?;
        Ok(OrderDetails { order, saga })
    }
}

fn not_found(id: OrderId) -> AppError {
    AppError::NotFound(format!("order {id} does not exist"))
}

fn domain_error(err: OrderError) -> AppError {
    match err {
        OrderError::LineNotFound { .. } => AppError::NotFound(err.to_string()),
        other => AppError::Rule {
            code: other.code(),
            message: other.to_string(),
        },
    }
}

fn repository_error(err: RepositoryError) -> AppError {
    match err {
        RepositoryError::VersionConflict { .. } => AppError::Conflict(err.to_string()),
        RepositoryError::Database(db) => db.into(),
        RepositoryError::Corrupt(_) | RepositoryError::Outbox(_) => AppError::internal(err),
    }
}
