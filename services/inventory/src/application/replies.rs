//! The saga's stock commands as the domain understands them, and the replies it is sent.
//!
//! The commands and replies are integration contracts (owned by `orderflow-contracts`);
//! this module translates between them and the domain's types, so that the use cases
//! speak only the domain's language.

use chrono::{DateTime, Utc};
use inventory_domain::{
    InventoryError, OrderId, ProductId, Quantity, Reservation, ReservationOutcome, StockLine,
    StockShortage,
};
use orderflow_contracts as contracts;
use orderflow_contracts::{StockCommitted, StockReleased, StockReservationFailed, StockReserved};
use orderflow_runtime::events::EventContext;
use orderflow_runtime::messaging::{Outbox, OutboxError};
use sqlx::PgConnection;
use uuid::Uuid;

/// What the saga is told about one stock command. Every command gets one, also when it
/// changed nothing, because the saga resends a command until it hears back.
#[derive(Debug, Clone, PartialEq)]
pub enum StockReply {
    Reserved(StockReserved),
    ReservationFailed(StockReservationFailed),
    Released(StockReleased),
    Committed(StockCommitted),
}

impl StockReply {
    /// The answer to a `ReserveStock`, from the outcome the reservation gave. Timestamps
    /// come from the reservation, so a redelivery is answered exactly as the original was.
    pub(crate) fn for_reserve(
        reservation: &Reservation,
        outcome: ReservationOutcome,
        now: DateTime<Utc>,
    ) -> Self {
        let order_id = reservation.order_id().as_uuid();
        match outcome {
            ReservationOutcome::Reserved { lines } => Self::Reserved(StockReserved {
                order_id,
                lines: lines.iter().map(contract_line).collect(),
                reserved_at: reservation.reserved_at().unwrap_or(now),
            }),
            ReservationOutcome::Failed { shortages } => {
                Self::ReservationFailed(StockReservationFailed {
                    order_id,
                    reason: ReservationOutcome::OUT_OF_STOCK.to_owned(),
                    shortages: shortages.iter().map(contract_shortage).collect(),
                    failed_at: reservation.failed_at().unwrap_or(now),
                })
            }
            ReservationOutcome::AlreadyReleased => {
                Self::ReservationFailed(StockReservationFailed {
                    order_id,
                    reason: ReservationOutcome::ALREADY_RELEASED.to_owned(),
                    shortages: Vec::new(),
                    failed_at: reservation.released_at().unwrap_or(now),
                })
            }
        }
    }

    pub(crate) fn released(order_id: OrderId, released_at: DateTime<Utc>) -> Self {
        Self::Released(StockReleased {
            order_id: order_id.as_uuid(),
            released_at,
        })
    }

    pub(crate) fn committed(order_id: OrderId, committed_at: DateTime<Utc>) -> Self {
        Self::Committed(StockCommitted {
            order_id: order_id.as_uuid(),
            committed_at,
        })
    }

    /// The contract's `ce_type`, e.g. for logs.
    pub fn event_type(&self) -> &'static str {
        use orderflow_contracts::IntegrationEvent;
        match self {
            Self::Reserved(_) => StockReserved::EVENT_TYPE,
            Self::ReservationFailed(_) => StockReservationFailed::EVENT_TYPE,
            Self::Released(_) => StockReleased::EVENT_TYPE,
            Self::Committed(_) => StockCommitted::EVENT_TYPE,
        }
    }

    /// Writes the reply to the outbox on the command's transaction.
    pub(crate) async fn enqueue(
        &self,
        conn: &mut PgConnection,
        context: &EventContext,
    ) -> Result<Uuid, OutboxError> {
        match self {
            Self::Reserved(event) => Outbox::enqueue(conn, event, context).await,
            Self::ReservationFailed(event) => Outbox::enqueue(conn, event, context).await,
            Self::Released(event) => Outbox::enqueue(conn, event, context).await,
            Self::Committed(event) => Outbox::enqueue(conn, event, context).await,
        }
    }
}

/// The domain's lines of a command; a zero quantity is refused here, an empty or
/// overflowing list by [`Reservation::new`].
pub(crate) fn stock_lines(
    lines: &[contracts::StockLine],
) -> Result<Vec<StockLine>, InventoryError> {
    lines
        .iter()
        .map(|line| {
            Ok(StockLine::new(
                ProductId::from_uuid(line.product_id),
                Quantity::new(line.quantity)?,
            ))
        })
        .collect()
}

fn contract_line(line: &StockLine) -> contracts::StockLine {
    contracts::StockLine {
        product_id: line.product_id().as_uuid(),
        quantity: line.quantity().get(),
    }
}

fn contract_shortage(shortage: &StockShortage) -> contracts::StockShortage {
    contracts::StockShortage {
        product_id: shortage.product_id.as_uuid(),
        requested: shortage.requested,
        available: shortage.available,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::TimeZone;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 12, minute, 0).unwrap()
    }

    fn contract(product_id: Uuid, quantity: u32) -> contracts::StockLine {
        contracts::StockLine {
            product_id,
            quantity,
        }
    }

    #[test]
    fn command_lines_become_domain_lines_and_zero_is_refused() {
        let id = Uuid::now_v7();
        let lines = stock_lines(&[contract(id, 2)]).unwrap();
        assert_eq!(lines[0].product_id().as_uuid(), id);
        assert_eq!(lines[0].quantity().get(), 2);
        assert_eq!(
            stock_lines(&[contract(id, 1), contract(id, 0)]),
            Err(InventoryError::ZeroQuantity)
        );
    }

    #[test]
    fn a_failed_reservation_answers_out_of_stock_with_every_shortage_and_its_time() {
        let product = ProductId::new();
        let line = StockLine::new(product, Quantity::new(3).unwrap());
        let mut reservation = Reservation::new(OrderId::new(), &[line], at(0)).unwrap();
        let outcome = reservation.reserve(&mut [], at(1)).unwrap();
        let reply = StockReply::for_reserve(&reservation, outcome, at(9));
        let StockReply::ReservationFailed(failed) = reply else {
            panic!("expected a failure, got {reply:?}");
        };
        assert_eq!(failed.reason, "out of stock");
        assert_eq!(failed.failed_at, at(1));
        assert_eq!(
            failed.shortages,
            [contracts::StockShortage {
                product_id: product.as_uuid(),
                requested: 3,
                available: 0
            }]
        );
    }

    #[test]
    fn a_released_reservation_answers_that_the_order_was_released() {
        let reservation = Reservation::released_before_reserve(OrderId::new(), at(2));
        let reply =
            StockReply::for_reserve(&reservation, ReservationOutcome::AlreadyReleased, at(9));
        assert_eq!(
            reply.event_type(),
            "orderflow.inventory.stock-reservation-failed.v1"
        );
        let StockReply::ReservationFailed(failed) = reply else {
            panic!("expected a failure");
        };
        assert_eq!(failed.reason, "order already released");
        assert!(failed.shortages.is_empty());
        assert_eq!(failed.failed_at, at(2));
    }
}
