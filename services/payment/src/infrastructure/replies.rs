//! Maps the domain's replies to the payment contracts and writes them to the outbox, on
//! the command's transaction.

use orderflow_contracts::{Money as WireMoney, PaymentFailed, PaymentProcessed, PaymentRefunded};
use orderflow_kernel::Money;
use orderflow_runtime::events::EventContext;
use orderflow_runtime::messaging::{Outbox, OutboxError};
use payment_domain::PaymentReply;
use sqlx::PgConnection;

use crate::application::ReplyPublisher;

#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxReplies;

fn money(money: Money) -> WireMoney {
    WireMoney::new(money.amount_minor(), money.currency().code())
}

impl ReplyPublisher for OutboxReplies {
    async fn publish(
        &self,
        conn: &mut PgConnection,
        reply: &PaymentReply,
        context: &EventContext,
    ) -> Result<(), OutboxError> {
        match reply {
            PaymentReply::Processed {
                payment_id,
                order_id,
                amount,
                processed_at,
            } => {
                let event = PaymentProcessed {
                    payment_id: payment_id.as_uuid(),
                    order_id: order_id.as_uuid(),
                    amount: money(*amount),
                    processed_at: *processed_at,
                };
                Outbox::enqueue(conn, &event, context).await?;
            }
            PaymentReply::Failed {
                order_id,
                amount,
                reason,
                failed_at,
            } => {
                let event = PaymentFailed {
                    order_id: order_id.as_uuid(),
                    amount: money(*amount),
                    reason: reason.clone(),
                    failed_at: *failed_at,
                };
                Outbox::enqueue(conn, &event, context).await?;
            }
            // A refund that found nothing charged answers with a zero amount: the saga
            // hears back, and nobody adds up money that never moved.
            PaymentReply::Refunded {
                payment_id,
                order_id,
                amount,
                refunded_at: at,
            }
            | PaymentReply::NothingToRefund {
                payment_id,
                order_id,
                amount,
                at,
                ..
            } => {
                let event = PaymentRefunded {
                    payment_id: payment_id.as_uuid(),
                    order_id: order_id.as_uuid(),
                    amount: money(*amount),
                    refunded_at: *at,
                };
                Outbox::enqueue(conn, &event, context).await?;
            }
        }
        Ok(())
    }
}
