//! Schema fragments that derive macros cannot express.

use schemars::{Schema, SchemaGenerator, json_schema};

/// A non-negative Kubernetes quantity without a sign (`10Gi`, `500M`, `1e9`), as RE2 accepts it.
pub const STORAGE_QUANTITY_PATTERN: &str =
    r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[kMGTPE]|[eE]\+?[0-9]+)?$";

/// A storage size: a string the apiserver checks twice, by pattern and by CEL's quantity
/// library (which also rejects zero); `maxLength` bounds the rule's estimated cost.
pub fn storage_quantity(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "maxLength": 64,
        "pattern": STORAGE_QUANTITY_PATTERN,
        "x-kubernetes-validations": [
            {
                "rule": "isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",
                "message": "must be a positive quantity such as 10Gi"
            }
        ]
    })
}
