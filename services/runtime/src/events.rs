//! The in-process domain event dispatcher.
//!
//! A use case takes the events its aggregate recorded and dispatches them before committing:
//! every handler runs on the same transaction, so its effects (an audit row, an outbox row)
//! commit or roll back together with the change that caused them.

use std::sync::Arc;

use sqlx::PgConnection;

use crate::{AppError, BoxFuture};

/// What a handler knows about the request or message that caused the event; it travels on
/// as the integration event's `correlation-id`, `causation-id` and `traceparent` headers.
#[derive(Debug, Clone, Default)]
pub struct EventContext {
    /// Correlation id of the originating request or message.
    pub correlation_id: Option<String>,
    /// Id of the event that caused this change, when a message caused it.
    pub causation_id: Option<String>,
    /// W3C trace context of the cause.
    pub traceparent: Option<String>,
}

impl EventContext {
    pub fn correlated(correlation_id: impl Into<String>) -> Self {
        Self {
            correlation_id: Some(correlation_id.into()),
            ..Self::default()
        }
    }
}

/// Reacts to one domain event inside the caller's transaction.
pub trait DomainEventHandler<E>: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        context: &'a EventContext,
        event: &'a E,
    ) -> BoxFuture<'a, Result<(), AppError>>;
}

/// Runs every registered handler, in registration order, for each event.
pub struct EventDispatcher<E> {
    handlers: Vec<Arc<dyn DomainEventHandler<E>>>,
}

impl<E> Clone for EventDispatcher<E> {
    fn clone(&self) -> Self {
        Self {
            handlers: self.handlers.clone(),
        }
    }
}

impl<E> Default for EventDispatcher<E> {
    fn default() -> Self {
        Self {
            handlers: Vec::new(),
        }
    }
}

impl<E: Sync + 'static> EventDispatcher<E> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, handler: impl DomainEventHandler<E>) -> Self {
        self.handlers.push(Arc::new(handler));
        self
    }

    /// Dispatches `events` in order; the first failing handler aborts (and the caller rolls back).
    pub async fn dispatch(
        &self,
        conn: &mut PgConnection,
        context: &EventContext,
        events: &[E],
    ) -> Result<(), AppError> {
        for event in events {
            for handler in &self.handlers {
                handler.handle(conn, context, event).await?;
            }
        }
        Ok(())
    }
}
