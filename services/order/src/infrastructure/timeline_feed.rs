//! Live timeline notifications for SSE clients, from PostgreSQL `LISTEN`.
//!
//! One listener per process (on a connection of its own, outside the service's pool) fans
//! notifications out to every open stream, so a thousand watching browsers cost one database
//! connection, not a thousand. A notification only says "this order has new entries": the
//! streams read the entries from the table, which is the truth.

use std::sync::Arc;
use std::time::Duration;

use order_domain::OrderId;
use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::{OnceCell, broadcast};

use super::timeline::TIMELINE_CHANNEL;

/// Notifications kept for a slow stream before it must re-read everything it watches.
const BUFFER: usize = 1024;
/// Pause before listening again after the listener failed.
const RETRY: Duration = Duration::from_secs(1);

/// What a stream is woken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// This order has new timeline entries.
    Order(OrderId),
    /// Notifications may have been lost (the listener reconnected): every stream re-reads.
    All,
    /// The service is shutting down: streams end, and clients reconnect elsewhere.
    Shutdown,
}

/// Subscriptions to timeline notifications; cheap to clone.
#[derive(Clone)]
pub struct TimelineFeed {
    pool: PgPool,
    sender: Arc<OnceCell<broadcast::Sender<Wake>>>,
}

impl TimelineFeed {
    /// A feed that starts listening with its first subscriber.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            sender: Arc::new(OnceCell::new()),
        }
    }

    /// Wakes for every committed timeline change. Once this returns, the listener is
    /// listening, so a change committed after it is never missed.
    pub async fn subscribe(&self) -> Result<broadcast::Receiver<Wake>, sqlx::Error> {
        let sender = self.sender.get_or_try_init(|| self.start()).await?;
        Ok(sender.subscribe())
    }

    async fn start(&self) -> Result<broadcast::Sender<Wake>, sqlx::Error> {
        // A pool of one for the listener, so it never takes a connection from the service.
        let connection = PgPoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with((*self.pool.connect_options()).clone())
            .await?;
        let mut listener = PgListener::connect_with(&connection).await?;
        listener.listen(TIMELINE_CHANNEL).await?;
        let (sender, _) = broadcast::channel(BUFFER);
        tokio::spawn(listen(listener, sender.clone()));
        Ok(sender)
    }
}

/// Forwards notifications until the process ends or is asked to shut down.
async fn listen(mut listener: PgListener, sender: broadcast::Sender<Wake>) {
    let shutdown = orderflow_runtime::http::shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let received = tokio::select! {
            () = &mut shutdown => {
                let _ = sender.send(Wake::Shutdown);
                return;
            }
            received = listener.try_recv() => received,
        };
        let wake = match received {
            Ok(Some(notification)) => match notification.payload().parse() {
                Ok(order_id) => Wake::Order(order_id),
                Err(_) => continue,
            },
            // The connection was lost and re-established: notifications in between are gone.
            Ok(None) => Wake::All,
            Err(err) => {
                tracing::warn!(%err, "timeline listener failed; listening again");
                tokio::time::sleep(RETRY).await;
                Wake::All
            }
        };
        // No receivers just means nobody is watching right now.
        let _ = sender.send(wake);
    }
}
