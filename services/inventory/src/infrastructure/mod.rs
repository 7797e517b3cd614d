//! PostgreSQL adapters of the inventory context.

mod adjustments;
mod publisher;
mod repository;

pub use adjustments::StockAdjustmentLog;
pub use publisher::IntegrationEvents;
pub use repository::PgProductRepository;
