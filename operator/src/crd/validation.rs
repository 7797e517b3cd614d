//! Checks of a spec beyond deserialization: what the schema and CEL enforce, again, and what
//! they cannot (quantities that parse, request ≤ limit, unique and valid env names, Kafka
//! bootstrap addresses, the OTLP URL, the Prometheus namespace selector).
//!
//! The reconciler runs [`validate`] before building anything and turns the errors into a
//! Degraded condition; each error names its field from the resource's root.

use std::collections::{BTreeMap, HashSet};

use k8s_openapi::api::core::v1::{EnvVar, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::databases::{DatabasesSpec, ExternalDatabases};
use super::gateway::{ExposeType, GatewayExpose, NODE_PORT_RANGE};
use super::kafka::KafkaSpec;
use super::quantity::parse_quantity;
use super::redis::RedisSpec;
use super::secret::SecretKeyRef;
use super::services::{AutoscalingMode, AutoscalingSpec, ServiceName, ServiceSpec};
use super::spec::OrderFlowPlatformSpec;

/// A rule the spec breaks, with the path of the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SpecError {
    /// Field path from the resource's root, e.g. `spec.services.order.autoscaling.minReplicas`.
    pub path: String,
    pub message: String,
}

/// Every rule `spec` breaks, in field order.
pub fn validate(spec: &OrderFlowPlatformSpec) -> Result<(), Vec<SpecError>> {
    let mut errors = Errors::default();
    check_version(&mut errors, &spec.version);
    check_image_registry(&mut errors, &spec.image_registry);
    for (service, settings) in spec.services.iter() {
        check_service(&mut errors, service, settings);
    }
    check_expose(&mut errors, &spec.gateway.expose);
    check_kafka(&mut errors, &spec.kafka);
    check_databases(&mut errors, &spec.databases);
    check_redis(&mut errors, &spec.redis);
    if let Some(reference) = &spec.admin_token_secret_ref {
        check_secret_ref(&mut errors, "spec.adminTokenSecretRef", reference);
    }
    if let Some(endpoint) = &spec.observability.otlp_endpoint {
        check_otlp_endpoint(&mut errors, endpoint);
    }
    if let Some(selector) = &spec.observability.prometheus_namespace_selector {
        check_label_selector(
            &mut errors,
            "spec.observability.prometheusNamespaceSelector",
            selector,
        );
    }
    errors.into_result()
}

#[derive(Default)]
struct Errors(Vec<SpecError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(SpecError {
            path: path.into(),
            message: message.into(),
        });
    }

    fn into_result(self) -> Result<(), Vec<SpecError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

fn check_version(errors: &mut Errors, version: &str) {
    let valid = version.len() <= 128
        && version
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid {
        errors.push(
            "spec.version",
            "must be an image tag: 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'",
        );
    }
}

fn check_image_registry(errors: &mut Errors, registry: &str) {
    let valid = !registry.is_empty()
        && !registry.starts_with('/')
        && !registry.ends_with('/')
        && registry.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | ':' | '/')
        });
    if !valid {
        errors.push(
            "spec.imageRegistry",
            "must be a registry path such as ghcr.io/acme: lowercase letters, digits, '.', '_', '-', ':' and inner '/'",
        );
    }
}

fn check_service(errors: &mut Errors, service: ServiceName, settings: &ServiceSpec) {
    let path = format!("spec.services.{service}");
    if settings.replicas < 0 {
        errors.push(format!("{path}.replicas"), "must be 0 or more");
    }
    if let Some(resources) = &settings.resources {
        check_resources(errors, &format!("{path}.resources"), resources);
    }
    check_env(errors, &format!("{path}.env"), &settings.env);
    if let Some(autoscaling) = &settings.autoscaling {
        check_autoscaling(errors, &format!("{path}.autoscaling"), service, autoscaling);
    }
}

fn check_autoscaling(
    errors: &mut Errors,
    path: &str,
    service: ServiceName,
    autoscaling: &AutoscalingSpec,
) {
    let at_least = |errors: &mut Errors, field: &str, value: i64, minimum: i64| {
        if value < minimum {
            errors.push(
                format!("{path}.{field}"),
                format!("must be {minimum} or more"),
            );
        }
    };
    at_least(errors, "minReplicas", autoscaling.min_replicas.into(), 1);
    at_least(errors, "maxReplicas", autoscaling.max_replicas.into(), 1);
    at_least(
        errors,
        "targetLagPerReplica",
        autoscaling.target_lag_per_replica,
        1,
    );
    at_least(
        errors,
        "scaleDownStabilizationSeconds",
        autoscaling.scale_down_stabilization_seconds.into(),
        0,
    );
    at_least(
        errors,
        "maxScaleUpStep",
        autoscaling.max_scale_up_step.into(),
        1,
    );
    at_least(
        errors,
        "pollIntervalSeconds",
        autoscaling.poll_interval_seconds.into(),
        1,
    );
    if autoscaling.min_replicas > autoscaling.max_replicas {
        errors.push(
            format!("{path}.minReplicas"),
            format!(
                "must not exceed maxReplicas ({} > {})",
                autoscaling.min_replicas, autoscaling.max_replicas
            ),
        );
    }
    if autoscaling.mode == Some(AutoscalingMode::Lag) && !service.consumes_kafka() {
        errors.push(
            format!("{path}.mode"),
            format!("{service} consumes no Kafka topic: its autoscaling mode must be Cpu"),
        );
    }
}

fn check_resources(errors: &mut Errors, path: &str, resources: &ResourceRequirements) {
    let requests = parse_quantities(
        errors,
        &format!("{path}.requests"),
        resources.requests.as_ref(),
    );
    let limits = parse_quantities(errors, &format!("{path}.limits"), resources.limits.as_ref());
    for (resource, request) in &requests {
        if limits.get(resource).is_some_and(|limit| request > limit) {
            errors.push(
                format!("{path}.requests.{resource}"),
                format!("must not exceed limits.{resource}"),
            );
        }
    }
}

/// The values of the quantities that parse and are not negative; errors for the others.
fn parse_quantities<'a>(
    errors: &mut Errors,
    path: &str,
    quantities: Option<&'a BTreeMap<String, Quantity>>,
) -> BTreeMap<&'a str, f64> {
    let mut values = BTreeMap::new();
    for (resource, quantity) in quantities.into_iter().flatten() {
        let field = format!("{path}.{resource}");
        match parse_quantity(&quantity.0) {
            Ok(value) if value < 0.0 => errors.push(field, "must not be negative"),
            Ok(value) => {
                values.insert(resource.as_str(), value);
            }
            Err(error) => errors.push(field, error.to_string()),
        }
    }
    values
}

fn check_env(errors: &mut Errors, path: &str, env: &[EnvVar]) {
    let mut seen = HashSet::new();
    for (index, variable) in env.iter().enumerate() {
        let field = format!("{path}[{index}].name");
        if !is_env_var_name(&variable.name) {
            errors.push(
                field,
                format!(
                    "`{}` is not an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit",
                    variable.name
                ),
            );
        } else if !seen.insert(variable.name.as_str()) {
            errors.push(field, format!("`{}` is set twice", variable.name));
        }
    }
}

/// Kubernetes' classic rule for env names (`[-._a-zA-Z][-._a-zA-Z0-9]*`), which every
/// cluster version accepts.
fn is_env_var_name(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    name.chars()
        .next()
        .is_some_and(|c| allowed(c) && !c.is_ascii_digit())
        && name.chars().all(allowed)
}

fn check_expose(errors: &mut Errors, expose: &GatewayExpose) {
    let path = "spec.gateway.expose";
    match (expose.type_, expose.node_port) {
        (ExposeType::NodePort, None) => {
            errors.push(format!("{path}.nodePort"), "is required for type NodePort");
        }
        (ExposeType::NodePort, Some(port)) if !NODE_PORT_RANGE.contains(&port) => {
            errors.push(
                format!("{path}.nodePort"),
                format!(
                    "must be within {}-{}, the NodePort range",
                    NODE_PORT_RANGE.start(),
                    NODE_PORT_RANGE.end()
                ),
            );
        }
        (ExposeType::ClusterIP | ExposeType::Ingress, Some(_)) => {
            errors.push(
                format!("{path}.nodePort"),
                "is only allowed with type NodePort",
            );
        }
        _ => {}
    }
    match (expose.type_, expose.host.as_deref()) {
        (ExposeType::Ingress, None) => {
            errors.push(format!("{path}.host"), "is required for type Ingress");
        }
        (ExposeType::Ingress, Some(host)) => {
            let bare = host.strip_prefix("*.").unwrap_or(host);
            if !is_dns_subdomain(bare) {
                errors.push(
                    format!("{path}.host"),
                    format!(
                        "`{host}` is not a DNS name (lowercase, optionally starting with '*.')"
                    ),
                );
            }
        }
        (ExposeType::ClusterIP | ExposeType::NodePort, Some(_)) => {
            errors.push(format!("{path}.host"), "is only allowed with type Ingress");
        }
        _ => {}
    }
    if let Some(class_name) = &expose.class_name {
        if expose.type_ != ExposeType::Ingress {
            errors.push(
                format!("{path}.className"),
                "is only allowed with type Ingress",
            );
        } else if !is_dns_subdomain(class_name) {
            errors.push(
                format!("{path}.className"),
                format!("`{class_name}` is not a valid IngressClass name"),
            );
        }
    }
}

fn check_exactly_one(errors: &mut Errors, path: &str, managed: bool, external: bool) {
    if managed == external {
        errors.push(path, "exactly one of managed and external must be set");
    }
}

fn check_kafka(errors: &mut Errors, kafka: &KafkaSpec) {
    check_exactly_one(
        errors,
        "spec.kafka",
        kafka.managed.is_some(),
        kafka.external.is_some(),
    );
    if let Some(managed) = &kafka.managed {
        check_image(errors, "spec.kafka.managed.image", &managed.image);
        check_storage(errors, "spec.kafka.managed.storage", &managed.storage);
        if let Some(resources) = &managed.resources {
            check_resources(errors, "spec.kafka.managed.resources", resources);
        }
        if kafka.topics.replication_factor != 1 {
            errors.push(
                "spec.kafka.topics.replicationFactor",
                "the managed Kafka has a single broker: must be 1",
            );
        }
    }
    if let Some(external) = &kafka.external {
        check_bootstrap_servers(errors, &external.bootstrap_servers);
    }
    let topics = &kafka.topics;
    if topics.partitions < 1 {
        errors.push("spec.kafka.topics.partitions", "must be 1 or more");
    }
    if topics.replication_factor < 1 {
        errors.push("spec.kafka.topics.replicationFactor", "must be 1 or more");
    }
    if topics.retention_ms < -1 {
        errors.push(
            "spec.kafka.topics.retentionMs",
            "must be -1 (forever) or more",
        );
    }
}

fn check_bootstrap_servers(errors: &mut Errors, servers: &str) {
    let path = "spec.kafka.external.bootstrapServers";
    if servers.trim().is_empty() {
        errors.push(path, "must list at least one host:port");
        return;
    }
    for server in servers.split(',').map(str::trim) {
        let valid = server.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty()
                && !host.contains(char::is_whitespace)
                && port.parse::<u16>().is_ok_and(|p| p > 0)
        });
        if !valid {
            errors.push(path, format!("`{server}` is not a host:port address"));
        }
    }
}

fn check_databases(errors: &mut Errors, databases: &DatabasesSpec) {
    check_exactly_one(
        errors,
        "spec.databases",
        databases.managed.is_some(),
        databases.external.is_some(),
    );
    if let Some(managed) = &databases.managed {
        check_image(errors, "spec.databases.managed.image", &managed.image);
        check_storage(errors, "spec.databases.managed.storage", &managed.storage);
        if let Some(resources) = &managed.resources {
            check_resources(errors, "spec.databases.managed.resources", resources);
        }
    }
    if let Some(external) = &databases.external {
        check_external_databases(errors, external);
    }
}

fn check_external_databases(errors: &mut Errors, external: &ExternalDatabases) {
    for service in ServiceName::ALL {
        if let Some(reference) = external.url_ref(service) {
            check_secret_ref(
                errors,
                &format!("spec.databases.external.{service}"),
                reference,
            );
        }
    }
}

fn check_redis(errors: &mut Errors, redis: &RedisSpec) {
    check_exactly_one(
        errors,
        "spec.redis",
        redis.managed.is_some(),
        redis.external.is_some(),
    );
    if let Some(managed) = &redis.managed {
        check_image(errors, "spec.redis.managed.image", &managed.image);
        if let Some(storage) = &managed.storage {
            check_storage(errors, "spec.redis.managed.storage", storage);
        }
        if let Some(resources) = &managed.resources {
            check_resources(errors, "spec.redis.managed.resources", resources);
        }
    }
    if let Some(external) = &redis.external {
        check_secret_ref(
            errors,
            "spec.redis.external.urlSecretRef",
            &external.url_secret_ref,
        );
    }
}

fn check_image(errors: &mut Errors, path: &str, image: &str) {
    if image.is_empty() || image.contains(char::is_whitespace) {
        errors.push(path, "must be an image reference such as postgres:17");
    }
}

fn check_storage(errors: &mut Errors, path: &str, storage: &Quantity) {
    match parse_quantity(&storage.0) {
        Ok(size) if size > 0.0 => {}
        Ok(_) => errors.push(path, "must be a positive size such as 10Gi"),
        Err(error) => errors.push(path, error.to_string()),
    }
}

fn check_secret_ref(errors: &mut Errors, path: &str, reference: &SecretKeyRef) {
    if !is_dns_subdomain(&reference.name) {
        errors.push(
            format!("{path}.name"),
            format!(
                "`{}` is not a Secret name (a lowercase DNS subdomain)",
                reference.name
            ),
        );
    }
    let key_valid = !reference.key.is_empty()
        && reference.key.len() <= 253
        && reference
            .key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !key_valid {
        errors.push(
            format!("{path}.key"),
            format!(
                "`{}` is not a Secret key: letters, digits, '-', '_' and '.'",
                reference.key
            ),
        );
    }
}

fn check_otlp_endpoint(errors: &mut Errors, endpoint: &str) {
    let valid = url::Url::parse(endpoint)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
    if !valid {
        errors.push(
            "spec.observability.otlpEndpoint",
            format!("`{endpoint}` is not an http(s) URL such as http://otel-collector:4317"),
        );
    }
}

/// What the apiserver checks of a NetworkPolicy's selector, so that a bad one is reported
/// against the platform's field rather than as a rejected policy. `{}` (every namespace) passes.
fn check_label_selector(errors: &mut Errors, path: &str, selector: &LabelSelector) {
    for (key, value) in selector.match_labels.iter().flatten() {
        if !is_label_key(key) {
            errors.push(
                format!("{path}.matchLabels"),
                format!("`{key}` is not a label key such as kubernetes.io/metadata.name"),
            );
        }
        if !is_label_value(value) {
            errors.push(
                format!("{path}.matchLabels.{key}"),
                format!(
                    "`{value}` is not a label value: at most 63 letters, digits, '-', '_' and '.'"
                ),
            );
        }
    }
    for (i, requirement) in selector.match_expressions.iter().flatten().enumerate() {
        let at = format!("{path}.matchExpressions[{i}]");
        if !is_label_key(&requirement.key) {
            errors.push(
                format!("{at}.key"),
                format!("`{}` is not a label key", requirement.key),
            );
        }
        let values = requirement.values.as_deref().unwrap_or_default();
        let values_wanted = match requirement.operator.as_str() {
            "In" | "NotIn" => true,
            "Exists" | "DoesNotExist" => false,
            other => {
                errors.push(
                    format!("{at}.operator"),
                    format!("`{other}` is not one of In, NotIn, Exists and DoesNotExist"),
                );
                continue;
            }
        };
        if values_wanted && values.is_empty() {
            errors.push(format!("{at}.values"), "In and NotIn need values");
        } else if !values_wanted && !values.is_empty() {
            errors.push(
                format!("{at}.values"),
                "Exists and DoesNotExist take no values",
            );
        }
        for value in values.iter().filter(|v| !is_label_value(v)) {
            errors.push(
                format!("{at}.values"),
                format!("`{value}` is not a label value"),
            );
        }
    }
}

/// A qualified name: an optional DNS-subdomain prefix and '/', then a non-empty name.
fn is_label_key(key: &str) -> bool {
    let name = match key.split_once('/') {
        Some((prefix, name)) => {
            if !is_dns_subdomain(prefix) {
                return false;
            }
            name
        }
        None => key,
    };
    !name.is_empty() && is_label_value(name)
}

/// At most 63 letters, digits, '-', '_' and '.', starting and ending alphanumeric; may be empty.
fn is_label_value(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// RFC 1123 subdomain, as Kubernetes names most objects: lowercase labels of letters, digits
/// and '-', separated by '.', at most 253 characters.
fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::crd::{ExternalKafka, ExternalRedis, ManagedDatabases, ManagedKafka, ManagedRedis};

    fn minimal() -> OrderFlowPlatformSpec {
        serde_json::from_value(json!({ "version": "1.4.0" })).expect("a minimal spec")
    }

    fn secret(name: &str, key: &str) -> SecretKeyRef {
        SecretKeyRef {
            name: name.to_owned(),
            key: key.to_owned(),
        }
    }

    fn env(name: &str) -> EnvVar {
        EnvVar {
            name: name.to_owned(),
            value: Some("x".to_owned()),
            value_from: None,
        }
    }

    fn resources(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> ResourceRequirements {
        let map = |entries: &[(&str, &str)]| {
            Some(
                entries
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Quantity((*v).to_owned())))
                    .collect(),
            )
        };
        ResourceRequirements {
            requests: map(requests),
            limits: map(limits),
            ..ResourceRequirements::default()
        }
    }

    /// The paths `validate` reports for `spec`, which must be invalid.
    fn failing_paths(spec: &OrderFlowPlatformSpec) -> Vec<String> {
        match validate(spec) {
            Ok(()) => panic!("expected errors for {spec:#?}"),
            Err(errors) => errors.into_iter().map(|e| e.path).collect(),
        }
    }

    #[track_caller]
    fn assert_fails_at(spec: &OrderFlowPlatformSpec, path: &str) {
        let paths = failing_paths(spec);
        assert_eq!(paths, vec![path.to_owned()], "unexpected errors");
    }

    #[test]
    fn a_minimal_spec_is_valid_and_fully_defaulted() {
        let spec = minimal();
        assert_eq!(validate(&spec), Ok(()));
        assert!(spec.kafka.managed.is_some() && spec.databases.managed.is_some());
        assert!(spec.redis.managed.is_some());
    }

    #[test]
    fn errors_name_the_field_and_say_why() {
        let mut spec = minimal();
        spec.services.order.replicas = -1;
        let errors = validate(&spec).expect_err("invalid");
        assert_eq!(
            errors[0].to_string(),
            "spec.services.order.replicas: must be 0 or more"
        );
    }

    #[test]
    fn every_error_is_reported_not_only_the_first() {
        let mut spec = minimal();
        spec.version = String::new();
        spec.services.payment.replicas = -2;
        spec.kafka.topics.partitions = 0;
        assert_eq!(
            failing_paths(&spec),
            [
                "spec.version",
                "spec.services.payment.replicas",
                "spec.kafka.topics.partitions"
            ]
        );
    }

    #[test]
    fn version_must_be_an_image_tag() {
        for version in ["", "-rc1", ".1", "1.0 beta", "v1/2", &"1".repeat(129)] {
            let mut spec = minimal();
            spec.version = version.to_owned();
            assert_fails_at(&spec, "spec.version");
        }
        for version in [
            "1.4.0",
            "v2",
            "1.0.0-rc.1",
            "latest",
            "_x",
            &"1".repeat(128),
        ] {
            let mut spec = minimal();
            spec.version = version.to_owned();
            assert_eq!(validate(&spec), Ok(()), "{version}");
        }
    }

    #[test]
    fn image_registry_must_be_a_lowercase_path() {
        for registry in [
            "",
            "/orderflow",
            "ghcr.io/acme/",
            "GHCR.io/acme",
            "my registry",
        ] {
            let mut spec = minimal();
            spec.image_registry = registry.to_owned();
            assert_fails_at(&spec, "spec.imageRegistry");
        }
        let mut spec = minimal();
        spec.image_registry = "localhost:5000/orderflow".to_owned();
        assert_eq!(validate(&spec), Ok(()));
    }

    #[test]
    fn replicas_may_be_zero_but_not_negative() {
        let mut spec = minimal();
        spec.services.notification.replicas = 0;
        assert_eq!(validate(&spec), Ok(()));
        spec.services.notification.replicas = -1;
        assert_fails_at(&spec, "spec.services.notification.replicas");
    }

    #[test]
    fn resource_quantities_must_parse_and_requests_must_fit_limits() {
        let mut spec = minimal();
        spec.services.gateway.resources = Some(resources(
            &[("cpu", "250m"), ("memory", "64Mi")],
            &[("cpu", "1"), ("memory", "128Mi")],
        ));
        assert_eq!(validate(&spec), Ok(()));

        spec.services.gateway.resources = Some(resources(&[("memory", "64MB")], &[]));
        assert_fails_at(&spec, "spec.services.gateway.resources.requests.memory");

        spec.services.gateway.resources = Some(resources(&[], &[("cpu", "-1")]));
        assert_fails_at(&spec, "spec.services.gateway.resources.limits.cpu");

        spec.services.gateway.resources = Some(resources(&[("cpu", "2")], &[("cpu", "1500m")]));
        assert_fails_at(&spec, "spec.services.gateway.resources.requests.cpu");
    }

    #[test]
    fn env_names_must_be_valid_and_unique() {
        let mut spec = minimal();
        spec.services.order.env = vec![env("RUST_LOG"), env("my.var-1"), env("_X")];
        assert_eq!(validate(&spec), Ok(()));

        spec.services.order.env = vec![env("RUST_LOG"), env("1ABC")];
        assert_fails_at(&spec, "spec.services.order.env[1].name");

        spec.services.order.env = vec![env("A=B")];
        assert_fails_at(&spec, "spec.services.order.env[0].name");

        spec.services.order.env = vec![env("")];
        assert_fails_at(&spec, "spec.services.order.env[0].name");

        spec.services.order.env = vec![env("RUST_LOG"), env("X"), env("RUST_LOG")];
        assert_fails_at(&spec, "spec.services.order.env[2].name");
    }

    #[test]
    fn autoscaling_min_must_not_exceed_max() {
        let mut spec = minimal();
        spec.services.order.autoscaling = Some(AutoscalingSpec {
            min_replicas: 3,
            max_replicas: 3,
            ..AutoscalingSpec::default()
        });
        assert_eq!(validate(&spec), Ok(()));
        spec.services.order.autoscaling = Some(AutoscalingSpec {
            min_replicas: 4,
            max_replicas: 3,
            ..AutoscalingSpec::default()
        });
        assert_fails_at(&spec, "spec.services.order.autoscaling.minReplicas");
    }

    #[test]
    fn autoscaling_numbers_have_lower_bounds() {
        type Break = fn(&mut AutoscalingSpec);
        let cases: [(&str, Break); 6] = [
            ("minReplicas", |a| a.min_replicas = 0),
            ("maxReplicas", |a| {
                a.min_replicas = 1;
                a.max_replicas = 0;
            }),
            ("targetLagPerReplica", |a| a.target_lag_per_replica = 0),
            ("scaleDownStabilizationSeconds", |a| {
                a.scale_down_stabilization_seconds = -1;
            }),
            ("maxScaleUpStep", |a| a.max_scale_up_step = 0),
            ("pollIntervalSeconds", |a| a.poll_interval_seconds = 0),
        ];
        for (field, break_it) in cases {
            let mut autoscaling = AutoscalingSpec::default();
            break_it(&mut autoscaling);
            let mut spec = minimal();
            spec.services.inventory.autoscaling = Some(autoscaling);
            let paths = failing_paths(&spec);
            assert!(
                paths.contains(&format!("spec.services.inventory.autoscaling.{field}")),
                "{field}: {paths:?}"
            );
        }
    }

    #[test]
    fn lag_mode_is_only_for_kafka_consumers() {
        for service in ServiceName::ALL {
            let mut spec = minimal();
            let lag = Some(AutoscalingSpec {
                mode: Some(AutoscalingMode::Lag),
                ..AutoscalingSpec::default()
            });
            match service {
                ServiceName::Customer => spec.services.customer.autoscaling = lag,
                ServiceName::Order => spec.services.order.autoscaling = lag,
                ServiceName::Payment => spec.services.payment.autoscaling = lag,
                ServiceName::Inventory => spec.services.inventory.autoscaling = lag,
                ServiceName::Notification => spec.services.notification.autoscaling = lag,
                ServiceName::Gateway => spec.services.gateway.autoscaling = lag,
            }
            if service.consumes_kafka() {
                assert_eq!(validate(&spec), Ok(()), "{service}");
            } else {
                assert_fails_at(&spec, &format!("spec.services.{service}.autoscaling.mode"));
            }
        }
    }

    #[test]
    fn node_port_goes_with_type_node_port_within_the_range() {
        let mut spec = minimal();
        spec.gateway.expose.type_ = ExposeType::NodePort;
        assert_fails_at(&spec, "spec.gateway.expose.nodePort");
        for port in [30000, 32767] {
            spec.gateway.expose.node_port = Some(port);
            assert_eq!(validate(&spec), Ok(()));
        }
        for port in [29999, 32768, 80] {
            spec.gateway.expose.node_port = Some(port);
            assert_fails_at(&spec, "spec.gateway.expose.nodePort");
        }
        spec.gateway.expose.type_ = ExposeType::ClusterIP;
        spec.gateway.expose.node_port = Some(30080);
        assert_fails_at(&spec, "spec.gateway.expose.nodePort");
    }

    #[test]
    fn ingress_needs_a_valid_host_and_owns_host_and_class_name() {
        let mut spec = minimal();
        spec.gateway.expose.type_ = ExposeType::Ingress;
        assert_fails_at(&spec, "spec.gateway.expose.host");
        for host in ["shop.example.com", "*.example.com", "localhost"] {
            spec.gateway.expose.host = Some(host.to_owned());
            assert_eq!(validate(&spec), Ok(()), "{host}");
        }
        for host in [
            "Shop.example.com",
            "shop..example.com",
            "-shop.io",
            "shop.io:80",
        ] {
            spec.gateway.expose.host = Some(host.to_owned());
            assert_fails_at(&spec, "spec.gateway.expose.host");
        }
        spec.gateway.expose.host = Some("shop.example.com".to_owned());
        spec.gateway.expose.class_name = Some("Nginx".to_owned());
        assert_fails_at(&spec, "spec.gateway.expose.className");

        let mut spec = minimal();
        spec.gateway.expose.host = Some("shop.example.com".to_owned());
        assert_fails_at(&spec, "spec.gateway.expose.host");
        let mut spec = minimal();
        spec.gateway.expose.class_name = Some("nginx".to_owned());
        assert_fails_at(&spec, "spec.gateway.expose.className");
    }

    #[test]
    fn kafka_needs_exactly_one_of_managed_and_external() {
        let external = Some(ExternalKafka {
            bootstrap_servers: "kafka:9092".to_owned(),
        });
        let mut spec = minimal();
        spec.kafka.external = external.clone();
        assert_fails_at(&spec, "spec.kafka");
        spec.kafka.managed = None;
        assert_eq!(validate(&spec), Ok(()));
        spec.kafka.external = None;
        assert_fails_at(&spec, "spec.kafka");
    }

    #[test]
    fn bootstrap_servers_are_host_port_pairs() {
        let mut spec = minimal();
        spec.kafka.managed = None;
        for servers in [
            "kafka:9092",
            "a:9092,b:9093",
            "a:9092, b:9093",
            "[::1]:9092",
        ] {
            spec.kafka.external = Some(ExternalKafka {
                bootstrap_servers: servers.to_owned(),
            });
            assert_eq!(validate(&spec), Ok(()), "{servers}");
        }
        for servers in [
            "",
            " ",
            "kafka",
            "kafka:",
            ":9092",
            "kafka:0",
            "kafka:99999",
            "a:9092,",
        ] {
            spec.kafka.external = Some(ExternalKafka {
                bootstrap_servers: servers.to_owned(),
            });
            assert_fails_at(&spec, "spec.kafka.external.bootstrapServers");
        }
    }

    #[test]
    fn managed_kafka_has_a_positive_storage_an_image_and_one_replica() {
        let mut spec = minimal();
        spec.kafka.managed = Some(ManagedKafka {
            storage: Quantity("0".to_owned()),
            ..ManagedKafka::default()
        });
        assert_fails_at(&spec, "spec.kafka.managed.storage");
        spec.kafka.managed = Some(ManagedKafka {
            storage: Quantity("ten gigs".to_owned()),
            ..ManagedKafka::default()
        });
        assert_fails_at(&spec, "spec.kafka.managed.storage");
        spec.kafka.managed = Some(ManagedKafka {
            image: String::new(),
            ..ManagedKafka::default()
        });
        assert_fails_at(&spec, "spec.kafka.managed.image");
        spec.kafka.managed = Some(ManagedKafka {
            resources: Some(resources(&[("memory", "1Gb")], &[])),
            ..ManagedKafka::default()
        });
        assert_fails_at(&spec, "spec.kafka.managed.resources.requests.memory");

        let mut spec = minimal();
        spec.kafka.topics.replication_factor = 3;
        assert_fails_at(&spec, "spec.kafka.topics.replicationFactor");
        spec.kafka.managed = None;
        spec.kafka.external = Some(ExternalKafka {
            bootstrap_servers: "kafka:9092".to_owned(),
        });
        assert_eq!(validate(&spec), Ok(()));
    }

    #[test]
    fn topic_defaults_have_lower_bounds() {
        let mut spec = minimal();
        spec.kafka.topics.retention_ms = -1;
        assert_eq!(validate(&spec), Ok(()));
        spec.kafka.topics.retention_ms = -2;
        assert_fails_at(&spec, "spec.kafka.topics.retentionMs");
        let mut spec = minimal();
        spec.kafka.topics.partitions = 0;
        assert_fails_at(&spec, "spec.kafka.topics.partitions");
        let mut spec = minimal();
        spec.kafka.managed = None;
        spec.kafka.external = Some(ExternalKafka {
            bootstrap_servers: "kafka:9092".to_owned(),
        });
        spec.kafka.topics.replication_factor = 0;
        assert_fails_at(&spec, "spec.kafka.topics.replicationFactor");
    }

    #[test]
    fn databases_need_exactly_one_of_managed_and_external() {
        let external = ExternalDatabases {
            customer: secret("customer-db", "url"),
            order: secret("order-db", "url"),
            payment: secret("payment-db", "url"),
            inventory: secret("inventory-db", "url"),
        };
        let mut spec = minimal();
        spec.databases.external = Some(external.clone());
        assert_fails_at(&spec, "spec.databases");
        spec.databases.managed = None;
        assert_eq!(validate(&spec), Ok(()));
        spec.databases.external = None;
        assert_fails_at(&spec, "spec.databases");

        spec.databases.external = Some(ExternalDatabases {
            payment: secret("Payment_DB", "url"),
            ..external.clone()
        });
        assert_fails_at(&spec, "spec.databases.external.payment.name");
        spec.databases.external = Some(ExternalDatabases {
            inventory: secret("inventory-db", "database url"),
            ..external
        });
        assert_fails_at(&spec, "spec.databases.external.inventory.key");
    }

    #[test]
    fn managed_databases_have_a_positive_storage_and_an_image() {
        let mut spec = minimal();
        spec.databases.managed = Some(ManagedDatabases {
            storage: Quantity("-5Gi".to_owned()),
            ..ManagedDatabases::default()
        });
        assert_fails_at(&spec, "spec.databases.managed.storage");
        spec.databases.managed = Some(ManagedDatabases {
            image: "postgres 17".to_owned(),
            ..ManagedDatabases::default()
        });
        assert_fails_at(&spec, "spec.databases.managed.image");
        spec.databases.managed = Some(ManagedDatabases {
            resources: Some(resources(&[("cpu", "2")], &[("cpu", "1")])),
            ..ManagedDatabases::default()
        });
        assert_fails_at(&spec, "spec.databases.managed.resources.requests.cpu");
    }

    #[test]
    fn redis_needs_exactly_one_of_managed_and_external() {
        let mut spec = minimal();
        spec.redis.external = Some(ExternalRedis {
            url_secret_ref: secret("redis", "url"),
        });
        assert_fails_at(&spec, "spec.redis");
        spec.redis.managed = None;
        assert_eq!(validate(&spec), Ok(()));
        spec.redis.external = None;
        assert_fails_at(&spec, "spec.redis");
        spec.redis.external = Some(ExternalRedis {
            url_secret_ref: secret("", "url"),
        });
        assert_fails_at(&spec, "spec.redis.external.urlSecretRef.name");
    }

    #[test]
    fn managed_redis_storage_is_optional_but_positive() {
        let mut spec = minimal();
        spec.redis.managed = Some(ManagedRedis {
            storage: Some(Quantity("1Gi".to_owned())),
            ..ManagedRedis::default()
        });
        assert_eq!(validate(&spec), Ok(()));
        spec.redis.managed = Some(ManagedRedis {
            storage: Some(Quantity("0Gi".to_owned())),
            ..ManagedRedis::default()
        });
        assert_fails_at(&spec, "spec.redis.managed.storage");
        spec.redis.managed = Some(ManagedRedis {
            image: String::new(),
            ..ManagedRedis::default()
        });
        assert_fails_at(&spec, "spec.redis.managed.image");
        spec.redis.managed = Some(ManagedRedis {
            resources: Some(resources(&[], &[("memory", "lots")])),
            ..ManagedRedis::default()
        });
        assert_fails_at(&spec, "spec.redis.managed.resources.limits.memory");
    }

    #[test]
    fn admin_token_secret_ref_must_name_a_secret_key() {
        let mut spec = minimal();
        spec.admin_token_secret_ref = Some(secret("admin", "token"));
        assert_eq!(validate(&spec), Ok(()));
        spec.admin_token_secret_ref = Some(secret("admin", ""));
        assert_fails_at(&spec, "spec.adminTokenSecretRef.key");
        spec.admin_token_secret_ref = Some(secret(&"a".repeat(254), "token"));
        assert_fails_at(&spec, "spec.adminTokenSecretRef.name");
    }

    #[test]
    fn prometheus_namespace_selector_must_be_a_valid_label_selector() {
        let with = |selector: &serde_json::Value| {
            let mut spec = minimal();
            spec.observability.prometheus_namespace_selector =
                Some(serde_json::from_value(selector.clone()).expect("a label selector"));
            spec
        };
        let set = |selector: serde_json::Value| failing_paths(&with(&selector));
        let path = "spec.observability.prometheusNamespaceSelector";
        for valid in [
            json!({}),
            json!({ "matchLabels": { "kubernetes.io/metadata.name": "monitoring" } }),
            json!({ "matchExpressions": [
                { "key": "team", "operator": "In", "values": ["obs", "sre"] },
                { "key": "monitoring", "operator": "Exists" }
            ] }),
        ] {
            assert_eq!(validate(&with(&valid)), Ok(()), "{valid}");
        }
        assert_eq!(
            set(json!({ "matchLabels": { "bad key!": "monitoring" } })),
            vec![format!("{path}.matchLabels")]
        );
        assert_eq!(
            set(json!({ "matchLabels": { "team": "-obs" } })),
            vec![format!("{path}.matchLabels.team")]
        );
        assert_eq!(
            set(json!({ "matchExpressions": [{ "key": "team", "operator": "Equals" }] })),
            vec![format!("{path}.matchExpressions[0].operator")]
        );
        assert_eq!(
            set(json!({ "matchExpressions": [{ "key": "team", "operator": "In" }] })),
            vec![format!("{path}.matchExpressions[0].values")]
        );
        assert_eq!(
            set(json!({ "matchExpressions": [
                { "key": "team", "operator": "Exists", "values": ["obs"] }
            ] })),
            vec![format!("{path}.matchExpressions[0].values")]
        );
    }

    #[test]
    fn otlp_endpoint_must_be_an_http_url() {
        let mut spec = minimal();
        for endpoint in ["http://otel-collector:4317", "https://otel.example.com"] {
            spec.observability.otlp_endpoint = Some(endpoint.to_owned());
            assert_eq!(validate(&spec), Ok(()), "{endpoint}");
        }
        for endpoint in ["otel-collector:4317", "grpc://otel:4317", "http://", ""] {
            spec.observability.otlp_endpoint = Some(endpoint.to_owned());
            assert_fails_at(&spec, "spec.observability.otlpEndpoint");
        }
    }
}
