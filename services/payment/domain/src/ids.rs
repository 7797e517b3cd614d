//! Identity types used by the payment context.

pub use orderflow_kernel::{CustomerId, OrderId, PaymentId};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_kind_of_id() {
        assert_eq!("x".parse::<PaymentId>().unwrap_err().kind(), "payment");
        assert_eq!("x".parse::<OrderId>().unwrap_err().kind(), "order");
        assert_eq!("x".parse::<CustomerId>().unwrap_err().kind(), "customer");
    }

    #[test]
    fn an_order_id_from_the_order_context_keeps_its_uuid() {
        let order = OrderId::new();
        let text = order.to_string();
        assert_eq!(text.parse::<OrderId>().unwrap(), order);
        assert_eq!(PaymentId::from_uuid(order.as_uuid()).to_string(), text);
    }
}
