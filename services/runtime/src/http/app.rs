//! The router builder every service uses, and the server loop with graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Router, middleware};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_scalar::{Scalar, Servable};

use super::correlation::{CORRELATION_HEADER, MakeCorrelationId};
use super::observe;
use crate::AppError;
use crate::config::HttpConfig;
use crate::health::{ReadinessCheck, run_checks};

/// How long one readiness probe may take before its dependency counts as down.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

/// The Scalar page for a live document: it loads `/openapi.json` in the browser instead of
/// embedding a copy taken when the router was built.
const LIVE_DOCS_HTML: &str = r#"<!doctype html>
<html>
<head>
    <title>$title</title>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
</head>
<body>
<script id="api-reference" data-url="/openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
</body>
</html>
"#;

/// The security scheme admin operations name: `Authorization: Bearer <ADMIN_TOKEN>`.
const ADMIN_SECURITY_SCHEME: &str = "adminToken";

/// A service's HTTP surface: its API plus the operational endpoints every service has.
pub struct ServiceApp {
    service: &'static str,
    api: Router,
    openapi: OpenApi,
    live_openapi: Option<MethodRouter>,
    checks: Vec<Arc<dyn ReadinessCheck>>,
    admin: Option<Router>,
    http: HttpConfig,
}

#[derive(Clone)]
struct Ops {
    checks: Arc<[Arc<dyn ReadinessCheck>]>,
    metrics: PrometheusHandle,
}

impl ServiceApp {
    pub fn new(service: &'static str, api: Router, openapi: OpenApi, http: HttpConfig) -> Self {
        Self {
            service,
            api,
            openapi,
            live_openapi: None,
            checks: Vec::new(),
            admin: None,
            http,
        }
    }

    /// Adds a dependency that `/health/ready` must find answering.
    pub fn readiness(mut self, check: impl ReadinessCheck) -> Self {
        self.checks.push(Arc::new(check));
        self
    }

    /// Mounts `/admin/...` routes, guarded by the bearer `token`, and documents them under the
    /// `adminToken` security scheme; without a token they stay off and undocumented.
    pub fn admin(mut self, routes: OpenApiRouter, token: Option<&str>) -> Self {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            self.admin = None;
            return self;
        };
        let (routes, document) = routes.split_for_parts();
        self.openapi.merge(document);
        self.openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                ADMIN_SECURITY_SCHEME,
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        self.admin = Some(super::admin::protect(routes, token.to_owned()));
        self
    }

    /// Serves `/openapi.json` with `route` instead of the fixed document given to `new`, and
    /// lets `/docs` load it from there: for a document known only at run time, like the
    /// gateway's merge of its upstreams' documents.
    pub fn live_openapi(mut self, route: MethodRouter) -> Self {
        self.live_openapi = Some(route);
        self
    }

    /// The complete router: API, `/health/live`, `/health/ready`, `/metrics`, `/openapi.json`,
    /// `/docs`, a problem+json fallback, and the middleware stack.
    pub fn into_router(self) -> Router {
        let ops = Ops {
            checks: self.checks.into(),
            metrics: crate::metrics::handle(self.service),
        };
        let (docs, openapi_route): (Router, MethodRouter) = match self.live_openapi {
            Some(route) => (
                Scalar::with_url("/docs", serde_json::Value::Null)
                    .custom_html(LIVE_DOCS_HTML)
                    .into(),
                route,
            ),
            None => {
                let docs = Scalar::with_url("/docs", self.openapi.clone()).into();
                let openapi = Arc::new(self.openapi);
                (
                    docs,
                    get(move || async move { axum::Json(openapi.as_ref().clone()) }),
                )
            }
        };
        let service = self.service;
        let operational = Router::new()
            .route(
                "/health/live",
                get(move || async move {
                    axum::Json(serde_json::json!({"status": "up", "service": service}))
                }),
            )
            .route("/health/ready", get(ready))
            .route("/metrics", get(render_metrics))
            .with_state(ops)
            .route("/openapi.json", openapi_route);

        self.api
            .merge(self.admin.unwrap_or_default())
            .merge(operational)
            .merge(docs)
            .fallback(|| async { AppError::NotFound("no such route".to_owned()) })
            .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
            .layer(DefaultBodyLimit::max(self.http.body_limit_bytes))
            .layer(middleware::from_fn_with_state(
                self.http.request_timeout(),
                observe::time_out,
            ))
            .layer(middleware::from_fn(observe::record_metrics))
            .layer(middleware::from_fn(observe::complete_problems))
            .layer(TraceLayer::new_for_http().make_span_with(observe::request_span))
            .layer(PropagateRequestIdLayer::new(CORRELATION_HEADER))
            .layer(SetRequestIdLayer::new(
                CORRELATION_HEADER,
                MakeCorrelationId,
            ))
    }
}

async fn ready(State(ops): State<Ops>) -> Response {
    let reports = run_checks(&ops.checks, READINESS_TIMEOUT).await;
    let ready = reports.iter().all(|report| report.ready);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({ "status": if ready { "ready" } else { "not-ready" }, "checks": reports });
    (status, axum::Json(body)).into_response()
}

async fn render_metrics(State(ops): State<Ops>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        ops.metrics.render(),
    )
        .into_response()
}

/// Serves `router` on `listener` until SIGINT/SIGTERM, then drains in-flight requests for at
/// most `grace` before giving up on them. Handlers may extract the peer's
/// `ConnectInfo<SocketAddr>` (the gateway limits rates per client address).
pub async fn serve(listener: TcpListener, router: Router, grace: Duration) -> std::io::Result<()> {
    let (drain_started_tx, drain_started_rx) = tokio::sync::oneshot::channel::<()>();
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        super::shutdown_signal().await;
        let _ = drain_started_tx.send(());
    });
    let deadline = async move {
        if drain_started_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!(grace_secs = grace.as_secs(), "in-flight requests did not finish in time");
            Ok(())
        }
    }
}
