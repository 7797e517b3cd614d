//! What the operator reports about a platform.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The observed state of an `OrderFlowPlatform`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderFlowPlatformStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Ready, Progressing, Degraded and Paused; see [`super::ConditionType`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// Desired and ready replicas of every workload the operator runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub components: Vec<ComponentStatus>,
    /// `ready/desired` count of services, for `kubectl get`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services_ready: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<TopicsStatus>,
    /// Where the gateway answers: `host:port`, a node port or the Ingress host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_address: Option<String>,
    /// The lag autoscaler's view of each service it scales. Written by the autoscaler alone
    /// (field manager `orderflow-operator-autoscaler`); the reconciler never applies it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["service"]))]
    pub autoscaling: Vec<ServiceAutoscalingStatus>,
}

impl OrderFlowPlatformStatus {
    /// The `ready/desired` summary of the service components (`5/6`): a service counts as
    /// ready when all its desired replicas are.
    pub fn services_summary(components: &[ComponentStatus]) -> String {
        let services = components
            .iter()
            .filter(|component| component.kind == ComponentKind::Service);
        let (ready, total) = services.fold((0, 0), |(ready, total), component| {
            (ready + usize::from(component.is_ready()), total + 1)
        });
        format!("{ready}/{total}")
    }

    /// The condition of one type, if reported.
    pub fn condition(&self, type_: ConditionType) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_.as_str())
    }
}

/// A one-word summary of the conditions, for `kubectl get`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum Phase {
    /// Accepted, nothing applied yet.
    Pending,
    /// Objects applied, some not ready yet.
    Progressing,
    /// Every component ready.
    Ready,
    /// The spec cannot be reconciled, or a component failed.
    Degraded,
    /// `spec.paused` is true.
    Paused,
    /// Being deleted, waiting for the finalizer's cleanup.
    Deleting,
}

/// What kind of workload a component is.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ComponentKind {
    Service,
    Database,
    Kafka,
    Redis,
}

/// Replica counts of one workload.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentStatus {
    /// The workload's name: a service (`order`), `postgres-order`, `kafka` or `redis`.
    pub name: String,
    pub kind: ComponentKind,
    pub desired_replicas: i32,
    pub ready_replicas: i32,
}

impl ComponentStatus {
    /// All desired replicas are ready (a workload scaled to zero is ready).
    pub const fn is_ready(&self) -> bool {
        self.ready_replicas >= self.desired_replicas
    }
}

/// What the lag autoscaler last measured and did for one service.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAutoscalingStatus {
    /// The service (`order`, `payment`, `inventory`, `notification`).
    pub service: String,
    /// The consumer group's lag at the last poll, retry topics included; absent when Kafka
    /// could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag: Option<i64>,
    /// What the lag asks for, within the bounds and the partition cap.
    pub desired_replicas: i32,
    /// The Deployment's replica count after the last poll.
    pub current_replicas: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scale_time: Option<Time>,
    /// Why the last scale happened, e.g. `LagRising: lag 2500 at 1000 per replica, 1 -> 3 replicas`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scale_reason: Option<String>,
    /// What limits the scaler now: Kafka unreachable, the partition cap, `replicas` ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Progress of topic creation.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicsStatus {
    /// Topics the contracts registry lists, retry and dead-letter topics included.
    pub desired: i32,
    /// Of those, the topics that exist on the broker.
    pub created: i32,
}

/// The condition types the operator reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConditionType {
    /// Every component is ready and the spec is current.
    Ready,
    /// The operator is bringing the platform to the spec; the message says what it waits for.
    Progressing,
    /// The spec cannot be reconciled or a component failed; the message names the field.
    Degraded,
    /// `spec.paused` is true, so nothing is changed.
    Paused,
}

impl ConditionType {
    pub const ALL: [Self; 4] = [Self::Ready, Self::Progressing, Self::Degraded, Self::Paused];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "Ready",
            Self::Progressing => "Progressing",
            Self::Degraded => "Degraded",
            Self::Paused => "Paused",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(name: &str, kind: ComponentKind, desired: i32, ready: i32) -> ComponentStatus {
        ComponentStatus {
            name: name.to_owned(),
            kind,
            desired_replicas: desired,
            ready_replicas: ready,
        }
    }

    #[test]
    fn the_services_summary_counts_services_whose_replicas_are_all_ready() {
        let components = [
            component("customer", ComponentKind::Service, 2, 2),
            component("order", ComponentKind::Service, 2, 1),
            component("payment", ComponentKind::Service, 0, 0),
            component("postgres-order", ComponentKind::Database, 1, 0),
            component("kafka", ComponentKind::Kafka, 1, 1),
        ];
        assert_eq!(
            OrderFlowPlatformStatus::services_summary(&components),
            "2/3"
        );
        assert_eq!(OrderFlowPlatformStatus::services_summary(&[]), "0/0");
    }
}
