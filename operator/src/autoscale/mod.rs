//! Scaling of Kafka-consuming services from their consumer-group lag (`autoscaling.mode:
//! Lag`); `Cpu` mode is a HorizontalPodAutoscaler the builder makes instead.
//!
//! A loop next to the controller (so only the leader scales) polls each autoscaled service at
//! its `pollIntervalSeconds`: it reads the group's lag ([`lag`]), decides ([`decision`], pure)
//! and applies only `spec.replicas` of the Deployment and `status.autoscaling`, both under
//! its own field manager ([`FIELD_MANAGER`]) so that it never fights the reconciler.

mod clock;
pub mod decision;
pub mod lag;
mod scaler;
pub mod sim;

use std::sync::Arc;
use std::time::Duration;

pub use clock::{Clock, ManualClock, SystemClock};
pub use scaler::{FIELD_MANAGER, run};

/// The autoscaler's clock and how often it looks for due polls.
#[derive(Clone, Debug)]
pub struct AutoscalerSettings {
    /// The time the decisions see; a [`ManualClock`] in tests.
    pub clock: Arc<dyn Clock>,
    /// Real time between two looks for services whose poll is due (by `clock`).
    pub tick: Duration,
}

impl Default for AutoscalerSettings {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            tick: Duration::from_secs(1),
        }
    }
}
