//! Adapters: the Redis store and its key names, the delivery channels, the Kafka handlers.

mod consumer;
mod keys;
mod log_channel;
mod smtp;
mod store;

pub use consumer::NotificationHandlers;
pub use keys::RedisKeys;
pub use log_channel::LogChannel;
pub use smtp::{SmtpChannel, SmtpConfigError};
pub use store::RedisStore;
