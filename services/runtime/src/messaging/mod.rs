//! The messaging backbone (DESIGN.md §4): the transactional outbox and its relay, idempotent
//! consumers with retry and dead-letter topics, and the Kafka plumbing under both.

pub mod consumer;
pub mod dead_letter;
pub mod inbox;
pub mod kafka;
pub mod outbox;
pub mod relay;

pub use consumer::{ConsumerRunner, Handler, HandlerError, Handlers, Message};
pub use inbox::{Inbox, Outcome, PgInbox, RedisInbox};
pub use kafka::{KafkaConfig, KafkaReadiness};
pub use outbox::{Outbox, OutboxError};
pub use relay::{OutboxRelay, RelayConfig};
