//! The services and the gateway: per service a ConfigMap, a Deployment, a Service, a
//! NetworkPolicy, a PodDisruptionBudget when it runs more than one pod, and the gateway's
//! Ingress when it is exposed through one.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, Container, ContainerPort, EnvFromSource, HTTPGetAction, PodSpec,
    PodTemplateSpec, Probe, Service,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, NetworkPolicy, ServiceBackendPort,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::config::{self, CONFIG_HASH_ANNOTATION};
use super::meta::{Component, Platform};
use super::network::{self, Peers};
use super::object::DesiredObject;
use super::{hpa, names, pod, security};
use crate::crd::{DatabasesSource, Exposure, KafkaSource, RedisSource, ServiceName, ServiceSpec};

/// The validated sources of everything the services depend on.
pub(super) struct Sources<'a> {
    pub databases: DatabasesSource<'a>,
    pub kafka: KafkaSource<'a>,
    pub redis: RedisSource<'a>,
    pub exposure: Exposure<'a>,
}

/// Name of the services' container and Service port.
pub(super) const HTTP_PORT: &str = "http";

/// The objects of one service.
pub(super) fn objects(
    platform: &Platform<'_>,
    service: ServiceName,
    spec: &ServiceSpec,
    sources: &Sources<'_>,
) -> Vec<DesiredObject> {
    let name = names::service(platform.name, service);
    let component = component(platform, service);
    let data = config::environment(platform, service, sources);
    let secrets = config::secret_environment(platform, service, sources);
    let hash = config::config_hash(&data, &secrets);

    let mut objects: Vec<DesiredObject> = vec![
        ConfigMap {
            metadata: platform.metadata(name.clone(), &component),
            data: Some(data),
            ..ConfigMap::default()
        }
        .into(),
        deployment(platform, service, spec, &name, &component, &secrets, hash).into(),
        kubernetes_service(platform, service, &name, &component, sources.exposure).into(),
    ];
    if let Some(autoscaling) = hpa::cpu_autoscaled(service, spec) {
        objects
            .push(hpa::horizontal_pod_autoscaler(platform, autoscaling, &name, &component).into());
    }
    if min_replicas(spec) > 1 {
        objects.push(disruption_budget(platform, &name, &component).into());
    }
    if service == ServiceName::Gateway
        && let Exposure::Ingress { host, class_name } = sources.exposure
    {
        objects.push(ingress(platform, &name, &component, host, class_name).into());
    }
    objects.push(network_policy(platform, service, name, &component).into());
    objects
}

/// What a service's objects implement: its package, in the role of the service, at the
/// platform's version.
pub(super) fn component(platform: &Platform<'_>, service: ServiceName) -> Component {
    Component::new(
        service.package(),
        service.as_str(),
        platform.spec.version.as_str(),
    )
}

/// Whether an autoscaler owns the replica count, which the Deployment must then leave out.
fn autoscaled(spec: &ServiceSpec) -> bool {
    spec.autoscaling.as_ref().is_some_and(|a| a.enabled)
}

/// The fewest pods the service runs.
fn min_replicas(spec: &ServiceSpec) -> i32 {
    match &spec.autoscaling {
        Some(autoscaling) if autoscaling.enabled => autoscaling.min_replicas,
        _ => spec.replicas,
    }
}

// `.into()`: the spec is optional up to Kubernetes 1.36's API and required from 1.37's;
// the operator builds against whichever version the workspace enables.
#[allow(clippy::useless_conversion)]
fn deployment(
    platform: &Platform<'_>,
    service: ServiceName,
    spec: &ServiceSpec,
    name: &str,
    component: &Component,
    secrets: &[config::SecretEnv],
    config_hash: String,
) -> Deployment {
    let env = secrets
        .iter()
        .map(|reference| pod::secret_env(reference.variable, &reference.secret, &reference.key))
        .chain(spec.env.iter().cloned())
        .collect();
    let container = Container {
        name: service.as_str().to_owned(),
        image: Some(platform.spec.image(service)),
        image_pull_policy: Some(platform.spec.image_pull_policy.as_str().to_owned()),
        ports: Some(vec![ContainerPort {
            name: Some(HTTP_PORT.to_owned()),
            container_port: i32::from(service.port()),
            protocol: Some("TCP".to_owned()),
            ..ContainerPort::default()
        }]),
        env_from: Some(vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: name.to_owned(),
                optional: Some(false),
            }),
            ..EnvFromSource::default()
        }]),
        env: Some(env),
        resources: spec.resources.clone(),
        // Start-up runs migrations and waits for Kafka: allow it five minutes before the
        // liveness probe takes over.
        startup_probe: Some(http_probe("/health/live", 5, 60)),
        liveness_probe: Some(http_probe("/health/live", 10, 3)),
        readiness_probe: Some(http_probe("/health/ready", 5, 3)),
        security_context: Some(security::container(security::SERVICE, true)),
        volume_mounts: Some(vec![pod::mount("tmp", "/tmp")]),
        ..Container::default()
    };
    Deployment {
        metadata: platform.metadata(name.to_owned(), component),
        spec: DeploymentSpec {
            replicas: (!autoscaled(spec)).then_some(spec.replicas),
            selector: platform.selector(component),
            revision_history_limit: Some(5),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(platform.labels(component)),
                    annotations: Some(BTreeMap::from([(
                        CONFIG_HASH_ANNOTATION.to_owned(),
                        config_hash,
                    )])),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    security_context: Some(security::pod(security::SERVICE)),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    // HTTP_SHUTDOWN_GRACE_SECS (20 s) of draining, plus margin.
                    termination_grace_period_seconds: Some(30),
                    volumes: Some(vec![pod::empty_dir("tmp")]),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }
        .into(),
        ..Deployment::default()
    }
}

fn http_probe(path: &str, period_seconds: i32, failure_threshold: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::String(HTTP_PORT.to_owned()),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period_seconds),
        timeout_seconds: Some(3),
        failure_threshold: Some(failure_threshold),
        ..Probe::default()
    }
}

/// The service's Service; the gateway's follows `spec.gateway.expose`.
fn kubernetes_service(
    platform: &Platform<'_>,
    service: ServiceName,
    name: &str,
    component: &Component,
    exposure: Exposure<'_>,
) -> Service {
    let mut object = pod::service(
        platform,
        name.to_owned(),
        component,
        HTTP_PORT,
        service.port(),
        false,
    );
    if service == ServiceName::Gateway
        && let Exposure::NodePort { port } = exposure
        && let Some(spec) = object.spec.as_mut()
    {
        spec.type_ = Some("NodePort".to_owned());
        if let Some(service_port) = spec.ports.as_mut().and_then(|ports| ports.first_mut()) {
            service_port.node_port = Some(port);
        }
    }
    object
}

fn disruption_budget(
    platform: &Platform<'_>,
    name: &str,
    component: &Component,
) -> PodDisruptionBudget {
    PodDisruptionBudget {
        metadata: platform.metadata(name.to_owned(), component),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(platform.selector(component)),
            ..PodDisruptionBudgetSpec::default()
        }),
        ..PodDisruptionBudget::default()
    }
}

fn ingress(
    platform: &Platform<'_>,
    name: &str,
    component: &Component,
    host: &str,
    class_name: Option<&str>,
) -> Ingress {
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: name.to_owned(),
            port: Some(ServiceBackendPort {
                name: Some(HTTP_PORT.to_owned()),
                ..ServiceBackendPort::default()
            }),
        }),
        ..IngressBackend::default()
    };
    Ingress {
        metadata: platform.metadata(name.to_owned(), component),
        spec: Some(IngressSpec {
            ingress_class_name: class_name.map(str::to_owned),
            rules: Some(vec![IngressRule {
                host: Some(host.to_owned()),
                http: Some(HTTPIngressRuleValue {
                    paths: vec![HTTPIngressPath {
                        path: Some("/".to_owned()),
                        path_type: "Prefix".to_owned(),
                        backend,
                    }],
                }),
            }]),
            ..IngressSpec::default()
        }),
        ..Ingress::default()
    }
}

/// The gateway admits anyone; a service admits the gateway, and the operator's namespace for
/// its checks. Each also admits `spec.observability.prometheusNamespaceSelector`'s namespaces
/// to its http port (the gateway too, so that scraping outlives a narrower gateway policy).
fn network_policy(
    platform: &Platform<'_>,
    service: ServiceName,
    name: String,
    component: &Component,
) -> NetworkPolicy {
    let peers = if service == ServiceName::Gateway {
        Peers::Anyone
    } else {
        Peers::Services {
            services: vec![ServiceName::Gateway],
            operator: true,
        }
    };
    let mut policy = network::policy(platform, name, component, service.port(), peers);
    if let Some(namespaces) = &platform.spec.observability.prometheus_namespace_selector
        && let Some(ingress) = policy.spec.as_mut().and_then(|s| s.ingress.as_mut())
    {
        // The container port named HTTP_PORT, which the ServiceMonitor endpoint scrapes.
        ingress.push(network::namespaces_rule(namespaces, service.port()));
    }
    policy
}
