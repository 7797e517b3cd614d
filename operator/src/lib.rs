//! The OrderFlow operator: the `OrderFlowPlatform` custom resource and what manages it.

pub mod autoscale;
pub mod build;
pub mod config;
pub mod controller;
pub mod crd;
mod decode;
pub mod leader;
pub mod reconcile;
pub mod topics;

pub use crd::{OrderFlowPlatform, OrderFlowPlatformSpec, OrderFlowPlatformStatus};
