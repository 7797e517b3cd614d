//! The payment bounded context: charges and refunds of orders for the fulfilment saga,
//! with an append-only ledger per payment.
//!
//! `application` holds the use cases and the ports they need, `infrastructure` the
//! PostgreSQL, outbox and Kafka adapters, `api` the axum handlers and the OpenAPI document;
//! `main.rs` wires them.

pub mod api;
pub mod application;
pub mod config;
pub mod infrastructure;

use std::sync::Arc;

use orderflow_contracts::topics::PAYMENT_CONSUMER;
use orderflow_contracts::{ProcessPayment, RefundPayment};
use orderflow_runtime::clock::SystemClock;
use orderflow_runtime::db::PostgresReadiness;
use orderflow_runtime::faults;
use orderflow_runtime::http::{ServiceApp, dead_letter_routes};
use orderflow_runtime::messaging::dead_letter::DeadLetterAdmin;
use orderflow_runtime::messaging::{
    ConsumerRunner, Handlers, KafkaReadiness, OutboxRelay, RelayConfig,
};
use rdkafka::error::KafkaError;
use sqlx::PgPool;

use crate::application::{PaymentProcessor, PaymentQueries};
use crate::config::{Config, ConfigError};
use crate::infrastructure::{OutboxReplies, PaymentCommands, PgPaymentRepository};

/// Name used in logs, metrics and the OpenAPI document.
pub const SERVICE: &str = "payment";

/// The consumer group reading the saga's payment commands.
pub const CONSUMER_GROUP: &str = PAYMENT_CONSUMER.group;

/// Embedded migrations, applied at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The command processor as the consumer runs it.
pub type Processor = PaymentProcessor<PgPaymentRepository, OutboxReplies>;

/// Builds the whole HTTP application on a migrated pool. Fails when the payment rules are
/// invalid, naming the variable, so a bad deployment never starts.
pub fn app(pool: PgPool, config: &Config) -> anyhow::Result<axum::Router> {
    config.rules.policy()?;
    let queries = PaymentQueries::new(pool.clone(), PgPaymentRepository);
    let (api, openapi) = api::router(Arc::new(queries));
    let admin = faults::routes(config.admin.faults.clone()).merge(dead_letter_routes(vec![
        DeadLetterAdmin::new(&config.kafka, CONSUMER_GROUP, PAYMENT_CONSUMER.topics),
    ]));
    Ok(ServiceApp::new(SERVICE, api, openapi, config.http.clone())
        .readiness(PostgresReadiness(pool))
        .readiness(KafkaReadiness::new(&config.kafka)?)
        .admin(admin, config.admin.admin_token.as_deref())
        .into_router())
}

/// The relay that publishes this service's outbox (the replies to the saga).
pub fn relay(pool: PgPool, config: &Config) -> anyhow::Result<OutboxRelay> {
    Ok(OutboxRelay::new(
        pool,
        &config.kafka,
        RelayConfig::default(),
    )?)
}

/// The command processor, with the config's rules and the faults `/admin/faults` sets.
pub fn processor(config: &Config) -> Result<Processor, ConfigError> {
    Ok(PaymentProcessor::new(
        PgPaymentRepository,
        OutboxReplies,
        config.rules.policy()?,
        config.admin.faults.clone(),
        Arc::new(SystemClock),
    ))
}

/// The consumer of `ProcessPayment` and `RefundPayment` (group [`CONSUMER_GROUP`]).
pub fn consumer(pool: PgPool, config: &Config) -> Result<ConsumerRunner, KafkaError> {
    // `app` refuses to start with invalid rules, so this only fires for a config built in
    // code; the runner's error type is Kafka's, hence the wrapping.
    let processor = processor(config).map_err(|err| KafkaError::ClientCreation(err.to_string()))?;
    let commands = PaymentCommands::new(Arc::new(processor));
    let handlers = Handlers::new()
        .on::<ProcessPayment>(commands.clone())
        .on::<RefundPayment>(commands);
    Ok(
        ConsumerRunner::new(pool, &config.kafka, CONSUMER_GROUP, handlers)?
            .with_faults(config.admin.faults.clone()),
    )
}
