//! Identity types used by the inventory context.
//!
//! Products are owned here and orders by the order context, but both ids
//! travel between contexts, so they are the kernel's shared types: an
//! inventory `OrderId` is the very type the order context uses.

pub use orderflow_kernel::{OrderId, ProductId};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_kind_of_id() {
        assert_eq!("x".parse::<ProductId>().unwrap_err().kind(), "product");
        assert_eq!("x".parse::<OrderId>().unwrap_err().kind(), "order");
    }

    #[test]
    fn ids_of_different_kinds_share_the_uuid_but_not_the_type() {
        let order = OrderId::new();
        let product = ProductId::from_uuid(order.as_uuid());
        assert_eq!(product.to_string(), order.to_string());
        assert_eq!(format!("{product:?}"), format!("Id<product>({order})"));
    }
}
