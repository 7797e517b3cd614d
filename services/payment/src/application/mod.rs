//! Use cases of the payment context: the saga's payment commands and the payment queries,
//! the inputs and views they exchange, and the ports they need from infrastructure.

mod commands;
mod ports;
mod processing;
mod queries;
mod views;

pub use commands::{Charge, InvalidCommand, PaymentQuery, Refund};
pub use ports::{PaymentRepository, ReplyPublisher, RepositoryError, Versioned};
pub use processing::{FAULT_DECLINE_REASON, PaymentProcessor, ProcessingError};
pub use queries::PaymentQueries;
pub use views::{LedgerEntryView, MoneyView, PaymentView};
