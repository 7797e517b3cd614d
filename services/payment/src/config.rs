//! The payment service's configuration, read from the environment.

use clap::Parser;
use orderflow_kernel::{Currency, Money};
use orderflow_runtime::config::{AdminConfig, DatabaseConfig, HttpConfig};
use orderflow_runtime::messaging::KafkaConfig;
use payment_domain::{PaymentError, PaymentPolicy};

#[derive(Debug, Clone, Parser)]
#[command(name = "payment-service", about = "OrderFlow payment service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(flatten)]
    pub kafka: KafkaConfig,
    #[command(flatten)]
    pub admin: AdminConfig,
    #[command(flatten)]
    pub rules: PaymentRules,
}

/// The simulated gateway's rules (see [`PaymentPolicy`]).
#[derive(Debug, Clone, clap::Args)]
pub struct PaymentRules {
    /// Most a customer may have charged and not refunded, in minor units of the currency.
    #[arg(long, env = "PAYMENT_LIMIT_MINOR", default_value_t = 100_000,
          value_parser = clap::value_parser!(i64).range(0..))]
    pub payment_limit_minor: i64,
    /// ISO 4217 currency of the limit; charges in another currency are declined.
    #[arg(long, env = "PAYMENT_LIMIT_CURRENCY", default_value = "EUR")]
    pub payment_limit_currency: Currency,
    /// Card token that is always declined, for demos and tests.
    #[arg(long, env = "PAYMENT_DECLINING_TOKEN", default_value = PaymentPolicy::DEFAULT_DECLINING_TOKEN,
          value_parser = non_blank)]
    pub payment_declining_token: String,
}

impl Default for PaymentRules {
    fn default() -> Self {
        let policy = PaymentPolicy::default();
        Self {
            payment_limit_minor: policy.per_customer_limit().amount_minor(),
            payment_limit_currency: policy.per_customer_limit().currency(),
            payment_declining_token: policy.declining_token().to_owned(),
        }
    }
}

/// A rule setting the parser let through but the domain refuses (only reachable when the
/// config is built in code); the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {source}")]
pub struct ConfigError {
    pub variable: &'static str,
    #[source]
    pub source: PaymentError,
}

impl PaymentRules {
    pub fn policy(&self) -> Result<PaymentPolicy, ConfigError> {
        let limit = Money::new(self.payment_limit_minor, self.payment_limit_currency);
        PaymentPolicy::new(limit, &self.payment_declining_token).map_err(|source| ConfigError {
            variable: match source {
                PaymentError::DecliningTokenRequired => "PAYMENT_DECLINING_TOKEN",
                _ => "PAYMENT_LIMIT_MINOR",
            },
            source,
        })
    }
}

fn non_blank(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        Err("must not be blank".to_owned())
    } else {
        Ok(value.to_owned())
    }
}

impl Config {
    /// Settings for tests: an ephemeral port, the given database and broker, default rules.
    pub fn for_tests(database_url: &str, kafka: KafkaConfig) -> Self {
        Self {
            http: HttpConfig::ephemeral(),
            database: DatabaseConfig::new(database_url),
            kafka,
            admin: AdminConfig::default(),
            rules: PaymentRules::default(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 5] = [
        "payment-service",
        "--http-addr",
        "127.0.0.1:8083",
        "--database-url",
        "postgres://x",
    ];

    fn parse(extra: &[&str]) -> Result<Config, String> {
        let args = REQUIRED
            .iter()
            .chain(["--kafka-bootstrap-servers", "127.0.0.1:9092"].iter())
            .chain(extra);
        Config::try_parse_from(args).map_err(|err| err.to_string())
    }

    #[test]
    fn defaults_are_the_documented_rules() {
        let config = parse(&[]).unwrap();
        let policy = config.rules.policy().unwrap();
        assert_eq!(policy, PaymentPolicy::default());
        assert_eq!(
            policy.per_customer_limit(),
            Money::new(100_000, Currency::EUR)
        );
        assert_eq!(policy.declining_token(), "tok_decline");
    }

    #[test]
    fn rules_are_configurable() {
        let config = parse(&[
            "--payment-limit-minor",
            "2500",
            "--payment-limit-currency",
            "CHF",
            "--payment-declining-token",
            " tok_nope ",
        ])
        .unwrap();
        let policy = config.rules.policy().unwrap();
        assert_eq!(policy.per_customer_limit(), Money::new(2500, Currency::CHF));
        assert_eq!(policy.declining_token(), "tok_nope");
    }

    #[test]
    fn bad_values_fail_naming_their_variable() {
        for (args, variable) in [
            (["--payment-limit-minor=-1"], "PAYMENT_LIMIT_MINOR"),
            (["--payment-limit-minor=lots"], "PAYMENT_LIMIT_MINOR"),
            (["--payment-limit-currency=EURO"], "PAYMENT_LIMIT_CURRENCY"),
            (["--payment-limit-currency=QQQ"], "PAYMENT_LIMIT_CURRENCY"),
            (["--payment-declining-token=  "], "PAYMENT_DECLINING_TOKEN"),
        ] {
            let err = parse(&args).err().unwrap_or_default();
            assert!(err.contains(variable), "{args:?}: {err}");
        }
    }

    #[test]
    fn rules_built_in_code_are_still_checked() {
        let rules = PaymentRules {
            payment_limit_minor: -5,
            ..PaymentRules::default()
        };
        assert_eq!(rules.policy().unwrap_err().variable, "PAYMENT_LIMIT_MINOR");
        let rules = PaymentRules {
            payment_declining_token: " ".to_owned(),
            ..PaymentRules::default()
        };
        assert_eq!(
            rules.policy().unwrap_err().variable,
            "PAYMENT_DECLINING_TOKEN"
        );
    }
}
