//! Watches: newline-delimited `WatchEvent`s, replayed from the store's history after the
//! requested resourceVersion and then streamed live, until `timeoutSeconds` or the client leaves.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::ResponseBody;
use crate::Shared;
use crate::routes::Resource;
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{EventType, Store};

/// What a watch request asks for.
#[derive(Debug)]
pub(crate) struct WatchRequest {
    pub resource: Resource,
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    /// Events after this resourceVersion; `None` (absent or `0`) starts with the current objects
    /// as synthetic ADDED events, as the real API server does.
    pub since: Option<u64>,
    pub bookmarks: bool,
    /// `sendInitialEvents=true`: end the synthetic ADDED events with the
    /// `k8s.io/initial-events-end` bookmark.
    pub send_initial_events: bool,
    pub timeout: Option<Duration>,
}

impl WatchRequest {
    fn matches(&self, resource: &Resource, object: &Value) -> bool {
        *resource == self.resource
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| object["metadata"]["namespace"] == ns)
            && self.labels.matches(object)
            && self.fields.matches(object)
    }

    fn bookmark(&self, store: &Store, revision: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({ "resourceVersion": revision.to_string() });
        if initial_events_end {
            metadata["annotations"] = json!({ "k8s.io/initial-events-end": "true" });
        }
        line(
            "BOOKMARK",
            &json!({
                "apiVersion": self.resource.api_version,
                "kind": store.kind_of(&self.resource).unwrap_or_default(),
                "metadata": metadata,
            }),
        )
    }
}

struct State {
    shared: Arc<Shared>,
    request: WatchRequest,
    changes: tokio::sync::watch::Receiver<u64>,
    cursor: u64,
    pending: VecDeque<Bytes>,
    deadline: Option<Instant>,
    done: bool,
}

/// Starts a watch; the returned body streams until the timeout or until it is dropped.
pub(crate) fn watch(shared: Arc<Shared>, request: WatchRequest) -> ResponseBody {
    let changes = shared.changes.subscribe();
    let mut pending = VecDeque::new();
    let cursor = {
        let store = shared.store();
        if request.since.is_none() {
            let resource = request.resource.clone();
            for (_, object) in store.list(&resource, request.namespace.as_deref()) {
                if request.matches(&resource, object) {
                    pending.push_back(line(EventType::Added.as_str(), object));
                }
            }
            if request.send_initial_events {
                pending.push_back(request.bookmark(&store, store.revision(), true));
            }
        }
        request.since.unwrap_or_else(|| store.revision())
    };
    let state = State {
        deadline: request.timeout.map(|t| Instant::now() + t),
        shared,
        request,
        changes,
        cursor,
        pending,
        done: false,
    };
    let stream = futures::stream::unfold(state, next_line);
    StreamBody::new(stream.map(|bytes| Ok::<_, Infallible>(Frame::data(bytes)))).boxed_unsync()
}

async fn next_line(mut state: State) -> Option<(Bytes, State)> {
    loop {
        if let Some(line) = state.pending.pop_front() {
            return Some((line, state));
        }
        if state.done {
            return None;
        }
        state.changes.borrow_and_update();
        {
            let store = state.shared.store();
            for change in store.changes_since(state.cursor) {
                if state.request.matches(&change.resource, &change.object) {
                    state
                        .pending
                        .push_back(line(change.event.as_str(), &change.object));
                }
            }
            state.cursor = state.cursor.max(store.revision());
        }
        if !state.pending.is_empty() {
            continue;
        }
        let deadline = state.deadline;
        let timed_out = async move {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = state.changes.changed() => state.done = changed.is_err(),
            () = timed_out => {
                if state.request.bookmarks {
                    let store = state.shared.store();
                    let bookmark = state.request.bookmark(&store, state.cursor, false);
                    drop(store);
                    state.pending.push_back(bookmark);
                }
                state.done = true;
            }
        }
    }
}

fn line(event: &str, object: &Value) -> Bytes {
    let mut text = json!({ "type": event, "object": object }).to_string();
    text.push('\n');
    Bytes::from(text)
}
