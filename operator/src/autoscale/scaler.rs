//! The autoscaler's loop: per platform in the controller's store, per service in Lag mode,
//! poll when due, decide, then apply the replicas, the status entry, an Event and the gauges.
//!
//! The stabilization history lives in memory, keyed by platform and service: a restart (or a
//! new leader) starts the window afresh, which is safe since it only delays a scale-down.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::events::{Event, EventType};
use kube::runtime::reflector::Store;
use kube::{Resource, ResourceExt};
use orderflow_contracts::topics::CONSUMERS;
use serde_json::json;

use super::decision::{Decision, History, Observation, Policy, Reason, decide};
use super::lag::read_lag;
use crate::build::names;
use crate::crd::{
    AutoscalingMode, AutoscalingSpec, OrderFlowPlatform, ServiceAutoscalingStatus, ServiceName,
    validate,
};
use crate::reconcile::{Context, error_chain, kafka_bootstrap, key};

/// The field manager of everything the autoscaler writes: a Deployment's `spec.replicas` and
/// the platform's `status.autoscaling`.
pub const FIELD_MANAGER: &str = "orderflow-operator-autoscaler";

/// Polls the platforms of `platforms` forever (the caller drops it to stop it).
pub async fn run(context: Arc<Context>, platforms: Store<OrderFlowPlatform>) {
    let mut ticks = tokio::time::interval(context.autoscaler.tick);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut scaler = Scaler {
        context,
        services: HashMap::new(),
    };
    loop {
        ticks.tick().await;
        scaler.poll_all(&platforms.state()).await;
    }
}

/// What the autoscaler remembers of one service between polls.
struct ServiceState {
    history: History,
    next_poll: Instant,
    entry: ServiceAutoscalingStatus,
}

struct Scaler {
    context: Arc<Context>,
    services: HashMap<(String, ServiceName), ServiceState>,
}

/// The services of `platform` the lag autoscaler is in charge of.
fn lag_scaled(platform: &OrderFlowPlatform) -> Vec<(ServiceName, &AutoscalingSpec)> {
    platform
        .spec
        .services
        .iter()
        .filter_map(|(service, spec)| {
            let autoscaling = spec.autoscaling.as_ref()?;
            (autoscaling.enabled
                && autoscaling.effective_mode(service) == AutoscalingMode::Lag
                && service.consumes_kafka())
            .then_some((service, autoscaling))
        })
        .collect()
}

/// Platforms whose spec the operator acts on: not paused, not being deleted, valid.
fn in_charge(platform: &OrderFlowPlatform) -> bool {
    !platform.spec.paused
        && platform.meta().deletion_timestamp.is_none()
        && validate(&platform.spec).is_ok()
}

impl Scaler {
    async fn poll_all(&mut self, platforms: &[Arc<OrderFlowPlatform>]) {
        let mut live = HashSet::new();
        for platform in platforms.iter().filter(|p| in_charge(p)) {
            let key = key(platform);
            for (service, _) in lag_scaled(platform) {
                live.insert((key.clone(), service));
            }
            self.poll_platform(platform, &key).await;
        }
        self.services.retain(|service, _| live.contains(service));
        self.context.metrics.retain_autoscaled(|platform, service| {
            live.iter()
                .any(|(p, s)| p == platform && s.as_str() == service)
        });
    }

    async fn poll_platform(&mut self, platform: &OrderFlowPlatform, key: &str) {
        let Some(namespace) = platform.namespace() else {
            return;
        };
        let now = self.context.autoscaler.clock.now();
        let scaled = lag_scaled(platform);
        let mut polled = false;
        for &(service, spec) in &scaled {
            let state = self
                .services
                .entry((key.to_owned(), service))
                .or_insert_with(|| ServiceState::new(platform, service, now));
            if state.next_poll > now {
                continue;
            }
            state.next_poll = now + poll_interval(spec);
            polled = true;
            let poll = Poll {
                context: &self.context,
                platform,
                namespace: &namespace,
                key,
                service,
                spec,
                now,
            };
            poll.run(state).await;
        }
        let current = platform
            .status
            .as_ref()
            .map(|status| status.autoscaling.as_slice())
            .unwrap_or_default();
        // With no service left to poll, nothing else would clear the entries of a platform
        // whose autoscaling was switched off.
        let stale = scaled.is_empty() && !current.is_empty();
        if !polled && !stale {
            return;
        }
        let entries: Vec<ServiceAutoscalingStatus> = scaled
            .iter()
            .filter_map(|(service, _)| self.services.get(&(key.to_owned(), *service)))
            .map(|state| state.entry.clone())
            .collect();
        if entries != current {
            write_status(&self.context, platform, &namespace, &entries).await;
        }
    }
}

fn poll_interval(spec: &AutoscalingSpec) -> Duration {
    Duration::from_secs(u64::try_from(spec.poll_interval_seconds.max(1)).unwrap_or(1))
}

impl ServiceState {
    /// A fresh state; the last scale comes from the status, which outlives the process.
    fn new(platform: &OrderFlowPlatform, service: ServiceName, now: Instant) -> Self {
        let reported = platform
            .status
            .as_ref()
            .and_then(|status| {
                status
                    .autoscaling
                    .iter()
                    .find(|entry| entry.service == service.as_str())
            })
            .cloned();
        Self {
            history: History::default(),
            next_poll: now,
            entry: reported.unwrap_or_else(|| ServiceAutoscalingStatus {
                service: service.as_str().to_owned(),
                lag: None,
                desired_replicas: 0,
                current_replicas: 0,
                last_scale_time: None,
                last_scale_reason: None,
                message: None,
            }),
        }
    }
}

/// One poll of one service.
struct Poll<'a> {
    context: &'a Context,
    platform: &'a OrderFlowPlatform,
    namespace: &'a str,
    key: &'a str,
    service: ServiceName,
    spec: &'a AutoscalingSpec,
    now: Instant,
}

impl Poll<'_> {
    async fn run(&self, state: &mut ServiceState) {
        let name = names::service(&self.platform.name_any(), self.service);
        let deployments =
            Api::<Deployment>::namespaced(self.context.client.clone(), self.namespace);
        let deployment = match deployments.get_opt(&name).await {
            Ok(Some(deployment)) => deployment,
            Ok(None) => {
                state.entry.message = Some(format!("waiting for Deployment {name}"));
                return;
            }
            Err(error) => {
                state.entry.message = Some(format!(
                    "cannot read Deployment {name}: {}",
                    error_chain(&error)
                ));
                return;
            }
        };
        // Kubernetes defaults an unset count to 1.
        let current = deployment.spec.replicas.unwrap_or(1);
        let measured = self.measure().await;
        let observation = Observation {
            lag: measured.as_ref().ok().map(|m| m.lag),
            partitions: measured.as_ref().ok().map(|m| m.partitions),
            current,
        };
        let policy = Policy::from_spec(self.spec);
        let decision = decide(&policy, &mut state.history, self.now, observation);
        let mut notes = Vec::new();
        if let Err(error) = &measured {
            notes.push(format!("Kafka unreadable, keeping the replicas: {error}"));
        }
        let mut actual = current;
        if decision.replicas != current {
            match scale(&deployments, &name, decision.replicas).await {
                Ok(()) => {
                    actual = decision.replicas;
                    let why = explain(&policy, observation, decision);
                    self.context
                        .publish(
                            self.platform,
                            scaled_event(self.service, current, &decision, &why),
                        )
                        .await;
                    state.entry.last_scale_time = Some(Time(Timestamp::now()));
                    state.entry.last_scale_reason = Some(why);
                }
                Err(error) => notes.push(format!(
                    "cannot scale Deployment {name}: {}",
                    error_chain(&error)
                )),
            }
        }
        if decision.capped_by_partitions {
            notes.push(format!(
                "capped at {} partitions: more replicas would sit idle",
                decision.desired
            ));
        }
        if decision.reason == Reason::Stabilizing {
            notes.push(format!(
                "scale-down to {} waits for {}s of lower lag",
                decision.desired,
                policy.stabilization.as_secs()
            ));
        }
        notes.push(format!(
            "spec.services.{}.replicas is ignored while autoscaling is enabled",
            self.service
        ));
        state.entry.lag = observation.lag;
        state.entry.desired_replicas = decision.desired;
        state.entry.current_replicas = actual;
        state.entry.message = Some(notes.join("; "));
        self.context.metrics.set_autoscaled(
            self.key,
            self.service.as_str(),
            observation.lag,
            actual,
        );
    }

    /// The group's lag and partitions, or why they cannot be read (as one line).
    async fn measure(&self) -> Result<super::lag::GroupLag, String> {
        let consumer = CONSUMERS
            .iter()
            .find(|consumer| consumer.group == self.service.as_str())
            .ok_or_else(|| format!("{} has no consumer group", self.service))?;
        let bootstrap = kafka_bootstrap(self.platform, self.namespace)
            .ok_or_else(|| "the spec names no Kafka".to_owned())?;
        read_lag(&self.context.kafka, &bootstrap, consumer)
            .await
            .map_err(|error| error_chain(&error))
    }
}

/// Why a scale happened, in words for the status and the Event.
fn explain(policy: &Policy, observation: Observation, decision: Decision) -> String {
    let lag = observation
        .lag
        .map_or_else(|| "unknown".to_owned(), |lag| lag.to_string());
    format!(
        "{}: lag {lag} at {} per replica, {} -> {} replicas",
        decision.reason, policy.target_lag_per_replica, observation.current, decision.replicas
    )
}

fn scaled_event(service: ServiceName, from: i32, decision: &Decision, why: &str) -> Event {
    let reason = if decision.replicas > from {
        "ScaledUp"
    } else {
        "ScaledDown"
    };
    Event {
        type_: EventType::Normal,
        reason: reason.to_owned(),
        note: Some(format!("{service}: {why}")),
        action: "Scale".to_owned(),
        secondary: None,
    }
}

/// Applies only `spec.replicas`, so that the reconciler's fields stay the reconciler's.
async fn scale(
    deployments: &Api<Deployment>,
    name: &str,
    replicas: i32,
) -> Result<(), kube::Error> {
    let patch = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": name },
        "spec": { "replicas": replicas },
    });
    deployments
        .patch(
            name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(patch),
        )
        .await
        .map(drop)
}

/// Applies `status.autoscaling` alone; a failure is logged and retried at the next poll.
async fn write_status(
    context: &Context,
    platform: &OrderFlowPlatform,
    namespace: &str,
    entries: &[ServiceAutoscalingStatus],
) {
    let name = platform.name_any();
    let patch = json!({
        "apiVersion": OrderFlowPlatform::api_version(&()),
        "kind": OrderFlowPlatform::kind(&()),
        "status": { "autoscaling": entries },
    });
    let result = Api::<OrderFlowPlatform>::namespaced(context.client.clone(), namespace)
        .patch_status(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(patch),
        )
        .await;
    if let Err(error) = result {
        tracing::warn!(platform = %name, error = %error_chain(&error), "cannot write the autoscaling status");
    }
}
