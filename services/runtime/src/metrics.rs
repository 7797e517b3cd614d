//! The process-wide Prometheus recorder behind `/metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds, from a fast cache hit to a request about to time out.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Buckets for whole business processes (a saga from placed to confirmed or cancelled),
/// which take from milliseconds up to several step timeouts.
const PROCESS_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
];

/// The histogram measuring a process rather than a request; it gets [`PROCESS_BUCKETS`].
const PROCESS_METRIC: &str = "saga_duration_seconds";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder on first use and returns the handle that renders it.
///
/// Every series carries a `service` label. The first caller names the service; a process
/// runs one service, and tests that build several routers share one recorder.
pub fn handle(service: &'static str) -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .add_global_label("service", service)
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full(PROCESS_METRIC.to_owned()),
                        PROCESS_BUCKETS,
                    )
                });
            match builder {
                Ok(builder) => match builder.install_recorder() {
                    Ok(handle) => handle,
                    Err(err) => {
                        tracing::warn!(%err, "metrics recorder already installed; /metrics stays empty");
                        PrometheusBuilder::new().build_recorder().handle()
                    }
                },
                Err(err) => {
                    tracing::warn!(%err, "invalid metric buckets; /metrics stays empty");
                    PrometheusBuilder::new().build_recorder().handle()
                }
            }
        })
        .clone()
}
