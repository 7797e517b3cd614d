//! The sqlx implementation of [`OrderRepository`].

use chrono::{DateTime, Utc};
use order_domain::{
    CustomerId, Order, OrderId, OrderLine, OrderSnapshot, OrderStatus, StatusChange,
};
use orderflow_runtime::http::PageRequest;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::PgStore;
use crate::application::{OrderFilter, OrderRepository, RepositoryError, Versioned};

const COLUMNS: &str = "id, customer_id, status, lines, history, created_at, placed_at, confirmed_at, completed_at, cancelled_at, cancellation_reason, version";

#[derive(FromRow)]
struct OrderRow {
    id: Uuid,
    customer_id: Uuid,
    status: String,
    lines: Json<Vec<OrderLine>>,
    history: Json<Vec<StatusChange>>,
    created_at: DateTime<Utc>,
    placed_at: Option<DateTime<Utc>>,
    confirmed_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
    cancellation_reason: Option<String>,
    version: i64,
}

impl TryFrom<OrderRow> for Versioned<Order> {
    type Error = RepositoryError;

    fn try_from(row: OrderRow) -> Result<Self, Self::Error> {
        let status = row
            .status
            .parse::<OrderStatus>()
            .map_err(|err| RepositoryError::Corrupt(format!("order {}: {err}", row.id)))?;
        let snapshot = OrderSnapshot {
            id: OrderId::from_uuid(row.id),
            customer_id: CustomerId::from_uuid(row.customer_id),
            lines: row.lines.0,
            status,
            created_at: row.created_at,
            placed_at: row.placed_at,
            confirmed_at: row.confirmed_at,
            completed_at: row.completed_at,
            cancelled_at: row.cancelled_at,
            cancellation_reason: row.cancellation_reason,
            history: row.history.0,
        };
        Ok(Versioned {
            value: Order::restore(snapshot),
            version: row.version,
        })
    }
}

fn push_filter(query: &mut QueryBuilder<Postgres>, filter: &OrderFilter) {
    query.push(" WHERE TRUE");
    if let Some(customer_id) = filter.customer_id {
        query
            .push(" AND customer_id = ")
            .push_bind(customer_id.as_uuid());
    }
    if let Some(status) = filter.status {
        query.push(" AND status = ").push_bind(status.as_str());
    }
}

async fn select_one(
    conn: &mut PgConnection,
    id: OrderId,
    lock: bool,
) -> Result<Option<Versioned<Order>>, RepositoryError> {
    let mut query = QueryBuilder::new(format!("SELECT {COLUMNS} FROM orders WHERE id = "));
    query.push_bind(id.as_uuid());
    if lock {
        query.push(" FOR UPDATE");
    }
    let row: Option<OrderRow> = query.build_query_as().fetch_optional(conn).await?;
    row.map(Versioned::try_from).transpose()
}

impl OrderRepository for PgStore {
    async fn insert_order(
        &self,
        conn: &mut PgConnection,
        order: &Order,
    ) -> Result<i64, RepositoryError> {
        let snapshot = order.snapshot();
        sqlx::query(
            "INSERT INTO orders (id, customer_id, status, lines, history, created_at, placed_at, confirmed_at,
                                 completed_at, cancelled_at, cancellation_reason, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)",
        )
        .bind(snapshot.id.as_uuid())
        .bind(snapshot.customer_id.as_uuid())
        .bind(snapshot.status.as_str())
        .bind(Json(&snapshot.lines))
        .bind(Json(&snapshot.history))
        .bind(snapshot.created_at)
        .bind(snapshot.placed_at)
        .bind(snapshot.confirmed_at)
        .bind(snapshot.completed_at)
        .bind(snapshot.cancelled_at)
        .bind(&snapshot.cancellation_reason)
        .execute(conn)
        .await?;
        Ok(1)
    }

    async fn update_order(
        &self,
        conn: &mut PgConnection,
        order: &Order,
        expected_version: i64,
    ) -> Result<i64, RepositoryError> {
        let snapshot = order.snapshot();
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE orders
                SET status = $2, lines = $3, history = $4, placed_at = $5, confirmed_at = $6,
                    completed_at = $7, cancelled_at = $8, cancellation_reason = $9,
                    version = version + 1, updated_at = now()
              WHERE id = $1 AND version = $10
          RETURNING version",
        )
        .bind(snapshot.id.as_uuid())
        .bind(snapshot.status.as_str())
        .bind(Json(&snapshot.lines))
        .bind(Json(&snapshot.history))
        .bind(snapshot.placed_at)
        .bind(snapshot.confirmed_at)
        .bind(snapshot.completed_at)
        .bind(snapshot.cancelled_at)
        .bind(&snapshot.cancellation_reason)
        .bind(expected_version)
        .fetch_optional(conn)
        .await?;
        updated.ok_or(RepositoryError::VersionConflict {
            kind: "order",
            expected: expected_version,
        })
    }

    async fn find_order(
        &self,
        conn: &mut PgConnection,
        id: OrderId,
    ) -> Result<Option<Versioned<Order>>, RepositoryError> {
        select_one(conn, id, false).await
    }

    async fn lock_order(
        &self,
        conn: &mut PgConnection,
        id: OrderId,
    ) -> Result<Option<Versioned<Order>>, RepositoryError> {
        select_one(conn, id, true).await
    }

    async fn list_orders(
        &self,
        conn: &mut PgConnection,
        filter: &OrderFilter,
        page: PageRequest,
    ) -> Result<(Vec<Versioned<Order>>, i64), RepositoryError> {
        let mut count = QueryBuilder::new("SELECT count(*) FROM orders");
        push_filter(&mut count, filter);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;

        let mut select = QueryBuilder::new(format!("SELECT {COLUMNS} FROM orders"));
        push_filter(&mut select, filter);
        select
            .push(" ORDER BY id DESC LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<OrderRow> = select.build_query_as().fetch_all(conn).await?;
        let items = rows
            .into_iter()
            .map(Versioned::try_from)
            .collect::<Result<_, _>>()?;
        Ok((items, total))
    }
}
