//! Pure domain model of the notification bounded context.
//!
//! - [`CustomerContact`]: this context's copy of a customer's name and email address, built
//!   from customer events that may arrive late, twice or out of order; every fact carries
//!   the time it became true and only a newer fact replaces it.
//! - [`OrderSummary`]: who placed an order and its total, for the payment events that name
//!   only the order.
//! - [`Notice`]: what the customer is told about, rendered by [`Notice::render`] into a
//!   subject and a plain-text body addressed to a [`Recipient`].
//!
//! No I/O lives here: storage, delivery and time are the application's.

mod contact;
mod error;
mod notice;
mod order;
mod template;

pub use contact::{CustomerContact, PersonName, Recipient, Stamped};
pub use error::NotificationError;
pub use notice::{Notice, NotificationKind};
pub use order::OrderSummary;
pub use template::Rendered;

pub use orderflow_kernel::{CustomerId, Email, Money, OrderId};
