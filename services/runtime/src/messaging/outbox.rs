//! `Outbox::enqueue`: the only way a service publishes. The row commits or rolls back with
//! the change that caused it; the relay publishes it afterwards.

use orderflow_contracts::{EventHeaders, IntegrationEvent};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::events::EventContext;

/// The channel the relay listens on; notifications are delivered on commit only.
pub(crate) const WAKE_CHANNEL: &str = "outbox_message";

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("cannot serialise {event_type}: {source}")]
    Serialise {
        event_type: &'static str,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<OutboxError> for crate::AppError {
    fn from(err: OutboxError) -> Self {
        match err {
            OutboxError::Database(db) => db.into(),
            other => Self::internal(other),
        }
    }
}

pub struct Outbox;

impl Outbox {
    /// Writes `event` to the outbox on the caller's transaction and returns its event id.
    pub async fn enqueue<E: IntegrationEvent>(
        conn: &mut PgConnection,
        event: &E,
        context: &EventContext,
    ) -> Result<Uuid, OutboxError> {
        let event_id = Uuid::now_v7();
        let mut headers = EventHeaders::for_event(event, event_id, chrono::Utc::now());
        headers.correlation_id = context.correlation_id.clone();
        headers.causation_id = context.causation_id.clone();
        // The span enqueuing the event is its trace parent; with traces off, the cause's
        // `traceparent` travels on unchanged.
        headers.traceparent =
            crate::telemetry::current_traceparent().or_else(|| context.traceparent.clone());
        let header_map: serde_json::Map<String, serde_json::Value> = headers
            .to_pairs()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.into()))
            .collect();
        let payload = serde_json::to_value(event).map_err(|source| OutboxError::Serialise {
            event_type: E::EVENT_TYPE,
            source,
        })?;
        sqlx::query(
            "INSERT INTO outbox_message (event_id, aggregatetype, aggregateid, type, event_version, topic, payload, headers)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event_id)
        .bind(aggregate_type(E::SOURCE))
        .bind(event.subject())
        .bind(E::EVENT_TYPE)
        .bind(event_version(E::EVENT_TYPE))
        .bind(E::TOPIC)
        .bind(payload)
        .bind(serde_json::Value::Object(header_map))
        .execute(&mut *conn)
        .await?;
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(WAKE_CHANNEL)
            .execute(conn)
            .await?;
        Ok(event_id)
    }
}

/// The context that owns the aggregate: the last segment of the CloudEvents source.
fn aggregate_type(source: &str) -> &str {
    source.rsplit('/').next().unwrap_or(source)
}

/// The `N` of a `….vN` event type (1 when absent).
fn event_version(event_type: &str) -> i32 {
    event_type
        .rsplit('.')
        .next()
        .and_then(|v| v.strip_prefix('v'))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_aggregate_types_come_from_the_contract() {
        assert_eq!(event_version("orderflow.order.placed.v1"), 1);
        assert_eq!(event_version("orderflow.order.placed.v12"), 12);
        assert_eq!(event_version("odd"), 1);
        assert_eq!(aggregate_type("/orderflow/customer"), "customer");
    }
}
