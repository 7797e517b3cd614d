//! The Kafka side: the handlers the consumer runner calls through the Redis inbox, which has
//! already claimed the event id (a redelivered event never notifies twice). They validate
//! the contracts' plain data into domain types and hand over to the [`Notifier`].

use std::sync::Arc;

use notification_domain::{CustomerId, Email, Money, OrderId, OrderSummary, PersonName};
use orderflow_contracts::{
    CustomerEmailChanged, CustomerRegistered, OrderCancelled, OrderConfirmed, OrderPlaced,
    PaymentFailed, PaymentRefunded,
};
use orderflow_kernel::Currency;
use orderflow_runtime::BoxFuture;
use orderflow_runtime::messaging::{Handler, HandlerError, Message};
use redis::aio::ConnectionManager;

use crate::application::{NotificationStore, Notifier, NotifyError, Registration};

/// Handles every event the notification context consumes with one notifier.
pub struct NotificationHandlers<S> {
    notifier: Arc<Notifier<S>>,
}

impl<S> Clone for NotificationHandlers<S> {
    fn clone(&self) -> Self {
        Self {
            notifier: Arc::clone(&self.notifier),
        }
    }
}

impl<S> NotificationHandlers<S> {
    pub fn new(notifier: Arc<Notifier<S>>) -> Self {
        Self { notifier }
    }
}

fn handler_error(err: NotifyError) -> HandlerError {
    if err.is_transient() {
        HandlerError::transient(err)
    } else {
        HandlerError::permanent(err)
    }
}

/// Contract money in the kernel's type; a currency the kernel does not know is the
/// producer's bug, which no retry fixes.
fn money(money: orderflow_contracts::Money) -> Result<Money, HandlerError> {
    let currency = Currency::parse(&money.currency).map_err(HandlerError::permanent)?;
    Ok(Money::new(money.amount, currency))
}

fn email(value: &str) -> Result<Email, HandlerError> {
    Email::parse(value).map_err(HandlerError::permanent)
}

type Handled<'a> = BoxFuture<'a, Result<(), HandlerError>>;

impl<S: NotificationStore> Handler<CustomerRegistered, ConnectionManager>
    for NotificationHandlers<S>
{
    fn handle<'a>(
        &'a self,
        conn: &'a mut ConnectionManager,
        event: CustomerRegistered,
        message: &'a Message,
    ) -> Handled<'a> {
        Box::pin(async move {
            let registration = Registration {
                customer_id: CustomerId::from_uuid(event.customer_id),
                name: PersonName::new(&event.first_name, &event.last_name)
                    .map_err(HandlerError::permanent)?,
                email: email(&event.email)?,
                registered_at: event.registered_at,
            };
            self.notifier
                .customer_registered(conn, message.headers.id, registration)
                .await
                .map_err(handler_error)
        })
    }
}

impl<S: NotificationStore> Handler<CustomerEmailChanged, ConnectionManager>
    for NotificationHandlers<S>
{
    fn handle<'a>(
        &'a self,
        conn: &'a mut ConnectionManager,
        event: CustomerEmailChanged,
        _message: &'a Message,
    ) -> Handled<'a> {
        Box::pin(async move {
            let id = CustomerId::from_uuid(event.customer_id);
            self.notifier
                .email_changed(conn, id, email(&event.new_email)?, event.changed_at)
                .await
                .map_err(handler_error)
        })
    }
}

impl<S: NotificationStore> Handler<OrderPlaced, ConnectionManager> for NotificationHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut ConnectionManager,
        event: OrderPlaced,
        _message: &'a Message,
    ) -> Handled<'a> {
        Box::pin(async move {
            let order = OrderSummary {
                customer_id: CustomerId::from_uuid(event.customer_id),
                total: money(event.total)?,
            };
            self.notifier
                .order_placed(conn, OrderId::from_uuid(event.order_id), order)
                .await
                .map_err(handler_error)
        })
    }
}

impl<S: NotificationStore> Handler<OrderConfirmed, ConnectionManager> for NotificationHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut ConnectionManager,
        event: OrderConfirmed,
        message: &'a Message,
    ) -> Handled<'a> {
        Box::pin(async move {
            self.notifier
                .order_confirmed(
                    conn,
                    message.headers.id,
                    CustomerId::from_uuid(event.customer_id),
                    OrderId::from_uuid(event.order_id),
                    money(event.total)?,
                )
                .await
                .map_err(handler_error)
        })
    }
}

impl<S: NotificationStore> Handler<OrderCancelled, ConnectionManager> for NotificationHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut ConnectionManager,
        event: OrderCancelled,
        message: &'a Message,
    ) -> Handled<'a> {
        Box::pin(async move {
            self.notifier
                .order_cancelled(
                    conn,
                    message.headers.id,
                    CustomerId::from_uuid(event.customer_id),
                    OrderId::from_uuid(event.order_id),
                    event.reason,
                )
                .await
                .map_err(handler_error)
        })
    }
}

impl<S: NotificationStore> Handler<PaymentFailed, ConnectionManager> for NotificationHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut ConnectionManager,
        event: PaymentFailed,
        message: &'a Message,
    ) -> Handled<'a> {
        Box::pin(async move {
            self.notifier
                .payment_failed(
                    conn,
                    message.headers.id,
                    OrderId::from_uuid(event.order_id),
                    money(event.amount)?,
                    event.reason,
                )
                .await
                .map_err(handler_error)
        })
    }
}

impl<S: NotificationStore> Handler<PaymentRefunded, ConnectionManager> for NotificationHandlers<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut ConnectionManager,
        event: PaymentRefunded,
        message: &'a Message,
    ) -> Handled<'a> {
        Box::pin(async move {
            self.notifier
                .payment_refunded(
                    conn,
                    message.headers.id,
                    OrderId::from_uuid(event.order_id),
                    money(event.amount)?,
                )
                .await
                .map_err(handler_error)
        })
    }
}
