//! The wire contracts between OrderFlow services (DESIGN §4 "Messaging").
//!
//! Everything a producer and a consumer must agree on lives here and nowhere
//! else: the JSON payload of every integration event and saga command, the
//! CloudEvents headers around it, and the topics they travel on. The crate is
//! deliberately free of I/O so that any service, test or tool can depend on it.
//!
//! Contracts evolve additively: a new field must be optional (`#[serde(default)]`),
//! a breaking change is a new `vN` type. Unknown fields are always ignored, so an
//! old consumer keeps reading a newer producer's events. The JSON Schemas checked
//! into `contracts/schemas/` make every change visible in review.

mod commands;
mod common;
mod customer;
mod envelope;
mod event;
mod inventory;
mod order;
mod payment;
mod schemas;
pub mod topics;

pub use commands::{CommitStock, ProcessPayment, RefundPayment, ReleaseStock, ReserveStock};
pub use common::{Money, StockLine};
pub use customer::{
    CustomerDeactivated, CustomerEmailChanged, CustomerReactivated, CustomerRegistered,
};
pub use envelope::{
    CONTENT_TYPE_JSON, Envelope, EnvelopeError, EventHeaders, SPEC_VERSION, encode_payload, header,
};
pub use event::IntegrationEvent;
pub use inventory::{
    ProductCreated, ProductUpdated, StockCommitted, StockReleased, StockReservationFailed,
    StockReserved, StockShortage,
};
pub use order::{OrderCancelled, OrderCompleted, OrderConfirmed, OrderLine, OrderPlaced};
pub use payment::{PaymentFailed, PaymentProcessed, PaymentRefunded};
pub use schemas::{schemas, write_schemas};
pub use topics::{
    CONSUMERS, ConsumerSpec, RETRY_TIERS, RetryTier, TOPICS, TopicSpec, all_topics,
    dead_letter_topic, retry_topic, topic_of,
};
