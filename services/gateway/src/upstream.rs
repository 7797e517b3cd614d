//! The HTTP client to the services: plain HTTP/1.1, bodies streamed both ways, and a bound on
//! the wait for response headers only, so an event stream may then run for as long as the
//! client stays.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use http_body_util::{BodyExt, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use orderflow_runtime::{AppError, Problem};

use crate::config::UpstreamUrls;
use crate::routes::Upstream;

/// Largest body [`Upstreams::fetch`] reads (OpenAPI documents, health reports).
const FETCH_LIMIT_BYTES: usize = 8 * 1024 * 1024;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a service gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Nothing accepted the connection: the service is down or not yet up (503).
    #[error("the {0} service is unavailable: {1}")]
    Unreachable(Upstream, #[source] BoxError),
    /// The service sent no response headers in time (504).
    #[error("the {0} service did not answer within {1:?}")]
    TimedOut(Upstream, Duration),
    /// The exchange broke after the connection was made (502).
    #[error("the {0} service failed the exchange: {1}")]
    Failed(Upstream, #[source] BoxError),
}

impl UpstreamError {
    /// Short label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unreachable(..) => "unreachable",
            Self::TimedOut(..) => "timeout",
            Self::Failed(..) => "failed",
        }
    }
}

impl IntoResponse for UpstreamError {
    fn into_response(self) -> axum::response::Response {
        match self {
            Self::Unreachable(upstream, _) => {
                AppError::Unavailable(format!("the {upstream} service is unavailable"))
                    .into_response()
            }
            Self::TimedOut(upstream, limit) => {
                tracing::warn!(%upstream, ?limit, "upstream timed out");
                Problem::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "upstream-timeout",
                    "Upstream timed out",
                )
                .with_detail(format!(
                    "the {upstream} service did not answer within {} ms",
                    limit.as_millis()
                ))
                .into_response()
            }
            Self::Failed(upstream, source) => {
                tracing::warn!(%upstream, error = %source, "upstream exchange failed");
                Problem::new(StatusCode::BAD_GATEWAY, "bad-gateway", "Bad gateway")
                    .with_detail(format!("the {upstream} service failed to answer"))
                    .into_response()
            }
        }
    }
}

/// The services' base URLs and one pooled client to reach them; cheap to clone.
#[derive(Clone)]
pub struct Upstreams {
    client: Client<HttpConnector, Body>,
    urls: Arc<UpstreamUrls>,
    timeout: Duration,
}

impl Upstreams {
    /// `timeout` bounds connecting plus the wait for response headers.
    pub fn new(urls: UpstreamUrls, timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(timeout));
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Self {
            client,
            urls: Arc::new(urls),
            timeout,
        }
    }

    /// The absolute URL of `path_and_query` (starting with `/`) on `upstream`.
    pub fn url(&self, upstream: Upstream, path_and_query: &str) -> Result<Uri, AppError> {
        let base = self.urls.get(upstream);
        let mut parts = base.clone().into_parts();
        let prefix = base.path().trim_end_matches('/');
        parts.path_and_query = Some(
            format!("{prefix}{path_and_query}")
                .parse()
                .map_err(|_| AppError::Malformed("the path cannot be forwarded".to_owned()))?,
        );
        Uri::from_parts(parts).map_err(AppError::internal)
    }

    /// Sends `request` (its URI already absolute) and resolves when the response headers
    /// arrive; the response body then streams from the service as it sends it.
    pub async fn send(
        &self,
        upstream: Upstream,
        request: Request<Body>,
    ) -> Result<Response<Body>, UpstreamError> {
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Err(_) => Err(UpstreamError::TimedOut(upstream, self.timeout)),
            Ok(Err(err)) if err.is_connect() => {
                Err(UpstreamError::Unreachable(upstream, Box::new(err)))
            }
            Ok(Err(err)) => Err(UpstreamError::Failed(upstream, Box::new(err))),
            Ok(Ok(response)) => Ok(response.map(Body::new)),
        }
    }

    /// `GET path` on `upstream`, body read whole: for the gateway's own small look-ups.
    pub async fn fetch(
        &self,
        upstream: Upstream,
        path: &str,
    ) -> Result<(StatusCode, Bytes), UpstreamError> {
        let url = self
            .url(upstream, path)
            .map_err(|err| UpstreamError::Failed(upstream, Box::new(err)))?;
        let mut request = Request::new(Body::empty());
        *request.method_mut() = Method::GET;
        *request.uri_mut() = url;
        let exchange = async {
            let response = self.send(upstream, request).await?;
            let status = response.status();
            let body = Limited::new(response.into_body(), FETCH_LIMIT_BYTES)
                .collect()
                .await
                .map_err(|err| UpstreamError::Failed(upstream, err))?;
            Ok((status, body.to_bytes()))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| UpstreamError::TimedOut(upstream, self.timeout))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstreams(base: &str) -> Upstreams {
        Upstreams::new(
            UpstreamUrls::all(&base.parse().unwrap()),
            Duration::from_secs(1),
        )
    }

    #[test]
    fn urls_join_the_base_and_the_service_path() {
        let plain = upstreams("http://order:8082");
        assert_eq!(
            plain
                .url(Upstream::Order, "/orders/1?x=2")
                .unwrap()
                .to_string(),
            "http://order:8082/orders/1?x=2"
        );
        let prefixed = upstreams("http://gw-test:80/order/");
        assert_eq!(
            prefixed
                .url(Upstream::Order, "/orders")
                .unwrap()
                .to_string(),
            "http://gw-test:80/order/orders"
        );
    }
}
