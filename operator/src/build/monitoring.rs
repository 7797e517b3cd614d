//! Prometheus Operator ServiceMonitors (`monitoring.coreos.com/v1`), one per service, when
//! `spec.observability.serviceMonitor` asks for them.
//!
//! The kind comes from a CRD the cluster may lack, so these are untyped objects kept apart
//! from [`super::desired_objects`]: the reconciler applies them only once the API server
//! serves the kind.

use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use serde_json::json;

use super::meta::Platform;
use super::{BuildContext, BuildError, names, workload};
use crate::crd::OrderFlowPlatform;

/// The API group of ServiceMonitors.
pub const SERVICE_MONITOR_GROUP: &str = "monitoring.coreos.com";
/// The only version of ServiceMonitors the Prometheus Operator serves.
pub const SERVICE_MONITOR_VERSION: &str = "v1";
pub const SERVICE_MONITOR_KIND: &str = "ServiceMonitor";
pub const SERVICE_MONITOR_PLURAL: &str = "servicemonitors";
/// Where every service serves its Prometheus metrics.
pub const METRICS_PATH: &str = "/metrics";
/// How often Prometheus scrapes each service: twice a minute keeps rates smooth without load.
pub const SCRAPE_INTERVAL: &str = "30s";

/// Where ServiceMonitors live in the API, for `Api::<DynamicObject>::namespaced_with`.
pub fn service_monitor_resource() -> ApiResource {
    let gvk = GroupVersionKind::gvk(
        SERVICE_MONITOR_GROUP,
        SERVICE_MONITOR_VERSION,
        SERVICE_MONITOR_KIND,
    );
    ApiResource::from_gvk_with_plural(&gvk, SERVICE_MONITOR_PLURAL)
}

/// One ServiceMonitor per service, named and labelled like its Service and selecting it by the
/// Service's stable labels; none unless `spec.observability.serviceMonitor` is true.
pub fn service_monitors(
    platform: &OrderFlowPlatform,
    context: &BuildContext<'_>,
) -> Result<Vec<DynamicObject>, BuildError> {
    if !platform.spec.observability.service_monitor {
        return Ok(Vec::new());
    }
    let platform = Platform::new(platform, context.operator_namespace)?;
    let resource = service_monitor_resource();
    Ok(platform
        .spec
        .services
        .iter()
        .map(|(service, _)| {
            let name = names::service(platform.name, service);
            let component = workload::component(&platform, service);
            DynamicObject {
                metadata: platform.metadata(name.clone(), &component),
                data: json!({
                    "spec": {
                        // The Service's labels less the version, which changes on upgrades.
                        "selector": { "matchLabels": platform.selector_labels(&component) },
                        "endpoints": [{
                            "port": workload::HTTP_PORT,
                            "path": METRICS_PATH,
                            "interval": SCRAPE_INTERVAL,
                        }],
                    }
                }),
                ..DynamicObject::new(&name, &resource)
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::core::v1::Service;
    use kube::api::ObjectMeta;
    use serde_json::Value;

    use super::*;
    use crate::build::{DesiredObject, ExistingSecrets, desired_objects, platform_selector};
    use crate::crd::ServiceName;

    const UID: &str = "4b0c1e5e-7a57-4d3c-9b1f-2f6a9d1c0e11";

    fn platform(service_monitor: bool) -> OrderFlowPlatform {
        OrderFlowPlatform {
            metadata: ObjectMeta {
                name: Some("shop".to_owned()),
                namespace: Some("prod".to_owned()),
                uid: Some(UID.to_owned()),
                ..ObjectMeta::default()
            },
            spec: serde_json::from_value(json!({
                "version": "1.4.0",
                "observability": { "serviceMonitor": service_monitor },
            }))
            .expect("a valid spec"),
            status: None,
        }
    }

    fn context(existing: &ExistingSecrets) -> BuildContext<'_> {
        BuildContext {
            operator_namespace: "orderflow-system",
            existing_secrets: existing,
        }
    }

    fn monitors(platform: &OrderFlowPlatform) -> Vec<DynamicObject> {
        service_monitors(platform, &context(&ExistingSecrets::default())).expect("monitors")
    }

    /// The built Services, by name.
    fn services(platform: &OrderFlowPlatform) -> BTreeMap<String, Service> {
        let existing = ExistingSecrets::default();
        desired_objects(platform, &context(&existing), &mut || "token".to_owned())
            .expect("a desired state")
            .into_iter()
            .filter_map(|object| match object {
                DesiredObject::Service(service) => Some((service.metadata.name.clone()?, service)),
                _ => None,
            })
            .collect()
    }

    /// Whether every `matchLabels` entry is among `labels`.
    fn selects(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
        selector["matchLabels"].as_object().is_some_and(|wanted| {
            !wanted.is_empty()
                && wanted
                    .iter()
                    .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str())
        })
    }

    #[test]
    fn none_unless_the_spec_asks() {
        assert!(monitors(&platform(false)).is_empty());
    }

    #[test]
    fn one_per_service_scraping_its_service_http_port() {
        let platform = platform(true);
        let monitors = monitors(&platform);
        let names: Vec<_> = monitors.iter().map(|m| m.metadata.name.clone()).collect();
        let expected: Vec<_> = ServiceName::ALL
            .iter()
            .map(|s| Some(format!("shop-{s}")))
            .collect();
        assert_eq!(names, expected);

        let services = services(&platform);
        for monitor in &monitors {
            let name = monitor.metadata.name.as_deref().expect("a name");
            let types = monitor.types.as_ref().expect("apiVersion and kind");
            assert_eq!(types.api_version, "monitoring.coreos.com/v1");
            assert_eq!(types.kind, "ServiceMonitor");
            assert_eq!(monitor.metadata.namespace.as_deref(), Some("prod"));

            let service = &services[name];
            let spec = &monitor.data["spec"];
            assert!(
                selects(
                    &spec["selector"],
                    service.metadata.labels.as_ref().expect("labels")
                ),
                "{name} selects its Service: {spec}"
            );
            assert!(
                spec["selector"]["matchLabels"]
                    .get("app.kubernetes.io/version")
                    .is_none(),
                "an upgrade must not break the selector"
            );
            let port = service.spec.as_ref().and_then(|s| s.ports.as_ref());
            let port_name = port.and_then(|p| p.first()).and_then(|p| p.name.clone());
            assert_eq!(
                spec["endpoints"],
                json!([{ "port": port_name, "path": "/metrics", "interval": "30s" }]),
                "{name}"
            );
        }
    }

    #[test]
    fn monitors_belong_to_the_platform_like_every_object() {
        let platform = platform(true);
        let selector = platform_selector("shop");
        for monitor in monitors(&platform) {
            let labels = monitor.metadata.labels.as_ref().expect("labels");
            for pair in selector.split(',') {
                let (key, value) = pair.split_once('=').expect("key=value");
                assert_eq!(labels.get(key).map(String::as_str), Some(value), "{pair}");
            }
            assert_eq!(labels["app.kubernetes.io/part-of"], "orderflow");
            let owners = monitor.metadata.owner_references.as_ref().expect("owners");
            assert_eq!(owners.len(), 1);
            assert_eq!(owners[0].kind, "OrderFlowPlatform");
            assert_eq!(owners[0].uid, UID);
            assert_eq!(owners[0].controller, Some(true));
        }
        let serialized = serde_json::to_value(&monitors(&platform)[0]).expect("json");
        assert_eq!(serialized["apiVersion"], "monitoring.coreos.com/v1");
        assert_eq!(serialized["kind"], "ServiceMonitor");
        assert!(serialized["spec"]["endpoints"].is_array(), "{serialized}");
    }

    #[test]
    fn a_platform_without_a_uid_is_refused() {
        let mut platform = platform(true);
        platform.metadata.uid = None;
        let existing = ExistingSecrets::default();
        assert_eq!(
            service_monitors(&platform, &context(&existing)).unwrap_err(),
            BuildError::MissingMetadata("uid")
        );
    }
}
