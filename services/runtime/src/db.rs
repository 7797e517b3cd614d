//! The service's PostgreSQL pool, with its embedded migrations applied at start-up.

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

use crate::BoxFuture;
use crate::backoff::retry_connect;
use crate::config::DatabaseConfig;
use crate::health::ReadinessCheck;

/// The unit of work of a use case: one PostgreSQL transaction.
pub type Tx = Transaction<'static, Postgres>;

/// An aggregate with the version it was stored at: the optimistic-concurrency token every
/// update checks and HTTP exposes as the ETag.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: i64,
}

/// Why the database could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    InvalidUrl(#[source] sqlx::Error),
    #[error("PostgreSQL did not accept connections within {waited_secs} s: {source}")]
    Unreachable {
        waited_secs: u64,
        source: sqlx::Error,
    },
    #[error("migrations failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// The tables of the shared messaging mechanics (outbox, inbox), which every service with a
/// database includes. Their versions start at 10000 so they never collide with a service's own.
static MESSAGING: Migrator = sqlx::migrate!("./migrations");

/// The service's migrations followed by the shared messaging ones, as one history.
pub fn migrator(service: &Migrator) -> Migrator {
    let mut migrations: Vec<_> = service.iter().chain(MESSAGING.iter()).cloned().collect();
    migrations.sort_by_key(|migration| migration.version);
    Migrator::with_migrations(migrations)
}

/// Connects, retrying while the database starts (compose and Kubernetes start things in any
/// order), then applies the service's migrations and the shared messaging tables.
pub async fn connect(config: &DatabaseConfig, migrator: &Migrator) -> Result<PgPool, DbError> {
    let options: PgConnectOptions = config.database_url.parse().map_err(DbError::InvalidUrl)?;
    let pool_options = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5));
    let budget = Duration::from_secs(config.database_connect_timeout_secs);
    let pool = retry_connect("database", budget, || {
        pool_options.clone().connect_with(options.clone())
    })
    .await
    .map_err(|gave_up| DbError::Unreachable {
        waited_secs: gave_up.waited.as_secs(),
        source: gave_up.source,
    })?;
    self::migrator(migrator).run(&pool).await?;
    Ok(pool)
}

/// Readiness: the pool can hand out a connection that answers.
#[derive(Clone)]
pub struct PostgresReadiness(pub PgPool);

impl ReadinessCheck for PostgresReadiness {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .execute(&self.0)
                .await
                .map(|_| ())
                .map_err(|err| err.to_string())
        })
    }
}
