//! A service in `autoscaling.mode: Cpu`: a HorizontalPodAutoscaler (autoscaling/v2) on its
//! Deployment's CPU, with the spec's bounds and pace. Lag mode needs none: the operator's own
//! autoscaler scales those services.

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscaler,
    HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget,
    ResourceMetricSource,
};

use super::meta::{Component, Platform};
use crate::crd::{AutoscalingMode, AutoscalingSpec, ServiceName, ServiceSpec};

/// Average CPU use, as a share of the containers' request, that the HPA holds the pods at.
/// The spec has no field for it: the Kubernetes docs' usual figure leaves room for bursts.
pub const CPU_TARGET_UTILIZATION: i32 = 80;

/// The service's autoscaling settings when the HPA is in charge of it.
pub(super) fn cpu_autoscaled(service: ServiceName, spec: &ServiceSpec) -> Option<&AutoscalingSpec> {
    spec.autoscaling
        .as_ref()
        .filter(|a| a.enabled && a.effective_mode(service) == AutoscalingMode::Cpu)
}

// `.into()`: the spec is optional up to Kubernetes 1.36's API and required from 1.37's.
#[allow(clippy::useless_conversion)]
pub(super) fn horizontal_pod_autoscaler(
    platform: &Platform<'_>,
    autoscaling: &AutoscalingSpec,
    name: &str,
    component: &Component,
) -> HorizontalPodAutoscaler {
    HorizontalPodAutoscaler {
        metadata: platform.metadata(name.to_owned(), component),
        spec: HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some("apps/v1".to_owned()),
                kind: "Deployment".to_owned(),
                name: name.to_owned(),
            },
            min_replicas: Some(autoscaling.min_replicas),
            max_replicas: autoscaling.max_replicas,
            metrics: Some(vec![MetricSpec {
                type_: "Resource".to_owned(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".to_owned(),
                    target: MetricTarget {
                        type_: "Utilization".to_owned(),
                        average_utilization: Some(CPU_TARGET_UTILIZATION),
                        ..MetricTarget::default()
                    },
                }),
                ..MetricSpec::default()
            }]),
            behavior: Some(HorizontalPodAutoscalerBehavior {
                scale_down: Some(HPAScalingRules {
                    stabilization_window_seconds: Some(
                        autoscaling.scale_down_stabilization_seconds,
                    ),
                    ..HPAScalingRules::default()
                }),
                scale_up: Some(HPAScalingRules {
                    stabilization_window_seconds: Some(0),
                    policies: Some(vec![HPAScalingPolicy {
                        type_: "Pods".to_owned(),
                        value: autoscaling.max_scale_up_step,
                        period_seconds: autoscaling.poll_interval_seconds,
                    }]),
                    ..HPAScalingRules::default()
                }),
            }),
        }
        .into(),
        ..HorizontalPodAutoscaler::default()
    }
}
