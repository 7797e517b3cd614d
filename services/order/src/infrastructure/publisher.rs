//! Everything the order context publishes, through the outbox and inside the change's
//! transaction: its own integration events, and the saga's commands to other contexts.

use order_domain::{Order, OrderEvent, OrderId, OrderLine, SagaCommand};
use orderflow_contracts::{
    CommitStock, IntegrationEvent, OrderCancelled, OrderCompleted, OrderConfirmed, OrderPlaced,
    ProcessPayment, RefundPayment, ReleaseStock, ReserveStock, StockLine,
};
use orderflow_kernel::Money;
use orderflow_runtime::events::{DomainEventHandler, EventContext};
use orderflow_runtime::messaging::Outbox;
use orderflow_runtime::{AppError, BoxFuture};
use sqlx::PgConnection;

use super::PgStore;
use crate::application::{
    OrderRepository, RepositoryError, SagaCommandSender, SagaData, Versioned,
};

fn money(money: Money) -> orderflow_contracts::Money {
    orderflow_contracts::Money::new(money.amount_minor(), money.currency().code())
}

fn line(line: &OrderLine) -> orderflow_contracts::OrderLine {
    orderflow_contracts::OrderLine {
        product_id: line.product_id().as_uuid(),
        product_name: line.product_name().to_owned(),
        quantity: line.quantity().get(),
        unit_price: money(line.unit_price()),
    }
}

async fn enqueue<E: IntegrationEvent>(
    conn: &mut PgConnection,
    event: &E,
    context: &EventContext,
) -> Result<(), RepositoryError> {
    Outbox::enqueue(conn, event, context)
        .await
        .map(|_| ())
        .map_err(|err| match err {
            orderflow_runtime::messaging::OutboxError::Database(db) => db.into(),
            other => RepositoryError::Outbox(other.to_string()),
        })
}

/// Maps the order's domain events to the integration events other contexts consume.
#[derive(Debug, Clone, Copy, Default)]
pub struct IntegrationEvents;

impl IntegrationEvents {
    /// The order the event is about, as stored by this transaction: the confirmation,
    /// cancellation and completion events need its customer and total, which they do not carry.
    async fn stored(conn: &mut PgConnection, id: OrderId) -> Result<Order, AppError> {
        PgStore
            .find_order(conn, id)
            .await
            .map_err(repository_error)?
            .map(|Versioned { value, .. }| value)
            .ok_or_else(|| AppError::internal(format!("order {id} vanished while publishing")))
    }

    async fn publish(
        conn: &mut PgConnection,
        context: &EventContext,
        event: &OrderEvent,
    ) -> Result<(), AppError> {
        match event {
            OrderEvent::Placed {
                order_id,
                customer_id,
                lines,
                total,
                occurred_at,
            } => {
                let event = OrderPlaced {
                    order_id: order_id.as_uuid(),
                    customer_id: customer_id.as_uuid(),
                    lines: lines.iter().map(line).collect(),
                    total: money(*total),
                    placed_at: *occurred_at,
                };
                enqueue(conn, &event, context).await
            }
            OrderEvent::Confirmed {
                order_id,
                occurred_at,
            } => {
                let order = Self::stored(conn, *order_id).await?;
                let total = order
                    .total()
                    .map_err(AppError::internal)?
                    .ok_or_else(|| AppError::internal("a confirmed order has no lines"))?;
                let event = OrderConfirmed {
                    order_id: order_id.as_uuid(),
                    customer_id: order.customer_id().as_uuid(),
                    total: money(total),
                    confirmed_at: *occurred_at,
                };
                enqueue(conn, &event, context).await
            }
            OrderEvent::Cancelled {
                order_id,
                reason,
                occurred_at,
                ..
            } => {
                let order = Self::stored(conn, *order_id).await?;
                let event = OrderCancelled {
                    order_id: order_id.as_uuid(),
                    customer_id: order.customer_id().as_uuid(),
                    reason: reason.clone(),
                    cancelled_at: *occurred_at,
                };
                enqueue(conn, &event, context).await
            }
            OrderEvent::Completed {
                order_id,
                occurred_at,
            } => {
                let order = Self::stored(conn, *order_id).await?;
                let event = OrderCompleted {
                    order_id: order_id.as_uuid(),
                    customer_id: order.customer_id().as_uuid(),
                    completed_at: *occurred_at,
                };
                enqueue(conn, &event, context).await
            }
            // Drafts are private to this context until they are placed.
            OrderEvent::Created { .. }
            | OrderEvent::LineAdded { .. }
            | OrderEvent::LineChanged { .. }
            | OrderEvent::LineRemoved { .. } => Ok(()),
        }
        .map_err(repository_error)
    }
}

impl DomainEventHandler<OrderEvent> for IntegrationEvents {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        context: &'a EventContext,
        event: &'a OrderEvent,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(Self::publish(conn, context, event))
    }
}

fn repository_error(err: RepositoryError) -> AppError {
    match err {
        RepositoryError::Database(db) => db.into(),
        other => AppError::internal(other),
    }
}

impl SagaCommandSender for PgStore {
    /// Writes the command as its contract type, keyed by the order id.
    async fn send_command(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
        data: &SagaData,
        command: &SagaCommand,
        context: &EventContext,
    ) -> Result<(), RepositoryError> {
        let order_id = order_id.as_uuid();
        match command {
            SagaCommand::ReserveStock { lines } => {
                let command = ReserveStock {
                    order_id,
                    lines: lines
                        .iter()
                        .map(|line| StockLine {
                            product_id: line.product_id().as_uuid(),
                            quantity: line.quantity().get(),
                        })
                        .collect(),
                };
                enqueue(conn, &command, context).await
            }
            SagaCommand::ProcessPayment { amount } => {
                let command = ProcessPayment {
                    order_id,
                    customer_id: data.customer_id.as_uuid(),
                    amount: money(*amount),
                    payment_token: data.payment_token.clone(),
                };
                enqueue(conn, &command, context).await
            }
            SagaCommand::ReleaseStock { reason } => {
                let command = ReleaseStock {
                    order_id,
                    reason: reason.clone(),
                };
                enqueue(conn, &command, context).await
            }
            SagaCommand::CommitStock => enqueue(conn, &CommitStock { order_id }, context).await,
            SagaCommand::RefundPayment { amount, reason } => {
                let command = RefundPayment {
                    order_id,
                    amount: money(*amount),
                    reason: reason.clone(),
                };
                enqueue(conn, &command, context).await
            }
        }
    }
}
