//! `GET /orders/{id}/events`: the order's timeline as Server-Sent Events, for the web app.
//!
//! On connect the stream sends every entry after `Last-Event-ID` (all of them without it),
//! then each new one as it commits, in any process: a `NOTIFY` wakes the stream, which reads
//! the new rows from the table rather than trusting the notification.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use order_domain::OrderId;
use orderflow_runtime::http::Path;
use orderflow_runtime::{AppError, Problem};
use tokio::sync::broadcast::{self, error::RecvError};

use super::AppState;
use crate::application::{OrderService, TIMELINE_BATCH, TimelineEntry, TimelineEntryView};
use crate::infrastructure::{PgStore, Wake};

/// How often an idle stream sends a comment, so proxies keep the connection open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Follow an order's timeline live (Server-Sent Events).
///
/// Each event has `id` = the entry's sequence number, `event` = its kind and JSON `data`
/// (a timeline entry). Reconnect with `Last-Event-ID` to resume after the last entry seen.
#[utoipa::path(
    get, path = "/orders/{id}/events", tag = "orders",
    params(
        ("id" = uuid::Uuid, Path, description = "Order id"),
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this sequence number"),
    ),
    responses(
        (status = 200, description = "An endless stream of timeline entries", body = TimelineEntryView, content_type = "text/event-stream"),
        (status = 400, description = "The id is not a UUID, or Last-Event-ID is not a number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn timeline(
    State(state): State<AppState>,
    Path(id): Path<OrderId>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let after = last_event_id(&headers)?;
    // Listening starts before the first read, so an entry committed in between is not lost.
    let wakes = state.feed.subscribe().await.map_err(AppError::from)?;
    let backlog = state.orders.timeline(id, after).await?;
    let mut follow = Follow {
        orders: state.orders,
        order_id: id,
        wakes,
        last_seq: after,
        pending: VecDeque::new(),
        more: false,
    };
    follow.push(backlog);
    let stream = futures::stream::unfold(follow, |mut follow| async move {
        let entry = follow.next().await?;
        Some((Ok(event(entry)), follow))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

fn last_event_id(headers: &HeaderMap) -> Result<i64, AppError> {
    match headers.get("last-event-id") {
        None => Ok(0),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|value| value.trim().parse::<i64>().ok())
            .filter(|seq| *seq >= 0)
            .ok_or_else(|| {
                AppError::Malformed("Last-Event-ID must be a timeline sequence number".to_owned())
            }),
    }
}

fn event(entry: TimelineEntry) -> Event {
    let id = entry.seq.to_string();
    let kind = entry.kind.clone();
    let view = TimelineEntryView::from(entry);
    let event = Event::default().id(id).event(kind);
    match event.clone().json_data(&view) {
        Ok(event) => event,
        // A `serde_json::Value` always serialises; keep the stream alive regardless.
        Err(_) => event.data("{}"),
    }
}

/// The state of one stream: entries read but not yet sent, and where to read next.
struct Follow {
    orders: Arc<OrderService<PgStore>>,
    order_id: OrderId,
    wakes: broadcast::Receiver<Wake>,
    last_seq: i64,
    pending: VecDeque<TimelineEntry>,
    /// The last read was a full batch: read again before waiting.
    more: bool,
}

impl Follow {
    fn push(&mut self, entries: Vec<TimelineEntry>) {
        self.more = i64::try_from(entries.len()).unwrap_or(i64::MAX) >= TIMELINE_BATCH;
        self.pending.extend(entries);
    }

    /// The next entry to send; `None` ends the stream (shutdown, or the database failed and
    /// the client should reconnect with `Last-Event-ID`).
    async fn next(&mut self) -> Option<TimelineEntry> {
        loop {
            if let Some(entry) = self.pending.pop_front() {
                self.last_seq = entry.seq;
                return Some(entry);
            }
            if !self.more {
                self.wait().await?;
            }
            match self
                .orders
                .timeline_after(self.order_id, self.last_seq)
                .await
            {
                Ok(entries) => self.push(entries),
                Err(err) => {
                    tracing::warn!(order_id = %self.order_id, %err, "timeline stream ends: cannot read");
                    return None;
                }
            }
        }
    }

    /// Waits until this order may have new entries.
    async fn wait(&mut self) -> Option<()> {
        loop {
            match self.wakes.recv().await {
                Ok(Wake::Order(id)) if id == self.order_id => return Some(()),
                Ok(Wake::Order(_)) => {}
                Ok(Wake::All) | Err(RecvError::Lagged(_)) => return Some(()),
                Ok(Wake::Shutdown) | Err(RecvError::Closed) => return None,
            }
        }
    }
}
