//! Managed Redis for the notification service: a single-pod StatefulSet, its Service and a
//! NetworkPolicy admitting only the notification service.

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, ExecAction, PodSpec, PodTemplateSpec, Probe, TCPSocketAction,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta::{Component, Platform};
use super::network::{self, Peers};
use super::object::DesiredObject;
use super::security::{self, RunAs};
use super::{names, pod};
use crate::crd::{ManagedRedis, ServiceName};

const PORT: u16 = 6379;
/// The `redis` user of the official image.
const REDIS: RunAs = RunAs {
    user: 999,
    group: 999,
};

/// The `REDIS_URL` of the managed Redis: reachable only by the notification service, so it
/// needs no password.
pub(super) fn url(platform: &str) -> String {
    format!("redis://{}:{PORT}", names::redis(platform))
}

pub(super) fn objects(platform: &Platform<'_>, spec: &ManagedRedis) -> Vec<DesiredObject> {
    let name = names::redis(platform.name);
    let component = Component::from_image("redis", "redis", &spec.image);
    vec![
        pod::service(platform, name.clone(), &component, "redis", PORT, true).into(),
        stateful_set(platform, &name, &component, spec).into(),
        network::policy(
            platform,
            name,
            &component,
            PORT,
            Peers::Services {
                services: vec![ServiceName::Notification],
                operator: false,
            },
        )
        .into(),
    ]
}

// `.into()`: the spec is optional up to Kubernetes 1.36's API and required from 1.37's;
// the operator builds against whichever version the workspace enables.
#[allow(clippy::useless_conversion)]
fn stateful_set(
    platform: &Platform<'_>,
    name: &str,
    component: &Component,
    spec: &ManagedRedis,
) -> StatefulSet {
    // With a volume, an append-only file survives restarts; without, nothing is written.
    let persistence: &[&str] = if spec.storage.is_some() {
        &["--appendonly", "yes"]
    } else {
        &["--appendonly", "no", "--save", ""]
    };
    let args = ["--dir", "/data"]
        .iter()
        .chain(persistence)
        .map(|arg| (*arg).to_owned())
        .collect();
    let container = Container {
        name: "redis".to_owned(),
        image: Some(spec.image.clone()),
        args: Some(args),
        ports: Some(vec![ContainerPort {
            name: Some("redis".to_owned()),
            container_port: i32::from(PORT),
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        }]),
        resources: spec.resources.clone(),
        readiness_probe: Some(Probe {
            exec: Some(ExecAction {
                command: Some(vec!["redis-cli".to_owned(), "ping".to_owned()]),
            }),
            period_seconds: Some(5),
            timeout_seconds: Some(3),
            failure_threshold: Some(3),
            ..Probe::default()
        }),
        liveness_probe: Some(Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::String("redis".to_owned()),
                ..TCPSocketAction::default()
            }),
            period_seconds: Some(10),
            failure_threshold: Some(6),
            ..Probe::default()
        }),
        security_context: Some(security::container(REDIS, true)),
        volume_mounts: Some(vec![pod::mount("data", "/data")]),
        ..Container::default()
    };
    let (volumes, claims) = match &spec.storage {
        Some(size) => (
            None,
            Some(vec![pod::volume_claim(platform, "data", component, size)]),
        ),
        None => (Some(vec![pod::empty_dir("data")]), None),
    };
    StatefulSet {
        metadata: platform.metadata(name.to_owned(), component),
        spec: StatefulSetSpec {
            replicas: Some(1),
            service_name: Some(name.to_owned()),
            selector: platform.selector(component),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(platform.labels(component)),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    security_context: Some(security::pod(REDIS)),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    volumes,
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
