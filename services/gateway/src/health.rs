//! `GET /health/upstreams`: how each service's own readiness probe answers. The gateway's
//! `/health/ready` stays independent of it, so one service being down never takes the
//! gateway out of rotation.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use orderflow_runtime::BoxFuture;
use orderflow_runtime::health::{CheckReport, ReadinessCheck, run_checks};
use serde::Serialize;
use utoipa::ToSchema;

use crate::routes::Upstream;
use crate::upstream::Upstreams;

/// How long one service's readiness probe may take before it counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Asks one service's `/health/ready`.
struct UpstreamReady {
    upstreams: Upstreams,
    upstream: Upstream,
}

impl ReadinessCheck for UpstreamReady {
    fn name(&self) -> &'static str {
        self.upstream.name()
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let (status, _) = self
                .upstreams
                .fetch(self.upstream, "/health/ready")
                .await
                .map_err(|err| err.to_string())?;
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("/health/ready answered {status}"))
            }
        })
    }
}

/// The probes of every service.
#[derive(Clone)]
pub struct UpstreamChecks(Arc<[Arc<dyn ReadinessCheck>]>);

impl UpstreamChecks {
    pub fn new(upstreams: &Upstreams) -> Self {
        Self(
            Upstream::ALL
                .into_iter()
                .map(|upstream| {
                    Arc::new(UpstreamReady {
                        upstreams: upstreams.clone(),
                        upstream,
                    }) as Arc<dyn ReadinessCheck>
                })
                .collect(),
        )
    }
}

/// The readiness of every service behind the gateway.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpstreamsReport {
    /// `up` when every service is ready, else `degraded`.
    pub status: &'static str,
    /// One entry per service: `name`, `ready`, and `error` when it is not.
    #[schema(value_type = Vec<Object>)]
    pub upstreams: Vec<CheckReport>,
}

/// Reports each service's readiness; always 200, since the gateway itself is fine.
#[utoipa::path(
    get,
    path = "/health/upstreams",
    tag = "gateway",
    responses((status = 200, description = "Readiness of every service", body = UpstreamsReport))
)]
pub async fn upstreams(State(checks): State<UpstreamChecks>) -> Json<UpstreamsReport> {
    let reports = run_checks(&checks.0, PROBE_TIMEOUT).await;
    let status = if reports.iter().all(|report| report.ready) {
        "up"
    } else {
        "degraded"
    };
    Json(UpstreamsReport {
        status,
        upstreams: reports,
    })
}
