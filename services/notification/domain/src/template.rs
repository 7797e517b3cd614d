//! The templates: one subject and plain-text body per kind of notice.
//!
//! Amounts are formatted by the kernel's [`Money`](orderflow_kernel::Money) (`12.50 EUR`),
//! so every context shows money the same way. Lines stay short so mail transports send the
//! body as plain 7-bit text.

use crate::{Notice, Recipient};

const SIGN_OFF: &str = "Kind regards,\nThe OrderFlow team";

/// A notification ready to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

impl Notice {
    /// The notification `to` receives about this notice.
    pub fn render(&self, to: &Recipient) -> Rendered {
        let first = to.name.first();
        let (subject, text) = match self {
            Self::Welcome => (
                format!("Welcome to OrderFlow, {first}"),
                format!(
                    "thank you for registering with OrderFlow.\n\
                     We will write to {} about your orders.",
                    to.email
                ),
            ),
            Self::OrderConfirmed { order_id, total } => (
                format!("Your order {order_id} is confirmed"),
                format!("your order {order_id} is confirmed.\nTotal charged: {total}"),
            ),
            Self::OrderCancelled { order_id, reason } => (
                format!("Your order {order_id} was cancelled"),
                format!("your order {order_id} was cancelled.\nReason: {reason}"),
            ),
            Self::PaymentFailed {
                order_id,
                amount,
                reason,
            } => (
                format!("Payment for your order {order_id} failed"),
                format!(
                    "we could not charge your order {order_id}.\n\
                     Amount: {amount}\nReason: {reason}"
                ),
            ),
            Self::RefundIssued {
                order_id,
                amount,
                order_total,
            } => {
                let partial = if amount == order_total {
                    String::new()
                } else {
                    format!("\nOrder total: {order_total}")
                };
                (
                    format!("Refund of {amount} for your order {order_id}"),
                    format!(
                        "we refunded a payment for your order {order_id}.\n\
                         Amount refunded: {amount}{partial}\n\
                         It may take a few days to reach your account."
                    ),
                )
            }
        };
        Rendered {
            subject,
            body: format!("Hello {first},\n\n{text}\n\n{SIGN_OFF}\n"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use orderflow_kernel::{Currency, Email, Money, OrderId};

    use super::*;
    use crate::PersonName;

    fn ada() -> Recipient {
        Recipient {
            name: PersonName::new("Ada", "Lovelace").unwrap(),
            email: Email::parse("ada@example.com").unwrap(),
        }
    }

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    fn order() -> OrderId {
        "0190a0c4-0000-7000-8000-000000000001".parse().unwrap()
    }

    #[test]
    fn welcome_greets_by_first_name_and_names_the_address() {
        let rendered = Notice::Welcome.render(&ada());
        assert_eq!(rendered.subject, "Welcome to OrderFlow, Ada");
        assert_eq!(
            rendered.body,
            "Hello Ada,\n\nthank you for registering with OrderFlow.\n\
             We will write to ada@example.com about your orders.\n\n\
             Kind regards,\nThe OrderFlow team\n"
        );
    }

    #[test]
    fn order_confirmed_shows_the_total_with_its_currency() {
        let rendered = Notice::OrderConfirmed {
            order_id: order(),
            total: eur(1250),
        }
        .render(&ada());
        assert_eq!(
            rendered.subject,
            "Your order 0190a0c4-0000-7000-8000-000000000001 is confirmed"
        );
        assert_eq!(
            rendered.body,
            "Hello Ada,\n\nyour order 0190a0c4-0000-7000-8000-000000000001 is confirmed.\n\
             Total charged: 12.50 EUR\n\nKind regards,\nThe OrderFlow team\n"
        );
    }

    #[test]
    fn amounts_follow_the_currency_exponent() {
        let rendered = Notice::OrderConfirmed {
            order_id: order(),
            total: Money::new(1200, Currency::JPY),
        }
        .render(&ada());
        assert!(
            rendered.body.contains("Total charged: 1200 JPY"),
            "{}",
            rendered.body
        );
    }

    #[test]
    fn order_cancelled_gives_the_reason() {
        let rendered = Notice::OrderCancelled {
            order_id: order(),
            reason: "out of stock: Widget".into(),
        }
        .render(&ada());
        assert_eq!(
            rendered.subject,
            "Your order 0190a0c4-0000-7000-8000-000000000001 was cancelled"
        );
        assert!(rendered.body.starts_with("Hello Ada,\n\n"));
        assert!(
            rendered.body.contains(
                "your order 0190a0c4-0000-7000-8000-000000000001 was cancelled.\n\
                 Reason: out of stock: Widget\n"
            ),
            "{}",
            rendered.body
        );
    }

    #[test]
    fn payment_failed_gives_the_amount_and_the_reason() {
        let rendered = Notice::PaymentFailed {
            order_id: order(),
            amount: eur(99_999),
            reason: "card declined".into(),
        }
        .render(&ada());
        assert_eq!(
            rendered.subject,
            "Payment for your order 0190a0c4-0000-7000-8000-000000000001 failed"
        );
        assert!(
            rendered.body.contains(
                "we could not charge your order 0190a0c4-0000-7000-8000-000000000001.\n\
                 Amount: 999.99 EUR\nReason: card declined\n"
            ),
            "{}",
            rendered.body
        );
    }

    #[test]
    fn a_full_refund_gives_the_amount() {
        let rendered = Notice::RefundIssued {
            order_id: order(),
            amount: eur(1250),
            order_total: eur(1250),
        }
        .render(&ada());
        assert_eq!(
            rendered.subject,
            "Refund of 12.50 EUR for your order 0190a0c4-0000-7000-8000-000000000001"
        );
        assert_eq!(
            rendered.body,
            "Hello Ada,\n\nwe refunded a payment for your order \
             0190a0c4-0000-7000-8000-000000000001.\n\
             Amount refunded: 12.50 EUR\n\
             It may take a few days to reach your account.\n\n\
             Kind regards,\nThe OrderFlow team\n"
        );
    }

    #[test]
    fn a_partial_refund_also_gives_the_order_total() {
        let rendered = Notice::RefundIssued {
            order_id: order(),
            amount: eur(500),
            order_total: eur(1250),
        }
        .render(&ada());
        assert!(
            rendered
                .body
                .contains("Amount refunded: 5.00 EUR\nOrder total: 12.50 EUR\n"),
            "{}",
            rendered.body
        );
    }

    #[test]
    fn no_body_line_is_longer_than_a_mail_line() {
        let notices = [
            Notice::Welcome,
            Notice::OrderConfirmed {
                order_id: order(),
                total: eur(i64::MAX),
            },
            Notice::PaymentFailed {
                order_id: order(),
                amount: eur(i64::MAX),
                reason: "x".into(),
            },
            Notice::RefundIssued {
                order_id: order(),
                amount: eur(i64::MAX),
                order_total: eur(1),
            },
        ];
        for notice in notices {
            let rendered = notice.render(&ada());
            for line in rendered.body.lines() {
                assert!(line.len() <= 76, "{line:?}");
            }
        }
    }
}
