//! Pure domain model of the order bounded context: the [`Order`] aggregate,
//! its value objects, rules and domain events, and the [`FulfilmentSaga`]
//! state machine that the order service uses to orchestrate stock and payment.
//!
//! No I/O lives here; time is passed in as `now` so every rule is
//! deterministic and testable. The saga only *decides*: it returns the
//! commands to send and what to do with the order, and the application layer
//! persists and sends them in one transaction.

mod error;
mod events;
mod ids;
mod line;
mod order;
mod saga;
mod snapshot;
mod status;

pub use error::OrderError;
pub use events::OrderEvent;
pub use ids::{CustomerId, OrderId, ProductId};
pub use line::{OrderLine, Quantity};
pub use order::Order;
pub use saga::{
    FulfilmentSaga, OrderAction, ParseSagaStateError, SagaCommand, SagaOutcome, SagaSnapshot,
    SagaState, SagaStep,
};
pub use snapshot::OrderSnapshot;
pub use status::{OrderStatus, ParseStatusError, StatusChange};
