//! Maps product domain events to integration events and writes them to the outbox, inside
//! the change's transaction.

use inventory_domain::ProductEvent;
use orderflow_contracts::{Money, ProductCreated, ProductUpdated};
use orderflow_runtime::events::{DomainEventHandler, EventContext};
use orderflow_runtime::messaging::Outbox;
use orderflow_runtime::{AppError, BoxFuture};
use sqlx::PgConnection;

#[derive(Debug, Clone, Copy, Default)]
pub struct IntegrationEvents;

fn money(price: orderflow_kernel::Money) -> Money {
    Money {
        amount: price.amount_minor(),
        currency: price.currency().code().to_owned(),
    }
}

impl DomainEventHandler<ProductEvent> for IntegrationEvents {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        context: &'a EventContext,
        event: &'a ProductEvent,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            match event {
                ProductEvent::Created {
                    product_id,
                    sku,
                    name,
                    price,
                    occurred_at,
                    ..
                } => {
                    let event = ProductCreated {
                        product_id: product_id.as_uuid(),
                        sku: sku.to_string(),
                        name: name.to_string(),
                        price: money(*price),
                        created_at: *occurred_at,
                    };
                    Outbox::enqueue(conn, &event, context).await?;
                }
                ProductEvent::Updated {
                    product_id,
                    name,
                    price,
                    occurred_at,
                } => {
                    let event = ProductUpdated {
                        product_id: product_id.as_uuid(),
                        name: name.to_string(),
                        price: money(*price),
                        updated_at: *occurred_at,
                    };
                    Outbox::enqueue(conn, &event, context).await?;
                }
                // Stock counts are this context's own business; the saga's stock events
                // come from reservations.
                ProductEvent::StockAdjusted { .. } => {}
            }
            Ok(())
        })
    }
}
