//! References to keys of Secrets in the platform's namespace.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A key of a Secret in the platform's namespace.
// Narrower than Kubernetes' `SecretKeySelector`: both parts are required and the Secret is
// never optional, because a platform that silently runs without its credentials is worse
// than one that reports the missing Secret.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    /// Name of the Secret.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Key inside the Secret.
    #[schemars(length(min = 1, max = 253))]
    pub key: String,
}
