//! The Kafka side of the saga's stock commands: one handler per command type, run by the
//! runtime's consumer inside its inbox transaction.

use std::sync::Arc;

use orderflow_contracts::{CommitStock, ReleaseStock, ReserveStock};
use orderflow_runtime::BoxFuture;
use orderflow_runtime::messaging::{Handler, HandlerError, Message};
use sqlx::PgConnection;

use super::{PgProductRepository, PgReservationRepository, StockAdjustmentLog};
use crate::application::{ReservationService, StockCommandError, StockReply};

/// The reservation use cases on PostgreSQL.
pub type PgReservationService =
    ReservationService<PgReservationRepository, PgProductRepository, StockAdjustmentLog>;

/// Handles `ReserveStock`, `ReleaseStock` and `CommitStock`.
#[derive(Clone)]
pub struct StockCommandHandler {
    service: Arc<PgReservationService>,
}

impl StockCommandHandler {
    pub fn new(service: Arc<PgReservationService>) -> Self {
        Self { service }
    }
}

/// Retry what may succeed later; dead-letter the rest.
fn handler_error(err: StockCommandError) -> HandlerError {
    if err.is_transient() {
        HandlerError::transient(err)
    } else {
        HandlerError::permanent(err)
    }
}

fn replied(reply: &StockReply, message: &Message) {
    tracing::debug!(
        command = %message.headers.event_type,
        reply = reply.event_type(),
        "stock command answered"
    );
}

impl Handler<ReserveStock> for StockCommandHandler {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: ReserveStock,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            let reply = self
                .service
                .reserve(conn, &event, &message.context())
                .await
                .map_err(handler_error)?;
            replied(&reply, message);
            Ok(())
        })
    }
}

impl Handler<ReleaseStock> for StockCommandHandler {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: ReleaseStock,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            let reply = self
                .service
                .release(conn, &event, &message.context())
                .await
                .map_err(handler_error)?;
            replied(&reply, message);
            Ok(())
        })
    }
}

impl Handler<CommitStock> for StockCommandHandler {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: CommitStock,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            let reply = self
                .service
                .commit(conn, &event, &message.context())
                .await
                .map_err(handler_error)?;
            replied(&reply, message);
            Ok(())
        })
    }
}
