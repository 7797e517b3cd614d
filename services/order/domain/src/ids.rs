//! Identity types used by the order context.

pub use orderflow_kernel::{CustomerId, OrderId, ProductId};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_kind_of_id() {
        assert_eq!("x".parse::<OrderId>().unwrap_err().kind(), "order");
        assert_eq!("x".parse::<CustomerId>().unwrap_err().kind(), "customer");
        assert_eq!("x".parse::<ProductId>().unwrap_err().kind(), "product");
    }

    #[test]
    fn ids_of_different_kinds_share_the_uuid_but_not_the_type() {
        let order = OrderId::new();
        let product = ProductId::from_uuid(order.as_uuid());
        assert_eq!(product.as_uuid(), order.as_uuid());
        assert_eq!(product.to_string(), order.to_string());
    }
}
