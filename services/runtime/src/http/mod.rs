//! The HTTP stack every service shares.

mod admin;
mod app;
mod conditional;
mod correlation;
mod extract;
mod observe;
mod pagination;
mod shutdown;

pub use admin::{bearer_authorized, dead_letter_routes};
pub use app::{ServiceApp, serve};
pub use conditional::{IfMatch, etag};
pub use correlation::{CORRELATION_HEADER, CorrelationId};
pub use extract::{Json, Path, Query};
pub use pagination::{Page, PageParams, PageRequest};
pub use shutdown::shutdown_signal;
