use std::path::PathBuf;

/// Why infrastructure could not be provided.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    #[error(
        "no PostgreSQL available: set ORDERFLOW_TEST_DATABASE_URL, install PostgreSQL \
         (`apt-get install postgresql`, which provides initdb and pg_ctl), or run a Docker engine"
    )]
    NoPostgres,
    #[error(
        "no Kafka-protocol broker available: set ORDERFLOW_TEST_KAFKA_BOOTSTRAP, install tansu \
         (`cargo install tansu --locked --features libsql --root ~/.cache/orderflow/tools/tansu`, as .ci/run does), \
         or run a Docker engine"
    )]
    NoBroker,
    #[error(
        "no Redis available: set ORDERFLOW_TEST_REDIS_URL, install Redis \
         (`apt-get install redis-server`, as .ci/run does), or run a Docker engine"
    )]
    NoRedis,
    #[error("Redis did not start: {0}")]
    RedisStart(String),
    #[error("the broker did not start: {0}")]
    BrokerStart(String),
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
    #[error("PostgreSQL did not start (log {log}): {detail}")]
    PostgresStart { log: PathBuf, detail: String },
    #[error("the {service} service: {detail}")]
    Service { service: String, detail: String },
    #[error("container failed: {0}")]
    Container(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}
