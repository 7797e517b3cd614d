//! The identities that cross context boundaries.
//!
//! Each context owns its aggregate, but its id travels in events and in other contexts'
//! references: one type per identity, shared here, keeps a customer id from ever being
//! passed where an order id belongs, in every context alike.

use crate::{Id, IdKind};

macro_rules! entity_id {
    ($kind:ident, $id:ident, $name:literal, $doc:literal) => {
        #[doc = concat!("Marker of ", $name, " ids.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $kind;

        impl IdKind for $kind {
            const NAME: &'static str = $name;
        }

        #[doc = $doc]
        pub type $id = Id<$kind>;
    };
}

entity_id!(
    CustomerKind,
    CustomerId,
    "customer",
    "Identity of a customer, owned by the customer context."
);
entity_id!(
    OrderKind,
    OrderId,
    "order",
    "Identity of an order, owned by the order context; also the saga's correlation id."
);
entity_id!(
    ProductKind,
    ProductId,
    "product",
    "Identity of a product, owned by the inventory context."
);
entity_id!(
    PaymentKind,
    PaymentId,
    "payment",
    "Identity of a payment, owned by the payment context."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_kind_of_id() {
        assert_eq!(
            "x".parse::<CustomerId>().err().map(|e| e.kind()),
            Some("customer")
        );
        assert_eq!(
            "x".parse::<OrderId>().err().map(|e| e.kind()),
            Some("order")
        );
        assert_eq!(
            "x".parse::<ProductId>().err().map(|e| e.kind()),
            Some("product")
        );
        assert_eq!(
            "x".parse::<PaymentId>().err().map(|e| e.kind()),
            Some("payment")
        );
    }
}
