//! NetworkPolicies: each component admits only the pods that need it.
//!
//! Policies restrict ingress only; a pod selected by none stays open, so every component
//! the operator runs gets one.

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

use super::meta::{COMPONENT_LABEL, Component, INSTANCE_LABEL, Platform};
use crate::crd::ServiceName;

/// The label Kubernetes sets on every namespace to its name.
pub(super) const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Who may connect.
pub(super) enum Peers {
    /// Any source, inside or outside the cluster.
    Anyone,
    /// Pods of these services of the platform, and optionally of the operator's namespace.
    Services {
        services: Vec<ServiceName>,
        operator: bool,
    },
}

/// A policy named `name` admitting `peers` to `component`'s pods on `port` (TCP).
pub(super) fn policy(
    platform: &Platform<'_>,
    name: String,
    component: &Component,
    port: u16,
    peers: Peers,
) -> NetworkPolicy {
    let from = match peers {
        Peers::Anyone => None,
        Peers::Services { services, operator } => {
            let mut from = vec![services_peer(platform, &services)];
            if operator {
                from.push(namespace_peer(platform.operator_namespace));
            }
            Some(from)
        }
    };
    NetworkPolicy {
        metadata: platform.metadata(name, component),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(platform.selector(component)),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from,
                ports: Some(vec![tcp(port)]),
            }]),
            ..NetworkPolicySpec::default()
        }),
    }
}

/// A rule admitting every pod of the namespaces `namespaces` selects to `port` (TCP) alone.
pub(super) fn namespaces_rule(namespaces: &LabelSelector, port: u16) -> NetworkPolicyIngressRule {
    NetworkPolicyIngressRule {
        from: Some(vec![NetworkPolicyPeer {
            namespace_selector: Some(namespaces.clone()),
            ..NetworkPolicyPeer::default()
        }]),
        ports: Some(vec![tcp(port)]),
    }
}

fn tcp(port: u16) -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: Some("TCP".to_owned()),
        port: Some(IntOrString::Int(i32::from(port))),
        ..NetworkPolicyPort::default()
    }
}

/// Pods of this platform whose component is one of `services`, in the platform's namespace.
fn services_peer(platform: &Platform<'_>, services: &[ServiceName]) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                INSTANCE_LABEL.to_owned(),
                platform.name.to_owned(),
            )])),
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: COMPONENT_LABEL.to_owned(),
                operator: "In".to_owned(),
                values: Some(services.iter().map(|s| s.as_str().to_owned()).collect()),
            }]),
        }),
        ..NetworkPolicyPeer::default()
    }
}

/// Every pod of the namespace `namespace`.
fn namespace_peer(namespace: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                NAMESPACE_NAME_LABEL.to_owned(),
                namespace.to_owned(),
            )])),
            ..LabelSelector::default()
        }),
        ..NetworkPolicyPeer::default()
    }
}
