//! The one-pod StatefulSet that every managed backing service (PostgreSQL, Redis, Kafka) runs
//! as: one restricted pod, stable identity, and its data on a claim that outlives the pod.

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec, Volume};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::meta::{Component, Platform};
use super::pod;
use super::security::{self, RunAs};

/// What differs between the managed backing services.
pub(super) struct SingleNode<'a> {
    pub name: &'a str,
    /// The governing Service: the client Service, or a headless one where peers need pod DNS.
    pub service_name: &'a str,
    pub component: &'a Component,
    pub container: Container,
    pub run_as: RunAs,
    /// Volumes besides `data`: scratch space for a read-only root filesystem.
    pub volumes: Vec<Volume>,
    /// Size of the `data` claim; without one, `data` is an emptyDir that dies with the pod.
    pub storage: Option<&'a Quantity>,
}

// `.into()`: the spec is optional up to Kubernetes 1.36's API and required from 1.37's;
// the operator builds against whichever version the workspace enables.
#[allow(clippy::useless_conversion)]
pub(super) fn stateful_set(platform: &Platform<'_>, node: SingleNode<'_>) -> StatefulSet {
    let mut volumes = node.volumes;
    let claims = match node.storage {
        Some(size) => Some(vec![pod::volume_claim(
            platform,
            "data",
            node.component,
            size,
        )]),
        None => {
            volumes.push(pod::empty_dir("data"));
            None
        }
    };
    StatefulSet {
        metadata: platform.metadata(node.name.to_owned(), node.component),
        spec: StatefulSetSpec {
            replicas: Some(1),
            service_name: Some(node.service_name.to_owned()),
            selector: platform.selector(node.component),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(platform.labels(node.component)),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![node.container],
                    security_context: Some(security::pod(node.run_as)),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    volumes: (!volumes.is_empty()).then_some(volumes),
                    ..PodSpec::default()
                }),
            },
            persistent_volume_claim_retention_policy: claims.is_some().then(pod::claim_retention),
            volume_claim_templates: claims,
            ..StatefulSetSpec::default()
        }
        .into(),
        ..StatefulSet::default()
    }
}
