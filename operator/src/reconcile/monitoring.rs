//! ServiceMonitors: applied when the spec asks for them and the API server serves the kind,
//! pruned when it no longer asks.
//!
//! The Prometheus Operator's CRD is optional, so its absence is reported in the status, never
//! a failed reconcile. Whether it is served is asked again on every reconcile that wants
//! ServiceMonitors (one discovery request), so that a CRD installed later is picked up by the
//! next one, at the latest the periodic resync. The controller does not watch ServiceMonitors
//! (a watch on a kind that may not exist would only fail), so one deleted by hand also comes
//! back at the next reconcile.

use std::collections::BTreeSet;

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::{Client, ResourceExt};

use super::Error;
use super::apply::Orphans;
use crate::OrderFlowPlatform;
use crate::build::{
    MANAGED_BY, SERVICE_MONITOR_GROUP, SERVICE_MONITOR_KIND, SERVICE_MONITOR_PLURAL,
    SERVICE_MONITOR_VERSION, platform_selector, service_monitor_resource,
};

/// What became of the platform's ServiceMonitors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monitors {
    /// The spec asks for none; any left from before are deleted.
    NotRequested,
    /// Every one the spec asks for is applied.
    Applied,
    /// The spec asks for them, but the API server does not serve ServiceMonitors.
    CrdMissing,
}

/// The Degraded reason when ServiceMonitors are asked for but their CRD is not served.
pub const SERVICE_MONITOR_CRD_MISSING: &str = "ServiceMonitorCrdMissing";

impl Monitors {
    /// Why the platform falls short of `spec.observability.serviceMonitor`, as the Degraded
    /// reason and message; it works without ServiceMonitors, so it stays Ready.
    pub(super) fn shortfall(self) -> Option<(&'static str, String)> {
        (self == Self::CrdMissing).then(|| {
            (
                SERVICE_MONITOR_CRD_MISSING,
                format!(
                    "spec.observability.serviceMonitor: the cluster does not serve \
                     {SERVICE_MONITOR_PLURAL}.{SERVICE_MONITOR_GROUP}/{SERVICE_MONITOR_VERSION} \
                     (the Prometheus Operator's CRD is not installed), so no ServiceMonitor is \
                     created; they will be once it is"
                ),
            )
        })
    }
}

/// Applies `desired` (the built ServiceMonitors) if the kind is served, and deletes the
/// platform's others.
pub(super) async fn sync(
    client: &Client,
    platform: &OrderFlowPlatform,
    namespace: &str,
    desired: &[DynamicObject],
) -> Result<Monitors, Error> {
    let api = Api::<DynamicObject>::namespaced_with(
        client.clone(),
        namespace,
        &service_monitor_resource(),
    );
    let state = if desired.is_empty() {
        Monitors::NotRequested
    } else if served(client).await? {
        for monitor in desired {
            let name = monitor.name_any();
            api.patch(
                &name,
                &PatchParams::apply(MANAGED_BY).force(),
                &Patch::Apply(monitor),
            )
            .await
            .map_err(Error::api("apply", SERVICE_MONITOR_KIND, name))?;
        }
        Monitors::Applied
    } else {
        // An unserved kind has no objects to prune.
        return Ok(Monitors::CrdMissing);
    };
    let keep: BTreeSet<&str> = desired
        .iter()
        .filter_map(|monitor| monitor.metadata.name.as_deref())
        .collect();
    let selector = platform_selector(&platform.name_any());
    Orphans {
        client,
        namespace,
        selector: &selector,
        keep: &keep,
    }
    .delete_in(&api, SERVICE_MONITOR_KIND)
    .await?;
    Ok(state)
}

/// Whether the API server serves ServiceMonitors: discovery of their group version, which
/// any authenticated client may read (no RBAC on CRDs needed) and which, unlike the CRD
/// object, also says whether the CRD is established.
async fn served(client: &Client) -> Result<bool, Error> {
    let group_version = format!("{SERVICE_MONITOR_GROUP}/{SERVICE_MONITOR_VERSION}");
    match client.list_api_group_resources(&group_version).await {
        Ok(resources) => Ok(resources
            .resources
            .iter()
            .any(|resource| resource.name == SERVICE_MONITOR_PLURAL)),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
        Err(source) => Err(Error::api("discover", SERVICE_MONITOR_KIND, group_version)(
            source,
        )),
    }
}
