//! One OpenAPI document for the whole API: the services' documents under their gateway
//! paths, merged into the gateway's own, and cached briefly.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::routes::{self, Upstream};
use crate::upstream::Upstreams;

/// How long a merged document is served before the services are asked again.
const CACHE_TTL: Duration = Duration::from_secs(10);

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Builds and caches the merged document.
#[derive(Clone)]
pub struct OpenApiMerger {
    upstreams: Upstreams,
    base: Arc<Value>,
    cache: Arc<Mutex<Option<Cached>>>,
}

struct Cached {
    built: Instant,
    document: Arc<Value>,
}

impl OpenApiMerger {
    /// `base` is the gateway's own document: its info and its own endpoints.
    pub fn new(upstreams: Upstreams, base: Value) -> Self {
        Self {
            upstreams,
            base: Arc::new(base),
            cache: Arc::default(),
        }
    }

    /// The merged document, from the cache while it is fresh. Concurrent callers wait for one
    /// merge instead of each asking every service.
    pub async fn document(&self) -> Arc<Value> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && cached.built.elapsed() < CACHE_TTL
        {
            return Arc::clone(&cached.document);
        }
        let fetches =
            Upstream::ALL.map(|upstream| async move { (upstream, self.fetch(upstream).await) });
        let documents = futures::future::join_all(fetches).await;
        let document = Arc::new(merge(&self.base, documents));
        *cache = Some(Cached {
            built: Instant::now(),
            document: Arc::clone(&document),
        });
        document
    }

    async fn fetch(&self, upstream: Upstream) -> Result<Value, String> {
        let (status, body) = self
            .upstreams
            .fetch(upstream, "/openapi.json")
            .await
            .map_err(|err| err.to_string())?;
        if !status.is_success() {
            return Err(format!("its /openapi.json answered {status}"));
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(document) if document.get("paths").is_some_and(Value::is_object) => Ok(document),
            _ => Err("its /openapi.json is not an OpenAPI document".to_owned()),
        }
    }
}

/// `GET /openapi.json`.
pub async fn serve(State(merger): State<OpenApiMerger>) -> Json<Value> {
    Json(merger.document().await.as_ref().clone())
}

/// A document whose components and operation ids are about to join the merge.
struct Source {
    namespace: &'static str,
    document: Value,
}

/// Merges the services' documents into `base`.
///
/// Paths appear under the gateway path the route table maps to them (those the gateway does
/// not expose are left out) and operations are tagged with their service. Components keep
/// their names when only one document defines them or all define them identically; otherwise
/// each document's version is renamed `<service>.<Name>` and its references follow. Services
/// that gave no document are named in the description.
pub fn merge(base: &Value, documents: Vec<(Upstream, Result<Value, String>)>) -> Value {
    let mut sources = vec![Source {
        namespace: "gateway",
        document: base.clone(),
    }];
    let mut missing = Vec::new();
    let mut tags = Vec::new();
    for (upstream, document) in documents {
        match document {
            Ok(document) => {
                tags.push(json!({
                    "name": upstream.name(),
                    "description": document.pointer("/info/title").cloned().unwrap_or(Value::Null),
                }));
                sources.push(Source {
                    namespace: upstream.name(),
                    document: publish(upstream, document),
                });
            }
            Err(reason) => missing.push(format!("{upstream} ({reason})")),
        }
    }
    let renames = colliding_components(&sources);
    let shared_ids = colliding_operation_ids(&sources);

    let mut merged = base.clone();
    merged["paths"] = Value::Object(Map::new());
    merged["components"] = Value::Object(Map::new());
    for mut source in sources {
        rewrite_refs(&mut source.document, source.namespace, &renames);
        for operation in operations_mut(&mut source.document) {
            if let Some(Value::String(id)) = operation.get_mut("operationId")
                && shared_ids.contains(id.as_str())
            {
                *id = format!("{}.{id}", source.namespace);
            }
        }
        if let (Some(Value::Object(paths)), Some(merged_paths)) = (
            source.document.get_mut("paths"),
            merged["paths"].as_object_mut(),
        ) {
            merged_paths.extend(std::mem::take(paths));
        }
        for (kind, name, definition) in components(&source.document) {
            let name = component_name(source.namespace, &renames, kind, name);
            merged["components"][kind][name] = definition.clone();
        }
    }

    let mut all_tags = base
        .get("tags")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    all_tags.extend(tags);
    merged["tags"] = Value::Array(all_tags);
    if !missing.is_empty() {
        let description = merged
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        merged["info"]["description"] = Value::String(format!(
            "{description}\n\nLeft out because they did not answer: {}.",
            missing.join(", ")
        ));
    }
    merged
}

/// A service's document as the gateway exposes it: gateway paths, the service's tag, the
/// document-wide security requirement copied onto operations that set none.
fn publish(upstream: Upstream, mut document: Value) -> Value {
    let security = document.get("security").cloned();
    let paths = match document.get_mut("paths").map(Value::take) {
        Some(Value::Object(paths)) => paths,
        _ => Map::new(),
    };
    let mut published = Map::new();
    for (path, item) in paths {
        if let Some(public) = routes::public_path(upstream, &path) {
            published.insert(public, item);
        }
    }
    document["paths"] = Value::Object(published);
    for operation in operations_mut(&mut document) {
        operation.insert("tags".to_owned(), json!([upstream.name()]));
        if let Some(security) = &security {
            operation
                .entry("security")
                .or_insert_with(|| security.clone());
        }
    }
    document
}

fn operations_mut(document: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| {
            item.iter_mut()
                .filter(|(method, _)| METHODS.contains(&method.as_str()))
                .filter_map(|(_, operation)| operation.as_object_mut())
        })
}

/// Every `(kind, name, definition)` under `components`, e.g. `("schemas", "Order", {...})`.
fn components(document: &Value) -> impl Iterator<Item = (&str, &str, &Value)> {
    document
        .get("components")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(kind, entries)| Some((kind.as_str(), entries.as_object()?)))
        .flat_map(|(kind, entries)| {
            entries
                .iter()
                .map(move |(name, definition)| (kind, name.as_str(), definition))
        })
}

/// Components to rename: `(kind, name)` defined by several documents differently. Renaming
/// one can make definitions that refer to it differ in turn (two identical `Problem`s whose
/// `FieldError`s differ), so this repeats until nothing changes.
fn colliding_components(sources: &[Source]) -> BTreeSet<(String, String)> {
    let mut definitions: BTreeMap<(String, String), Vec<(&'static str, &Value)>> = BTreeMap::new();
    for source in sources {
        for (kind, name, definition) in components(&source.document) {
            definitions
                .entry((kind.to_owned(), name.to_owned()))
                .or_default()
                .push((source.namespace, definition));
        }
    }
    definitions.retain(|_, defined| defined.len() > 1);
    let mut renames = BTreeSet::new();
    loop {
        let mut changed = false;
        for (key, defined) in &definitions {
            if renames.contains(key) {
                continue;
            }
            let mut rewritten = defined.iter().map(|(namespace, definition)| {
                let mut definition = (*definition).clone();
                rewrite_refs(&mut definition, namespace, &renames);
                definition
            });
            let first = rewritten.next();
            if rewritten.any(|other| Some(&other) != first.as_ref()) {
                renames.insert(key.clone());
                changed = true;
            }
        }
        if !changed {
            return renames;
        }
    }
}

/// Operation ids used by more than one document.
fn colliding_operation_ids(sources: &[Source]) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for source in sources {
        let operations = source
            .document
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(Value::as_object)
            .flat_map(|item| {
                item.iter()
                    .filter(|(method, _)| METHODS.contains(&method.as_str()))
                    .map(|(_, operation)| operation)
            });
        for id in operations.filter_map(|operation| operation["operationId"].as_str()) {
            seen.entry(id.to_owned())
                .or_default()
                .insert(source.namespace);
        }
    }
    seen.into_iter()
        .filter(|(_, namespaces)| namespaces.len() > 1)
        .map(|(id, _)| id)
        .collect()
}

fn component_name(
    namespace: &str,
    renames: &BTreeSet<(String, String)>,
    kind: &str,
    name: &str,
) -> String {
    if renames.contains(&(kind.to_owned(), name.to_owned())) {
        format!("{namespace}.{name}")
    } else {
        name.to_owned()
    }
}

/// Points `$ref`s to renamed components at the names they get in the merged document.
fn rewrite_refs(value: &mut Value, namespace: &str, renames: &BTreeSet<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(target) = child
                    && let Some((kind, name)) = target
                        .strip_prefix("#/components/")
                        .and_then(|rest| rest.split_once('/'))
                {
                    let renamed = component_name(namespace, renames, kind, name);
                    *target = format!("#/components/{kind}/{renamed}");
                } else {
                    rewrite_refs(child, namespace, renames);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_refs(item, namespace, renames);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "OrderFlow API", "version": "1", "description": "All services."},
            "paths": {"/health/upstreams": {"get": {"operationId": "upstream_health"}}},
            "tags": [{"name": "gateway"}]
        })
    }

    fn schema_ref(name: &str) -> Value {
        json!({"$ref": format!("#/components/schemas/{name}")})
    }

    fn document(paths: Value, schemas: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "info": {"title": "service", "version": "1"},
            "paths": paths,
            "components": {"schemas": schemas}
        })
    }

    fn get_returning(schema: &str, id: &str) -> Value {
        json!({"get": {
            "operationId": id,
            "tags": ["own"],
            "responses": {"200": {"content": {"application/json": {"schema": schema_ref(schema)}}}}
        }})
    }

    #[test]
    fn paths_are_published_under_their_gateway_paths_and_tagged_by_service() {
        let customer = document(
            json!({
                "/customers/{id}": get_returning("Customer", "get_customer"),
                "/health/ready": {"get": {"operationId": "ready"}}
            }),
            json!({"Customer": {"type": "object"}}),
        );
        let notification = document(
            json!({"/customers/{id}/notifications": get_returning("Notification", "list")}),
            json!({"Notification": {"type": "object"}}),
        );
        let merged = merge(
            &base(),
            vec![
                (Upstream::Customer, Ok(customer)),
                (Upstream::Notification, Ok(notification)),
            ],
        );
        let paths = merged["paths"].as_object().unwrap();
        let mut keys: Vec<_> = paths.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "/api/customers/{id}",
                "/api/customers/{id}/notifications",
                "/health/upstreams"
            ]
        );
        assert_eq!(
            paths["/api/customers/{id}"]["get"]["tags"],
            json!(["customer"])
        );
        assert_eq!(
            paths["/api/customers/{id}/notifications"]["get"]["tags"],
            json!(["notification"])
        );
        let tags: Vec<_> = merged["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tag| tag["name"].as_str().unwrap())
            .collect();
        assert_eq!(tags, ["gateway", "customer", "notification"]);
        assert_eq!(merged["info"]["description"], "All services.");
    }

    #[test]
    fn identical_components_are_kept_once_and_differing_ones_namespaced() {
        let problem = json!({"type": "object", "properties": {"title": {"type": "string"}}});
        let order = document(
            json!({"/orders/{id}": get_returning("Item", "get")}),
            json!({"Problem": problem, "Item": {"type": "object", "properties": {"sku": {"type": "string"}}}}),
        );
        let inventory = document(
            json!({"/products/{id}": get_returning("Item", "get")}),
            json!({"Problem": problem, "Item": {"type": "object", "properties": {"onHand": {"type": "integer"}}}}),
        );
        let merged = merge(
            &base(),
            vec![
                (Upstream::Order, Ok(order)),
                (Upstream::Inventory, Ok(inventory)),
            ],
        );
        let schemas = merged["components"]["schemas"].as_object().unwrap();
        let mut names: Vec<_> = schemas.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["Problem", "inventory.Item", "order.Item"]);
        assert_eq!(
            merged["paths"]["/api/orders/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
                ["schema"],
            schema_ref("order.Item")
        );
        assert_eq!(
            merged["paths"]["/api/products/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
                ["schema"],
            schema_ref("inventory.Item")
        );
        assert_eq!(
            merged["paths"]["/api/orders/{id}"]["get"]["operationId"],
            "order.get"
        );
        assert_eq!(
            merged["paths"]["/api/products/{id}"]["get"]["operationId"],
            "inventory.get"
        );
    }

    #[test]
    fn definitions_referring_to_renamed_components_are_renamed_too() {
        let problem = json!({"type": "object", "properties": {"errors": {"items": schema_ref("FieldError")}}});
        let payment = document(
            json!({"/payments": get_returning("Problem", "list_payments")}),
            json!({"Problem": problem, "FieldError": {"type": "object", "required": ["field"]}}),
        );
        let customer = document(
            json!({"/customers": get_returning("Problem", "list_customers")}),
            json!({"Problem": problem, "FieldError": {"type": "object"}}),
        );
        let merged = merge(
            &base(),
            vec![
                (Upstream::Payment, Ok(payment)),
                (Upstream::Customer, Ok(customer)),
            ],
        );
        let schemas = &merged["components"]["schemas"];
        assert_eq!(
            schemas["payment.Problem"]["properties"]["errors"]["items"],
            schema_ref("payment.FieldError")
        );
        assert_eq!(
            schemas["customer.Problem"]["properties"]["errors"]["items"],
            schema_ref("customer.FieldError")
        );
        assert!(schemas.get("Problem").is_none());
    }

    #[test]
    fn services_without_a_document_are_named_in_the_description() {
        let merged = merge(
            &base(),
            vec![(Upstream::Payment, Err("connection refused".to_owned()))],
        );
        let description = merged["info"]["description"].as_str().unwrap();
        assert!(
            description.contains("payment (connection refused)"),
            "{description}"
        );
        assert!(merged["paths"].get("/health/upstreams").is_some());
    }

    #[test]
    fn a_document_wide_security_requirement_moves_onto_operations() {
        let mut admin = document(
            json!({
                "/admin/faults": {"post": {"operationId": "faults"}},
                "/admin/dead-letters": {"get": {"operationId": "dead", "security": []}}
            }),
            json!({}),
        );
        admin["security"] = json!([{"bearer": []}]);
        let merged = merge(&base(), vec![(Upstream::Order, Ok(admin))]);
        assert_eq!(
            merged["paths"]["/api/admin/order/faults"]["post"]["security"],
            json!([{"bearer": []}])
        );
        assert_eq!(
            merged["paths"]["/api/admin/order/dead-letters"]["get"]["security"],
            json!([])
        );
    }
}
