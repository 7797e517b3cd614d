//! **Test double**: an in-memory Kubernetes API server for the operator's tests.
//!
//! No Kubernetes API server can run where these tests run, so this crate serves the API from
//! memory as a `tower::Service` handed to [`kube::Client::new`]. Typed `Api<K>` calls, kube-runtime
//! watchers and the real `Controller` work against it unchanged. It keeps objects as JSON keyed by
//! (apiVersion, plural, namespace, name) and maintains what controllers depend on:
//! `resourceVersion` (one global counter), `generation` (bumped by changes outside `metadata`
//! and, where a status subresource exists, `status`), `uid`, `creationTimestamp`, finalizers with
//! `deletionTimestamp`, owner-reference garbage collection, `/status`, and watches.
//!
//! It is not a full API server. Known approximations:
//! - discovery serves only custom resources' group versions (`/apis/{group}/{version}`), from the
//!   stored CustomResourceDefinitions; their objects are stored whether or not a CRD is;
//! - there is no schema validation, no defaulting and no admission; `dryRun` is
//!   ignored; a `PUT` never creates;
//! - every resource except a fixed list (ConfigMaps, Secrets, RBAC objects, Leases, …) is taken to
//!   have a status subresource, and `generation` is kept for every resource;
//! - strategic merge patches are JSON merge patches (lists are replaced, not merged by key);
//! - server-side apply merges the applied configuration like a merge patch, tracks each applier's
//!   leaf fields in `managedFields` (lists are atomic), removes fields an applier stops applying,
//!   and answers 409 for a changed field another applier owns unless `force` is set;
//! - garbage collection runs synchronously when the owner is removed (background propagation
//!   done at once); `Foreground` behaves like `Background`, and `Orphan` is honoured only for an
//!   object removed immediately;
//! - a watch filters events by the object's state in the event: an object that stops matching a
//!   label selector yields no DELETED event;
//! - list pagination (`limit`/`continue`) reads the current state per page, not one snapshot;
//! - the history of changes is kept whole, so a watch never answers 410 Gone.
//!
//! ```no_run
//! # async fn doc() {
//! let (_service, cluster) = kube_fake_api::FakeApi::new();
//! let client = cluster.client();
//! let _kubelet = cluster.run_kubelet();
//! # let _ = client;
//! # }
//! ```

mod discovery;
mod error;
mod kubelet;
mod patch;
mod routes;
mod selector;
mod service;
mod store;
mod watch;

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use serde_json::Value;

pub use kubelet::Kubelet;

use store::Store;

/// The body of every response the fake API server sends.
pub type ResponseBody = UnsyncBoxBody<Bytes, Infallible>;

/// The fake API server as a `tower::Service`; cheap to clone, every clone serves the same cluster.
#[derive(Debug, Clone)]
pub struct FakeApi {
    shared: Arc<Shared>,
}

/// A test's handle on the fake cluster: clients, inspection, the mutation log and the kubelet.
#[derive(Debug, Clone)]
pub struct Cluster {
    shared: Arc<Shared>,
}

/// One mutating request (POST, PUT, PATCH, DELETE) the fake API server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutation {
    /// The HTTP method: POST creates, PUT replaces, PATCH patches or applies, DELETE deletes.
    pub method: http::Method,
    /// The request path, without the query.
    pub path: String,
    /// The `fieldManager` query parameter, if any.
    pub field_manager: Option<String>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// Whether the request changed a stored object (a no-op apply or update does not).
    pub changed: bool,
}

/// A workload the simulated kubelet keeps unready: kind, namespace, name.
type WorkloadRef = (String, Option<String>, String);

#[derive(Debug)]
pub(crate) struct Shared {
    store: Mutex<Store>,
    /// The latest committed resourceVersion; watches and the kubelet wake on it.
    changes: tokio::sync::watch::Sender<u64>,
    mutations: Mutex<Vec<Mutation>>,
    unready: Mutex<HashSet<WorkloadRef>>,
}

/// A panic while a lock was held fails the test that caused it; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// Wakes watches and the kubelet if the store moved on.
    pub(crate) fn notify(&self) {
        let revision = self.store().revision();
        self.changes.send_if_modified(|seen| {
            let moved = *seen != revision;
            *seen = revision;
            moved
        });
    }
}

impl FakeApi {
    /// An empty cluster: the service to serve it, and the handle for the test.
    pub fn new() -> (Self, Cluster) {
        let shared = Arc::new(Shared {
            store: Mutex::default(),
            changes: tokio::sync::watch::Sender::new(0),
            mutations: Mutex::default(),
            unready: Mutex::default(),
        });
        (
            Self {
                shared: Arc::clone(&shared),
            },
            Cluster { shared },
        )
    }
}

impl Cluster {
    /// A client of this cluster whose default namespace is `default`.
    pub fn client(&self) -> kube::Client {
        kube::Client::new(
            FakeApi {
                shared: Arc::clone(&self.shared),
            },
            "default",
        )
    }

    /// The stored object of `kind` (e.g. `Deployment`) with this namespace and name.
    pub fn get_json(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        self.shared
            .store()
            .all()
            .find(|(key, object)| {
                object["kind"] == kind && key.namespace.as_deref() == namespace && key.name == name
            })
            .map(|(_, object)| object.clone())
    }

    /// Every stored object of `kind`, in all namespaces, ordered by namespace and name.
    pub fn list_json(&self, kind: &str) -> Vec<Value> {
        self.shared
            .store()
            .all()
            .filter(|(_, object)| object["kind"] == kind)
            .map(|(_, object)| object.clone())
            .collect()
    }

    /// How many objects of `kind` are stored.
    pub fn count(&self, kind: &str) -> usize {
        self.shared
            .store()
            .all()
            .filter(|(_, object)| object["kind"] == kind)
            .count()
    }

    /// The latest resourceVersion the cluster committed.
    pub fn resource_version(&self) -> u64 {
        self.shared.store().revision()
    }

    /// The mutating requests answered so far, oldest first.
    pub fn mutations(&self) -> Vec<Mutation> {
        lock(&self.shared.mutations).clone()
    }

    /// Forgets the mutation log, e.g. before the reconcile whose requests a test inspects.
    pub fn clear_mutations(&self) {
        lock(&self.shared.mutations).clear();
    }
}
