//! The simulated kubelet and workload controllers: Deployments and StatefulSets report as many
//! ready replicas as their spec asks for, unless a test keeps them unready.

use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::routes::{Resource, Subresource};
use crate::store::{Operation, Writer};
use crate::{Cluster, lock};

const WORKLOADS: [&str; 2] = ["deployments", "statefulsets"];

/// The running kubelet task of [`Cluster::run_kubelet`]; dropping it stops the kubelet.
#[derive(Debug)]
pub struct Kubelet {
    task: JoinHandle<()>,
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Cluster {
    /// Sets the status of every Deployment and StatefulSet to match its spec: `replicas`,
    /// `readyReplicas`, `availableReplicas`, `updatedReplicas` (and `currentReplicas`) equal
    /// `spec.replicas` (default 1), with `observedGeneration` current. Workloads kept unready
    /// report zero ready and available replicas. Returns how many objects changed.
    pub fn mark_ready(&self) -> usize {
        let unready = lock(&self.shared.unready).clone();
        let mut store = self.shared.store();
        let mut changed = 0;
        for plural in WORKLOADS {
            let resource = Resource {
                api_version: "apps/v1".to_owned(),
                plural: plural.to_owned(),
            };
            let workloads: Vec<_> = store
                .list(&resource, None)
                .filter(|(_, object)| object["metadata"].get("deletionTimestamp").is_none())
                .map(|(key, object)| (key.clone(), object.clone()))
                .collect();
            for (key, mut object) in workloads {
                let held = unready.contains(&(
                    object["kind"].as_str().unwrap_or_default().to_owned(),
                    key.namespace.clone(),
                    key.name.clone(),
                ));
                object["status"] = status(&object, plural, held);
                let writer = Writer {
                    manager: "kube-fake-api-kubelet".to_owned(),
                    subresource: Subresource::Status,
                    operation: Operation::Update,
                };
                if store.update(&key, object, &writer).is_ok_and(|w| w.changed) {
                    changed += 1;
                }
            }
        }
        drop(store);
        self.shared.notify();
        changed
    }

    /// Runs [`Cluster::mark_ready`] after every change, until the returned handle is dropped.
    /// Needs a Tokio runtime.
    pub fn run_kubelet(&self) -> Kubelet {
        let cluster = self.clone();
        let mut changes = self.shared.changes.subscribe();
        let task = tokio::spawn(async move {
            loop {
                changes.borrow_and_update();
                cluster.mark_ready();
                if changes.changed().await.is_err() {
                    break;
                }
            }
        });
        Kubelet { task }
    }

    /// Keeps a workload (`kind` is `Deployment` or `StatefulSet`) unready until
    /// [`Cluster::allow_ready`]; takes effect at the next [`Cluster::mark_ready`].
    pub fn keep_unready(&self, kind: &str, namespace: &str, name: &str) {
        lock(&self.shared.unready).insert((
            kind.to_owned(),
            Some(namespace.to_owned()),
            name.to_owned(),
        ));
        self.poke();
    }

    /// Lets a workload held by [`Cluster::keep_unready`] become ready again.
    pub fn allow_ready(&self, kind: &str, namespace: &str, name: &str) {
        lock(&self.shared.unready).remove(&(
            kind.to_owned(),
            Some(namespace.to_owned()),
            name.to_owned(),
        ));
        self.poke();
    }

    /// Wakes a running kubelet even though no object changed.
    fn poke(&self) {
        self.shared.changes.send_modify(|_| {});
    }
}

fn status(object: &Value, plural: &str, held: bool) -> Value {
    let desired = object["spec"]["replicas"].as_i64().unwrap_or(1);
    let ready = if held { 0 } else { desired };
    let mut status = object.get("status").cloned().unwrap_or_else(|| json!({}));
    status["observedGeneration"] = object["metadata"]["generation"].clone();
    status["replicas"] = json!(desired);
    status["updatedReplicas"] = json!(desired);
    status["readyReplicas"] = json!(ready);
    status["availableReplicas"] = json!(ready);
    if plural == "statefulsets" {
        status["currentReplicas"] = json!(desired);
    }
    status
}
