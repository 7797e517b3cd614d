//! The sqlx implementation of [`ReservationRepository`].

use chrono::{DateTime, Utc};
use inventory_domain::{
    OrderId, Reservation, ReservationSnapshot, ReservationStatus, StockLine, StockShortage,
};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, QueryBuilder};
use uuid::Uuid;

use crate::application::{RepositoryError, ReservationRepository, Versioned};

const COLUMNS: &str = "order_id, status, lines, shortages, created_at, reserved_at, failed_at, released_at, committed_at, version";

#[derive(Debug, Clone, Copy, Default)]
pub struct PgReservationRepository;

#[derive(FromRow)]
struct ReservationRow {
    order_id: Uuid,
    status: String,
    lines: serde_json::Value,
    shortages: serde_json::Value,
    created_at: DateTime<Utc>,
    reserved_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    released_at: Option<DateTime<Utc>>,
    committed_at: Option<DateTime<Utc>>,
    version: i64,
}

impl TryFrom<ReservationRow> for Versioned<Reservation> {
    type Error = RepositoryError;

    fn try_from(row: ReservationRow) -> Result<Self, Self::Error> {
        let corrupt = |err: &dyn std::fmt::Display| {
            RepositoryError::Corrupt(format!("reservation {}: {err}", row.order_id))
        };
        let lines: Vec<StockLine> = serde_json::from_value(row.lines).map_err(|e| corrupt(&e))?;
        let shortages: Vec<StockShortage> =
            serde_json::from_value(row.shortages).map_err(|e| corrupt(&e))?;
        let status = match row.status.as_str() {
            "Pending" => ReservationStatus::Pending,
            "Reserved" => ReservationStatus::Reserved,
            "Failed" => ReservationStatus::Failed { shortages },
            "Released" => ReservationStatus::Released,
            "Committed" => ReservationStatus::Committed,
            other => return Err(corrupt(&format!("unknown status {other:?}"))),
        };
        let snapshot = ReservationSnapshot {
            order_id: OrderId::from_uuid(row.order_id),
            lines,
            status,
            created_at: row.created_at,
            reserved_at: row.reserved_at,
            failed_at: row.failed_at,
            released_at: row.released_at,
            committed_at: row.committed_at,
        };
        Ok(Versioned {
            value: Reservation::restore(snapshot),
            version: row.version,
        })
    }
}

/// A unique violation on the key means a concurrent command stored the order's
/// reservation first.
fn insert_error(err: sqlx::Error, order_id: OrderId) -> RepositoryError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            RepositoryError::DuplicateReservation(order_id)
        }
        _ => RepositoryError::Database(err),
    }
}

async fn select(
    conn: &mut PgConnection,
    order_id: OrderId,
    lock: bool,
) -> Result<Option<Versioned<Reservation>>, RepositoryError> {
    let mut query = QueryBuilder::new(format!(
        "SELECT {COLUMNS} FROM reservation WHERE order_id = "
    ));
    query.push_bind(order_id.as_uuid());
    if lock {
        query.push(" FOR UPDATE");
    }
    let row: Option<ReservationRow> = query.build_query_as().fetch_optional(conn).await?;
    row.map(Versioned::try_from).transpose()
}

impl ReservationRepository for PgReservationRepository {
    async fn lock(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
    ) -> Result<Option<Versioned<Reservation>>, RepositoryError> {
        select(conn, order_id, true).await
    }

    async fn find(
        &self,
        conn: &mut PgConnection,
        order_id: OrderId,
    ) -> Result<Option<Versioned<Reservation>>, RepositoryError> {
        select(conn, order_id, false).await
    }

    async fn insert(
        &self,
        conn: &mut PgConnection,
        reservation: &Reservation,
    ) -> Result<i64, RepositoryError> {
        sqlx::query(
            "INSERT INTO reservation (order_id, status, lines, shortages, created_at, reserved_at, failed_at, released_at, committed_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
        )
        .bind(reservation.order_id().as_uuid())
        .bind(reservation.status().as_str())
        .bind(Json(reservation.lines()))
        .bind(Json(reservation.shortages()))
        .bind(reservation.created_at())
        .bind(reservation.reserved_at())
        .bind(reservation.failed_at())
        .bind(reservation.released_at())
        .bind(reservation.committed_at())
        .execute(conn)
        .await
        .map_err(|err| insert_error(err, reservation.order_id()))?;
        Ok(1)
    }

    async fn update(
        &self,
        conn: &mut PgConnection,
        reservation: &Reservation,
        expected_version: i64,
    ) -> Result<i64, RepositoryError> {
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE reservation
                SET status = $2, lines = $3, shortages = $4, reserved_at = $5, failed_at = $6,
                    released_at = $7, committed_at = $8, version = version + 1
              WHERE order_id = $1 AND version = $9
          RETURNING version",
        )
        .bind(reservation.order_id().as_uuid())
        .bind(reservation.status().as_str())
        .bind(Json(reservation.lines()))
        .bind(Json(reservation.shortages()))
        .bind(reservation.reserved_at())
        .bind(reservation.failed_at())
        .bind(reservation.released_at())
        .bind(reservation.committed_at())
        .bind(expected_version)
        .fetch_optional(conn)
        .await?;
        updated.ok_or(RepositoryError::VersionConflict {
            expected: expected_version,
        })
    }
}
