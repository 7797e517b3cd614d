//! Typed configuration read from environment variables.
//!
//! Each service derives [`clap::Parser`] for its own config and flattens the shared parts
//! below. clap reads every field from its named environment variable and stops start-up
//! with a message naming the variable when one is missing or invalid.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

/// How the service's HTTP listener behaves.
#[derive(Debug, Clone, Args)]
pub struct HttpConfig {
    /// Address the HTTP server binds.
    #[arg(long, env = "HTTP_ADDR")]
    pub http_addr: SocketAddr,
    /// Requests running longer than this are answered 408 (seconds).
    #[arg(long, env = "HTTP_REQUEST_TIMEOUT_SECS", default_value_t = 15)]
    pub request_timeout_secs: u64,
    /// Largest accepted request body (bytes).
    #[arg(long, env = "HTTP_BODY_LIMIT_BYTES", default_value_t = 256 * 1024)]
    pub body_limit_bytes: usize,
    /// How long in-flight requests may take to finish after SIGTERM (seconds).
    #[arg(long, env = "HTTP_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
}

impl HttpConfig {
    /// Settings for tests and tools: an ephemeral port and the defaults.
    pub fn ephemeral() -> Self {
        Self {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            request_timeout_secs: 15,
            body_limit_bytes: 256 * 1024,
            shutdown_grace_secs: 20,
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

/// How the service reaches its own PostgreSQL database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// PostgreSQL connection URL of the service's own database.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Upper bound of pooled connections.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
    /// How long start-up keeps retrying an unreachable database (seconds).
    #[arg(long, env = "DATABASE_CONNECT_TIMEOUT_SECS", default_value_t = 30)]
    pub database_connect_timeout_secs: u64,
}

impl DatabaseConfig {
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            database_max_connections: 10,
            database_connect_timeout_secs: 30,
        }
    }
}

/// Settings of the admin routes, off unless a token is configured.
#[derive(Debug, Clone, Default, Args)]
pub struct AdminConfig {
    /// Bearer token the `/admin/...` routes require; unset disables them.
    #[arg(long, env = "ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// The faults `/admin/faults` sets and the service's consumers suffer. Not read from the
    /// environment: carried here so that the HTTP app and the consumers built from one
    /// configuration (or its clones) share the same settings.
    #[arg(skip)]
    pub faults: crate::faults::Faults,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Config {
        #[command(flatten)]
        http: HttpConfig,
        #[command(flatten)]
        db: DatabaseConfig,
    }

    #[test]
    fn clones_of_the_admin_config_share_the_faults() {
        let config = AdminConfig::default();
        let clone = config.clone();
        let change = crate::faults::FaultChange {
            fail_next_transient: Some(2),
            ..Default::default()
        };
        assert!(config.faults.apply(&change).is_ok());
        assert_eq!(clone.faults.current().fail_next_transient, 2);
    }

    #[test]
    fn a_missing_variable_is_named_in_the_error() {
        let err = Config::try_parse_from(["svc", "--http-addr", "127.0.0.1:1"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("DATABASE_URL"), "{err}");
    }

    #[test]
    fn an_invalid_value_is_named_in_the_error() {
        let err = Config::try_parse_from([
            "svc",
            "--http-addr",
            "not-an-address",
            "--database-url",
            "postgres://x",
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            err.contains("HTTP_ADDR") && err.contains("not-an-address"),
            "{err}"
        );
    }

    #[test]
    fn defaults_apply_when_optional_variables_are_unset() {
        let config = Config::try_parse_from([
            "svc",
            "--http-addr",
            "127.0.0.1:8081",
            "--database-url",
            "postgres://x",
        ]);
        assert!(
            matches!(config, Ok(c) if c.http.request_timeout_secs == 15 && c.db.database_max_connections == 10)
        );
    }
}
