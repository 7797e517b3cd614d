//! The API gateway: the one entry point of the outside world.
//!
//! `/api/...` is forwarded to the service the route table names (`routes`), streamed both ways
//! (`proxy`, `upstream`), behind per-client rate limits (`rate_limit`) and, for
//! `/api/admin/...`, the admin token (`admin`). The runtime's [`ServiceApp`] adds correlation
//! ids, tracing, metrics, health and docs; the docs are the services' documents merged
//! (`openapi`). The web app's files are served beside the API (`web`).

pub mod admin;
pub mod config;
pub mod health;
pub mod openapi;
pub mod proxy;
pub mod rate_limit;
pub mod routes;
pub mod upstream;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::{any, get};
use orderflow_runtime::http::{CORRELATION_HEADER, ServiceApp};
use orderflow_runtime::service::Workers;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;

use crate::config::Config;
use crate::health::UpstreamChecks;
use crate::openapi::OpenApiMerger;
use crate::proxy::ProxyState;
use crate::rate_limit::RateLimit;
use crate::upstream::Upstreams;

/// Name used in logs, metrics and the OpenAPI document.
pub const SERVICE: &str = "gateway";

/// The gateway's own part of the merged document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "OrderFlow API",
        description = "Every OrderFlow service through the gateway: the services' paths under `/api`, admin routes under `/api/admin/{service}` (bearer token)."
    ),
    paths(health::upstreams),
    tags((name = "gateway", description = "The gateway itself"))
)]
struct GatewayDoc;

/// The HTTP application and the background work it needs.
pub struct Gateway {
    pub router: Router,
    /// Prunes the rate limiter's idle buckets.
    pub workers: Workers,
}

/// Builds the gateway from its configuration.
pub fn app(config: &Config) -> Gateway {
    let upstreams = Upstreams::new(config.upstreams.clone(), config.upstream_timeout());
    let rate_limit = RateLimit::new(config.rate_limit_per_second, config.rate_limit_burst);
    let proxy = ProxyState {
        upstreams: upstreams.clone(),
        admin_token: config.admin_token().map(Arc::from),
    };
    let api = Router::new()
        .route("/api", any(proxy::forward))
        .route("/api/", any(proxy::forward))
        .route("/api/{*rest}", any(proxy::forward))
        .with_state(proxy)
        .layer(axum::middleware::from_fn_with_state(
            rate_limit.clone(),
            rate_limit::limit,
        ))
        .route("/health/upstreams", get(health::upstreams))
        .with_state(UpstreamChecks::new(&upstreams))
        .merge(web::routes(config.web_dir.as_deref()));

    let document = GatewayDoc::openapi();
    let merger = OpenApiMerger::new(
        upstreams,
        serde_json::to_value(&document).unwrap_or_default(),
    );
    let router = ServiceApp::new(SERVICE, api, document, config.http.clone())
        .live_openapi(get(openapi::serve).with_state(merger))
        .into_router()
        .layer(cors(&config.cors_allowed_origins));
    let workers = Workers::new().task("rate limit pruning", |stop| rate_limit.prune(stop));
    Gateway { router, workers }
}

/// Lets the web app call the API from its origins, and read the headers it needs.
fn cors(origins: &[HeaderValue]) -> CorsLayer {
    let allow_origin = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().cloned())
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            CORRELATION_HEADER,
            HeaderName::from_static("traceparent"),
        ])
        .expose_headers([
            CORRELATION_HEADER,
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
        ])
        .max_age(std::time::Duration::from_secs(3600))
}
