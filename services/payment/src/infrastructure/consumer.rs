//! The Kafka side of the saga's payment commands: handlers run by the consumer runner inside
//! its transaction (the inbox row is already inserted; the runner applies injected faults).

use std::sync::Arc;

use orderflow_contracts::{ProcessPayment, RefundPayment};
use orderflow_runtime::BoxFuture;
use orderflow_runtime::messaging::{Handler, HandlerError, Message};
use sqlx::PgConnection;

use crate::application::{PaymentProcessor, PaymentRepository, ProcessingError, ReplyPublisher};

/// Handles both payment commands with one processor.
pub struct PaymentCommands<R, P> {
    processor: Arc<PaymentProcessor<R, P>>,
}

impl<R, P> Clone for PaymentCommands<R, P> {
    fn clone(&self) -> Self {
        Self {
            processor: Arc::clone(&self.processor),
        }
    }
}

impl<R, P> PaymentCommands<R, P> {
    pub fn new(processor: Arc<PaymentProcessor<R, P>>) -> Self {
        Self { processor }
    }
}

fn handler_error(err: ProcessingError) -> HandlerError {
    if err.is_transient() {
        HandlerError::transient(err)
    } else {
        HandlerError::permanent(err)
    }
}

impl<R: PaymentRepository, P: ReplyPublisher> Handler<ProcessPayment> for PaymentCommands<R, P> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: ProcessPayment,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            self.processor
                .process(conn, &event, &message.context())
                .await
                .map(drop)
                .map_err(handler_error)
        })
    }
}

impl<R: PaymentRepository, P: ReplyPublisher> Handler<RefundPayment> for PaymentCommands<R, P> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: RefundPayment,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            self.processor
                .refund(conn, &event, &message.context())
                .await
                .map(drop)
                .map_err(handler_error)
        })
    }
}
