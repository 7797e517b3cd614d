//! The saga sweeper: compensates sagas whose participant did not answer in time.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use order_domain::OrderId;
use orderflow_runtime::after_commit;
use orderflow_runtime::clock::Clock;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::ports::Store;
use super::saga::{Cause, Handled, SagaCoordinator, SagaError, SagaTrigger};

/// Finds sagas past their deadline and hands each to [`FulfilmentSaga::on_deadline`]
/// (order_domain), persisting the outcome exactly like a reply.
///
/// [`FulfilmentSaga::on_deadline`]: order_domain::FulfilmentSaga::on_deadline
pub struct SagaSweeper<S> {
    pool: PgPool,
    store: S,
    saga: Arc<SagaCoordinator<S>>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    batch: usize,
}

impl<S: Store> SagaSweeper<S> {
    pub fn new(
        pool: PgPool,
        store: S,
        saga: Arc<SagaCoordinator<S>>,
        clock: Arc<dyn Clock>,
        interval: Duration,
        batch: usize,
    ) -> Self {
        Self {
            pool,
            store,
            saga,
            clock,
            interval,
            batch,
        }
    }

    /// One sweep as of `now`: up to the batch size of due sagas, each in its own transaction
    /// (so one failure neither blocks nor undoes the others). Returns how many advanced.
    pub async fn sweep_once(&self, now: DateTime<Utc>) -> Result<usize, SagaError> {
        let mut seen: Vec<OrderId> = Vec::new();
        let mut advanced = 0;
        while seen.len() < self.batch {
            let mut tx = self.pool.begin().await.map_err(sqlx_error)?;
            let Some(order_id) = self.store.claim_due_saga(&mut tx, now, &seen).await? else {
                break;
            };
            seen.push(order_id);
            let expired = after_commit::scope(async {
                let handled = self.expire(&mut tx, order_id, now).await?;
                tx.commit().await.map_err(sqlx_error)?;
                Ok::<_, SagaError>(handled)
            })
            .await;
            match expired {
                Ok(Handled::Advanced) => advanced += 1,
                Ok(Handled::Ignored) => {}
                Err(err) => {
                    tracing::warn!(%order_id, %err, "cannot expire a saga; trying again next sweep");
                }
            }
        }
        Ok(advanced)
    }

    async fn expire(
        &self,
        conn: &mut sqlx::PgConnection,
        order_id: OrderId,
        now: DateTime<Utc>,
    ) -> Result<Handled, SagaError> {
        let mut order = self
            .store
            .lock_order(conn, order_id)
            .await?
            .ok_or(SagaError::UnknownOrder(order_id))?;
        self.saga
            .drive(
                conn,
                &mut order,
                &SagaTrigger::Deadline,
                &Cause::internal(order_id),
                now,
            )
            .await
    }

    /// Sweeps every interval until `stop` is cancelled; a failed sweep is logged and retried.
    pub async fn run(self, stop: CancellationToken) {
        let mut ticks = tokio::time::interval(self.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            match self.sweep_once(self.clock.now()).await {
                Ok(0) => {}
                Ok(advanced) => tracing::info!(advanced, "saga sweep compensated overdue sagas"),
                Err(err) => tracing::warn!(%err, "saga sweep failed"),
            }
        }
    }
}

fn sqlx_error(err: sqlx::Error) -> SagaError {
    SagaError::Repository(err.into())
}
