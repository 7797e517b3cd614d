//! The order service's configuration, read from the environment.

use std::time::Duration;

use clap::Parser;
use orderflow_runtime::config::{AdminConfig, DatabaseConfig, HttpConfig};
use orderflow_runtime::messaging::KafkaConfig;

#[derive(Debug, Clone, Parser)]
#[command(name = "order-service", about = "OrderFlow order service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(flatten)]
    pub kafka: KafkaConfig,
    #[command(flatten)]
    pub admin: AdminConfig,
    /// How long each saga step may wait for its reply before the sweeper compensates (seconds).
    #[arg(long, env = "SAGA_STEP_TIMEOUT_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub saga_step_timeout_secs: u64,
    /// How often the sweeper looks for sagas past their deadline (milliseconds).
    #[arg(long, env = "SAGA_SWEEP_INTERVAL_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(10..))]
    pub saga_sweep_interval_ms: u64,
    /// Most sagas one sweep handles, each in its own transaction.
    #[arg(long, env = "SAGA_SWEEP_BATCH", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub saga_sweep_batch: u64,
}

impl Config {
    /// Settings for tests: an ephemeral port, the given database and broker.
    pub fn for_tests(database_url: &str, kafka: KafkaConfig) -> Self {
        Self {
            http: HttpConfig::ephemeral(),
            database: DatabaseConfig::new(database_url),
            kafka,
            admin: AdminConfig::default(),
            saga_step_timeout_secs: 30,
            saga_sweep_interval_ms: 1000,
            saga_sweep_batch: 100,
        }
    }

    pub fn step_timeout(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.saga_step_timeout_secs).unwrap_or(i64::MAX))
    }

    pub fn sweep_interval(&self) -> Duration {
        Duration::from_millis(self.saga_sweep_interval_ms)
    }

    pub fn sweep_batch(&self) -> usize {
        usize::try_from(self.saga_sweep_batch).unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 7] = [
        "order-service",
        "--http-addr",
        "127.0.0.1:8082",
        "--database-url",
        "postgres://x",
        "--kafka-bootstrap-servers",
        "localhost:9092",
    ];

    #[test]
    fn saga_settings_default_to_thirty_seconds_and_one_second_sweeps() {
        let config = Config::try_parse_from(REQUIRED).unwrap();
        assert_eq!(config.step_timeout(), chrono::Duration::seconds(30));
        assert_eq!(config.sweep_interval(), Duration::from_millis(1000));
        assert_eq!(config.sweep_batch(), 100);
    }

    #[test]
    fn a_zero_step_timeout_is_refused_naming_the_variable() {
        let args = REQUIRED
            .into_iter()
            .chain(["--saga-step-timeout-secs", "0"]);
        let err = Config::try_parse_from(args).err().unwrap().to_string();
        assert!(err.contains("SAGA_STEP_TIMEOUT_SECS"), "{err}");
    }
}
