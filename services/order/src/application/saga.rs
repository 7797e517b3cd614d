//! Orchestration of the fulfilment saga (DESIGN.md §5): starting it when an order is placed,
//! and moving it on replies, deadlines and cancellations. The decisions are the domain's
//! [`FulfilmentSaga`]; this module loads, locks and persists around them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use order_domain::{
    FulfilmentSaga, Order, OrderAction, OrderError, OrderEvent, OrderId, SagaCommand, SagaOutcome,
    SagaState, SagaStep,
};
use orderflow_runtime::AppError;
use orderflow_runtime::clock::Clock;
use orderflow_runtime::events::{EventContext, EventDispatcher};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::metrics::{self, CancelReason};
use super::ports::{RepositoryError, SagaData, SagaRecord, Store, Versioned};
use super::timeline::{NewTimelineEntry, TimelineKind};

/// What moves a saga: a participant's reply, the sweeper's deadline tick, or a cancellation of
/// the order from outside the saga.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SagaTrigger {
    StockReserved,
    StockReservationFailed { reason: String },
    PaymentProcessed,
    PaymentFailed { reason: String },
    StockReleased,
    Deadline,
    OrderCancelled { reason: String },
}

impl SagaTrigger {
    /// Name for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::StockReserved => "StockReserved",
            Self::StockReservationFailed { .. } => "StockReservationFailed",
            Self::PaymentProcessed => "PaymentProcessed",
            Self::PaymentFailed { .. } => "PaymentFailed",
            Self::StockReleased => "StockReleased",
            Self::Deadline => "Deadline",
            Self::OrderCancelled { .. } => "OrderCancelled",
        }
    }

    /// The timeline entry the transition gets. A cancellation has none of its own: the
    /// order's `Cancelled` entry already tells it.
    fn timeline_kind(&self) -> Option<TimelineKind> {
        match self {
            Self::StockReserved => Some(TimelineKind::StockReserved),
            Self::StockReservationFailed { .. } => Some(TimelineKind::StockReservationFailed),
            Self::PaymentProcessed => Some(TimelineKind::PaymentProcessed),
            Self::PaymentFailed { .. } => Some(TimelineKind::PaymentFailed),
            Self::StockReleased => Some(TimelineKind::StockReleased),
            Self::Deadline => Some(TimelineKind::DeadlinePassed),
            Self::OrderCancelled { .. } => None,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Self::StockReservationFailed { reason }
            | Self::PaymentFailed { reason }
            | Self::OrderCancelled { reason } => Some(reason),
            _ => None,
        }
    }

    /// Asks the domain what this trigger does to `saga`.
    fn apply(&self, saga: &mut FulfilmentSaga, now: DateTime<Utc>) -> SagaOutcome {
        match self {
            Self::StockReserved => saga.on_stock_reserved(now),
            Self::StockReservationFailed { reason } => {
                saga.on_stock_reservation_failed(reason, now)
            }
            Self::PaymentProcessed => saga.on_payment_processed(now),
            Self::PaymentFailed { reason } => saga.on_payment_failed(reason, now),
            Self::StockReleased => saga.on_stock_released(now),
            Self::Deadline => saga.on_deadline(now),
            Self::OrderCancelled { reason } => saga.on_order_cancelled(reason, now),
        }
    }
}

/// Where a change comes from: the context its messages carry on, and the id of the event
/// that caused it (none for the sweeper or an API call).
#[derive(Debug, Clone, Default)]
pub struct Cause {
    pub context: EventContext,
    pub event_id: Option<Uuid>,
}

impl Cause {
    /// A change caused by event `event_id` of the flow of `order_id`: the saga's correlation
    /// id is always the order id (DESIGN.md §5), the causation id the triggering event.
    pub fn event(order_id: OrderId, event_id: Uuid, traceparent: Option<String>) -> Self {
        Self {
            context: EventContext {
                correlation_id: Some(order_id.to_string()),
                causation_id: Some(event_id.to_string()),
                traceparent,
            },
            event_id: Some(event_id),
        }
    }

    /// A change the order service made by itself (the sweeper), correlated with the order.
    pub fn internal(order_id: OrderId) -> Self {
        Self {
            context: EventContext::correlated(order_id.to_string()),
            event_id: None,
        }
    }
}

/// How a trigger was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// The saga moved on; everything it implies is written.
    Advanced,
    /// A duplicate, or a reply the saga has moved past; nothing was written.
    Ignored,
}

#[derive(Debug, thiserror::Error)]
pub enum SagaError {
    #[error("order {0} does not exist")]
    UnknownOrder(OrderId),
    #[error("order {0} has no fulfilment saga (it was never placed)")]
    NoSaga(OrderId),
    /// The reply belongs to a later step; it must be retried, not dropped.
    #[error("{trigger} arrived before the saga of order {order_id} expected it (saga is {state})")]
    NotYet {
        order_id: OrderId,
        trigger: &'static str,
        state: SagaState,
    },
    #[error("the order refused the saga's action: {0}")]
    Refused(#[from] OrderError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    #[error("a domain event handler failed: {0}")]
    Dispatch(#[from] AppError),
}

impl SagaError {
    /// Whether trying again later may succeed: early replies, lost races and an unavailable
    /// database may; unknown orders and refused actions never will.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::NotYet { .. } => true,
            Self::Repository(RepositoryError::VersionConflict { .. })
            | Self::Repository(RepositoryError::Database(_)) => true,
            Self::Dispatch(err) => !matches!(err, AppError::Rule { .. }),
            Self::UnknownOrder(_)
            | Self::NoSaga(_)
            | Self::Refused(_)
            | Self::Repository(RepositoryError::Corrupt(_))
            | Self::Repository(RepositoryError::Outbox(_)) => false,
        }
    }
}

impl From<SagaError> for AppError {
    fn from(err: SagaError) -> Self {
        match err {
            SagaError::Dispatch(err) => err,
            SagaError::Repository(RepositoryError::Database(db)) => db.into(),
            SagaError::Refused(err) => Self::Rule {
                code: err.code(),
                message: err.to_string(),
            },
            SagaError::Repository(RepositoryError::VersionConflict { .. }) => {
                Self::Conflict(err.to_string())
            }
            other => Self::internal(other),
        }
    }
}

/// A saga the domain moved on: what it was, what it is, and what the step asks for.
struct Advance<'a> {
    before: FulfilmentSaga,
    record: SagaRecord,
    step: SagaStep,
    trigger: &'a SagaTrigger,
    cause: &'a Cause,
    now: DateTime<Utc>,
}

/// Starts, moves and persists fulfilment sagas, on the caller's transaction.
pub struct SagaCoordinator<S> {
    store: S,
    dispatcher: EventDispatcher<OrderEvent>,
    clock: Arc<dyn Clock>,
    step_timeout: chrono::Duration,
}

impl<S: Store> SagaCoordinator<S> {
    pub fn new(
        store: S,
        dispatcher: EventDispatcher<OrderEvent>,
        clock: Arc<dyn Clock>,
        step_timeout: chrono::Duration,
    ) -> Self {
        Self {
            store,
            dispatcher,
            clock,
            step_timeout,
        }
    }

    /// Starts the saga of a just-placed order: the `saga_instance` row and `ReserveStock`.
    pub async fn start(
        &self,
        conn: &mut PgConnection,
        order: &Order,
        data: SagaData,
        now: DateTime<Utc>,
    ) -> Result<(), SagaError> {
        let total = order.total()?.ok_or(OrderError::EmptyOrder)?;
        let (saga, step) = FulfilmentSaga::start(
            order.id(),
            order.lines().to_vec(),
            total,
            self.step_timeout,
            now,
        )?;
        self.store.insert_saga(conn, &saga, &data, now).await?;
        let cause = Cause::internal(order.id());
        self.send(conn, order.id(), &data, &step.commands, &cause.context)
            .await
    }

    /// Takes a participant's reply for `order_id` on the consumer's transaction.
    pub async fn on_reply(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
        trigger: SagaTrigger,
        cause: &Cause,
    ) -> Result<Handled, SagaError> {
        let mut order = self
            .store
            .lock_order(conn, order_id)
            .await?
            .ok_or(SagaError::UnknownOrder(order_id))?;
        self.drive(conn, &mut order, &trigger, cause, self.clock.now())
            .await
    }

    /// Records a reply that needs no decision (a committed reservation, a refund) on the
    /// order's timeline.
    pub async fn observe(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
        kind: TimelineKind,
        detail: serde_json::Value,
        cause: &Cause,
    ) -> Result<(), SagaError> {
        let order = self
            .store
            .lock_order(conn, order_id)
            .await?
            .ok_or(SagaError::UnknownOrder(order_id))?;
        self.store
            .append_timeline(
                conn,
                &NewTimelineEntry {
                    order_id,
                    kind,
                    status: order.value.status(),
                    detail,
                    at: self.clock.now(),
                    correlation_id: cause.context.correlation_id.clone(),
                },
            )
            .await?;
        Ok(())
    }

    /// Moves the saga of `order` (locked by the caller) with `trigger`: loads and locks the
    /// saga, asks the domain, and persists an advance. `NotYet` is an error so that the
    /// consumer retries the reply later instead of dropping it.
    pub async fn drive(
        &self,
        conn: &mut PgConnection,
        order: &mut Versioned<Order>,
        trigger: &SagaTrigger,
        cause: &Cause,
        now: DateTime<Utc>,
    ) -> Result<Handled, SagaError> {
        let order_id = order.value.id();
        let mut record = self
            .store
            .lock_saga(conn, order_id)
            .await?
            .ok_or(SagaError::NoSaga(order_id))?;
        let before = record.saga.clone();
        match trigger.apply(&mut record.saga, now) {
            SagaOutcome::Advanced(step) => {
                let advance = Advance {
                    before,
                    record,
                    step,
                    trigger,
                    cause,
                    now,
                };
                self.persist(conn, order, advance).await?;
                Ok(Handled::Advanced)
            }
            SagaOutcome::Ignored { state, reason } => {
                tracing::debug!(%order_id, trigger = trigger.name(), %state, reason, "saga ignored a trigger");
                Ok(Handled::Ignored)
            }
            SagaOutcome::NotYet { state } => Err(SagaError::NotYet {
                order_id,
                trigger: trigger.name(),
                state,
            }),
        }
    }

    /// Persists one advance of a saga, in the caller's transaction: the saga row (checked
    /// against the version it was loaded at), the timeline, the order action with its events,
    /// and every command, in the order the domain gave them. Replies, the sweeper and
    /// cancellations all go through here.
    async fn persist(
        &self,
        conn: &mut PgConnection,
        order: &mut Versioned<Order>,
        advance: Advance<'_>,
    ) -> Result<(), SagaError> {
        let Advance {
            before,
            record,
            step,
            trigger,
            cause,
            now,
        } = advance;
        let saga = &record.saga;
        let order_id = saga.order_id();
        self.store
            .update_saga(conn, saga, before.version(), cause.event_id, now)
            .await?;
        let commands: Vec<_> = step
            .commands
            .iter()
            .map(SagaCommand::command_type)
            .collect();
        if let Some(kind) = trigger.timeline_kind() {
            let mut detail = json!({ "sagaState": saga.state(), "commands": commands });
            if let Some(reason) = trigger.reason() {
                detail["reason"] = json!(reason);
            }
            self.append(conn, order, kind, detail, cause, now).await?;
        }
        if let Some(action) = &step.order_action {
            self.act(conn, order, action, trigger, cause, now).await?;
        }
        if *trigger == SagaTrigger::Deadline {
            metrics::saga_timed_out(before.state());
        }
        if !before.state().is_compensating() && saga.state().is_compensating() {
            let detail = json!({ "reason": saga.failure_reason(), "commands": commands });
            let kind = TimelineKind::CompensationStarted;
            self.append(conn, order, kind, detail, cause, now).await?;
        }
        tracing::info!(%order_id, trigger = trigger.name(), from = %before.state(), to = %saga.state(), ?commands, "saga advanced");
        self.send(conn, order_id, &record.data, &step.commands, &cause.context)
            .await
    }

    /// Confirms or cancels the order as the saga decided, storing it with its events, and
    /// counts it once the caller's transaction commits.
    async fn act(
        &self,
        conn: &mut PgConnection,
        order: &mut Versioned<Order>,
        action: &OrderAction,
        trigger: &SagaTrigger,
        cause: &Cause,
        now: DateTime<Utc>,
    ) -> Result<(), SagaError> {
        match action {
            OrderAction::Confirm => order.value.confirm(now)?,
            OrderAction::Cancel { reason } => order.value.cancel(reason, now)?,
        }
        let events = order.value.take_events();
        if events.is_empty() {
            return Ok(());
        }
        let placed_at = order.value.placed_at();
        match action {
            OrderAction::Confirm => metrics::order_confirmed(placed_at, now),
            OrderAction::Cancel { .. } => {
                metrics::order_cancelled(CancelReason::of(trigger), placed_at, now);
            }
        }
        order.version = self
            .store
            .update_order(conn, &order.value, order.version)
            .await?;
        self.dispatcher
            .dispatch(conn, &cause.context, &events)
            .await?;
        Ok(())
    }

    async fn append(
        &self,
        conn: &mut PgConnection,
        order: &Versioned<Order>,
        kind: TimelineKind,
        detail: serde_json::Value,
        cause: &Cause,
        now: DateTime<Utc>,
    ) -> Result<(), SagaError> {
        let entry = NewTimelineEntry {
            order_id: order.value.id(),
            kind,
            status: order.value.status(),
            detail,
            at: now,
            correlation_id: cause.context.correlation_id.clone(),
        };
        self.store.append_timeline(conn, &entry).await?;
        Ok(())
    }

    async fn send(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
        data: &SagaData,
        commands: &[SagaCommand],
        context: &EventContext,
    ) -> Result<(), SagaError> {
        for command in commands {
            self.store
                .send_command(conn, order_id, data, command, context)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn early_replies_and_lost_races_are_retried_but_unknown_orders_are_not() {
        let order_id = OrderId::new();
        let not_yet = SagaError::NotYet {
            order_id,
            trigger: "PaymentProcessed",
            state: SagaState::AwaitingStock,
        };
        assert!(not_yet.is_transient());
        let conflict = SagaError::Repository(RepositoryError::VersionConflict {
            kind: "saga",
            expected: 2,
        });
        assert!(conflict.is_transient());
        assert!(!SagaError::UnknownOrder(order_id).is_transient());
        assert!(!SagaError::NoSaga(order_id).is_transient());
        assert!(!SagaError::Refused(OrderError::EmptyOrder).is_transient());
        assert!(
            SagaError::UnknownOrder(order_id)
                .to_string()
                .contains(&order_id.to_string())
        );
    }

    #[test]
    fn every_reply_but_a_cancellation_gets_its_own_timeline_entry() {
        let reason = || "r".to_owned();
        let triggers = [
            (
                SagaTrigger::StockReserved,
                Some(TimelineKind::StockReserved),
            ),
            (
                SagaTrigger::StockReservationFailed { reason: reason() },
                Some(TimelineKind::StockReservationFailed),
            ),
            (
                SagaTrigger::PaymentProcessed,
                Some(TimelineKind::PaymentProcessed),
            ),
            (
                SagaTrigger::PaymentFailed { reason: reason() },
                Some(TimelineKind::PaymentFailed),
            ),
            (
                SagaTrigger::StockReleased,
                Some(TimelineKind::StockReleased),
            ),
            (SagaTrigger::Deadline, Some(TimelineKind::DeadlinePassed)),
            (SagaTrigger::OrderCancelled { reason: reason() }, None),
        ];
        for (trigger, kind) in triggers {
            assert_eq!(trigger.timeline_kind(), kind, "{}", trigger.name());
        }
    }
}
