//! The inventory service's configuration, read from the environment.

use clap::Parser;
use clap::builder::BoolishValueParser;
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
    /// Load the demo catalogue at start-up; SKUs already in the catalogue are skipped.
    #[arg(long = "seed", env = "SEED_CATALOGUE", value_parser = BoolishValueParser::new())]
    pub seed: bool,
}

impl Config {
    /// Settings for tests: an ephemeral port, the given database and broker.
    pub fn for_tests(database_url: &str, kafka: KafkaConfig) -> Self {
        Self {
            http: HttpConfig::ephemeral(),
            database: DatabaseConfig::new(database_url),
            kafka,
            admin: AdminConfig::default(),
            seed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 7] = [
        "inventory-service",
        "--http-addr",
        "127.0.0.1:8084",
        "--database-url",
        "postgres://x",
        "--kafka-bootstrap-servers",
        "127.0.0.1:9092",
    ];

    #[test]
    fn seeding_is_off_unless_asked_for() {
        let config = Config::try_parse_from(REQUIRED);
        assert!(matches!(config, Ok(c) if !c.seed));
        let config = Config::try_parse_from(REQUIRED.iter().chain(&["--seed"]));
        assert!(matches!(config, Ok(c) if c.seed));
    }
}
