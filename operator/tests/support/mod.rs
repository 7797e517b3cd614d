//! What the operator's test binaries share: reading the platform `shop` from the in-memory
//! fake API server (a test double), waiting for its conditions, and driving records through a
//! real Kafka-protocol broker as a consumer group would.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube_fake_api::Cluster;
use orderflow_operator::OrderFlowPlatform;
use orderflow_testkit::eventually;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use serde_json::{Value, json};

pub const NAMESPACE: &str = "default";

pub fn platforms(cluster: &Cluster) -> Api<OrderFlowPlatform> {
    Api::namespaced(cluster.client(), NAMESPACE)
}

/// Merges `spec` into the platform's spec, as `kubectl patch --type merge` would.
pub async fn patch_spec(cluster: &Cluster, spec: Value) {
    platforms(cluster)
        .patch(
            "shop",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": spec })),
        )
        .await
        .expect("the platform is patched");
}

pub fn stored_platform(cluster: &Cluster) -> Value {
    cluster
        .get_json("OrderFlowPlatform", Some(NAMESPACE), "shop")
        .expect("the platform exists")
}

pub fn condition(platform: &Value, type_: &str) -> Option<Value> {
    platform["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
        .cloned()
}

/// Stores the Prometheus Operator's ServiceMonitor CRD, reduced to what discovery reads, in
/// the fake API server (a test double), which then serves `monitoring.coreos.com/v1`.
pub async fn install_service_monitor_crd(cluster: &Cluster) {
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": { "name": "servicemonitors.monitoring.coreos.com" },
        "spec": {
            "group": "monitoring.coreos.com",
            "scope": "Namespaced",
            "names": {
                "plural": "servicemonitors",
                "singular": "servicemonitor",
                "kind": "ServiceMonitor",
                "listKind": "ServiceMonitorList",
            },
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": true,
                } },
            }],
        },
    }))
    .unwrap();
    Api::<CustomResourceDefinition>::all(cluster.client())
        .create(&PostParams::default(), &crd)
        .await
        .expect("the CRD is stored");
}

/// Waits for Ready=True with the status describing the current generation.
pub async fn wait_ready(cluster: &Cluster, timeout: Duration) {
    eventually(
        "the platform to be Ready at its generation",
        timeout,
        || async {
            let platform = stored_platform(cluster);
            let ready = condition(&platform, "Ready").ok_or("no Ready condition")?;
            let current =
                platform["status"]["observedGeneration"] == platform["metadata"]["generation"];
            (ready["status"] == "True" && current)
                .then_some(())
                .ok_or_else(|| format!("status: {}", platform["status"]))
        },
    )
    .await;
}

/// Gives the order service the environment variable `FEATURE_X` and waits until its
/// Deployment carries it: a change of the pod template only.
pub async fn add_env_to_order(cluster: &Cluster, timeout: Duration) {
    patch_spec(
        cluster,
        json!({ "services": { "order": { "env": [{ "name": "FEATURE_X", "value": "on" }] } } }),
    )
    .await;
    eventually(
        "the order Deployment to carry the new env",
        timeout,
        || async {
            let order = cluster
                .get_json("Deployment", Some(NAMESPACE), "shop-order")
                .ok_or("no Deployment")?;
            let env = order["spec"]["template"]["spec"]["containers"][0]["env"].to_string();
            env.contains("FEATURE_X").then_some(()).ok_or(env)
        },
    )
    .await;
}

/// Produces `count` records with distinct keys to `topic`.
pub fn produce(bootstrap: &str, topic: &str, count: usize) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap();
    for index in 0..count {
        let key = format!("key-{index}");
        producer
            .send(BaseRecord::to(topic).key(&key).payload("{}"))
            .map_err(|(error, _)| error)
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
}

/// Reads `expected` records of `topics` (each with `partitions` partitions) as group `group`
/// would, then commits the next offsets.
pub fn consume_and_commit(
    bootstrap: &str,
    group: &str,
    topics: &[String],
    partitions: i32,
    expected: usize,
) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    for topic in topics {
        for partition in 0..partitions {
            assignment
                .add_partition_offset(topic, partition, Offset::Beginning)
                .unwrap();
        }
    }
    consumer.assign(&assignment).unwrap();
    let mut next: HashMap<(String, i32), i64> = HashMap::new();
    let mut read = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while read < expected {
        assert!(Instant::now() < deadline, "read {read} of {expected}");
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let message = message.unwrap();
            read += 1;
            next.insert(
                (message.topic().to_owned(), message.partition()),
                message.offset() + 1,
            );
        }
    }
    let mut commit = TopicPartitionList::new();
    for ((topic, partition), offset) in next {
        commit
            .add_partition_offset(&topic, partition, Offset::Offset(offset))
            .unwrap();
    }
    consumer.commit(&commit, CommitMode::Sync).unwrap();
}
