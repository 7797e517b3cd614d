//! Managed Redis for the notification service: a single-pod StatefulSet, its Service and a
//! NetworkPolicy admitting only the notification service.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Container, ContainerPort, ExecAction, Probe, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta::{Component, Platform};
use super::network::{self, Peers};
use super::object::DesiredObject;
use super::security::{self, RunAs};
use super::single_node::{self, SingleNode};
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
    single_node::stateful_set(
        platform,
        SingleNode {
            name,
            service_name: name,
            component,
            container,
            run_as: REDIS,
            volumes: Vec::new(),
            storage: spec.storage.as_ref(),
        },
    )
}
