//! The `OrderFlowPlatform` resource: its spec and what `kubectl get` shows of it.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::databases::DatabasesSpec;
use super::gateway::GatewaySpec;
use super::kafka::KafkaSpec;
use super::redis::RedisSpec;
use super::secret::SecretKeyRef;
use super::services::{ServiceName, Services};
use super::status::OrderFlowPlatformStatus;

/// The desired OrderFlow platform: the five services, the gateway, and what they need.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
// Each `printcolumn(...)` repeats `type_ = "string"`, which clippy mistakes for a duplicate.
#[allow(clippy::duplicated_attributes)]
#[kube(
    group = "orderflow.io",
    version = "v1alpha1",
    kind = "OrderFlowPlatform",
    plural = "orderflowplatforms",
    shortname = "ofp",
    namespaced,
    status = "OrderFlowPlatformStatus",
    derive = "PartialEq",
    doc = "An OrderFlow platform: its services, gateway, databases, Redis, Kafka and topics.",
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status"
    ),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Services",
        type_ = "string",
        description = "ready/desired services",
        json_path = ".status.servicesReady"
    ),
    printcolumn(
        name = "Gateway",
        type_ = "string",
        json_path = ".status.gatewayAddress"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct OrderFlowPlatformSpec {
    /// Image tag of every service: `<imageRegistry>/<service>-service:<version>`.
    #[schemars(
        length(min = 1, max = 128),
        regex(pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
    )]
    pub version: String,
    /// Registry and namespace of the services' images, without a trailing slash.
    #[serde(default = "default_image_registry")]
    #[schemars(length(min = 1))]
    pub image_registry: String,
    #[serde(default)]
    pub image_pull_policy: ImagePullPolicy,
    #[serde(default)]
    pub services: Services,
    #[serde(default)]
    pub gateway: GatewaySpec,
    #[serde(default)]
    pub kafka: KafkaSpec,
    #[serde(default)]
    pub databases: DatabasesSpec,
    #[serde(default)]
    pub redis: RedisSpec,
    /// The Secret key holding the services' `ADMIN_TOKEN`; a generated one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "SecretKeyRef")]
    pub admin_token_secret_ref: Option<SecretKeyRef>,
    #[serde(default)]
    pub observability: ObservabilitySpec,
    /// While true the operator changes nothing and reports a Paused condition.
    #[serde(default)]
    pub paused: bool,
}

impl Default for OrderFlowPlatformSpec {
    /// Every default and no version: not a valid spec (validation says so), but a stand-in
    /// for a platform the operator cannot read, so that its cached copy can be dropped.
    fn default() -> Self {
        Self {
            version: String::new(),
            image_registry: default_image_registry(),
            image_pull_policy: ImagePullPolicy::default(),
            services: Services::default(),
            gateway: GatewaySpec::default(),
            kafka: KafkaSpec::default(),
            databases: DatabasesSpec::default(),
            redis: RedisSpec::default(),
            admin_token_secret_ref: None,
            observability: ObservabilitySpec::default(),
            paused: false,
        }
    }
}

impl OrderFlowPlatformSpec {
    /// The image reference of one service.
    pub fn image(&self, service: ServiceName) -> String {
        format!(
            "{}/{}:{}",
            self.image_registry.trim_end_matches('/'),
            service.package(),
            self.version
        )
    }
}

fn default_image_registry() -> String {
    "orderflow".to_owned()
}

/// When the kubelet pulls the services' images.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum ImagePullPolicy {
    Always,
    #[default]
    IfNotPresent,
    Never,
}

impl ImagePullPolicy {
    /// The value of a container's `imagePullPolicy`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Always => "Always",
            Self::IfNotPresent => "IfNotPresent",
            Self::Never => "Never",
        }
    }
}

/// Where telemetry goes.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObservabilitySpec {
    /// OTLP/gRPC endpoint for traces and metrics (`OTEL_EXPORTER_OTLP_ENDPOINT`); none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(min = 1))]
    pub otlp_endpoint: Option<String>,
    /// Whether to create a Prometheus Operator ServiceMonitor per service, scraping `/metrics`
    /// on its `http` port every 30s. Without the ServiceMonitor CRD the platform runs on and
    /// reports Degraded (ServiceMonitorCrdMissing); installing it later is picked up.
    #[serde(default)]
    pub service_monitor: bool,
    /// Namespaces whose pods may scrape every service's `http` port (TCP), such as
    /// `{matchLabels: {kubernetes.io/metadata.name: monitoring}}`: the services'
    /// NetworkPolicies admit only the gateway and the operator otherwise, so a cluster that
    /// enforces them blocks Prometheus. Pair it with `serviceMonitor`, or with whatever else
    /// makes Prometheus scrape. `{}` admits every namespace; absent, none more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_namespace_selector: Option<LabelSelector>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::crd::{
        AutoscalingMode, AutoscalingSpec, DatabasesSource, DeletionPolicy, Exposure, KafkaSource,
        RedisSource,
    };

    fn spec(value: serde_json::Value) -> OrderFlowPlatformSpec {
        serde_json::from_value(value).expect("a spec")
    }

    #[test]
    fn a_version_alone_yields_the_documented_defaults() {
        let spec = spec(json!({ "version": "1.4.0" }));
        assert_eq!(spec.image_registry, "orderflow");
        assert_eq!(spec.image_pull_policy, ImagePullPolicy::IfNotPresent);
        assert!(!spec.paused);
        for (_, service) in spec.services.iter() {
            assert_eq!(service.replicas, 1);
            assert!(service.autoscaling.is_none() && service.env.is_empty());
        }
        assert_eq!(spec.gateway.expose.exposure(), Some(Exposure::ClusterIp));
        let Some(KafkaSource::Managed(kafka)) = spec.kafka.source() else {
            panic!("managed Kafka by default");
        };
        assert_eq!(kafka.storage.0, "10Gi");
        assert_eq!(spec.kafka.topics.partitions, 6);
        assert_eq!(spec.kafka.deletion_policy, DeletionPolicy::Retain);
        let Some(DatabasesSource::Managed(databases)) = spec.databases.source() else {
            panic!("managed databases by default");
        };
        assert_eq!(databases.image, "postgres:17");
        assert!(matches!(spec.redis.source(), Some(RedisSource::Managed(_))));
    }

    #[test]
    fn an_autoscaling_section_fills_its_defaults() {
        let spec = spec(json!({
            "version": "1",
            "services": { "order": { "autoscaling": { "maxReplicas": 8 } } }
        }));
        let autoscaling = spec.services.order.autoscaling.expect("autoscaling");
        assert_eq!(
            autoscaling,
            AutoscalingSpec {
                max_replicas: 8,
                ..AutoscalingSpec::default()
            }
        );
        assert!(autoscaling.enabled);
        assert_eq!(autoscaling.scale_down_stabilization_seconds, 300);
        assert_eq!(autoscaling.poll_interval_seconds, 15);
    }

    #[test]
    fn the_autoscaling_mode_follows_the_service_unless_set() {
        let automatic = AutoscalingSpec::default();
        assert_eq!(
            automatic.effective_mode(ServiceName::Payment),
            AutoscalingMode::Lag
        );
        assert_eq!(
            automatic.effective_mode(ServiceName::Gateway),
            AutoscalingMode::Cpu
        );
        assert_eq!(
            automatic.effective_mode(ServiceName::Customer),
            AutoscalingMode::Cpu
        );
        let cpu = AutoscalingSpec {
            mode: Some(AutoscalingMode::Cpu),
            ..AutoscalingSpec::default()
        };
        assert_eq!(cpu.effective_mode(ServiceName::Order), AutoscalingMode::Cpu);
    }

    #[test]
    fn the_image_joins_registry_package_and_version() {
        let spec = spec(json!({ "version": "1.4.0", "imageRegistry": "ghcr.io/acme/" }));
        assert_eq!(
            spec.image(ServiceName::Notification),
            "ghcr.io/acme/notification-service:1.4.0"
        );
    }

    #[test]
    fn sources_and_exposure_are_none_when_the_fields_disagree() {
        let both = spec(json!({
            "version": "1",
            "kafka": { "managed": {}, "external": { "bootstrapServers": "k:9092" } },
            "databases": {},
            "redis": { "managed": {}, "external": { "urlSecretRef": { "name": "r", "key": "url" } } },
            "gateway": { "expose": { "type": "NodePort" } }
        }));
        assert_eq!(both.kafka.source(), None);
        assert_eq!(both.databases.source(), None);
        assert_eq!(both.redis.source(), None);
        assert_eq!(both.gateway.expose.exposure(), None);

        let ingress = spec(json!({
            "version": "1",
            "kafka": { "external": { "bootstrapServers": "k:9092" } },
            "gateway": { "expose": { "type": "Ingress", "host": "shop.example.com" } }
        }));
        assert!(
            matches!(ingress.kafka.source(), Some(KafkaSource::External(e)) if e.bootstrap_servers == "k:9092")
        );
        assert_eq!(
            ingress.gateway.expose.exposure(),
            Some(Exposure::Ingress {
                host: "shop.example.com",
                class_name: None
            })
        );
    }

    #[test]
    fn explicit_nulls_read_as_absent() {
        let spec = spec(json!({
            "version": "1",
            "kafka": { "managed": {}, "external": null },
            "adminTokenSecretRef": null
        }));
        assert!(matches!(spec.kafka.source(), Some(KafkaSource::Managed(_))));
        assert_eq!(spec.admin_token_secret_ref, None);
    }
}
