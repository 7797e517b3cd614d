//! Scripted API-server tests of one reconcile: a `tower_test` mock stands in for the API server,
//! and a verifier task asserts each request the reconciler makes, in order, and answers it.
//! Unlike the fake API server, nothing answers that the script does not expect, so a request
//! added, dropped or reordered fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use http::{Method, Request, Response, StatusCode};
use kube::client::Body;
use kube::runtime::controller::Action;
use orderflow_operator::OrderFlowPlatform;
use orderflow_operator::build::{
    BuildContext, DesiredObject, ExistingSecrets, ObjectKind, desired_objects, platform_selector,
};
use orderflow_operator::reconcile::{self, Context, Requeue};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_test::mock::{self, Handle, SendResponse};

const NAMESPACE: &str = "default";
const OPERATOR_NAMESPACE: &str = "orderflow-system";
const UID: &str = "5f0c4a8e-0000-4000-8000-000000000001";
/// Every test's time budget, the reconcile and the verifier together.
const BUDGET: Duration = Duration::from_secs(20);
const STATUS_PATH: &str =
    "/apis/orderflow.io/v1alpha1/namespaces/default/orderflowplatforms/shop/status";
const EVENTS_PATH: &str = "/apis/events.k8s.io/v1/namespaces/default/events";
const SERVICE_MONITORS_PATH: &str =
    "/apis/monitoring.coreos.com/v1/namespaces/default/servicemonitors";

type ApiHandle = Handle<Request<Body>, Response<Body>>;

/// One request as the verifier sees it.
#[derive(Debug)]
struct Call {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    content_type: Option<String>,
    body: Value,
}

impl Call {
    fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A server-side apply by the operator that takes every field it sets.
    fn assert_forced_apply(&self) {
        assert_eq!(self.method, Method::PATCH, "{} {}", self.method, self.path);
        assert_eq!(
            self.param("fieldManager"),
            Some("orderflow-operator"),
            "{}",
            self.path
        );
        assert_eq!(self.param("force"), Some("true"), "{}", self.path);
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/apply-patch+yaml"),
            "{}",
            self.path
        );
    }
}

/// The API server's side of the script; answers Events itself and keeps them.
struct Verifier {
    handle: ApiHandle,
    events: Vec<Value>,
    /// Completes when the reconcile has returned: every request it made is in by then.
    reconciled: Option<oneshot::Receiver<()>>,
}

impl Verifier {
    /// The next request other than an Event, or `None` once every client is gone.
    async fn next(&mut self) -> Option<(Call, SendResponse<Response<Body>>)> {
        loop {
            let (request, send) = self.handle.next_request().await?;
            let (parts, body) = request.into_parts();
            let bytes = body.collect_bytes().await.unwrap();
            let call = Call {
                method: parts.method,
                path: parts.uri.path().to_owned(),
                query: url::form_urlencoded::parse(
                    parts.uri.query().unwrap_or_default().as_bytes(),
                )
                .into_owned()
                .collect(),
                content_type: parts
                    .headers
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                body: if bytes.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_slice(&bytes).unwrap()
                },
            };
            if call.method == Method::POST && call.path == EVENTS_PATH {
                reply(send, StatusCode::CREATED, &call.body);
                self.events.push(call.body);
                continue;
            }
            return Some((call, send));
        }
    }

    async fn expect(&mut self, what: &str) -> (Call, SendResponse<Response<Body>>) {
        self.next()
            .await
            .unwrap_or_else(|| panic!("expected {what}, but the reconciler made no request"))
    }

    /// Answers the status patch with the platform carrying the applied status, and returns it.
    async fn expect_status_patch(&mut self, platform: &OrderFlowPlatform) -> Value {
        let (call, send) = self.expect("the status patch").await;
        assert_eq!(call.path, STATUS_PATH, "{} {}", call.method, call.path);
        call.assert_forced_apply();
        let mut stored = serde_json::to_value(platform).unwrap();
        stored["status"] = call.body["status"].clone();
        reply(send, StatusCode::OK, &stored);
        call.body["status"].clone()
    }

    /// Asserts that the reconciler made no further request before it returned.
    async fn expect_no_more(&mut self) {
        let reconciled = self.reconciled.take().expect("asked once");
        let before = tokio::select! {
            next = self.next() => Some(next),
            _ = reconciled => None,
        };
        // A reconcile that returned has every request answered: one still queued is extra.
        let unexpected = match before {
            Some(next) => next,
            None => self.next().now_or_never().flatten(),
        }
        .map(|(call, _)| call);
        if let Some(call) = unexpected {
            panic!(
                "unexpected request: {} {} {}",
                call.method, call.path, call.body
            );
        }
    }

    fn event_reasons(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|e| e["reason"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

fn reply(send: SendResponse<Response<Body>>, status: StatusCode, body: &Value) {
    let response = Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap();
    send.send_response(response);
}

fn failure(send: SendResponse<Response<Body>>, status: StatusCode, reason: &str) {
    let body = json!({
        "apiVersion": "v1",
        "kind": "Status",
        "metadata": {},
        "status": "Failure",
        "message": format!("scripted {reason}"),
        "reason": reason,
        "code": status.as_u16(),
    });
    reply(send, status, &body);
}

fn empty_list() -> Value {
    json!({ "apiVersion": "v1", "kind": "List", "metadata": { "resourceVersion": "1" }, "items": [] })
}

fn platform(spec: Value) -> OrderFlowPlatform {
    serde_json::from_value(json!({
        "apiVersion": "orderflow.io/v1alpha1",
        "kind": "OrderFlowPlatform",
        "metadata": {
            "name": "shop",
            "namespace": NAMESPACE,
            "uid": UID,
            "generation": 3,
            "resourceVersion": "7",
        },
        "spec": spec,
    }))
    .unwrap()
}

fn requeue() -> Requeue {
    Requeue {
        error_base: Duration::from_millis(100),
        ..Requeue::default()
    }
}

/// A reconcile of `platform` against a mock API server, with its verifier.
struct Script {
    context: Arc<Context>,
    handle: ApiHandle,
}

impl Script {
    fn new() -> Self {
        let (service, handle) = mock::pair::<Request<Body>, Response<Body>>();
        let client = kube::Client::new(service, NAMESPACE);
        Self {
            context: Arc::new(Context::new(client, OPERATOR_NAMESPACE, requeue())),
            handle,
        }
    }

    /// Runs one reconcile while `script` plays the API server, within the time budget.
    async fn run<S, F>(
        self,
        platform: &OrderFlowPlatform,
        script: S,
    ) -> (Result<Action, reconcile::Error>, Verifier)
    where
        S: FnOnce(Verifier) -> F,
        F: Future<Output = Verifier> + Send + 'static,
    {
        let (done, reconciled) = oneshot::channel();
        let verifier = Verifier {
            handle: self.handle,
            events: Vec::new(),
            reconciled: Some(reconciled),
        };
        let verifier: JoinHandle<Verifier> = tokio::spawn(script(verifier));
        let platform = Arc::new(platform.clone());
        tokio::time::timeout(BUDGET, async {
            let result = reconcile::reconcile(platform, self.context).await;
            let _ = done.send(());
            (result, verifier.await.expect("the script holds"))
        })
        .await
        .expect("the reconcile and its script finish within the budget")
    }
}

fn condition<'a>(status: &'a Value, type_: &str) -> &'a Value {
    status["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == type_))
        .unwrap_or_else(|| panic!("no {type_} condition in {status}"))
}

#[tokio::test]
async fn a_paused_platform_gets_one_status_patch_and_nothing_else() {
    let platform = platform(json!({ "version": "0.1.0", "paused": true }));
    let stored = platform.clone();
    let (result, verifier) = Script::new()
        .run(&platform, |mut verifier| async move {
            let status = verifier.expect_status_patch(&stored).await;
            assert_eq!(status["phase"], "Paused");
            assert_eq!(status["observedGeneration"], 3);
            assert_eq!(condition(&status, "Paused")["status"], "True");
            verifier.expect_no_more().await;
            verifier
        })
        .await;
    assert_eq!(result.unwrap(), Action::requeue(Requeue::default().blocked));
    assert_eq!(verifier.event_reasons(), vec!["Paused"]);
}

#[tokio::test]
async fn an_invalid_spec_is_degraded_naming_the_field_and_nothing_is_applied() {
    let platform = platform(json!({ "version": "" }));
    let stored = platform.clone();
    let (result, verifier) = Script::new()
        .run(&platform, |mut verifier| async move {
            let status = verifier.expect_status_patch(&stored).await;
            assert_eq!(status["phase"], "Degraded");
            let degraded = condition(&status, "Degraded");
            assert_eq!(degraded["status"], "True");
            assert!(
                degraded["message"]
                    .as_str()
                    .unwrap()
                    .contains("spec.version"),
                "{degraded}"
            );
            assert_eq!(condition(&status, "Ready")["status"], "False");
            verifier.expect_no_more().await;
            verifier
        })
        .await;
    assert_eq!(result.unwrap(), Action::requeue(Requeue::default().blocked));
    assert_eq!(verifier.event_reasons(), vec!["InvalidSpec"]);
}

/// The API path of a desired object, or of its collection when `name` is `None`.
fn path(kind: ObjectKind, name: Option<&str>) -> String {
    let (prefix, plural) = match kind {
        ObjectKind::Secret => ("/api/v1", "secrets"),
        ObjectKind::ConfigMap => ("/api/v1", "configmaps"),
        ObjectKind::Service => ("/api/v1", "services"),
        ObjectKind::NetworkPolicy => ("/apis/networking.k8s.io/v1", "networkpolicies"),
        ObjectKind::Ingress => ("/apis/networking.k8s.io/v1", "ingresses"),
        ObjectKind::StatefulSet => ("/apis/apps/v1", "statefulsets"),
        ObjectKind::Deployment => ("/apis/apps/v1", "deployments"),
        ObjectKind::HorizontalPodAutoscaler => ("/apis/autoscaling/v2", "horizontalpodautoscalers"),
        ObjectKind::PodDisruptionBudget => ("/apis/policy/v1", "poddisruptionbudgets"),
    };
    let collection = format!("{prefix}/namespaces/{NAMESPACE}/{plural}");
    name.map_or(collection.clone(), |name| format!("{collection}/{name}"))
}

/// The objects the reconciler is to apply, in its order, as the builder yields them.
fn expected_objects(platform: &OrderFlowPlatform) -> Vec<(ObjectKind, String)> {
    let context = BuildContext {
        operator_namespace: OPERATOR_NAMESPACE,
        existing_secrets: &ExistingSecrets::default(),
    };
    desired_objects(platform, &context, &mut || "token".to_owned())
        .unwrap()
        .iter()
        .map(|object: &DesiredObject| (object.kind(), object.name().to_owned()))
        .collect()
}

/// Answers the apply of every `expected` object, in order, checking each is a forced apply owned
/// by the platform; returns the Deployments the reconciler held back (it only reads those).
async fn answer_applies(verifier: &mut Verifier, expected: &[(ObjectKind, String)]) -> Vec<String> {
    let mut held = Vec::new();
    for (kind, name) in expected {
        let (call, send) = verifier.expect(&format!("{kind:?} {name}")).await;
        assert_eq!(call.path, path(*kind, Some(name)), "apply order");
        if call.method == Method::GET {
            // A service's Deployment waits for its unready database and Kafka; the
            // reconciler only reads what exists.
            assert_eq!(*kind, ObjectKind::Deployment, "only Deployments are held");
            failure(send, StatusCode::NOT_FOUND, "NotFound");
            held.push(name.clone());
            continue;
        }
        call.assert_forced_apply();
        let owners = call.body["metadata"]["ownerReferences"].as_array().unwrap();
        assert_eq!(owners.len(), 1, "{name}");
        assert_eq!(owners[0]["kind"], "OrderFlowPlatform");
        assert_eq!(owners[0]["name"], "shop");
        assert_eq!(owners[0]["uid"], UID);
        assert_eq!(owners[0]["controller"], true);
        assert_eq!(call.body["metadata"]["namespace"], NAMESPACE, "{name}");
        // Echoed without status: every workload reads as not ready yet.
        reply(send, StatusCode::OK, &call.body);
    }
    held
}

#[tokio::test]
async fn a_valid_platform_lists_secrets_applies_owned_objects_in_order_prunes_and_reports() {
    let platform = platform(json!({ "version": "0.1.0" }));
    let stored = platform.clone();
    let expected = expected_objects(&platform);
    assert!(expected.len() > 10, "the minimal platform has many objects");
    let (result, verifier) = Script::new()
        .run(&platform, |mut verifier| async move {
            let selector = platform_selector("shop");
            let (list, send) = verifier.expect("the list of existing Secrets").await;
            assert_eq!(
                (&list.method, list.path.as_str()),
                (&Method::GET, path(ObjectKind::Secret, None).as_str())
            );
            assert_eq!(list.param("labelSelector"), Some(selector.as_str()));
            reply(send, StatusCode::OK, &empty_list());

            let held = answer_applies(&mut verifier, &expected).await;
            assert!(held.contains(&"shop-order".to_owned()), "held: {held:?}");
            assert!(
                !held.contains(&"shop-gateway".to_owned()),
                "the gateway waits for nothing"
            );

            // Then only reads until the status: the orphan lists, one per owned kind.
            let mut listed = BTreeSet::new();
            let status = loop {
                let (call, send) = verifier.expect("the orphan lists, then the status").await;
                if call.path == STATUS_PATH {
                    call.assert_forced_apply();
                    let mut stored = serde_json::to_value(&stored).unwrap();
                    stored["status"] = call.body["status"].clone();
                    reply(send, StatusCode::OK, &stored);
                    break call.body["status"].clone();
                }
                assert_eq!(
                    call.method,
                    Method::GET,
                    "no write before the status: {}",
                    call.path
                );
                assert_eq!(
                    call.param("labelSelector"),
                    Some(selector.as_str()),
                    "{}",
                    call.path
                );
                listed.insert(call.path.clone());
                if call.path == SERVICE_MONITORS_PATH {
                    // No ServiceMonitor CRD in this cluster: pruning finds none, not an error.
                    failure(send, StatusCode::NOT_FOUND, "NotFound");
                } else {
                    reply(send, StatusCode::OK, &empty_list());
                }
            };
            let every_kind: BTreeSet<String> = ObjectKind::ALL
                .iter()
                .map(|kind| path(*kind, None))
                .chain([SERVICE_MONITORS_PATH.to_owned()])
                .collect();
            assert_eq!(
                listed, every_kind,
                "orphans are looked for in every owned kind, ServiceMonitors included"
            );
            assert_eq!(status["phase"], "Progressing");
            let progressing = condition(&status, "Progressing");
            assert_eq!(progressing["status"], "True");
            assert!(
                progressing["message"]
                    .as_str()
                    .unwrap()
                    .contains("postgres-order"),
                "{progressing}"
            );
            assert_eq!(condition(&status, "Degraded")["status"], "False");
            verifier.expect_no_more().await;
            verifier
        })
        .await;
    assert_eq!(
        result.unwrap(),
        Action::requeue(Requeue::default().progressing)
    );
    assert!(verifier.events.is_empty(), "no condition became true");
}

/// Answers the list of existing Secrets with `status`, and expects nothing after it.
async fn failing_reconcile(status: StatusCode, reason: &'static str) -> reconcile::Error {
    let platform = platform(json!({ "version": "0.1.0" }));
    let script = Script::new();
    let context = Arc::clone(&script.context);
    let (result, verifier) = script
        .run(&platform, move |mut verifier| async move {
            let (list, send) = verifier.expect("the list of existing Secrets").await;
            assert_eq!(list.path, path(ObjectKind::Secret, None));
            failure(send, status, reason);
            verifier.expect_no_more().await;
            verifier
        })
        .await;
    let error = result.expect_err("the reconcile fails on the API error");
    assert!(verifier.events.is_empty());
    // The backoff doubles on the second failure in a row.
    let platform = Arc::new(platform);
    let base = requeue().error_base;
    assert_eq!(
        reconcile::error_policy(Arc::clone(&platform), &error, Arc::clone(&context)),
        Action::requeue(base)
    );
    assert_eq!(
        reconcile::error_policy(platform, &error, context),
        Action::requeue(base * 2)
    );
    error
}

#[tokio::test]
async fn an_api_error_fails_the_reconcile_and_backs_off_doubling() {
    let error = failing_reconcile(StatusCode::INTERNAL_SERVER_ERROR, "InternalError").await;
    let chain = reconcile::error_chain(&error);
    assert!(chain.starts_with("cannot list Secret shop"), "{chain}");
    assert!(chain.contains("scripted InternalError"), "{chain}");
}

#[tokio::test]
async fn a_forbidden_list_fails_the_reconcile_without_a_status_write() {
    let error = failing_reconcile(StatusCode::FORBIDDEN, "Forbidden").await;
    match error {
        reconcile::Error::Api {
            source: kube::Error::Api(status),
            ..
        } => assert_eq!(status.code, 403),
        other => panic!("expected a 403 from the API, got {other:?}"),
    }
}

const DISCOVERY_PATH: &str = "/apis/monitoring.coreos.com/v1";

fn monitored() -> OrderFlowPlatform {
    platform(json!({ "version": "0.1.0", "observability": { "serviceMonitor": true } }))
}

/// Plays the reconcile of `platform` up to the orphan lists: the Secrets list, then the applies.
async fn answer_until_pruning(verifier: &mut Verifier, platform: &OrderFlowPlatform) {
    let (list, send) = verifier.expect("the list of existing Secrets").await;
    assert_eq!(list.path, path(ObjectKind::Secret, None));
    reply(send, StatusCode::OK, &empty_list());
    answer_applies(verifier, &expected_objects(platform)).await;
    for kind in ObjectKind::ALL.iter().rev() {
        let (call, send) = verifier.expect(&format!("the {kind:?} orphan list")).await;
        assert_eq!(
            (&call.method, call.path.as_str()),
            (&Method::GET, path(*kind, None).as_str())
        );
        reply(send, StatusCode::OK, &empty_list());
    }
}

#[tokio::test]
async fn asked_for_service_monitors_without_their_crd_are_reported_and_not_applied() {
    let platform = monitored();
    let stored = platform.clone();
    let (result, verifier) = Script::new()
        .run(&platform, |mut verifier| async move {
            answer_until_pruning(&mut verifier, &stored).await;
            let (discovery, send) = verifier.expect("the ServiceMonitor discovery").await;
            assert_eq!(
                (&discovery.method, discovery.path.as_str()),
                (&Method::GET, DISCOVERY_PATH)
            );
            failure(send, StatusCode::NOT_FOUND, "NotFound");
            // Neither an apply nor a list of a kind the API server does not serve.
            let status = verifier.expect_status_patch(&stored).await;
            let degraded = condition(&status, "Degraded");
            assert_eq!(degraded["status"], "True");
            assert_eq!(degraded["reason"], "ServiceMonitorCrdMissing");
            verifier.expect_no_more().await;
            verifier
        })
        .await;
    assert_eq!(
        result.unwrap(),
        Action::requeue(Requeue::default().progressing)
    );
    assert_eq!(verifier.event_reasons(), vec!["ServiceMonitorCrdMissing"]);
    assert_eq!(verifier.events[0]["type"], "Warning");
}

#[tokio::test]
async fn served_service_monitors_are_applied_for_every_service_then_pruned() {
    let platform = monitored();
    let stored = platform.clone();
    let (result, verifier) = Script::new()
        .run(&platform, |mut verifier| async move {
            answer_until_pruning(&mut verifier, &stored).await;
            let (discovery, send) = verifier.expect("the ServiceMonitor discovery").await;
            assert_eq!(discovery.path, DISCOVERY_PATH);
            reply(
                send,
                StatusCode::OK,
                &json!({
                    "kind": "APIResourceList",
                    "apiVersion": "v1",
                    "groupVersion": "monitoring.coreos.com/v1",
                    "resources": [{
                        "name": "servicemonitors",
                        "singularName": "servicemonitor",
                        "namespaced": true,
                        "kind": "ServiceMonitor",
                        "verbs": ["get", "list", "watch", "create", "patch", "delete"],
                    }],
                }),
            );
            for service in [
                "customer",
                "order",
                "payment",
                "inventory",
                "notification",
                "gateway",
            ] {
                let (call, send) = verifier
                    .expect(&format!("the {service} ServiceMonitor"))
                    .await;
                assert_eq!(call.path, format!("{SERVICE_MONITORS_PATH}/shop-{service}"));
                call.assert_forced_apply();
                assert_eq!(call.body["kind"], "ServiceMonitor");
                assert_eq!(call.body["metadata"]["ownerReferences"][0]["uid"], UID);
                assert_eq!(
                    call.body["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"],
                    service
                );
                reply(send, StatusCode::OK, &call.body);
            }
            let (list, send) = verifier.expect("the ServiceMonitor orphan list").await;
            assert_eq!(
                (&list.method, list.path.as_str()),
                (&Method::GET, SERVICE_MONITORS_PATH)
            );
            assert_eq!(
                list.param("labelSelector"),
                Some(platform_selector("shop").as_str())
            );
            let orphan = json!({
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "ServiceMonitor",
                "metadata": { "name": "shop-legacy", "namespace": NAMESPACE },
            });
            let mut kept = orphan.clone();
            kept["metadata"]["name"] = json!("shop-order");
            reply(
                send,
                StatusCode::OK,
                &json!({
                    "apiVersion": "monitoring.coreos.com/v1",
                    "kind": "ServiceMonitorList",
                    "metadata": { "resourceVersion": "9" },
                    "items": [kept, orphan.clone()],
                }),
            );
            let (delete, send) = verifier.expect("the orphan's deletion").await;
            assert_eq!(
                (&delete.method, delete.path.as_str()),
                (
                    &Method::DELETE,
                    format!("{SERVICE_MONITORS_PATH}/shop-legacy").as_str()
                )
            );
            reply(send, StatusCode::OK, &orphan);
            let status = verifier.expect_status_patch(&stored).await;
            assert_eq!(condition(&status, "Degraded")["status"], "False");
            verifier.expect_no_more().await;
            verifier
        })
        .await;
    assert_eq!(
        result.unwrap(),
        Action::requeue(Requeue::default().progressing)
    );
    assert!(verifier.events.is_empty(), "{:?}", verifier.event_reasons());
}
