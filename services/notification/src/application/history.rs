//! The query side: a customer's notification history.

use notification_domain::CustomerId;
use orderflow_runtime::AppError;
use orderflow_runtime::http::{Page, PageRequest};
use redis::aio::ConnectionManager;

use super::ports::{NotificationStore, StoreError};
use super::views::NotificationRecord;

/// Reads histories on a connection of its own.
pub struct HistoryQueries<S> {
    store: S,
    conn: ConnectionManager,
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Redis(err) => Self::Unavailable(format!("redis: {err}")),
            corrupt @ StoreError::Corrupt(_) => Self::internal(corrupt),
        }
    }
}

impl<S: NotificationStore> HistoryQueries<S> {
    pub fn new(store: S, conn: ConnectionManager) -> Self {
        Self { store, conn }
    }

    /// One page of the customer's notifications, newest first. The history is capped, so
    /// `total` never exceeds the cap; a customer never notified has an empty one.
    pub async fn notifications(
        &self,
        customer: CustomerId,
        page: PageRequest,
    ) -> Result<Page<NotificationRecord>, AppError> {
        let offset = u64::from(page.page - 1) * u64::from(page.per_page);
        let mut conn = self.conn.clone();
        let (items, total) = self
            .store
            .history(&mut conn, customer, offset, u64::from(page.per_page))
            .await?;
        Ok(Page::new(
            items,
            page,
            i64::try_from(total).unwrap_or(i64::MAX),
        ))
    }
}
