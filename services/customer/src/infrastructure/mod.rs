//! PostgreSQL adapters of the customer context.

mod audit;
mod repository;

pub use audit::AuditTrail;
pub use repository::PgCustomerRepository;
