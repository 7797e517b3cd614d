//! Adapters of the inventory context: PostgreSQL repositories and the audit trail, and
//! the Kafka consumer of the saga's stock commands.

mod adjustments;
mod consumer;
mod publisher;
mod repository;
mod reservations;

pub use adjustments::StockAdjustmentLog;
pub use consumer::{PgReservationService, StockCommandHandler};
pub use publisher::IntegrationEvents;
pub use repository::PgProductRepository;
pub use reservations::PgReservationRepository;
