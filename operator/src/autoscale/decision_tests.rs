//! One table per rule; each row is a poll against a fresh or scripted history.

use super::*;

const WINDOW: Duration = Duration::from_secs(60);

fn policy() -> Policy {
    Policy {
        min: 1,
        max: 8,
        target_lag_per_replica: 100,
        stabilization: WINDOW,
        max_scale_up_step: 2,
    }
}

fn seen(lag: Option<i64>, partitions: Option<i32>, current: i32) -> Observation {
    Observation {
        lag,
        partitions,
        current,
    }
}

/// A single poll with no earlier history.
fn once(policy: &Policy, observation: Observation) -> Decision {
    decide(policy, &mut History::default(), Instant::now(), observation)
}

#[test]
fn desired_is_the_lag_over_the_target_rounded_up_and_clamped() {
    let wide = Policy {
        max_scale_up_step: 100,
        ..policy()
    };
    // (lag, current, expected desired, expected replicas)
    let table = [
        (0, 1, 1, 1),
        (1, 1, 1, 1),
        (100, 1, 1, 1),
        (101, 1, 2, 2),
        (450, 1, 5, 5),
        (800, 1, 8, 8),
        (10_000, 1, 8, 8),
        (i64::MAX, 1, 8, 8),
        (-5, 1, 1, 1),
    ];
    for (lag, current, desired, replicas) in table {
        let decision = once(&wide, seen(Some(lag), None, current));
        assert_eq!(
            (decision.desired, decision.replicas),
            (desired, replicas),
            "lag {lag}"
        );
        assert!(!decision.capped_by_partitions, "lag {lag}");
    }
}

#[test]
fn partitions_cap_the_desired_count_but_never_below_min() {
    let wide = Policy {
        max_scale_up_step: 100,
        ..policy()
    };
    // (min, lag, partitions, expected desired, capped by partitions)
    let table = [
        (1, 1000, Some(3), 3, true),
        (1, 200, Some(3), 2, false),
        (1, 1000, Some(8), 8, false),
        (1, 1000, Some(12), 8, false),
        (1, 1000, Some(0), 8, false),
        (4, 1000, Some(2), 4, true),
    ];
    for (min, lag, partitions, desired, capped) in table {
        let policy = Policy { min, ..wide };
        let decision = once(&policy, seen(Some(lag), partitions, min));
        assert_eq!(decision.desired, desired, "{partitions:?} partitions");
        assert_eq!(decision.replicas, desired, "{partitions:?} partitions");
        assert_eq!(
            decision.capped_by_partitions, capped,
            "{partitions:?} partitions"
        );
    }
}

#[test]
fn scale_up_is_immediate_but_bounded_by_the_step() {
    // (step, current, lag, expected replicas)
    let table = [
        (2, 1, 800, 3),
        (2, 3, 800, 5),
        (2, 7, 800, 8),
        (1, 1, 800, 2),
        (8, 1, 800, 8),
        (2, 1, 150, 2),
    ];
    for (step, current, lag, replicas) in table {
        let policy = Policy {
            max_scale_up_step: step,
            ..policy()
        };
        let decision = once(&policy, seen(Some(lag), None, current));
        assert_eq!(decision.replicas, replicas, "step {step} from {current}");
        assert_eq!(decision.reason, Reason::LagRising);
    }
}

#[test]
fn out_of_bounds_counts_are_brought_in_at_once() {
    // (current, lag, expected replicas): below min (a Deployment just created, or one scaled
    // to zero by hand) rises to min even without lag; above max falls to max at once.
    let policy = Policy { min: 2, ..policy() };
    let table = [
        (0, Some(0), 2),
        (1, Some(0), 2),
        (12, Some(0), 8),
        (0, None, 2),
    ];
    for (current, lag, replicas) in table {
        let decision = once(&policy, seen(lag, None, current));
        assert_eq!(decision.replicas, replicas, "from {current}");
        assert_eq!(decision.reason, Reason::OutOfBounds, "from {current}");
    }
}

#[test]
fn without_data_the_count_is_kept() {
    let mut history = History::default();
    let start = Instant::now();
    for (minutes, current) in [(0, 5), (10, 5), (20, 3)] {
        let now = start + Duration::from_secs(minutes * 60);
        let decision = decide(&policy(), &mut history, now, seen(None, Some(6), current));
        assert_eq!(decision.replicas, current);
        assert_eq!(decision.reason, Reason::NoData);
    }
}

/// Polls every `every` from `start` with the given lags, feeding the replicas back.
fn replay(policy: &Policy, lags: &[i64], every: Duration, mut current: i32) -> Vec<i32> {
    let mut history = History::default();
    let start = Instant::now();
    let mut at = start;
    lags.iter()
        .map(|&lag| {
            current = decide(policy, &mut history, at, seen(Some(lag), None, current)).replicas;
            at += every;
            current
        })
        .collect()
}

#[test]
fn scale_down_waits_for_the_whole_window() {
    let every = Duration::from_secs(15);
    // 60 s window, polls every 15 s: lag 500 then nothing. The first low poll is at 15 s;
    // the window of low polls is whole at 75 s (the high sample at 0 s has then left it).
    let lags = [500, 0, 0, 0, 0, 0, 0];
    let policy = Policy {
        max_scale_up_step: 10,
        ..policy()
    };
    assert_eq!(replay(&policy, &lags, every, 5), [5, 5, 5, 5, 5, 1, 1]);
}

#[test]
fn scale_down_goes_to_the_highest_desired_count_within_the_window() {
    let every = Duration::from_secs(15);
    // Desired 5 at 0 s, then 3, 3, 2, 2, 1…: at 75 s the window (15 s..75 s) holds 3, 3, 2, 2, 1.
    let lags = [500, 300, 300, 200, 200, 100, 100, 100, 100, 100];
    let policy = Policy {
        max_scale_up_step: 10,
        ..policy()
    };
    assert_eq!(
        replay(&policy, &lags, every, 5),
        [5, 5, 5, 5, 5, 3, 3, 2, 2, 1]
    );
}

#[test]
fn lag_flapping_inside_the_window_never_scales_down() {
    let every = Duration::from_secs(15);
    // A spike at least once per window keeps the count up; once it stops, the count drops a
    // full window after the last spike.
    let lags = [400, 0, 0, 400, 0, 0, 400, 0, 0, 400, 0, 0, 0, 0, 0, 0];
    let policy = Policy {
        max_scale_up_step: 10,
        ..policy()
    };
    let replicas = replay(&policy, &lags, every, 1);
    assert_eq!(&replicas[..14], &[4; 14], "{replicas:?}");
    assert_eq!(&replicas[14..], &[1, 1], "{replicas:?}");
}

#[test]
fn a_fresh_history_starts_the_window_afresh() {
    // After a restart nothing was seen before the first poll: even a drained group keeps its
    // replicas for one window.
    let mut history = History::default();
    let start = Instant::now();
    let low = seen(Some(0), None, 4);
    let first = decide(&policy(), &mut history, start, low);
    assert_eq!((first.replicas, first.reason), (4, Reason::Stabilizing));
    let later = decide(&policy(), &mut history, start + WINDOW, low);
    assert_eq!((later.replicas, later.reason), (1, Reason::LagDrained));
}

#[test]
fn a_zero_window_scales_down_at_once() {
    let policy = Policy {
        stabilization: Duration::ZERO,
        ..policy()
    };
    let decision = once(&policy, seen(Some(150), None, 6));
    assert_eq!(
        (decision.replicas, decision.reason),
        (2, Reason::LagDrained)
    );
}

#[test]
fn a_steady_lag_keeps_the_count() {
    let decision = once(&policy(), seen(Some(300), Some(6), 3));
    assert_eq!((decision.replicas, decision.reason), (3, Reason::Steady));
}

#[test]
fn the_policy_comes_from_the_spec_with_nonsense_clamped() {
    let spec = AutoscalingSpec {
        min_replicas: 0,
        max_replicas: -3,
        target_lag_per_replica: 0,
        scale_down_stabilization_seconds: -1,
        max_scale_up_step: 0,
        ..AutoscalingSpec::default()
    };
    assert_eq!(
        Policy::from_spec(&spec),
        Policy {
            min: 1,
            max: 1,
            target_lag_per_replica: 1,
            stabilization: Duration::ZERO,
            max_scale_up_step: 1,
        }
    );
    let defaults = Policy::from_spec(&AutoscalingSpec::default());
    assert_eq!(defaults.stabilization, Duration::from_secs(300));
}
