//! The inventory bounded context: the product catalogue, its stock on hand, and the stock
//! it reserves, sells and gives back for the order-fulfilment saga.
//!
//! `application` holds the use cases and the ports they need, `infrastructure` the
//! PostgreSQL adapters and the Kafka consumer, `api` the axum handlers and the OpenAPI
//! document; `main.rs` wires them.
//!
//! The saga's commands (`ReserveStock`, `ReleaseStock`, `CommitStock` on
//! `orderflow.inventory.commands`) are consumed by the group [`CONSUMER_GROUP`]; every
//! command, including a resent or redelivered one, is answered on
//! `orderflow.inventory.events`. `GET /reservations/{orderId}` shows what is held for an
//! order. Admin routes (with `ADMIN_TOKEN`): `/admin/faults`, which the consumer obeys, and
//! the group's dead letters at `/admin/dead-letters`.
//!
//! Start the binary with `--seed` (or `SEED_CATALOGUE=true`) to load a small demo
//! catalogue ([`application::demo_catalogue`], prices in EUR) at start-up: products are
//! created through the ordinary use case, so `ProductCreated` is published, and SKUs that
//! already exist are skipped, so seeding on every start is harmless.

pub mod api;
pub mod application;
pub mod config;
pub mod infrastructure;

use std::sync::Arc;

use orderflow_contracts::topics::INVENTORY_CONSUMER;
use orderflow_contracts::{CommitStock, ReleaseStock, ReserveStock};
use orderflow_runtime::clock::SystemClock;
use orderflow_runtime::db::PostgresReadiness;
use orderflow_runtime::events::{EventContext, EventDispatcher};
use orderflow_runtime::faults;
use orderflow_runtime::http::{ServiceApp, dead_letter_routes};
use orderflow_runtime::messaging::dead_letter::DeadLetterAdmin;
use orderflow_runtime::messaging::{
    ConsumerRunner, Handlers, KafkaReadiness, OutboxRelay, RelayConfig,
};
use rdkafka::error::KafkaError;
use sqlx::PgPool;

use crate::application::{ProductService, ReservationService, SeedReport};
use crate::infrastructure::{
    IntegrationEvents, PgProductRepository, PgReservationRepository, PgReservationService,
    StockAdjustmentLog, StockCommandHandler,
};

/// Name used in logs, metrics and the OpenAPI document.
pub const SERVICE: &str = "inventory";

/// The consumer group of the saga's stock commands; also names its retry and dead-letter
/// topics (`orderflow.inventory.commands.inventory.dlt`).
pub const CONSUMER_GROUP: &str = INVENTORY_CONSUMER.group;

/// Embedded migrations, applied at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

fn product_service(pool: PgPool) -> ProductService<PgProductRepository> {
    let dispatcher = EventDispatcher::new()
        .with(StockAdjustmentLog)
        .with(IntegrationEvents);
    ProductService::new(pool, PgProductRepository, dispatcher, Arc::new(SystemClock))
}

/// The saga's stock use cases on `pool`, as the consumer and the API use them.
pub fn reservation_service(pool: PgPool) -> PgReservationService {
    ReservationService::new(
        pool,
        PgReservationRepository,
        PgProductRepository,
        StockAdjustmentLog,
        Arc::new(SystemClock),
    )
}

/// Builds the whole HTTP application on a migrated pool.
pub fn app(pool: PgPool, config: &config::Config) -> anyhow::Result<axum::Router> {
    let (api, openapi) = api::router(
        Arc::new(product_service(pool.clone())),
        Arc::new(reservation_service(pool.clone())),
    );
    let dead_letters =
        DeadLetterAdmin::new(&config.kafka, CONSUMER_GROUP, INVENTORY_CONSUMER.topics);
    let admin =
        faults::routes(config.admin.faults.clone()).merge(dead_letter_routes(vec![dead_letters]));
    Ok(ServiceApp::new(SERVICE, api, openapi, config.http.clone())
        .readiness(PostgresReadiness(pool))
        .readiness(KafkaReadiness::new(&config.kafka)?)
        .admin(admin, config.admin.admin_token.as_deref())
        .into_router())
}

/// The relay that publishes this service's outbox.
pub fn relay(pool: PgPool, config: &config::Config) -> anyhow::Result<OutboxRelay> {
    Ok(OutboxRelay::new(
        pool,
        &config.kafka,
        RelayConfig::default(),
    )?)
}

/// The consumer of the saga's stock commands. It suffers the faults of `config.admin.faults`,
/// the same ones the app's `/admin/faults` sets when both come from one configuration.
pub fn consumer(pool: PgPool, config: &config::Config) -> Result<ConsumerRunner, KafkaError> {
    let handler = StockCommandHandler::new(Arc::new(reservation_service(pool.clone())));
    let handlers = Handlers::new()
        .on::<ReserveStock>(handler.clone())
        .on::<ReleaseStock>(handler.clone())
        .on::<CommitStock>(handler);
    Ok(
        ConsumerRunner::new(pool, &config.kafka, CONSUMER_GROUP, handlers)?
            .with_faults(config.admin.faults.clone()),
    )
}

/// Loads the demo catalogue, skipping SKUs that exist; see the crate documentation.
pub async fn seed(pool: PgPool) -> anyhow::Result<SeedReport> {
    let context = EventContext::correlated("seed-catalogue");
    Ok(product_service(pool)
        .seed(&application::demo_catalogue(), &context)
        .await?)
}
