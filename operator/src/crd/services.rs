//! The six OrderFlow workloads and the per-service part of the spec.

use std::fmt;

use k8s_openapi::api::core::v1::{EnvVar, ResourceRequirements};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One of the platform's workloads: the five bounded contexts and the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceName {
    Customer,
    Order,
    Payment,
    Inventory,
    Notification,
    Gateway,
}

impl ServiceName {
    /// Every workload, in start-up order of the ports (gateway last).
    pub const ALL: [Self; 6] = [
        Self::Customer,
        Self::Order,
        Self::Payment,
        Self::Inventory,
        Self::Notification,
        Self::Gateway,
    ];

    /// The lowercase name used in spec keys, object names and labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Order => "order",
            Self::Payment => "payment",
            Self::Inventory => "inventory",
            Self::Notification => "notification",
            Self::Gateway => "gateway",
        }
    }

    /// The binary package, which is also the image repository (`orderflow/customer-service`).
    pub const fn package(self) -> &'static str {
        match self {
            Self::Customer => "customer-service",
            Self::Order => "order-service",
            Self::Payment => "payment-service",
            Self::Inventory => "inventory-service",
            Self::Notification => "notification-service",
            Self::Gateway => "gateway-service",
        }
    }

    /// The HTTP port the service listens on (DESIGN §6).
    pub const fn port(self) -> u16 {
        match self {
            Self::Gateway => 8080,
            Self::Customer => 8081,
            Self::Order => 8082,
            Self::Payment => 8083,
            Self::Inventory => 8084,
            Self::Notification => 8085,
        }
    }

    /// Whether the service runs a Kafka consumer group, which makes lag-based scaling meaningful.
    pub const fn consumes_kafka(self) -> bool {
        matches!(
            self,
            Self::Order | Self::Payment | Self::Inventory | Self::Notification
        )
    }

    /// Whether the service owns a PostgreSQL database (notification keeps its state in Redis).
    pub const fn owns_database(self) -> bool {
        matches!(
            self,
            Self::Customer | Self::Order | Self::Payment | Self::Inventory
        )
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Per-workload settings, one field per service so that the schema names each of them.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "!has(self.customer.autoscaling) || !has(self.customer.autoscaling.mode) || self.customer.autoscaling.mode == 'Cpu'",
        "message": "customer consumes no Kafka topic: its autoscaling mode must be Cpu",
        "fieldPath": ".customer.autoscaling.mode"
    },
    {
        "rule": "!has(self.gateway.autoscaling) || !has(self.gateway.autoscaling.mode) || self.gateway.autoscaling.mode == 'Cpu'",
        "message": "gateway consumes no Kafka topic: its autoscaling mode must be Cpu",
        "fieldPath": ".gateway.autoscaling.mode"
    }
]))]
pub struct Services {
    #[serde(default)]
    pub customer: ServiceSpec,
    #[serde(default)]
    pub order: ServiceSpec,
    #[serde(default)]
    pub payment: ServiceSpec,
    #[serde(default)]
    pub inventory: ServiceSpec,
    #[serde(default)]
    pub notification: ServiceSpec,
    #[serde(default)]
    pub gateway: ServiceSpec,
}

impl Services {
    /// The settings of one workload.
    pub const fn get(&self, service: ServiceName) -> &ServiceSpec {
        match service {
            ServiceName::Customer => &self.customer,
            ServiceName::Order => &self.order,
            ServiceName::Payment => &self.payment,
            ServiceName::Inventory => &self.inventory,
            ServiceName::Notification => &self.notification,
            ServiceName::Gateway => &self.gateway,
        }
    }

    /// Every workload with its settings, in [`ServiceName::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (ServiceName, &ServiceSpec)> {
        ServiceName::ALL
            .into_iter()
            .map(move |service| (service, self.get(service)))
    }
}

/// How one workload runs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    /// Pods to run when autoscaling is off; 0 stops the service.
    #[serde(default = "default_replicas")]
    #[schemars(range(min = 0))]
    pub replicas: i32,
    /// Requests and limits of the service's container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ResourceRequirements")]
    pub resources: Option<ResourceRequirements>,
    /// Extra environment variables, added after the ones the operator wires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub env: Vec<EnvVar>,
    /// Scaling between bounds instead of a fixed replica count; absent means fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "AutoscalingSpec")]
    pub autoscaling: Option<AutoscalingSpec>,
}

impl Default for ServiceSpec {
    fn default() -> Self {
        Self {
            replicas: default_replicas(),
            resources: None,
            env: Vec::new(),
            autoscaling: None,
        }
    }
}

const fn default_replicas() -> i32 {
    1
}

/// What the autoscaler follows.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum AutoscalingMode {
    /// The consumer group's lag on the service's topics.
    Lag,
    /// CPU utilisation, for services without a consumer group.
    Cpu,
}

/// Bounds and pace of autoscaling (implemented by the scaling issue).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "self.minReplicas <= self.maxReplicas",
        "message": "minReplicas must not exceed maxReplicas",
        "fieldPath": ".minReplicas"
    }
]))]
pub struct AutoscalingSpec {
    /// Switches autoscaling off without dropping its settings.
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default = "default_min_replicas")]
    #[schemars(range(min = 1))]
    pub min_replicas: i32,
    #[serde(default = "default_max_replicas")]
    #[schemars(range(min = 1))]
    pub max_replicas: i32,
    /// Consumer lag (records) one replica is expected to absorb, in Lag mode.
    #[serde(default = "default_target_lag")]
    #[schemars(range(min = 1))]
    pub target_lag_per_replica: i64,
    /// How long the desired count must stay lower before replicas are removed.
    #[serde(default = "default_scale_down_stabilization")]
    #[schemars(range(min = 0))]
    pub scale_down_stabilization_seconds: i32,
    /// Most replicas added in one step.
    #[serde(default = "default_max_scale_up_step")]
    #[schemars(range(min = 1))]
    pub max_scale_up_step: i32,
    /// How often the autoscaler measures.
    #[serde(default = "default_poll_interval")]
    #[schemars(range(min = 1))]
    pub poll_interval_seconds: i32,
    /// Lag for Kafka consumers (order, payment, inventory, notification) and Cpu for the others
    /// when absent; see [`AutoscalingSpec::effective_mode`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "AutoscalingMode")]
    pub mode: Option<AutoscalingMode>,
}

impl AutoscalingSpec {
    /// The mode in force for `service`: the explicit one, else what fits the service.
    pub fn effective_mode(&self, service: ServiceName) -> AutoscalingMode {
        self.mode.unwrap_or(if service.consumes_kafka() {
            AutoscalingMode::Lag
        } else {
            AutoscalingMode::Cpu
        })
    }
}

impl Default for AutoscalingSpec {
    fn default() -> Self {
        Self {
            enabled: true,
            min_replicas: default_min_replicas(),
            max_replicas: default_max_replicas(),
            target_lag_per_replica: default_target_lag(),
            scale_down_stabilization_seconds: default_scale_down_stabilization(),
            max_scale_up_step: default_max_scale_up_step(),
            poll_interval_seconds: default_poll_interval(),
            mode: None,
        }
    }
}

const fn default_true() -> bool {
    true
}
const fn default_min_replicas() -> i32 {
    1
}
const fn default_max_replicas() -> i32 {
    5
}
const fn default_target_lag() -> i64 {
    1000
}
const fn default_scale_down_stabilization() -> i32 {
    300
}
const fn default_max_scale_up_step() -> i32 {
    2
}
const fn default_poll_interval() -> i32 {
    15
}
