//! The built objects as one type, so that the reconciler can apply them in order and group
//! them by kind to find orphans.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

macro_rules! desired_object {
    ($($variant:ident($type:ty)),+ $(,)?) => {
        /// One object of the desired state, typed.
        #[derive(Clone, Debug, PartialEq)]
        pub enum DesiredObject {
            $($variant($type)),+
        }

        /// The kinds the builders produce: what the reconciler lists when it looks for orphans.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ObjectKind {
            $($variant),+
        }

        impl ObjectKind {
            /// Every kind, in apply order.
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            /// The Kubernetes `kind`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => <$type as k8s_openapi::Resource>::KIND),+
                }
            }
        }

        impl DesiredObject {
            pub const fn kind(&self) -> ObjectKind {
                match self {
                    $(Self::$variant(_) => ObjectKind::$variant),+
                }
            }

            pub const fn metadata(&self) -> &ObjectMeta {
                match self {
                    $(Self::$variant(object) => &object.metadata),+
                }
            }
        }

        $(
            impl From<$type> for DesiredObject {
                fn from(object: $type) -> Self {
                    Self::$variant(object)
                }
            }
        )+
    };
}

// In apply order: what workloads read, then the policies that fence them in before they
// start, then the workloads (databases and brokers before services), then what routes to them.
desired_object! {
    Secret(Secret),
    ConfigMap(ConfigMap),
    NetworkPolicy(NetworkPolicy),
    Service(Service),
    StatefulSet(StatefulSet),
    Deployment(Deployment),
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
    PodDisruptionBudget(PodDisruptionBudget),
    Ingress(Ingress),
}

impl DesiredObject {
    /// The object's name (every built object has one).
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }
}
