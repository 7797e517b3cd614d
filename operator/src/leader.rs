//! Leader election through a `coordination.k8s.io` Lease, so that of several replicas only one
//! reconciles at a time.
//!
//! A replica waits for the Lease, then runs the controller for one term: until shutdown, or until
//! it loses the Lease. A lost Lease ends the term for good ([`Term::LeadershipLost`]) and the
//! binary exits non-zero, as controller-runtime does: a restart is the one way to be sure nothing
//! of the old term (watches, queued reconciles) lives on next to the new leader, and Kubernetes
//! restarts the container into a fresh election. On shutdown the Lease is released, so that a
//! standby takes it when it next looks, without forcing an expired claim free.
//!
//! kube-lease-manager polls rather than watches: a standby looks at the Lease again when the
//! holder's last renewal expires, so a successor takes over within one lease duration (15 s),
//! released or not.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use kube::Client;
use kube_lease_manager::{DurationSeconds, LeaseManagerBuilder, LeaseManagerError};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::build::MANAGED_BY;
use crate::reconcile::Metrics;

/// The longest a departing replica waits for the Lease to be released.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);

/// Completes when the controller is to stop: the end of the leader's term.
pub type Stop = Pin<Box<dyn Future<Output = ()> + Send + Sync>>;

/// Which Lease to compete for, as whom, and how long a term lasts without renewal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election {
    lease_name: String,
    namespace: String,
    identity: String,
    duration: DurationSeconds,
    grace: DurationSeconds,
}

/// Why a term ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Term {
    /// Shutdown was asked for (before or after winning); the Lease is released.
    Shutdown,
    /// Another replica holds the Lease now, or it could not be renewed in time.
    LeadershipLost,
    /// The controller returned while this replica still led.
    ControllerEnded,
}

/// A failure to take part in the election.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot use Lease {lease}")]
    Lease {
        lease: String,
        #[source]
        source: LeaseManagerError,
    },
    #[error("the election for Lease {0} stopped")]
    Stopped(String),
    #[error(
        "the lease grace period ({grace} s) must be positive and shorter than its duration ({duration} s)"
    )]
    Timing {
        duration: DurationSeconds,
        grace: DurationSeconds,
    },
}

impl Election {
    /// Renewed 5 s before the 15 s lease runs out: a crashed leader is replaced within 15 s,
    /// and 5 s is the clock skew between nodes that is tolerated.
    pub const DEFAULT_DURATION: DurationSeconds = 15;
    pub const DEFAULT_GRACE: DurationSeconds = 5;

    /// An election for `namespace/lease_name` as `identity`, with the default timing.
    pub fn new(
        lease_name: impl Into<String>,
        namespace: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        Self {
            lease_name: lease_name.into(),
            namespace: namespace.into(),
            identity: identity.into(),
            duration: Self::DEFAULT_DURATION,
            grace: Self::DEFAULT_GRACE,
        }
    }

    /// Changes how long a lease lasts and how early its holder renews it.
    pub fn with_timing(
        self,
        duration: DurationSeconds,
        grace: DurationSeconds,
    ) -> Result<Self, Error> {
        // kube-lease-manager panics on these; refuse them instead.
        if grace == 0 || grace >= duration {
            return Err(Error::Timing { duration, grace });
        }
        Ok(Self {
            duration,
            grace,
            ..self
        })
    }

    pub fn identity(&self) -> &str {
        &self.identity
    }

    fn lease(&self) -> String {
        format!("{}/{}", self.namespace, self.lease_name)
    }
}

/// This replica's identity: its pod's name (`POD_NAME`, else the hostname) plus a random suffix,
/// so that a restarted container or two processes on one host never pass for each other.
pub fn identity(pod_name: Option<String>, hostname: Option<String>) -> String {
    let base = pod_name
        .into_iter()
        .chain(hostname)
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| MANAGED_BY.to_owned());
    let base: String = base.chars().take(63).collect();
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{base}-{}", &suffix[..8])
}

/// The identity from the environment: `POD_NAME` (the downward API), `HOSTNAME` or /etc/hostname.
pub fn identity_from_env() -> String {
    let hostname = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok());
    identity(std::env::var("POD_NAME").ok(), hostname)
}

/// The field manager of this replica's Lease writes. It must differ between replicas:
/// kube-lease-manager takes a free Lease by server-side apply without `force`, and only a
/// conflict between two managers stops a second replica from overwriting the first's claim.
fn field_manager(identity: &str) -> String {
    format!("{MANAGED_BY}-{identity}")
}

/// Waits until this replica holds the Lease, then runs `controller` until `shutdown` completes
/// or the Lease is lost; the [`Stop`] handed to `controller` completes at the end of the term.
/// The leader gauge of `metrics` follows the term. The Lease is released before returning.
pub async fn lead<C, F>(
    election: &Election,
    client: Client,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()>,
    controller: C,
) -> Result<Term, Error>
where
    C: FnOnce(Stop) -> F,
    F: Future<Output = ()>,
{
    let lease = election.lease();
    let manager = LeaseManagerBuilder::new(client, &election.lease_name)
        .with_namespace(&election.namespace)
        .with_identity(&election.identity)
        .with_field_manager(field_manager(&election.identity))
        .with_duration(election.duration)
        .with_grace(election.grace)
        .build()
        .await
        .map_err(|source| Error::Lease {
            lease: lease.clone(),
            source,
        })?;
    let (mut leading, task) = manager.watch().await;
    tokio::pin!(shutdown);
    tracing::info!(%lease, identity = election.identity, "waiting to lead");
    let won = tokio::select! {
        () = &mut shutdown => None,
        won = async { leading.wait_for(|leader| *leader).await.is_ok() } => Some(won),
    };
    match won {
        None => {
            release(leading, task, &lease).await;
            return Ok(Term::Shutdown);
        }
        // The election task is gone, which it never is while the channel is open.
        Some(false) => return Err(Error::Stopped(lease)),
        Some(true) => {}
    }
    tracing::info!(%lease, identity = election.identity, "leading");
    metrics.set_leader(true);
    let (stop, stopped) = watch::channel(false);
    let run = controller(Box::pin(async move {
        let mut stopped = stopped;
        let _ = stopped.wait_for(|stop| *stop).await;
    }));
    tokio::pin!(run);
    let term = tokio::select! {
        () = &mut run => Term::ControllerEnded,
        () = &mut shutdown => Term::Shutdown,
        // A closed channel means the election task is gone: no longer leading either.
        () = async { let _ = leading.wait_for(|leader| !*leader).await; } => Term::LeadershipLost,
    };
    let _ = stop.send(true);
    match term {
        // Reconciles in flight finish; the pod's termination grace period bounds the wait.
        Term::Shutdown => run.await,
        // Another replica may lead already: give in-flight reconciles the grace period only.
        Term::LeadershipLost => {
            let grace = Duration::from_secs(election.grace);
            if tokio::time::timeout(grace, run).await.is_err() {
                tracing::warn!(%lease, "reconciles still in flight abandoned after losing the lease");
            }
        }
        Term::ControllerEnded => {}
    }
    metrics.set_leader(false);
    tracing::info!(%lease, identity = election.identity, ?term, "term ended");
    release(leading, task, &lease).await;
    Ok(term)
}

/// Closes the election channel, on which kube-lease-manager's task releases the Lease if this
/// replica holds it, and waits a little for that to happen.
async fn release(
    leading: watch::Receiver<bool>,
    task: JoinHandle<kube_lease_manager::Result<kube_lease_manager::LeaseManager>>,
    lease: &str,
) {
    drop(leading);
    match tokio::time::timeout(RELEASE_TIMEOUT, task).await {
        Ok(Ok(Ok(_))) => tracing::info!(%lease, "left the election"),
        Ok(Ok(Err(error))) => {
            tracing::warn!(%lease, error = %crate::reconcile::error_chain(&error), "cannot release the lease");
        }
        Ok(Err(error)) => tracing::warn!(%lease, %error, "the election task failed"),
        Err(_) => tracing::warn!(%lease, "the lease was not released in time"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_prefers_the_pod_name_and_always_adds_a_suffix() {
        let a = identity(Some("op-7d9f".into()), Some("host".into()));
        let b = identity(Some("op-7d9f".into()), Some("host".into()));
        assert!(a.starts_with("op-7d9f-"), "{a}");
        assert_eq!(a.len(), "op-7d9f-".len() + 8);
        assert_ne!(a, b);
        assert!(identity(Some(" ".into()), Some("host\n".into())).starts_with("host-"));
        assert!(identity(None, None).starts_with("orderflow-operator-"));
        assert_eq!(identity(Some("x".repeat(300)), None).len(), 63 + 9);
    }

    #[test]
    fn replicas_write_the_lease_as_different_field_managers() {
        assert_ne!(field_manager("a-1"), field_manager("a-2"));
        assert!(field_manager("a-1").starts_with("orderflow-operator-"));
    }

    #[test]
    fn timing_refuses_a_grace_period_that_is_not_shorter() {
        let election = Election::new("lease", "ns", "me");
        assert!(matches!(
            election.clone().with_timing(5, 5),
            Err(Error::Timing { .. })
        ));
        assert!(election.clone().with_timing(5, 0).is_err());
        assert_eq!(election.with_timing(2, 1).map(|e| e.grace).ok(), Some(1));
    }
}
