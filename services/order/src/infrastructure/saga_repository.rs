//! The sqlx implementation of [`SagaRepository`]: the `saga_instance` table.

use chrono::{DateTime, Utc};
use order_domain::{FulfilmentSaga, OrderId, SagaSnapshot, SagaState};
use orderflow_kernel::{Currency, Money};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::PgStore;
use crate::application::{RepositoryError, SagaData, SagaRecord, SagaRepository};

const COLUMNS: &str = "order_id, state, deadline_at, version, amount, currency, step_timeout_ms, failure_reason, data, last_request_id, updated_at";

#[derive(FromRow)]
struct SagaRow {
    order_id: Uuid,
    state: String,
    deadline_at: Option<DateTime<Utc>>,
    version: i64,
    amount: i64,
    currency: String,
    step_timeout_ms: i64,
    failure_reason: Option<String>,
    data: Json<SagaData>,
    last_request_id: Option<Uuid>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<SagaRow> for SagaRecord {
    type Error = RepositoryError;

    fn try_from(row: SagaRow) -> Result<Self, Self::Error> {
        let corrupt = |err: &dyn std::fmt::Display| {
            RepositoryError::Corrupt(format!("saga of order {}: {err}", row.order_id))
        };
        let snapshot = SagaSnapshot {
            order_id: OrderId::from_uuid(row.order_id),
            state: row.state.parse::<SagaState>().map_err(|e| corrupt(&e))?,
            amount: Money::new(
                row.amount,
                Currency::parse(&row.currency).map_err(|e| corrupt(&e))?,
            ),
            step_timeout: chrono::Duration::milliseconds(row.step_timeout_ms),
            deadline_at: row.deadline_at,
            failure_reason: row.failure_reason,
            version: row.version,
        };
        Ok(Self {
            saga: FulfilmentSaga::restore(snapshot),
            data: row.data.0,
            last_request_id: row.last_request_id,
            updated_at: row.updated_at,
        })
    }
}

async fn select_one(
    conn: &mut PgConnection,
    order_id: OrderId,
    lock: bool,
) -> Result<Option<SagaRecord>, RepositoryError> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let row: Option<SagaRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM saga_instance WHERE order_id = $1{lock}"
    )))
    .bind(order_id.as_uuid())
    .fetch_optional(conn)
    .await?;
    row.map(SagaRecord::try_from).transpose()
}

impl SagaRepository for PgStore {
    async fn insert_saga(
        &self,
        conn: &mut PgConnection,
        saga: &FulfilmentSaga,
        data: &SagaData,
        now: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        let snapshot = saga.snapshot();
        sqlx::query(
            "INSERT INTO saga_instance (order_id, state, compensating, deadline_at, version, amount, currency,
                                        step_timeout_ms, failure_reason, data, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(snapshot.order_id.as_uuid())
        .bind(snapshot.state.as_str())
        .bind(snapshot.state.is_compensating())
        .bind(snapshot.deadline_at)
        .bind(snapshot.version)
        .bind(snapshot.amount.amount_minor())
        .bind(snapshot.amount.currency().code())
        .bind(snapshot.step_timeout.num_milliseconds().max(1))
        .bind(&snapshot.failure_reason)
        .bind(Json(data))
        .bind(now)
        .execute(conn)
        .await?;
        Ok(())
    }

    async fn update_saga(
        &self,
        conn: &mut PgConnection,
        saga: &FulfilmentSaga,
        expected_version: i64,
        request_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        let snapshot = saga.snapshot();
        let updated = sqlx::query(
            "UPDATE saga_instance
                SET state = $2, compensating = $3, deadline_at = $4, version = $5, failure_reason = $6,
                    last_request_id = $7, updated_at = $8
              WHERE order_id = $1 AND version = $9",
        )
        .bind(snapshot.order_id.as_uuid())
        .bind(snapshot.state.as_str())
        .bind(snapshot.state.is_compensating())
        .bind(snapshot.deadline_at)
        .bind(snapshot.version)
        .bind(&snapshot.failure_reason)
        .bind(request_id)
        .bind(now)
        .bind(expected_version)
        .execute(conn)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(RepositoryError::VersionConflict {
                kind: "saga",
                expected: expected_version,
            });
        }
        Ok(())
    }

    async fn find_saga(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
    ) -> Result<Option<SagaRecord>, RepositoryError> {
        select_one(conn, order_id, false).await
    }

    async fn lock_saga(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
    ) -> Result<Option<SagaRecord>, RepositoryError> {
        select_one(conn, order_id, true).await
    }

    async fn find_sagas(
        &self,
        conn: &mut PgConnection,
        order_ids: &[OrderId],
    ) -> Result<Vec<SagaRecord>, RepositoryError> {
        if order_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = order_ids.iter().map(OrderId::as_uuid).collect();
        let rows: Vec<SagaRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM saga_instance WHERE order_id = ANY($1)"
        )))
        .bind(ids)
        .fetch_all(conn)
        .await?;
        rows.into_iter().map(SagaRecord::try_from).collect()
    }

    async fn claim_due_saga(
        &self,
        conn: &mut PgConnection,
        now: DateTime<Utc>,
        skip: &[OrderId],
    ) -> Result<Option<OrderId>, RepositoryError> {
        let skip: Vec<Uuid> = skip.iter().map(OrderId::as_uuid).collect();
        // Both rows are locked, the order's as every other writer takes it first; SKIP LOCKED
        // never waits, so this cannot deadlock with them.
        let claimed: Option<Uuid> = sqlx::query_scalar(
            "SELECT s.order_id
               FROM saga_instance s JOIN orders o ON o.id = s.order_id
              WHERE s.deadline_at <= $1 AND s.order_id <> ALL($2)
              ORDER BY s.deadline_at
              LIMIT 1
                FOR UPDATE OF o, s SKIP LOCKED",
        )
        .bind(now)
        .bind(skip)
        .fetch_optional(conn)
        .await?;
        Ok(claimed.map(OrderId::from_uuid))
    }
}
