//! The sqlx implementation of [`PaymentRepository`]: `payment` rows with their
//! append-only `payment_ledger`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use orderflow_kernel::{Currency, Money};
use orderflow_runtime::events::EventContext;
use orderflow_runtime::http::PageRequest;
use payment_domain::{
    CustomerId, LedgerEntry, LedgerEntryKind, OrderId, Payment, PaymentId, PaymentSnapshot,
    PaymentStatus,
};
use sqlx::{FromRow, PgConnection, QueryBuilder};
use uuid::Uuid;

use crate::application::{PaymentRepository, RepositoryError, Versioned};

const ORDER_UNIQUE: &str = "payment_order_id_key";
/// The columns a [`PaymentRow`] reads; a macro so queries stay `&'static str` (sqlx refuses
/// SQL built at run time).
macro_rules! payment_columns {
    () => {
        "id, order_id, customer_id, amount, currency, status, void_reason, created_at, version"
    };
}
/// Namespaces of the two-key advisory locks; the relay's election uses the one-key form,
/// which PostgreSQL keeps apart, so the two can never block each other.
const ORDER_LOCKS: i32 = 0x7061_7931;
const CUSTOMER_LOCKS: i32 = 0x7061_7932;
const KINDS: [LedgerEntryKind; 4] = [
    LedgerEntryKind::Authorised,
    LedgerEntryKind::Captured,
    LedgerEntryKind::Declined,
    LedgerEntryKind::Refunded,
];

#[derive(Debug, Clone, Copy, Default)]
pub struct PgPaymentRepository;

#[derive(FromRow)]
struct PaymentRow {
    id: Uuid,
    order_id: Uuid,
    customer_id: Option<Uuid>,
    amount: i64,
    currency: String,
    status: String,
    void_reason: Option<String>,
    created_at: DateTime<Utc>,
    version: i64,
}

#[derive(FromRow)]
struct LedgerRow {
    payment_id: Uuid,
    kind: String,
    amount: i64,
    currency: String,
    reason: Option<String>,
    occurred_at: DateTime<Utc>,
}

fn corrupt(id: Uuid, err: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Corrupt(format!("payment {id}: {err}"))
}

fn money(id: Uuid, amount: i64, currency: &str) -> Result<Money, RepositoryError> {
    Ok(Money::new(
        amount,
        Currency::parse(currency).map_err(|err| corrupt(id, err))?,
    ))
}

impl TryFrom<LedgerRow> for LedgerEntry {
    type Error = RepositoryError;

    fn try_from(row: LedgerRow) -> Result<Self, Self::Error> {
        let kind = KINDS
            .into_iter()
            .find(|kind| kind.as_str() == row.kind)
            .ok_or_else(|| corrupt(row.payment_id, format!("unknown ledger kind {}", row.kind)))?;
        Ok(LedgerEntry {
            kind,
            amount: money(row.payment_id, row.amount, &row.currency)?,
            at: row.occurred_at,
            reason: row.reason,
        })
    }
}

fn restore(row: PaymentRow, ledger: Vec<LedgerRow>) -> Result<Versioned<Payment>, RepositoryError> {
    let snapshot = PaymentSnapshot {
        id: PaymentId::from_uuid(row.id),
        order_id: OrderId::from_uuid(row.order_id),
        customer_id: row.customer_id.map(CustomerId::from_uuid),
        amount: money(row.id, row.amount, &row.currency)?,
        status: row
            .status
            .parse::<PaymentStatus>()
            .map_err(|err| corrupt(row.id, err))?,
        created_at: row.created_at,
        void_reason: row.void_reason,
        ledger: ledger
            .into_iter()
            .map(LedgerEntry::try_from)
            .collect::<Result<_, _>>()?,
    };
    Ok(Versioned {
        value: Payment::restore(snapshot),
        version: row.version,
    })
}

/// When the payment last changed: its latest ledger entry, or its creation.
fn updated_at(payment: &Payment) -> DateTime<Utc> {
    payment
        .ledger()
        .iter()
        .map(|entry| entry.at)
        .fold(payment.created_at(), DateTime::max)
}

/// Loads the ledgers of `rows`, oldest entry first, and restores each payment.
async fn with_ledgers(
    conn: &mut PgConnection,
    rows: Vec<PaymentRow>,
) -> Result<Vec<Versioned<Payment>>, RepositoryError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let entries: Vec<LedgerRow> = sqlx::query_as(
        "SELECT payment_id, kind, amount, currency, reason, occurred_at
           FROM payment_ledger WHERE payment_id = ANY($1) ORDER BY payment_id, seq",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    let mut ledgers: HashMap<Uuid, Vec<LedgerRow>> = HashMap::new();
    for entry in entries {
        ledgers.entry(entry.payment_id).or_default().push(entry);
    }
    rows.into_iter()
        .map(|row| {
            let ledger = ledgers.remove(&row.id).unwrap_or_default();
            restore(row, ledger)
        })
        .collect()
}

/// Appends the payment's ledger entries from position `from` on, so entries already stored
/// are never written again (the table refuses updates anyway).
async fn append_ledger(
    conn: &mut PgConnection,
    payment: &Payment,
    from: usize,
    context: &EventContext,
) -> Result<(), RepositoryError> {
    let Some(new_entries) = payment.ledger().get(from..).filter(|e| !e.is_empty()) else {
        return Ok(());
    };
    let first = i32::try_from(from).map_err(|err| corrupt(payment.id().as_uuid(), err))?;
    let mut insert = QueryBuilder::new(
        "INSERT INTO payment_ledger (payment_id, seq, kind, amount, currency, reason, occurred_at, correlation_id, causation_id) ",
    );
    insert.push_values((first..).zip(new_entries), |mut values, (seq, entry)| {
        values
            .push_bind(payment.id().as_uuid())
            .push_bind(seq)
            .push_bind(entry.kind.as_str())
            .push_bind(entry.amount.amount_minor())
            .push_bind(entry.amount.currency().code())
            .push_bind(entry.reason.clone())
            .push_bind(entry.at)
            .push_bind(context.correlation_id.clone())
            .push_bind(context.causation_id.clone());
    });
    insert.build().execute(conn).await?;
    Ok(())
}

/// Serialises on `key` within `namespace` until the transaction ends.
async fn advisory_lock(
    conn: &mut PgConnection,
    namespace: i32,
    key: Uuid,
) -> Result<(), RepositoryError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(namespace)
        .bind(key.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

impl PaymentRepository for PgPaymentRepository {
    async fn lock_order(
        &self,
        conn: &mut PgConnection,
        order: OrderId,
    ) -> Result<(), RepositoryError> {
        advisory_lock(conn, ORDER_LOCKS, order.as_uuid()).await
    }

    async fn lock_customer(
        &self,
        conn: &mut PgConnection,
        customer: CustomerId,
    ) -> Result<(), RepositoryError> {
        advisory_lock(conn, CUSTOMER_LOCKS, customer.as_uuid()).await
    }

    async fn find_for_update(
        &self,
        conn: &mut PgConnection,
        order: OrderId,
    ) -> Result<Option<Versioned<Payment>>, RepositoryError> {
        let row: Option<PaymentRow> = sqlx::query_as(concat!(
            "SELECT ",
            payment_columns!(),
            " FROM payment WHERE order_id = $1 FOR UPDATE"
        ))
        .bind(order.as_uuid())
        .fetch_optional(&mut *conn)
        .await?;
        Ok(with_ledgers(conn, row.into_iter().collect()).await?.pop())
    }

    async fn find(
        &self,
        conn: &mut PgConnection,
        order: OrderId,
    ) -> Result<Option<Versioned<Payment>>, RepositoryError> {
        let row: Option<PaymentRow> = sqlx::query_as(concat!(
            "SELECT ",
            payment_columns!(),
            " FROM payment WHERE order_id = $1"
        ))
        .bind(order.as_uuid())
        .fetch_optional(&mut *conn)
        .await?;
        Ok(with_ledgers(conn, row.into_iter().collect()).await?.pop())
    }

    async fn insert(
        &self,
        conn: &mut PgConnection,
        payment: &Payment,
        context: &EventContext,
    ) -> Result<i64, RepositoryError> {
        sqlx::query(
            "INSERT INTO payment (id, order_id, customer_id, amount, currency, status, decline_reason, refund_reason,
                                  void_reason, created_at, captured_at, refunded_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)",
        )
        .bind(payment.id().as_uuid())
        .bind(payment.order_id().as_uuid())
        .bind(payment.customer_id().map(|id| id.as_uuid()))
        .bind(payment.amount().amount_minor())
        .bind(payment.amount().currency().code())
        .bind(payment.status().as_str())
        .bind(payment.decline_reason())
        .bind(payment.refund_reason())
        .bind(payment.void_reason())
        .bind(payment.created_at())
        .bind(payment.captured_at())
        .bind(payment.refunded_at())
        .bind(updated_at(payment))
        .execute(&mut *conn)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(db)
                if db.is_unique_violation() && db.constraint() == Some(ORDER_UNIQUE) =>
            {
                RepositoryError::DuplicateOrder(payment.order_id())
            }
            _ => RepositoryError::Database(err),
        })?;
        append_ledger(conn, payment, 0, context).await?;
        Ok(1)
    }

    async fn update(
        &self,
        conn: &mut PgConnection,
        payment: &Payment,
        expected_version: i64,
        context: &EventContext,
    ) -> Result<i64, RepositoryError> {
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE payment
                SET status = $2, decline_reason = $3, refund_reason = $4, void_reason = $5,
                    captured_at = $6, refunded_at = $7, updated_at = $8, version = version + 1
              WHERE id = $1 AND version = $9
          RETURNING version",
        )
        .bind(payment.id().as_uuid())
        .bind(payment.status().as_str())
        .bind(payment.decline_reason())
        .bind(payment.refund_reason())
        .bind(payment.void_reason())
        .bind(payment.captured_at())
        .bind(payment.refunded_at())
        .bind(updated_at(payment))
        .bind(expected_version)
        .fetch_optional(&mut *conn)
        .await?;
        let version = version.ok_or(RepositoryError::VersionConflict {
            expected: expected_version,
        })?;
        let stored: i64 =
            sqlx::query_scalar("SELECT count(*) FROM payment_ledger WHERE payment_id = $1")
                .bind(payment.id().as_uuid())
                .fetch_one(&mut *conn)
                .await?;
        let stored = usize::try_from(stored).map_err(|err| corrupt(payment.id().as_uuid(), err))?;
        append_ledger(conn, payment, stored, context).await?;
        Ok(version)
    }

    async fn holdings(
        &self,
        conn: &mut PgConnection,
        customer: CustomerId,
    ) -> Result<Vec<Money>, RepositoryError> {
        // Capped rather than overflowing: an impossible sum is simply over any limit.
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT currency, LEAST(sum(amount), 9223372036854775807)::BIGINT
               FROM payment
              WHERE customer_id = $1 AND status = 'Captured'
              GROUP BY currency",
        )
        .bind(customer.as_uuid())
        .fetch_all(conn)
        .await?;
        rows.into_iter()
            .map(|(currency, amount)| money(customer.as_uuid(), amount, &currency))
            .collect()
    }

    async fn list_by_customer(
        &self,
        conn: &mut PgConnection,
        customer: CustomerId,
        page: PageRequest,
    ) -> Result<(Vec<Versioned<Payment>>, i64), RepositoryError> {
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM payment WHERE customer_id = $1")
            .bind(customer.as_uuid())
            .fetch_one(&mut *conn)
            .await?;
        // Ids are UUIDv7, so id order is creation order.
        let rows: Vec<PaymentRow> = sqlx::query_as(concat!(
            "SELECT ",
            payment_columns!(),
            " FROM payment WHERE customer_id = $1 ORDER BY id LIMIT $2 OFFSET $3"
        ))
        .bind(customer.as_uuid())
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&mut *conn)
        .await?;
        Ok((with_ledgers(conn, rows).await?, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_kinds_cover_every_kind_by_its_stored_name() {
        let names: Vec<_> = KINDS.iter().map(|kind| kind.as_str()).collect();
        assert_eq!(names, ["Authorised", "Captured", "Declined", "Refunded"]);
    }
}
