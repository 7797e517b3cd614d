//! Watches through kube-runtime's watcher (list then watch, and streaming lists) and raw watches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{Stream, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::ResourceExt;
use kube::api::{
    Api, DeleteParams, ObjectMeta, PartialObjectMeta, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::runtime::watcher::{self, Event};
use kube_fake_api::FakeApi;
use serde_json::json;

fn config_map(name: &str, app: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(BTreeMap::from([("app".to_owned(), app.to_owned())])),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

/// The next event, as a short description, failing the test if none comes in time.
async fn next<S>(events: &mut S) -> String
where
    S: Stream<Item = Result<Event<ConfigMap>, watcher::Error>> + Unpin,
{
    let event = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("an event in time")
        .expect("an open stream")
        .expect("no watch error");
    let data = |cm: &ConfigMap| {
        cm.data
            .as_ref()
            .map(|d| d.values().cloned().collect::<String>())
            .unwrap_or_default()
    };
    match event {
        Event::Init => "init".into(),
        Event::InitApply(cm) => format!("init-apply {}", cm.name_any()),
        Event::InitDone => "init-done".into(),
        Event::Apply(cm) => format!("apply {} {}", cm.name_any(), data(&cm)),
        Event::Delete(cm) => format!("delete {}", cm.name_any()),
    }
}

async fn observes_create_update_delete(config: watcher::Config) {
    let (_, cluster) = FakeApi::new();
    let api: Api<ConfigMap> = Api::default_namespaced(cluster.client());
    api.create(&PostParams::default(), &config_map("before", "web"))
        .await
        .unwrap();
    let mut events = watcher::watcher(api.clone(), config).boxed();
    assert_eq!(next(&mut events).await, "init");
    assert_eq!(next(&mut events).await, "init-apply before");
    assert_eq!(next(&mut events).await, "init-done");

    api.create(&PostParams::default(), &config_map("new", "web"))
        .await
        .unwrap();
    assert_eq!(next(&mut events).await, "apply new ");
    api.patch(
        "new",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "v1"}})),
    )
    .await
    .unwrap();
    assert_eq!(next(&mut events).await, "apply new v1");
    api.delete("new", &DeleteParams::default()).await.unwrap();
    assert_eq!(next(&mut events).await, "delete new");
}

#[tokio::test]
async fn watcher_lists_then_watches() {
    observes_create_update_delete(watcher::Config::default()).await;
}

#[tokio::test]
async fn watcher_with_streaming_list_gets_the_initial_events_bookmark() {
    observes_create_update_delete(watcher::Config::default().streaming_lists()).await;
}

#[tokio::test]
async fn watcher_across_namespaces_with_a_label_selector() {
    let (_, cluster) = FakeApi::new();
    let client = cluster.client();
    let everywhere: Api<ConfigMap> = Api::all(client.clone());
    let mut events =
        watcher::watcher(everywhere, watcher::Config::default().labels("app=web")).boxed();
    assert_eq!(next(&mut events).await, "init");
    assert_eq!(next(&mut events).await, "init-done");
    for (ns, name, app) in [("a", "skipped", "db"), ("b", "seen", "web")] {
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        api.create(&PostParams::default(), &config_map(name, app))
            .await
            .unwrap();
    }
    assert_eq!(next(&mut events).await, "apply seen ");
}

#[tokio::test]
async fn raw_watch_replays_from_a_resource_version_and_ends_at_its_timeout() {
    let (_, cluster) = FakeApi::new();
    let api: Api<ConfigMap> = Api::default_namespaced(cluster.client());
    for (name, app) in [("a", "web"), ("b", "db")] {
        api.create(&PostParams::default(), &config_map(name, app))
            .await
            .unwrap();
    }
    let after_creation = cluster.resource_version().to_string();
    for name in ["a", "b"] {
        api.patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"k": "v"}})),
        )
        .await
        .unwrap();
    }
    let describe = |event: WatchEvent<ConfigMap>| match event {
        WatchEvent::Added(cm) => format!("added {}", cm.name_any()),
        WatchEvent::Modified(cm) => format!("modified {}", cm.name_any()),
        WatchEvent::Deleted(cm) => format!("deleted {}", cm.name_any()),
        WatchEvent::Bookmark(b) => format!("bookmark {}", b.metadata.resource_version),
        WatchEvent::Error(e) => format!("error {e:?}"),
    };
    let wp = WatchParams::default().labels("app=web").timeout(1);
    let collect = |version: String| {
        let (api, wp) = (api.clone(), wp.clone());
        async move {
            let stream = api.watch(&wp, &version).await.unwrap();
            tokio::time::timeout(
                Duration::from_secs(10),
                stream.map_ok(describe).try_collect::<Vec<_>>(),
            )
            .await
            .expect("the watch ends at its timeout")
            .unwrap()
        }
    };
    let latest = cluster.resource_version();
    assert_eq!(
        collect(after_creation).await,
        ["modified a".to_owned(), format!("bookmark {latest}")]
    );
    assert_eq!(
        collect("0".into()).await,
        ["added a".to_owned(), format!("bookmark {latest}")]
    );
}

#[tokio::test]
async fn metadata_watcher_sees_changes() {
    let (_, cluster) = FakeApi::new();
    let api: Api<ConfigMap> = Api::default_namespaced(cluster.client());
    let metadata: Api<PartialObjectMeta<ConfigMap>> = Api::default_namespaced(cluster.client());
    let mut events = watcher::watcher(metadata, watcher::Config::default()).boxed();
    let mut describe = async || {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event in time")
            .expect("an open stream")
            .expect("no watch error");
        match event {
            Event::Apply(meta) => format!("apply {}", meta.name_any()),
            Event::Delete(meta) => format!("delete {}", meta.name_any()),
            _ => "init".into(),
        }
    };
    assert_eq!(describe().await, "init");
    assert_eq!(describe().await, "init");
    api.create(&PostParams::default(), &config_map("cm", "web"))
        .await
        .unwrap();
    assert_eq!(describe().await, "apply cm");
    api.delete("cm", &DeleteParams::default()).await.unwrap();
    assert_eq!(describe().await, "delete cm");
}
