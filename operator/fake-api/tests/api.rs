//! The fake API server driven through a real `kube::Client` and typed `Api`s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::{Widget, WidgetStatus, api_error, widget};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::{Resource, ResourceExt};
use kube_fake_api::FakeApi;
use serde_json::json;

fn config_map(name: &str, labels: &[(&str, &str)], data: &[(&str, &str)]) -> ConfigMap {
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>()
    };
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(map(labels)),
            ..ObjectMeta::default()
        },
        data: Some(map(data)),
        ..ConfigMap::default()
    }
}

fn deployment(name: &str, replicas: i32) -> Deployment {
    Deployment {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        spec: DeploymentSpec {
            replicas: Some(replicas),
            ..DeploymentSpec::default()
        },
        ..Deployment::default()
    }
}

fn rv(object: &impl Resource) -> u64 {
    object.resource_version().unwrap().parse().unwrap()
}

#[tokio::test]
async fn create_get_list_and_errors_shaped_like_kubernetes() {
    let (_, cluster) = FakeApi::new();
    let client = cluster.client();
    let team_a: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    let team_b: Api<ConfigMap> = Api::namespaced(client.clone(), "team-b");

    let created = team_a
        .create(
            &PostParams::default(),
            &config_map("settings", &[], &[("k", "v")]),
        )
        .await
        .unwrap();
    assert!(created.uid().is_some());
    assert!(created.creation_timestamp().is_some());
    assert_eq!(created.namespace().as_deref(), Some("team-a"));
    team_b
        .create(&PostParams::default(), &config_map("settings", &[], &[]))
        .await
        .unwrap();
    let later = team_b
        .create(&PostParams::default(), &config_map("other", &[], &[]))
        .await
        .unwrap();
    assert!(
        rv(&later) > rv(&created),
        "resourceVersion is one global counter"
    );

    let fetched = team_a.get("settings").await.unwrap();
    assert_eq!(fetched.data.unwrap()["k"], "v");
    assert_eq!(
        api_error(
            team_a
                .create(&PostParams::default(), &config_map("settings", &[], &[]))
                .await
        ),
        ("AlreadyExists".to_owned(), 409)
    );
    assert_eq!(
        api_error(team_a.get("missing").await),
        ("NotFound".to_owned(), 404)
    );
    assert!(team_a.get_opt("missing").await.unwrap().is_none());

    assert_eq!(
        team_a
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let everywhere: Api<ConfigMap> = Api::all(client);
    let all = everywhere.list(&ListParams::default()).await.unwrap();
    assert_eq!(all.items.len(), 3);
    assert_eq!(
        all.metadata.resource_version,
        Some(cluster.resource_version().to_string())
    );
    assert_eq!(cluster.count("ConfigMap"), 3);
    assert_eq!(
        cluster
            .get_json("ConfigMap", Some("team-b"), "other")
            .unwrap()["metadata"]["name"],
        "other"
    );
}

#[tokio::test]
async fn list_pages_with_limit_and_continue() {
    let (_, cluster) = FakeApi::new();
    let api: Api<ConfigMap> = Api::default_namespaced(cluster.client());
    for i in 0..5 {
        api.create(
            &PostParams::default(),
            &config_map(&format!("cm-{i}"), &[], &[]),
        )
        .await
        .unwrap();
    }
    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let token = first.metadata.continue_.unwrap();
    let second = api
        .list(&ListParams::default().limit(3).continue_token(&token))
        .await
        .unwrap();
    let names: Vec<_> = second.items.iter().map(ResourceExt::name_any).collect();
    assert_eq!(names, ["cm-2", "cm-3", "cm-4"]);
    assert!(second.metadata.continue_.is_none());
}

#[tokio::test]
async fn label_and_field_selectors_filter_lists() {
    let (_, cluster) = FakeApi::new();
    let api: Api<ConfigMap> = Api::default_namespaced(cluster.client());
    for (name, labels) in [
        ("a", vec![("app", "web"), ("tier", "front")]),
        ("b", vec![("app", "web"), ("tier", "back")]),
        ("c", vec![("app", "db")]),
    ] {
        api.create(&PostParams::default(), &config_map(name, &labels, &[]))
            .await
            .unwrap();
    }
    let names = |selector: &'static str, field: Option<&'static str>| {
        let api = api.clone();
        async move {
            let mut lp = ListParams::default().labels(selector);
            if let Some(field) = field {
                lp = lp.fields(field);
            }
            api.list(&lp)
                .await
                .unwrap()
                .items
                .iter()
                .map(ResourceExt::name_any)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names("app=web", None).await, ["a", "b"]);
    assert_eq!(names("app=web,tier!=front", None).await, ["b"]);
    assert_eq!(names("tier in (front,back)", None).await, ["a", "b"]);
    assert_eq!(names("app notin (web)", None).await, ["c"]);
    assert_eq!(names("!tier", None).await, ["c"]);
    assert_eq!(names("", Some("metadata.name=b")).await, ["b"]);
    assert_eq!(names("app=web", Some("metadata.name!=b")).await, ["a"]);
}

#[tokio::test]
async fn replace_needs_the_current_resource_version() {
    let (_, cluster) = FakeApi::new();
    let api: Api<ConfigMap> = Api::default_namespaced(cluster.client());
    let original = api
        .create(
            &PostParams::default(),
            &config_map("cm", &[], &[("k", "1")]),
        )
        .await
        .unwrap();

    let mut changed = original.clone();
    changed.data = Some(BTreeMap::from([("k".to_owned(), "2".to_owned())]));
    let replaced = api
        .replace("cm", &PostParams::default(), &changed)
        .await
        .unwrap();
    assert!(rv(&replaced) > rv(&original));
    assert_eq!(
        replaced.uid(),
        original.uid(),
        "system metadata survives a replace"
    );

    assert_eq!(
        api_error(api.replace("cm", &PostParams::default(), &changed).await),
        ("Conflict".to_owned(), 409)
    );
    let mut without_version = changed.clone();
    without_version.metadata.resource_version = None;
    assert_eq!(
        api_error(
            api.replace("cm", &PostParams::default(), &without_version)
                .await
        ),
        ("Invalid".to_owned(), 422)
    );
}

#[tokio::test]
async fn merge_json_and_strategic_patches() {
    let (_, cluster) = FakeApi::new();
    let api: Api<ConfigMap> = Api::default_namespaced(cluster.client());
    api.create(
        &PostParams::default(),
        &config_map("cm", &[], &[("a", "1"), ("b", "2")]),
    )
    .await
    .unwrap();
    let pp = PatchParams::default();

    let merged = api
        .patch(
            "cm",
            &pp,
            &Patch::Merge(json!({"data": {"a": null, "c": "3"}})),
        )
        .await
        .unwrap();
    assert_eq!(
        merged.data.unwrap(),
        BTreeMap::from([("b".into(), "2".into()), ("c".into(), "3".into())])
    );

    let ops: json_patch::Patch = serde_json::from_value(json!([
        {"op": "test", "path": "/data/b", "value": "2"},
        {"op": "replace", "path": "/data/b", "value": "20"}
    ]))
    .unwrap();
    let patched = api.patch("cm", &pp, &Patch::Json::<()>(ops)).await.unwrap();
    assert_eq!(patched.data.unwrap()["b"], "20");
    let failing: json_patch::Patch =
        serde_json::from_value(json!([{"op": "test", "path": "/data/b", "value": "2"}])).unwrap();
    assert_eq!(
        api_error(api.patch("cm", &pp, &Patch::Json::<()>(failing)).await).1,
        422
    );

    let strategic = api
        .patch(
            "cm",
            &pp,
            &Patch::Strategic(json!({"metadata": {"labels": {"x": "y"}}})),
        )
        .await
        .unwrap();
    assert_eq!(strategic.labels()["x"], "y");

    let stale = json!({"metadata": {"resourceVersion": "1"}, "data": {"a": "9"}});
    assert_eq!(
        api_error(api.patch("cm", &pp, &Patch::Merge(stale)).await),
        ("Conflict".into(), 409)
    );
    assert_eq!(
        api_error(api.patch("missing", &pp, &Patch::Merge(json!({}))).await).1,
        404
    );
}

#[tokio::test]
async fn server_side_apply_creates_updates_prunes_and_detects_conflicts() {
    let (_, cluster) = FakeApi::new();
    let api: Api<ConfigMap> = Api::default_namespaced(cluster.client());
    let operator = PatchParams::apply("operator").force();
    let applied = |data: serde_json::Value| {
        Patch::Apply(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": data}),
        )
    };

    let created = api
        .patch("cm", &operator, &applied(json!({"a": "1", "b": "2"})))
        .await
        .unwrap();
    assert_eq!(created.data.as_ref().unwrap().len(), 2);
    let managed = created.managed_fields();
    assert_eq!(managed[0].manager.as_deref(), Some("operator"));
    assert_eq!(managed[0].operation.as_deref(), Some("Apply"));

    // Another writer's field survives; the field the operator stops applying goes.
    api.patch(
        "cm",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"user": "x"}})),
    )
    .await
    .unwrap();
    let pruned = api
        .patch("cm", &operator, &applied(json!({"a": "1"})))
        .await
        .unwrap();
    assert_eq!(
        pruned.data.unwrap(),
        BTreeMap::from([("a".into(), "1".into()), ("user".into(), "x".into())])
    );

    // A second applier changing the operator's field conflicts unless it forces.
    let other = PatchParams::apply("someone-else");
    assert_eq!(
        api_error(api.patch("cm", &other, &applied(json!({"a": "2"}))).await),
        ("Conflict".into(), 409)
    );
    let forced = api
        .patch("cm", &other.force(), &applied(json!({"a": "2"})))
        .await
        .unwrap();
    assert_eq!(forced.data.unwrap()["a"], "2");

    // Applying the same configuration again changes nothing and is logged as such.
    let before = cluster.resource_version();
    cluster.clear_mutations();
    let again = api
        .patch(
            "cm",
            &PatchParams::apply("someone-else"),
            &applied(json!({"a": "2"})),
        )
        .await
        .unwrap();
    assert_eq!(rv(&again), before);
    let log = cluster.mutations();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].method, http::Method::PATCH);
    assert_eq!(log[0].path, "/api/v1/namespaces/default/configmaps/cm");
    assert_eq!(log[0].field_manager.as_deref(), Some("someone-else"));
    assert!(!log[0].changed);

    assert_eq!(
        api_error(
            api.patch("cm", &PatchParams::default(), &applied(json!({})))
                .await
        ),
        ("Invalid".into(), 422),
        "apply needs a field manager"
    );
}

/// As kube-lease-manager uses a Lease: claimed by apply without force, released by a strategic
/// merge patch that removes the holder, then claimed by another replica.
#[tokio::test]
async fn an_update_that_removes_an_applied_field_frees_it_for_other_appliers() {
    let (_, cluster) = FakeApi::new();
    let api: Api<Lease> = Api::default_namespaced(cluster.client());
    api.create(
        &PostParams::default(),
        &Lease {
            metadata: ObjectMeta {
                name: Some("lock".into()),
                ..ObjectMeta::default()
            },
            spec: None,
        },
    )
    .await
    .unwrap();
    let claim = |holder: &str| {
        Patch::Apply(json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "spec": { "holderIdentity": holder, "leaseDurationSeconds": 2 },
        }))
    };
    let (a, b) = (
        PatchParams::apply("replica-a"),
        PatchParams::apply("replica-b"),
    );
    api.patch("lock", &a, &claim("a")).await.unwrap();
    assert_eq!(
        api_error(api.patch("lock", &b, &claim("b")).await),
        ("Conflict".into(), 409),
        "a held field is not taken without force"
    );

    let release = Patch::Strategic(json!({
        "spec": { "holderIdentity": null, "leaseDurationSeconds": null }
    }));
    let released = api
        .patch("lock", &PatchParams::default(), &release)
        .await
        .unwrap();
    let a_entry = released
        .managed_fields()
        .iter()
        .find(|e| e.manager.as_deref() == Some("replica-a"))
        .cloned()
        .unwrap();
    let a_fields = serde_json::to_string(&a_entry.fields_v1).unwrap();
    assert!(!a_fields.contains("holderIdentity"), "{a_fields}");

    let claimed = api.patch("lock", &b, &claim("b")).await.unwrap();
    assert_eq!(claimed.spec.unwrap().holder_identity.as_deref(), Some("b"));
}

#[tokio::test]
async fn generation_follows_spec_changes_only() {
    let (_, cluster) = FakeApi::new();
    let api: Api<Deployment> = Api::default_namespaced(cluster.client());
    let created = api
        .create(&PostParams::default(), &deployment("web", 1))
        .await
        .unwrap();
    assert_eq!(created.metadata.generation, Some(1));
    let pp = PatchParams::default();

    let labelled = api
        .patch(
            "web",
            &pp,
            &Patch::Merge(json!({"metadata": {"labels": {"a": "b"}}})),
        )
        .await
        .unwrap();
    assert_eq!(
        labelled.metadata.generation,
        Some(1),
        "metadata changes keep the generation"
    );

    let with_status = api
        .patch_status(
            "web",
            &pp,
            &Patch::Merge(json!({"status": {"readyReplicas": 1}})),
        )
        .await
        .unwrap();
    assert_eq!(
        with_status.metadata.generation,
        Some(1),
        "status changes keep the generation"
    );
    assert_eq!(with_status.status.unwrap().ready_replicas, Some(1));

    let scaled = api
        .patch(
            "web",
            &pp,
            &Patch::Merge(json!({"spec": {"replicas": 3}, "status": {"readyReplicas": 9}})),
        )
        .await
        .unwrap();
    assert_eq!(scaled.metadata.generation, Some(2));
    assert_eq!(
        scaled.status.unwrap().ready_replicas,
        Some(1),
        "a write to the main resource ignores .status"
    );
}

#[tokio::test]
async fn status_subresource_of_a_custom_resource() {
    let (_, cluster) = FakeApi::new();
    let api: Api<Widget> = Api::default_namespaced(cluster.client());
    let mut w = widget("w", 1);
    w.status = Some(WidgetStatus {
        phase: "ignored on create".into(),
        observed_generation: None,
    });
    let created = api.create(&PostParams::default(), &w).await.unwrap();
    assert!(created.status.is_none());

    let status = json!({"apiVersion": "test.orderflow.io/v1", "kind": "Widget", "status": {"phase": "Ready", "observedGeneration": 1}});
    let updated = api
        .patch_status(
            "w",
            &PatchParams::apply("ctl").force(),
            &Patch::Apply(status),
        )
        .await
        .unwrap();
    assert_eq!(updated.status.as_ref().unwrap().phase, "Ready");
    assert_eq!(updated.metadata.generation, Some(1));

    let mut replaced = updated.clone();
    replaced.spec.size = 5;
    replaced.status.as_mut().unwrap().phase = "Failed".into();
    let status_write = api
        .replace_status("w", &PostParams::default(), &replaced)
        .await
        .unwrap();
    assert_eq!(
        status_write.spec.size, 1,
        "a /status write changes only .status"
    );
    assert_eq!(status_write.status.unwrap().phase, "Failed");
    assert_eq!(api_error(api.get_status("missing").await).1, 404);
}

#[tokio::test]
async fn delete_waits_for_finalizers() {
    let (_, cluster) = FakeApi::new();
    let api: Api<Widget> = Api::default_namespaced(cluster.client());
    let mut w = widget("w", 1);
    w.metadata.finalizers = Some(vec!["test.orderflow.io/cleanup".into()]);
    api.create(&PostParams::default(), &w).await.unwrap();

    api.delete("w", &DeleteParams::default()).await.unwrap();
    let terminating = api.get("w").await.unwrap();
    assert!(terminating.metadata.deletion_timestamp.is_some());
    assert_eq!(terminating.metadata.generation, Some(2));

    api.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    assert!(api.get_opt("w").await.unwrap().is_none());
    assert_eq!(cluster.count("Widget"), 0);
}

#[tokio::test]
async fn deleting_an_owner_collects_its_dependents() {
    let (_, cluster) = FakeApi::new();
    let client = cluster.client();
    let widgets: Api<Widget> = Api::default_namespaced(client.clone());
    let config_maps: Api<ConfigMap> = Api::default_namespaced(client);
    let owner = widgets
        .create(&PostParams::default(), &widget("owner", 1))
        .await
        .unwrap();
    let other = widgets
        .create(&PostParams::default(), &widget("other", 1))
        .await
        .unwrap();
    let reference = |w: &Widget| -> OwnerReference { w.controller_owner_ref(&()).unwrap() };

    let mut owned = config_map("owned", &[], &[]);
    owned.metadata.owner_references = Some(vec![reference(&owner)]);
    let mut shared = config_map("shared", &[], &[]);
    shared.metadata.owner_references = Some(vec![reference(&owner), reference(&other)]);
    let mut orphan_candidate = config_map("kept", &[], &[]);
    orphan_candidate.metadata.owner_references = Some(vec![reference(&other)]);
    for cm in [owned, shared, orphan_candidate] {
        config_maps
            .create(&PostParams::default(), &cm)
            .await
            .unwrap();
    }

    widgets
        .delete("owner", &DeleteParams::background())
        .await
        .unwrap();
    assert!(config_maps.get_opt("owned").await.unwrap().is_none());
    assert!(
        config_maps.get_opt("shared").await.unwrap().is_some(),
        "it still has a live owner"
    );

    widgets
        .delete("other", &DeleteParams::orphan())
        .await
        .unwrap();
    assert!(
        config_maps.get_opt("shared").await.unwrap().is_some(),
        "orphaned, not collected"
    );
    assert!(config_maps.get_opt("kept").await.unwrap().is_some());
}

#[tokio::test]
async fn discovery_serves_a_custom_group_version_once_its_crd_is_stored() {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::CustomResourceExt;

    let (_, cluster) = FakeApi::new();
    let client = cluster.client();
    let absent = client
        .list_api_group_resources("test.orderflow.io/v1")
        .await;
    assert_eq!(api_error(absent), ("NotFound".to_owned(), 404));

    Api::<CustomResourceDefinition>::all(client.clone())
        .create(&PostParams::default(), &common::Widget::crd())
        .await
        .unwrap();
    let served = client
        .list_api_group_resources("test.orderflow.io/v1")
        .await
        .unwrap();
    assert_eq!(served.group_version, "test.orderflow.io/v1");
    let widgets: Vec<_> = served
        .resources
        .iter()
        .map(|r| (r.name.as_str(), r.kind.as_str(), r.namespaced))
        .collect();
    assert_eq!(widgets, [("widgets", "Widget", true)]);
    let other_version = client
        .list_api_group_resources("test.orderflow.io/v2")
        .await;
    assert_eq!(api_error(other_version), ("NotFound".to_owned(), 404));
}
