//! End-to-end against a real Kubernetes cluster, where one is available: kind (`kind/up.sh`
//! installs the CRD, the operator chart and the images) or any cluster the current kubeconfig
//! names with the operator installed. No API server can run where the default test command
//! runs, so these tests are ignored unless asked for:
//!
//! ```text
//! ORDERFLOW_CLUSTER_TESTS=1 cargo nextest run -p orderflow-operator --test cluster --run-ignored only
//! ```
//!
//! Each test works in a namespace of its own and deletes it at the end. `ORDERFLOW_E2E_VERSION`
//! and `ORDERFLOW_E2E_REGISTRY` name the images (defaults `dev` and `orderflow`, as `kind/up.sh`
//! loads them); `ORDERFLOW_E2E_TIMEOUT_SECS` bounds each wait (default 900).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, DeleteParams, DynamicObject, ObjectMeta, Patch, PatchParams, PostParams};
use kube::{Client, ResourceExt};
use orderflow_operator::OrderFlowPlatform;
use orderflow_operator::build::service_monitor_resource;
use orderflow_operator::crd::{ConditionType, ServiceName};
use orderflow_testkit::eventually;
use serde_json::json;

const IGNORED: &str = "needs a Kubernetes cluster with the operator installed: set ORDERFLOW_CLUSTER_TESTS=1 and run with --run-ignored only";

fn timeout() -> Duration {
    let secs = std::env::var("ORDERFLOW_E2E_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(900);
    Duration::from_secs(secs)
}

/// A namespace of the test's own, deleted (with everything in it) when dropped.
struct TestNamespace {
    client: Client,
    name: String,
}

impl TestNamespace {
    async fn create(client: &Client, prefix: &str) -> Self {
        assert_eq!(
            std::env::var("ORDERFLOW_CLUSTER_TESTS").as_deref(),
            Ok("1"),
            "{IGNORED}"
        );
        let name = format!(
            "{prefix}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let namespace = Namespace {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        };
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &namespace)
            .await
            .expect("the test namespace is created");
        Self {
            client: client.clone(),
            name,
        }
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        let api = Api::<Namespace>::all(self.client.clone());
        let name = self.name.clone();
        // Best effort, from a runtime of its own: the test's may be shutting down.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let _ = api.delete(&name, &DeleteParams::background()).await;
            });
        })
        .join();
    }
}

fn platform(name: &str, extra: serde_json::Value) -> OrderFlowPlatform {
    let version = std::env::var("ORDERFLOW_E2E_VERSION").unwrap_or_else(|_| "dev".to_owned());
    let registry =
        std::env::var("ORDERFLOW_E2E_REGISTRY").unwrap_or_else(|_| "orderflow".to_owned());
    let mut spec = json!({
        "version": version,
        "imageRegistry": registry,
        "imagePullPolicy": "IfNotPresent",
        "services": { "inventory": { "env": [{ "name": "SEED_CATALOGUE", "value": "true" }] } },
    });
    json_patch::merge(&mut spec, &extra);
    serde_json::from_value(json!({
        "apiVersion": "orderflow.io/v1alpha1",
        "kind": "OrderFlowPlatform",
        "metadata": { "name": name },
        "spec": spec,
    }))
    .expect("a valid platform")
}

async fn wait_ready(api: &Api<OrderFlowPlatform>, name: &str) -> OrderFlowPlatform {
    eventually(
        "the platform to be Ready at its generation",
        timeout(),
        || async {
            let platform = api.get(name).await.map_err(|e| e.to_string())?;
            let status = platform.status.clone().unwrap_or_default();
            let ready = status
                .condition(ConditionType::Ready)
                .is_some_and(|c| c.status == "True");
            (ready && status.observed_generation == platform.metadata.generation)
                .then_some(platform)
                .ok_or_else(|| format!("{status:?}"))
        },
    )
    .await
}

/// A platform asking for ServiceMonitors has one per service where the cluster serves the
/// Prometheus Operator's CRD, and says in Degraded that it is missing where it does not.
async fn assert_service_monitors(client: &Client, namespace: &str, platform: &OrderFlowPlatform) {
    let served = client
        .list_api_group_resources("monitoring.coreos.com/v1")
        .await
        .is_ok_and(|list| list.resources.iter().any(|r| r.name == "servicemonitors"));
    if served {
        let api = Api::<DynamicObject>::namespaced_with(
            client.clone(),
            namespace,
            &service_monitor_resource(),
        );
        let names: BTreeSet<String> = api
            .list(&Default::default())
            .await
            .unwrap()
            .iter()
            .map(ResourceExt::name_any)
            .collect();
        let expected = ServiceName::ALL
            .iter()
            .map(|service| format!("shop-{service}"))
            .collect();
        assert_eq!(names, expected);
    } else {
        let status = platform.status.clone().unwrap_or_default();
        let degraded = status.condition(ConditionType::Degraded).expect("Degraded");
        assert_eq!(degraded.reason, "ServiceMonitorCrdMissing", "{degraded:?}");
    }
}

#[tokio::test]
#[ignore = "needs a Kubernetes cluster with the operator installed: see the file's docs"]
async fn a_platform_becomes_ready_scales_and_is_deleted_with_its_topics() {
    let client = Client::try_default().await.expect("a kubeconfig");
    let namespace = TestNamespace::create(&client, "orderflow-e2e").await;
    let platforms = Api::<OrderFlowPlatform>::namespaced(client.clone(), &namespace.name);
    let deployments = Api::<Deployment>::namespaced(client.clone(), &namespace.name);

    let shop = platform(
        "shop",
        json!({
            "kafka": { "managed": {}, "deletionPolicy": "Delete" },
            "observability": { "serviceMonitor": true },
        }),
    );
    platforms
        .patch(
            "shop",
            &PatchParams::apply("orderflow-e2e"),
            &Patch::Apply(&shop),
        )
        .await
        .expect("the platform is applied");
    let ready = wait_ready(&platforms, "shop").await;
    let status = ready.status.clone().expect("a status");
    assert_eq!(status.services_ready.as_deref(), Some("6/6"));
    let topics = status.topics.expect("topics reported");
    assert_eq!(topics.created, topics.desired);
    assert!(
        ready
            .finalizers()
            .iter()
            .any(|f| f == "orderflow.io/topics")
    );
    assert_service_monitors(&client, &namespace.name, &ready).await;
    for deployment in deployments.list(&Default::default()).await.unwrap() {
        let owners = deployment.owner_references();
        assert!(
            owners
                .iter()
                .any(|o| o.kind == "OrderFlowPlatform" && o.name == "shop"),
            "{} is owned by the platform",
            deployment.name_any()
        );
    }

    platforms
        .patch(
            "shop",
            &PatchParams::apply("orderflow-e2e"),
            &Patch::Apply(&platform(
                "shop",
                json!({
                    "kafka": { "managed": {}, "deletionPolicy": "Delete" },
                    "services": { "order": { "replicas": 2 } },
                }),
            )),
        )
        .await
        .expect("the platform is scaled");
    wait_ready(&platforms, "shop").await;
    let order = deployments.get("shop-order").await.unwrap();
    assert_eq!(order.spec.replicas, Some(2));
    Api::<PodDisruptionBudget>::namespaced(client.clone(), &namespace.name)
        .get("shop-order")
        .await
        .expect("a PodDisruptionBudget once order has two replicas");

    platforms
        .delete("shop", &DeleteParams::background())
        .await
        .expect("the platform is deleted");
    eventually(
        "the platform and its Deployments to be gone",
        timeout(),
        || async {
            let platform_left = platforms.get_opt("shop").await.map_err(|e| e.to_string())?;
            let left = deployments
                .list(&Default::default())
                .await
                .map_err(|e| e.to_string())?
                .items
                .len();
            (platform_left.is_none() && left == 0)
                .then_some(())
                .ok_or_else(|| {
                    format!(
                        "platform present: {}, deployments: {left}",
                        platform_left.is_some()
                    )
                })
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs a Kubernetes cluster with the operator installed: see the file's docs"]
async fn an_invalid_platform_is_refused_or_degraded_naming_the_field() {
    let client = Client::try_default().await.expect("a kubeconfig");
    let namespace = TestNamespace::create(&client, "orderflow-e2e").await;
    let platforms = Api::<OrderFlowPlatform>::namespaced(client.clone(), &namespace.name);
    let bad = platform(
        "bad",
        json!({ "services": { "order": { "autoscaling": { "minReplicas": 5, "maxReplicas": 2 } } } }),
    );
    match platforms.create(&PostParams::default(), &bad).await {
        // The CRD's CEL rules refuse it at admission, naming the field.
        Err(kube::Error::Api(response)) => {
            assert_eq!(response.code, 422, "{response:?}");
            assert!(
                response.message.contains("autoscaling"),
                "{}",
                response.message
            );
        }
        Err(other) => panic!("unexpected error: {other}"),
        // An API server without CEL admits it: the operator reports it.
        Ok(_) => {
            eventually("Degraded to name the field", timeout(), || async {
                let platform = platforms.get("bad").await.map_err(|e| e.to_string())?;
                let status = platform.status.unwrap_or_default();
                status
                    .condition(ConditionType::Degraded)
                    .filter(|c| {
                        c.status == "True" && c.message.contains("spec.services.order.autoscaling")
                    })
                    .map(|_| ())
                    .ok_or_else(|| format!("{:?}", status.conditions))
            })
            .await;
        }
    }
}
