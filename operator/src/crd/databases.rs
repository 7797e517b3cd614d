//! PostgreSQL: one managed StatefulSet per owning service, or external databases.

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema::storage_quantity;
use super::secret::SecretKeyRef;
use super::services::ServiceName;

/// The services' databases: exactly one of `managed` and `external`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "has(self.managed) != has(self.external)",
        "message": "exactly one of managed and external must be set"
    }
]))]
pub struct DatabasesSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ManagedDatabases")]
    pub managed: Option<ManagedDatabases>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ExternalDatabases")]
    pub external: Option<ExternalDatabases>,
}

impl Default for DatabasesSpec {
    /// Managed databases, so that a minimal platform needs no databases section.
    fn default() -> Self {
        Self {
            managed: Some(ManagedDatabases::default()),
            external: None,
        }
    }
}

/// A validated view of where the databases come from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DatabasesSource<'a> {
    Managed(&'a ManagedDatabases),
    External(&'a ExternalDatabases),
}

impl DatabasesSpec {
    /// The source, or `None` unless exactly one is set (validation reports it).
    pub fn source(&self) -> Option<DatabasesSource<'_>> {
        match (&self.managed, &self.external) {
            (Some(managed), None) => Some(DatabasesSource::Managed(managed)),
            (None, Some(external)) => Some(DatabasesSource::External(external)),
            _ => None,
        }
    }
}

/// One PostgreSQL StatefulSet per owning service, all with these settings: each bounded
/// context owns its database.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedDatabases {
    #[serde(default = "default_postgres_image")]
    #[schemars(length(min = 1))]
    pub image: String,
    /// Size of each database's volume.
    #[serde(default = "default_postgres_storage")]
    #[schemars(schema_with = "storage_quantity")]
    pub storage: Quantity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ResourceRequirements")]
    pub resources: Option<ResourceRequirements>,
}

impl Default for ManagedDatabases {
    fn default() -> Self {
        Self {
            image: default_postgres_image(),
            storage: default_postgres_storage(),
            resources: None,
        }
    }
}

fn default_postgres_image() -> String {
    "postgres:17".to_owned()
}

fn default_postgres_storage() -> Quantity {
    Quantity("5Gi".to_owned())
}

/// Databases the platform uses but does not run: per owning service, the Secret key that
/// holds its `DATABASE_URL`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExternalDatabases {
    pub customer: SecretKeyRef,
    pub order: SecretKeyRef,
    pub payment: SecretKeyRef,
    pub inventory: SecretKeyRef,
}

impl ExternalDatabases {
    /// The URL reference of a service that owns a database; `None` for the others.
    pub const fn url_ref(&self, service: ServiceName) -> Option<&SecretKeyRef> {
        match service {
            ServiceName::Customer => Some(&self.customer),
            ServiceName::Order => Some(&self.order),
            ServiceName::Payment => Some(&self.payment),
            ServiceName::Inventory => Some(&self.inventory),
            ServiceName::Notification | ServiceName::Gateway => None,
        }
    }
}
