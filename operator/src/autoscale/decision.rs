//! The scaling rule, as a pure function of the policy, what was measured and the time: no I/O,
//! no clock of its own, so that tests and the simulator replay any trace.
//!
//! `desired = clamp(ceil(lag / targetLagPerReplica), min, min(max, partitions))`. Scale-up is
//! immediate but bounded by `maxScaleUpStep`; scale-down waits until the desired count has
//! stayed lower for the whole stabilization window, and then goes to the highest desired count
//! seen within it (as the HorizontalPodAutoscaler's stabilization does).

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use crate::crd::AutoscalingSpec;

/// The bounds and pace of one service's scaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub min: i32,
    pub max: i32,
    pub target_lag_per_replica: i64,
    pub stabilization: Duration,
    pub max_scale_up_step: i32,
}

impl Policy {
    /// The policy a spec describes; nonsensical values are clamped to the nearest sensible
    /// ones (the schema refuses them, but an older CRD may have let them in).
    pub fn from_spec(spec: &AutoscalingSpec) -> Self {
        let min = spec.min_replicas.max(1);
        Self {
            min,
            max: spec.max_replicas.max(min),
            target_lag_per_replica: spec.target_lag_per_replica.max(1),
            stabilization: Duration::from_secs(
                u64::try_from(spec.scale_down_stabilization_seconds).unwrap_or(0),
            ),
            max_scale_up_step: spec.max_scale_up_step.max(1),
        }
    }
}

/// What one poll measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The group's total lag; `None` when Kafka could not be read.
    pub lag: Option<i64>,
    /// The most partitions of any topic the group reads: more consumers than that sit idle.
    pub partitions: Option<i32>,
    /// The Deployment's replica count now.
    pub current: i32,
}

/// Why a decision came out as it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Lag calls for more replicas (possibly limited by the step).
    LagRising,
    /// The desired count stayed lower for the whole window.
    LagDrained,
    /// The desired count is lower, but not yet for the whole window.
    Stabilizing,
    /// The replica count already fits the lag.
    Steady,
    /// The replica count lay outside `[min, max]`, which the spec enforces at once.
    OutOfBounds,
    /// No lag could be read: the count is kept (within the bounds).
    NoData,
}

impl Reason {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LagRising => "LagRising",
            Self::LagDrained => "LagDrained",
            Self::Stabilizing => "Stabilizing",
            Self::Steady => "Steady",
            Self::OutOfBounds => "OutOfBounds",
            Self::NoData => "NoData",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The replica count to run now.
    pub replicas: i32,
    /// What the lag alone asks for, within the bounds (before step and stabilization).
    pub desired: i32,
    /// The partition count, not `max`, bounded `desired`.
    pub capped_by_partitions: bool,
    pub reason: Reason,
}

/// The desired counts seen within the stabilization window. Kept in memory only: a fresh
/// history (after a restart) starts the window afresh, which merely delays a scale-down.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// When this history began: no scale-down before it spans a whole window.
    since: Option<Instant>,
    samples: VecDeque<(Instant, i32)>,
}

impl History {
    fn record(&mut self, now: Instant, desired: i32, window: Duration) {
        self.since.get_or_insert(now);
        self.samples.push_back((now, desired));
        while let Some(&(at, _)) = self.samples.front() {
            if now.saturating_duration_since(at) > window {
                self.samples.pop_front();
            } else {
                break;
            }
        }
    }

    /// The highest desired count within the window, once the history spans the window.
    fn stabilized(&self, now: Instant, window: Duration) -> Option<i32> {
        let since = self.since?;
        (now.saturating_duration_since(since) >= window)
            .then(|| self.samples.iter().map(|&(_, desired)| desired).max())
            .flatten()
    }
}

/// Replicas the lag alone calls for: `ceil(lag / target)`.
fn replicas_for(lag: i64, target: i64) -> i32 {
    let lag = lag.max(0);
    let wanted = lag / target + i64::from(lag % target != 0);
    i32::try_from(wanted).unwrap_or(i32::MAX)
}

/// Decides the replica count at `now`, recording the desired count in `history`.
pub fn decide(
    policy: &Policy,
    history: &mut History,
    now: Instant,
    observation: Observation,
) -> Decision {
    let current = observation.current;
    let upper = observation
        .partitions
        .filter(|&partitions| partitions > 0)
        .map_or(policy.max, |partitions| policy.max.min(partitions))
        .max(policy.min);
    let Some(lag) = observation.lag else {
        let replicas = current.clamp(policy.min, policy.max);
        return Decision {
            replicas,
            desired: replicas,
            capped_by_partitions: false,
            reason: if replicas == current {
                Reason::NoData
            } else {
                Reason::OutOfBounds
            },
        };
    };
    let wanted = replicas_for(lag, policy.target_lag_per_replica);
    let desired = wanted.clamp(policy.min, upper);
    let capped_by_partitions = wanted > upper && upper < policy.max;
    history.record(now, desired, policy.stabilization);
    let decision = |replicas, reason| Decision {
        replicas,
        desired,
        capped_by_partitions,
        reason,
    };
    if current < policy.min {
        let stepped = current.saturating_add(policy.max_scale_up_step);
        return decision(desired.min(stepped).max(policy.min), Reason::OutOfBounds);
    }
    if current > policy.max {
        return decision(policy.max, Reason::OutOfBounds);
    }
    if desired > current {
        let stepped = current.saturating_add(policy.max_scale_up_step);
        return decision(desired.min(stepped), Reason::LagRising);
    }
    if desired == current {
        return decision(current, Reason::Steady);
    }
    match history.stabilized(now, policy.stabilization) {
        Some(highest) if highest < current => decision(highest.max(policy.min), Reason::LagDrained),
        _ => decision(current, Reason::Stabilizing),
    }
}

#[cfg(test)]
#[path = "decision_tests.rs"]
mod tests;
