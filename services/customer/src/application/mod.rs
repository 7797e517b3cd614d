//! Use cases of the customer context, the commands and views they exchange, and the ports
//! they need from infrastructure.

mod commands;
mod ports;
mod service;
mod views;

pub use commands::{AddressInput, ChangeAddress, ChangeEmail, CustomerQuery, RegisterCustomer};
pub use ports::{CustomerFilter, CustomerRepository, RepositoryError, Versioned};
pub use service::CustomerService;
pub use views::{AddressView, CustomerView};
