//! The generated CRD: in sync with `crds/`, carrying its validation, and accepting the sample
//! platforms while refusing broken ones with the field's name.
//!
//! No apiserver runs here: CEL rules are evaluated client-side by kube's `cel` feature
//! (kube-cel, Kubernetes' CEL libraries included), after the schema's defaults are applied as
//! the apiserver applies them. OpenAPI keywords (minimum, pattern, …) are checked by reading
//! the schema; `validate` re-checks all of them in Rust.

#![allow(clippy::expect_used)]

use kube::CustomResourceExt;
use kube::core::cel::Validator;
use orderflow_operator::crd::{self, OrderFlowPlatform, validate};
use serde_json::{Value, json};

fn crd_json() -> Value {
    serde_json::to_value(OrderFlowPlatform::crd()).expect("the CRD serializes")
}

/// The `openAPIV3Schema` of the only version.
fn schema() -> Value {
    crd_json()["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone()
}

/// The schema at a dotted path of properties, e.g. `spec.kafka`.
fn schema_at(path: &str) -> Value {
    path.split('.')
        .fold(schema(), |node, name| node["properties"][name].clone())
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The CEL rules' failures for a manifest, as `(fieldPath, message)`.
fn cel_errors(manifest: &Value) -> Vec<(String, String)> {
    match Validator::new().validate(&schema(), manifest, None) {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .into_vec()
            .into_iter()
            .map(|e| (e.field_path, e.message))
            .collect(),
    }
}

/// `validate`'s failure paths for a manifest, which must deserialize.
fn spec_errors(manifest: &Value) -> Vec<String> {
    let platform: OrderFlowPlatform =
        serde_json::from_value(manifest.clone()).expect("the manifest deserializes");
    validate(&platform.spec)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.path)
        .collect()
}

fn rules(node: &Value) -> Vec<&str> {
    node["x-kubernetes-validations"]
        .as_array()
        .map(|rules| rules.iter().filter_map(|r| r["rule"].as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn the_checked_in_crd_matches_the_rust_types() {
    let path = format!("{}/../crds/{}", env!("CARGO_MANIFEST_DIR"), crd::CRD_FILE);
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = crd::crd_yaml().expect("the CRD renders");
    assert!(
        checked_in == generated,
        "{path} is missing or differs from the Rust types in operator/src/crd: \
         run `cargo xtask crdgen` and commit the result"
    );
}

#[test]
fn the_crd_names_a_namespaced_resource_with_a_status_and_printer_columns() {
    let crd = crd_json();
    assert_eq!(crd["metadata"]["name"], "orderflowplatforms.orderflow.io");
    assert_eq!(crd["spec"]["group"], "orderflow.io");
    assert_eq!(crd["spec"]["scope"], "Namespaced");
    assert_eq!(crd["spec"]["names"]["kind"], "OrderFlowPlatform");
    assert_eq!(crd["spec"]["names"]["shortNames"], json!(["ofp"]));
    let version = &crd["spec"]["versions"][0];
    assert_eq!(version["name"], "v1alpha1");
    assert_eq!(version["subresources"]["status"], json!({}));
    let columns: Vec<_> = version["additionalPrinterColumns"]
        .as_array()
        .expect("printer columns")
        .iter()
        .map(|c| (c["name"].as_str(), c["jsonPath"].as_str()))
        .collect();
    assert_eq!(
        columns,
        [
            (
                Some("Ready"),
                Some(".status.conditions[?(@.type==\"Ready\")].status")
            ),
            (Some("Phase"), Some(".status.phase")),
            (Some("Services"), Some(".status.servicesReady")),
            (Some("Gateway"), Some(".status.gatewayAddress")),
            (Some("Age"), Some(".metadata.creationTimestamp")),
        ]
    );
}

#[test]
fn the_schema_carries_the_cel_rules() {
    let exactly_one = "has(self.managed) != has(self.external)";
    for section in ["spec.kafka", "spec.databases", "spec.redis"] {
        assert!(
            rules(&schema_at(section)).contains(&exactly_one),
            "{section}"
        );
    }
    assert!(
        rules(&schema_at("spec.services.order.autoscaling"))
            .contains(&"self.minReplicas <= self.maxReplicas")
    );
    assert_eq!(rules(&schema_at("spec.gateway.expose")).len(), 2);
    assert_eq!(rules(&schema_at("spec.services")).len(), 2);
    for storage in [
        "spec.kafka.managed.storage",
        "spec.databases.managed.storage",
        "spec.redis.managed.storage",
    ] {
        let node = schema_at(storage);
        assert_eq!(node["pattern"], crd::STORAGE_QUANTITY_PATTERN, "{storage}");
        assert!(rules(&node)[0].contains("isQuantity(self)"), "{storage}");
    }
}

#[test]
fn the_schema_declares_list_maps() {
    let conditions = schema_at("status.conditions");
    assert_eq!(conditions["x-kubernetes-list-type"], "map");
    assert_eq!(conditions["x-kubernetes-list-map-keys"], json!(["type"]));
    let components = schema_at("status.components");
    assert_eq!(components["x-kubernetes-list-type"], "map");
    assert_eq!(components["x-kubernetes-list-map-keys"], json!(["name"]));
    // The autoscaler applies its entries alone, merged by service into the status.
    let autoscaling = schema_at("status.autoscaling");
    assert_eq!(autoscaling["x-kubernetes-list-type"], "map");
    assert_eq!(
        autoscaling["x-kubernetes-list-map-keys"],
        json!(["service"])
    );
    let env = schema_at("spec.services.gateway.env");
    assert_eq!(env["x-kubernetes-list-type"], "map");
    assert_eq!(env["x-kubernetes-list-map-keys"], json!(["name"]));
}

#[test]
fn the_schema_bounds_numbers_and_strings_and_sets_defaults() {
    let version = schema_at("spec.version");
    assert_eq!(version["minLength"], 1);
    assert_eq!(
        schema_at("spec")["required"],
        json!(["version"]),
        "spec.version is required"
    );
    for service in [
        "customer",
        "order",
        "payment",
        "inventory",
        "notification",
        "gateway",
    ] {
        assert_eq!(
            schema_at(&format!("spec.services.{service}.replicas"))["minimum"],
            0.0
        );
    }
    let node_port = schema_at("spec.gateway.expose.nodePort");
    assert_eq!(
        (node_port["minimum"].clone(), node_port["maximum"].clone()),
        (json!(30000.0), json!(32767.0))
    );
    assert_eq!(schema_at("spec.kafka.deletionPolicy")["default"], "Retain");
    assert_eq!(
        schema_at("spec.databases.managed.image")["default"],
        "postgres:17"
    );
    let autoscaling = schema_at("spec.services.order.autoscaling");
    assert_eq!(
        autoscaling["properties"]["scaleDownStabilizationSeconds"]["default"],
        300
    );
    assert_eq!(
        autoscaling["properties"]["pollIntervalSeconds"]["default"],
        15
    );
    assert_eq!(schema_at("spec.paused")["default"], false);
}

#[test]
fn optional_spec_fields_are_not_nullable_so_the_apiserver_prunes_nulls() {
    for path in [
        "spec.kafka.managed",
        "spec.kafka.external",
        "spec.databases.external",
        "spec.redis.managed",
        "spec.gateway.expose.nodePort",
        "spec.gateway.expose.host",
        "spec.adminTokenSecretRef",
        "spec.services.order.autoscaling",
    ] {
        assert_eq!(schema_at(path).get("nullable"), None, "{path}");
    }
}

#[test]
fn the_sample_platforms_deserialize_validate_and_pass_the_cel_rules() {
    for name in ["minimal", "external", "scaled"] {
        let manifest = fixture(name);
        assert_eq!(spec_errors(&manifest), Vec::<String>::new(), "{name}");
        assert_eq!(cel_errors(&manifest), Vec::new(), "{name}");
    }
}

#[test]
fn the_samples_mean_what_they_say() {
    let external: OrderFlowPlatform =
        serde_json::from_value(fixture("external")).expect("external");
    assert!(external.spec.kafka.managed.is_none() && external.spec.databases.managed.is_none());
    assert_eq!(external.spec.kafka.topics.replication_factor, 3);
    let scaled: OrderFlowPlatform = serde_json::from_value(fixture("scaled")).expect("scaled");
    let order = scaled
        .spec
        .services
        .order
        .autoscaling
        .as_ref()
        .expect("autoscaling");
    assert_eq!((order.min_replicas, order.max_replicas), (2, 10));
    assert_eq!(
        order.poll_interval_seconds, 15,
        "defaults fill what the sample omits"
    );
}

/// A broken manifest: what to change in the minimal one, the path `validate` reports, and
/// the path CEL reports (`None` where only the OpenAPI schema or Rust can tell).
struct Broken {
    name: &'static str,
    spec: Value,
    path: &'static str,
    cel_path: Option<&'static str>,
}

fn broken_platforms() -> Vec<Broken> {
    let secret = json!({ "name": "db", "key": "url" });
    let external_databases =
        json!({ "customer": secret, "order": secret, "payment": secret, "inventory": secret });
    vec![
        Broken {
            name: "both Kafkas",
            spec: json!({ "kafka": { "managed": {}, "external": { "bootstrapServers": "k:9092" } } }),
            path: "spec.kafka",
            cel_path: Some("spec.kafka"),
        },
        Broken {
            name: "no Kafka",
            spec: json!({ "kafka": { "topics": { "partitions": 3 } } }),
            path: "spec.kafka",
            cel_path: Some("spec.kafka"),
        },
        Broken {
            name: "both databases",
            spec: json!({ "databases": { "managed": {}, "external": external_databases } }),
            path: "spec.databases",
            cel_path: Some("spec.databases"),
        },
        Broken {
            name: "no Redis",
            spec: json!({ "redis": {} }),
            path: "spec.redis",
            cel_path: Some("spec.redis"),
        },
        Broken {
            name: "min above max",
            spec: json!({ "services": { "order": { "autoscaling": { "minReplicas": 5, "maxReplicas": 2 } } } }),
            path: "spec.services.order.autoscaling.minReplicas",
            cel_path: Some("spec.services.order.autoscaling.minReplicas"),
        },
        Broken {
            name: "lag-scaled gateway",
            spec: json!({ "services": { "gateway": { "autoscaling": { "mode": "Lag" } } } }),
            path: "spec.services.gateway.autoscaling.mode",
            cel_path: Some("spec.services.gateway.autoscaling.mode"),
        },
        Broken {
            name: "NodePort without a port",
            spec: json!({ "gateway": { "expose": { "type": "NodePort" } } }),
            path: "spec.gateway.expose.nodePort",
            cel_path: Some("spec.gateway.expose.nodePort"),
        },
        Broken {
            name: "Ingress host on a ClusterIP",
            spec: json!({ "gateway": { "expose": { "host": "shop.example.com" } } }),
            path: "spec.gateway.expose.host",
            cel_path: Some("spec.gateway.expose.host"),
        },
        Broken {
            name: "zero storage",
            spec: json!({ "databases": { "managed": { "storage": "0Gi" } } }),
            path: "spec.databases.managed.storage",
            cel_path: Some("spec.databases.managed.storage"),
        },
        Broken {
            name: "storage that does not parse",
            spec: json!({ "kafka": { "managed": { "storage": "10GB" } } }),
            path: "spec.kafka.managed.storage",
            cel_path: Some("spec.kafka.managed.storage"),
        },
        Broken {
            name: "replicated topics on the single managed broker",
            spec: json!({ "kafka": { "managed": {}, "topics": { "replicationFactor": 3 } } }),
            path: "spec.kafka.topics.replicationFactor",
            cel_path: Some("spec.kafka.topics.replicationFactor"),
        },
        Broken {
            name: "negative replicas",
            spec: json!({ "services": { "payment": { "replicas": -1 } } }),
            path: "spec.services.payment.replicas",
            cel_path: None,
        },
        Broken {
            name: "empty version",
            spec: json!({ "version": "" }),
            path: "spec.version",
            cel_path: None,
        },
        Broken {
            name: "NodePort out of range",
            spec: json!({ "gateway": { "expose": { "type": "NodePort", "nodePort": 8080 } } }),
            path: "spec.gateway.expose.nodePort",
            cel_path: None,
        },
        Broken {
            name: "env name with '='",
            spec: json!({ "services": { "order": { "env": [{ "name": "A=B", "value": "1" }] } } }),
            path: "spec.services.order.env[0].name",
            cel_path: None,
        },
    ]
}

/// Merges `patch` into `target` the way a JSON merge patch does (objects merge, the rest
/// replaces).
fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

#[test]
fn broken_platforms_fail_naming_the_field() {
    for broken in broken_platforms() {
        let mut manifest = fixture("minimal");
        merge(&mut manifest["spec"], &broken.spec);

        assert_eq!(
            spec_errors(&manifest),
            [broken.path],
            "validate: {}",
            broken.name
        );

        let cel = cel_errors(&manifest);
        match broken.cel_path {
            Some(path) => {
                let paths: Vec<_> = cel.iter().map(|(path, _)| path.as_str()).collect();
                assert_eq!(paths, [path], "CEL: {}: {cel:?}", broken.name);
            }
            None => assert_eq!(cel, Vec::new(), "CEL: {}", broken.name),
        }
    }
}
