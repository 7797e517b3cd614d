//! Server-side apply of the desired objects, in order, and deletion of the orphans a
//! previous spec left behind.

use std::collections::BTreeSet;
use std::fmt::Debug;

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kube::{Client, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Error;
use super::status;
use crate::OrderFlowPlatform;
use crate::build::{DesiredObject, MANAGED_BY, ObjectKind, platform_selector};
use crate::crd::{ComponentStatus, ServiceName};

/// The workloads as the cluster reports them after the apply.
#[derive(Debug, Default)]
pub struct Applied {
    /// Every StatefulSet and Deployment of the desired state, in apply order.
    pub workloads: Vec<ComponentStatus>,
    /// Services whose Deployment was not applied, with the components they wait for.
    pub held: Vec<(String, Vec<String>)>,
}

/// Typed objects that live in the platform's namespace.
trait Namespaced:
    kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
    + k8s_openapi::Resource
    + Clone
    + Debug
    + Serialize
    + DeserializeOwned
{
}

impl<K> Namespaced for K where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + k8s_openapi::Resource
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned
{
}

/// Applies `desired` in order. A service's Deployment waits until the managed database and
/// Kafka it depends on are ready; an existing one is then left as it is.
pub async fn apply_all(
    client: &Client,
    namespace: &str,
    desired: &[DesiredObject],
) -> Result<Applied, Error> {
    let mut applied = Applied::default();
    for object in desired {
        match object {
            DesiredObject::Secret(object) => {
                apply(client, namespace, object).await?;
            }
            DesiredObject::ConfigMap(object) => {
                apply(client, namespace, object).await?;
            }
            DesiredObject::NetworkPolicy(object) => {
                apply(client, namespace, object).await?;
            }
            DesiredObject::Service(object) => {
                apply(client, namespace, object).await?;
            }
            DesiredObject::StatefulSet(object) => {
                let live = apply(client, namespace, object).await?;
                applied.workloads.push(status::stateful_set(&live));
            }
            DesiredObject::Deployment(object) => {
                let waiting = unready_dependencies(object, &applied.workloads);
                if waiting.is_empty() {
                    let live = apply(client, namespace, object).await?;
                    applied.workloads.push(status::deployment(&live));
                } else {
                    let name = object.name_any();
                    let live = Api::<Deployment>::namespaced(client.clone(), namespace)
                        .get_opt(&name)
                        .await
                        .map_err(Error::api("get", "Deployment", name))?;
                    applied
                        .workloads
                        .push(status::deployment(live.as_ref().unwrap_or(object)));
                    applied.held.push((status::component(object), waiting));
                }
            }
            DesiredObject::HorizontalPodAutoscaler(object) => {
                apply(client, namespace, object).await?;
            }
            DesiredObject::PodDisruptionBudget(object) => {
                apply(client, namespace, object).await?;
            }
            DesiredObject::Ingress(object) => {
                apply(client, namespace, object).await?;
            }
        }
    }
    Ok(applied)
}

/// The managed components a service's Deployment waits for that are not ready: its own
/// database and Kafka. The gateway depends on neither.
fn unready_dependencies(deployment: &Deployment, workloads: &[ComponentStatus]) -> Vec<String> {
    let service = status::component(deployment);
    if service == ServiceName::Gateway.as_str() {
        return Vec::new();
    }
    let database = format!("postgres-{service}");
    workloads
        .iter()
        .filter(|w| (w.name == database || w.name == "kafka") && !w.is_ready())
        .map(|w| w.name.clone())
        .collect()
}

async fn apply<K: Namespaced>(client: &Client, namespace: &str, object: &K) -> Result<K, Error> {
    let name = object.name_any();
    Api::<K>::namespaced(client.clone(), namespace)
        .patch(
            &name,
            &PatchParams::apply(MANAGED_BY).force(),
            &Patch::Apply(object),
        )
        .await
        .map_err(Error::api(
            "apply",
            <K as k8s_openapi::Resource>::KIND,
            name,
        ))
}

/// Deletes every object labelled as the platform's that `desired` no longer holds, in the
/// reverse of apply order (what routes to a workload goes before it).
pub async fn prune(
    client: &Client,
    platform: &OrderFlowPlatform,
    namespace: &str,
    desired: &[DesiredObject],
) -> Result<(), Error> {
    let selector = platform_selector(&platform.name_any());
    for &kind in ObjectKind::ALL.iter().rev() {
        let keep: BTreeSet<&str> = desired
            .iter()
            .filter(|object| object.kind() == kind)
            .map(DesiredObject::name)
            .collect();
        let orphans = Orphans {
            client,
            namespace,
            selector: &selector,
            keep: &keep,
        };
        match kind {
            ObjectKind::Secret => orphans.delete::<Secret>().await?,
            ObjectKind::ConfigMap => orphans.delete::<ConfigMap>().await?,
            ObjectKind::NetworkPolicy => orphans.delete::<NetworkPolicy>().await?,
            ObjectKind::Service => orphans.delete::<Service>().await?,
            ObjectKind::StatefulSet => orphans.delete::<StatefulSet>().await?,
            ObjectKind::Deployment => orphans.delete::<Deployment>().await?,
            ObjectKind::HorizontalPodAutoscaler => {
                orphans.delete::<HorizontalPodAutoscaler>().await?;
            }
            ObjectKind::PodDisruptionBudget => orphans.delete::<PodDisruptionBudget>().await?,
            ObjectKind::Ingress => orphans.delete::<Ingress>().await?,
        }
    }
    Ok(())
}

/// The objects of one kind to keep; the others with the platform's labels are orphans.
pub(super) struct Orphans<'a> {
    pub client: &'a Client,
    pub namespace: &'a str,
    pub selector: &'a str,
    pub keep: &'a BTreeSet<&'a str>,
}

impl Orphans<'_> {
    async fn delete<K: Namespaced>(&self) -> Result<(), Error> {
        let api = Api::<K>::namespaced(self.client.clone(), self.namespace);
        self.delete_in(&api, <K as k8s_openapi::Resource>::KIND)
            .await
    }

    /// Deletes the orphans among what `api` lists. A kind the API server does not serve (404,
    /// e.g. a CRD not installed) has none.
    pub(super) async fn delete_in<K>(&self, api: &Api<K>, kind: &'static str) -> Result<(), Error>
    where
        K: kube::Resource + Clone + Debug + DeserializeOwned,
    {
        let existing = match api
            .list_metadata(&ListParams::default().labels(self.selector))
            .await
        {
            Ok(existing) => existing,
            Err(kube::Error::Api(status)) if status.code == 404 => return Ok(()),
            Err(source) => return Err(Error::api("list", kind, self.selector)(source)),
        };
        for object in existing.items {
            let name = object.name_any();
            if self.keep.contains(name.as_str()) || object.metadata.deletion_timestamp.is_some() {
                continue;
            }
            tracing::info!(kind, name, namespace = self.namespace, "deleting an orphan");
            match api.delete(&name, &DeleteParams::background()).await {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(source) => return Err(Error::api("delete", kind, name)(source)),
            }
        }
        Ok(())
    }
}
