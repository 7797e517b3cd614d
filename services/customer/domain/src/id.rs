//! The customer's identity type, shared with every context through the kernel.

pub use orderflow_kernel::{CustomerId, CustomerKind};
