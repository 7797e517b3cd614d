//! The use cases of the consumer: keep the read models and tell customers what happened.
//!
//! An event that needs a read model this context has not built yet (the customer's
//! registration and the order's placement travel on other topics than the events about
//! them) fails as transient, so the consumer retries it later; nobody is ever written to
//! with a blank name or address.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use notification_domain::{
    CustomerContact, CustomerId, Email, Money, Notice, OrderId, OrderSummary, PersonName,
};
use orderflow_runtime::clock::Clock;
use redis::aio::ConnectionManager;
use uuid::Uuid;

use super::ports::{Channel, Delivery, DeliveryError, NotificationStore, StoreError};
use super::views::NotificationRecord;

/// How often a contact update is re-read and reapplied when other writers keep winning.
const CONTACT_WRITE_ATTEMPTS: u32 = 5;

/// Why an event could not be handled (yet).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("customer {0} not known yet")]
    CustomerNotKnown(CustomerId),
    #[error("order {0} not known yet")]
    OrderNotKnown(OrderId),
    #[error("customer {0} is being changed concurrently; trying again later")]
    Contended(CustomerId),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl NotifyError {
    /// Whether a later attempt may succeed; only corrupt stored data will not get better.
    pub fn is_transient(&self) -> bool {
        !matches!(self, Self::Store(StoreError::Corrupt(_)))
    }
}

/// A customer's registration, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub customer_id: CustomerId,
    pub name: PersonName,
    pub email: Email,
    pub registered_at: DateTime<Utc>,
}

/// Handles the events this context consumes, on the consumer's Redis connection.
pub struct Notifier<S> {
    store: S,
    channel: Arc<dyn Channel>,
    clock: Arc<dyn Clock>,
}

impl<S: NotificationStore> Notifier<S> {
    pub fn new(store: S, channel: Arc<dyn Channel>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            channel,
            clock,
        }
    }

    /// Records the registration and welcomes the customer, at the newest address known.
    pub async fn customer_registered(
        &self,
        conn: &mut ConnectionManager,
        event_id: Uuid,
        registration: Registration,
    ) -> Result<(), NotifyError> {
        let id = registration.customer_id;
        let contact = self
            .update_contact(conn, id, |contact| {
                contact.register(
                    registration.name.clone(),
                    registration.email.clone(),
                    registration.registered_at,
                )
            })
            .await?;
        self.notify(conn, event_id, id, &contact, Notice::Welcome)
            .await
    }

    /// Records a new address; nothing is sent.
    pub async fn email_changed(
        &self,
        conn: &mut ConnectionManager,
        id: CustomerId,
        email: Email,
        changed_at: DateTime<Utc>,
    ) -> Result<(), NotifyError> {
        self.update_contact(conn, id, |contact| {
            contact.change_email(email.clone(), changed_at)
        })
        .await
        .map(drop)
    }

    /// Remembers who placed the order, for the payment events that name only the order.
    pub async fn order_placed(
        &self,
        conn: &mut ConnectionManager,
        id: OrderId,
        order: OrderSummary,
    ) -> Result<(), NotifyError> {
        Ok(self.store.save_order(conn, id, &order).await?)
    }

    pub async fn order_confirmed(
        &self,
        conn: &mut ConnectionManager,
        event_id: Uuid,
        customer: CustomerId,
        order_id: OrderId,
        total: Money,
    ) -> Result<(), NotifyError> {
        let notice = Notice::OrderConfirmed { order_id, total };
        self.notify_customer(conn, event_id, customer, notice).await
    }

    pub async fn order_cancelled(
        &self,
        conn: &mut ConnectionManager,
        event_id: Uuid,
        customer: CustomerId,
        order_id: OrderId,
        reason: String,
    ) -> Result<(), NotifyError> {
        let notice = Notice::OrderCancelled { order_id, reason };
        self.notify_customer(conn, event_id, customer, notice).await
    }

    pub async fn payment_failed(
        &self,
        conn: &mut ConnectionManager,
        event_id: Uuid,
        order_id: OrderId,
        amount: Money,
        reason: String,
    ) -> Result<(), NotifyError> {
        let order = self.known_order(conn, order_id).await?;
        let notice = Notice::PaymentFailed {
            order_id,
            amount,
            reason,
        };
        self.notify_customer(conn, event_id, order.customer_id, notice)
            .await
    }

    /// Tells the customer about money refunded; a refund of nothing is no news.
    pub async fn payment_refunded(
        &self,
        conn: &mut ConnectionManager,
        event_id: Uuid,
        order_id: OrderId,
        amount: Money,
    ) -> Result<(), NotifyError> {
        let order = self.known_order(conn, order_id).await?;
        match Notice::refund(order_id, amount, &order) {
            Some(notice) => {
                self.notify_customer(conn, event_id, order.customer_id, notice)
                    .await
            }
            None => {
                tracing::debug!(%order_id, %amount, "nothing was refunded; no notification");
                Ok(())
            }
        }
    }

    async fn known_order(
        &self,
        conn: &mut ConnectionManager,
        id: OrderId,
    ) -> Result<OrderSummary, NotifyError> {
        self.store
            .order(conn, id)
            .await?
            .ok_or(NotifyError::OrderNotKnown(id))
    }

    /// Applies `change` to the stored contact with optimistic concurrency: another writer
    /// of the same customer (a retried event on another instance) makes it read again.
    async fn update_contact(
        &self,
        conn: &mut ConnectionManager,
        id: CustomerId,
        change: impl Fn(&mut CustomerContact) -> bool,
    ) -> Result<CustomerContact, NotifyError> {
        for _ in 0..CONTACT_WRITE_ATTEMPTS {
            let mut stored = self.store.contact(conn, id).await?;
            if !change(&mut stored.contact) {
                return Ok(stored.contact);
            }
            if self
                .store
                .save_contact(conn, id, &stored.contact, stored.version)
                .await?
            {
                return Ok(stored.contact);
            }
        }
        Err(NotifyError::Contended(id))
    }

    async fn notify_customer(
        &self,
        conn: &mut ConnectionManager,
        event_id: Uuid,
        customer: CustomerId,
        notice: Notice,
    ) -> Result<(), NotifyError> {
        let contact = self.store.contact(conn, customer).await?.contact;
        self.notify(conn, event_id, customer, &contact, notice)
            .await
    }

    /// Renders, delivers, then records the notification. A failed delivery records nothing
    /// and fails transiently, so the consumer's retries deliver it later.
    async fn notify(
        &self,
        conn: &mut ConnectionManager,
        event_id: Uuid,
        customer: CustomerId,
        contact: &CustomerContact,
        notice: Notice,
    ) -> Result<(), NotifyError> {
        let to = contact
            .recipient()
            .ok_or(NotifyError::CustomerNotKnown(customer))?;
        let rendered = notice.render(&to);
        let kind = notice.kind().as_str();
        let channel = self.channel.name();
        let delivery = Delivery {
            to,
            subject: rendered.subject,
            body: rendered.body,
        };
        if let Err(err) = self.channel.deliver(&delivery).await {
            metrics::counter!("notification_delivery_failures_total", "kind" => kind, "channel" => channel)
                .increment(1);
            return Err(err.into());
        }
        metrics::counter!("notifications_sent_total", "kind" => kind, "channel" => channel)
            .increment(1);
        let record = NotificationRecord {
            id: Uuid::now_v7(),
            event_id,
            kind: kind.to_owned(),
            customer_id: customer.as_uuid(),
            order_id: notice.order_id().map(|id| id.as_uuid()),
            recipient: delivery.to.email.to_string(),
            subject: delivery.subject,
            body: delivery.body,
            channel: channel.to_owned(),
            created_at: self.clock.now(),
        };
        Ok(self.store.record(conn, &record).await?)
    }
}
