//! The simulated payment gateway: rules a demo can rely on.

use orderflow_kernel::{Currency, Money};

use crate::{Payment, PaymentError};

/// What the gateway answers to a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Charge it: [`Payment::process`] authorises and captures.
    Approve,
    /// Refuse it; the reason travels to the saga in `PaymentFailed` and ends
    /// up as the order's cancellation reason.
    Decline { reason: String },
}

impl Decision {
    pub fn is_approved(&self) -> bool {
        matches!(self, Self::Approve)
    }

    /// The decline reason; `None` when approved.
    pub fn decline_reason(&self) -> Option<&str> {
        match self {
            Self::Approve => None,
            Self::Decline { reason } => Some(reason),
        }
    }
}

/// Deterministic stand-in for a real payment provider.
///
/// Checks, in this order (the first that fails gives the reason):
/// 1. the card token equals the configured declining token: `card declined`
///    (a real provider's test cards behave the same way, whatever the amount);
/// 2. the amount is in the limit's currency: `currency mismatch: ...` (one
///    currency per deployment keeps the limit meaningful);
/// 3. the customer's **exposure** (captured minus refunded over all their
///    payments, before this one) plus the amount is at most the limit:
///    `limit exceeded: ...`.
///
/// The limit is cumulative rather than per payment because that is how card
/// limits and fraud rules behave: many small orders hit it as surely as one
/// big order, and a refund frees the room again. The caller passes the
/// exposure in (e.g. from [`PaymentPolicy::exposure_of`] or a query), which
/// keeps this type free of I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPolicy {
    per_customer_limit: Money,
    declining_token: String,
}

impl PaymentPolicy {
    /// Default card token that always declines, handy for demos and tests.
    pub const DEFAULT_DECLINING_TOKEN: &'static str = "tok_decline";
    /// Default limit per customer: 1,000.00 EUR outstanding at any time.
    pub const DEFAULT_LIMIT: Money = Money::new(100_000, Currency::EUR);
    /// Reason given when the declining token is used.
    pub const CARD_DECLINED: &'static str = "card declined";

    /// A policy with the given cumulative limit and declining token (trimmed).
    /// A zero limit is allowed (it declines every charge); a negative one or
    /// a blank token is a configuration error.
    pub fn new(per_customer_limit: Money, declining_token: &str) -> Result<Self, PaymentError> {
        if per_customer_limit.is_negative() {
            return Err(PaymentError::NegativeLimit {
                limit: per_customer_limit,
            });
        }
        let declining_token = declining_token.trim();
        if declining_token.is_empty() {
            return Err(PaymentError::DecliningTokenRequired);
        }
        Ok(Self {
            per_customer_limit,
            declining_token: declining_token.to_owned(),
        })
    }

    /// The most a customer may have outstanding (captured, not refunded).
    pub fn per_customer_limit(&self) -> Money {
        self.per_customer_limit
    }

    /// The card token that always declines.
    pub fn declining_token(&self) -> &str {
        &self.declining_token
    }

    /// Decides whether to charge `amount` to a customer who already has
    /// `customer_exposure` outstanding, paying with `token` (if any; compared
    /// after trimming). See the type docs for the order of the checks.
    ///
    /// Total: never fails. An overflowing sum is over any limit, and an
    /// exposure in another currency declines (it can only come from a bug,
    /// and charging on a wrong number is worse than refusing).
    pub fn decide(&self, amount: Money, token: Option<&str>, customer_exposure: Money) -> Decision {
        if token.map(str::trim) == Some(self.declining_token.as_str()) {
            return decline(Self::CARD_DECLINED.to_owned());
        }
        let limit = self.per_customer_limit;
        if amount.currency() != limit.currency() {
            return decline(format!(
                "currency mismatch: payments are accepted in {}, got {}",
                limit.currency(),
                amount.currency()
            ));
        }
        if customer_exposure.currency() != limit.currency() {
            return decline(format!(
                "currency mismatch: the customer's outstanding payments are in {}, the limit in {}",
                customer_exposure.currency(),
                limit.currency()
            ));
        }
        match customer_exposure.checked_add(amount) {
            Ok(total) if total.amount_minor() <= limit.amount_minor() => Decision::Approve,
            _ => decline(format!(
                "limit exceeded: {amount} on top of {customer_exposure} already charged is over the limit of {limit}"
            )),
        }
    }

    /// A customer's exposure from their payments: the sum of
    /// [`Payment::exposure`], in the limit's currency.
    ///
    /// Payments that hold nothing (declined, refunded, voided) are skipped
    /// whatever their currency. Fails on money held in another currency (the
    /// policy never approves such a charge, so it points at foreign data) or
    /// on overflow.
    pub fn exposure_of<'a, I>(&self, payments: I) -> Result<Money, PaymentError>
    where
        I: IntoIterator<Item = &'a Payment>,
    {
        Ok(Money::sum(
            self.per_customer_limit.currency(),
            payments
                .into_iter()
                .map(Payment::exposure)
                .filter(|exposure| !exposure.is_zero()),
        )?)
    }
}

impl Default for PaymentPolicy {
    /// [`PaymentPolicy::DEFAULT_LIMIT`] and [`PaymentPolicy::DEFAULT_DECLINING_TOKEN`].
    fn default() -> Self {
        Self {
            per_customer_limit: Self::DEFAULT_LIMIT,
            declining_token: Self::DEFAULT_DECLINING_TOKEN.to_owned(),
        }
    }
}

fn decline(reason: String) -> Decision {
    Decision::Decline { reason }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::{CustomerId, OrderId, PaymentId};

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    /// Limit 100.00 EUR, default declining token.
    fn policy() -> PaymentPolicy {
        PaymentPolicy::new(eur(10_000), "tok_decline").unwrap()
    }

    fn reason(decision: Decision) -> String {
        decision
            .decline_reason()
            .expect("should decline")
            .to_owned()
    }

    #[test]
    fn defaults_are_documented_values() {
        let policy = PaymentPolicy::default();
        assert_eq!(policy.per_customer_limit(), eur(100_000));
        assert_eq!(policy.declining_token(), "tok_decline");
    }

    #[test]
    fn approves_within_the_limit() {
        let decision = policy().decide(eur(2_500), Some("tok_visa"), eur(5_000));
        assert_eq!(decision, Decision::Approve);
        assert!(decision.is_approved());
        assert_eq!(decision.decline_reason(), None);
    }

    #[test]
    fn approves_exactly_at_the_limit() {
        assert!(policy().decide(eur(10_000), None, eur(0)).is_approved());
        assert!(policy().decide(eur(1), None, eur(9_999)).is_approved());
    }

    #[test]
    fn declines_one_minor_unit_over_the_limit() {
        let decision = policy().decide(eur(2), None, eur(9_999));
        assert!(!decision.is_approved());
        assert_eq!(
            reason(decision),
            "limit exceeded: 0.02 EUR on top of 99.99 EUR already charged is over the limit of 100.00 EUR"
        );
        assert!(!policy().decide(eur(10_001), None, eur(0)).is_approved());
    }

    #[test]
    fn a_zero_limit_declines_every_charge() {
        let policy = PaymentPolicy::new(eur(0), "tok_decline").unwrap();
        assert!(reason(policy.decide(eur(1), None, eur(0))).starts_with("limit exceeded: "));
    }

    #[test]
    fn declining_token_always_declines_even_tiny_amounts() {
        assert_eq!(
            reason(policy().decide(eur(1), Some("tok_decline"), eur(0))),
            "card declined"
        );
        assert_eq!(
            reason(policy().decide(eur(1), Some("  tok_decline \n"), eur(0))),
            PaymentPolicy::CARD_DECLINED
        );
    }

    #[test]
    fn declining_token_wins_over_limit_and_currency() {
        let usd = Money::new(1_000_000, Currency::USD);
        assert_eq!(
            reason(policy().decide(usd, Some("tok_decline"), eur(0))),
            "card declined"
        );
    }

    #[test]
    fn other_or_missing_tokens_do_not_decline() {
        for token in [
            None,
            Some("tok_visa"),
            Some("TOK_DECLINE"),
            Some("tok_decline2"),
        ] {
            assert!(
                policy().decide(eur(100), token, eur(0)).is_approved(),
                "{token:?}"
            );
        }
    }

    #[test]
    fn configured_token_replaces_the_default() {
        let policy = PaymentPolicy::new(eur(10_000), " tok_chargeback ").unwrap();
        assert_eq!(policy.declining_token(), "tok_chargeback");
        assert!(
            policy
                .decide(eur(1), Some("tok_decline"), eur(0))
                .is_approved()
        );
        assert!(
            !policy
                .decide(eur(1), Some("tok_chargeback"), eur(0))
                .is_approved()
        );
    }

    #[test]
    fn amount_in_another_currency_declines() {
        let decision = policy().decide(Money::new(100, Currency::USD), None, eur(0));
        assert_eq!(
            reason(decision),
            "currency mismatch: payments are accepted in EUR, got USD"
        );
    }

    #[test]
    fn exposure_in_another_currency_declines() {
        let decision = policy().decide(eur(100), None, Money::new(0, Currency::GBP));
        assert_eq!(
            reason(decision),
            "currency mismatch: the customer's outstanding payments are in GBP, the limit in EUR"
        );
    }

    #[test]
    fn overflowing_exposure_declines_instead_of_panicking() {
        let policy = PaymentPolicy::new(eur(i64::MAX), "t").unwrap();
        assert!(policy.decide(eur(i64::MAX), None, eur(0)).is_approved());
        assert!(reason(policy.decide(eur(1), None, eur(i64::MAX))).starts_with("limit exceeded"));
    }

    #[test]
    fn new_rejects_negative_limit_and_blank_token() {
        assert_eq!(
            PaymentPolicy::new(eur(-1), "tok_decline"),
            Err(PaymentError::NegativeLimit { limit: eur(-1) })
        );
        for token in ["", "  ", "\t"] {
            assert_eq!(
                PaymentPolicy::new(eur(1), token),
                Err(PaymentError::DecliningTokenRequired),
                "{token:?}"
            );
        }
    }

    #[test]
    fn exposure_of_sums_captured_minus_refunded() {
        let at = Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap();
        let customer = CustomerId::new();
        let charge = |minor| {
            Payment::process(
                PaymentId::new(),
                OrderId::new(),
                customer,
                eur(minor),
                Decision::Approve,
                at,
            )
            .unwrap()
        };
        let kept = charge(3_000);
        let mut refunded = charge(2_000);
        refunded.refund("changed my mind", at);
        let declined = Payment::process(
            PaymentId::new(),
            OrderId::new(),
            customer,
            eur(5_000),
            Decision::Decline {
                reason: "card declined".to_owned(),
            },
            at,
        )
        .unwrap();
        let policy = policy();
        assert_eq!(
            policy.exposure_of([&kept, &refunded, &declined]),
            Ok(eur(3_000))
        );
        assert_eq!(policy.exposure_of([]), Ok(eur(0)));
        // Feeding it back: 30.00 outstanding leaves room for exactly 70.00.
        let exposure = policy.exposure_of([&kept]).unwrap();
        assert!(policy.decide(eur(7_000), None, exposure).is_approved());
        assert!(!policy.decide(eur(7_001), None, exposure).is_approved());
    }

    #[test]
    fn exposure_of_rejects_money_held_in_a_foreign_currency_only() {
        let at = Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap();
        let usd = |decision| {
            Payment::process(
                PaymentId::new(),
                OrderId::new(),
                CustomerId::new(),
                Money::new(100, Currency::USD),
                decision,
                at,
            )
            .unwrap()
        };
        let declined = usd(Decision::Decline {
            reason: "currency mismatch".to_owned(),
        });
        assert_eq!(policy().exposure_of([&declined]), Ok(eur(0)));
        let captured = usd(Decision::Approve);
        assert_eq!(
            policy().exposure_of([&declined, &captured]),
            Err(PaymentError::CurrencyMismatch {
                expected: Currency::EUR,
                actual: Currency::USD
            })
        );
    }
}
