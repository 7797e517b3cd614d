//! Managed PostgreSQL: per owning service a single-pod StatefulSet with its volume, a
//! headless Service that names it, a Secret of generated credentials and a NetworkPolicy
//! that admits only that service.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Container, ContainerPort, ExecAction, Probe, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta::{Component, Platform};
use super::network::{self, Peers};
use super::object::DesiredObject;
use super::secrets::{self, ExistingSecrets};
use super::security::{self, RunAs};
use super::single_node::{self, SingleNode};
use super::{names, pod};
use crate::crd::{ManagedDatabases, ServiceName};

/// The services that own a database, in [`ServiceName::ALL`] order.
pub(super) const OWNERS: [ServiceName; 4] = [
    ServiceName::Customer,
    ServiceName::Order,
    ServiceName::Payment,
    ServiceName::Inventory,
];

pub(super) const PORT: u16 = 5432;
pub(super) const USERNAME_KEY: &str = "username";
pub(super) const PASSWORD_KEY: &str = "password";
/// The key of the service's `DATABASE_URL`.
pub(super) const URL_KEY: &str = "url";

/// The `postgres` user of the official image (Debian and Alpine alike).
const POSTGRES: RunAs = RunAs {
    user: 999,
    group: 999,
};
const DATA_DIR: &str = "/var/lib/postgresql/data";

/// The objects of `service`'s database.
pub(super) fn objects(
    platform: &Platform<'_>,
    service: ServiceName,
    spec: &ManagedDatabases,
    existing: &ExistingSecrets,
    generate: &mut dyn FnMut() -> String,
) -> Vec<DesiredObject> {
    let name = names::postgres(platform.name, service);
    let component = Component::from_image("postgresql", format!("postgres-{service}"), &spec.image);
    let database = service.as_str();
    let username = existing
        .get(&name, USERNAME_KEY)
        .filter(|value| !value.is_empty())
        .map_or_else(|| format!("{service}_service"), str::to_owned);
    let password = existing.value_or_generate(&name, PASSWORD_KEY, generate);
    let url = url(&name, &username, &password, database);
    let credentials = BTreeMap::from([
        (USERNAME_KEY.to_owned(), username.clone()),
        (PASSWORD_KEY.to_owned(), password),
        (URL_KEY.to_owned(), url),
    ]);
    vec![
        secrets::secret(platform, name.clone(), &component, credentials).into(),
        pod::service(platform, name.clone(), &component, "postgres", PORT, true).into(),
        stateful_set(platform, &name, &component, spec, &username, database).into(),
        network::policy(
            platform,
            name,
            &component,
            PORT,
            Peers::Services {
                services: vec![service],
                operator: false,
            },
        )
        .into(),
    ]
}

/// `postgres://user:password@host:5432/database`, with user and password percent-encoded
/// (an existing password may hold any character).
fn url(host: &str, username: &str, password: &str, database: &str) -> String {
    let encode = |text: &str| {
        url::form_urlencoded::byte_serialize(text.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!(
        "postgres://{}:{}@{host}:{PORT}/{database}",
        encode(username),
        encode(password)
    )
}

fn stateful_set(
    platform: &Platform<'_>,
    name: &str,
    component: &Component,
    spec: &ManagedDatabases,
    username: &str,
    database: &str,
) -> StatefulSet {
    let pg_isready = || Probe {
        exec: Some(ExecAction {
            command: Some(
                [
                    "pg_isready",
                    "--host=127.0.0.1",
                    &format!("--port={PORT}"),
                    &format!("--username={username}"),
                    &format!("--dbname={database}"),
                ]
                .map(str::to_owned)
                .to_vec(),
            ),
        }),
        period_seconds: Some(5),
        timeout_seconds: Some(5),
        failure_threshold: Some(3),
        ..Probe::default()
    };
    let container = Container {
        name: "postgres".to_owned(),
        image: Some(spec.image.clone()),
        ports: Some(vec![ContainerPort {
            name: Some("postgres".to_owned()),
            container_port: i32::from(PORT),
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        }]),
        env: Some(vec![
            pod::secret_env("POSTGRES_USER", name, USERNAME_KEY),
            pod::secret_env("POSTGRES_PASSWORD", name, PASSWORD_KEY),
            pod::env("POSTGRES_DB", database),
            // A subdirectory: the volume's root may hold `lost+found`, which initdb refuses.
            pod::env("PGDATA", format!("{DATA_DIR}/pgdata")),
        ]),
        resources: spec.resources.clone(),
        startup_probe: Some(Probe {
            period_seconds: Some(5),
            failure_threshold: Some(60),
            ..pg_isready()
        }),
        readiness_probe: Some(pg_isready()),
        liveness_probe: Some(Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::String("postgres".to_owned()),
                ..TCPSocketAction::default()
            }),
            period_seconds: Some(10),
            failure_threshold: Some(6),
            ..Probe::default()
        }),
        security_context: Some(security::container(POSTGRES, true)),
        volume_mounts: Some(vec![
            pod::mount("data", DATA_DIR),
            pod::mount("run", "/var/run/postgresql"),
            pod::mount("tmp", "/tmp"),
        ]),
        ..Container::default()
    };
    single_node::stateful_set(
        platform,
        SingleNode {
            name,
            service_name: name,
            component,
            container,
            run_as: POSTGRES,
            volumes: vec![pod::empty_dir("run"), pod::empty_dir("tmp")],
            storage: Some(&spec.storage),
        },
    )
}
