//! Readiness checks: what `/health/ready` asks before saying the service can take traffic.

use std::time::Duration;

use serde::Serialize;

use crate::BoxFuture;

/// One dependency the service needs to do its work (the database, the broker, Redis).
pub trait ReadinessCheck: Send + Sync + 'static {
    /// Short name shown in the readiness report, e.g. `postgres`.
    fn name(&self) -> &'static str;
    /// Succeeds when the dependency answers; the error says what is wrong.
    fn check(&self) -> BoxFuture<'_, Result<(), String>>;
}

/// The state of one dependency in the readiness report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub name: &'static str,
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Runs every check concurrently, each bounded by `timeout` so a hung dependency reads as down.
pub async fn run_checks(
    checks: &[std::sync::Arc<dyn ReadinessCheck>],
    timeout: Duration,
) -> Vec<CheckReport> {
    let probes = checks.iter().map(|check| async move {
        let outcome = match tokio::time::timeout(timeout, check.check()).await {
            Ok(result) => result,
            Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
        };
        CheckReport {
            name: check.name(),
            ready: outcome.is_ok(),
            error: outcome.err(),
        }
    });
    futures::future::join_all(probes).await
}
