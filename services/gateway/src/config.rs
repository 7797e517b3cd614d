//! The gateway's configuration, read from the environment.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use axum::http::uri::Scheme;
use axum::http::{HeaderValue, Uri};
use clap::{Args, Parser};
use orderflow_runtime::config::{AdminConfig, HttpConfig};

use crate::routes::Upstream;

/// Where the web app's Vite dev server runs.
const DEV_SERVER_ORIGIN: &str = "http://localhost:5173";

#[derive(Debug, Clone, Parser)]
#[command(name = "gateway-service", about = "OrderFlow API gateway")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub admin: AdminConfig,
    #[command(flatten)]
    pub upstreams: UpstreamUrls,
    /// Directory of the built web app, served at `/` with a fallback to `index.html`.
    #[arg(long, env = "WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// Origins the browser may call the API from (comma-separated; `*` for any).
    #[arg(
        long,
        env = "CORS_ALLOWED_ORIGINS",
        value_delimiter = ',',
        default_value = DEV_SERVER_ORIGIN
    )]
    pub cors_allowed_origins: Vec<HeaderValue>,
    /// Requests per second each client address may sustain on `/api`.
    #[arg(long, env = "RATE_LIMIT_PER_SECOND", default_value = "50")]
    pub rate_limit_per_second: NonZeroU32,
    /// Requests a client address may send at once before the per-second rate applies.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value = "100")]
    pub rate_limit_burst: NonZeroU32,
    /// How long a service may take to send its response headers (seconds); a stream may then
    /// run on. Keep it below HTTP_REQUEST_TIMEOUT_SECS, which bounds the same wait overall.
    #[arg(long, env = "UPSTREAM_TIMEOUT_SECS", default_value_t = 10)]
    pub upstream_timeout_secs: u64,
}

/// Base URLs of the services, plain `http` inside the cluster; defaults are the local ports.
#[derive(Debug, Clone, Args)]
pub struct UpstreamUrls {
    #[arg(long, env = "CUSTOMER_URL", default_value = "http://127.0.0.1:8081", value_parser = upstream_url)]
    pub customer_url: Uri,
    #[arg(long, env = "ORDER_URL", default_value = "http://127.0.0.1:8082", value_parser = upstream_url)]
    pub order_url: Uri,
    #[arg(long, env = "PAYMENT_URL", default_value = "http://127.0.0.1:8083", value_parser = upstream_url)]
    pub payment_url: Uri,
    #[arg(long, env = "INVENTORY_URL", default_value = "http://127.0.0.1:8084", value_parser = upstream_url)]
    pub inventory_url: Uri,
    #[arg(long, env = "NOTIFICATION_URL", default_value = "http://127.0.0.1:8085", value_parser = upstream_url)]
    pub notification_url: Uri,
}

impl UpstreamUrls {
    /// Every upstream at the same base URL: for tests with one server standing in for all.
    pub fn all(base: &Uri) -> Self {
        Self {
            customer_url: base.clone(),
            order_url: base.clone(),
            payment_url: base.clone(),
            inventory_url: base.clone(),
            notification_url: base.clone(),
        }
    }

    pub fn get(&self, upstream: Upstream) -> &Uri {
        match upstream {
            Upstream::Customer => &self.customer_url,
            Upstream::Order => &self.order_url,
            Upstream::Payment => &self.payment_url,
            Upstream::Inventory => &self.inventory_url,
            Upstream::Notification => &self.notification_url,
        }
    }

    pub fn get_mut(&mut self, upstream: Upstream) -> &mut Uri {
        match upstream {
            Upstream::Customer => &mut self.customer_url,
            Upstream::Order => &mut self.order_url,
            Upstream::Payment => &mut self.payment_url,
            Upstream::Inventory => &mut self.inventory_url,
            Upstream::Notification => &mut self.notification_url,
        }
    }
}

/// An absolute `http://host[:port][/base]` URL without query; TLS is not spoken upstream.
fn upstream_url(value: &str) -> Result<Uri, String> {
    let uri: Uri = value.parse().map_err(|err| format!("not a URL: {err}"))?;
    if uri.scheme() != Some(&Scheme::HTTP) || uri.authority().is_none() {
        return Err("expected http://host:port".to_owned());
    }
    if uri.query().is_some() {
        return Err("a base URL takes no query".to_owned());
    }
    Ok(uri)
}

impl Config {
    /// Settings for tests: an ephemeral port, every upstream at `base`, the defaults otherwise.
    pub fn for_tests(base: &Uri) -> Self {
        Self {
            http: HttpConfig::ephemeral(),
            admin: AdminConfig::default(),
            upstreams: UpstreamUrls::all(base),
            web_dir: None,
            cors_allowed_origins: vec![HeaderValue::from_static(DEV_SERVER_ORIGIN)],
            rate_limit_per_second: NonZeroU32::new(50).unwrap_or(NonZeroU32::MIN),
            rate_limit_burst: NonZeroU32::new(100).unwrap_or(NonZeroU32::MIN),
            upstream_timeout_secs: 10,
        }
    }

    pub fn upstream_timeout(&self) -> Duration {
        Duration::from_secs(self.upstream_timeout_secs)
    }

    /// The admin token, unless admin routes are off (unset or empty).
    pub fn admin_token(&self) -> Option<&str> {
        self.admin.admin_token.as_deref().filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        Config::try_parse_from(["gateway", "--http-addr", "127.0.0.1:0"].iter().chain(args))
            .map_err(|err| err.to_string())
    }

    #[test]
    fn defaults_point_at_the_local_ports_and_allow_the_dev_server() {
        let config = parse(&[]).unwrap();
        assert_eq!(
            config.upstreams.get(Upstream::Order).to_string(),
            "http://127.0.0.1:8082/"
        );
        assert_eq!(config.cors_allowed_origins, ["http://localhost:5173"]);
        assert_eq!(config.rate_limit_per_second.get(), 50);
        assert_eq!(config.rate_limit_burst.get(), 100);
        assert_eq!(config.upstream_timeout(), Duration::from_secs(10));
        assert_eq!(config.admin_token(), None);
    }

    #[test]
    fn origins_are_comma_separated() {
        let config = parse(&[
            "--cors-allowed-origins",
            "https://a.example,https://b.example",
        ]);
        assert!(
            matches!(config, Ok(c) if c.cors_allowed_origins == ["https://a.example", "https://b.example"])
        );
    }

    #[test]
    fn upstream_urls_must_be_plain_http() {
        for bad in [
            "https://customer:8081",
            "customer:8081",
            "http://customer:8081/?x=1",
        ] {
            let err = parse(&["--customer-url", bad]).err().unwrap_or_default();
            assert!(err.contains("CUSTOMER_URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_zero_rate_is_refused() {
        let err = parse(&["--rate-limit-burst", "0"])
            .err()
            .unwrap_or_default();
        assert!(err.contains("RATE_LIMIT_BURST"), "{err}");
    }
}
