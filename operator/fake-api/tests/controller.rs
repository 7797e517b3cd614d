//! The real kube-runtime `Controller`, and the simulated kubelet, running against the fake.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Widget, widget};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::{Client, Resource, ResourceExt};
use kube_fake_api::{Cluster, FakeApi};
use orderflow_testkit::eventually;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);
const MANAGER: &str = "widget-controller";

/// Owns a ConfigMap per Widget holding its size, and reports Ready with the observed generation.
async fn reconcile(widget: Arc<Widget>, client: Arc<Client>) -> Result<Action, kube::Error> {
    let (name, namespace) = (widget.name_any(), widget.namespace().unwrap_or_default());
    let apply = PatchParams::apply(MANAGER).force();
    let config_map = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": name, "ownerReferences": [widget.controller_owner_ref(&())] },
        "data": { "size": widget.spec.size.to_string() },
    });
    Api::<ConfigMap>::namespaced((*client).clone(), &namespace)
        .patch(&name, &apply, &Patch::Apply(config_map))
        .await?;
    let status = json!({
        "apiVersion": Widget::api_version(&()),
        "kind": Widget::kind(&()),
        "status": { "phase": "Ready", "observedGeneration": widget.metadata.generation },
    });
    Api::<Widget>::namespaced((*client).clone(), &namespace)
        .patch_status(&name, &apply, &Patch::Apply(status))
        .await?;
    Ok(Action::await_change())
}

fn error_policy(_: Arc<Widget>, _: &kube::Error, _: Arc<Client>) -> Action {
    Action::requeue(Duration::from_millis(100))
}

fn run_controller(cluster: &Cluster) -> tokio::task::JoinHandle<()> {
    let client = cluster.client();
    let controller = Controller::new(
        Api::<Widget>::all(client.clone()),
        watcher::Config::default(),
    )
    .owns(
        Api::<ConfigMap>::all(client.clone()),
        watcher::Config::default(),
    )
    .run(reconcile, error_policy, Arc::new(client))
    .for_each(|_| async {});
    tokio::spawn(controller)
}

async fn wait_for(cluster: &Cluster, what: &str, check: impl Fn(&Cluster) -> Result<(), String>) {
    eventually(what, WAIT, || async { check(cluster) }).await;
}

fn config_map_size(cluster: &Cluster, name: &str) -> Option<Value> {
    cluster
        .get_json("ConfigMap", Some("default"), name)
        .map(|cm| cm["data"]["size"].clone())
}

#[tokio::test]
async fn a_real_controller_reconciles_owned_objects() {
    let (_, cluster) = FakeApi::new();
    let controller = run_controller(&cluster);
    let widgets: Api<Widget> = Api::default_namespaced(cluster.client());
    let config_maps: Api<ConfigMap> = Api::default_namespaced(cluster.client());

    widgets
        .create(&PostParams::default(), &widget("w", 1))
        .await
        .unwrap();
    let ready_at = |generation: i64| {
        move |c: &Cluster| {
            let w = c
                .get_json("Widget", Some("default"), "w")
                .ok_or("no widget")?;
            (w["status"]["phase"] == "Ready" && w["status"]["observedGeneration"] == generation)
                .then_some(())
                .ok_or_else(|| w["status"].to_string())
        }
    };
    wait_for(&cluster, "the widget's ConfigMap", |c| {
        (config_map_size(c, "w") == Some(json!("1")))
            .then_some(())
            .ok_or_else(|| "no ConfigMap".into())
    })
    .await;
    wait_for(
        &cluster,
        "the widget to be Ready at generation 1",
        ready_at(1),
    )
    .await;

    widgets
        .patch(
            "w",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"size": 2}})),
        )
        .await
        .unwrap();
    wait_for(&cluster, "the ConfigMap to follow the spec", |c| {
        (config_map_size(c, "w") == Some(json!("2")))
            .then_some(())
            .ok_or_else(|| "size not 2".into())
    })
    .await;
    wait_for(
        &cluster,
        "the widget to be Ready at generation 2",
        ready_at(2),
    )
    .await;

    // The owned-object watch brings the owner back to reconcile when its ConfigMap goes.
    let before =
        cluster.get_json("ConfigMap", Some("default"), "w").unwrap()["metadata"]["uid"].clone();
    config_maps
        .delete("w", &DeleteParams::default())
        .await
        .unwrap();
    wait_for(&cluster, "the ConfigMap to be recreated", |c| {
        let uid = c
            .get_json("ConfigMap", Some("default"), "w")
            .map(|cm| cm["metadata"]["uid"].clone());
        uid.filter(|uid| *uid != before)
            .map(|_| ())
            .ok_or_else(|| "not recreated".into())
    })
    .await;

    widgets.delete("w", &DeleteParams::default()).await.unwrap();
    wait_for(&cluster, "the ConfigMap to be collected", |c| {
        (c.count("ConfigMap") == 0)
            .then_some(())
            .ok_or_else(|| "still there".into())
    })
    .await;
    controller.abort();
}

#[tokio::test]
async fn the_simulated_kubelet_marks_workloads_ready_unless_held() {
    let (_, cluster) = FakeApi::new();
    let deployments: Api<Deployment> = Api::default_namespaced(cluster.client());
    let web = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": "web" },
        "spec": { "replicas": 3 },
    });
    deployments
        .patch("web", &PatchParams::apply("test"), &Patch::Apply(web))
        .await
        .unwrap();
    let status =
        |c: &Cluster| c.get_json("Deployment", Some("default"), "web").unwrap()["status"].clone();
    let expect = |generation: i64, ready: i64| {
        move |c: &Cluster| {
            let s = status(c);
            (s["observedGeneration"] == generation
                && s["readyReplicas"] == ready
                && s["availableReplicas"] == ready)
                .then_some(())
                .ok_or_else(|| s.to_string())
        }
    };
    assert!(status(&cluster).is_null());

    let _kubelet = cluster.run_kubelet();
    wait_for(&cluster, "3 ready replicas", expect(1, 3)).await;

    cluster.keep_unready("Deployment", "default", "web");
    deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 4}})),
        )
        .await
        .unwrap();
    wait_for(&cluster, "generation 2 observed but unready", expect(2, 0)).await;

    cluster.allow_ready("Deployment", "default", "web");
    wait_for(&cluster, "4 ready replicas", expect(2, 4)).await;
    assert_eq!(
        cluster.mark_ready(),
        0,
        "an up-to-date status is not rewritten"
    );
}
