//! The saga's payment commands, handled inside the consumer's transaction (the inbox row
//! is already in it), exactly as the domain crate's docs prescribe.

use std::sync::Arc;

use orderflow_contracts::{ProcessPayment, RefundPayment};
use orderflow_kernel::{Currency, Money, MoneyError};
use orderflow_runtime::clock::Clock;
use orderflow_runtime::events::EventContext;
use orderflow_runtime::faults::Faults;
use orderflow_runtime::messaging::OutboxError;
use payment_domain::{
    Decision, Payment, PaymentError, PaymentEvent, PaymentId, PaymentPolicy, PaymentReply,
};
use sqlx::PgConnection;

use super::commands::{Charge, InvalidCommand, Refund};
use super::ports::{PaymentRepository, ReplyPublisher, RepositoryError, Versioned};

/// Why a command was not handled; [`ProcessingError::is_transient`] tells whether a retry
/// can help.
#[derive(Debug, thiserror::Error)]
pub enum ProcessingError {
    #[error(transparent)]
    Invalid(#[from] InvalidCommand),
    #[error("refused: {0}")]
    Rule(#[from] PaymentError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    #[error("cannot publish the reply: {0}")]
    Publish(#[from] OutboxError),
}

impl ProcessingError {
    /// Database trouble and lost races are worth retrying (a retry sees the winner's
    /// state); a broken command or corrupt data is not.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Invalid(_) | Self::Rule(_) => false,
            Self::Repository(err) => !matches!(err, RepositoryError::Corrupt(_)),
            Self::Publish(err) => matches!(err, OutboxError::Database(_)),
        }
    }
}

/// Reason of a charge declined by `/admin/faults` (`declineRate`).
pub const FAULT_DECLINE_REASON: &str = "declined by fault injection";

/// Handles `ProcessPayment` and `RefundPayment`: idempotent per order, never charging twice,
/// and answering every command (the saga resends until it hears back).
pub struct PaymentProcessor<R, P> {
    repository: R,
    replies: P,
    policy: PaymentPolicy,
    faults: Faults,
    clock: Arc<dyn Clock>,
}

impl<R: PaymentRepository, P: ReplyPublisher> PaymentProcessor<R, P> {
    pub fn new(
        repository: R,
        replies: P,
        policy: PaymentPolicy,
        faults: Faults,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repository,
            replies,
            policy,
            faults,
            clock,
        }
    }

    /// Charges the order unless it already has a payment, in which case the recorded
    /// outcome is answered again (a redelivery by any route, or a charge after a void).
    pub async fn process(
        &self,
        conn: &mut PgConnection,
        command: &ProcessPayment,
        context: &EventContext,
    ) -> Result<PaymentReply, ProcessingError> {
        let charge = Charge::try_from(command)?;
        self.repository.lock_order(conn, charge.order_id).await?;
        let reply = match self
            .repository
            .find_for_update(conn, charge.order_id)
            .await?
        {
            Some(stored) => stored.value.on_redelivered_process(),
            None => self.charge(conn, &charge, context).await?,
        };
        self.replies.publish(conn, &reply, context).await?;
        tracing::info!(order_id = %charge.order_id, reply = reply.event_type(), "ProcessPayment handled");
        Ok(reply)
    }

    /// Refunds the order's payment, or voids the order when the refund overtook its charge.
    pub async fn refund(
        &self,
        conn: &mut PgConnection,
        command: &RefundPayment,
        context: &EventContext,
    ) -> Result<PaymentReply, ProcessingError> {
        let refund = Refund::try_from(command)?;
        self.repository.lock_order(conn, refund.order_id).await?;
        let now = self.clock.now();
        let reply = match self
            .repository
            .find_for_update(conn, refund.order_id)
            .await?
        {
            Some(Versioned {
                value: mut payment,
                version,
            }) => {
                let reply = payment.refund(&refund.reason, now);
                if !payment.take_events().is_empty() {
                    self.repository
                        .update(conn, &payment, version, context)
                        .await?;
                }
                reply
            }
            None => {
                let payment = Payment::void(
                    PaymentId::new(),
                    refund.order_id,
                    refund.amount,
                    &refund.reason,
                    now,
                )?;
                self.store_new(conn, payment, context).await?
            }
        };
        self.replies.publish(conn, &reply, context).await?;
        tracing::info!(order_id = %refund.order_id, reply = reply.event_type(), "RefundPayment handled");
        Ok(reply)
    }

    /// The first charge of an order: the customer's charges are serialised so the exposure
    /// the policy sees is still true when this one commits.
    async fn charge(
        &self,
        conn: &mut PgConnection,
        charge: &Charge,
        context: &EventContext,
    ) -> Result<PaymentReply, ProcessingError> {
        self.repository
            .lock_customer(conn, charge.customer_id)
            .await?;
        let limit_currency = self.policy.per_customer_limit().currency();
        let holdings = self.repository.holdings(conn, charge.customer_id).await?;
        let decision = match self.policy.decide(
            charge.amount,
            charge.payment_token.as_deref(),
            exposure(limit_currency, &holdings),
        ) {
            Decision::Approve if self.faults.decline() => Decision::Decline {
                reason: FAULT_DECLINE_REASON.to_owned(),
            },
            decision => decision,
        };
        let payment = Payment::process(
            PaymentId::new(),
            charge.order_id,
            charge.customer_id,
            charge.amount,
            decision,
            self.clock.now(),
        )?;
        self.store_new(conn, payment, context).await
    }

    /// Inserts a payment that was just created and answers with what it recorded.
    async fn store_new(
        &self,
        conn: &mut PgConnection,
        mut payment: Payment,
        context: &EventContext,
    ) -> Result<PaymentReply, ProcessingError> {
        self.repository.insert(conn, &payment, context).await?;
        let events = payment.take_events();
        // A new payment records exactly one event; its recorded outcome is the same answer.
        Ok(events
            .last()
            .map(PaymentEvent::reply)
            .unwrap_or_else(|| payment.on_redelivered_process()))
    }
}

/// The customer's exposure in the limit's currency, for [`PaymentPolicy::decide`]: it
/// declines when money is held in another currency (we pass that currency through) and
/// when the sum overflows (we pass the largest amount).
fn exposure(limit_currency: Currency, holdings: &[Money]) -> Money {
    let held = holdings.iter().copied().filter(|money| !money.is_zero());
    match Money::sum(limit_currency, held) {
        Ok(total) => total,
        Err(MoneyError::CurrencyMismatch { right, .. }) => Money::zero(right),
        Err(MoneyError::Overflow) => Money::new(i64::MAX, limit_currency),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn exposure_adds_up_the_limit_currency() {
        assert_eq!(exposure(Currency::EUR, &[]), eur(0));
        assert_eq!(exposure(Currency::EUR, &[eur(300), eur(200)]), eur(500));
    }

    #[test]
    fn money_held_in_another_currency_makes_the_policy_decline() {
        let held = [eur(100), Money::new(5, Currency::GBP)];
        let exposure = exposure(Currency::EUR, &held);
        assert_eq!(exposure.currency(), Currency::GBP);
        let decision = PaymentPolicy::default().decide(eur(1), None, exposure);
        assert!(!decision.is_approved());
        // Nothing held in another currency does not count.
        assert_eq!(
            super::exposure(Currency::EUR, &[Money::zero(Currency::GBP)]),
            eur(0)
        );
    }

    #[test]
    fn an_overflowing_exposure_is_over_any_limit() {
        let exposure = exposure(Currency::EUR, &[eur(i64::MAX), eur(1)]);
        assert_eq!(exposure, eur(i64::MAX));
        assert!(
            !PaymentPolicy::default()
                .decide(eur(1), None, exposure)
                .is_approved()
        );
    }

    #[test]
    fn only_broken_commands_and_corrupt_data_are_permanent() {
        let invalid = ProcessingError::Invalid(InvalidCommand {
            command: "ProcessPayment",
            reason: "r".into(),
        });
        assert!(!invalid.is_transient());
        assert!(!ProcessingError::Rule(PaymentError::AmountOverflow).is_transient());
        assert!(!ProcessingError::Repository(RepositoryError::Corrupt("x".into())).is_transient());
        assert!(
            ProcessingError::Repository(RepositoryError::VersionConflict { expected: 1 })
                .is_transient()
        );
        assert!(
            ProcessingError::Repository(RepositoryError::Database(sqlx::Error::PoolTimedOut))
                .is_transient()
        );
    }
}
