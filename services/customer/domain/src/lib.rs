//! Pure domain model of the customer bounded context: the [`Customer`]
//! aggregate, its value objects, rules and domain events. No I/O lives here;
//! time is passed in as `now` so every rule is deterministic and testable.

mod customer;
mod error;
mod events;
mod id;
mod name;
mod policy;
mod snapshot;
mod status;

pub use customer::Customer;
pub use error::CustomerError;
pub use events::CustomerEvent;
pub use id::{CustomerId, CustomerKind};
pub use name::{CustomerName, NameError};
pub use policy::EmailChangePolicy;
pub use snapshot::CustomerSnapshot;
pub use status::{CustomerStatus, ParseStatusError};
