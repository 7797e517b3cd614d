//! Records every customer domain event in `customer_audit`, inside the change's transaction.

use customer_domain::CustomerEvent;
use orderflow_runtime::events::{DomainEventHandler, EventContext};
use orderflow_runtime::{AppError, BoxFuture};
use sqlx::PgConnection;

#[derive(Debug, Clone, Copy, Default)]
pub struct AuditTrail;

impl DomainEventHandler<CustomerEvent> for AuditTrail {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        context: &'a EventContext,
        event: &'a CustomerEvent,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let payload = serde_json::to_value(event).map_err(AppError::internal)?;
            sqlx::query(
                "INSERT INTO customer_audit (customer_id, event_type, payload, correlation_id, occurred_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(event.customer_id().as_uuid())
            .bind(event.event_type())
            .bind(payload)
            .bind(context.correlation_id.as_deref())
            .bind(event.occurred_at())
            .execute(conn)
            .await?;
            Ok(())
        })
    }
}
