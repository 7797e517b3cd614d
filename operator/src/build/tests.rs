use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Container, EnvVar, PodSpec, Secret, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy, NetworkPolicyPeer};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::ObjectMeta;
use serde_json::json;

use super::*;
use crate::crd::ServiceName;

const UID: &str = "4b0c1e5e-7a57-4d3c-9b1f-2f6a9d1c0e11";
const OPERATOR_NAMESPACE: &str = "orderflow-system";

fn platform(name: &str, spec: serde_json::Value) -> OrderFlowPlatform {
    OrderFlowPlatform {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("prod".to_owned()),
            uid: Some(UID.to_owned()),
            ..ObjectMeta::default()
        },
        spec: serde_json::from_value(spec).expect("a valid spec"),
        status: None,
    }
}

fn minimal() -> OrderFlowPlatform {
    platform("shop", json!({ "version": "1.4.0" }))
}

fn external() -> OrderFlowPlatform {
    platform(
        "shop",
        json!({
            "version": "1.4.0",
            "kafka": { "external": { "bootstrapServers": "kafka-1:9092,kafka-2:9092" } },
            "databases": { "external": {
                "customer": { "name": "dbs", "key": "customer" },
                "order": { "name": "dbs", "key": "order" },
                "payment": { "name": "dbs", "key": "payment" },
                "inventory": { "name": "dbs", "key": "inventory" }
            } },
            "redis": { "external": { "urlSecretRef": { "name": "cache", "key": "url" } } },
            "adminTokenSecretRef": { "name": "admin", "key": "token" }
        }),
    )
}

/// Builds with an empty cluster and a counter as the credential generator.
fn build(platform: &OrderFlowPlatform) -> Vec<DesiredObject> {
    build_with(platform, &ExistingSecrets::default())
}

fn build_with(platform: &OrderFlowPlatform, existing: &ExistingSecrets) -> Vec<DesiredObject> {
    let mut counter = 0;
    let mut generate = || {
        counter += 1;
        format!("generated-{counter}")
    };
    desired_objects(
        platform,
        &BuildContext {
            operator_namespace: OPERATOR_NAMESPACE,
            existing_secrets: existing,
        },
        &mut generate,
    )
    .expect("a desired state")
}

macro_rules! of_kind {
    ($fn:ident, $variant:ident, $type:ty) => {
        fn $fn(objects: &[DesiredObject]) -> Vec<&$type> {
            objects
                .iter()
                .filter_map(|object| match object {
                    DesiredObject::$variant(typed) => Some(typed),
                    _ => None,
                })
                .collect()
        }
    };
}
of_kind!(deployments, Deployment, Deployment);
of_kind!(stateful_sets, StatefulSet, StatefulSet);
of_kind!(services, Service, Service);
of_kind!(config_maps, ConfigMap, ConfigMap);
of_kind!(secrets, Secret, Secret);
of_kind!(policies, NetworkPolicy, NetworkPolicy);
of_kind!(budgets, PodDisruptionBudget, PodDisruptionBudget);
of_kind!(ingresses, Ingress, Ingress);
of_kind!(
    autoscalers,
    HorizontalPodAutoscaler,
    k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler
);

fn named<'a, T: k8s_openapi::Metadata<Ty = ObjectMeta>>(objects: &[&'a T], name: &str) -> &'a T {
    objects
        .iter()
        .find(|object| object.metadata().name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no object named {name}"))
}

/// The spec of a Deployment or StatefulSet, which k8s-openapi types as optional up to
/// Kubernetes 1.36 and as required from 1.37: the tests run against either.
trait Required<T> {
    fn required(&self) -> &T;
}

impl<T> Required<T> for T {
    fn required(&self) -> &T {
        self
    }
}

impl<T> Required<T> for Option<T> {
    fn required(&self) -> &T {
        self.as_ref().expect("a spec")
    }
}

fn deployment_spec(deployment: &Deployment) -> &DeploymentSpec {
    Required::<DeploymentSpec>::required(&deployment.spec)
}

fn stateful_set_spec(stateful_set: &StatefulSet) -> &StatefulSetSpec {
    Required::<StatefulSetSpec>::required(&stateful_set.spec)
}

fn pod_spec(deployment: &Deployment) -> &PodSpec {
    deployment_spec(deployment)
        .template
        .spec
        .as_ref()
        .expect("a pod spec")
}

fn container(deployment: &Deployment) -> &Container {
    &pod_spec(deployment).containers[0]
}

fn env_var<'a>(container: &'a Container, name: &str) -> Option<&'a EnvVar> {
    container.env.iter().flatten().find(|var| var.name == name)
}

/// `(secret, key)` of a variable read from a Secret.
fn secret_ref(container: &Container, name: &str) -> Option<(String, String)> {
    let selector = env_var(container, name)?
        .value_from
        .as_ref()?
        .secret_key_ref
        .as_ref()?;
    Some((selector.name.clone(), selector.key.clone()))
}

fn config_data<'a>(objects: &'a [DesiredObject], name: &str) -> &'a BTreeMap<String, String> {
    named(&config_maps(objects), name)
        .data
        .as_ref()
        .expect("data")
}

fn config_hash(objects: &[DesiredObject], deployment: &str) -> String {
    deployment_spec(named(&deployments(objects), deployment))
        .template
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.annotations.as_ref())
        .and_then(|annotations| annotations.get(CONFIG_HASH_ANNOTATION))
        .cloned()
        .expect("a config hash")
}

fn names_of_kind(objects: &[DesiredObject], kind: ObjectKind) -> Vec<&str> {
    objects
        .iter()
        .filter(|object| object.kind() == kind)
        .map(DesiredObject::name)
        .collect()
}

#[test]
fn a_minimal_platform_gets_every_managed_component() {
    let objects = build(&minimal());
    assert_eq!(
        names_of_kind(&objects, ObjectKind::Deployment),
        [
            "shop-customer",
            "shop-order",
            "shop-payment",
            "shop-inventory",
            "shop-notification",
            "shop-gateway"
        ]
    );
    assert_eq!(
        names_of_kind(&objects, ObjectKind::StatefulSet),
        [
            "shop-postgres-customer",
            "shop-postgres-order",
            "shop-postgres-payment",
            "shop-postgres-inventory",
            "shop-kafka",
            "shop-redis"
        ]
    );
    assert_eq!(
        names_of_kind(&objects, ObjectKind::Secret),
        [
            "shop-admin-token",
            "shop-postgres-customer",
            "shop-postgres-order",
            "shop-postgres-payment",
            "shop-postgres-inventory"
        ]
    );
    assert_eq!(config_maps(&objects).len(), 6);
    assert_eq!(policies(&objects).len(), 6 + 4 + 2);
    assert!(budgets(&objects).is_empty());
    assert!(ingresses(&objects).is_empty());
    let kinds: Vec<_> = objects.iter().map(DesiredObject::kind).collect();
    assert!(
        kinds.is_sorted(),
        "in apply order, Secrets and ConfigMaps first: {kinds:?}"
    );
    assert_eq!(kinds.first(), Some(&ObjectKind::Secret));
}

#[test]
fn every_object_carries_the_labels_and_the_owner_reference() {
    for platform in [minimal(), external()] {
        for object in build(&platform) {
            let metadata = object.metadata();
            let labels = metadata.labels.as_ref().expect("labels");
            let label = |key: &str| labels.get(key).map(String::as_str);
            assert_eq!(label("app.kubernetes.io/instance"), Some("shop"));
            assert_eq!(label("app.kubernetes.io/part-of"), Some(PART_OF));
            assert_eq!(label("app.kubernetes.io/managed-by"), Some(MANAGED_BY));
            for key in ["name", "component", "version"] {
                let value = label(&format!("app.kubernetes.io/{key}")).unwrap_or_default();
                assert!(!value.is_empty(), "{} lacks {key}", object.name());
            }
            assert_eq!(metadata.namespace.as_deref(), Some("prod"));
            let owners = metadata.owner_references.as_ref().expect("owners");
            assert_eq!(owners.len(), 1, "{}", object.name());
            let owner = &owners[0];
            assert_eq!(
                (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
                ("OrderFlowPlatform", "shop", UID)
            );
            assert_eq!(owner.api_version, "orderflow.io/v1alpha1");
            assert_eq!(owner.controller, Some(true));
            assert_eq!(owner.block_owner_deletion, Some(true));
        }
    }
}

#[test]
fn the_platform_selector_matches_every_object() {
    let selector = platform_selector("shop");
    for object in build(&minimal()) {
        let labels = object.metadata().labels.clone().unwrap_or_default();
        for requirement in selector.split(',') {
            let (key, value) = requirement.split_once('=').expect("key=value");
            assert_eq!(labels.get(key).map(String::as_str), Some(value));
        }
    }
}

#[test]
fn deployments_probe_health_and_run_the_versioned_image() {
    let objects = build(&platform(
        "shop",
        json!({ "version": "1.4.0", "imageRegistry": "ghcr.io/acme", "imagePullPolicy": "Always" }),
    ));
    for service in ServiceName::ALL {
        let deployment = named(&deployments(&objects), &format!("shop-{service}"));
        let container = container(deployment);
        assert_eq!(
            container.image.as_deref(),
            Some(format!("ghcr.io/acme/{}:1.4.0", service.package()).as_str())
        );
        assert_eq!(container.image_pull_policy.as_deref(), Some("Always"));
        let ports = container.ports.as_ref().expect("ports");
        assert_eq!(ports[0].container_port, i32::from(service.port()));
        assert_eq!(ports[0].name.as_deref(), Some("http"));
        let path = |probe: &Option<k8s_openapi::api::core::v1::Probe>| {
            let action = probe.as_ref()?.http_get.as_ref()?;
            assert_eq!(action.port, IntOrString::String("http".to_owned()));
            action.path.clone()
        };
        assert_eq!(
            path(&container.liveness_probe).as_deref(),
            Some("/health/live")
        );
        assert_eq!(
            path(&container.readiness_probe).as_deref(),
            Some("/health/ready")
        );
        assert!(
            path(&container.startup_probe).is_some(),
            "{service}: startup probe"
        );
        let service_object = named(&services(&objects), &format!("shop-{service}"));
        let service_spec = service_object.spec.as_ref().expect("spec");
        assert_eq!(service_spec.type_.as_deref(), Some("ClusterIP"));
        assert_eq!(
            service_spec.ports.as_ref().expect("ports")[0].port,
            i32::from(service.port())
        );
    }
}

#[test]
fn every_workload_runs_restricted() {
    let objects = build(&minimal());
    let mut pods: Vec<(&str, &PodSpec)> = deployments(&objects)
        .into_iter()
        .map(|d| (d.metadata.name.as_deref().unwrap_or_default(), pod_spec(d)))
        .collect();
    pods.extend(stateful_sets(&objects).into_iter().map(|s| {
        (
            s.metadata.name.as_deref().unwrap_or_default(),
            stateful_set_spec(s)
                .template
                .spec
                .as_ref()
                .expect("a pod spec"),
        )
    }));
    assert_eq!(pods.len(), 12);
    for (name, pod) in pods {
        let security = pod.security_context.as_ref().expect("pod security");
        assert_eq!(security.run_as_non_root, Some(true), "{name}");
        assert!(security.run_as_user.is_some_and(|uid| uid > 0), "{name}");
        let seccomp = security.seccomp_profile.as_ref().expect("seccomp");
        assert_eq!(seccomp.type_, "RuntimeDefault", "{name}");
        assert_eq!(pod.automount_service_account_token, Some(false), "{name}");
        for container in &pod.containers {
            let security = container.security_context.as_ref().expect("security");
            assert_eq!(security.run_as_non_root, Some(true), "{name}");
            assert_eq!(security.allow_privilege_escalation, Some(false), "{name}");
            let dropped = security.capabilities.as_ref().and_then(|c| c.drop.clone());
            assert_eq!(dropped, Some(vec!["ALL".to_owned()]), "{name}");
            let seccomp = security.seccomp_profile.as_ref().expect("seccomp");
            assert_eq!(seccomp.type_, "RuntimeDefault", "{name}");
            // Only Kafka's image writes its configuration at start.
            let read_only = name != "shop-kafka";
            assert_eq!(
                security.read_only_root_filesystem,
                Some(read_only),
                "{name}"
            );
        }
    }
    for deployment in deployments(&objects) {
        let security = container(deployment).security_context.as_ref();
        assert_eq!(security.and_then(|s| s.run_as_user), Some(65532));
    }
}

#[test]
fn the_config_hash_is_stable_and_follows_the_configuration() {
    let first = build(&minimal());
    let again = build(&minimal());
    for service in ServiceName::ALL {
        let name = format!("shop-{service}");
        let hash = config_hash(&first, &name);
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(hash, config_hash(&again, &name), "{service}: deterministic");
    }
    // Replicas and extra env change the template directly: no reason to change the hash.
    let scaled = build(&platform(
        "shop",
        json!({ "version": "1.4.0", "services": { "order": {
            "replicas": 3, "env": [{ "name": "RUST_LOG", "value": "debug" }]
        } } }),
    ));
    assert_eq!(
        config_hash(&first, "shop-order"),
        config_hash(&scaled, "shop-order")
    );

    let repartitioned = build(&platform(
        "shop",
        json!({ "version": "1.4.0", "kafka": { "managed": {}, "topics": { "partitions": 12 } } }),
    ));
    assert_ne!(
        config_hash(&first, "shop-order"),
        config_hash(&repartitioned, "shop-order")
    );
    assert_eq!(
        config_data(&repartitioned, "shop-order").get("KAFKA_TOPIC_PARTITIONS"),
        Some(&"12".to_owned())
    );
    // The gateway reads no Kafka settings.
    assert_eq!(
        config_hash(&first, "shop-gateway"),
        config_hash(&repartitioned, "shop-gateway")
    );

    let other_token = build(&platform(
        "shop",
        json!({ "version": "1.4.0", "adminTokenSecretRef": { "name": "admin", "key": "token" } }),
    ));
    for service in ServiceName::ALL {
        let name = format!("shop-{service}");
        assert_ne!(config_hash(&first, &name), config_hash(&other_token, &name));
    }
}

#[test]
fn the_services_are_wired_like_docker_compose() {
    let objects = build(&platform(
        "shop",
        json!({
            "version": "1.4.0",
            "observability": { "otlpEndpoint": "http://otel:4317" },
            "services": { "payment": { "env": [{ "name": "PAYMENT_LIMIT_MINOR", "value": "5" }] } }
        }),
    ));
    let order = config_data(&objects, "shop-order");
    assert_eq!(order["HTTP_ADDR"], "0.0.0.0:8082");
    assert_eq!(order["KAFKA_BOOTSTRAP_SERVERS"], "shop-kafka.prod.svc:9092");
    assert_eq!(order["KAFKA_REPLICATION_FACTOR"], "1");
    assert_eq!(order["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://otel:4317");
    let notification = config_data(&objects, "shop-notification");
    assert_eq!(notification["REDIS_URL"], "redis://shop-redis:6379");
    assert_eq!(notification["NOTIFICATION_CHANNEL"], "log");
    let gateway = config_data(&objects, "shop-gateway");
    assert_eq!(gateway["HTTP_ADDR"], "0.0.0.0:8080");
    assert_eq!(gateway["CUSTOMER_URL"], "http://shop-customer:8081");
    assert_eq!(gateway["NOTIFICATION_URL"], "http://shop-notification:8085");
    assert!(!gateway.contains_key("KAFKA_BOOTSTRAP_SERVERS"));
    assert!(!config_data(&objects, "shop-inventory").contains_key("SEED_CATALOGUE"));

    let payment = named(&deployments(&objects), "shop-payment");
    let container = container(payment);
    let env_from = container.env_from.as_ref().expect("envFrom");
    assert_eq!(
        env_from[0].config_map_ref.as_ref().map(|c| c.name.as_str()),
        Some("shop-payment")
    );
    assert_eq!(
        secret_ref(container, "DATABASE_URL"),
        Some(("shop-postgres-payment".to_owned(), "url".to_owned()))
    );
    assert_eq!(
        secret_ref(container, "ADMIN_TOKEN"),
        Some(("shop-admin-token".to_owned(), "token".to_owned()))
    );
    let env = container.env.as_ref().expect("env");
    assert_eq!(
        env.last().map(|var| var.name.as_str()),
        Some("PAYMENT_LIMIT_MINOR")
    );
    let notification = container_of(&objects, "shop-notification");
    assert_eq!(secret_ref(notification, "DATABASE_URL"), None);
    assert_eq!(secret_ref(notification, "REDIS_URL"), None);
}

fn container_of<'a>(objects: &'a [DesiredObject], deployment: &str) -> &'a Container {
    container(named(&deployments(objects), deployment))
}

#[test]
fn external_sources_run_nothing_and_read_the_referenced_secrets() {
    let objects = build(&external());
    assert!(stateful_sets(&objects).is_empty());
    assert!(secrets(&objects).is_empty());
    assert!(services(&objects).iter().all(|s| {
        s.metadata
            .name
            .as_deref()
            .is_some_and(|n| !n.contains("postgres"))
    }));
    assert_eq!(policies(&objects).len(), 6);
    assert_eq!(
        config_data(&objects, "shop-order")["KAFKA_BOOTSTRAP_SERVERS"],
        "kafka-1:9092,kafka-2:9092"
    );
    assert_eq!(
        secret_ref(container_of(&objects, "shop-inventory"), "DATABASE_URL"),
        Some(("dbs".to_owned(), "inventory".to_owned()))
    );
    let notification = container_of(&objects, "shop-notification");
    assert_eq!(
        secret_ref(notification, "REDIS_URL"),
        Some(("cache".to_owned(), "url".to_owned()))
    );
    assert!(!config_data(&objects, "shop-notification").contains_key("REDIS_URL"));
    assert_eq!(
        secret_ref(notification, "ADMIN_TOKEN"),
        Some(("admin".to_owned(), "token".to_owned()))
    );
}

fn peers(policy: &NetworkPolicy) -> Option<&Vec<NetworkPolicyPeer>> {
    let rules = policy.spec.as_ref()?.ingress.as_ref()?;
    assert_eq!(rules.len(), 1);
    rules[0].from.as_ref()
}

/// The components a peer admits (`In` values), or the namespace it admits.
fn admitted(peer: &NetworkPolicyPeer) -> Vec<String> {
    if let Some(namespaces) = &peer.namespace_selector {
        let labels = namespaces.match_labels.as_ref().expect("labels");
        return vec![format!("ns:{}", labels["kubernetes.io/metadata.name"])];
    }
    let pods = peer.pod_selector.as_ref().expect("a pod selector");
    assert_eq!(
        pods.match_labels
            .as_ref()
            .and_then(|l| l.get("app.kubernetes.io/instance")),
        Some(&"shop".to_owned())
    );
    let requirement = &pods.match_expressions.as_ref().expect("expressions")[0];
    assert_eq!(requirement.key, "app.kubernetes.io/component");
    assert_eq!(requirement.operator, "In");
    requirement.values.clone().unwrap_or_default()
}

fn admitted_by(objects: &[DesiredObject], name: &str) -> Option<Vec<String>> {
    let policy = named(&policies(objects), name);
    let spec = policy.spec.as_ref().expect("spec");
    assert_eq!(spec.policy_types, Some(vec!["Ingress".to_owned()]));
    peers(policy).map(|peers| peers.iter().flat_map(admitted).collect())
}

#[test]
fn network_policies_admit_only_who_needs_each_component() {
    let objects = build(&minimal());
    let strings = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        admitted_by(&objects, "shop-postgres-order"),
        Some(strings(&["order"]))
    );
    assert_eq!(
        admitted_by(&objects, "shop-order"),
        Some(strings(&["gateway", "ns:orderflow-system"]))
    );
    assert_eq!(admitted_by(&objects, "shop-gateway"), None, "anyone");
    assert_eq!(
        admitted_by(&objects, "shop-kafka"),
        Some(strings(&[
            "customer",
            "order",
            "payment",
            "inventory",
            "notification",
            "ns:orderflow-system"
        ]))
    );
    assert_eq!(
        admitted_by(&objects, "shop-redis"),
        Some(strings(&["notification"]))
    );
    // Each policy selects its own component's pods, the same ones its workload runs.
    let policy = named(&policies(&objects), "shop-postgres-order");
    let stateful_set = named(&stateful_sets(&objects), "shop-postgres-order");
    assert_eq!(
        policy.spec.as_ref().and_then(|s| s.pod_selector.clone()),
        Some(stateful_set_spec(stateful_set).selector.clone())
    );
    let port = policy
        .spec
        .as_ref()
        .and_then(|s| s.ingress.as_ref())
        .expect("ingress")[0]
        .ports
        .clone();
    assert_eq!(port.expect("ports")[0].port, Some(IntOrString::Int(5432)));
}

#[test]
fn a_prometheus_namespace_selector_admits_its_namespaces_to_each_http_port_alone() {
    let selector = json!({
        "matchLabels": { "kubernetes.io/metadata.name": "monitoring" },
        "matchExpressions": [{ "key": "team", "operator": "In", "values": ["obs"] }]
    });
    let without = build(&minimal());
    let with = build(&platform(
        "shop",
        json!({ "version": "1.4.0", "observability": { "prometheusNamespaceSelector": selector } }),
    ));
    let (without, with) = (policies(&without), policies(&with));
    assert_eq!(without.len(), with.len());
    let service_policies: Vec<_> = ServiceName::ALL.map(|s| format!("shop-{s}")).into();
    for before in without {
        let name = before.metadata.name.as_deref().expect("a name");
        let after = named(&with, name);
        if !service_policies.iter().any(|n| n == name) {
            assert_eq!(after, before, "{name}: only the services admit Prometheus");
            continue;
        }
        let rules = |policy: &NetworkPolicy| {
            let spec = policy.spec.clone().expect("spec");
            spec.ingress.expect("ingress")
        };
        let mut rules_after = rules(after);
        let extra = rules_after.pop().expect("the extra rule");
        assert_eq!(
            rules_after,
            rules(before),
            "{name}: the other rule is unchanged"
        );
        let mut unchanged = after.clone();
        if let Some(spec) = unchanged.spec.as_mut() {
            spec.ingress = Some(rules_after);
        }
        assert_eq!(&unchanged, before, "{name}: nothing else changes");

        let from = extra.from.expect("from");
        assert_eq!(from.len(), 1, "{name}");
        assert_eq!(
            from[0].pod_selector, None,
            "{name}: every pod of those namespaces"
        );
        assert_eq!(
            from[0].namespace_selector,
            Some(serde_json::from_value(selector.clone()).expect("a selector")),
            "{name}: exactly the spec's namespaces"
        );
        assert_eq!(from[0].ip_block, None, "{name}");
        // The container port named http, which the Service's http port (the ServiceMonitor's
        // endpoint) targets.
        let container = container_of(&build(&minimal()), name).clone();
        let http = container
            .ports
            .into_iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some("http"))
            .expect("an http port");
        let ports = extra.ports.expect("ports");
        assert_eq!(ports.len(), 1, "{name}: the http port alone");
        assert_eq!(ports[0].protocol.as_deref(), Some("TCP"));
        assert_eq!(ports[0].port, Some(IntOrString::Int(http.container_port)));
        assert_eq!(ports[0].end_port, None);
    }
}

#[test]
fn an_empty_prometheus_namespace_selector_admits_every_namespace() {
    let objects = build(&platform(
        "shop",
        json!({ "version": "1.4.0", "observability": { "prometheusNamespaceSelector": {} } }),
    ));
    let policy = named(&policies(&objects), "shop-order");
    let ingress = policy.spec.as_ref().and_then(|s| s.ingress.as_ref());
    let extra = &ingress.expect("ingress")[1];
    let from = extra.from.as_ref().expect("from");
    assert_eq!(
        serde_json::to_value(from).expect("json"),
        json!([{ "namespaceSelector": {} }])
    );
}

#[test]
fn autoscaling_leaves_the_replicas_to_the_scaler() {
    let objects = build(&platform(
        "shop",
        json!({ "version": "1.4.0", "services": {
            "order": { "replicas": 2, "autoscaling": { "minReplicas": 1, "maxReplicas": 4 } },
            "payment": { "replicas": 3, "autoscaling": { "enabled": false } }
        } }),
    ));
    let replicas = |name: &str| deployment_spec(named(&deployments(&objects), name)).replicas;
    assert_eq!(replicas("shop-order"), None);
    assert_eq!(replicas("shop-payment"), Some(3));
    assert_eq!(replicas("shop-customer"), Some(1));
}

#[test]
fn cpu_mode_gets_a_horizontal_pod_autoscaler_and_lag_mode_none() {
    let objects = build(&platform(
        "shop",
        json!({ "version": "1.4.0", "services": {
            "gateway": { "autoscaling": { "minReplicas": 2, "maxReplicas": 6,
                "scaleDownStabilizationSeconds": 120, "maxScaleUpStep": 3, "pollIntervalSeconds": 30 } },
            "order": { "autoscaling": { "maxReplicas": 4 } },
            "payment": { "autoscaling": { "mode": "Cpu" } },
            "inventory": { "autoscaling": { "mode": "Cpu", "enabled": false } }
        } }),
    ));
    assert_eq!(
        names_of_kind(&objects, ObjectKind::HorizontalPodAutoscaler),
        ["shop-payment", "shop-gateway"]
    );
    let hpa = named(&autoscalers(&objects), "shop-gateway");
    let spec = hpa.spec.required();
    assert_eq!(spec.scale_target_ref.kind, "Deployment");
    assert_eq!(spec.scale_target_ref.name, "shop-gateway");
    assert_eq!((spec.min_replicas, spec.max_replicas), (Some(2), 6));
    let target = &spec.metrics.as_ref().expect("metrics")[0];
    let resource = target.resource.as_ref().expect("a resource metric");
    assert_eq!(resource.name, "cpu");
    assert_eq!(
        resource.target.average_utilization,
        Some(CPU_TARGET_UTILIZATION)
    );
    let behavior = spec.behavior.as_ref().expect("behavior");
    let down = behavior.scale_down.as_ref().expect("scale-down rules");
    assert_eq!(down.stabilization_window_seconds, Some(120));
    let up = &behavior
        .scale_up
        .as_ref()
        .expect("scale-up rules")
        .policies
        .as_ref()
        .expect("policies")[0];
    assert_eq!(
        (up.type_.as_str(), up.value, up.period_seconds),
        ("Pods", 3, 30)
    );
    let replicas = |name: &str| deployment_spec(named(&deployments(&objects), name)).replicas;
    assert_eq!(replicas("shop-gateway"), None, "the HPA owns the count");
}

#[test]
fn a_disruption_budget_guards_services_with_more_than_one_pod() {
    let objects = build(&platform(
        "shop",
        json!({ "version": "1.4.0", "services": {
            "customer": { "replicas": 2 },
            "order": { "autoscaling": { "minReplicas": 2, "maxReplicas": 4 } },
            "payment": { "replicas": 1, "autoscaling": { "minReplicas": 1 } },
            "inventory": { "replicas": 0 }
        } }),
    ));
    assert_eq!(
        names_of_kind(&objects, ObjectKind::PodDisruptionBudget),
        ["shop-customer", "shop-order"]
    );
    let budget = named(&budgets(&objects), "shop-customer");
    let spec = budget.spec.as_ref().expect("spec");
    assert_eq!(spec.max_unavailable, Some(IntOrString::Int(1)));
    assert_eq!(
        spec.selector.as_ref(),
        Some(&deployment_spec(named(&deployments(&objects), "shop-customer")).selector)
    );
}

#[test]
fn the_gateway_is_exposed_as_the_spec_says() {
    let objects = build(&platform(
        "shop",
        json!({ "version": "1", "gateway": { "expose": { "type": "NodePort", "nodePort": 30080 } } }),
    ));
    let gateway = named(&services(&objects), "shop-gateway");
    let spec = gateway.spec.as_ref().expect("spec");
    assert_eq!(spec.type_.as_deref(), Some("NodePort"));
    assert_eq!(
        spec.ports.as_ref().expect("ports")[0].node_port,
        Some(30080)
    );
    let order = named(&services(&objects), "shop-order");
    assert_eq!(
        order.spec.as_ref().and_then(|s| s.type_.as_deref()),
        Some("ClusterIP")
    );
    assert!(ingresses(&objects).is_empty());

    let objects = build(&platform(
        "shop",
        json!({ "version": "1", "gateway": { "expose": {
            "type": "Ingress", "host": "shop.example.com", "className": "nginx"
        } } }),
    ));
    let ingress = named(&ingresses(&objects), "shop-gateway");
    let spec = ingress.spec.as_ref().expect("spec");
    assert_eq!(spec.ingress_class_name.as_deref(), Some("nginx"));
    let rule = &spec.rules.as_ref().expect("rules")[0];
    assert_eq!(rule.host.as_deref(), Some("shop.example.com"));
    let path = &rule.http.as_ref().expect("http").paths[0];
    let backend = path.backend.service.as_ref().expect("a service backend");
    assert_eq!(backend.name, "shop-gateway");
    let gateway = named(&services(&objects), "shop-gateway");
    assert_eq!(
        gateway.spec.as_ref().and_then(|s| s.type_.as_deref()),
        Some("ClusterIP")
    );
}

fn secret_value(secret: &Secret, key: &str) -> String {
    let bytes = &secret.data.as_ref().expect("data")[key].0;
    String::from_utf8(bytes.clone()).expect("UTF-8")
}

#[test]
fn generated_credentials_are_kept_once_they_exist() {
    let fresh = build(&minimal());
    let database = named(&secrets(&fresh), "shop-postgres-order");
    assert_eq!(secret_value(database, "username"), "order_service");
    let password = secret_value(database, "password");
    assert!(password.starts_with("generated-"));
    assert_eq!(
        secret_value(database, "url"),
        format!("postgres://order_service:{password}@shop-postgres-order:5432/order")
    );
    let token = secret_value(named(&secrets(&fresh), "shop-admin-token"), "token");
    assert!(token.starts_with("generated-"));

    let existing = ExistingSecrets::from_secrets(secrets(&fresh));
    let mut kept = ExistingSecrets::default();
    kept.insert("shop-postgres-customer", "username", "legacy");
    kept.insert("shop-postgres-customer", "password", "p@ss word");
    let again = build_with(&minimal(), &existing);
    assert_eq!(secrets(&again), secrets(&fresh), "nothing rotates");
    let legacy = build_with(&minimal(), &kept);
    let customer = named(&secrets(&legacy), "shop-postgres-customer");
    assert_eq!(
        secret_value(customer, "url"),
        "postgres://legacy:p%40ss%20word@shop-postgres-customer:5432/customer"
    );

    let mut never = || -> String { panic!("nothing to generate") };
    let rebuilt = desired_objects(
        &minimal(),
        &BuildContext {
            operator_namespace: OPERATOR_NAMESPACE,
            existing_secrets: &existing,
        },
        &mut never,
    );
    assert!(rebuilt.is_ok());
}

#[test]
fn random_tokens_are_long_and_fresh() {
    let (a, b) = (random_token(), random_token());
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
}

#[test]
fn managed_databases_persist_and_check_readiness() {
    let objects = build(&platform(
        "shop",
        json!({ "version": "1", "databases": { "managed": { "storage": "20Gi", "image": "postgres:17.6" } } }),
    ));
    let stateful_set = named(&stateful_sets(&objects), "shop-postgres-payment");
    let spec = stateful_set_spec(stateful_set);
    assert_eq!(spec.service_name.as_deref(), Some("shop-postgres-payment"));
    let claim = &spec.volume_claim_templates.as_ref().expect("claims")[0];
    let requests = claim
        .spec
        .as_ref()
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .expect("requests");
    assert_eq!(requests["storage"].0, "20Gi");
    let pod = spec.template.spec.as_ref().expect("pod");
    assert_eq!(
        pod.security_context.as_ref().and_then(|s| s.fs_group),
        Some(999)
    );
    let container = &pod.containers[0];
    assert_eq!(container.image.as_deref(), Some("postgres:17.6"));
    let readiness = container
        .readiness_probe
        .as_ref()
        .and_then(|p| p.exec.as_ref());
    let command = readiness
        .and_then(|e| e.command.clone())
        .expect("a command");
    assert_eq!(command[0], "pg_isready");
    assert!(command.contains(&"--username=payment_service".to_owned()));
    assert_eq!(
        secret_ref(container, "POSTGRES_PASSWORD"),
        Some(("shop-postgres-payment".to_owned(), "password".to_owned()))
    );
    let labels = stateful_set.metadata.labels.as_ref().expect("labels");
    assert_eq!(labels["app.kubernetes.io/version"], "17.6");
    let headless = named(&services(&objects), "shop-postgres-payment");
    assert_eq!(
        headless.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()),
        Some("None")
    );
}

#[test]
fn managed_kafka_advertises_its_service() {
    let objects = build(&minimal());
    let kafka = named(&stateful_sets(&objects), "shop-kafka");
    assert_eq!(
        stateful_set_spec(kafka).service_name.as_deref(),
        Some("shop-kafka-headless")
    );
    let container = &stateful_set_spec(kafka)
        .template
        .spec
        .as_ref()
        .expect("pod")
        .containers[0];
    let value = |name: &str| env_var(container, name).and_then(|v| v.value.clone());
    assert_eq!(
        value("KAFKA_ADVERTISED_LISTENERS").as_deref(),
        Some("PLAINTEXT://shop-kafka.prod.svc:9092")
    );
    assert_eq!(
        value("KAFKA_PROCESS_ROLES").as_deref(),
        Some("broker,controller")
    );
    assert_eq!(value("CLUSTER_ID").map(|id| id.len()), Some(22));
    assert_eq!(
        managed_kafka_bootstrap_servers("shop", "prod"),
        "shop-kafka.prod.svc:9092"
    );
    let client = named(&services(&objects), "shop-kafka");
    assert_eq!(
        client.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()),
        None
    );
}

#[test]
fn every_name_is_a_dns_label() {
    for object in build(&minimal()).iter().chain(&build(&external())) {
        assert!(names::is_dns_1035_label(object.name()), "{}", object.name());
    }
}

fn build_error(platform: &OrderFlowPlatform) -> BuildError {
    let mut generate = random_token;
    desired_objects(
        platform,
        &BuildContext {
            operator_namespace: OPERATOR_NAMESPACE,
            existing_secrets: &ExistingSecrets::default(),
        },
        &mut generate,
    )
    .expect_err("a build error")
}

#[test]
fn names_that_kubernetes_would_refuse_are_reported() {
    // 33 characters fit `-postgres-inventory` into a StatefulSet's 52; 34 do not.
    let longest = "a".repeat(33);
    assert!(build(&platform(&longest, json!({ "version": "1" }))).len() > 1);
    let error = build_error(&platform(&"a".repeat(34), json!({ "version": "1" })));
    assert!(
        matches!(
            &error,
            BuildError::Name(NameError::TooLong {
                kind: "StatefulSet",
                ..
            })
        ),
        "{error}"
    );
    assert!(error.to_string().starts_with("metadata.name"), "{error}");
    let dotted = build_error(&platform("shop.prod", json!({ "version": "1" })));
    assert!(
        matches!(dotted, BuildError::Name(NameError::NotALabel { .. })),
        "{dotted}"
    );
}

#[test]
fn contradictory_sources_name_their_field() {
    let error = build_error(&platform(
        "shop",
        json!({ "version": "1", "redis": { "managed": {}, "external": { "urlSecretRef": { "name": "r", "key": "u" } } } }),
    ));
    assert_eq!(error, BuildError::AmbiguousSource("spec.redis"));
    assert!(error.to_string().contains("spec.redis"));
    let mut unowned = minimal();
    unowned.metadata.uid = None;
    assert_eq!(build_error(&unowned), BuildError::MissingMetadata("uid"));
}
