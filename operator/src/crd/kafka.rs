//! Kafka: a managed single-node KRaft broker or an external cluster, and topic defaults.

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema::storage_quantity;

/// Where the platform's Kafka comes from: exactly one of `managed` and `external`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "has(self.managed) != has(self.external)",
        "message": "exactly one of managed and external must be set"
    },
    {
        "rule": "!has(self.managed) || self.topics.replicationFactor == 1",
        "message": "the managed Kafka has a single broker: topics.replicationFactor must be 1",
        "fieldPath": ".topics.replicationFactor"
    }
]))]
pub struct KafkaSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ManagedKafka")]
    pub managed: Option<ManagedKafka>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ExternalKafka")]
    pub external: Option<ExternalKafka>,
    /// Settings of every topic the operator creates.
    #[serde(default)]
    pub topics: TopicDefaults,
    /// Whether deleting the platform deletes its topics.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
}

impl Default for KafkaSpec {
    /// A managed broker, so that a minimal platform needs no Kafka section.
    fn default() -> Self {
        Self {
            managed: Some(ManagedKafka::default()),
            external: None,
            topics: TopicDefaults::default(),
            deletion_policy: DeletionPolicy::default(),
        }
    }
}

/// A validated view of where Kafka comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KafkaSource<'a> {
    Managed(&'a ManagedKafka),
    External(&'a ExternalKafka),
}

impl KafkaSpec {
    /// The source, or `None` unless exactly one is set (validation reports it).
    pub fn source(&self) -> Option<KafkaSource<'_>> {
        match (&self.managed, &self.external) {
            (Some(managed), None) => Some(KafkaSource::Managed(managed)),
            (None, Some(external)) => Some(KafkaSource::External(external)),
            _ => None,
        }
    }
}

/// A single-node KRaft Apache Kafka StatefulSet run by the operator.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedKafka {
    #[serde(default = "default_kafka_image")]
    #[schemars(length(min = 1))]
    pub image: String,
    /// Size of the broker's data volume.
    #[serde(default = "default_kafka_storage")]
    #[schemars(schema_with = "storage_quantity")]
    pub storage: Quantity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ResourceRequirements")]
    pub resources: Option<ResourceRequirements>,
}

impl Default for ManagedKafka {
    fn default() -> Self {
        Self {
            image: default_kafka_image(),
            storage: default_kafka_storage(),
            resources: None,
        }
    }
}

fn default_kafka_image() -> String {
    "apache/kafka:4.1.0".to_owned()
}

fn default_kafka_storage() -> Quantity {
    Quantity("10Gi".to_owned())
}

/// A Kafka cluster the platform uses but does not run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExternalKafka {
    /// Comma-separated `host:port` list, as `KAFKA_BOOTSTRAP_SERVERS`.
    #[schemars(length(min = 1))]
    pub bootstrap_servers: String,
}

/// Settings applied to every topic and retry or dead-letter topic the operator creates.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicDefaults {
    /// Partitions per topic; may grow, never shrink.
    #[serde(default = "default_partitions")]
    #[schemars(range(min = 1))]
    pub partitions: i32,
    #[serde(default = "default_replication_factor")]
    #[schemars(range(min = 1))]
    pub replication_factor: i32,
    /// `retention.ms` of each topic; -1 keeps records forever.
    #[serde(default = "default_retention_ms")]
    #[schemars(range(min = -1))]
    pub retention_ms: i64,
}

impl Default for TopicDefaults {
    fn default() -> Self {
        Self {
            partitions: default_partitions(),
            replication_factor: default_replication_factor(),
            retention_ms: default_retention_ms(),
        }
    }
}

const fn default_partitions() -> i32 {
    6
}
const fn default_replication_factor() -> i32 {
    1
}
/// Seven days.
const fn default_retention_ms() -> i64 {
    7 * 24 * 60 * 60 * 1000
}

/// What happens to the topics when the platform is deleted.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum DeletionPolicy {
    /// Keep them: the records outlive the platform.
    #[default]
    Retain,
    /// Delete them (a finalizer waits for it).
    Delete,
}
