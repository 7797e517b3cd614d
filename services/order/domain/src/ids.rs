//! Identity types used by the order context.

use orderflow_kernel::{Id, IdKind};

/// Marker that gives order ids their own type, so they can't be mixed up
/// with ids of other aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderKind;

impl IdKind for OrderKind {
    const NAME: &'static str = "order";
}

/// Identity of an [`Order`](crate::Order); also the saga's correlation id.
pub type OrderId = Id<OrderKind>;

/// Marker for references to customers. The customer context owns customers;
/// this crate has its own marker instead of depending on `customer-domain`,
/// so the two contexts stay decoupled while sharing the same UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomerRefKind;

impl IdKind for CustomerRefKind {
    const NAME: &'static str = "customer";
}

/// The customer who placed an order, as known to the order context.
pub type CustomerId = Id<CustomerRefKind>;

/// Marker for references to products, which the inventory context owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProductKind;

impl IdKind for ProductKind {
    const NAME: &'static str = "product";
}

/// A product on an order line.
pub type ProductId = Id<ProductKind>;

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
