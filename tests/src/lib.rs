//! orderflow-testkit: real infrastructure for tests and for the native launcher.
//!
//! Each kind of infrastructure is found in the same order (DESIGN.md §6):
//! 1. an address from the environment (`ORDERFLOW_TEST_DATABASE_URL`, …);
//! 2. a local server binary started on a free port in a temp dir, once per test process;
//! 3. a container through testcontainers where a Docker engine exists;
//! 4. else an error that says what to install.
//!
//! Every test then gets its own database, Redis key prefix and topic names, so tests run in
//! parallel without seeing each other's data.

mod error;
pub mod http;
pub mod kafka;
pub mod platform;
pub mod ports;
pub mod postgres;
mod process;
mod provision;
pub mod records;
pub mod redis;
mod wait;

pub use error::TestkitError;
pub use kafka::{TansuBroker, TestKafka};
pub use platform::{Platform, SERVICES, ServiceProcess, ServiceSpec};
pub use postgres::{PgCluster, PgClusterOptions, TestDatabase};
pub use redis::{RedisServer, TestRedis};
pub use wait::eventually;

/// A fresh, empty PostgreSQL database for one test.
pub async fn database() -> Result<TestDatabase, TestkitError> {
    postgres::database().await
}

/// A Kafka-protocol broker and a topic prefix of this test's own.
pub async fn kafka() -> Result<TestKafka, TestkitError> {
    kafka::kafka().await
}

/// Redis and a key prefix of this test's own.
pub async fn redis() -> Result<TestRedis, TestkitError> {
    redis::redis().await
}
