//! The inventory service's configuration, read from the environment.

use clap::Parser;
use orderflow_runtime::config::{AdminConfig, DatabaseConfig, HttpConfig};
use orderflow_runtime::messaging::KafkaConfig;

#[derive(Debug, Clone, Parser)]
#[command(name = "inventory-service", about = "OrderFlow inventory service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(flatten)]
    pub kafka: KafkaConfig,
    #[command(flatten)]
    pub admin: AdminConfig,
}

impl Config {
    /// Settings for tests: an ephemeral port, the given database and broker.
    pub fn for_tests(database_url: &str, kafka: KafkaConfig) -> Self {
        Self {
            http: HttpConfig::ephemeral(),
            database: DatabaseConfig::new(database_url),
            kafka,
            admin: AdminConfig::default(),
        }
    }
}
