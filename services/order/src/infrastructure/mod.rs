//! PostgreSQL and outbox adapters of the order context. One adapter, [`PgStore`], implements
//! every port; each file holds its implementation of one of them.

mod order_repository;
mod publisher;
mod read_models;
mod saga_repository;
mod timeline;
mod timeline_feed;

pub use publisher::IntegrationEvents;
pub use timeline::{TIMELINE_CHANNEL, TimelineRecorder};
pub use timeline_feed::{TimelineFeed, Wake};

/// The sqlx implementation of every port of [`crate::application`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PgStore;
