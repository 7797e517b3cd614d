//! How the gateway is reached from outside the cluster.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Lowest and highest port of Kubernetes' default NodePort range.
pub const NODE_PORT_RANGE: std::ops::RangeInclusive<i32> = 30000..=32767;

/// Settings of the gateway beyond its workload (those are under `services.gateway`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    #[serde(default)]
    pub expose: GatewayExpose,
}

/// The kind of exposure, as in a Service's `type`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum ExposeType {
    /// Reachable inside the cluster only (or through `kubectl port-forward`).
    #[default]
    ClusterIP,
    /// A fixed port on every node.
    NodePort,
    /// An Ingress for `host` through the ingress class `className`.
    Ingress,
}

/// The exposure of the gateway: a `type` plus the fields that type needs.
///
/// A discriminator with optional fields rather than a Rust enum: it keeps the schema
/// structural and flat like a Service's, and CEL rules tie each field to its type.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "self.type == 'NodePort' ? has(self.nodePort) : !has(self.nodePort)",
        "message": "nodePort is required for, and only allowed with, type NodePort",
        "fieldPath": ".nodePort"
    },
    {
        "rule": "self.type == 'Ingress' ? has(self.host) : !has(self.host) && !has(self.className)",
        "message": "host is required for, and host and className only allowed with, type Ingress",
        "fieldPath": ".host"
    }
]))]
pub struct GatewayExpose {
    #[serde(default, rename = "type")]
    pub type_: ExposeType,
    /// The node port, for type NodePort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "i32", range(min = 30000, max = 32767))]
    pub node_port: Option<i32>,
    /// The Ingress host name, for type Ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(min = 1, max = 253))]
    pub host: Option<String>,
    /// The Ingress class; the cluster's default class when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(min = 1, max = 253))]
    pub class_name: Option<String>,
}

/// A validated view of [`GatewayExpose`], for code that acts on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure<'a> {
    ClusterIp,
    NodePort {
        port: i32,
    },
    Ingress {
        host: &'a str,
        class_name: Option<&'a str>,
    },
}

impl GatewayExpose {
    /// The exposure, or `None` when the fields do not match the type (validation reports it).
    pub fn exposure(&self) -> Option<Exposure<'_>> {
        match (self.type_, self.node_port, self.host.as_deref()) {
            (ExposeType::ClusterIP, None, None) if self.class_name.is_none() => {
                Some(Exposure::ClusterIp)
            }
            (ExposeType::NodePort, Some(port), None) if self.class_name.is_none() => {
                Some(Exposure::NodePort { port })
            }
            (ExposeType::Ingress, None, Some(host)) => Some(Exposure::Ingress {
                host,
                class_name: self.class_name.as_deref(),
            }),
            _ => None,
        }
    }
}
