//! The `tower::Service`: request dispatch from method and path to the store, and the responses.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use kube::client::Body;
use serde_json::{Value, json};

use crate::discovery;
use crate::error::ApiError;
use crate::patch::{self, PatchKind};
use crate::routes::{Query, Route, Subresource};
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{DeleteOptions, ObjectKey, Operation, Store, Writer};
use crate::watch::{WatchRequest, watch};
use crate::{FakeApi, Mutation, ResponseBody, Shared, lock};

impl tower::Service<Request<Body>> for FakeApi {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let shared = Arc::clone(&self.shared);
        Box::pin(async move { Ok(handle(shared, request).await) })
    }
}

/// What a request is answered with.
enum Reply {
    Object {
        status: StatusCode,
        body: Value,
        changed: bool,
    },
    Stream(ResponseBody),
}

/// The parts of a request dispatch needs, its body read whole.
struct Call<'a> {
    method: &'a Method,
    route: Route,
    query: Query,
    content_type: &'a str,
    user_agent: &'a str,
    body: Bytes,
}

async fn handle(shared: Arc<Shared>, request: Request<Body>) -> Response<ResponseBody> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return error_response(&ApiError::bad_request(format!("unreadable body: {e}"))),
    };
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let query = Query::parse(parts.uri.query());
    if parts.method == Method::GET
        && let Some((group, version)) = discovery::group_version(parts.uri.path())
    {
        return match discovery::resources(&shared.store(), group, version) {
            Ok(list) => json_response(StatusCode::OK, &list),
            Err(e) => error_response(&e),
        };
    }
    let field_manager = query.get("fieldManager").map(str::to_owned);
    let reply = Route::parse(parts.uri.path()).and_then(|route| {
        dispatch(
            &shared,
            Call {
                method: &parts.method,
                route,
                query,
                content_type: header(header::CONTENT_TYPE),
                user_agent: header(header::USER_AGENT),
                body,
            },
        )
    });
    if parts.method != Method::GET {
        shared.notify();
        let (status, changed) = match &reply {
            Ok(Reply::Object {
                status, changed, ..
            }) => (status.as_u16(), *changed),
            Ok(Reply::Stream(_)) => (StatusCode::OK.as_u16(), false),
            Err(e) => (e.code.as_u16(), false),
        };
        lock(&shared.mutations).push(Mutation {
            method: parts.method.clone(),
            path: parts.uri.path().to_owned(),
            field_manager,
            status,
            changed,
        });
    }
    match reply {
        Ok(Reply::Object { status, body, .. }) => json_response(status, &body),
        Ok(Reply::Stream(body)) => response(StatusCode::OK, body),
        Err(e) => error_response(&e),
    }
}

fn dispatch(shared: &Arc<Shared>, call: Call<'_>) -> Result<Reply, ApiError> {
    let route = &call.route;
    let Some(name) = route.name.clone() else {
        return match *call.method {
            Method::GET if call.query.flag("watch") => watch_collection(shared, &call),
            Method::GET => list(&shared.store(), &call).map(ok),
            Method::POST => create(&mut shared.store(), &call),
            Method::DELETE => delete_collection(&mut shared.store(), &call).map(ok),
            _ => Err(ApiError::method_not_allowed(
                call.method.as_str(),
                "a collection",
            )),
        };
    };
    let key = ObjectKey {
        resource: route.resource.clone(),
        namespace: route.namespace.clone(),
        name,
    };
    let mut store = shared.store();
    match *call.method {
        Method::GET => Ok(ok(store.get(&key)?.clone())),
        Method::PUT => replace(&mut store, &key, &call),
        Method::PATCH => patch(&mut store, &key, &call),
        Method::DELETE => {
            let options = if call.body.is_empty() {
                DeleteOptions::default()
            } else {
                DeleteOptions::from_body(&patch::parse_body(&call.body, None)?)
            };
            Ok(ok(store.delete(&key, &options)?))
        }
        _ => Err(ApiError::method_not_allowed(
            call.method.as_str(),
            "an object",
        )),
    }
}

fn ok(body: Value) -> Reply {
    Reply::Object {
        status: StatusCode::OK,
        body,
        changed: true,
    }
}

fn writer(call: &Call<'_>, operation: Operation) -> Writer {
    let manager = call
        .query
        .get("fieldManager")
        .unwrap_or(match call.user_agent {
            "" => "unknown",
            agent => agent,
        });
    Writer {
        manager: manager.to_owned(),
        subresource: call.route.subresource,
        operation,
    }
}

fn list(store: &Store, call: &Call<'_>) -> Result<Value, ApiError> {
    let labels = LabelSelector::parse(call.query.get("labelSelector"))?;
    let fields = FieldSelector::parse(call.query.get("fieldSelector"))?;
    let resource = &call.route.resource;
    let matching: Vec<&Value> = store
        .list(resource, call.route.namespace.as_deref())
        .map(|(_, object)| object)
        .filter(|object| labels.matches(object) && fields.matches(object))
        .collect();
    let offset = call.query.number("continue")?.unwrap_or(0) as usize;
    let limit = call
        .query
        .number("limit")?
        .filter(|l| *l > 0)
        .map_or(usize::MAX, |l| l as usize);
    let items: Vec<&Value> = matching.iter().copied().skip(offset).take(limit).collect();
    let mut metadata = json!({ "resourceVersion": store.revision().to_string() });
    if offset.saturating_add(limit) < matching.len() {
        metadata["continue"] = json!((offset + limit).to_string());
    }
    Ok(json!({
        "apiVersion": resource.api_version,
        "kind": format!("{}List", store.kind_of(resource).unwrap_or_default()),
        "metadata": metadata,
        "items": items,
    }))
}

fn watch_collection(shared: &Arc<Shared>, call: &Call<'_>) -> Result<Reply, ApiError> {
    let since = match call.query.get("resourceVersion") {
        None | Some("0") => None,
        Some(rv) => Some(
            rv.parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {rv:?}")))?,
        ),
    };
    let request = WatchRequest {
        resource: call.route.resource.clone(),
        namespace: call.route.namespace.clone(),
        labels: LabelSelector::parse(call.query.get("labelSelector"))?,
        fields: FieldSelector::parse(call.query.get("fieldSelector"))?,
        send_initial_events: call.query.flag("sendInitialEvents"),
        since: if call.query.flag("sendInitialEvents") {
            None
        } else {
            since
        },
        bookmarks: call.query.flag("allowWatchBookmarks"),
        timeout: call
            .query
            .number("timeoutSeconds")?
            .map(Duration::from_secs),
    };
    Ok(Reply::Stream(watch(Arc::clone(shared), request)))
}

fn create(store: &mut Store, call: &Call<'_>) -> Result<Reply, ApiError> {
    let body = patch::parse_body(&call.body, None)?;
    let writer = writer(call, Operation::Update);
    let object = store.create(
        &call.route.resource,
        call.route.namespace.as_deref(),
        body,
        &writer,
    )?;
    Ok(Reply::Object {
        status: StatusCode::CREATED,
        body: object,
        changed: true,
    })
}

fn replace(store: &mut Store, key: &ObjectKey, call: &Call<'_>) -> Result<Reply, ApiError> {
    let body = patch::parse_body(&call.body, None)?;
    check_name(&body, key)?;
    let existing = store.get(key)?;
    match body["metadata"]["resourceVersion"].as_str() {
        None | Some("") => {
            return Err(ApiError::invalid(format!(
                "{} \"{}\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
                key.resource.plural, key.name
            )));
        }
        Some(rv) => check_resource_version(existing, rv, key)?,
    }
    let written = store.update(key, body, &writer(call, Operation::Update))?;
    Ok(Reply::Object {
        status: StatusCode::OK,
        body: written.object,
        changed: written.changed,
    })
}

fn patch(store: &mut Store, key: &ObjectKey, call: &Call<'_>) -> Result<Reply, ApiError> {
    let kind = PatchKind::from_content_type(call.content_type)?;
    let body = patch::parse_body(&call.body, Some(kind))?;
    if kind == PatchKind::Apply {
        return apply(store, key, call, &body);
    }
    let existing = store.get(key)?;
    if let Some(rv) = body["metadata"]["resourceVersion"].as_str() {
        check_resource_version(existing, rv, key)?;
    }
    let candidate = patch::patch(existing, kind, &body)?;
    let written = store.update(key, candidate, &writer(call, Operation::Update))?;
    Ok(Reply::Object {
        status: StatusCode::OK,
        body: written.object,
        changed: written.changed,
    })
}

fn apply(
    store: &mut Store,
    key: &ObjectKey,
    call: &Call<'_>,
    applied: &Value,
) -> Result<Reply, ApiError> {
    let manager = call.query.get("fieldManager").ok_or_else(|| {
        ApiError::invalid("fieldManager: Required value: is required for apply patch")
    })?;
    check_name(applied, key)?;
    let force = call.query.flag("force");
    let subresource = call.route.subresource;
    let existing = match store.get(key) {
        Ok(existing) => existing.clone(),
        Err(not_found) if subresource == Subresource::Status => return Err(not_found),
        Err(_) => {
            let (object, fields) = patch::apply(&json!({}), applied, manager, force, subresource)?;
            let writer = writer(call, Operation::Apply { fields, force });
            let created = store.create(&key.resource, key.namespace.as_deref(), object, &writer)?;
            return Ok(Reply::Object {
                status: StatusCode::CREATED,
                body: created,
                changed: true,
            });
        }
    };
    let (candidate, fields) = patch::apply(&existing, applied, manager, force, subresource)?;
    let written = store.update(
        key,
        candidate,
        &writer(call, Operation::Apply { fields, force }),
    )?;
    Ok(Reply::Object {
        status: StatusCode::OK,
        body: written.object,
        changed: written.changed,
    })
}

fn delete_collection(store: &mut Store, call: &Call<'_>) -> Result<Value, ApiError> {
    let labels = LabelSelector::parse(call.query.get("labelSelector"))?;
    let fields = FieldSelector::parse(call.query.get("fieldSelector"))?;
    let resource = &call.route.resource;
    let keys: Vec<ObjectKey> = store
        .list(resource, call.route.namespace.as_deref())
        .filter(|(_, object)| labels.matches(object) && fields.matches(object))
        .map(|(key, _)| key.clone())
        .collect();
    let items = keys
        .iter()
        .map(|key| store.delete(key, &DeleteOptions::default()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({
        "apiVersion": resource.api_version,
        "kind": format!("{}List", store.kind_of(resource).unwrap_or_default()),
        "metadata": { "resourceVersion": store.revision().to_string() },
        "items": items,
    }))
}

fn check_name(body: &Value, key: &ObjectKey) -> Result<(), ApiError> {
    match body["metadata"]["name"].as_str() {
        Some(name) if name != key.name => Err(ApiError::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            key.name
        ))),
        _ => Ok(()),
    }
}

fn check_resource_version(existing: &Value, rv: &str, key: &ObjectKey) -> Result<(), ApiError> {
    if existing["metadata"]["resourceVersion"] == rv {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
            key.resource.plural, key.name
        )))
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response<ResponseBody> {
    response(
        status,
        Full::new(Bytes::from(body.to_string())).boxed_unsync(),
    )
}

fn error_response(error: &ApiError) -> Response<ResponseBody> {
    json_response(error.code, &error.to_status())
}

fn response(status: StatusCode, body: ResponseBody) -> Response<ResponseBody> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
