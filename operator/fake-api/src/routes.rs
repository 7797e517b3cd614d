//! Parsing of API paths (`/api/v1/...`, `/apis/{group}/{version}/...`) and their query strings.

use std::collections::HashMap;

use crate::error::ApiError;

/// A kind of object, as the URL names it: `apiVersion` (`v1`, `apps/v1`) and plural resource name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resource {
    /// `v1` for the core group, `{group}/{version}` otherwise.
    pub api_version: String,
    /// The plural resource name, e.g. `deployments`.
    pub plural: String,
}

/// Which part of an object a request addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subresource {
    /// The object itself; writes ignore `.status` where a status subresource exists.
    Main,
    /// `/status`: writes change only `.status`.
    Status,
}

/// A parsed request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub resource: Resource,
    /// `None` for cluster-scoped objects, and for collections across all namespaces.
    pub namespace: Option<String>,
    /// `None` for a collection.
    pub name: Option<String>,
    pub subresource: Subresource,
}

impl Route {
    pub(crate) fn parse(path: &str) -> Result<Self, ApiError> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (api_version, rest) = match segments.as_slice() {
            ["api", version, rest @ ..] => ((*version).to_owned(), rest),
            ["apis", group, version, rest @ ..] => (format!("{group}/{version}"), rest),
            _ => return Err(not_served(path)),
        };
        // `namespaces/{name}` is itself an object; `namespaces/{ns}/{plural}/...` scopes one.
        let (namespace, rest) = match rest {
            ["namespaces", _] | ["namespaces", _, "status" | "finalize"] => (None, rest),
            ["namespaces", ns, rest @ ..] => (Some((*ns).to_owned()), rest),
            _ => (None, rest),
        };
        let (plural, name, subresource) = match rest {
            [plural] => (plural, None, Subresource::Main),
            [plural, name] => (plural, Some(*name), Subresource::Main),
            [plural, name, "status"] => (plural, Some(*name), Subresource::Status),
            _ => return Err(not_served(path)),
        };
        if plural.is_empty() || name.is_some_and(str::is_empty) {
            return Err(not_served(path));
        }
        Ok(Self {
            resource: Resource {
                api_version,
                plural: (*plural).to_owned(),
            },
            namespace,
            name: name.map(str::to_owned),
            subresource,
        })
    }
}

fn not_served(path: &str) -> ApiError {
    ApiError::not_found("path", path)
}

/// The query parameters the fake understands.
#[derive(Debug, Default)]
pub(crate) struct Query(HashMap<String, String>);

impl Query {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub(crate) fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }

    pub(crate) fn number(&self, key: &str) -> Result<Option<u64>, ApiError> {
        self.get(key)
            .map(|v| {
                v.parse().map_err(|_| {
                    ApiError::bad_request(format!("{key} must be a number, got {v:?}"))
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> Route {
        Route::parse(path).unwrap()
    }

    #[test]
    fn parses_core_and_group_paths() {
        let r = route("/api/v1/namespaces/ns/configmaps/cm");
        assert_eq!(r.resource.api_version, "v1");
        assert_eq!(r.resource.plural, "configmaps");
        assert_eq!(r.namespace.as_deref(), Some("ns"));
        assert_eq!(r.name.as_deref(), Some("cm"));

        let r = route("/apis/apps/v1/namespaces/ns/deployments/web/status");
        assert_eq!(r.resource.api_version, "apps/v1");
        assert_eq!(r.subresource, Subresource::Status);

        let r = route("/apis/apps/v1/deployments");
        assert_eq!((r.namespace, r.name), (None, None));
    }

    #[test]
    fn namespaces_are_cluster_scoped_objects() {
        let r = route("/api/v1/namespaces/team-a");
        assert_eq!(r.resource.plural, "namespaces");
        assert_eq!((r.namespace, r.name.as_deref()), (None, Some("team-a")));
    }

    #[test]
    fn refuses_discovery_and_unknown_shapes() {
        assert!(Route::parse("/apis").is_err());
        assert!(Route::parse("/version").is_err());
        assert!(Route::parse("/api/v1/namespaces/ns/pods/p/log").is_err());
    }
}
