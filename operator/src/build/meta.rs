//! Labels, owner references and object metadata shared by every built object.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use kube::Resource;

use super::BuildError;
use crate::crd::{OrderFlowPlatform, OrderFlowPlatformSpec};

/// `app.kubernetes.io/part-of` of every object.
pub const PART_OF: &str = "orderflow";
/// `app.kubernetes.io/managed-by` of every object; also the server-side apply field manager.
pub const MANAGED_BY: &str = "orderflow-operator";

pub(super) const NAME_LABEL: &str = "app.kubernetes.io/name";
pub(super) const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";
pub(super) const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
pub(super) const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";
pub(super) const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub(super) const VERSION_LABEL: &str = "app.kubernetes.io/version";

/// Longest label value Kubernetes accepts.
const LABEL_VALUE_MAX: usize = 63;

/// The label selector (`key=value,…`) matching every object built for the platform `name`:
/// what the reconciler lists to find orphans of a previous spec.
pub fn platform_selector(name: &str) -> String {
    format!("{INSTANCE_LABEL}={name},{MANAGED_BY_LABEL}={MANAGED_BY}")
}

/// The platform as the builders see it: validated metadata plus the spec.
pub(super) struct Platform<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub uid: &'a str,
    pub spec: &'a OrderFlowPlatformSpec,
    pub operator_namespace: &'a str,
    owner: OwnerReference,
}

impl<'a> Platform<'a> {
    pub fn new(
        platform: &'a OrderFlowPlatform,
        operator_namespace: &'a str,
    ) -> Result<Self, BuildError> {
        let metadata = &platform.metadata;
        let name = metadata
            .name
            .as_deref()
            .ok_or(BuildError::MissingMetadata("name"))?;
        let namespace = metadata
            .namespace
            .as_deref()
            .ok_or(BuildError::MissingMetadata("namespace"))?;
        let uid = metadata
            .uid
            .as_deref()
            .ok_or(BuildError::MissingMetadata("uid"))?;
        // blockOwnerDeletion: a foreground deletion of the platform waits for its objects.
        // The apiserver allows it only to whom may update `orderflowplatforms/finalizers`.
        let owner = OwnerReference {
            block_owner_deletion: Some(true),
            ..platform
                .controller_owner_ref(&())
                .ok_or(BuildError::MissingMetadata("uid"))?
        };
        Ok(Self {
            name,
            namespace,
            uid,
            spec: &platform.spec,
            operator_namespace,
            owner,
        })
    }

    /// Metadata of an object named `name` that belongs to `component`.
    pub fn metadata(&self, name: String, component: &Component) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.namespace.to_owned()),
            labels: Some(self.labels(component)),
            owner_references: Some(vec![self.owner.clone()]),
            ..ObjectMeta::default()
        }
    }

    /// The labels that identify `component`'s pods: stable for a workload's lifetime, as a
    /// Deployment's selector must be.
    pub fn selector_labels(&self, component: &Component) -> BTreeMap<String, String> {
        BTreeMap::from([
            (NAME_LABEL.to_owned(), component.app.to_owned()),
            (INSTANCE_LABEL.to_owned(), self.name.to_owned()),
            (COMPONENT_LABEL.to_owned(), component.name.clone()),
        ])
    }

    pub fn selector(&self, component: &Component) -> LabelSelector {
        LabelSelector {
            match_labels: Some(self.selector_labels(component)),
            ..LabelSelector::default()
        }
    }

    /// Every recommended label of `component`.
    pub fn labels(&self, component: &Component) -> BTreeMap<String, String> {
        let mut labels = self.selector_labels(component);
        labels.insert(PART_OF_LABEL.to_owned(), PART_OF.to_owned());
        labels.insert(MANAGED_BY_LABEL.to_owned(), MANAGED_BY.to_owned());
        labels.insert(VERSION_LABEL.to_owned(), label_value(&component.version));
        labels
    }
}

/// What a group of objects implements: the `name`, `component` and `version` labels.
pub(super) struct Component {
    /// The application (`customer-service`, `postgresql`, `kafka`, `redis`).
    pub app: &'static str,
    /// Its role in this platform (`customer`, `postgres-customer`, `kafka`).
    pub name: String,
    pub version: String,
}

impl Component {
    pub fn new(app: &'static str, name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            app,
            name: name.into(),
            version: version.into(),
        }
    }

    /// A component running `image`, versioned by the image's tag.
    pub fn from_image(app: &'static str, name: impl Into<String>, image: &str) -> Self {
        Self::new(app, name, image_tag(image))
    }
}

/// The tag (or digest) of an image reference; `latest` when it has none.
fn image_tag(image: &str) -> &str {
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    match last_segment.split_once('@') {
        Some((_, digest)) => digest.rsplit(':').next().unwrap_or(digest),
        None => last_segment
            .split_once(':')
            .map_or("latest", |(_, tag)| tag),
    }
}

/// `text` made into a valid label value: allowed characters only, at most 63 of them,
/// starting and ending alphanumerically (possibly empty).
fn label_value(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(LABEL_VALUE_MAX)
        .collect();
    kept.trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_and_digests_become_versions() {
        assert_eq!(image_tag("postgres:17"), "17");
        assert_eq!(image_tag("registry:5000/redis"), "latest");
        assert_eq!(image_tag("registry:5000/redis:7.4-alpine"), "7.4-alpine");
        assert_eq!(image_tag("apache/kafka@sha256:abc123"), "abc123");
    }

    #[test]
    fn label_values_are_trimmed_to_what_kubernetes_accepts() {
        assert_eq!(label_value("_1.4.0-"), "1.4.0");
        assert_eq!(label_value(&"a".repeat(80)).len(), LABEL_VALUE_MAX);
        assert_eq!(label_value("v1+build"), "v1build");
    }
}
