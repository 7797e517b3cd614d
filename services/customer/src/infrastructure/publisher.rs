//! Maps customer domain events to integration events and writes them to the outbox, inside
//! the change's transaction.

use customer_domain::CustomerEvent;
use orderflow_contracts::{
    CustomerDeactivated, CustomerEmailChanged, CustomerReactivated, CustomerRegistered,
};
use orderflow_runtime::events::{DomainEventHandler, EventContext};
use orderflow_runtime::messaging::Outbox;
use orderflow_runtime::{AppError, BoxFuture};
use sqlx::PgConnection;

#[derive(Debug, Clone, Copy, Default)]
pub struct IntegrationEvents;

impl DomainEventHandler<CustomerEvent> for IntegrationEvents {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        context: &'a EventContext,
        event: &'a CustomerEvent,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            match event {
                CustomerEvent::Registered {
                    customer_id,
                    name,
                    email,
                    occurred_at,
                } => {
                    let event = CustomerRegistered {
                        customer_id: customer_id.as_uuid(),
                        first_name: name.first().to_owned(),
                        last_name: name.last().to_owned(),
                        email: email.to_string(),
                        registered_at: *occurred_at,
                    };
                    Outbox::enqueue(conn, &event, context).await?;
                }
                CustomerEvent::EmailChanged {
                    customer_id,
                    old_email,
                    new_email,
                    occurred_at,
                } => {
                    let event = CustomerEmailChanged {
                        customer_id: customer_id.as_uuid(),
                        old_email: old_email.to_string(),
                        new_email: new_email.to_string(),
                        changed_at: *occurred_at,
                    };
                    Outbox::enqueue(conn, &event, context).await?;
                }
                CustomerEvent::Deactivated {
                    customer_id,
                    occurred_at,
                } => {
                    let event = CustomerDeactivated {
                        customer_id: customer_id.as_uuid(),
                        deactivated_at: *occurred_at,
                    };
                    Outbox::enqueue(conn, &event, context).await?;
                }
                CustomerEvent::Reactivated {
                    customer_id,
                    occurred_at,
                } => {
                    let event = CustomerReactivated {
                        customer_id: customer_id.as_uuid(),
                        reactivated_at: *occurred_at,
                    };
                    Outbox::enqueue(conn, &event, context).await?;
                }
                // Contact details other contexts do not need stay inside this one.
                CustomerEvent::NameChanged { .. }
                | CustomerEvent::PhoneChanged { .. }
                | CustomerEvent::AddressChanged { .. } => {}
            }
            Ok(())
        })
    }
}
