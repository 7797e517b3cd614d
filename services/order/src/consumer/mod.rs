//! The consumer group "order": the handlers that turn other contexts' events into read-model
//! updates and saga transitions, on the consumer's transaction.

mod read_models;
mod saga_replies;

pub use read_models::ReadModelHandlers;
pub use saga_replies::SagaReplies;
