//! The inventory's part of the order-fulfilment saga: `ReserveStock`, `ReleaseStock` and
//! `CommitStock`, each applied inside the consumer's transaction and answered through the
//! outbox in that same transaction.
//!
//! Stock is never oversold because each command locks the order's reservation row and then
//! the product rows it needs (in id order, so concurrent orders never deadlock), applies
//! the domain's rules to those current counts, and saves the reservation and every product
//! it touched before the lock is let go.

use std::sync::Arc;

use inventory_domain::{
    CommitOutcome, InventoryError, OrderId, Product, ProductId, Reservation, ReservationEvent,
    ReservationSnapshot, ReservationStatus,
};
use orderflow_contracts::{CommitStock, ReleaseStock, ReserveStock};
use orderflow_runtime::AppError;
use orderflow_runtime::clock::Clock;
use orderflow_runtime::events::EventContext;
use orderflow_runtime::messaging::OutboxError;
use sqlx::{PgConnection, PgPool};

use super::ports::{
    ProductRepository, RepositoryError, ReservationRepository, StockLedger, StockMovement,
    Versioned,
};
use super::replies::{StockReply, stock_lines};
use super::service::repository_error;

/// Why a stock command was not applied. [`StockCommandError::is_transient`] tells the
/// consumer whether to retry it or dead-letter it.
#[derive(Debug, thiserror::Error)]
pub enum StockCommandError {
    /// The command itself breaks a rule (no lines, a zero quantity).
    #[error("invalid {command}: {source}")]
    Invalid {
        command: &'static str,
        source: InventoryError,
    },
    /// `CommitStock` for an order that has no reservation: there is nothing to sell.
    #[error("order {0} has no reservation, so there is nothing to commit")]
    NothingToCommit(OrderId),
    /// The domain refused the command on the stored state, e.g. committing a reservation
    /// that holds nothing, or stock counts that contradict the reservation.
    #[error(transparent)]
    Refused(InventoryError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

impl StockCommandError {
    /// True when the same command may succeed later: the database failed or a concurrent
    /// command for the same order won a race. Everything else fails the same way again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Repository(
                RepositoryError::Database(_)
                    | RepositoryError::DuplicateReservation(_)
                    | RepositoryError::VersionConflict { .. }
            ) | Self::Outbox(OutboxError::Database(_))
        )
    }
}

fn invalid(command: &'static str) -> impl FnOnce(InventoryError) -> StockCommandError {
    move |source| StockCommandError::Invalid { command, source }
}

/// The saga's stock commands and the reservation query.
pub struct ReservationService<R, P, L> {
    pool: PgPool,
    reservations: R,
    products: P,
    ledger: L,
    clock: Arc<dyn Clock>,
}

/// Products locked for one command, with the versions they were read at.
struct Locked {
    products: Vec<Product>,
    versions: Vec<i64>,
}

impl Locked {
    fn none() -> Self {
        Self {
            products: Vec::new(),
            versions: Vec::new(),
        }
    }
}

impl<R, P, L> ReservationService<R, P, L>
where
    R: ReservationRepository,
    P: ProductRepository,
    L: StockLedger,
{
    pub fn new(
        pool: PgPool,
        reservations: R,
        products: P,
        ledger: L,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            pool,
            reservations,
            products,
            ledger,
            clock,
        }
    }

    /// The order's reservation, for the API.
    pub async fn get(&self, order_id: OrderId) -> Result<Versioned<Reservation>, AppError> {
        let mut conn = self.pool.acquire().await?;
        self.reservations
            .find(&mut conn, order_id)
            .await
            .map_err(repository_error)?
            .ok_or_else(|| AppError::NotFound(format!("order {order_id} has no reservation")))
    }

    /// Reserves every line or none, the first time; afterwards answers the recorded
    /// outcome again (`StockReservationFailed` "order already released" once released).
    pub async fn reserve(
        &self,
        conn: &mut PgConnection,
        command: &ReserveStock,
        context: &EventContext,
    ) -> Result<StockReply, StockCommandError> {
        let order_id = OrderId::from_uuid(command.order_id);
        let now = self.clock.now();
        let stored = self.reservations.lock(conn, order_id).await?;
        let (mut reservation, version) = match stored {
            Some(Versioned { value, version }) => (value, Some(version)),
            None => {
                let lines = stock_lines(&command.lines).map_err(invalid("ReserveStock"))?;
                let reservation =
                    Reservation::new(order_id, &lines, now).map_err(invalid("ReserveStock"))?;
                (reservation, None)
            }
        };
        let before = reservation.snapshot();
        let pending = reservation.status() == &ReservationStatus::Pending;
        let mut locked = self.lock_products(conn, &reservation, pending).await?;
        let outcome = reservation
            .reserve(&mut locked.products, now)
            .map_err(StockCommandError::Refused)?;
        if outcome.is_reserved() && pending {
            self.save_products(conn, &locked).await?;
        }
        self.save(conn, &mut reservation, version, &before, context)
            .await?;
        let reply = StockReply::for_reserve(&reservation, outcome, now);
        reply.enqueue(conn, context).await?;
        Ok(reply)
    }

    /// Gives held stock back, or returns a confirmed order's sold stock to the shelf; a
    /// release before any reservation leaves a tombstone that refuses the late
    /// `ReserveStock`. Always answers `StockReleased`.
    pub async fn release(
        &self,
        conn: &mut PgConnection,
        command: &ReleaseStock,
        context: &EventContext,
    ) -> Result<StockReply, StockCommandError> {
        let order_id = OrderId::from_uuid(command.order_id);
        let now = self.clock.now();
        tracing::info!(%order_id, reason = %command.reason, "releasing stock");
        let released_at = match self.reservations.lock(conn, order_id).await? {
            None => {
                let tombstone = Reservation::released_before_reserve(order_id, now);
                self.reservations.insert(conn, &tombstone).await?;
                now
            }
            Some(Versioned {
                value: mut reservation,
                version,
            }) => {
                let before = reservation.snapshot();
                let moves_stock = matches!(
                    reservation.status(),
                    ReservationStatus::Reserved | ReservationStatus::Committed
                );
                let mut locked = self.lock_products(conn, &reservation, moves_stock).await?;
                let outcome = reservation
                    .release(&mut locked.products, now)
                    .map_err(StockCommandError::Refused)?;
                if outcome.changed_stock() {
                    self.save_products(conn, &locked).await?;
                }
                self.save(conn, &mut reservation, Some(version), &before, context)
                    .await?;
                reservation.released_at().unwrap_or(now)
            }
        };
        let reply = StockReply::released(order_id, released_at);
        reply.enqueue(conn, context).await?;
        Ok(reply)
    }

    /// Turns the held stock into a sale; a committed reservation is answered again. A
    /// reservation that holds nothing (or none at all) is refused: there is nothing to sell.
    pub async fn commit(
        &self,
        conn: &mut PgConnection,
        command: &CommitStock,
        context: &EventContext,
    ) -> Result<StockReply, StockCommandError> {
        let order_id = OrderId::from_uuid(command.order_id);
        let now = self.clock.now();
        let Versioned {
            value: mut reservation,
            version,
        } = self
            .reservations
            .lock(conn, order_id)
            .await?
            .ok_or(StockCommandError::NothingToCommit(order_id))?;
        let before = reservation.snapshot();
        let mut locked = self
            .lock_products(conn, &reservation, reservation.holds_stock())
            .await?;
        let outcome = reservation
            .commit(&mut locked.products, now)
            .map_err(StockCommandError::Refused)?;
        if outcome == CommitOutcome::Committed {
            self.save_products(conn, &locked).await?;
        }
        self.save(conn, &mut reservation, Some(version), &before, context)
            .await?;
        let reply = StockReply::committed(order_id, reservation.committed_at().unwrap_or(now));
        reply.enqueue(conn, context).await?;
        Ok(reply)
    }

    /// Locks the products of the reservation's lines when `needed`, i.e. when the command
    /// may change their counts; answers from recorded state lock nothing.
    async fn lock_products(
        &self,
        conn: &mut PgConnection,
        reservation: &Reservation,
        needed: bool,
    ) -> Result<Locked, RepositoryError> {
        if !needed {
            return Ok(Locked::none());
        }
        let ids: Vec<ProductId> = reservation
            .lines()
            .iter()
            .map(|line| line.product_id())
            .collect();
        let (products, versions) = self
            .products
            .lock_all(conn, &ids)
            .await?
            .into_iter()
            .map(|stored| (stored.value, stored.version))
            .unzip();
        Ok(Locked { products, versions })
    }

    /// Saves every locked product: a command that changed stock changed all of them (each
    /// is the product of one line).
    async fn save_products(
        &self,
        conn: &mut PgConnection,
        locked: &Locked,
    ) -> Result<(), RepositoryError> {
        for (product, version) in locked.products.iter().zip(&locked.versions) {
            self.products.update(conn, product, *version).await?;
        }
        Ok(())
    }

    /// Stores a new reservation, or a changed one, and audits the stock it moved.
    async fn save(
        &self,
        conn: &mut PgConnection,
        reservation: &mut Reservation,
        version: Option<i64>,
        before: &ReservationSnapshot,
        context: &EventContext,
    ) -> Result<(), RepositoryError> {
        match version {
            None => {
                self.reservations.insert(conn, reservation).await?;
            }
            Some(version) if reservation.snapshot() != *before => {
                self.reservations.update(conn, reservation, version).await?;
            }
            Some(_) => {}
        }
        let movements: Vec<StockMovement> = reservation
            .take_events()
            .iter()
            .flat_map(movements)
            .collect();
        if !movements.is_empty() {
            self.ledger.record(conn, &movements, context).await?;
        }
        Ok(())
    }
}

/// The changes of stock on hand an event stands for: a commit sells the lines, a return
/// brings them back. Reserving and releasing held stock leave stock on hand alone.
fn movements(event: &ReservationEvent) -> Vec<StockMovement> {
    let (order_id, lines, occurred_at, sign, reason) = match event {
        ReservationEvent::Committed {
            order_id,
            lines,
            occurred_at,
        } => (order_id, lines, occurred_at, -1, "sold to order"),
        ReservationEvent::Released {
            order_id,
            lines,
            returned: true,
            occurred_at,
        } => (
            order_id,
            lines,
            occurred_at,
            1,
            "returned by cancelled order",
        ),
        ReservationEvent::Reserved { .. }
        | ReservationEvent::ReservationFailed { .. }
        | ReservationEvent::Released { .. } => return Vec::new(),
    };
    lines
        .iter()
        .map(|line| StockMovement {
            product_id: line.product_id(),
            order_id: *order_id,
            delta: sign * i64::from(line.quantity().get()),
            reason: format!("{reason} {order_id}"),
            occurred_at: *occurred_at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::Utc;
    use inventory_domain::{Quantity, StockLine};

    use super::*;

    fn lines() -> Vec<StockLine> {
        vec![
            StockLine::new(ProductId::new(), Quantity::new(2).unwrap()),
            StockLine::new(ProductId::new(), Quantity::new(1).unwrap()),
        ]
    }

    #[test]
    fn a_commit_sells_every_line_and_a_return_brings_it_back() {
        let (order_id, lines, now) = (OrderId::new(), lines(), Utc::now());
        let sold = movements(&ReservationEvent::Committed {
            order_id,
            lines: lines.clone(),
            occurred_at: now,
        });
        assert_eq!(
            sold.iter()
                .map(|m| (m.product_id, m.delta))
                .collect::<Vec<_>>(),
            [(lines[0].product_id(), -2), (lines[1].product_id(), -1)]
        );
        assert_eq!(sold[0].reason, format!("sold to order {order_id}"));
        assert_eq!(sold[0].order_id, order_id);
        let returned = movements(&ReservationEvent::Released {
            order_id,
            lines: lines.clone(),
            returned: true,
            occurred_at: now,
        });
        assert_eq!(returned.iter().map(|m| m.delta).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(
            returned[1].reason,
            format!("returned by cancelled order {order_id}")
        );
    }

    #[test]
    fn reserving_and_releasing_held_stock_move_nothing_on_hand() {
        let (order_id, lines, now) = (OrderId::new(), lines(), Utc::now());
        for event in [
            ReservationEvent::Reserved {
                order_id,
                lines: lines.clone(),
                occurred_at: now,
            },
            ReservationEvent::Released {
                order_id,
                lines: lines.clone(),
                returned: false,
                occurred_at: now,
            },
            ReservationEvent::ReservationFailed {
                order_id,
                shortages: Vec::new(),
                occurred_at: now,
            },
        ] {
            assert!(movements(&event).is_empty(), "{event:?}");
        }
    }

    #[test]
    fn only_database_failures_and_races_are_transient() {
        assert!(
            StockCommandError::Repository(RepositoryError::Database(sqlx::Error::PoolTimedOut))
                .is_transient()
        );
        assert!(
            StockCommandError::Repository(RepositoryError::DuplicateReservation(OrderId::new()))
                .is_transient()
        );
        assert!(!StockCommandError::NothingToCommit(OrderId::new()).is_transient());
        assert!(
            !StockCommandError::Invalid {
                command: "ReserveStock",
                source: InventoryError::ZeroQuantity
            }
            .is_transient()
        );
        assert!(!StockCommandError::Refused(InventoryError::EmptyReservation).is_transient());
        assert!(
            !StockCommandError::Repository(RepositoryError::Corrupt("x".into())).is_transient()
        );
    }
}
