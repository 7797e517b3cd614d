//! Redis for the notification service: managed or external.

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema::storage_quantity;
use super::secret::SecretKeyRef;

/// Where Redis comes from: exactly one of `managed` and `external`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "has(self.managed) != has(self.external)",
        "message": "exactly one of managed and external must be set"
    }
]))]
pub struct RedisSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ManagedRedis")]
    pub managed: Option<ManagedRedis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ExternalRedis")]
    pub external: Option<ExternalRedis>,
}

impl Default for RedisSpec {
    /// A managed Redis, so that a minimal platform needs no redis section.
    fn default() -> Self {
        Self {
            managed: Some(ManagedRedis::default()),
            external: None,
        }
    }
}

/// A validated view of where Redis comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RedisSource<'a> {
    Managed(&'a ManagedRedis),
    External(&'a ExternalRedis),
}

impl RedisSpec {
    /// The source, or `None` unless exactly one is set (validation reports it).
    pub fn source(&self) -> Option<RedisSource<'_>> {
        match (&self.managed, &self.external) {
            (Some(managed), None) => Some(RedisSource::Managed(managed)),
            (None, Some(external)) => Some(RedisSource::External(external)),
            _ => None,
        }
    }
}

/// A single Redis run by the operator.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedRedis {
    #[serde(default = "default_redis_image")]
    #[schemars(length(min = 1))]
    pub image: String,
    /// Size of a persistent volume; without it Redis keeps its data in memory only (an
    /// `emptyDir`), which suits notifications that can be rebuilt from Kafka.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "storage_quantity")]
    pub storage: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ResourceRequirements")]
    pub resources: Option<ResourceRequirements>,
}

impl Default for ManagedRedis {
    fn default() -> Self {
        Self {
            image: default_redis_image(),
            storage: None,
            resources: None,
        }
    }
}

fn default_redis_image() -> String {
    "redis:7.4-alpine".to_owned()
}

/// A Redis the platform uses but does not run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExternalRedis {
    /// The Secret key holding its `REDIS_URL`.
    pub url_secret_ref: SecretKeyRef,
}
