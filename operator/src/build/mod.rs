//! The desired state of a platform: every Kubernetes object the reconciler server-side
//! applies, as a pure function of the `OrderFlowPlatform` (no client, no I/O).
//!
//! Each object carries the recommended `app.kubernetes.io/*` labels with the platform as
//! `instance`, and a controller owner reference to the platform, so that deletion cascades
//! and the reconciler finds the orphans of a previous spec with [`platform_selector`].
//!
//! ServiceMonitors ([`service_monitors`]) are built apart: their kind is a CRD the cluster may
//! lack, so the reconciler applies them only when the API server serves it.
//!
//! The only input beyond the platform is what the cluster already holds of generated
//! credentials ([`ExistingSecrets`]): a credential is generated once, when absent, and
//! rebuilt from the existing value afterwards, so that reconciling never rotates it.

mod config;
mod hpa;
mod kafka;
mod meta;
mod monitoring;
pub(crate) mod names;
mod network;
mod object;
mod pod;
mod postgres;
mod redis;
mod secrets;
mod security;
mod single_node;
mod workload;

#[cfg(test)]
mod tests;

pub use config::CONFIG_HASH_ANNOTATION;
pub use hpa::CPU_TARGET_UTILIZATION;
pub use kafka::bootstrap_servers as managed_kafka_bootstrap_servers;
pub use meta::{MANAGED_BY, PART_OF, platform_selector};
pub use monitoring::{
    METRICS_PATH, SCRAPE_INTERVAL, SERVICE_MONITOR_GROUP, SERVICE_MONITOR_KIND,
    SERVICE_MONITOR_PLURAL, SERVICE_MONITOR_VERSION, service_monitor_resource, service_monitors,
};
pub use names::{NameError, STATEFUL_SET_NAME_MAX};
pub use object::{DesiredObject, ObjectKind};
pub use secrets::{ExistingSecrets, random_token};

use crate::crd::{DatabasesSource, KafkaSource, OrderFlowPlatform, RedisSource};

use meta::Platform;

/// What the builders need besides the platform.
#[derive(Clone, Copy, Debug)]
pub struct BuildContext<'a> {
    /// The operator's own namespace, whose pods may reach the services (health checks) and
    /// Kafka (topic administration) through the NetworkPolicies.
    pub operator_namespace: &'a str,
    /// Values of the generated Secrets the cluster already holds.
    pub existing_secrets: &'a ExistingSecrets,
}

/// A platform whose desired state cannot be built; the message names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("the platform has no metadata.{0} (it must come from the API server)")]
    MissingMetadata(&'static str),
    #[error("{0}: exactly one of managed and external must be set")]
    AmbiguousSource(&'static str),
    #[error("spec.gateway.expose: the fields do not match type {0:?}")]
    InvalidExposure(crate::crd::ExposeType),
    #[error("metadata.name: {0}")]
    Name(#[from] NameError),
}

/// Every object the platform needs, in apply order ([`ObjectKind::ALL`]): Secrets and
/// ConfigMaps before the workloads that read them.
///
/// `generate` yields a fresh credential; it is called only for credentials that
/// `context.existing_secrets` lacks ([`random_token`] in production, a counter in tests).
pub fn desired_objects(
    platform: &OrderFlowPlatform,
    context: &BuildContext<'_>,
    generate: &mut dyn FnMut() -> String,
) -> Result<Vec<DesiredObject>, BuildError> {
    let platform = Platform::new(platform, context.operator_namespace)?;
    let spec = platform.spec;
    let databases = spec
        .databases
        .source()
        .ok_or(BuildError::AmbiguousSource("spec.databases"))?;
    let kafka = spec
        .kafka
        .source()
        .ok_or(BuildError::AmbiguousSource("spec.kafka"))?;
    let redis = spec
        .redis
        .source()
        .ok_or(BuildError::AmbiguousSource("spec.redis"))?;
    let exposure = spec
        .gateway
        .expose
        .exposure()
        .ok_or(BuildError::InvalidExposure(spec.gateway.expose.type_))?;

    let mut objects = Vec::new();
    if spec.admin_token_secret_ref.is_none() {
        objects.push(secrets::admin_token(&platform, context.existing_secrets, generate).into());
    }
    if let DatabasesSource::Managed(managed) = databases {
        for service in postgres::OWNERS {
            objects.extend(postgres::objects(
                &platform,
                service,
                managed,
                context.existing_secrets,
                generate,
            ));
        }
    }
    if let KafkaSource::Managed(managed) = kafka {
        objects.extend(kafka::objects(&platform, managed));
    }
    if let RedisSource::Managed(managed) = redis {
        objects.extend(redis::objects(&platform, managed));
    }
    let sources = workload::Sources {
        databases,
        kafka,
        redis,
        exposure,
    };
    for (service, service_spec) in spec.services.iter() {
        objects.extend(workload::objects(
            &platform,
            service,
            service_spec,
            &sources,
        ));
    }
    for object in &objects {
        names::check(object)?;
    }
    // Stable: within a kind, components keep their build order.
    objects.sort_by_key(DesiredObject::kind);
    Ok(objects)
}
