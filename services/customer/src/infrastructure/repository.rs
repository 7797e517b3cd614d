//! The sqlx implementation of [`CustomerRepository`].

use chrono::{DateTime, Utc};
use customer_domain::{Customer, CustomerId, CustomerName, CustomerSnapshot, CustomerStatus};
use orderflow_kernel::{Address, Email, PhoneNumber};
use orderflow_runtime::http::PageRequest;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::application::{CustomerFilter, CustomerRepository, RepositoryError, Versioned};

const EMAIL_UNIQUE: &str = "customer_email_key";
const COLUMNS: &str = "id, first_name, last_name, email, phone, address, status, registered_at, email_changed_at, version";

#[derive(Debug, Clone, Copy, Default)]
pub struct PgCustomerRepository;

#[derive(FromRow)]
struct CustomerRow {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: String,
    phone: Option<String>,
    address: Option<Json<Address>>,
    status: String,
    registered_at: DateTime<Utc>,
    email_changed_at: Option<DateTime<Utc>>,
    version: i64,
}

impl TryFrom<CustomerRow> for Versioned<Customer> {
    type Error = RepositoryError;

    fn try_from(row: CustomerRow) -> Result<Self, Self::Error> {
        let corrupt = |err: &dyn std::fmt::Display| {
            RepositoryError::Corrupt(format!("customer {}: {err}", row.id))
        };
        let snapshot = CustomerSnapshot {
            id: CustomerId::from_uuid(row.id),
            name: CustomerName::new(&row.first_name, &row.last_name).map_err(|e| corrupt(&e))?,
            email: Email::parse(&row.email).map_err(|e| corrupt(&e))?,
            phone: row
                .phone
                .as_deref()
                .map(PhoneNumber::parse)
                .transpose()
                .map_err(|e| corrupt(&e))?,
            address: row.address.map(|address| address.0),
            status: row
                .status
                .parse::<CustomerStatus>()
                .map_err(|e| corrupt(&e))?,
            registered_at: row.registered_at,
            email_changed_at: row.email_changed_at,
        };
        Ok(Versioned {
            value: Customer::restore(snapshot),
            version: row.version,
        })
    }
}

/// Turns the unique-email violation into its domain meaning.
fn write_error(err: sqlx::Error, customer: &Customer) -> RepositoryError {
    match &err {
        sqlx::Error::Database(db)
            if db.is_unique_violation() && db.constraint() == Some(EMAIL_UNIQUE) =>
        {
            RepositoryError::DuplicateEmail(customer.email().to_string())
        }
        _ => RepositoryError::Database(err),
    }
}

fn push_filter(query: &mut QueryBuilder<Postgres>, filter: &CustomerFilter) {
    query.push(" WHERE TRUE");
    if let Some(email) = &filter.email {
        query
            .push(" AND lower(email) = lower(")
            .push_bind(email.trim().to_owned())
            .push(")");
    }
    if let Some(status) = filter.status {
        query.push(" AND status = ").push_bind(status.as_str());
    }
}

impl CustomerRepository for PgCustomerRepository {
    async fn insert(
        &self,
        conn: &mut PgConnection,
        customer: &Customer,
    ) -> Result<i64, RepositoryError> {
        sqlx::query(
            "INSERT INTO customer (id, first_name, last_name, email, phone, address, status, registered_at, email_changed_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
        )
        .bind(customer.id().as_uuid())
        .bind(customer.name().first())
        .bind(customer.name().last())
        .bind(customer.email().as_str())
        .bind(customer.phone().map(PhoneNumber::as_str))
        .bind(customer.address().map(Json))
        .bind(customer.status().as_str())
        .bind(customer.registered_at())
        .bind(customer.email_changed_at())
        .execute(conn)
        .await
        .map_err(|err| write_error(err, customer))?;
        Ok(1)
    }

    async fn update(
        &self,
        conn: &mut PgConnection,
        customer: &Customer,
        expected_version: i64,
    ) -> Result<i64, RepositoryError> {
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE customer
                SET first_name = $2, last_name = $3, email = $4, phone = $5, address = $6, status = $7,
                    email_changed_at = $8, version = version + 1, updated_at = now()
              WHERE id = $1 AND version = $9
          RETURNING version",
        )
        .bind(customer.id().as_uuid())
        .bind(customer.name().first())
        .bind(customer.name().last())
        .bind(customer.email().as_str())
        .bind(customer.phone().map(PhoneNumber::as_str))
        .bind(customer.address().map(Json))
        .bind(customer.status().as_str())
        .bind(customer.email_changed_at())
        .bind(expected_version)
        .fetch_optional(conn)
        .await
        .map_err(|err| write_error(err, customer))?;
        updated.ok_or(RepositoryError::VersionConflict {
            expected: expected_version,
        })
    }

    async fn find(
        &self,
        conn: &mut PgConnection,
        id: CustomerId,
    ) -> Result<Option<Versioned<Customer>>, RepositoryError> {
        let mut query = QueryBuilder::new(format!("SELECT {COLUMNS} FROM customer WHERE id = "));
        query.push_bind(id.as_uuid());
        let row: Option<CustomerRow> = query.build_query_as().fetch_optional(conn).await?;
        row.map(Versioned::try_from).transpose()
    }

    async fn list(
        &self,
        conn: &mut PgConnection,
        filter: &CustomerFilter,
        page: PageRequest,
    ) -> Result<(Vec<Versioned<Customer>>, i64), RepositoryError> {
        let mut count = QueryBuilder::new("SELECT count(*) FROM customer");
        push_filter(&mut count, filter);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;

        let mut select = QueryBuilder::new(format!("SELECT {COLUMNS} FROM customer"));
        push_filter(&mut select, filter);
        select
            .push(" ORDER BY id LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let rows: Vec<CustomerRow> = select.build_query_as().fetch_all(conn).await?;
        let items = rows
            .into_iter()
            .map(Versioned::try_from)
            .collect::<Result<_, _>>()?;
        Ok((items, total))
    }
}
