//! The customer's identity type.

use orderflow_kernel::{Id, IdKind};

/// Marker that gives customer ids their own type, so they can't be mixed up
/// with ids of other aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomerKind;

impl IdKind for CustomerKind {
    const NAME: &'static str = "customer";
}

/// Identity of a [`Customer`](crate::Customer).
pub type CustomerId = Id<CustomerKind>;
