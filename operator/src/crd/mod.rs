//! The `OrderFlowPlatform` custom resource (`orderflow.io/v1alpha1`): spec, status, schema
//! and validation.
//!
//! The spec is plain data with serde and schema defaults, so that `kubectl apply` of a
//! minimal resource (`spec.version` only) yields a complete platform. Rules that the schema
//! and CEL enforce are re-checked by [`validate`], which also checks what CEL cannot, so the
//! reconciler can report a Degraded condition naming the field of an object that got past
//! the apiserver (an older CRD, or validation off).
//!
//! Optional spec fields carry `#[schemars(with = "Inner")]`, so the schema does not mark them
//! nullable: the apiserver then prunes an explicit `null` (as Helm renders unset values) before
//! defaulting and CEL, and `has()` agrees with serde that the field is absent.

mod conditions;
mod databases;
mod gateway;
mod kafka;
pub mod quantity;
mod redis;
mod schema;
mod secret;
mod services;
mod spec;
mod status;
mod validation;

pub use conditions::{condition, set_condition};
pub use databases::{DatabasesSource, DatabasesSpec, ExternalDatabases, ManagedDatabases};
pub use gateway::{ExposeType, Exposure, GatewayExpose, GatewaySpec, NODE_PORT_RANGE};
pub use kafka::{
    DeletionPolicy, ExternalKafka, KafkaSource, KafkaSpec, ManagedKafka, TopicDefaults,
};
pub use redis::{ExternalRedis, ManagedRedis, RedisSource, RedisSpec};
pub use schema::STORAGE_QUANTITY_PATTERN;
pub use secret::SecretKeyRef;
pub use services::{AutoscalingMode, AutoscalingSpec, ServiceName, ServiceSpec, Services};
pub use spec::{ImagePullPolicy, ObservabilitySpec, OrderFlowPlatform, OrderFlowPlatformSpec};
pub use status::{
    ComponentKind, ComponentStatus, ConditionType, OrderFlowPlatformStatus, Phase,
    ServiceAutoscalingStatus, TopicsStatus,
};
pub use validation::{SpecError, validate};

use std::path::{Path, PathBuf};

use kube::CustomResourceExt;

/// File name of the generated CRD, as `crds/` holds it.
pub const CRD_FILE: &str = "orderflow.io_orderflowplatforms.yaml";

const CRD_HEADER: &str =
    "# Generated from operator/src/crd by `cargo xtask crdgen`; do not edit.\n";

/// The CustomResourceDefinition as YAML: what `crds/` holds and `orderflow-operator crd` prints.
pub fn crd_yaml() -> Result<String, serde_norway::Error> {
    Ok(format!(
        "{CRD_HEADER}{}",
        serde_norway::to_string(&OrderFlowPlatform::crd())?
    ))
}

/// Failure to write the CRD file.
#[derive(Debug, thiserror::Error)]
pub enum WriteCrdError {
    #[error("cannot render the CRD as YAML")]
    Render(#[from] serde_norway::Error),
    #[error("cannot write {}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes [`crd_yaml`] to `dir`/[`CRD_FILE`], creating `dir`, and returns the file's path.
pub fn write_crd(dir: &Path) -> Result<PathBuf, WriteCrdError> {
    let yaml = crd_yaml()?;
    let path = dir.join(CRD_FILE);
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, yaml))
        .map_err(|source| WriteCrdError::Write {
            path: path.clone(),
            source,
        })?;
    Ok(path)
}
