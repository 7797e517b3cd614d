//! A service's environment: the non-secret part for its ConfigMap, the Secret references,
//! and the hash of both that rolls the Deployment when either changes.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::meta::Platform;
use super::secrets::ADMIN_TOKEN_KEY;
use super::workload::Sources;
use super::{kafka, names, postgres, redis};
use crate::crd::{DatabasesSource, KafkaSource, RedisSource, ServiceName};

/// Pod-template annotation holding the SHA-256 of a service's ConfigMap data and Secret
/// references: a change of configuration changes the template, which rolls the Deployment.
pub const CONFIG_HASH_ANNOTATION: &str = "orderflow.io/config-hash";

/// An environment variable read from a Secret's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SecretEnv {
    pub variable: &'static str,
    pub secret: String,
    pub key: String,
}

impl SecretEnv {
    fn new(variable: &'static str, secret: &str, key: &str) -> Self {
        Self {
            variable,
            secret: secret.to_owned(),
            key: key.to_owned(),
        }
    }
}

/// The non-secret variables of `service`, as docker-compose.yml wires them, with the
/// in-cluster addresses of the platform's components.
pub(super) fn environment(
    platform: &Platform<'_>,
    service: ServiceName,
    sources: &Sources<'_>,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut set = |name: &str, value: String| {
        env.insert(name.to_owned(), value);
    };
    set("RUST_LOG", "info".to_owned());
    set("HTTP_ADDR", format!("0.0.0.0:{}", service.port()));
    if let Some(endpoint) = &platform.spec.observability.otlp_endpoint {
        set("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.clone());
        set("OTEL_SERVICE_NAME", service.package().to_owned());
    }
    if service == ServiceName::Gateway {
        for upstream in ServiceName::ALL.into_iter().filter(|s| *s != service) {
            set(
                &format!("{}_URL", upstream.as_str().to_ascii_uppercase()),
                format!(
                    "http://{}:{}",
                    names::service(platform.name, upstream),
                    upstream.port()
                ),
            );
        }
        return env;
    }
    let bootstrap = match sources.kafka {
        KafkaSource::Managed(_) => kafka::bootstrap_servers(platform.name, platform.namespace),
        KafkaSource::External(external) => external.bootstrap_servers.clone(),
    };
    set("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    let topics = &platform.spec.kafka.topics;
    set("KAFKA_TOPIC_PARTITIONS", topics.partitions.to_string());
    set(
        "KAFKA_REPLICATION_FACTOR",
        topics.replication_factor.to_string(),
    );
    if service == ServiceName::Notification {
        set("NOTIFICATION_CHANNEL", "log".to_owned());
        if let RedisSource::Managed(_) = sources.redis {
            set("REDIS_URL", redis::url(platform.name));
        }
    }
    env
}

/// The variables of `service` read from Secrets: its database URL, an external Redis's URL
/// and the admin token.
pub(super) fn secret_environment(
    platform: &Platform<'_>,
    service: ServiceName,
    sources: &Sources<'_>,
) -> Vec<SecretEnv> {
    let mut env = Vec::new();
    if service.owns_database() {
        match sources.databases {
            DatabasesSource::Managed(_) => env.push(SecretEnv::new(
                "DATABASE_URL",
                &names::postgres(platform.name, service),
                postgres::URL_KEY,
            )),
            DatabasesSource::External(external) => {
                if let Some(reference) = external.url_ref(service) {
                    env.push(SecretEnv::new(
                        "DATABASE_URL",
                        &reference.name,
                        &reference.key,
                    ));
                }
            }
        }
    }
    if service == ServiceName::Notification
        && let RedisSource::External(external) = sources.redis
    {
        let reference = &external.url_secret_ref;
        env.push(SecretEnv::new("REDIS_URL", &reference.name, &reference.key));
    }
    env.push(match &platform.spec.admin_token_secret_ref {
        Some(reference) => SecretEnv::new("ADMIN_TOKEN", &reference.name, &reference.key),
        None => SecretEnv::new(
            "ADMIN_TOKEN",
            &names::admin_token(platform.name),
            ADMIN_TOKEN_KEY,
        ),
    });
    env
}

/// SHA-256 (hex) of a ConfigMap's data and the Secret keys referenced: stable across
/// processes and releases, unlike `std`'s hashers. Each string is length-prefixed, so that
/// no two different inputs feed the same bytes.
pub(super) fn config_hash(data: &BTreeMap<String, String>, secrets: &[SecretEnv]) -> String {
    let mut hasher = Sha256::new();
    let mut feed = |text: &str| {
        hasher.update((text.len() as u64).to_be_bytes());
        hasher.update(text.as_bytes());
    };
    feed(&data.len().to_string());
    for (key, value) in data {
        feed(key);
        feed(value);
    }
    for reference in secrets {
        feed(reference.variable);
        feed(&reference.secret);
        feed(&reference.key);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
