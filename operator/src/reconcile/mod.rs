//! The reconciler: validate → build the desired objects (pure) → apply → compute the status.
//! ServiceMonitors, whose CRD is optional, are applied beside the rest ([`monitoring`]).
//!
//! A spec that cannot be reconciled is reported (Degraded, naming the field) and retried
//! slowly instead of failing the reconcile, so an invalid platform never hot-loops. Only
//! API failures become [`Error`]s, which [`error_policy`] retries with a backoff.

mod apply;
pub mod finalizer;
mod metrics;
mod monitoring;
mod status;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::{Client, Resource, ResourceExt};

use crate::OrderFlowPlatform;
use crate::autoscale::AutoscalerSettings;
use crate::build::{
    self, BuildContext, ExistingSecrets, MANAGED_BY, managed_kafka_bootstrap_servers,
    platform_selector, random_token,
};
use crate::crd::{ComponentKind, KafkaSource, validate};
use crate::topics::{KafkaAdmin, TopicsReport, desired_topics};

pub use metrics::Metrics;
pub use monitoring::{Monitors, SERVICE_MONITOR_CRD_MISSING};

use status::{Outcome, StatusWriter, TopicsState};

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
    /// How the platforms' Kafka is reached for their topics and their consumers' lag.
    pub kafka: KafkaAdmin,
    /// The lag autoscaler's clock and cadence.
    pub autoscaler: AutoscalerSettings,
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
            kafka: KafkaAdmin::default(),
            autoscaler: AutoscalerSettings::default(),
            failures: Mutex::default(),
        }
    }

    /// Reaches Kafka with `kafka`'s settings instead of the defaults.
    #[must_use]
    pub fn with_kafka(mut self, kafka: KafkaAdmin) -> Self {
        self.kafka = kafka;
        self
    }

    /// Runs the lag autoscaler with `autoscaler`'s clock and cadence (tests inject a manual
    /// clock).
    #[must_use]
    pub fn with_autoscaler(mut self, autoscaler: AutoscalerSettings) -> Self {
        self.autoscaler = autoscaler;
        self
    }

    /// Publishes an Event about `platform`; a failure is logged, never fatal.
    pub(crate) async fn publish(&self, platform: &OrderFlowPlatform, event: Event) {
        let reference = platform.object_ref(&());
        if let Err(error) = self.recorder.publish(&event, &reference).await {
            tracing::warn!(error = %error_chain(&error), reason = event.reason, "cannot publish an event");
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
    #[error("cannot build the finalizer patch of {name}")]
    Patch {
        name: String,
        #[source]
        source: serde_json::Error,
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

/// A platform's `namespace/name`.
pub(crate) fn key(platform: &OrderFlowPlatform) -> String {
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
    let writer = StatusWriter::new(ctx, platform, &namespace);
    if platform.meta().deletion_timestamp.is_some() {
        return finalize(platform, ctx, &writer).await;
    }
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
    finalizer::sync(&ctx.client, platform, finalizer::wanted(platform)).await?;
    let existing = existing_secrets(&ctx.client, platform, &namespace).await?;
    let build_context = BuildContext {
        operator_namespace: &ctx.operator_namespace,
        existing_secrets: &existing,
    };
    let built = build::desired_objects(platform, &build_context, &mut random_token)
        .and_then(|desired| Ok((desired, build::service_monitors(platform, &build_context)?)));
    let (desired, monitors) = match built {
        Ok(built) => built,
        Err(error) => {
            writer.write(Outcome::Invalid(error.to_string())).await?;
            return Ok(Action::requeue(ctx.requeue.blocked));
        }
    };
    let applied = apply::apply_all(&ctx.client, &namespace, &desired).await?;
    apply::prune(&ctx.client, platform, &namespace, &desired).await?;
    let monitors = monitoring::sync(&ctx.client, platform, &namespace, &monitors).await?;
    let kafka_ready = applied
        .workloads
        .iter()
        .filter(|component| component.kind == ComponentKind::Kafka)
        .all(|component| component.is_ready());
    let topics = if kafka_ready {
        ensure_topics(platform, ctx, &namespace).await
    } else {
        TopicsState::WaitingForKafka
    };
    let report = status::Report::new(platform, &desired, &applied, topics, monitors);
    let ready = report.is_ready();
    writer.write(Outcome::Applied(report)).await?;
    Ok(Action::requeue(if ready {
        ctx.requeue.ready
    } else {
        ctx.requeue.progressing
    }))
}

/// Where the operator reaches the platform's Kafka, if the spec says (validation reports it
/// when it does not).
pub(crate) fn kafka_bootstrap(platform: &OrderFlowPlatform, namespace: &str) -> Option<String> {
    Some(match platform.spec.kafka.source()? {
        KafkaSource::Managed(_) => managed_kafka_bootstrap_servers(&platform.name_any(), namespace),
        KafkaSource::External(external) => external.bootstrap_servers.clone(),
    })
}

/// Creates the platform's missing topics and grows their partitions; an Event names the
/// topics created. A Kafka that cannot be reached is reported in the status and retried.
async fn ensure_topics(
    platform: &OrderFlowPlatform,
    ctx: &Context,
    namespace: &str,
) -> TopicsState {
    let Some(bootstrap) = kafka_bootstrap(platform, namespace) else {
        return TopicsState::WaitingForKafka;
    };
    let plan = desired_topics(&platform.spec.kafka.topics);
    match ctx.kafka.ensure(&bootstrap, &plan).await {
        Ok(report) => {
            if !report.created.is_empty() {
                ctx.publish(platform, topics_created(&report)).await;
            }
            TopicsState::Reported(report)
        }
        Err(error) => TopicsState::Failed(error_chain(&error)),
    }
}

fn topics_created(report: &TopicsReport) -> Event {
    Event {
        type_: EventType::Normal,
        reason: "TopicsCreated".to_owned(),
        note: Some(format!(
            "created {} of {} topics",
            report.created.len(),
            report.desired
        )),
        action: "CreateTopics".to_owned(),
        secondary: None,
    }
}

/// A platform being deleted: its topics go first when its deletion policy says so, then the
/// finalizer, and Kubernetes removes the rest through owner references.
async fn finalize(
    platform: &OrderFlowPlatform,
    ctx: &Context,
    writer: &StatusWriter<'_>,
) -> Result<Action, Error> {
    if !finalizer::held(platform) {
        return Ok(Action::await_change());
    }
    let namespace = platform.namespace().ok_or(Error::NoNamespace)?;
    // A spec that says nowhere where Kafka is cannot have created topics.
    if let (true, Some(bootstrap)) = (
        finalizer::wanted(platform),
        kafka_bootstrap(platform, &namespace),
    ) {
        let plan = desired_topics(&platform.spec.kafka.topics);
        if let Err(error) = ctx.kafka.delete(&bootstrap, &plan).await {
            let message = format!("deleting the topics: {}", error_chain(&error));
            writer.write(Outcome::Deleting(message)).await?;
            return Ok(Action::requeue(ctx.requeue.progressing));
        }
        ctx.publish(
            platform,
            Event {
                type_: EventType::Normal,
                reason: "TopicsDeleted".to_owned(),
                note: Some(format!(
                    "deleted the {} topics (kafka.deletionPolicy: Delete)",
                    plan.len()
                )),
                action: "DeleteTopics".to_owned(),
                secondary: None,
            },
        )
        .await;
    }
    finalizer::release(&ctx.client, platform).await?;
    Ok(Action::await_change())
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
