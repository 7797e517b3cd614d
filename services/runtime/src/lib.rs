//! What every OrderFlow service binary shares, so that each `main.rs` stays a page of wiring:
//! typed configuration, telemetry, the HTTP stack (health, metrics, docs, problem+json,
//! correlation ids, graceful shutdown), PostgreSQL with embedded migrations, the
//! in-transaction domain event dispatcher and the unit of work that uses it.

pub mod after_commit;
mod backoff;
pub mod clock;
pub mod config;
pub mod db;
pub mod events;
pub mod faults;
pub mod health;
pub mod http;
pub mod messaging;
pub mod metrics;
pub mod problem;
pub mod redis;
pub mod service;
pub mod telemetry;
pub mod unit_of_work;

pub use problem::{AppError, FieldError, FieldErrors, Problem};

/// A boxed, sendable future: the shape async trait objects return.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
