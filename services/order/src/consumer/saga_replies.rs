//! Inventory and payment replies → saga transitions.

use std::sync::Arc;

use order_domain::OrderId;
use orderflow_contracts::{
    PaymentFailed, PaymentProcessed, PaymentRefunded, StockCommitted, StockReleased,
    StockReservationFailed, StockReserved,
};
use orderflow_runtime::BoxFuture;
use orderflow_runtime::messaging::{Handler, HandlerError, Message};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::application::{Cause, SagaCoordinator, SagaError, SagaTrigger, Store, TimelineKind};

/// Hands each reply to the saga of its order.
pub struct SagaReplies<S> {
    saga: Arc<SagaCoordinator<S>>,
}

impl<S> Clone for SagaReplies<S> {
    fn clone(&self) -> Self {
        Self {
            saga: Arc::clone(&self.saga),
        }
    }
}

impl<S: Store> SagaReplies<S> {
    pub fn new(saga: Arc<SagaCoordinator<S>>) -> Self {
        Self { saga }
    }

    async fn reply(
        &self,
        conn: &mut PgConnection,
        order_id: Uuid,
        trigger: SagaTrigger,
        message: &Message,
    ) -> Result<(), HandlerError> {
        let order_id = OrderId::from_uuid(order_id);
        let cause = cause(order_id, message);
        self.saga
            .on_reply(conn, order_id, trigger, &cause)
            .await
            .map(|_| ())
            .map_err(handler_error)
    }

    /// Replies that need no decision are only shown on the order's timeline.
    async fn observe(
        &self,
        conn: &mut PgConnection,
        order_id: Uuid,
        kind: TimelineKind,
        detail: serde_json::Value,
        message: &Message,
    ) -> Result<(), HandlerError> {
        let order_id = OrderId::from_uuid(order_id);
        self.saga
            .observe(conn, order_id, kind, detail, &cause(order_id, message))
            .await
            .map_err(handler_error)
    }
}

fn cause(order_id: OrderId, message: &Message) -> Cause {
    Cause::event(
        order_id,
        message.headers.id,
        message.headers.traceparent.clone(),
    )
}

/// Early replies and lost races are retried (retry topics, not the DLT); a reply for an order
/// this context does not know is dead-lettered with its reason.
fn handler_error(err: SagaError) -> HandlerError {
    if err.is_transient() {
        HandlerError::transient(err)
    } else {
        HandlerError::permanent(err)
    }
}

macro_rules! reply_handler {
    ($event:ty, |$e:ident| $trigger:expr) => {
        impl<S: Store> Handler<$event> for SagaReplies<S> {
            fn handle<'a>(
                &'a self,
                conn: &'a mut PgConnection,
                $e: $event,
                message: &'a Message,
            ) -> BoxFuture<'a, Result<(), HandlerError>> {
                let order_id = $e.order_id;
                let trigger = $trigger;
                Box::pin(self.reply(conn, order_id, trigger, message))
            }
        }
    };
}

reply_handler!(StockReserved, |event| SagaTrigger::StockReserved);
reply_handler!(StockReservationFailed, |event| {
    SagaTrigger::StockReservationFailed {
        reason: event.reason,
    }
});
reply_handler!(PaymentProcessed, |event| SagaTrigger::PaymentProcessed);
reply_handler!(PaymentFailed, |event| SagaTrigger::PaymentFailed {
    reason: event.reason
});
reply_handler!(StockReleased, |event| SagaTrigger::StockReleased);

impl<S: Store> Handler<StockCommitted> for SagaReplies<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: StockCommitted,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(self.observe(
            conn,
            event.order_id,
            TimelineKind::StockCommitted,
            json!({}),
            message,
        ))
    }
}

impl<S: Store> Handler<PaymentRefunded> for SagaReplies<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: PaymentRefunded,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        let detail = json!({ "paymentId": event.payment_id, "amount": event.amount });
        Box::pin(self.observe(
            conn,
            event.order_id,
            TimelineKind::PaymentRefunded,
            detail,
            message,
        ))
    }
}
