//! Records every change of stock on hand in `stock_adjustment`, inside the change's
//! transaction: manual adjustments (a product domain event) and the stock orders sold or
//! returned (the reservation use cases' [`StockMovement`]s).

use inventory_domain::ProductEvent;
use orderflow_runtime::events::{DomainEventHandler, EventContext};
use orderflow_runtime::{AppError, BoxFuture};
use sqlx::PgConnection;

use crate::application::{RepositoryError, StockLedger, StockMovement};

#[derive(Debug, Clone, Copy, Default)]
pub struct StockAdjustmentLog;

impl DomainEventHandler<ProductEvent> for StockAdjustmentLog {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        context: &'a EventContext,
        event: &'a ProductEvent,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let ProductEvent::StockAdjusted {
                product_id,
                delta,
                reason,
                occurred_at,
                ..
            } = event
            else {
                return Ok(());
            };
            // The product's counter is a u32 stored as INT, so any accepted delta fits.
            let delta = i32::try_from(*delta).map_err(AppError::internal)?;
            sqlx::query(
                "INSERT INTO stock_adjustment (product_id, delta, reason, correlation_id, occurred_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(product_id.as_uuid())
            .bind(delta)
            .bind(reason)
            .bind(context.correlation_id.as_deref())
            .bind(occurred_at)
            .execute(conn)
            .await?;
            Ok(())
        })
    }
}

impl StockLedger for StockAdjustmentLog {
    async fn record(
        &self,
        conn: &mut PgConnection,
        movements: &[StockMovement],
        context: &EventContext,
    ) -> Result<(), RepositoryError> {
        for movement in movements {
            let delta = i32::try_from(movement.delta).map_err(|_| {
                RepositoryError::Corrupt(format!(
                    "a stock movement of {} units does not fit the audit table",
                    movement.delta
                ))
            })?;
            sqlx::query(
                "INSERT INTO stock_adjustment (product_id, delta, reason, correlation_id, occurred_at, order_id)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(movement.product_id.as_uuid())
            .bind(delta)
            .bind(&movement.reason)
            .bind(context.correlation_id.as_deref())
            .bind(movement.occurred_at)
            .bind(movement.order_id.as_uuid())
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}
