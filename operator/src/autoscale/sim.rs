//! A simulation of the lag autoscaler over a synthetic load (burst, plateau, drain), plotted
//! as an SVG: a way to see the rule's pace without a cluster (`cargo xtask autoscale-sim`).
//!
//! The model: every poll, `rate × interval` records arrive and each replica processes
//! `per_replica × interval` of them; lag is what is left over.

use std::fmt::Write;
use std::time::{Duration, Instant};

use super::decision::{History, Observation, Policy, decide};

/// One phase of the synthetic load.
#[derive(Clone, Copy, Debug)]
pub struct Phase {
    pub name: &'static str,
    pub seconds: u64,
    /// Records produced per second.
    pub rate: i64,
}

/// The scenario: the load, the consumers' pace and the policy under test.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub phases: Vec<Phase>,
    /// Records one replica processes per second.
    pub per_replica: i64,
    pub partitions: i32,
    pub poll: Duration,
    pub policy: Policy,
}

impl Default for Scenario {
    /// Quiet, a burst of twelve times the quiet rate, a plateau, then a drain; spec defaults
    /// except a wider `maxReplicas`.
    fn default() -> Self {
        Self {
            phases: vec![
                Phase {
                    name: "quiet",
                    seconds: 120,
                    rate: 100,
                },
                Phase {
                    name: "burst",
                    seconds: 180,
                    rate: 1200,
                },
                Phase {
                    name: "plateau",
                    seconds: 600,
                    rate: 500,
                },
                Phase {
                    name: "drain",
                    seconds: 900,
                    rate: 20,
                },
            ],
            per_replica: 200,
            partitions: 6,
            poll: Duration::from_secs(15),
            policy: Policy {
                min: 1,
                max: 10,
                target_lag_per_replica: 1000,
                stabilization: Duration::from_secs(300),
                max_scale_up_step: 2,
            },
        }
    }
}

/// One poll of the simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub second: u64,
    pub lag: i64,
    pub replicas: i32,
}

/// What the simulation shows, in figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub max_replicas: i32,
    pub max_lag: i64,
    /// From the burst's start to the highest replica count.
    pub scale_up_seconds: Option<u64>,
    /// From the first poll after the peak that sees no lag to being back at `min`.
    pub scale_down_seconds: Option<u64>,
}

/// Runs `scenario`, one sample per poll.
pub fn simulate(scenario: &Scenario) -> Vec<Sample> {
    let start = Instant::now();
    let mut history = History::default();
    let mut replicas = scenario.policy.min;
    let mut lag: i64 = 0;
    let step = scenario.poll.as_secs().max(1);
    let total: u64 = scenario.phases.iter().map(|p| p.seconds).sum();
    let mut samples = Vec::new();
    let mut second = 0;
    while second <= total {
        let observation = Observation {
            lag: Some(lag),
            partitions: Some(scenario.partitions),
            current: replicas,
        };
        let now = start + Duration::from_secs(second);
        replicas = decide(&scenario.policy, &mut history, now, observation).replicas;
        samples.push(Sample {
            second,
            lag,
            replicas,
        });
        let rate = rate_at(scenario, second);
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        // Replicas beyond the partitions get nothing to read.
        let working = i64::from(replicas.min(scenario.partitions));
        lag = (lag + (rate - working * scenario.per_replica) * step).max(0);
        second += scenario.poll.as_secs().max(1);
    }
    samples
}

fn rate_at(scenario: &Scenario, second: u64) -> i64 {
    let mut end = 0;
    for phase in &scenario.phases {
        end += phase.seconds;
        if second < end {
            return phase.rate;
        }
    }
    0
}

/// When `name`'s phase starts, in seconds.
fn phase_start(scenario: &Scenario, name: &str) -> Option<u64> {
    let mut start = 0;
    for phase in &scenario.phases {
        if phase.name == name {
            return Some(start);
        }
        start += phase.seconds;
    }
    None
}

/// The figures of a run of `scenario`.
pub fn summarize(scenario: &Scenario, samples: &[Sample]) -> Summary {
    let max_replicas = samples.iter().map(|s| s.replicas).max().unwrap_or_default();
    let max_lag = samples.iter().map(|s| s.lag).max().unwrap_or_default();
    let scale_up_seconds = phase_start(scenario, "burst").and_then(|burst| {
        samples
            .iter()
            .find(|s| s.second >= burst && s.replicas == max_replicas)
            .map(|s| s.second - burst)
    });
    // From the first poll that sees the lag drained after the peak to being back at min: the
    // stabilization window at work.
    let peak = samples.iter().position(|s| s.replicas == max_replicas);
    let drained = peak.and_then(|peak| samples[peak..].iter().find(|s| s.lag == 0));
    let scale_down_seconds = drained.and_then(|drained| {
        samples
            .iter()
            .find(|s| s.second > drained.second && s.replicas == scenario.policy.min)
            .map(|s| s.second - drained.second)
    });
    Summary {
        max_replicas,
        max_lag,
        scale_up_seconds,
        scale_down_seconds,
    }
}

impl Summary {
    /// The figures as a few lines of text.
    pub fn describe(&self) -> String {
        let seconds =
            |value: Option<u64>| value.map_or_else(|| "never".to_owned(), |s| format!("{s}s"));
        format!(
            "max replicas {}\nmax lag {}\nscale-up: {} from the burst to the max\n\
             scale-down: {} from the lag drained back to min",
            self.max_replicas,
            self.max_lag,
            seconds(self.scale_up_seconds),
            seconds(self.scale_down_seconds)
        )
    }
}

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 400.0;
const MARGIN: f64 = 50.0;

/// The samples as an SVG: lag (left scale) and replicas (right scale) over time.
pub fn svg(scenario: &Scenario, samples: &[Sample], summary: &Summary) -> String {
    let last = samples.last().map_or(1, |s| s.second.max(1));
    let max_lag = summary.max_lag.max(1);
    let top = f64::from(scenario.policy.max.max(summary.max_replicas).max(1));
    let plot_w = WIDTH - 2.0 * MARGIN;
    let plot_h = HEIGHT - 2.0 * MARGIN;
    let x = |second: u64| MARGIN + plot_w * second as f64 / last as f64;
    let lag_y = |lag: i64| HEIGHT - MARGIN - plot_h * lag as f64 / max_lag as f64;
    let replicas_y = |replicas: i32| HEIGHT - MARGIN - plot_h * f64::from(replicas) / top;
    let points = |point: &dyn Fn(&Sample) -> (f64, f64)| {
        samples.iter().fold(String::new(), |mut out, sample| {
            let (px, py) = point(sample);
            let _ = write!(out, "{px:.1},{py:.1} ");
            out
        })
    };
    let lag_points = points(&|s| (x(s.second), lag_y(s.lag)));
    let replica_points = points(&|s| (x(s.second), replicas_y(s.replicas)));
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(out, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        out,
        r##"<text x="{MARGIN}" y="20">Lag autoscaler: burst, plateau, drain (max replicas {}, max lag {})</text>"##,
        summary.max_replicas, summary.max_lag
    );
    let (left, right, bottom) = (MARGIN, WIDTH - MARGIN, HEIGHT - MARGIN);
    let _ = writeln!(
        out,
        r##"<path d="M{left},{MARGIN} V{bottom} H{right} V{MARGIN}" fill="none" stroke="black"/>"##
    );
    let _ = writeln!(
        out,
        r##"<text x="5" y="{}" fill="steelblue">{max_lag}</text><text x="{}" y="{}" fill="darkorange">{top}</text><text x="{}" y="{}">{last}s</text>"##,
        MARGIN + 4.0,
        right + 5.0,
        MARGIN + 4.0,
        right - 20.0,
        bottom + 15.0
    );
    let _ = writeln!(
        out,
        r##"<polyline id="lag" points="{lag_points}" fill="none" stroke="steelblue" stroke-width="2"/>"##
    );
    let _ = writeln!(
        out,
        r##"<polyline id="replicas" points="{replica_points}" fill="none" stroke="darkorange" stroke-width="2"/>"##
    );
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" fill="steelblue">lag (records)</text><text x="{}" y="{}" fill="darkorange">replicas</text>"##,
        left + 10.0,
        bottom + 30.0,
        left + 120.0,
        bottom + 30.0
    );
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_scales_up_to_the_partitions_and_back_down() {
        let scenario = Scenario::default();
        let samples = simulate(&scenario);
        let summary = summarize(&scenario, &samples);
        // The lag asks for more than the 6 partitions allow.
        assert_eq!(summary.max_replicas, 6);
        // 1 → 3 → 5 → 6: the burst starts just after a poll, then one step per poll.
        assert_eq!(summary.scale_up_seconds, Some(45));
        // Exactly the stabilization window after the lag is first seen drained.
        assert_eq!(summary.scale_down_seconds, Some(300));
        assert_eq!(samples.last().map(|s| (s.lag, s.replicas)), Some((0, 1)));
    }

    #[test]
    fn the_svg_holds_both_series_and_the_max_replicas() {
        let scenario = Scenario::default();
        let samples = simulate(&scenario);
        let summary = summarize(&scenario, &samples);
        let svg = svg(&scenario, &samples, &summary);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(r#"<polyline id="lag""#));
        assert!(svg.contains(r#"<polyline id="replicas""#));
        assert!(svg.contains("max replicas 6"));
        let points = svg
            .split(r#"id="replicas" points=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default();
        assert_eq!(points.split_whitespace().count(), samples.len());
    }
}
