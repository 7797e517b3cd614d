//! The inventory bounded context: the product catalogue and its stock on hand.
//!
//! `application` holds the use cases and the ports they need, `infrastructure` the
//! PostgreSQL adapters, `api` the axum handlers and the OpenAPI document; `main.rs` wires them.

pub mod api;
pub mod application;
pub mod config;
pub mod infrastructure;

use std::sync::Arc;

use orderflow_runtime::db::PostgresReadiness;
use orderflow_runtime::events::EventDispatcher;
use orderflow_runtime::faults::{self, Faults};
use orderflow_runtime::http::ServiceApp;
use orderflow_runtime::messaging::{KafkaReadiness, OutboxRelay, RelayConfig};
use sqlx::PgPool;

use crate::application::ProductService;
use crate::infrastructure::{IntegrationEvents, PgProductRepository, StockAdjustmentLog};

/// Name used in logs, metrics and the OpenAPI document.
pub const SERVICE: &str = "inventory";

/// Embedded migrations, applied at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Builds the whole HTTP application on a migrated pool.
pub fn app(pool: PgPool, config: &config::Config) -> anyhow::Result<axum::Router> {
    let dispatcher = EventDispatcher::new()
        .with(StockAdjustmentLog)
        .with(IntegrationEvents);
    let service = ProductService::new(
        pool.clone(),
        PgProductRepository,
        dispatcher,
        Arc::new(orderflow_runtime::clock::SystemClock),
    );
    let (api, openapi) = api::router(Arc::new(service));
    // The inventory context consumes nothing yet, so faults have nowhere to apply; the
    // endpoint is still offered so every service answers the same admin surface.
    let admin = faults::routes(Faults::new());
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
