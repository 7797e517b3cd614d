//! Redis for the services that keep their state there (the notification context): typed
//! configuration, a self-healing connection and the readiness check.

use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use clap::Args;

use crate::BoxFuture;
use crate::backoff::retry_connect;
use crate::health::ReadinessCheck;

/// How a service reaches Redis and names its keys.
#[derive(Debug, Clone, Args)]
pub struct RedisConfig {
    /// `redis://host:port[/db]`.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: String,
    /// Prepended to every key; isolates tests (or tenants) sharing a server.
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "orderflow:")]
    pub redis_key_prefix: String,
    /// How long to keep retrying the first connection while Redis starts, in seconds.
    #[arg(long, env = "REDIS_CONNECT_TIMEOUT_SECS", default_value_t = 30)]
    pub redis_connect_timeout_secs: u64,
}

impl RedisConfig {
    pub fn new(url: impl Into<String>, key_prefix: impl Into<String>) -> Self {
        Self {
            redis_url: url.into(),
            redis_key_prefix: key_prefix.into(),
            redis_connect_timeout_secs: 30,
        }
    }

    /// The physical name of a logical key.
    pub fn key(&self, logical: &str) -> String {
        format!("{}{logical}", self.redis_key_prefix)
    }
}

/// Why Redis could not be reached at start-up.
#[derive(Debug, thiserror::Error)]
pub enum RedisStartError {
    #[error("REDIS_URL is not a valid Redis URL: {0}")]
    InvalidUrl(#[source] ::redis::RedisError),
    #[error("Redis did not accept connections within {waited_secs} s: {source}")]
    Unreachable {
        waited_secs: u64,
        source: ::redis::RedisError,
    },
}

/// Connects, retrying while Redis starts (compose and Kubernetes start things in any order).
/// The manager reconnects by itself later; commands fail fast while Redis is away.
pub async fn connect(config: &RedisConfig) -> Result<ConnectionManager, RedisStartError> {
    let client =
        ::redis::Client::open(config.redis_url.as_str()).map_err(RedisStartError::InvalidUrl)?;
    let manager_config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)));
    let budget = Duration::from_secs(config.redis_connect_timeout_secs);
    retry_connect("Redis", budget, || {
        ConnectionManager::new_with_config(client.clone(), manager_config.clone())
    })
    .await
    .map_err(|gave_up| RedisStartError::Unreachable {
        waited_secs: gave_up.waited.as_secs(),
        source: gave_up.source,
    })
}

/// Readiness: Redis answers `PING`.
#[derive(Clone)]
pub struct RedisReadiness(pub ConnectionManager);

impl ReadinessCheck for RedisReadiness {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        let mut conn = self.0.clone();
        Box::pin(async move {
            ::redis::cmd("PING")
                .query_async::<String>(&mut conn)
                .await
                .map(drop)
                .map_err(|err| err.to_string())
        })
    }
}
