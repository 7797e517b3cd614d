//! PostgreSQL adapters of the customer context.

mod audit;
mod publisher;
mod repository;

pub use audit::AuditTrail;
pub use publisher::IntegrationEvents;
pub use repository::PgCustomerRepository;
