//! The order bounded context: draft orders priced from the catalogue, placing them for known
//! and active customers, and the orchestrated fulfilment saga (DESIGN.md §5) with its sweeper
//! and live timeline.
//!
//! `application` holds the use cases and the ports they need, `infrastructure` the
//! PostgreSQL and outbox adapters, `api` the axum handlers and the OpenAPI document,
//! `consumer` the handlers of the consumer group; `main.rs` wires them.

pub mod api;
pub mod application;
pub mod config;
pub mod consumer;
pub mod infrastructure;

use std::sync::Arc;

use order_domain::OrderEvent;
use orderflow_contracts::topics::ORDER_CONSUMER;
use orderflow_contracts::{
    CustomerDeactivated, CustomerEmailChanged, CustomerReactivated, CustomerRegistered,
    PaymentFailed, PaymentProcessed, PaymentRefunded, ProductCreated, ProductUpdated,
    StockCommitted, StockReleased, StockReservationFailed, StockReserved,
};
use orderflow_runtime::clock::{Clock, SystemClock};
use orderflow_runtime::db::PostgresReadiness;
use orderflow_runtime::events::EventDispatcher;
use orderflow_runtime::faults;
use orderflow_runtime::http::{ServiceApp, dead_letter_routes};
use orderflow_runtime::messaging::dead_letter::DeadLetterAdmin;
use orderflow_runtime::messaging::{
    ConsumerRunner, Handlers, KafkaReadiness, OutboxRelay, RelayConfig,
};
use rdkafka::error::KafkaError;
use sqlx::PgPool;

use crate::api::AppState;
use crate::application::{OrderService, SagaCoordinator, SagaSweeper};
use crate::consumer::{ReadModelHandlers, SagaReplies};
use crate::infrastructure::{IntegrationEvents, PgStore, TimelineFeed, TimelineRecorder};

/// Name used in logs, metrics and the OpenAPI document.
pub const SERVICE: &str = "order";

/// The consumer group that builds the read models and drives the saga.
pub const CONSUMER_GROUP: &str = ORDER_CONSUMER.group;

/// The topics [`consumer`] reads (their dead letters are the admin routes').
pub const CONSUMED_TOPICS: &[&str] = ORDER_CONSUMER.topics;

/// Embedded migrations, applied at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// What happens to an order's domain events, in its transaction: its timeline, and the
/// integration events other contexts consume.
fn dispatcher() -> EventDispatcher<OrderEvent> {
    EventDispatcher::new()
        .with(TimelineRecorder)
        .with(IntegrationEvents)
}

fn saga(config: &config::Config, clock: Arc<dyn Clock>) -> Arc<SagaCoordinator<PgStore>> {
    Arc::new(SagaCoordinator::new(
        PgStore,
        dispatcher(),
        clock,
        config.step_timeout(),
    ))
}

/// Builds the whole HTTP application on a migrated pool.
pub fn app(pool: PgPool, config: &config::Config) -> anyhow::Result<axum::Router> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let orders = OrderService::new(
        pool.clone(),
        PgStore,
        dispatcher(),
        saga(config, Arc::clone(&clock)),
        clock,
    );
    let state = AppState {
        orders: Arc::new(orders),
        feed: TimelineFeed::new(pool.clone()),
    };
    let (api, openapi) = api::router(state);
    let admin = faults::routes(config.admin.faults.clone()).merge(dead_letter_routes(vec![
        DeadLetterAdmin::new(&config.kafka, CONSUMER_GROUP, CONSUMED_TOPICS),
    ]));
    let router = ServiceApp::new(SERVICE, api, openapi, config.http.clone())
        .readiness(PostgresReadiness(pool))
        .readiness(KafkaReadiness::new(&config.kafka)?)
        .admin(admin, config.admin.admin_token.as_deref())
        .into_router();
    application::register_metrics();
    Ok(router)
}

/// The consumer group "order": product and customer events for the read models, stock and
/// payment replies for the saga. Faults set on `/admin/faults` apply before each message.
pub fn consumer(pool: PgPool, config: &config::Config) -> Result<ConsumerRunner, KafkaError> {
    Ok(
        ConsumerRunner::new(pool, &config.kafka, CONSUMER_GROUP, handlers(config))?
            .with_faults(config.admin.faults.clone()),
    )
}

fn handlers(config: &config::Config) -> Handlers {
    let read_models = ReadModelHandlers::new(PgStore);
    let replies = SagaReplies::new(saga(config, Arc::new(SystemClock)));
    Handlers::new()
        .on::<ProductCreated>(read_models.clone())
        .on::<ProductUpdated>(read_models.clone())
        .on::<CustomerRegistered>(read_models.clone())
        .on::<CustomerDeactivated>(read_models.clone())
        .on::<CustomerReactivated>(read_models.clone())
        .on::<CustomerEmailChanged>(read_models)
        .on::<StockReserved>(replies.clone())
        .on::<StockReservationFailed>(replies.clone())
        .on::<StockReleased>(replies.clone())
        .on::<StockCommitted>(replies.clone())
        .on::<PaymentProcessed>(replies.clone())
        .on::<PaymentFailed>(replies.clone())
        .on::<PaymentRefunded>(replies)
}

/// The sweeper that compensates sagas past their deadline, every `SAGA_SWEEP_INTERVAL_MS`.
pub fn sweeper(pool: PgPool, config: &config::Config) -> SagaSweeper<PgStore> {
    sweeper_with_clock(pool, config, Arc::new(SystemClock))
}

/// Like [`sweeper`] with another clock, so tests can put sagas past their deadline.
pub fn sweeper_with_clock(
    pool: PgPool,
    config: &config::Config,
    clock: Arc<dyn Clock>,
) -> SagaSweeper<PgStore> {
    SagaSweeper::new(
        pool,
        PgStore,
        saga(config, Arc::clone(&clock)),
        clock,
        config.sweep_interval(),
        config.sweep_batch(),
    )
}

/// The relay that publishes this service's outbox.
pub fn relay(pool: PgPool, config: &config::Config) -> anyhow::Result<OutboxRelay> {
    Ok(OutboxRelay::new(
        pool,
        &config.kafka,
        RelayConfig::default(),
    )?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use orderflow_runtime::messaging::KafkaConfig;

    use super::*;

    #[test]
    fn the_admin_routes_cover_every_topic_the_consumer_reads() {
        let config = config::Config::for_tests("postgres://x", KafkaConfig::new("localhost:1"));
        let mut consumed = handlers(&config).topics().to_vec();
        consumed.sort_unstable();
        let mut declared = CONSUMED_TOPICS.to_vec();
        declared.sort_unstable();
        assert_eq!(consumed, declared);
    }
}
