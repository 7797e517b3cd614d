//! Reconcile counters, leadership and the autoscaler's gauges, exposed on `/metrics` in the
//! Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Counts of reconciles, failures and the time spent, shared by every reconcile, and whether
/// this replica leads (a standby's counters stay at zero, which alone would not tell why).
#[derive(Debug, Default)]
pub struct Metrics {
    reconciles: AtomicU64,
    failures: AtomicU64,
    duration_micros: AtomicU64,
    leader: AtomicBool,
    autoscaled: Mutex<BTreeMap<(String, String), Autoscaled>>,
}

/// Per (platform `namespace/name`, service): the last lag read (none when Kafka could not be
/// read) and the replicas the autoscaler runs.
#[derive(Clone, Copy, Debug)]
struct Autoscaled {
    lag: Option<i64>,
    replicas: i32,
}

impl Metrics {
    pub(super) fn record(&self, duration: Duration, failed: bool) {
        self.reconciles.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.duration_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Records whether this replica currently runs the controller.
    pub fn set_leader(&self, leader: bool) {
        self.leader.store(leader, Ordering::Relaxed);
    }

    /// Records what the autoscaler measured and runs for one service.
    pub fn set_autoscaled(&self, platform: &str, service: &str, lag: Option<i64>, replicas: i32) {
        self.autoscaled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                (platform.to_owned(), service.to_owned()),
                Autoscaled { lag, replicas },
            );
    }

    /// Drops the gauges of services the autoscaler no longer scales.
    pub fn retain_autoscaled(&self, keep: impl Fn(&str, &str) -> bool) {
        self.autoscaled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(platform, service), _| keep(platform, service));
    }

    /// The counters in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let reconciles = self.reconciles.load(Ordering::Relaxed);
        let failures = self.failures.load(Ordering::Relaxed);
        let seconds = Duration::from_micros(self.duration_micros.load(Ordering::Relaxed));
        let mut text = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = write!(
                text,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
            );
        };
        metric(
            "orderflow_operator_reconciles_total",
            "counter",
            "Reconciles run.",
            reconciles.to_string(),
        );
        metric(
            "orderflow_operator_reconcile_failures_total",
            "counter",
            "Reconciles that failed on the API.",
            failures.to_string(),
        );
        metric(
            "orderflow_operator_reconcile_duration_seconds_total",
            "counter",
            "Time spent reconciling.",
            seconds.as_secs_f64().to_string(),
        );
        metric(
            "orderflow_operator_leader",
            "gauge",
            "Whether this replica holds the leader-election Lease and reconciles (1) or stands by (0).",
            u8::from(self.leader.load(Ordering::Relaxed)).to_string(),
        );
        self.render_autoscaled(&mut text);
        text
    }

    fn render_autoscaled(&self, text: &mut String) {
        let autoscaled = self
            .autoscaled
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let labels = |(platform, service): &(String, String)| {
            format!("{{platform=\"{platform}\",service=\"{service}\"}}")
        };
        let lag = "orderflow_operator_consumer_lag";
        let _ = write!(
            text,
            "# HELP {lag} Consumer-group lag of an autoscaled service, retry topics included.\n\
             # TYPE {lag} gauge\n"
        );
        for (key, entry) in autoscaled.iter() {
            if let Some(value) = entry.lag {
                let _ = writeln!(text, "{lag}{} {value}", labels(key));
            }
        }
        let replicas = "orderflow_operator_autoscaler_replicas";
        let _ = write!(
            text,
            "# HELP {replicas} Replicas the lag autoscaler runs for a service.\n\
             # TYPE {replicas} gauge\n"
        );
        for (key, entry) in autoscaled.iter() {
            let _ = writeln!(text, "{replicas}{} {}", labels(key), entry.replicas);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_time() {
        let metrics = Metrics::default();
        metrics.record(Duration::from_millis(1500), false);
        metrics.record(Duration::from_millis(500), true);
        let text = metrics.render();
        assert!(text.contains("orderflow_operator_reconciles_total 2\n"));
        assert!(text.contains("orderflow_operator_reconcile_failures_total 1\n"));
        assert!(text.contains("orderflow_operator_reconcile_duration_seconds_total 2\n"));
        assert!(
            text.contains("# TYPE orderflow_operator_leader gauge\norderflow_operator_leader 0\n")
        );
    }

    #[test]
    fn autoscaled_services_have_lag_and_replica_gauges() {
        let metrics = Metrics::default();
        metrics.set_autoscaled("default/shop", "order", Some(250), 3);
        metrics.set_autoscaled("default/shop", "payment", None, 2);
        let text = metrics.render();
        assert!(text.contains(
            "orderflow_operator_consumer_lag{platform=\"default/shop\",service=\"order\"} 250\n"
        ));
        assert!(!text.contains(
            "orderflow_operator_consumer_lag{platform=\"default/shop\",service=\"payment\"}"
        ));
        assert!(text.contains(
            "orderflow_operator_autoscaler_replicas{platform=\"default/shop\",service=\"payment\"} 2\n"
        ));
        metrics.retain_autoscaled(|_, service| service != "order");
        assert!(!metrics.render().contains("service=\"order\""));
    }

    #[test]
    fn the_leader_gauge_follows_the_term() {
        let metrics = Metrics::default();
        metrics.set_leader(true);
        assert!(metrics.render().contains("orderflow_operator_leader 1\n"));
        metrics.set_leader(false);
        assert!(metrics.render().contains("orderflow_operator_leader 0\n"));
    }
}
