//! What a customer is told about, decided from the other contexts' events.

use std::fmt;

use orderflow_kernel::{Money, OrderId};

use crate::OrderSummary;

/// The kinds of notification, with the stable names the history and metrics use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    Welcome,
    OrderConfirmed,
    OrderCancelled,
    PaymentFailed,
    RefundIssued,
}

impl NotificationKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Welcome => "welcome",
            Self::OrderConfirmed => "order-confirmed",
            Self::OrderCancelled => "order-cancelled",
            Self::PaymentFailed => "payment-failed",
            Self::RefundIssued => "refund-issued",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing to tell a customer, with the facts its template needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The customer registered.
    Welcome,
    /// The order was charged and will be fulfilled.
    OrderConfirmed { order_id: OrderId, total: Money },
    /// The order will not be fulfilled.
    OrderCancelled { order_id: OrderId, reason: String },
    /// Charging the order failed.
    PaymentFailed {
        order_id: OrderId,
        amount: Money,
        reason: String,
    },
    /// Money went back to the customer.
    RefundIssued {
        order_id: OrderId,
        amount: Money,
        order_total: Money,
    },
}

impl Notice {
    /// A refund worth telling about: a refund of nothing (the order was never charged, the
    /// payment context voided it) is no news to the customer, so there is none.
    pub fn refund(order_id: OrderId, amount: Money, order: &OrderSummary) -> Option<Self> {
        (amount.amount_minor() > 0).then_some(Self::RefundIssued {
            order_id,
            amount,
            order_total: order.total,
        })
    }

    pub fn kind(&self) -> NotificationKind {
        match self {
            Self::Welcome => NotificationKind::Welcome,
            Self::OrderConfirmed { .. } => NotificationKind::OrderConfirmed,
            Self::OrderCancelled { .. } => NotificationKind::OrderCancelled,
            Self::PaymentFailed { .. } => NotificationKind::PaymentFailed,
            Self::RefundIssued { .. } => NotificationKind::RefundIssued,
        }
    }

    /// The order it is about, if any.
    pub fn order_id(&self) -> Option<OrderId> {
        match self {
            Self::Welcome => None,
            Self::OrderConfirmed { order_id, .. }
            | Self::OrderCancelled { order_id, .. }
            | Self::PaymentFailed { order_id, .. }
            | Self::RefundIssued { order_id, .. } => Some(*order_id),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use orderflow_kernel::{Currency, CustomerId};

    use super::*;

    fn summary(total: i64) -> OrderSummary {
        OrderSummary {
            customer_id: CustomerId::new(),
            total: Money::new(total, Currency::EUR),
        }
    }

    #[test]
    fn kinds_have_distinct_stable_names() {
        let kinds = [
            NotificationKind::Welcome,
            NotificationKind::OrderConfirmed,
            NotificationKind::OrderCancelled,
            NotificationKind::PaymentFailed,
            NotificationKind::RefundIssued,
        ];
        let names: Vec<String> = kinds.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "welcome",
                "order-confirmed",
                "order-cancelled",
                "payment-failed",
                "refund-issued"
            ]
        );
    }

    #[test]
    fn a_refund_of_something_is_told() {
        let order = OrderId::new();
        let notice = Notice::refund(order, Money::new(500, Currency::EUR), &summary(1250));
        assert_eq!(
            notice,
            Some(Notice::RefundIssued {
                order_id: order,
                amount: Money::new(500, Currency::EUR),
                order_total: Money::new(1250, Currency::EUR),
            })
        );
        assert_eq!(
            notice.map(|n| n.kind()),
            Some(NotificationKind::RefundIssued)
        );
    }

    #[test]
    fn a_refund_of_nothing_is_not_told() {
        let order = OrderId::new();
        assert_eq!(
            Notice::refund(order, Money::zero(Currency::EUR), &summary(1250)),
            None
        );
        assert_eq!(
            Notice::refund(order, Money::new(-1, Currency::EUR), &summary(1250)),
            None
        );
    }

    #[test]
    fn notices_name_their_kind_and_order() {
        let order = OrderId::new();
        let eur = Money::new(1, Currency::EUR);
        let cases = [
            (Notice::Welcome, NotificationKind::Welcome, None),
            (
                Notice::OrderConfirmed {
                    order_id: order,
                    total: eur,
                },
                NotificationKind::OrderConfirmed,
                Some(order),
            ),
            (
                Notice::OrderCancelled {
                    order_id: order,
                    reason: "r".into(),
                },
                NotificationKind::OrderCancelled,
                Some(order),
            ),
            (
                Notice::PaymentFailed {
                    order_id: order,
                    amount: eur,
                    reason: "r".into(),
                },
                NotificationKind::PaymentFailed,
                Some(order),
            ),
        ];
        for (notice, kind, order_id) in cases {
            assert_eq!(notice.kind(), kind);
            assert_eq!(notice.order_id(), order_id);
        }
    }
}
