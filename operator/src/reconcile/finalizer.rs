//! The topics finalizer: present only while `kafka.deletionPolicy` is `Delete`, so that a
//! platform that keeps its topics is deleted by Kubernetes alone, without waiting for the
//! operator. Everything else the platform owns goes with it through owner references.

use kube::api::{Api, Patch, PatchParams};
use kube::{Client, ResourceExt};
use serde_json::json;

use super::Error;
use crate::OrderFlowPlatform;
use crate::crd::DeletionPolicy;

/// Held on a platform whose topics are deleted with it.
pub const TOPICS_FINALIZER: &str = "orderflow.io/topics";

/// Whether the platform's spec asks for the finalizer.
pub fn wanted(platform: &OrderFlowPlatform) -> bool {
    platform.spec.kafka.deletion_policy == DeletionPolicy::Delete
}

pub fn held(platform: &OrderFlowPlatform) -> bool {
    platform.finalizers().iter().any(|f| f == TOPICS_FINALIZER)
}

/// Adds or removes the finalizer so that it is held exactly when `wanted`.
pub async fn sync(
    client: &Client,
    platform: &OrderFlowPlatform,
    wanted: bool,
) -> Result<(), Error> {
    if held(platform) == wanted {
        return Ok(());
    }
    let mut finalizers: Vec<String> = platform
        .finalizers()
        .iter()
        .filter(|f| *f != TOPICS_FINALIZER)
        .cloned()
        .collect();
    if wanted {
        finalizers.push(TOPICS_FINALIZER.to_owned());
    }
    write(client, platform, finalizers).await
}

/// Removes the finalizer, letting Kubernetes finish the deletion.
pub async fn release(client: &Client, platform: &OrderFlowPlatform) -> Result<(), Error> {
    sync(client, platform, false).await
}

/// Replaces the finalizer list, guarded by the resourceVersion it was read at, so that a
/// finalizer another controller added meanwhile is never lost (the patch fails and the
/// reconcile is retried on the newer object).
async fn write(
    client: &Client,
    platform: &OrderFlowPlatform,
    finalizers: Vec<String>,
) -> Result<(), Error> {
    let name = platform.name_any();
    let namespace = platform.namespace().ok_or(Error::NoNamespace)?;
    let patch: json_patch::Patch = serde_json::from_value(json!([
        { "op": "test", "path": "/metadata/resourceVersion", "value": platform.resource_version() },
        { "op": "add", "path": "/metadata/finalizers", "value": finalizers },
    ]))
    .map_err(|source| Error::Patch {
        name: name.clone(),
        source,
    })?;
    Api::<OrderFlowPlatform>::namespaced(client.clone(), &namespace)
        .patch(&name, &PatchParams::default(), &Patch::Json::<()>(patch))
        .await
        .map_err(Error::api(
            "update the finalizers of",
            "OrderFlowPlatform",
            name,
        ))?;
    Ok(())
}
