//! The customer service's configuration, read from the environment.

use clap::Parser;
use customer_domain::EmailChangePolicy;
use orderflow_runtime::config::{AdminConfig, DatabaseConfig, HttpConfig};
use orderflow_runtime::messaging::KafkaConfig;

#[derive(Debug, Clone, Parser)]
#[command(name = "customer-service", about = "OrderFlow customer service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(flatten)]
    pub kafka: KafkaConfig,
    #[command(flatten)]
    pub admin: AdminConfig,
    /// Minimum number of days between two email changes of one customer.
    #[arg(long, env = "EMAIL_CHANGE_COOLDOWN_DAYS", default_value_t = 30)]
    pub email_change_cooldown_days: u32,
}

impl Config {
    /// Settings for tests: an ephemeral port, the given database and broker.
    pub fn for_tests(database_url: &str, kafka: KafkaConfig) -> Self {
        Self {
            http: HttpConfig::ephemeral(),
            database: DatabaseConfig::new(database_url),
            kafka,
            admin: AdminConfig::default(),
            email_change_cooldown_days: 30,
        }
    }

    pub fn email_change_policy(&self) -> EmailChangePolicy {
        EmailChangePolicy::new(chrono::Duration::days(i64::from(
            self.email_change_cooldown_days,
        )))
    }
}
