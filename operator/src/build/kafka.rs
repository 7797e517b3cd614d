//! Managed Kafka: a single-node KRaft Apache Kafka StatefulSet (broker and controller in one
//! process), its headless Service, a client Service and a NetworkPolicy admitting the
//! services and the operator (which administers the topics).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Container, ContainerPort, Probe, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta::{Component, Platform};
use super::network::{self, Peers};
use super::object::DesiredObject;
use super::security::{self, RunAs};
use super::single_node::{self, SingleNode};
use super::{names, pod};
use crate::crd::{ManagedKafka, ServiceName};

const PORT: u16 = 9092;
const CONTROLLER_PORT: u16 = 9093;
/// The `appuser` of the apache/kafka image.
const KAFKA: RunAs = RunAs {
    user: 1000,
    group: 1000,
};
const DATA_DIR: &str = "/var/lib/kafka/data";

/// The bootstrap address of the managed Kafka, qualified with the namespace so that the
/// operator reaches it from its own namespace as the services do from theirs; it is also the
/// address the broker advertises.
pub fn bootstrap_servers(platform: &str, namespace: &str) -> String {
    format!("{}.{namespace}.svc:{PORT}", names::kafka(platform))
}

pub(super) fn objects(platform: &Platform<'_>, spec: &ManagedKafka) -> Vec<DesiredObject> {
    let name = names::kafka(platform.name);
    let headless = names::kafka_headless(platform.name);
    let component = Component::from_image("kafka", "kafka", &spec.image);
    let mut headless_service =
        pod::service(platform, headless.clone(), &component, "kafka", PORT, true);
    if let Some(service_spec) = headless_service.spec.as_mut() {
        // The broker's own name must resolve before it is ready, or it never becomes ready.
        service_spec.publish_not_ready_addresses = Some(true);
    }
    let clients = ServiceName::ALL
        .into_iter()
        .filter(|service| *service != ServiceName::Gateway)
        .collect();
    vec![
        headless_service.into(),
        pod::service(platform, name.clone(), &component, "kafka", PORT, false).into(),
        stateful_set(platform, &name, &headless, &component, spec).into(),
        network::policy(
            platform,
            name,
            &component,
            PORT,
            Peers::Services {
                services: clients,
                operator: true,
            },
        )
        .into(),
    ]
}

/// KRaft's cluster id (16 bytes, base64url), derived from the platform's uid: stable for
/// the platform's life, as the broker's formatted volume requires, and unique across
/// platforms.
fn cluster_id(platform_uid: &str) -> String {
    let bytes = uuid::Uuid::parse_str(platform_uid).map_or_else(
        |_| {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(platform_uid.as_bytes());
            let mut bytes = [0; 16];
            bytes.copy_from_slice(&digest[..16]);
            bytes
        },
        |uid| *uid.as_bytes(),
    );
    URL_SAFE_NO_PAD.encode(bytes)
}

fn stateful_set(
    platform: &Platform<'_>,
    name: &str,
    headless: &str,
    component: &Component,
    spec: &ManagedKafka,
) -> StatefulSet {
    let settings = [
        ("CLUSTER_ID", cluster_id(platform.uid)),
        ("KAFKA_NODE_ID", "1".to_owned()),
        ("KAFKA_PROCESS_ROLES", "broker,controller".to_owned()),
        // A single voter, the process itself.
        (
            "KAFKA_CONTROLLER_QUORUM_VOTERS",
            format!("1@localhost:{CONTROLLER_PORT}"),
        ),
        ("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER".to_owned()),
        (
            "KAFKA_LISTENERS",
            format!("PLAINTEXT://:{PORT},CONTROLLER://:{CONTROLLER_PORT}"),
        ),
        (
            "KAFKA_ADVERTISED_LISTENERS",
            format!(
                "PLAINTEXT://{}",
                bootstrap_servers(platform.name, platform.namespace)
            ),
        ),
        (
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
            "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT".to_owned(),
        ),
        ("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT".to_owned()),
        // A subdirectory: the volume's root may hold `lost+found`, which is no partition.
        ("KAFKA_LOG_DIRS", format!("{DATA_DIR}/logs")),
        ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1".to_owned()),
        (
            "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
            "1".to_owned(),
        ),
        ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1".to_owned()),
        (
            "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
            "1".to_owned(),
        ),
        (
            "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR",
            "1".to_owned(),
        ),
        ("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0".to_owned()),
        // The operator creates every topic, so a misspelt one fails instead of appearing.
        ("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false".to_owned()),
        ("KAFKA_HEAP_OPTS", "-Xms512m -Xmx512m".to_owned()),
    ];
    let tcp_probe = |period_seconds, failure_threshold| Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::String("kafka".to_owned()),
            ..TCPSocketAction::default()
        }),
        period_seconds: Some(period_seconds),
        timeout_seconds: Some(3),
        failure_threshold: Some(failure_threshold),
        ..Probe::default()
    };
    let container = Container {
        name: "kafka".to_owned(),
        image: Some(spec.image.clone()),
        env: Some(
            settings
                .into_iter()
                .map(|(variable, value)| pod::env(variable, value))
                .collect(),
        ),
        ports: Some(vec![
            ContainerPort {
                name: Some("kafka".to_owned()),
                container_port: i32::from(PORT),
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            },
            ContainerPort {
                name: Some("controller".to_owned()),
                container_port: i32::from(CONTROLLER_PORT),
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            },
        ]),
        resources: spec.resources.clone(),
        startup_probe: Some(tcp_probe(5, 60)),
        readiness_probe: Some(tcp_probe(5, 3)),
        liveness_probe: Some(tcp_probe(10, 6)),
        // The image renders its server.properties into /opt/kafka/config at start, so its
        // root filesystem stays writable; everything else is restricted.
        security_context: Some(security::container(KAFKA, false)),
        volume_mounts: Some(vec![pod::mount("data", DATA_DIR)]),
        ..Container::default()
    };
    single_node::stateful_set(
        platform,
        SingleNode {
            name,
            service_name: headless,
            component,
            container,
            run_as: KAFKA,
            volumes: Vec::new(),
            storage: Some(&spec.storage),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_id_is_22_base64url_characters_of_the_uid() {
        let id = cluster_id("4b0c1e5e-7a57-4d3c-9b1f-2f6a9d1c0e11");
        assert_eq!(id.len(), 22);
        assert_eq!(id, cluster_id("4b0c1e5e-7a57-4d3c-9b1f-2f6a9d1c0e11"));
        assert_ne!(id, cluster_id("5b0c1e5e-7a57-4d3c-9b1f-2f6a9d1c0e11"));
        assert_eq!(cluster_id("not-a-uuid").len(), 22);
    }
}
