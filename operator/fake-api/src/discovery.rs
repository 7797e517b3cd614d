//! Discovery of custom resources: `GET /apis/{group}/{version}` lists what the stored
//! CustomResourceDefinitions serve in that group version, so that a client can tell whether a
//! CRD is installed as it would against an API server. A group version no stored CRD serves
//! answers 404, as an API server answers for one it does not serve; built-in groups are not
//! discovered (no test needs them).

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::routes::Resource;
use crate::store::Store;

/// The group and version of a discovery path (`/apis/{group}/{version}`), if it is one.
pub(crate) fn group_version(path: &str) -> Option<(&str, &str)> {
    match path
        .trim_matches('/')
        .split('/')
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["apis", group, version] if !group.is_empty() && !version.is_empty() => {
            Some((group, version))
        }
        _ => None,
    }
}

/// The `APIResourceList` of `group`/`version`, from the CRDs that serve it. A CRD counts as
/// established as soon as it is stored: the fake runs no apiextensions controller.
pub(crate) fn resources(store: &Store, group: &str, version: &str) -> Result<Value, ApiError> {
    let crds = Resource {
        api_version: "apiextensions.k8s.io/v1".to_owned(),
        plural: "customresourcedefinitions".to_owned(),
    };
    let served: Vec<Value> = store
        .list(&crds, None)
        .map(|(_, crd)| &crd["spec"])
        .filter(|spec| spec["group"] == group && serves(spec, version))
        .map(resource)
        .collect();
    if served.is_empty() {
        return Err(ApiError::not_found(
            "groupversion",
            &format!("{group}/{version}"),
        ));
    }
    Ok(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": format!("{group}/{version}"),
        "resources": served,
    }))
}

fn serves(spec: &Value, version: &str) -> bool {
    spec["versions"].as_array().is_some_and(|versions| {
        versions
            .iter()
            .any(|v| v["name"] == version && v["served"] != false)
    })
}

/// The `APIResource` a CRD's spec describes.
fn resource(spec: &Value) -> Value {
    let names = &spec["names"];
    json!({
        "name": names["plural"],
        "singularName": names["singular"].as_str().unwrap_or_default(),
        "namespaced": spec["scope"] == "Namespaced",
        "kind": names["kind"],
        "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_group_version_paths_are_discovery() {
        assert_eq!(
            group_version("/apis/monitoring.coreos.com/v1"),
            Some(("monitoring.coreos.com", "v1"))
        );
        assert_eq!(group_version("/apis"), None);
        assert_eq!(group_version("/apis/apps/v1/deployments"), None);
        assert_eq!(group_version("/api/v1"), None);
    }
}
