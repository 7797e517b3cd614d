//! The reconciler: validate → build the desired objects (pure) → apply → compute the status.
//!
//! A spec that cannot be reconciled is reported (Degraded, naming the field) and retried
//! slowly instead of failing the reconcile, so an invalid platform never hot-loops. Only
//! API failures become [`Error`]s, which [`error_policy`] retries with a backoff.

mod apply;
mod metrics;
mod status;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Recorder, Reporter};
use kube::{Client, ResourceExt};

use crate::OrderFlowPlatform;
use crate::build::{
    self, BuildContext, ExistingSecrets, MANAGED_BY, platform_selector, random_token,
};
use crate::crd::validate;

pub use metrics::Metrics;

use status::{Outcome, StatusWriter};

/// How soon a platform is looked at again, by what its last reconcile found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requeue {
    /// Every component ready: a periodic resync (owned objects' watches do the rest).
    pub ready: Duration,
    /// Some component, or a service's dependency, is not ready yet.
    pub progressing: Duration,
    /// The spec cannot be reconciled, or the platform is paused: a slow retry.
    pub blocked: Duration,
    /// First retry after an API error; doubled on every consecutive failure.
    pub error_base: Duration,
    /// Longest retry after an API error.
    pub error_max: Duration,
}

impl Default for Requeue {
    fn default() -> Self {
        Self {
            ready: Duration::from_secs(300),
            progressing: Duration::from_secs(10),
            blocked: Duration::from_secs(120),
            error_base: Duration::from_secs(1),
            error_max: Duration::from_secs(300),
        }
    }
}

/// What every reconcile shares.
pub struct Context {
    pub client: Client,
    /// The operator's own namespace, allowed through the NetworkPolicies.
    pub operator_namespace: String,
    pub requeue: Requeue,
    pub metrics: Metrics,
    recorder: Recorder,
    /// Consecutive failures per platform (`namespace/name`), for the error backoff.
    failures: Mutex<HashMap<String, u32>>,
}

impl Context {
    pub fn new(client: Client, operator_namespace: impl Into<String>, requeue: Requeue) -> Self {
        let reporter = Reporter {
            controller: MANAGED_BY.to_owned(),
            instance: std::env::var("POD_NAME").ok(),
        };
        Self {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            operator_namespace: operator_namespace.into(),
            requeue,
            metrics: Metrics::default(),
            failures: Mutex::default(),
        }
    }

    /// Counts a failure of `key` and returns how many in a row there were.
    fn failed(&self, key: String) -> u32 {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let count = failures.entry(key).or_default();
        *count = count.saturating_add(1);
        *count
    }

    fn succeeded(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

/// A reconcile that failed on the API; retried by [`error_policy`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the platform has no metadata.namespace")]
    NoNamespace,
    #[error("cannot {action} {kind} {name}")]
    Api {
        action: &'static str,
        kind: &'static str,
        name: String,
        #[source]
        source: kube::Error,
    },
}

impl Error {
    pub(crate) fn api(
        action: &'static str,
        kind: &'static str,
        name: impl Into<String>,
    ) -> impl FnOnce(kube::Error) -> Self {
        let name = name.into();
        move |source| Self::Api {
            action,
            kind,
            name,
            source,
        }
    }
}

fn key(platform: &OrderFlowPlatform) -> String {
    format!(
        "{}/{}",
        platform.namespace().unwrap_or_default(),
        platform.name_any()
    )
}

/// Brings the cluster to `platform`'s spec and reports how far it got in its status.
pub async fn reconcile(
    platform: Arc<OrderFlowPlatform>,
    ctx: Arc<Context>,
) -> Result<Action, Error> {
    let started = Instant::now();
    let result = reconcile_platform(&platform, &ctx).await;
    ctx.metrics.record(started.elapsed(), result.is_err());
    if result.is_ok() {
        ctx.succeeded(&key(&platform));
    }
    result
}

async fn reconcile_platform(platform: &OrderFlowPlatform, ctx: &Context) -> Result<Action, Error> {
    let namespace = platform.namespace().ok_or(Error::NoNamespace)?;
    let writer = StatusWriter::new(&ctx.client, &ctx.recorder, platform, &namespace);
    if platform.spec.paused {
        writer.write(Outcome::Paused).await?;
        return Ok(Action::requeue(ctx.requeue.blocked));
    }
    if let Err(errors) = validate(&platform.spec) {
        let message = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        writer.write(Outcome::Invalid(message)).await?;
        return Ok(Action::requeue(ctx.requeue.blocked));
    }
    let existing = existing_secrets(&ctx.client, platform, &namespace).await?;
    let build_context = BuildContext {
        operator_namespace: &ctx.operator_namespace,
        existing_secrets: &existing,
    };
    let desired = match build::desired_objects(platform, &build_context, &mut random_token) {
        Ok(desired) => desired,
        Err(error) => {
            writer.write(Outcome::Invalid(error.to_string())).await?;
            return Ok(Action::requeue(ctx.requeue.blocked));
        }
    };
    let applied = apply::apply_all(&ctx.client, &namespace, &desired).await?;
    apply::prune(&ctx.client, platform, &namespace, &desired).await?;
    let report = status::Report::new(platform, &desired, &applied);
    let ready = report.is_ready();
    writer.write(Outcome::Applied(report)).await?;
    Ok(Action::requeue(if ready {
        ctx.requeue.ready
    } else {
        ctx.requeue.progressing
    }))
}

/// The generated credentials the platform already has, so that they are never rotated.
async fn existing_secrets(
    client: &Client,
    platform: &OrderFlowPlatform,
    namespace: &str,
) -> Result<ExistingSecrets, Error> {
    let params = ListParams::default().labels(&platform_selector(&platform.name_any()));
    let secrets = Api::<Secret>::namespaced(client.clone(), namespace)
        .list(&params)
        .await
        .map_err(Error::api("list", "Secret", platform.name_any()))?;
    Ok(ExistingSecrets::from_secrets(&secrets.items))
}

/// Retries a failed reconcile after a delay that doubles with each consecutive failure.
pub fn error_policy(platform: Arc<OrderFlowPlatform>, error: &Error, ctx: Arc<Context>) -> Action {
    let failures = ctx.failed(key(&platform));
    tracing::warn!(platform = %key(&platform), failures, error = %error_chain(error), "reconcile failed");
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    let delay = ctx
        .requeue
        .error_base
        .saturating_mul(factor)
        .min(ctx.requeue.error_max);
    Action::requeue(delay)
}

/// `error` and its sources, as one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
