//! The patch flavours: JSON merge, JSON patch, strategic merge (approximated as JSON merge) and
//! server-side apply (approximated, see [`apply`]).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::routes::Subresource;

/// A field path, one segment per nested object key; arrays and scalars are leaves.
pub(crate) type FieldPath = Vec<String>;

/// How a PATCH body is to be read, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchKind {
    Merge,
    Json,
    /// Treated as a JSON merge patch: lists are replaced, not merged by key.
    StrategicMerge,
    Apply,
}

impl PatchKind {
    pub(crate) fn from_content_type(content_type: &str) -> Result<Self, ApiError> {
        match content_type.split(';').next().unwrap_or_default().trim() {
            "application/merge-patch+json" => Ok(Self::Merge),
            "application/json-patch+json" => Ok(Self::Json),
            "application/strategic-merge-patch+json" => Ok(Self::StrategicMerge),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Ok(Self::Apply),
            other => Err(ApiError::unsupported_media_type(other)),
        }
    }
}

/// Parses a request body: JSON, or YAML for apply patches (kube sends JSON, which is YAML too).
pub(crate) fn parse_body(body: &[u8], kind: Option<PatchKind>) -> Result<Value, ApiError> {
    serde_json::from_slice(body).or_else(|json_err| {
        if kind == Some(PatchKind::Apply) {
            serde_norway::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("invalid YAML body: {e}")))
        } else {
            Err(ApiError::bad_request(format!(
                "invalid JSON body: {json_err}"
            )))
        }
    })
}

/// Applies a merge, JSON or strategic-merge patch to a copy of `existing`.
pub(crate) fn patch(existing: &Value, kind: PatchKind, body: &Value) -> Result<Value, ApiError> {
    let mut doc = existing.clone();
    match kind {
        PatchKind::Merge | PatchKind::StrategicMerge | PatchKind::Apply => {
            json_patch::merge(&mut doc, body)
        }
        PatchKind::Json => {
            let ops: json_patch::Patch = serde_json::from_value(body.clone())
                .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
            json_patch::patch(&mut doc, &ops)
                .map_err(|e| ApiError::invalid(format!("JSON patch failed: {e}")))?;
        }
    }
    Ok(doc)
}

/// Server-side apply, approximated.
///
/// The applied configuration is merged into the object like a JSON merge patch (objects merge
/// by key; lists, being atomic here, are replaced). The leaf paths the manager applies are kept
/// in its `managedFields` entry (`FieldsV1`), so that a field the manager applied last time and
/// omits now is removed (unless another applier owns it), and so that, without `force`, applying
/// a different value to a field another applier owns is a 409 Conflict. With `force`, ownership of
/// those fields moves to the caller. Managers that wrote with PUT or a non-apply PATCH own no
/// fields. Associative lists (`containers` by name, …) are not merged by key.
pub(crate) fn apply(
    existing: &Value,
    applied: &Value,
    manager: &str,
    force: bool,
    subresource: Subresource,
) -> Result<(Value, BTreeSet<FieldPath>), ApiError> {
    let owned = owned_fields(applied, subresource);
    let managed = existing["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut ours = BTreeSet::new();
    let mut others = BTreeSet::new();
    for entry in &managed {
        if entry["operation"] != "Apply" || entry_subresource(entry) != subresource {
            continue;
        }
        let fields = fields_from_v1(&entry["fieldsV1"]);
        if entry["manager"] == manager {
            ours.extend(fields);
        } else if !force {
            let conflicts: Vec<String> = fields
                .iter()
                .filter(|path| {
                    owned.contains(*path) && lookup(existing, path) != lookup(applied, path)
                })
                .map(|path| format!(".{}", path.join(".")))
                .collect();
            if !conflicts.is_empty() {
                return Err(ApiError::conflict(format!(
                    "Apply failed with {} conflict(s): conflicts with {} : {}",
                    conflicts.len(),
                    entry["manager"],
                    conflicts.join(", ")
                )));
            }
            others.extend(fields);
        } else {
            others.extend(fields.into_iter().filter(|p| !owned.contains(p)));
        }
    }
    let mut doc = existing.clone();
    for path in ours.difference(&owned).filter(|p| !others.contains(*p)) {
        remove(&mut doc, path);
    }
    json_patch::merge(&mut doc, &restrict(applied, subresource));
    Ok((doc, owned))
}

/// The part of an applied configuration a write to `subresource` may change.
pub(crate) fn restrict(applied: &Value, subresource: Subresource) -> Value {
    let mut value = applied.clone();
    if let Some(map) = value.as_object_mut() {
        match subresource {
            Subresource::Main => {
                map.remove("status");
            }
            Subresource::Status => map.retain(|k, _| k == "status"),
        }
    }
    value
}

/// The leaf paths of an applied configuration that its manager comes to own.
fn owned_fields(applied: &Value, subresource: Subresource) -> BTreeSet<FieldPath> {
    let mut fields = BTreeSet::new();
    let mut value = restrict(applied, subresource);
    if let Some(map) = value.as_object_mut() {
        map.remove("apiVersion");
        map.remove("kind");
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for system in [
                "name",
                "namespace",
                "resourceVersion",
                "uid",
                "managedFields",
                "generation",
            ] {
                meta.remove(system);
            }
        }
    }
    collect_leaves(&value, &mut Vec::new(), &mut fields);
    fields
}

fn collect_leaves(value: &Value, path: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
    match value.as_object() {
        Some(map) if !map.is_empty() => {
            for (key, child) in map {
                path.push(key.clone());
                collect_leaves(child, path, out);
                path.pop();
            }
        }
        _ if !path.is_empty() => {
            out.insert(path.clone());
        }
        _ => {}
    }
}

/// Renders a set of leaf paths in the `FieldsV1` shape: `{"f:spec":{"f:replicas":{}}}`.
pub(crate) fn fields_to_v1(fields: &BTreeSet<FieldPath>) -> Value {
    fn insert(node: &mut Map<String, Value>, path: &[String]) {
        if let Some((first, rest)) = path.split_first()
            && let Value::Object(child) = node
                .entry(format!("f:{first}"))
                .or_insert_with(|| Value::Object(Map::new()))
        {
            insert(child, rest);
        }
    }
    let mut root = Map::new();
    for path in fields {
        insert(&mut root, path);
    }
    Value::Object(root)
}

pub(crate) fn fields_from_v1(v1: &Value) -> BTreeSet<FieldPath> {
    fn walk(node: &Value, path: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
        let children: Vec<_> = node
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| k.strip_prefix("f:").map(|k| (k, v)))
            .collect();
        if children.is_empty() && !path.is_empty() {
            out.insert(path.clone());
        }
        for (key, child) in children {
            path.push(key.to_owned());
            walk(child, path, out);
            path.pop();
        }
    }
    let mut out = BTreeSet::new();
    walk(v1, &mut Vec::new(), &mut out);
    out
}

pub(crate) fn entry_subresource(entry: &Value) -> Subresource {
    if entry["subresource"] == "status" {
        Subresource::Status
    } else {
        Subresource::Main
    }
}

pub(crate) fn lookup<'a>(value: &'a Value, path: &FieldPath) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn remove(value: &mut Value, path: &FieldPath) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let parent = parents.iter().try_fold(value, |v, key| v.get_mut(key));
    if let Some(map) = parent.and_then(Value::as_object_mut) {
        map.remove(last);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_v1_round_trip() {
        let applied = json!({"apiVersion": "v1", "metadata": {"name": "a", "labels": {"x": "1"}}, "data": {"k": "v"}, "spec": {"list": [1], "empty": {}}});
        let fields = owned_fields(&applied, Subresource::Main);
        let v1 = fields_to_v1(&fields);
        assert_eq!(
            v1,
            json!({"f:metadata": {"f:labels": {"f:x": {}}}, "f:data": {"f:k": {}}, "f:spec": {"f:list": {}, "f:empty": {}}})
        );
        assert_eq!(fields_from_v1(&v1), fields);
    }

    #[test]
    fn merge_patch_removes_nulls_and_replaces_lists() {
        let doc = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        let out = patch(&doc, PatchKind::Merge, &json!({"a": {"b": null}, "l": [3]})).unwrap();
        assert_eq!(out, json!({"a": {"c": 2}, "l": [3]}));
    }

    #[test]
    fn json_patch_test_failure_is_invalid() {
        let err = patch(
            &json!({"a": 1}),
            PatchKind::Json,
            &json!([{"op": "test", "path": "/a", "value": 2}]),
        )
        .unwrap_err();
        assert_eq!(err.reason, "Invalid");
    }
}
