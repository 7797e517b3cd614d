//! The object store: JSON objects with the metadata the API server maintains, and the history of
//! changes that watches replay.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::patch::{FieldPath, entry_subresource, fields_from_v1, fields_to_v1, lookup};
use crate::routes::{Resource, Subresource};

/// Resources without a status subresource: writes to them keep `.status` like any other field.
/// Every other resource, built-in or custom, is treated as having one.
const WITHOUT_STATUS: &[&str] = &[
    "configmaps",
    "secrets",
    "serviceaccounts",
    "endpoints",
    "events",
    "leases",
    "roles",
    "rolebindings",
    "clusterroles",
    "clusterrolebindings",
    "networkpolicies",
];

pub(crate) fn has_status_subresource(resource: &Resource) -> bool {
    !WITHOUT_STATUS.contains(&resource.plural.as_str())
}

/// Where an object lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ObjectKey {
    pub resource: Resource,
    pub namespace: Option<String>,
    pub name: String,
}

/// The type of a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One committed change, as watches replay it.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub revision: u64,
    pub event: EventType,
    pub resource: Resource,
    pub object: Value,
}

/// How a write was made, for `managedFields`.
#[derive(Debug, Clone)]
pub(crate) enum Operation {
    Update,
    /// Server-side apply, with the leaf fields the manager now owns.
    Apply {
        fields: BTreeSet<FieldPath>,
        force: bool,
    },
}

/// Who writes, to which part, and how.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    pub manager: String,
    pub subresource: Subresource,
    pub operation: Operation,
}

/// The result of an update: the stored object, and whether anything changed.
#[derive(Debug)]
pub(crate) struct Written {
    pub object: Value,
    pub changed: bool,
}

/// Preconditions and propagation of a DELETE, from its `DeleteOptions` body.
#[derive(Debug, Default)]
pub(crate) struct DeleteOptions {
    pub orphan: bool,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
}

impl DeleteOptions {
    pub(crate) fn from_body(body: &Value) -> Self {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        Self {
            orphan: body["propagationPolicy"] == "Orphan" || body["orphanDependents"] == true,
            uid: text(&body["preconditions"]["uid"]),
            resource_version: text(&body["preconditions"]["resourceVersion"]),
        }
    }
}

/// System-maintained metadata that clients cannot change with a write.
const SYSTEM_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "creationTimestamp",
    "generation",
    "resourceVersion",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
];

#[derive(Debug)]
pub(crate) struct Store {
    objects: BTreeMap<ObjectKey, Value>,
    history: Vec<Change>,
    revision: u64,
    kinds: HashMap<Resource, String>,
}

impl Default for Store {
    /// Starts at resourceVersion 1: `0` means "any version" to a watch, so no list may return it.
    fn default() -> Self {
        Self {
            objects: BTreeMap::new(),
            history: Vec::new(),
            revision: 1,
            kinds: HashMap::new(),
        }
    }
}

impl Store {
    pub(crate) fn revision(&self) -> u64 {
        self.revision
    }

    /// The changes committed after `revision`, oldest first.
    pub(crate) fn changes_since(&self, revision: u64) -> &[Change] {
        let start = self.history.partition_point(|c| c.revision <= revision);
        &self.history[start..]
    }

    /// The kind of a resource's objects, once one has been stored.
    pub(crate) fn kind_of(&self, resource: &Resource) -> Option<&str> {
        self.kinds.get(resource).map(String::as_str)
    }

    pub(crate) fn get(&self, key: &ObjectKey) -> Result<&Value, ApiError> {
        self.objects
            .get(key)
            .ok_or_else(|| ApiError::not_found(&key.resource.plural, &key.name))
    }

    /// The objects of a resource, in one namespace or (with `None`) in all, ordered by key.
    pub(crate) fn list<'a>(
        &'a self,
        resource: &'a Resource,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a ObjectKey, &'a Value)> + 'a {
        self.objects.iter().filter(move |(key, _)| {
            key.resource == *resource
                && namespace.is_none_or(|ns| key.namespace.as_deref() == Some(ns))
        })
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = (&ObjectKey, &Value)> {
        self.objects.iter()
    }

    /// Creates an object from a client's body (POST, or an apply to an absent object).
    pub(crate) fn create(
        &mut self,
        resource: &Resource,
        namespace: Option<&str>,
        mut object: Value,
        writer: &Writer,
    ) -> Result<Value, ApiError> {
        let map = object
            .as_object_mut()
            .ok_or_else(|| ApiError::bad_request("the body must be a JSON object"))?;
        if has_status_subresource(resource) {
            map.remove("status");
        }
        map.insert("apiVersion".into(), json!(resource.api_version));
        let kind = map
            .get("kind")
            .and_then(Value::as_str)
            .or_else(|| self.kind_of(resource))
            .ok_or_else(|| ApiError::invalid("kind: Required value"))?
            .to_owned();
        map.insert("kind".into(), json!(kind));
        let meta = map
            .entry("metadata")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| ApiError::bad_request("metadata must be an object"))?;
        let name = match (
            meta.get("name").and_then(Value::as_str),
            meta.get("generateName").and_then(Value::as_str),
        ) {
            (Some(name), _) if !name.is_empty() => name.to_owned(),
            (_, Some(prefix)) => format!(
                "{prefix}{}",
                &uuid::Uuid::new_v4().simple().to_string()[..5]
            ),
            _ => {
                return Err(ApiError::invalid(
                    "metadata.name: Required value: name or generateName is required",
                ));
            }
        };
        match (meta.get("namespace").and_then(Value::as_str), namespace) {
            (Some(body_ns), Some(ns)) if body_ns != ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {}
        }
        let key = ObjectKey {
            resource: resource.clone(),
            namespace: namespace.map(str::to_owned),
            name: name.clone(),
        };
        if self.objects.contains_key(&key) {
            return Err(ApiError::already_exists(&resource.plural, &name));
        }
        for system in SYSTEM_METADATA {
            meta.remove(*system);
        }
        let now = now();
        meta.insert("name".into(), json!(name));
        if let Some(ns) = namespace {
            meta.insert("namespace".into(), json!(ns));
        }
        meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        meta.insert("creationTimestamp".into(), json!(now));
        meta.insert("generation".into(), json!(1));
        meta.insert(
            "managedFields".into(),
            json!([managed_entry(writer, &resource.api_version, &now)]),
        );
        self.kinds.insert(resource.clone(), kind);
        Ok(self.commit(key, object, EventType::Added))
    }

    /// Writes a new version of an existing object. System metadata is kept; a write to the main
    /// resource keeps `.status` where a status subresource exists, and a write to `/status`
    /// changes nothing but `.status`. A write that changes nothing stores nothing.
    pub(crate) fn update(
        &mut self,
        key: &ObjectKey,
        candidate: Value,
        writer: &Writer,
    ) -> Result<Written, ApiError> {
        let existing = self.get(key)?.clone();
        let status_subresource = has_status_subresource(&key.resource);
        let (mut result, status) = match writer.subresource {
            Subresource::Main if status_subresource => (candidate, existing.get("status").cloned()),
            Subresource::Main => {
                let status = candidate.get("status").cloned();
                (candidate, status)
            }
            Subresource::Status => (existing.clone(), candidate.get("status").cloned()),
        };
        let map = result
            .as_object_mut()
            .ok_or_else(|| ApiError::bad_request("the body must be a JSON object"))?;
        set_or_remove(map, "status", status);
        map.insert("apiVersion".into(), existing["apiVersion"].clone());
        map.insert("kind".into(), existing["kind"].clone());
        let meta = map
            .entry("metadata")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| ApiError::bad_request("metadata must be an object"))?;
        for system in SYSTEM_METADATA {
            set_or_remove(meta, system, existing["metadata"].get(*system).cloned());
        }
        disown_changed(&existing, &mut result, writer);
        if spec_view(&existing, status_subresource) != spec_view(&result, status_subresource) {
            bump_generation(&mut result);
        }
        let previous_time = previous_entry_time(&existing, writer);
        upsert_managed(
            &mut result,
            writer,
            previous_time.as_deref().unwrap_or(&now()),
        );
        if result == existing {
            return Ok(Written {
                object: existing,
                changed: false,
            });
        }
        upsert_managed(&mut result, writer, &now());
        let deleting = result["metadata"].get("deletionTimestamp").is_some();
        let finalizers_left = result["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
        let object = if deleting && !finalizers_left {
            self.objects.insert(key.clone(), result);
            self.remove(key, true)
        } else {
            self.commit(key.clone(), result, EventType::Modified)
        };
        Ok(Written {
            object,
            changed: true,
        })
    }

    /// Deletes an object: at once without finalizers, otherwise by setting `deletionTimestamp` and
    /// leaving the removal to the update that empties `finalizers`.
    pub(crate) fn delete(
        &mut self,
        key: &ObjectKey,
        options: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        let existing = self.get(key)?;
        let meta = &existing["metadata"];
        let precondition_failed = options
            .uid
            .as_ref()
            .is_some_and(|uid| meta["uid"] != uid.as_str())
            || options
                .resource_version
                .as_ref()
                .is_some_and(|rv| meta["resourceVersion"] != rv.as_str());
        if precondition_failed {
            return Err(ApiError::conflict(format!(
                "Operation cannot be fulfilled on {} \"{}\": the precondition of the delete failed",
                key.resource.plural, key.name
            )));
        }
        let has_finalizers = meta["finalizers"].as_array().is_some_and(|f| !f.is_empty());
        if !has_finalizers {
            return Ok(self.remove(key, !options.orphan));
        }
        if meta.get("deletionTimestamp").is_some() {
            return Ok(existing.clone());
        }
        let mut object = existing.clone();
        object["metadata"]["deletionTimestamp"] = json!(now());
        object["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        bump_generation(&mut object);
        Ok(self.commit(key.clone(), object, EventType::Modified))
    }

    /// Removes an object and, unless orphaning, deletes the dependents it leaves without a
    /// living owner (background propagation, done before this call returns).
    fn remove(&mut self, key: &ObjectKey, cascade: bool) -> Value {
        let Some(mut object) = self.objects.remove(key) else {
            return Value::Null;
        };
        self.revision += 1;
        object["metadata"]["resourceVersion"] = json!(self.revision.to_string());
        self.record(EventType::Deleted, key, &object);
        if cascade {
            let uid = object["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            self.collect_garbage(&uid);
        }
        object
    }

    fn collect_garbage(&mut self, removed_uid: &str) {
        let live: HashSet<&str> = self
            .objects
            .values()
            .filter_map(|o| o["metadata"]["uid"].as_str())
            .collect();
        let orphans: Vec<ObjectKey> = self
            .objects
            .iter()
            .filter(|(_, object)| {
                let owners: Vec<&str> = object["metadata"]["ownerReferences"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["uid"].as_str())
                    .collect();
                owners.contains(&removed_uid) && owners.iter().all(|uid| !live.contains(uid))
            })
            .map(|(key, _)| key.clone())
            .collect();
        for key in orphans {
            // A dependent deleted by an earlier cascade in this loop is already gone.
            if self.objects.contains_key(&key) {
                let _ = self.delete(&key, &DeleteOptions::default());
            }
        }
    }

    fn commit(&mut self, key: ObjectKey, mut object: Value, event: EventType) -> Value {
        self.revision += 1;
        object["metadata"]["resourceVersion"] = json!(self.revision.to_string());
        self.record(event, &key, &object);
        self.objects.insert(key, object.clone());
        object
    }

    fn record(&mut self, event: EventType, key: &ObjectKey, object: &Value) {
        self.history.push(Change {
            revision: self.revision,
            event,
            resource: key.resource.clone(),
            object: object.clone(),
        });
    }
}

/// What `metadata.generation` tracks: everything but metadata, and status where it is a subresource.
fn spec_view(object: &Value, status_subresource: bool) -> Value {
    let mut view = object.clone();
    if let Some(map) = view.as_object_mut() {
        map.remove("metadata");
        if status_subresource {
            map.remove("status");
        }
    }
    view
}

fn bump_generation(object: &mut Value) {
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(0);
    object["metadata"]["generation"] = json!(generation + 1);
}

fn set_or_remove(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(value) => map.insert(key.to_owned(), value),
        None => map.remove(key),
    };
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn is_writers_entry(entry: &Value, writer: &Writer) -> bool {
    let operation = match writer.operation {
        Operation::Update => "Update",
        Operation::Apply { .. } => "Apply",
    };
    entry["manager"] == writer.manager.as_str()
        && entry["operation"] == operation
        && entry_subresource(entry) == writer.subresource
}

fn previous_entry_time(object: &Value, writer: &Writer) -> Option<String> {
    object["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .find(|e| is_writers_entry(e, writer))
        .and_then(|e| e["time"].as_str().map(str::to_owned))
}

fn managed_entry(writer: &Writer, api_version: &str, time: &str) -> Value {
    let mut entry = json!({
        "manager": writer.manager,
        "apiVersion": api_version,
        "time": time,
    });
    match &writer.operation {
        Operation::Update => entry["operation"] = json!("Update"),
        Operation::Apply { fields, .. } => {
            entry["operation"] = json!("Apply");
            entry["fieldsType"] = json!("FieldsV1");
            entry["fieldsV1"] = fields_to_v1(fields);
        }
    }
    if writer.subresource == Subresource::Status {
        entry["subresource"] = json!("status");
    }
    entry
}

/// A write other than an apply takes the fields it changes or removes away from the appliers,
/// as the real API server does (there the updater comes to own them; here, where updaters own
/// nothing, nobody does). Without it, a field an applier once set and an update removed, like a
/// released Lease's `holderIdentity`, would stay the applier's and conflict with every other
/// applier for ever.
fn disown_changed(existing: &Value, result: &mut Value, writer: &Writer) {
    if !matches!(writer.operation, Operation::Update) {
        return;
    }
    let Some(mut entries) = result["metadata"]["managedFields"].as_array().cloned() else {
        return;
    };
    let appliers = entries
        .iter_mut()
        .filter(|e| e["operation"] == "Apply" && entry_subresource(e) == writer.subresource);
    for entry in appliers {
        let kept = fields_from_v1(&entry["fieldsV1"])
            .into_iter()
            .filter(|path| lookup(existing, path) == lookup(result, path))
            .collect();
        entry["fieldsV1"] = fields_to_v1(&kept);
    }
    result["metadata"]["managedFields"] = json!(entries);
}

/// Records the writer in `managedFields`, in place so that a repeated write compares equal. A
/// forced apply also takes the fields it applies away from the other appliers.
fn upsert_managed(object: &mut Value, writer: &Writer, time: &str) {
    let api_version = object["apiVersion"].as_str().unwrap_or_default().to_owned();
    let entry = managed_entry(writer, &api_version, time);
    let mut entries = object["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Operation::Apply {
        fields: owned,
        force: true,
    } = &writer.operation
    {
        let others = entries
            .iter_mut()
            .filter(|e| e["operation"] == "Apply" && entry_subresource(e) == writer.subresource);
        for other in others {
            let kept = fields_from_v1(&other["fieldsV1"])
                .into_iter()
                .filter(|p| !owned.contains(p))
                .collect();
            other["fieldsV1"] = fields_to_v1(&kept);
        }
    }
    match entries.iter_mut().find(|e| is_writers_entry(e, writer)) {
        Some(existing) => *existing = entry,
        None => entries.push(entry),
    }
    object["metadata"]["managedFields"] = json!(entries);
}
