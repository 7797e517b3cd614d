//! The real controller, in-process, against the in-memory fake API server (a test double: no
//! Kubernetes API server runs here) with its simulated kubelet marking workloads ready.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, PostParams};
use kube_fake_api::{Cluster, FakeApi, Kubelet};
use orderflow_operator::OrderFlowPlatform;
use orderflow_operator::build::{
    BuildContext, CONFIG_HASH_ANNOTATION, ExistingSecrets, desired_objects,
};
use orderflow_operator::controller;
use orderflow_operator::reconcile::finalizer::TOPICS_FINALIZER;
use orderflow_operator::reconcile::{Context, Requeue};
use orderflow_operator::topics::KafkaAdmin;
use orderflow_testkit::eventually;
use orderflow_testkit::kafka::TansuBroker;
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use serde_json::{Value, json};
use support::{
    NAMESPACE, add_env_to_order, condition, install_service_monitor_crd, patch_spec, platforms,
    stored_platform, wait_ready,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(8);
const OPERATOR_NAMESPACE: &str = "orderflow-system";

/// A running controller; [`Operator::stop`] shuts it down gracefully.
struct Operator {
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// This test process's Kafka: a real broker standing in for the platform's in-cluster one,
/// which the operator reaches through its bootstrap override (as it would through a
/// port-forward). nextest runs each test in its own process, so each test has its own.
fn kafka() -> &'static TansuBroker {
    static BROKER: OnceLock<TansuBroker> = OnceLock::new();
    BROKER.get_or_init(|| TansuBroker::start_ephemeral().expect("a tansu broker"))
}

/// The topics on the test's broker.
fn broker_topics() -> BTreeSet<String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", kafka().bootstrap())
        .create()
        .unwrap();
    consumer
        .fetch_metadata(None, Duration::from_secs(10))
        .unwrap()
        .topics()
        .iter()
        .filter(|t| t.error().is_none())
        .map(|t| t.name().to_owned())
        .collect()
}

impl Operator {
    fn start(cluster: &Cluster) -> Self {
        let requeue = Requeue {
            ready: Duration::from_secs(60),
            progressing: Duration::from_millis(100),
            blocked: Duration::from_secs(60),
            error_base: Duration::from_millis(50),
            error_max: Duration::from_millis(500),
        };
        let kafka = KafkaAdmin {
            timeout: Duration::from_secs(5),
            bootstrap_override: Some(kafka().bootstrap()),
        };
        let context =
            Arc::new(Context::new(cluster.client(), OPERATOR_NAMESPACE, requeue).with_kafka(kafka));
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            controller::run(context, Some(NAMESPACE), async move {
                let _ = stop.await;
            })
            .await;
        });
        Self { shutdown, task }
    }

    async fn stop(self) {
        let _ = self.shutdown.send(());
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the controller stops")
            .expect("the controller does not panic");
    }
}

fn platform(spec: Value) -> OrderFlowPlatform {
    serde_json::from_value(json!({
        "apiVersion": "orderflow.io/v1alpha1",
        "kind": "OrderFlowPlatform",
        "metadata": { "name": "shop", "namespace": NAMESPACE },
        "spec": spec,
    }))
    .expect("a valid platform")
}

fn minimal() -> OrderFlowPlatform {
    platform(json!({ "version": "0.1.0" }))
}

async fn create(cluster: &Cluster, platform: &OrderFlowPlatform) {
    platforms(cluster)
        .create(&PostParams::default(), platform)
        .await
        .expect("the platform is created");
}

/// A fake cluster with its kubelet and a running operator, with `platform` created and Ready.
async fn ready(platform: &OrderFlowPlatform) -> (Cluster, Kubelet, Operator) {
    let (_, cluster) = FakeApi::new();
    let kubelet = cluster.run_kubelet();
    let operator = Operator::start(&cluster);
    create(&cluster, platform).await;
    wait_ready(&cluster, WAIT).await;
    (cluster, kubelet, operator)
}

/// Config hash of every Deployment's pod template, by name.
fn config_hashes(cluster: &Cluster) -> BTreeMap<String, String> {
    cluster
        .list_json("Deployment")
        .into_iter()
        .map(|deployment| {
            let hash = deployment["spec"]["template"]["metadata"]["annotations"]
                [CONFIG_HASH_ANNOTATION]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (
                deployment["metadata"]["name"].as_str().unwrap().to_owned(),
                hash,
            )
        })
        .collect()
}

fn is_platform_write(path: &str) -> bool {
    path.contains("/orderflowplatforms/") || path.contains("/events")
}

#[tokio::test]
async fn a_platform_gets_every_object_and_becomes_ready() {
    let (cluster, _kubelet, operator) = ready(&minimal()).await;

    let stored: OrderFlowPlatform = serde_json::from_value(stored_platform(&cluster)).unwrap();
    let context = BuildContext {
        operator_namespace: OPERATOR_NAMESPACE,
        existing_secrets: &ExistingSecrets::default(),
    };
    let desired = desired_objects(&stored, &context, &mut || "token".to_owned()).unwrap();
    for object in &desired {
        let kind = object.kind().as_str();
        assert!(
            cluster
                .get_json(kind, Some(NAMESPACE), object.name())
                .is_some(),
            "{kind} {} exists",
            object.name()
        );
    }
    let status = &stored.status.unwrap();
    assert_eq!(status.services_ready.as_deref(), Some("6/6"));
    assert_eq!(
        status.gateway_address.as_deref(),
        Some("shop-gateway.default.svc:8080")
    );
    assert!(status.components.iter().any(|c| c.name == "postgres-order"));
    operator.stop().await;
}

#[tokio::test]
async fn services_wait_for_their_database_and_kafka() {
    let (_, cluster) = FakeApi::new();
    let operator = Operator::start(&cluster);
    create(&cluster, &minimal()).await;
    eventually("Progressing to name the dependencies", WAIT, || async {
        let platform = stored_platform(&cluster);
        let progressing = condition(&platform, "Progressing").ok_or("no condition")?;
        let message = progressing["message"].as_str().unwrap_or_default();
        (message.contains("postgres-order") && message.contains("kafka"))
            .then_some(())
            .ok_or_else(|| message.to_owned())
    })
    .await;
    assert!(
        cluster
            .get_json("Deployment", Some(NAMESPACE), "shop-order")
            .is_none(),
        "order waits for its database"
    );
    assert!(
        cluster
            .get_json("Deployment", Some(NAMESPACE), "shop-gateway")
            .is_some(),
        "the gateway has no database"
    );

    let _kubelet = cluster.run_kubelet();
    wait_ready(&cluster, WAIT).await;
    assert!(
        cluster
            .get_json("Deployment", Some(NAMESPACE), "shop-order")
            .is_some()
    );
    operator.stop().await;
}

/// The resourceVersion of every Deployment, by name.
fn deployment_versions(cluster: &Cluster) -> BTreeMap<String, String> {
    cluster
        .list_json("Deployment")
        .into_iter()
        .map(|d| {
            (
                d["metadata"]["name"].as_str().unwrap().to_owned(),
                d["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_spec_change_changes_only_what_it_concerns_and_config_rolls() {
    let (cluster, _kubelet, operator) = ready(&minimal()).await;
    let versions = deployment_versions(&cluster);

    // Extra env sits on the pod template itself, so only the order Deployment changes.
    add_env_to_order(&cluster, WAIT).await;
    wait_ready(&cluster, WAIT).await;
    for (name, version) in deployment_versions(&cluster) {
        if name != "shop-order" {
            assert_eq!(version, versions[&name], "{name} is left as it was");
        }
    }

    // The OTLP endpoint is configuration (ConfigMap) of every service: every hash rolls.
    let hashes = config_hashes(&cluster);
    patch_spec(
        &cluster,
        json!({ "observability": { "otlpEndpoint": "http://collector:4317" } }),
    )
    .await;
    eventually("every config hash to roll", WAIT, || async {
        let now = config_hashes(&cluster);
        let unchanged: Vec<_> = hashes
            .iter()
            .filter(|(name, hash)| now.get(*name) == Some(*hash))
            .map(|(name, _)| name.clone())
            .collect();
        unchanged
            .is_empty()
            .then_some(())
            .ok_or_else(|| format!("{unchanged:?}"))
    })
    .await;
    wait_ready(&cluster, WAIT).await;
    operator.stop().await;
}

#[tokio::test]
async fn an_invalid_spec_is_degraded_and_touches_nothing() {
    let (_, cluster) = FakeApi::new();
    let _kubelet = cluster.run_kubelet();
    let operator = Operator::start(&cluster);
    // The fake runs no CEL, as an apiserver with an older CRD would not.
    create(
        &cluster,
        &platform(json!({
            "version": "0.1.0",
            "services": { "order": { "autoscaling": { "minReplicas": 5, "maxReplicas": 2 } } },
        })),
    )
    .await;
    eventually("Degraded to name the field", WAIT, || async {
        let platform = stored_platform(&cluster);
        let degraded = condition(&platform, "Degraded").ok_or("no Degraded condition")?;
        let message = degraded["message"].as_str().unwrap_or_default();
        (degraded["status"] == "True"
            && message.contains("spec.services.order.autoscaling")
            && platform["status"]["observedGeneration"] == 1)
            .then_some(())
            .ok_or_else(|| platform["status"].to_string())
    })
    .await;
    let platform = stored_platform(&cluster);
    assert_eq!(condition(&platform, "Ready").unwrap()["status"], "False");
    assert_eq!(platform["status"]["phase"], "Degraded");
    assert_eq!(cluster.count("Deployment"), 0);
    assert_eq!(cluster.count("StatefulSet"), 0);
    operator.stop().await;
}

#[tokio::test]
async fn a_paused_platform_is_left_alone() {
    let (cluster, _kubelet, operator) = ready(&minimal()).await;
    let before = config_hashes(&cluster);

    cluster.clear_mutations();
    patch_spec(
        &cluster,
        json!({ "paused": true, "services": { "order": { "env": [{ "name": "X", "value": "1" }] } } }),
    )
    .await;
    eventually("the Paused condition", WAIT, || async {
        let platform = stored_platform(&cluster);
        let paused = condition(&platform, "Paused").ok_or("no Paused condition")?;
        (paused["status"] == "True" && platform["status"]["phase"] == "Paused")
            .then_some(())
            .ok_or_else(|| platform["status"].to_string())
    })
    .await;
    operator.stop().await;

    let writes: Vec<_> = cluster
        .mutations()
        .into_iter()
        .filter(|m| !is_platform_write(&m.path))
        .collect();
    assert!(writes.is_empty(), "no object is written: {writes:?}");
    assert_eq!(config_hashes(&cluster), before);
}

#[tokio::test]
async fn a_restarted_operator_changes_nothing() {
    let (cluster, _kubelet, operator) = ready(&minimal()).await;
    operator.stop().await;

    cluster.clear_mutations();
    let operator = Operator::start(&cluster);
    eventually("the new operator to reconcile", WAIT, || async {
        cluster
            .mutations()
            .iter()
            .any(|m| m.path.ends_with("/deployments/shop-gateway"))
            .then_some(())
            .ok_or("no apply of the gateway yet")
    })
    .await;
    operator.stop().await;

    let mutations = cluster.mutations();
    assert!(!mutations.is_empty());
    let changes: Vec<_> = mutations.iter().filter(|m| m.changed).collect();
    assert!(changes.is_empty(), "spurious changes: {changes:?}");
    assert!(
        !mutations.iter().any(|m| m.path.ends_with("/status")),
        "an unchanged status is not written"
    );
}

#[tokio::test]
async fn objects_of_a_previous_spec_are_pruned() {
    let (cluster, _kubelet, operator) = ready(&minimal()).await;
    assert!(
        cluster
            .get_json("StatefulSet", Some(NAMESPACE), "shop-postgres-order")
            .is_some()
    );

    let secret = |key: &str| json!({ "name": "orderflow-databases", "key": key });
    patch_spec(
        &cluster,
        json!({ "databases": { "managed": null, "external": {
            "customer": secret("customer-url"),
            "order": secret("order-url"),
            "payment": secret("payment-url"),
            "inventory": secret("inventory-url"),
        } } }),
    )
    .await;
    eventually("the managed databases to be deleted", WAIT, || async {
        let left: Vec<_> = cluster
            .list_json("StatefulSet")
            .into_iter()
            .filter_map(|s| s["metadata"]["name"].as_str().map(str::to_owned))
            .filter(|name| name.contains("postgres"))
            .collect();
        left.is_empty()
            .then_some(())
            .ok_or_else(|| format!("{left:?}"))
    })
    .await;
    wait_ready(&cluster, WAIT).await;
    assert!(
        cluster
            .get_json("StatefulSet", Some(NAMESPACE), "shop-kafka")
            .is_some(),
        "Kafka stays"
    );
    operator.stop().await;
}

#[tokio::test]
async fn the_registry_topics_are_created_once_kafka_is_ready() {
    let (cluster, _kubelet, operator) = ready(&minimal()).await;

    let all = orderflow_contracts::all_topics();
    let on_broker = broker_topics();
    let missing: Vec<_> = all.iter().filter(|t| !on_broker.contains(*t)).collect();
    assert!(missing.is_empty(), "missing on the broker: {missing:?}");
    let status = stored_platform(&cluster)["status"]["topics"].clone();
    assert_eq!(
        status,
        json!({ "desired": all.len(), "created": all.len() })
    );
    let events = cluster.list_json("Event");
    assert!(
        events.iter().any(|e| e["reason"] == "TopicsCreated"),
        "an Event says so: {events:?}"
    );
    assert!(
        stored_platform(&cluster)["metadata"]["finalizers"].is_null(),
        "a platform that retains its topics has no finalizer"
    );
    operator.stop().await;
}

#[tokio::test]
async fn partitions_the_broker_cannot_grow_are_a_condition_not_a_failure() {
    let (cluster, _kubelet, operator) = ready(&minimal()).await;

    patch_spec(
        &cluster,
        json!({ "kafka": { "topics": { "partitions": 12 } } }),
    )
    .await;
    eventually(
        "Degraded to say the broker cannot grow partitions",
        WAIT,
        || async {
            let platform = stored_platform(&cluster);
            let degraded = condition(&platform, "Degraded").ok_or("no Degraded condition")?;
            let message = degraded["message"].as_str().unwrap_or_default();
            (degraded["status"] == "True"
                && degraded["reason"] == "PartitionsNotGrown"
                && message.contains("unsupported by the broker")
                && message.starts_with("spec.kafka.topics.partitions"))
            .then_some(())
            .ok_or_else(|| platform["status"].to_string())
        },
    )
    .await;
    // The platform works with the partitions it has.
    wait_ready(&cluster, WAIT).await;
    operator.stop().await;
}

#[tokio::test]
async fn deleting_a_platform_that_deletes_its_topics_removes_them_then_everything() {
    let (_, cluster) = FakeApi::new();
    let _kubelet = cluster.run_kubelet();
    let operator = Operator::start(&cluster);
    create(
        &cluster,
        &platform(
            json!({ "version": "0.1.0", "kafka": { "managed": {}, "deletionPolicy": "Delete" } }),
        ),
    )
    .await;
    wait_ready(&cluster, WAIT).await;
    assert_eq!(
        stored_platform(&cluster)["metadata"]["finalizers"],
        json!([TOPICS_FINALIZER])
    );
    assert!(broker_topics().contains("orderflow.order.events"));
    assert!(cluster.count("Deployment") > 0);

    platforms(&cluster)
        .delete("shop", &DeleteParams::default())
        .await
        .expect("the platform is deleted");
    eventually("the platform and what it owns to be gone", WAIT, || async {
        let left = (
            cluster
                .get_json("OrderFlowPlatform", Some(NAMESPACE), "shop")
                .is_some(),
            cluster.count("Deployment"),
            cluster.count("StatefulSet"),
            cluster.count("Service"),
        );
        (left == (false, 0, 0, 0))
            .then_some(())
            .ok_or_else(|| format!("(platform, deployments, statefulsets, services) = {left:?}"))
    })
    .await;
    let left: Vec<_> = orderflow_contracts::all_topics()
        .into_iter()
        .filter(|t| broker_topics().contains(t))
        .collect();
    assert!(left.is_empty(), "topics left: {left:?}");
    operator.stop().await;
}

#[tokio::test]
async fn a_platform_that_retains_its_topics_is_deleted_without_waiting() {
    let (cluster, _kubelet, operator) = ready(&minimal()).await;
    operator.stop().await;

    // No operator runs: nothing holds the deletion back.
    platforms(&cluster)
        .delete("shop", &DeleteParams::default())
        .await
        .expect("the platform is deleted");
    assert!(
        cluster
            .get_json("OrderFlowPlatform", Some(NAMESPACE), "shop")
            .is_none()
    );
    assert_eq!(cluster.count("Deployment"), 0, "owned objects cascade");
    assert!(
        broker_topics().contains("orderflow.order.events"),
        "topics stay"
    );
}

#[tokio::test]
async fn a_platform_the_operator_cannot_read_is_reported_and_blocks_no_other() {
    let (_, cluster) = FakeApi::new();
    let _kubelet = cluster.run_kubelet();
    // The fake validates no schema, as an API server whose CRD is older than the operator's.
    let resource = ApiResource::erase::<OrderFlowPlatform>(&());
    let unreadable: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "orderflow.io/v1alpha1",
        "kind": "OrderFlowPlatform",
        "metadata": { "name": "broken", "namespace": NAMESPACE },
        "spec": { "version": "0.1.0", "services": { "order": { "replicas": "many" } } },
    }))
    .unwrap();
    Api::<DynamicObject>::namespaced_with(cluster.client(), NAMESPACE, &resource)
        .create(&PostParams::default(), &unreadable)
        .await
        .expect("the unreadable platform is stored");
    let operator = Operator::start(&cluster);
    create(&cluster, &minimal()).await;
    wait_ready(&cluster, WAIT).await;

    eventually("the unreadable platform to be Degraded", WAIT, || async {
        let broken = cluster
            .get_json("OrderFlowPlatform", Some(NAMESPACE), "broken")
            .ok_or("gone")?;
        let degraded = condition(&broken, "Degraded").ok_or("no Degraded condition")?;
        let message = degraded["message"].as_str().unwrap_or_default();
        (degraded["status"] == "True"
            && degraded["reason"] == "UnreadableSpec"
            && message.contains("cannot read")
            && message.contains("spec.services.order.replicas"))
        .then_some(())
        .ok_or_else(|| broken["status"].to_string())
    })
    .await;
    assert!(
        cluster
            .get_json("Deployment", Some(NAMESPACE), "broken-order")
            .is_none(),
        "nothing is built from a spec the operator cannot read"
    );
    operator.stop().await;
}

#[tokio::test]
async fn an_owned_object_changed_by_hand_is_restored_at_once() {
    let (cluster, _kubelet, operator) = ready(&minimal()).await;

    // The ready resync is a minute away here: only the owned watches can bring them back.
    let policy = cluster.list_json("NetworkPolicy")[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    Api::<NetworkPolicy>::namespaced(cluster.client(), NAMESPACE)
        .delete(&policy, &DeleteParams::default())
        .await
        .expect("the policy is deleted");
    eventually("the NetworkPolicy to be back", WAIT, || async {
        cluster
            .get_json("NetworkPolicy", Some(NAMESPACE), &policy)
            .map(|_| ())
            .ok_or("not yet")
    })
    .await;
    operator.stop().await;
}

fn monitored() -> OrderFlowPlatform {
    platform(json!({ "version": "0.1.0", "observability": { "serviceMonitor": true } }))
}

/// The stored ServiceMonitors, by name.
fn service_monitors(cluster: &Cluster) -> BTreeMap<String, Value> {
    cluster
        .list_json("ServiceMonitor")
        .into_iter()
        .map(|m| (m["metadata"]["name"].as_str().unwrap().to_owned(), m))
        .collect()
}

/// Waits for exactly `count` ServiceMonitors.
async fn wait_for_service_monitors(cluster: &Cluster, count: usize) {
    eventually(&format!("{count} ServiceMonitors"), WAIT, || async {
        let names: Vec<_> = service_monitors(cluster).into_keys().collect();
        (names.len() == count)
            .then_some(())
            .ok_or_else(|| format!("{names:?}"))
    })
    .await;
}

/// Asserts that each ServiceMonitor selects its service's Service, scrapes its http port and
/// belongs to the platform.
fn assert_monitors_select_the_services(cluster: &Cluster) {
    let monitors = service_monitors(cluster);
    let expected: BTreeSet<String> = [
        "customer",
        "order",
        "payment",
        "inventory",
        "notification",
        "gateway",
    ]
    .iter()
    .map(|service| format!("shop-{service}"))
    .collect();
    assert_eq!(monitors.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let uid = stored_platform(cluster)["metadata"]["uid"].clone();
    for (name, monitor) in &monitors {
        let service = cluster
            .get_json("Service", Some(NAMESPACE), name)
            .expect("the Service");
        let selector = monitor["spec"]["selector"]["matchLabels"]
            .as_object()
            .expect("matchLabels");
        assert!(!selector.is_empty());
        for (key, value) in selector {
            assert_eq!(&service["metadata"]["labels"][key], value, "{name}: {key}");
        }
        let port = &service["spec"]["ports"][0]["name"];
        assert_eq!(
            monitor["spec"]["endpoints"],
            json!([{ "port": port, "path": "/metrics", "interval": "30s" }]),
            "{name}"
        );
        let owners = monitor["metadata"]["ownerReferences"].as_array().unwrap();
        assert_eq!(owners.len(), 1, "{name}");
        assert_eq!(owners[0]["kind"], "OrderFlowPlatform");
        assert_eq!(owners[0]["uid"], uid);
        assert_eq!(owners[0]["controller"], true);
        assert_eq!(
            monitor["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "orderflow-operator"
        );
    }
}

#[tokio::test]
async fn service_monitors_select_every_service_when_their_crd_is_served() {
    let (_, cluster) = FakeApi::new();
    install_service_monitor_crd(&cluster).await;
    let _kubelet = cluster.run_kubelet();
    let operator = Operator::start(&cluster);
    create(&cluster, &monitored()).await;
    wait_ready(&cluster, WAIT).await;
    wait_for_service_monitors(&cluster, 6).await;
    assert_monitors_select_the_services(&cluster);
    let degraded = condition(&stored_platform(&cluster), "Degraded").unwrap();
    assert_eq!(degraded["status"], "False", "{degraded}");
    operator.stop().await;
}

#[tokio::test]
async fn without_their_crd_no_service_monitor_is_made_and_the_status_says_why() {
    let (cluster, _kubelet, operator) = ready(&monitored()).await;
    eventually("Degraded to say the CRD is missing", WAIT, || async {
        let platform = stored_platform(&cluster);
        let degraded = condition(&platform, "Degraded").ok_or("no Degraded condition")?;
        let message = degraded["message"].as_str().unwrap_or_default();
        (degraded["status"] == "True"
            && degraded["reason"] == "ServiceMonitorCrdMissing"
            && message.contains("servicemonitors.monitoring.coreos.com"))
        .then_some(())
        .ok_or_else(|| platform["status"].to_string())
    })
    .await;
    let platform = stored_platform(&cluster);
    assert_eq!(condition(&platform, "Ready").unwrap()["status"], "True");
    assert_eq!(platform["status"]["phase"], "Ready");
    assert_eq!(cluster.count("ServiceMonitor"), 0);
    let warnings: Vec<_> = cluster
        .list_json("Event")
        .into_iter()
        .filter(|e| e["reason"] == "ServiceMonitorCrdMissing")
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["type"], "Warning");

    // The CRD installed later is found by the next reconcile (here, after a spec change).
    install_service_monitor_crd(&cluster).await;
    patch_spec(
        &cluster,
        json!({ "observability": { "otlpEndpoint": "http://collector:4317" } }),
    )
    .await;
    wait_for_service_monitors(&cluster, 6).await;
    assert_monitors_select_the_services(&cluster);
    eventually("Degraded to clear", WAIT, || async {
        let platform = stored_platform(&cluster);
        let degraded = condition(&platform, "Degraded").ok_or("no Degraded condition")?;
        (degraded["status"] == "False")
            .then_some(())
            .ok_or_else(|| platform["status"].to_string())
    })
    .await;
    operator.stop().await;
}

#[tokio::test]
async fn turning_service_monitors_off_prunes_them() {
    let (_, cluster) = FakeApi::new();
    install_service_monitor_crd(&cluster).await;
    let _kubelet = cluster.run_kubelet();
    let operator = Operator::start(&cluster);
    create(&cluster, &monitored()).await;
    wait_ready(&cluster, WAIT).await;
    wait_for_service_monitors(&cluster, 6).await;

    patch_spec(
        &cluster,
        json!({ "observability": { "serviceMonitor": false } }),
    )
    .await;
    wait_for_service_monitors(&cluster, 0).await;
    wait_ready(&cluster, WAIT).await;
    assert!(
        cluster
            .get_json("Service", Some(NAMESPACE), "shop-order")
            .is_some(),
        "only the ServiceMonitors go"
    );
    operator.stop().await;
}
