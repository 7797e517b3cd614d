//! Leader election against the in-memory fake API server (a test double): replicas compete for
//! one Lease with short timings, and a stand-in controller records who runs when.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, Patch, PatchParams};
use kube_fake_api::{Cluster, FakeApi};
use orderflow_operator::leader::{self, Election, Term};
use orderflow_operator::reconcile::Metrics;
use orderflow_testkit::eventually;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const NAMESPACE: &str = "orderflow-system";
const LEASE: &str = "orderflow-operator";
/// A standby looks at the Lease again when the holder's renewal expires: one lease duration
/// (2 s here) plus the random pause after a forced release, with room to spare.
const TAKEOVER: Duration = Duration::from_secs(8);

/// Who runs the stand-in controller, shared by every replica of a test.
#[derive(Default)]
struct Runs {
    running: AtomicUsize,
    most_at_once: AtomicUsize,
    started: Mutex<Vec<String>>,
}

impl Runs {
    fn started(&self) -> Vec<String> {
        self.started.lock().unwrap().clone()
    }
}

struct Replica {
    identity: String,
    metrics: Arc<Metrics>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<Term, leader::Error>>,
}

impl Replica {
    fn start(cluster: &Cluster, identity: &str, runs: &Arc<Runs>) -> Self {
        let election = Election::new(LEASE, NAMESPACE, identity)
            .with_timing(2, 1)
            .unwrap();
        let metrics = Arc::new(Metrics::default());
        let (shutdown, stop) = oneshot::channel::<()>();
        let client = cluster.client();
        let (task_metrics, runs, name) =
            (Arc::clone(&metrics), Arc::clone(runs), identity.to_owned());
        let task = tokio::spawn(async move {
            let controller = |stop: leader::Stop| async move {
                let now = runs.running.fetch_add(1, Ordering::SeqCst) + 1;
                runs.most_at_once.fetch_max(now, Ordering::SeqCst);
                runs.started.lock().unwrap().push(name);
                stop.await;
                runs.running.fetch_sub(1, Ordering::SeqCst);
            };
            let shutdown = async move {
                let _ = stop.await;
            };
            leader::lead(&election, client, &task_metrics, shutdown, controller).await
        });
        Self {
            identity: identity.to_owned(),
            metrics,
            shutdown,
            task,
        }
    }

    fn leads(&self) -> bool {
        self.metrics
            .render()
            .contains("\norderflow_operator_leader 1\n")
    }

    async fn stop(self) -> Term {
        let _ = self.shutdown.send(());
        finish(self.task).await
    }

    /// Waits for the term to end by itself; shutdown is not asked for meanwhile.
    async fn end(self) -> Term {
        let Self { shutdown, task, .. } = self;
        let term = finish(task).await;
        drop(shutdown);
        term
    }
}

async fn finish(task: JoinHandle<Result<Term, leader::Error>>) -> Term {
    tokio::time::timeout(TAKEOVER, task)
        .await
        .expect("the replica stops in time")
        .expect("the replica does not panic")
        .expect("the election works")
}

fn holder(cluster: &Cluster) -> Option<String> {
    let lease = cluster.get_json("Lease", Some(NAMESPACE), LEASE)?;
    lease["spec"]["holderIdentity"].as_str().map(str::to_owned)
}

async fn wait_for_holder(cluster: &Cluster, expected: &str) {
    eventually("the Lease to name its holder", TAKEOVER, || async {
        let lease = cluster.get_json("Lease", Some(NAMESPACE), LEASE);
        (holder(cluster).as_deref() == Some(expected))
            .then_some(())
            .ok_or(lease.map(|l| l["spec"].clone()).unwrap_or(Value::Null))
    })
    .await;
}

#[tokio::test]
async fn one_replica_leads_and_a_released_lease_passes_to_the_other() {
    let (_, cluster) = FakeApi::new();
    let runs = Arc::new(Runs::default());
    let a = Replica::start(&cluster, "replica-a", &runs);
    let b = Replica::start(&cluster, "replica-b", &runs);

    let first = eventually("one replica to lead", TAKEOVER, || async {
        match runs.started().as_slice() {
            [first] => Ok(first.clone()),
            other => Err(other.to_vec()),
        }
    })
    .await;
    wait_for_holder(&cluster, &first).await;
    let (leader, standby) = if first == a.identity { (a, b) } else { (b, a) };
    assert!(leader.leads());
    assert!(!standby.leads(), "the standby's gauge says 0");
    let lease: Lease =
        serde_json::from_value(cluster.get_json("Lease", Some(NAMESPACE), LEASE).unwrap()).unwrap();
    assert_eq!(lease.spec.unwrap().lease_duration_seconds, Some(2));

    let departed = leader.metrics.clone();
    assert_eq!(leader.stop().await, Term::Shutdown);
    assert!(
        departed
            .render()
            .contains("\norderflow_operator_leader 0\n")
    );
    assert_ne!(
        holder(&cluster).as_deref(),
        Some(first.as_str()),
        "the departing leader released the Lease before returning"
    );

    eventually("the standby to lead", TAKEOVER, || async {
        (runs.started().len() == 2 && standby.leads())
            .then_some(())
            .ok_or(runs.started())
    })
    .await;
    wait_for_holder(&cluster, &standby.identity).await;
    assert_eq!(runs.started(), vec![first, standby.identity.clone()]);
    assert_eq!(
        runs.most_at_once.load(Ordering::SeqCst),
        1,
        "never two controllers at once"
    );
    assert_eq!(standby.stop().await, Term::Shutdown);
    assert_eq!(holder(&cluster), None, "the last leader released the Lease");
}

#[tokio::test]
async fn a_replica_that_loses_the_lease_stops_its_controller() {
    let (_, cluster) = FakeApi::new();
    let runs = Arc::new(Runs::default());
    let replica = Replica::start(&cluster, "replica-a", &runs);
    wait_for_holder(&cluster, "replica-a").await;
    eventually("the controller to run", TAKEOVER, || async {
        (runs.running.load(Ordering::SeqCst) == 1)
            .then_some(())
            .ok_or(runs.started())
    })
    .await;

    // Another party takes the Lease by force, as an expired lease would be taken.
    let usurper = PatchParams::apply("usurper").force();
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    Api::<Lease>::namespaced(cluster.client(), NAMESPACE)
        .patch(
            LEASE,
            &usurper,
            &Patch::Apply(json!({
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "spec": { "holderIdentity": "usurper", "renewTime": now, "leaseDurationSeconds": 60 },
            })),
        )
        .await
        .unwrap();

    let metrics = replica.metrics.clone();
    assert_eq!(replica.end().await, Term::LeadershipLost);
    assert_eq!(
        runs.running.load(Ordering::SeqCst),
        0,
        "the controller stopped"
    );
    assert!(metrics.render().contains("\norderflow_operator_leader 0\n"));
    assert_eq!(
        holder(&cluster).as_deref(),
        Some("usurper"),
        "a replica that lost the Lease does not release another's"
    );
}

#[tokio::test]
async fn shutdown_while_waiting_never_runs_the_controller() {
    let (_, cluster) = FakeApi::new();
    let runs = Arc::new(Runs::default());
    let leader = Replica::start(&cluster, "replica-a", &runs);
    wait_for_holder(&cluster, "replica-a").await;
    let standby = Replica::start(&cluster, "replica-b", &runs);
    assert_eq!(standby.stop().await, Term::Shutdown);
    assert_eq!(runs.started(), vec!["replica-a".to_owned()]);
    assert_eq!(holder(&cluster).as_deref(), Some("replica-a"));
    assert_eq!(leader.stop().await, Term::Shutdown);
}
