//! The lag autoscaler in the real controller, against the in-memory fake API server (a test
//! double) and a real Kafka-protocol broker (tansu), with a manual clock standing in for the
//! passing of poll intervals and stabilization windows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use kube::api::{Api, Patch, PatchParams, PostParams};
use kube_fake_api::{Cluster, FakeApi};
use orderflow_contracts::topics::CUSTOMER_EVENTS;
use orderflow_operator::OrderFlowPlatform;
use orderflow_operator::autoscale::{AutoscalerSettings, Clock, FIELD_MANAGER, ManualClock};
use orderflow_operator::controller;
use orderflow_operator::reconcile::{Context, Requeue};
use orderflow_operator::topics::KafkaAdmin;
use orderflow_testkit::eventually;
use orderflow_testkit::kafka::TansuBroker;
use serde_json::{Value, json};
use support::{
    NAMESPACE, add_env_to_order, consume_and_commit, produce, stored_platform, wait_ready,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_secs(15);
const WINDOW: Duration = Duration::from_secs(60);
const PARTITIONS: i32 = 4;

struct Operator {
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
    context: Arc<Context>,
}

impl Operator {
    fn start(cluster: &Cluster, bootstrap: String, clock: Arc<ManualClock>) -> Self {
        let requeue = Requeue {
            ready: Duration::from_secs(60),
            progressing: Duration::from_millis(100),
            blocked: Duration::from_secs(60),
            error_base: Duration::from_millis(50),
            error_max: Duration::from_millis(500),
        };
        let kafka = KafkaAdmin {
            timeout: Duration::from_secs(2),
            bootstrap_override: Some(bootstrap),
        };
        let autoscaler = AutoscalerSettings {
            clock,
            tick: Duration::from_millis(50),
        };
        let context = Arc::new(
            Context::new(cluster.client(), "orderflow-system", requeue)
                .with_kafka(kafka)
                .with_autoscaler(autoscaler),
        );
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn({
            let context = Arc::clone(&context);
            async move {
                controller::run(context, Some(NAMESPACE), async move {
                    let _ = stop.await;
                })
                .await;
            }
        });
        Self {
            shutdown,
            task,
            context,
        }
    }

    async fn stop(self) {
        let _ = self.shutdown.send(());
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the controller stops")
            .expect("the controller does not panic");
    }
}

/// A platform whose order service scales on lag: 10 records per replica, up to 5 replicas
/// (but its topics have 4 partitions), 2 at a time, down after 60 s.
fn autoscaled_platform() -> OrderFlowPlatform {
    serde_json::from_value(json!({
        "apiVersion": "orderflow.io/v1alpha1",
        "kind": "OrderFlowPlatform",
        "metadata": { "name": "shop", "namespace": NAMESPACE },
        "spec": {
            "version": "0.1.0",
            "kafka": { "managed": {}, "topics": { "partitions": PARTITIONS } },
            "services": { "order": { "replicas": 2, "autoscaling": {
                "minReplicas": 1,
                "maxReplicas": 5,
                "targetLagPerReplica": 10,
                "maxScaleUpStep": 2,
                "scaleDownStabilizationSeconds": WINDOW.as_secs(),
                "pollIntervalSeconds": POLL.as_secs(),
            } } },
        },
    }))
    .expect("a valid platform")
}

/// The autoscaler's status entry for the order service.
fn order_status(cluster: &Cluster) -> Option<Value> {
    stored_platform(cluster)["status"]["autoscaling"]
        .as_array()?
        .iter()
        .find(|entry| entry["service"] == "order")
        .cloned()
}

fn order_replicas(cluster: &Cluster) -> Option<i64> {
    cluster.get_json("Deployment", Some(NAMESPACE), "shop-order")?["spec"]["replicas"].as_i64()
}

#[tokio::test]
async fn lag_scales_order_up_at_once_and_down_after_the_window() {
    let broker = TansuBroker::start_ephemeral().expect("a tansu broker");
    let bootstrap = broker.bootstrap();
    let (_, cluster) = FakeApi::new();
    let _kubelet = cluster.run_kubelet();
    let clock = Arc::new(ManualClock::new());
    let operator = Operator::start(&cluster, bootstrap.clone(), Arc::clone(&clock));
    Api::<OrderFlowPlatform>::namespaced(cluster.client(), NAMESPACE)
        .create(&PostParams::default(), &autoscaled_platform())
        .await
        .expect("the platform is created");
    wait_ready(&cluster, WAIT).await;

    // No lag: the Deployment runs min replicas and the status says why `replicas` does not count.
    eventually("a poll's status with the Deployment there", WAIT, || {
        clock.advance(POLL);
        async {
            let entry = order_status(&cluster).ok_or("no entry")?;
            (entry["lag"] == 0 && entry["currentReplicas"] == 1)
                .then_some(())
                .ok_or_else(|| entry.to_string())
        }
    })
    .await;
    let entry = order_status(&cluster).unwrap();
    assert!(
        entry["message"]
            .as_str()
            .unwrap()
            .contains("spec.services.order.replicas is ignored"),
        "{entry}"
    );

    // 45 records: 5 replicas' worth, capped at the 4 partitions, reached 2 at a time.
    produce(&bootstrap, CUSTOMER_EVENTS, 45);
    let mut seen = Vec::new();
    eventually("order to scale up to 4", WAIT, || {
        clock.advance(POLL);
        let replicas = order_replicas(&cluster);
        if seen.last() != Some(&replicas) {
            seen.push(replicas);
        }
        let seen = seen.clone();
        async move { (replicas == Some(4)).then_some(()).ok_or(seen) }
    })
    .await;
    assert!(
        seen.contains(&Some(3)),
        "steps of at most 2 go through 3: {seen:?}"
    );
    // The status follows the Deployment within the same poll.
    let entry = eventually("the status to report 4 replicas", WAIT, || async {
        let entry = order_status(&cluster).ok_or("no entry")?;
        (entry["currentReplicas"] == 4)
            .then_some(entry.clone())
            .ok_or_else(|| entry.to_string())
    })
    .await;
    assert_eq!(entry["lag"], 45, "{entry}");
    assert_eq!(entry["desiredReplicas"], 4, "{entry}");
    assert_eq!(entry["currentReplicas"], 4, "{entry}");
    assert!(entry["lastScaleTime"].is_string(), "{entry}");
    let reason = entry["lastScaleReason"].as_str().unwrap();
    assert!(reason.starts_with("LagRising: lag 45"), "{reason}");
    assert!(
        entry["message"]
            .as_str()
            .unwrap()
            .contains("capped at 4 partitions"),
        "{entry}"
    );
    let events = cluster.list_json("Event");
    let scaled_up: Vec<_> = events
        .iter()
        .filter(|e| e["reason"] == "ScaledUp")
        .collect();
    // kube's recorder folds repeats of a reason into one Event with a series count.
    let occurrences: u64 = scaled_up
        .iter()
        .map(|e| e["series"]["count"].as_u64().unwrap_or(1))
        .sum();
    assert_eq!(occurrences, 2, "1 -> 3 -> 4: {events:?}");
    assert!(
        scaled_up
            .iter()
            .all(|e| e["note"].as_str().unwrap().starts_with("order: LagRising")),
        "{events:?}"
    );
    let metrics = operator.context.metrics.render();
    assert!(
        metrics.contains(
            "orderflow_operator_autoscaler_replicas{platform=\"default/shop\",service=\"order\"} 4"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "orderflow_operator_consumer_lag{platform=\"default/shop\",service=\"order\"} 45"
        ),
        "{metrics}"
    );

    // The reconciler re-applies the Deployment on a spec change without touching the count,
    // and its status write keeps the autoscaler's entries.
    add_env_to_order(&cluster, WAIT).await;
    wait_ready(&cluster, WAIT).await;
    assert_eq!(order_replicas(&cluster), Some(4));
    assert!(order_status(&cluster).is_some(), "the entry survives");
    let deployment = cluster
        .get_json("Deployment", Some(NAMESPACE), "shop-order")
        .unwrap();
    let owners: Vec<_> = deployment["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["fieldsV1"]["f:spec"]["f:replicas"].is_object())
        .map(|entry| entry["manager"].clone())
        .collect();
    assert_eq!(owners, [json!(FIELD_MANAGER)]);

    // Drained: the lower count must hold for the whole window before replicas go.
    consume_and_commit(
        &bootstrap,
        "order",
        &[CUSTOMER_EVENTS.to_owned()],
        PARTITIONS,
        45,
    );
    clock.advance(POLL);
    eventually("the drained lag to be seen", WAIT, || async {
        let entry = order_status(&cluster).ok_or("no entry")?;
        (entry["lag"] == 0)
            .then_some(())
            .ok_or_else(|| entry.to_string())
    })
    .await;
    let drained_at = clock.now();
    let entry = order_status(&cluster).unwrap();
    assert_eq!(entry["desiredReplicas"], 1, "{entry}");
    assert_eq!(entry["currentReplicas"], 4, "held for the window: {entry}");
    assert_eq!(order_replicas(&cluster), Some(4));
    eventually("order to scale down to 1", WAIT, || {
        clock.advance(POLL);
        let replicas = order_replicas(&cluster);
        async move { (replicas == Some(1)).then_some(()).ok_or(replicas) }
    })
    .await;
    // The window runs from the last high poll, at most one interval before `drained_at`.
    let waited = clock.now() - drained_at;
    assert!(waited > WINDOW - POLL, "scaled down after {waited:?}");
    let entry = order_status(&cluster).unwrap();
    assert!(
        entry["lastScaleReason"]
            .as_str()
            .unwrap()
            .starts_with("LagDrained"),
        "{entry}"
    );
    assert!(
        cluster
            .list_json("Event")
            .iter()
            .any(|e| e["reason"] == "ScaledDown"),
        "an Event says so"
    );

    // Switched off: the entries go, and the count is the reconciler's `replicas` again.
    Api::<OrderFlowPlatform>::namespaced(cluster.client(), NAMESPACE)
        .patch(
            "shop",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "services": { "order": {
                "autoscaling": { "enabled": false }
            } } } })),
        )
        .await
        .unwrap();
    eventually("the entries to go and replicas to be 2", WAIT, || async {
        let entries = stored_platform(&cluster)["status"]["autoscaling"].clone();
        let replicas = order_replicas(&cluster);
        (order_status(&cluster).is_none() && replicas == Some(2))
            .then_some(())
            .ok_or_else(|| format!("{entries} {replicas:?}"))
    })
    .await;
    operator.stop().await;
}

#[tokio::test]
async fn an_unreachable_kafka_keeps_the_replicas_and_says_why() {
    let port = orderflow_testkit::ports::free_port().expect("port");
    let (_, cluster) = FakeApi::new();
    let _kubelet = cluster.run_kubelet();
    let clock = Arc::new(ManualClock::new());
    let operator = Operator::start(&cluster, format!("127.0.0.1:{port}"), Arc::clone(&clock));
    Api::<OrderFlowPlatform>::namespaced(cluster.client(), NAMESPACE)
        .create(&PostParams::default(), &autoscaled_platform())
        .await
        .expect("the platform is created");
    eventually("the order Deployment", WAIT, || async {
        cluster
            .get_json("Deployment", Some(NAMESPACE), "shop-order")
            .map(drop)
            .ok_or("no Deployment")
    })
    .await;
    // Someone scaled it by hand to 3; without lag figures that count stays.
    Api::<k8s_openapi::api::apps::v1::Deployment>::namespaced(cluster.client(), NAMESPACE)
        .patch(
            "shop-order",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "replicas": 3 } })),
        )
        .await
        .unwrap();
    eventually("the status to say Kafka cannot be read", WAIT, || {
        clock.advance(POLL);
        async {
            let entry = order_status(&cluster).ok_or("no entry")?;
            let message = entry["message"].as_str().unwrap_or_default().to_owned();
            (message.contains("Kafka unreadable")
                && message.contains(&port.to_string())
                && entry["lag"].is_null()
                && entry["currentReplicas"] == 3)
                .then_some(())
                .ok_or_else(|| entry.to_string())
        }
    })
    .await;
    assert_eq!(order_replicas(&cluster), Some(3));
    assert!(
        !cluster
            .list_json("Event")
            .iter()
            .any(|e| e["reason"] == "ScaledUp" || e["reason"] == "ScaledDown"),
        "nothing was scaled"
    );
    operator.stop().await;
}
