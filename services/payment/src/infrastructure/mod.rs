//! Adapters of the payment context: PostgreSQL persistence, the outbox for replies, and
//! the Kafka command handlers.

mod consumer;
mod replies;
mod repository;

pub use consumer::PaymentCommands;
pub use replies::OutboxReplies;
pub use repository::PgPaymentRepository;
