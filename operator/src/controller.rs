//! The controller: watches platforms and the objects they own, and runs the reconciler and,
//! beside it, the lag autoscaler.

use std::future::Future;
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::controller::Controller;
use kube::runtime::{WatchStreamExt, predicates, reflector, watcher};

use crate::OrderFlowPlatform;
use crate::autoscale;
use crate::build::MANAGED_BY;
use crate::decode;
use crate::reconcile::{Context, error_chain, error_policy, reconcile};

/// Label selector of every object the operator applies, whatever its platform.
fn managed_selector() -> String {
    format!("app.kubernetes.io/managed-by={MANAGED_BY}")
}

/// Runs the controller for the platforms in `namespace` (every namespace when `None`) until
/// `shutdown` completes; reconciles in flight then finish.
pub async fn run(
    context: Arc<Context>,
    namespace: Option<&str>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let client = context.client.clone();
    let owned = watcher::Config::default().labels(&managed_selector());
    let resource = ApiResource::erase::<OrderFlowPlatform>(&());
    let platforms = match namespace {
        Some(namespace) => {
            Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &resource)
        }
        None => Api::<DynamicObject>::all_with(client.clone(), &resource),
    };
    let decoder = client.clone();
    let events = watcher(platforms, watcher::Config::default())
        .default_backoff()
        .filter_map(move |event| {
            let client = decoder.clone();
            async move {
                match event {
                    Ok(event) => decode::typed(&client, event).await.map(Ok),
                    Err(error) => Some(Err(error)),
                }
            }
        });
    let (reader, writer) = reflector::store();
    // Status writes bump no generation: reconciling on spec changes only stops the
    // controller from waking itself up with its own status updates.
    let trigger = reflector(writer, events)
        .applied_objects()
        .predicate_filter(predicates::generation, Default::default());
    // The lag autoscaler reads the same store, and runs only while the controller does, so
    // that only the leader scales.
    let autoscaler = autoscale::run(Arc::clone(&context), reader.clone());
    let controller = Controller::for_stream(trigger, reader)
        .owns(
            scoped::<Deployment>(namespace, client.clone()),
            owned.clone(),
        )
        .owns(
            scoped::<StatefulSet>(namespace, client.clone()),
            owned.clone(),
        )
        .owns(scoped::<Service>(namespace, client.clone()), owned.clone())
        .owns(
            scoped::<ConfigMap>(namespace, client.clone()),
            owned.clone(),
        )
        .owns(scoped::<Secret>(namespace, client.clone()), owned.clone())
        .owns(
            scoped::<NetworkPolicy>(namespace, client.clone()),
            owned.clone(),
        )
        .owns(
            scoped::<PodDisruptionBudget>(namespace, client.clone()),
            owned.clone(),
        )
        .owns(scoped::<Ingress>(namespace, client), owned)
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, context)
        .for_each(|result| async move {
            match result {
                Ok((platform, _)) => tracing::debug!(%platform, "reconciled"),
                // Includes objects that fail to deserialize: logged, never fatal.
                Err(error) => tracing::warn!(error = %error_chain(&error), "reconcile error"),
            }
        });
    tokio::select! {
        () = controller => {}
        () = autoscaler => {}
    }
}

fn scoped<K>(namespace: Option<&str>, client: kube::Client) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(namespace) => Api::namespaced(client, namespace),
        None => Api::all(client),
    }
}
