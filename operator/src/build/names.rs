//! Object names derived from the platform's name, and the checks that keep them valid.

use super::object::{DesiredObject, ObjectKind};
use crate::crd::ServiceName;

/// Longest StatefulSet name whose pods still get valid names: the controller labels each pod
/// with `controller-revision-hash: <name>-<10-character hash>`, a label value of at most 63.
pub const STATEFUL_SET_NAME_MAX: usize = 52;
/// Longest DNS-1035 label (Service names, and names that pods or DNS records derive from).
const LABEL_MAX: usize = 63;

/// A derived name Kubernetes would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{kind} name `{name}` is longer than {max} characters; shorten the platform's name")]
    TooLong {
        kind: &'static str,
        name: String,
        max: usize,
    },
    #[error(
        "{kind} name `{name}` is not a DNS label (lowercase letters, digits and `-`, starting \
         with a letter); rename the platform"
    )]
    NotALabel { kind: &'static str, name: String },
}

/// A service's Deployment, Service, ConfigMap, PodDisruptionBudget and NetworkPolicy.
pub(crate) fn service(platform: &str, service: ServiceName) -> String {
    format!("{platform}-{service}")
}

/// The StatefulSet, headless Service and Secret of a service's managed database.
pub(super) fn postgres(platform: &str, service: ServiceName) -> String {
    format!("{platform}-postgres-{service}")
}

/// The managed Kafka's StatefulSet and client Service.
pub(super) fn kafka(platform: &str) -> String {
    format!("{platform}-kafka")
}

/// The managed Kafka's headless Service, which names the broker pod.
pub(super) fn kafka_headless(platform: &str) -> String {
    format!("{platform}-kafka-headless")
}

/// The managed Redis's StatefulSet and Service.
pub(super) fn redis(platform: &str) -> String {
    format!("{platform}-redis")
}

/// The Secret of the generated admin token.
pub(super) fn admin_token(platform: &str) -> String {
    format!("{platform}-admin-token")
}

/// Checks `object`'s name: a DNS-1035 label (Services need one, and the others share their
/// names), short enough for what derives from it.
pub(super) fn check(object: &DesiredObject) -> Result<(), NameError> {
    let kind = object.kind();
    let name = object.name();
    let max = if kind == ObjectKind::StatefulSet {
        STATEFUL_SET_NAME_MAX
    } else {
        LABEL_MAX
    };
    if name.len() > max {
        return Err(NameError::TooLong {
            kind: kind.as_str(),
            name: name.to_owned(),
            max,
        });
    }
    if !is_dns_1035_label(name) {
        return Err(NameError::NotALabel {
            kind: kind.as_str(),
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// `[a-z]([-a-z0-9]*[a-z0-9])?`
pub(super) fn is_dns_1035_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && matches!(bytes.last(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes
            .iter()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        && bytes.len() <= LABEL_MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_dns_labels() {
        for good in ["a", "shop", "shop-1-postgres-order", "a0"] {
            assert!(is_dns_1035_label(good), "{good}");
        }
        for bad in [
            "",
            "1shop",
            "shop-",
            "Shop",
            "shop.prod",
            "shop_1",
            &"a".repeat(64),
        ] {
            assert!(!is_dns_1035_label(bad), "{bad}");
        }
    }
}
