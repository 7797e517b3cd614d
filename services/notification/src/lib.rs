//! The notification bounded context: tells customers about their registration, orders and
//! payments, from the other contexts' events, keeping its read models and each customer's
//! notification history in Redis.
//!
//! `application` holds the use cases and the ports they need, `infrastructure` the Redis
//! store, the delivery channels and the Kafka handlers, `api` the axum handlers and the
//! OpenAPI document; `main.rs` wires them.

pub mod api;
pub mod application;
pub mod config;
pub mod infrastructure;

use std::sync::Arc;

use orderflow_contracts::topics::NOTIFICATION_CONSUMER;
use orderflow_contracts::{
    CustomerEmailChanged, CustomerRegistered, OrderCancelled, OrderConfirmed, OrderPlaced,
    PaymentFailed, PaymentRefunded,
};
use orderflow_runtime::clock::SystemClock;
use orderflow_runtime::faults;
use orderflow_runtime::http::{ServiceApp, dead_letter_routes};
use orderflow_runtime::messaging::dead_letter::DeadLetterAdmin;
use orderflow_runtime::messaging::{ConsumerRunner, Handlers, KafkaReadiness, RedisInbox};
use orderflow_runtime::redis::RedisReadiness;
use rdkafka::error::KafkaError;
use redis::aio::ConnectionManager;

use crate::application::{Channel, HistoryQueries, Notifier};
use crate::config::{ChannelKind, Config, ConfigError};
use crate::infrastructure::{LogChannel, NotificationHandlers, RedisKeys, RedisStore, SmtpChannel};

/// Name used in logs, metrics and the OpenAPI document.
pub const SERVICE: &str = "notification";

/// The consumer group reading the customer, order and payment events.
pub const CONSUMER_GROUP: &str = NOTIFICATION_CONSUMER.group;

/// The topics [`consumer`] reads (their dead letters are the admin routes').
pub const CONSUMED_TOPICS: &[&str] = NOTIFICATION_CONSUMER.topics;

fn store(config: &Config) -> RedisStore {
    RedisStore::new(
        RedisKeys::new(&config.redis),
        config.notification_history_limit,
    )
}

/// Builds the whole HTTP application on a Redis connection.
pub fn app(conn: ConnectionManager, config: &Config) -> anyhow::Result<axum::Router> {
    let queries = HistoryQueries::new(store(config), conn.clone());
    let (api, openapi) = api::router(Arc::new(queries));
    let admin = faults::routes(config.admin.faults.clone()).merge(dead_letter_routes(vec![
        DeadLetterAdmin::new(&config.kafka, CONSUMER_GROUP, CONSUMED_TOPICS),
    ]));
    Ok(ServiceApp::new(SERVICE, api, openapi, config.http.clone())
        .readiness(RedisReadiness(conn))
        .readiness(KafkaReadiness::new(&config.kafka)?)
        .admin(admin, config.admin.admin_token.as_deref())
        .into_router())
}

/// The configured delivery channel; fails, naming the variables, when its settings are
/// missing or invalid, so a bad deployment never starts.
pub fn channel(config: &Config) -> Result<Arc<dyn Channel>, ConfigError> {
    let delivery = &config.delivery;
    Ok(match delivery.notification_channel {
        ChannelKind::Log => Arc::new(LogChannel),
        ChannelKind::Smtp => {
            let url = delivery
                .smtp_url
                .as_deref()
                .ok_or(ConfigError::SmtpUrlRequired)?;
            Arc::new(SmtpChannel::new(url, &delivery.smtp_from)?)
        }
    })
}

/// The consumer group [`CONSUMER_GROUP`], deduplicating through the Redis inbox and
/// delivering through `channel`. Faults set on `/admin/faults` apply before each message.
pub fn consumer(
    conn: ConnectionManager,
    config: &Config,
    channel: Arc<dyn Channel>,
) -> Result<ConsumerRunner<RedisInbox>, KafkaError> {
    let notifier = Notifier::new(store(config), channel, Arc::new(SystemClock));
    let inbox = RedisInbox::new(conn, &config.redis.redis_key_prefix, config.dedup_ttl());
    Ok(ConsumerRunner::with_inbox(
        inbox,
        &config.kafka,
        CONSUMER_GROUP,
        handlers(NotificationHandlers::new(Arc::new(notifier))),
    )?
    .with_faults(config.admin.faults.clone()))
}

fn handlers(handlers: NotificationHandlers<RedisStore>) -> Handlers<ConnectionManager> {
    Handlers::new()
        .on::<CustomerRegistered>(handlers.clone())
        .on::<CustomerEmailChanged>(handlers.clone())
        .on::<OrderPlaced>(handlers.clone())
        .on::<OrderConfirmed>(handlers.clone())
        .on::<OrderCancelled>(handlers.clone())
        .on::<PaymentFailed>(handlers.clone())
        .on::<PaymentRefunded>(handlers)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn handlers_for_tests() -> Handlers<ConnectionManager> {
        let store = RedisStore::new(
            RedisKeys::new(&orderflow_runtime::redis::RedisConfig::new(
                "redis://x",
                "t:",
            )),
            50,
        );
        let notifier = Notifier::new(store, Arc::new(LogChannel), Arc::new(SystemClock));
        handlers(NotificationHandlers::new(Arc::new(notifier)))
    }

    #[test]
    fn the_admin_routes_cover_every_topic_the_consumer_reads() {
        let mut consumed = handlers_for_tests().topics().to_vec();
        consumed.sort_unstable();
        let mut declared = CONSUMED_TOPICS.to_vec();
        declared.sort_unstable();
        assert_eq!(consumed, declared);
    }

    #[test]
    fn the_smtp_channel_needs_its_url() {
        let kafka = orderflow_runtime::messaging::KafkaConfig::new("localhost:1");
        let redis = orderflow_runtime::redis::RedisConfig::new("redis://x", "t:");
        let mut config = Config::for_tests(redis, kafka);
        config.delivery.notification_channel = ChannelKind::Smtp;
        let err = channel(&config)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("SMTP_URL"), "{err}");

        config.delivery.smtp_url = Some("smtps://mail:465".to_owned());
        let err = channel(&config)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("SMTP_URL"), "{err}");

        config.delivery.smtp_url = Some("smtp://mailpit:1025".to_owned());
        config.delivery.smtp_from = "not a mailbox".to_owned();
        let err = channel(&config)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("SMTP_FROM"), "{err}");

        config.delivery.smtp_from = config::DEFAULT_FROM.to_owned();
        assert_eq!(channel(&config).map(|c| c.name()).ok(), Some("smtp"));
    }
}
