//! The customer service's configuration, read from the environment.

use clap::Parser;
use customer_domain::EmailChangePolicy;
use orderflow_runtime::config::{DatabaseConfig, HttpConfig};

#[derive(Debug, Clone, Parser)]
#[command(name = "customer-service", about = "OrderFlow customer service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Minimum number of days between two email changes of one customer.
    #[arg(long, env = "EMAIL_CHANGE_COOLDOWN_DAYS", default_value_t = 30)]
    pub email_change_cooldown_days: u32,
}

impl Config {
    /// Settings for tests: an ephemeral port and the given database.
    pub fn for_tests(database_url: &str) -> Self {
        Self {
            http: HttpConfig::ephemeral(),
            database: DatabaseConfig::new(database_url),
            email_change_cooldown_days: 30,
        }
    }

    pub fn email_change_policy(&self) -> EmailChangePolicy {
        EmailChangePolicy::new(chrono::Duration::days(i64::from(
            self.email_change_cooldown_days,
        )))
    }
}
