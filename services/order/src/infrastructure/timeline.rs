//! The `order_timeline` table: appends (with a `NOTIFY` delivered on commit) and reads, and
//! the domain event handler that puts the order's status changes on it.

use chrono::{DateTime, Utc};
use order_domain::{OrderEvent, OrderId};
use orderflow_runtime::events::{DomainEventHandler, EventContext};
use orderflow_runtime::{AppError, BoxFuture};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::PgStore;
use crate::application::{NewTimelineEntry, RepositoryError, TimelineEntry, TimelineRepository};

/// The channel notified (with the order id as payload) when timeline entries commit. Every
/// process listens to it, so a change made by any replica reaches every SSE client.
pub const TIMELINE_CHANNEL: &str = "order_timeline";

#[derive(FromRow)]
struct EntryRow {
    order_id: Uuid,
    seq: i64,
    kind: String,
    status: String,
    detail: Json<serde_json::Value>,
    at: DateTime<Utc>,
    correlation_id: Option<String>,
}

impl From<EntryRow> for TimelineEntry {
    fn from(row: EntryRow) -> Self {
        Self {
            order_id: OrderId::from_uuid(row.order_id),
            seq: row.seq,
            kind: row.kind,
            status: row.status,
            detail: row.detail.0,
            at: row.at,
            correlation_id: row.correlation_id,
        }
    }
}

impl TimelineRepository for PgStore {
    async fn append_timeline(
        &self,
        conn: &mut PgConnection,
        entry: &NewTimelineEntry,
    ) -> Result<i64, RepositoryError> {
        // The caller holds the order's row lock, so the next number cannot be taken twice and
        // numbers commit in order: a client resuming after `seq` misses nothing.
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO order_timeline (order_id, seq, kind, status, detail, at, correlation_id)
             SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3, $4, $5, $6
               FROM order_timeline WHERE order_id = $1
             RETURNING seq",
        )
        .bind(entry.order_id.as_uuid())
        .bind(entry.kind.as_str())
        .bind(entry.status.as_str())
        .bind(Json(&entry.detail))
        .bind(entry.at)
        .bind(&entry.correlation_id)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(TIMELINE_CHANNEL)
            .bind(entry.order_id.to_string())
            .execute(conn)
            .await?;
        Ok(seq)
    }

    async fn timeline_since(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<TimelineEntry>, RepositoryError> {
        let rows: Vec<EntryRow> = sqlx::query_as(
            "SELECT order_id, seq, kind, status, detail, at, correlation_id
               FROM order_timeline
              WHERE order_id = $1 AND seq > $2
              ORDER BY seq
              LIMIT $3",
        )
        .bind(order_id.as_uuid())
        .bind(after)
        .bind(limit)
        .fetch_all(conn)
        .await?;
        Ok(rows.into_iter().map(TimelineEntry::from).collect())
    }
}

/// Appends the order's status changes to its timeline, inside the change's transaction.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimelineRecorder;

impl DomainEventHandler<OrderEvent> for TimelineRecorder {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        context: &'a EventContext,
        event: &'a OrderEvent,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            if let Some(entry) = NewTimelineEntry::for_order_event(event, context) {
                PgStore
                    .append_timeline(conn, &entry)
                    .await
                    .map_err(|err| match err {
                        RepositoryError::Database(db) => db.into(),
                        other => AppError::internal(other),
                    })?;
            }
            Ok(())
        })
    }
}
