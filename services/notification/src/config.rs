//! The notification service's configuration, read from the environment.

use std::time::Duration;

use clap::Parser;
use orderflow_runtime::config::{AdminConfig, HttpConfig};
use orderflow_runtime::messaging::KafkaConfig;
use orderflow_runtime::redis::RedisConfig;

use crate::infrastructure::SmtpConfigError;

/// The sender of mails unless `SMTP_FROM` says otherwise.
pub const DEFAULT_FROM: &str = "OrderFlow <no-reply@orderflow.local>";

#[derive(Debug, Clone, Parser)]
#[command(
    name = "notification-service",
    about = "OrderFlow notification service"
)]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub redis: RedisConfig,
    #[command(flatten)]
    pub kafka: KafkaConfig,
    #[command(flatten)]
    pub admin: AdminConfig,
    #[command(flatten)]
    pub delivery: DeliveryConfig,
    /// Notifications kept per customer (older ones are dropped), 1 to 1000.
    #[arg(long, env = "NOTIFICATION_HISTORY_LIMIT", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub notification_history_limit: u32,
    /// How long a handled event id is remembered, so a redelivery does not notify twice
    /// (seconds, default 7 days). It must outlast the retry tiers, hence at least an hour.
    #[arg(long, env = "NOTIFICATION_DEDUP_TTL_SECS", default_value_t = 7 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(3600..))]
    pub notification_dedup_ttl_secs: u64,
}

/// How notifications reach customers.
#[derive(Debug, Clone, clap::Args)]
pub struct DeliveryConfig {
    /// `log` writes each notification to the service's log; `smtp` mails it.
    #[arg(long, env = "NOTIFICATION_CHANNEL", value_enum,
          default_value_t = ChannelKind::Log)]
    pub notification_channel: ChannelKind,
    /// `smtp://[user:password@]host[:port]`, e.g. smtp://mailpit:1025; required for `smtp`.
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Sender mailbox of the mails.
    #[arg(long, env = "SMTP_FROM", default_value = DEFAULT_FROM)]
    pub smtp_from: String,
}

/// The delivery channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChannelKind {
    Log,
    Smtp,
}

/// Settings the parser let through that cannot work together; the message names them.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("NOTIFICATION_CHANNEL=smtp needs SMTP_URL (e.g. smtp://mailpit:1025)")]
    SmtpUrlRequired,
    #[error(transparent)]
    Smtp(#[from] SmtpConfigError),
}

impl Config {
    /// Settings for tests: an ephemeral port, the given Redis and broker, the log channel.
    pub fn for_tests(redis: RedisConfig, kafka: KafkaConfig) -> Self {
        Self {
            http: HttpConfig::ephemeral(),
            redis,
            kafka,
            admin: AdminConfig::default(),
            delivery: DeliveryConfig {
                notification_channel: ChannelKind::Log,
                smtp_url: None,
                smtp_from: DEFAULT_FROM.to_owned(),
            },
            notification_history_limit: 50,
            notification_dedup_ttl_secs: 7 * 24 * 3600,
        }
    }

    pub fn dedup_ttl(&self) -> Duration {
        Duration::from_secs(self.notification_dedup_ttl_secs)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 7] = [
        "notification-service",
        "--http-addr",
        "127.0.0.1:8085",
        "--redis-url",
        "redis://127.0.0.1:6379",
        "--kafka-bootstrap-servers",
        "127.0.0.1:9092",
    ];

    fn parse(extra: &[&str]) -> Result<Config, String> {
        Config::try_parse_from(REQUIRED.iter().chain(extra)).map_err(|err| err.to_string())
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.delivery.notification_channel, ChannelKind::Log);
        assert_eq!(config.delivery.smtp_url, None);
        assert_eq!(config.delivery.smtp_from, DEFAULT_FROM);
        assert_eq!(config.notification_history_limit, 50);
        assert_eq!(config.dedup_ttl(), Duration::from_secs(604_800));
        assert_eq!(config.redis.redis_key_prefix, "orderflow:");
    }

    #[test]
    fn the_smtp_channel_is_configurable() {
        let config = parse(&[
            "--notification-channel",
            "smtp",
            "--smtp-url",
            "smtp://mailpit:1025",
            "--smtp-from",
            "Shop <shop@example.com>",
            "--notification-history-limit",
            "5",
        ])
        .unwrap();
        assert_eq!(config.delivery.notification_channel, ChannelKind::Smtp);
        assert_eq!(
            config.delivery.smtp_url.as_deref(),
            Some("smtp://mailpit:1025")
        );
        assert_eq!(config.notification_history_limit, 5);
    }

    #[test]
    fn bad_values_fail_naming_their_variable() {
        for (args, variable) in [
            (["--notification-channel=sms"], "NOTIFICATION_CHANNEL"),
            (
                ["--notification-history-limit=0"],
                "NOTIFICATION_HISTORY_LIMIT",
            ),
            (
                ["--notification-history-limit=lots"],
                "NOTIFICATION_HISTORY_LIMIT",
            ),
            (
                ["--notification-dedup-ttl-secs=60"],
                "NOTIFICATION_DEDUP_TTL_SECS",
            ),
        ] {
            let err = parse(&args).err().unwrap_or_default();
            assert!(err.contains(variable), "{args:?}: {err}");
        }
        let err = Config::try_parse_from(["notification-service", "--http-addr", "127.0.0.1:1"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("REDIS_URL"), "{err}");
    }
}
