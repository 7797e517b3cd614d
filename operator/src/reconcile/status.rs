//! The platform's status: conditions, phase and components from what the apply found, written
//! to `/status` only when it differs from the current one, so a steady state writes nothing.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::events::{Event, EventType};
use kube::{Resource, ResourceExt};
use serde_json::json;

use super::apply::Applied;
use super::monitoring::Monitors;
use super::{Context, Error};
use crate::build::{DesiredObject, MANAGED_BY};
use crate::crd::{
    ComponentKind, ComponentStatus, ConditionType, OrderFlowPlatform, OrderFlowPlatformStatus,
    Phase, ServiceName, TopicsStatus, condition, set_condition,
};
use crate::topics::TopicsReport;

/// The label that names a workload's role in the platform (`order`, `postgres-order`, `kafka`).
pub(super) const COMPONENT_LABEL: &str = "app.kubernetes.io/component";

/// The component an object belongs to: its component label, else its name.
pub(super) fn component<K: Resource>(object: &K) -> String {
    object
        .labels()
        .get(COMPONENT_LABEL)
        .cloned()
        .unwrap_or_else(|| object.name_any())
}

/// Replicas count as ready only once the workload controller has seen the current spec, so a
/// rolling change reads as progressing until it is observed.
fn observed(object: &impl Resource, observed_generation: Option<i64>) -> bool {
    observed_generation >= object.meta().generation
}

pub(super) fn deployment(deployment: &Deployment) -> ComponentStatus {
    let status = deployment.status.as_ref();
    let ready = status
        .filter(|s| observed(deployment, s.observed_generation))
        .and_then(|s| s.ready_replicas);
    ComponentStatus {
        name: component(deployment),
        kind: ComponentKind::Service,
        desired_replicas: deployment.spec.replicas.unwrap_or(1),
        ready_replicas: ready.unwrap_or(0),
    }
}

pub(super) fn stateful_set(stateful_set: &StatefulSet) -> ComponentStatus {
    let name = component(stateful_set);
    let kind = match name.as_str() {
        "kafka" => ComponentKind::Kafka,
        "redis" => ComponentKind::Redis,
        _ => ComponentKind::Database,
    };
    let status = stateful_set.status.as_ref();
    let ready = status
        .filter(|s| observed(stateful_set, s.observed_generation))
        .and_then(|s| s.ready_replicas);
    ComponentStatus {
        name,
        kind,
        desired_replicas: stateful_set.spec.replicas.unwrap_or(1),
        ready_replicas: ready.unwrap_or(0),
    }
}

/// Where the platform's topics stand.
#[derive(Clone, Debug, PartialEq)]
pub enum TopicsState {
    /// Kafka is not ready yet, so nothing was asked of it.
    WaitingForKafka,
    /// What the admin API reported.
    Reported(TopicsReport),
    /// Kafka could not be reached or refused; the error, as one line.
    Failed(String),
}

/// What an apply found.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    components: Vec<ComponentStatus>,
    gateway_address: Option<String>,
    topics: TopicsState,
    monitors: Monitors,
}

impl Report {
    pub(super) fn new(
        platform: &OrderFlowPlatform,
        desired: &[DesiredObject],
        applied: &Applied,
        topics: TopicsState,
        monitors: Monitors,
    ) -> Self {
        Self {
            components: applied.workloads.clone(),
            gateway_address: gateway_address(platform, desired),
            topics,
            monitors,
        }
    }

    /// Every component is ready and every topic exists.
    pub fn is_ready(&self) -> bool {
        self.components.iter().all(ComponentStatus::is_ready)
            && matches!(&self.topics, TopicsState::Reported(report) if report.complete())
    }

    /// What is not ready yet: components in apply order (dependencies first), then topics.
    fn waiting(&self) -> Vec<String> {
        let mut waiting: Vec<String> = self
            .components
            .iter()
            .filter(|c| !c.is_ready())
            .map(|c| c.name.clone())
            .collect();
        match &self.topics {
            TopicsState::Reported(report) if report.complete() => {}
            TopicsState::Reported(report) => waiting.push(format!(
                "topics ({}/{} created)",
                report.present, report.desired
            )),
            TopicsState::WaitingForKafka => waiting.push("topics (after Kafka)".to_owned()),
            TopicsState::Failed(error) => waiting.push(format!("topics: {error}")),
        }
        waiting
    }

    /// Why the platform runs short of its spec although it works, as the Degraded reason and
    /// message: partitions not grown, ServiceMonitors that cannot be created. The reason is
    /// the first shortfall's; the message names every one.
    fn shortfall(&self) -> Option<(&'static str, String)> {
        let shortfalls: Vec<(&'static str, String)> =
            [self.partitions(), self.monitors.shortfall()]
                .into_iter()
                .flatten()
                .collect();
        let (reason, _) = shortfalls.first()?;
        let message = shortfalls
            .iter()
            .map(|(_, message)| message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        Some((reason, message))
    }

    fn partitions(&self) -> Option<(&'static str, String)> {
        let TopicsState::Reported(report) = &self.topics else {
            return None;
        };
        let first = report.not_grown.first()?;
        Some((
            "PartitionsNotGrown",
            format!(
                "spec.kafka.topics.partitions: {} topic(s) keep fewer partitions than {} \
                 (e.g. {} has {}): {}",
                report.not_grown.len(),
                first.wanted,
                first.topic,
                first.partitions,
                first.reason
            ),
        ))
    }
}

/// Where the gateway answers: the Ingress host, any node's port, or the Service's DNS name.
fn gateway_address(platform: &OrderFlowPlatform, desired: &[DesiredObject]) -> Option<String> {
    let gateway = ServiceName::Gateway.as_str();
    let is_gateway = |object: &DesiredObject| {
        object
            .metadata()
            .labels
            .as_ref()
            .and_then(|l| l.get(COMPONENT_LABEL))
            == Some(&gateway.to_owned())
    };
    let ingress_host = desired.iter().find_map(|object| match object {
        DesiredObject::Ingress(ingress) if is_gateway(object) => {
            ingress.spec.as_ref()?.rules.as_ref()?.first()?.host.clone()
        }
        _ => None,
    });
    if ingress_host.is_some() {
        return ingress_host;
    }
    desired.iter().find_map(|object| match object {
        DesiredObject::Service(service) if is_gateway(object) => {
            let spec = service.spec.as_ref()?;
            let port = spec.ports.as_ref()?.first()?;
            match port.node_port {
                Some(node_port) if spec.type_.as_deref() == Some("NodePort") => {
                    Some(format!("<node>:{node_port}"))
                }
                _ => Some(format!(
                    "{}.{}.svc:{}",
                    service.name_any(),
                    platform.namespace().unwrap_or_default(),
                    port.port
                )),
            }
        }
        _ => None,
    })
}

/// How a reconcile ended, as the status reports it.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `spec.paused`: nothing was changed.
    Paused,
    /// The spec cannot be reconciled; the message names the field(s).
    Invalid(String),
    /// Every desired object that could be was applied.
    Applied(Report),
    /// The platform is being deleted and waits for its finalizer's cleanup; the message says
    /// what it waits for.
    Deleting(String),
}

/// Writes a platform's status and emits Events on its important transitions.
pub struct StatusWriter<'a> {
    context: &'a Context,
    platform: &'a OrderFlowPlatform,
    namespace: &'a str,
}

impl<'a> StatusWriter<'a> {
    pub fn new(context: &'a Context, platform: &'a OrderFlowPlatform, namespace: &'a str) -> Self {
        Self {
            context,
            platform,
            namespace,
        }
    }

    /// Writes the status `outcome` yields, unless it equals the current one.
    pub async fn write(&self, outcome: Outcome) -> Result<(), Error> {
        let current = self.platform.status.clone().unwrap_or_default();
        let next = next_status(&current, self.platform.metadata.generation, outcome);
        if next == current {
            return Ok(());
        }
        let name = self.platform.name_any();
        let patch = json!({
            "apiVersion": OrderFlowPlatform::api_version(&()),
            "kind": OrderFlowPlatform::kind(&()),
            "status": without_autoscaling(&next),
        });
        Api::<OrderFlowPlatform>::namespaced(self.context.client.clone(), self.namespace)
            .patch_status(
                &name,
                &PatchParams::apply(MANAGED_BY).force(),
                &Patch::Apply(patch),
            )
            .await
            .map_err(Error::api(
                "update the status of",
                "OrderFlowPlatform",
                name,
            ))?;
        for event in transitions(&current, &next) {
            self.context.publish(self.platform, event).await;
        }
        Ok(())
    }
}

/// `status` less what the autoscaler owns: applying `status.autoscaling` here (with force)
/// would take its ownership and freeze or erase the autoscaler's entries.
fn without_autoscaling(status: &OrderFlowPlatformStatus) -> OrderFlowPlatformStatus {
    OrderFlowPlatformStatus {
        autoscaling: Vec::new(),
        ..status.clone()
    }
}

/// The status after `outcome`, keeping `lastTransitionTime` of conditions whose status holds.
fn next_status(
    current: &OrderFlowPlatformStatus,
    generation: Option<i64>,
    outcome: Outcome,
) -> OrderFlowPlatformStatus {
    let now = Time(Timestamp::now());
    let mut next = current.clone();
    next.observed_generation = generation;
    let mut set = |type_, status, reason: &str, message: String| {
        let new = condition(type_, status, reason, message, generation, now.clone());
        set_condition(&mut next.conditions, new, now.clone());
    };
    let phase = match &outcome {
        Outcome::Paused => {
            set(
                ConditionType::Paused,
                true,
                "Paused",
                "spec.paused is true: the operator changes nothing".to_owned(),
            );
            Phase::Paused
        }
        Outcome::Invalid(message) => {
            set(ConditionType::Paused, false, "NotPaused", String::new());
            set(
                ConditionType::Degraded,
                true,
                "InvalidSpec",
                message.clone(),
            );
            set(
                ConditionType::Progressing,
                false,
                "InvalidSpec",
                "the spec cannot be reconciled".to_owned(),
            );
            set(
                ConditionType::Ready,
                false,
                "InvalidSpec",
                "the spec cannot be reconciled".to_owned(),
            );
            Phase::Degraded
        }
        Outcome::Deleting(message) => {
            set(
                ConditionType::Progressing,
                true,
                "Deleting",
                message.clone(),
            );
            set(ConditionType::Ready, false, "Deleting", message.clone());
            Phase::Deleting
        }
        Outcome::Applied(report) => {
            let ready = report.is_ready();
            set(ConditionType::Paused, false, "NotPaused", String::new());
            match report.shortfall() {
                Some((reason, message)) => set(ConditionType::Degraded, true, reason, message),
                None => set(
                    ConditionType::Degraded,
                    false,
                    "Reconciled",
                    "every object is applied".to_owned(),
                ),
            }
            let (reason, message) = if ready {
                ("Ready", "every component is ready".to_owned())
            } else {
                (
                    "WaitingForComponents",
                    format!("waiting for {}", report.waiting().join(", ")),
                )
            };
            set(ConditionType::Progressing, !ready, reason, message.clone());
            set(ConditionType::Ready, ready, reason, message);
            if ready {
                Phase::Ready
            } else {
                Phase::Progressing
            }
        }
    };
    next.phase = Some(phase);
    if let Outcome::Applied(report) = outcome {
        next.services_ready = Some(OrderFlowPlatformStatus::services_summary(
            &report.components,
        ));
        next.components = report.components;
        next.gateway_address = report.gateway_address;
        if let TopicsState::Reported(topics) = report.topics {
            next.topics = Some(TopicsStatus {
                desired: i32::try_from(topics.desired).unwrap_or(i32::MAX),
                created: i32::try_from(topics.present).unwrap_or(i32::MAX),
            });
        }
    }
    next
}

/// Events for conditions that just became true: Ready, Degraded and Paused.
fn transitions(current: &OrderFlowPlatformStatus, next: &OrderFlowPlatformStatus) -> Vec<Event> {
    let became_true = |type_: ConditionType| {
        let is_true = |status: &OrderFlowPlatformStatus| {
            status.condition(type_).is_some_and(|c| c.status == "True")
        };
        (is_true(next) && !is_true(current))
            .then(|| next.condition(type_))
            .flatten()
    };
    [
        (ConditionType::Ready, EventType::Normal),
        (ConditionType::Degraded, EventType::Warning),
        (ConditionType::Paused, EventType::Normal),
    ]
    .into_iter()
    .filter_map(|(type_, event_type)| {
        became_true(type_).map(|condition| Event {
            type_: event_type,
            reason: condition.reason.clone(),
            note: Some(condition.message.clone()).filter(|m| !m.is_empty()),
            action: type_.as_str().to_owned(),
            secondary: None,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, desired: i32, ready: i32) -> ComponentStatus {
        ComponentStatus {
            name: name.to_owned(),
            kind: ComponentKind::Service,
            desired_replicas: desired,
            ready_replicas: ready,
        }
    }

    fn topics(present: usize) -> TopicsState {
        TopicsState::Reported(TopicsReport {
            desired: 2,
            present,
            ..TopicsReport::default()
        })
    }

    fn applied_with(components: Vec<ComponentStatus>, topics: TopicsState) -> Outcome {
        Outcome::Applied(Report {
            components,
            gateway_address: Some("shop-gateway.default.svc:8080".to_owned()),
            topics,
            monitors: Monitors::NotRequested,
        })
    }

    fn applied(components: Vec<ComponentStatus>) -> Outcome {
        applied_with(components, topics(2))
    }

    #[test]
    fn ready_waits_for_the_topics_and_says_why() {
        let ready_services = || vec![service("order", 1, 1)];
        for (state, expected) in [
            (
                TopicsState::WaitingForKafka,
                "waiting for topics (after Kafka)",
            ),
            (topics(1), "waiting for topics (1/2 created)"),
            (
                TopicsState::Failed("cannot reach Kafka at k:9092".to_owned()),
                "waiting for topics: cannot reach Kafka at k:9092",
            ),
        ] {
            let status = next_status(
                &OrderFlowPlatformStatus::default(),
                Some(1),
                applied_with(ready_services(), state),
            );
            let progressing = status.condition(ConditionType::Progressing).unwrap();
            assert_eq!(progressing.message, expected);
            assert_eq!(
                status.condition(ConditionType::Ready).unwrap().status,
                "False"
            );
        }
        let done = next_status(
            &OrderFlowPlatformStatus::default(),
            Some(1),
            applied_with(ready_services(), topics(2)),
        );
        assert_eq!(done.condition(ConditionType::Ready).unwrap().status, "True");
        assert_eq!(
            done.topics,
            Some(TopicsStatus {
                desired: 2,
                created: 2
            })
        );
    }

    #[test]
    fn partitions_the_broker_cannot_grow_degrade_a_working_platform() {
        let report = TopicsReport {
            desired: 2,
            present: 2,
            created: Vec::new(),
            not_grown: vec![crate::topics::NotGrown {
                topic: "orderflow.order.events".to_owned(),
                partitions: 6,
                wanted: 12,
                reason: "unsupported by the broker (Broker: Unsupported version)".to_owned(),
            }],
        };
        let status = next_status(
            &OrderFlowPlatformStatus::default(),
            Some(1),
            applied_with(vec![service("order", 1, 1)], TopicsState::Reported(report)),
        );
        let degraded = status.condition(ConditionType::Degraded).unwrap();
        assert_eq!(degraded.status, "True");
        assert_eq!(degraded.reason, "PartitionsNotGrown");
        assert!(degraded.message.starts_with("spec.kafka.topics.partitions"));
        assert!(degraded.message.contains("unsupported by the broker"));
        assert_eq!(
            status.condition(ConditionType::Ready).unwrap().status,
            "True"
        );
        let events = transitions(&OrderFlowPlatformStatus::default(), &status);
        assert!(events.iter().any(|e| e.reason == "PartitionsNotGrown"));
    }

    #[test]
    fn progressing_names_what_it_waits_for_and_ready_follows() {
        let waiting = next_status(
            &OrderFlowPlatformStatus::default(),
            Some(2),
            applied(vec![service("order", 1, 0), service("gateway", 1, 1)]),
        );
        let progressing = waiting.condition(ConditionType::Progressing).unwrap();
        assert_eq!(progressing.status, "True");
        assert_eq!(progressing.message, "waiting for order");
        assert_eq!(waiting.phase, Some(Phase::Progressing));
        assert_eq!(waiting.services_ready.as_deref(), Some("1/2"));
        assert_eq!(waiting.observed_generation, Some(2));

        let ready = next_status(
            &waiting,
            Some(2),
            applied(vec![service("order", 1, 1), service("gateway", 1, 1)]),
        );
        assert_eq!(
            ready.condition(ConditionType::Ready).unwrap().status,
            "True"
        );
        assert_eq!(ready.phase, Some(Phase::Ready));
        let events = transitions(&waiting, &ready);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, "Ready");
    }

    #[test]
    fn a_repeated_outcome_yields_the_same_status() {
        let outcome = applied(vec![service("order", 1, 1)]);
        let first = next_status(
            &OrderFlowPlatformStatus::default(),
            Some(1),
            outcome.clone(),
        );
        assert_eq!(next_status(&first, Some(1), outcome), first);
        assert!(transitions(&first, &first).is_empty());
    }

    #[test]
    fn an_invalid_spec_is_degraded_and_not_ready() {
        let status = next_status(
            &OrderFlowPlatformStatus::default(),
            Some(3),
            Outcome::Invalid("spec.version: must not be empty".to_owned()),
        );
        let degraded = status.condition(ConditionType::Degraded).unwrap();
        assert_eq!(degraded.status, "True");
        assert_eq!(degraded.message, "spec.version: must not be empty");
        assert_eq!(
            status.condition(ConditionType::Ready).unwrap().status,
            "False"
        );
        assert_eq!(status.phase, Some(Phase::Degraded));
    }

    #[test]
    fn the_reconciler_never_applies_the_autoscaler_entries() {
        let current = OrderFlowPlatformStatus {
            autoscaling: vec![crate::crd::ServiceAutoscalingStatus {
                service: "order".to_owned(),
                lag: Some(40),
                desired_replicas: 4,
                current_replicas: 4,
                last_scale_time: None,
                last_scale_reason: None,
                message: None,
            }],
            ..OrderFlowPlatformStatus::default()
        };
        let next = next_status(&current, Some(1), applied(vec![service("order", 4, 4)]));
        assert_eq!(
            next.autoscaling, current.autoscaling,
            "compared as they are"
        );
        let applied = serde_json::to_value(without_autoscaling(&next)).unwrap();
        assert!(applied.get("autoscaling").is_none(), "{applied}");
        assert!(applied.get("conditions").is_some(), "{applied}");
    }

    #[test]
    fn service_monitors_without_their_crd_degrade_a_ready_platform_with_one_warning() {
        let outcome = Outcome::Applied(Report {
            components: vec![service("order", 1, 1)],
            gateway_address: None,
            topics: topics(2),
            monitors: Monitors::CrdMissing,
        });
        let first = next_status(
            &OrderFlowPlatformStatus::default(),
            Some(1),
            outcome.clone(),
        );
        let degraded = first.condition(ConditionType::Degraded).unwrap();
        assert_eq!(
            (degraded.status.as_str(), degraded.reason.as_str()),
            ("True", "ServiceMonitorCrdMissing")
        );
        assert!(
            degraded
                .message
                .starts_with("spec.observability.serviceMonitor:")
                && degraded
                    .message
                    .contains("servicemonitors.monitoring.coreos.com"),
            "{}",
            degraded.message
        );
        assert_eq!(
            first.condition(ConditionType::Ready).unwrap().status,
            "True"
        );
        assert_eq!(first.phase, Some(Phase::Ready));
        let events = transitions(&OrderFlowPlatformStatus::default(), &first);
        let warnings: Vec<_> = events
            .iter()
            .filter(|e| e.type_ == EventType::Warning)
            .map(|e| e.reason.as_str())
            .collect();
        assert_eq!(warnings, ["ServiceMonitorCrdMissing"]);

        let again = next_status(&first, Some(1), outcome);
        assert!(transitions(&first, &again).is_empty(), "warned once");

        let installed = next_status(&again, Some(1), applied(vec![service("order", 1, 1)]));
        let degraded = installed.condition(ConditionType::Degraded).unwrap();
        assert_eq!(degraded.status, "False");
    }

    #[test]
    fn every_shortfall_is_named_and_the_first_gives_the_reason() {
        let report = Report {
            components: Vec::new(),
            gateway_address: None,
            topics: TopicsState::Reported(TopicsReport {
                desired: 1,
                present: 1,
                created: Vec::new(),
                not_grown: vec![crate::topics::NotGrown {
                    topic: "orderflow.order.events".to_owned(),
                    partitions: 6,
                    wanted: 12,
                    reason: "unsupported".to_owned(),
                }],
            }),
            monitors: Monitors::CrdMissing,
        };
        let (reason, message) = report.shortfall().unwrap();
        assert_eq!(reason, "PartitionsNotGrown");
        assert!(
            message.contains("spec.kafka.topics.partitions"),
            "{message}"
        );
        assert!(
            message.contains("; spec.observability.serviceMonitor"),
            "{message}"
        );
        for monitors in [Monitors::NotRequested, Monitors::Applied] {
            let report = Report {
                monitors,
                topics: topics(2),
                ..report.clone()
            };
            assert_eq!(report.shortfall(), None, "{monitors:?}");
        }
    }
}
