//! Reconcile counters and leadership, exposed on `/metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Counts of reconciles, failures and the time spent, shared by every reconcile, and whether
/// this replica leads (a standby's counters stay at zero, which alone would not tell why).
#[derive(Debug, Default)]
pub struct Metrics {
    reconciles: AtomicU64,
    failures: AtomicU64,
    duration_micros: AtomicU64,
    leader: AtomicBool,
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
        text
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
    fn the_leader_gauge_follows_the_term() {
        let metrics = Metrics::default();
        metrics.set_leader(true);
        assert!(metrics.render().contains("orderflow_operator_leader 1\n"));
        metrics.set_leader(false);
        assert!(metrics.render().contains("orderflow_operator_leader 0\n"));
    }
}
