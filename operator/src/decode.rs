//! Platforms are watched untyped and decoded one at a time, so that one the operator cannot
//! read (a spec from another version of the CRD, or stored past a schema that did not check
//! it) is reported on its own status instead of failing the whole list, and with it every
//! other platform.

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::runtime::watcher::Event;
use kube::{Client, Resource};
use serde_json::json;

use crate::build::MANAGED_BY;
use crate::crd::{ConditionType, OrderFlowPlatform, OrderFlowPlatformSpec};

/// The typed event for `event`, reporting the platforms it cannot decode. An unreadable
/// update removes the platform from the controller's cache (its objects stay as they are), so
/// that no reconcile acts on a spec the user has replaced.
pub async fn typed(
    client: &Client,
    event: Event<DynamicObject>,
) -> Option<Event<OrderFlowPlatform>> {
    let decode = |object: DynamicObject| {
        let metadata = object.metadata.clone();
        if reported(&object) {
            // The status already says so: writing it again would wake this watch for ever.
            return Err((Box::new(metadata), None));
        }
        // The path names the field that does not decode, e.g. `spec.services.order.replicas`.
        serde_json::to_value(object)
            .map_err(|error| error.to_string())
            .and_then(|value| {
                serde_path_to_error::deserialize::<_, OrderFlowPlatform>(value)
                    .map_err(|error| error.to_string())
            })
            .map_err(|error| (Box::new(metadata), Some(error)))
    };
    match event {
        Event::Init => Some(Event::Init),
        Event::InitDone => Some(Event::InitDone),
        Event::Apply(object) => match decode(object) {
            Ok(platform) => Some(Event::Apply(platform)),
            Err((metadata, error)) => {
                if let Some(error) = error {
                    report(client, &metadata, &error).await;
                }
                Some(Event::Delete(stand_in(*metadata)))
            }
        },
        Event::InitApply(object) => match decode(object) {
            Ok(platform) => Some(Event::InitApply(platform)),
            Err((metadata, error)) => {
                if let Some(error) = error {
                    report(client, &metadata, &error).await;
                }
                None
            }
        },
        Event::Delete(object) => match decode(object) {
            Ok(platform) => Some(Event::Delete(platform)),
            Err((metadata, _)) => Some(Event::Delete(stand_in(*metadata))),
        },
    }
}

/// Whether the object's status already reports it unreadable at its current generation.
fn reported(object: &DynamicObject) -> bool {
    let status = &object.data["status"];
    status["observedGeneration"].as_i64() == object.metadata.generation
        && status["conditions"].as_array().is_some_and(|conditions| {
            conditions
                .iter()
                .any(|c| c["type"] == "Degraded" && c["reason"] == "UnreadableSpec")
        })
}

/// A platform with `metadata` and a placeholder spec: enough to drop it from a cache.
fn stand_in(metadata: kube::api::ObjectMeta) -> OrderFlowPlatform {
    OrderFlowPlatform {
        metadata,
        spec: OrderFlowPlatformSpec::default(),
        status: None,
    }
}

/// Marks the platform Degraded with the decoding error; a failure is logged, never fatal.
async fn report(client: &Client, metadata: &kube::api::ObjectMeta, error: &str) {
    let (Some(name), Some(namespace)) = (&metadata.name, &metadata.namespace) else {
        return;
    };
    tracing::warn!(platform = %format!("{namespace}/{name}"), %error, "cannot read the platform");
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    let condition = |type_: ConditionType, status: &str| {
        json!({
            "type": type_.as_str(),
            "status": status,
            "reason": "UnreadableSpec",
            "message": format!("the operator cannot read this platform: {error}"),
            "lastTransitionTime": now,
            "observedGeneration": metadata.generation,
        })
    };
    let patch = json!({
        "apiVersion": OrderFlowPlatform::api_version(&()),
        "kind": OrderFlowPlatform::kind(&()),
        "status": {
            "observedGeneration": metadata.generation,
            "phase": "Degraded",
            "conditions": [
                condition(ConditionType::Degraded, "True"),
                condition(ConditionType::Ready, "False"),
            ],
        },
    });
    let api = Api::<OrderFlowPlatform>::namespaced(client.clone(), namespace);
    if let Err(error) = api
        .patch_status(
            name,
            &PatchParams::apply(MANAGED_BY).force(),
            &Patch::Apply(patch),
        )
        .await
    {
        tracing::warn!(platform = %name, error = %error, "cannot report an unreadable platform");
    }
}
