//! Pure domain model of the payment bounded context: the [`Payment`]
//! aggregate (one per order, with an append-only [`LedgerEntry`] audit
//! trail), the simulated gateway rules of [`PaymentPolicy`], and the domain
//! events and saga replies they produce.
//!
//! No I/O lives here; time is passed in as `now` so every rule is
//! deterministic and testable.
//!
//! How the application layer is meant to drive it, keyed by order id (one
//! payment row per order, with a unique key on the order id, so that a
//! `ProcessPayment` and a `RefundPayment` racing for the same order serialise
//! on that row instead of creating two records):
//!
//! - `ProcessPayment`, no payment for the order yet: [`PaymentPolicy::decide`],
//!   then [`Payment::process`]; publish the recorded events.
//! - `ProcessPayment`, a payment exists (a redelivery by any route, or a
//!   charge that arrives after the order was voided): publish
//!   [`Payment::on_redelivered_process`]; nothing is charged again.
//! - `RefundPayment`, a payment exists: [`Payment::refund`].
//! - `RefundPayment`, no payment yet (it overtook the charge):
//!   [`Payment::void`], a tombstone that refuses the late charge as expired.
//!
//! Every command is answered, even one that changes nothing: publish its
//! [`PaymentReply`] (the saga resends commands until it hears back).

mod error;
mod events;
mod ids;
mod ledger;
mod payment;
mod policy;
mod reply;
mod snapshot;
mod status;

pub use error::PaymentError;
pub use events::PaymentEvent;
pub use ids::{CustomerId, OrderId, PaymentId};
pub use ledger::{LedgerEntry, LedgerEntryKind};
pub use payment::Payment;
pub use policy::{Decision, PaymentPolicy};
pub use reply::PaymentReply;
pub use snapshot::PaymentSnapshot;
pub use status::{ParseStatusError, PaymentStatus};
