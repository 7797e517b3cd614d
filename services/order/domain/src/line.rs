//! Order lines: what is bought, how many, and at what price.

use std::fmt;

use orderflow_kernel::{Currency, Money};
use serde::{Deserialize, Serialize};

use crate::{OrderError, ProductId};

/// How many units of a product a line orders: 1 to 1000.
///
/// The upper bound stops typos (an extra zero) and abuse from reserving a
/// warehouse's whole stock in one click; bulk buyers have another channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Quantity(u32);

impl Quantity {
    /// The smallest quantity a line can have; a line with none is removed instead.
    pub const MIN: u32 = 1;
    /// The largest quantity one line can have.
    pub const MAX: u32 = 1000;

    /// Accepts `1..=1000`, else [`OrderError::InvalidQuantity`].
    pub fn new(quantity: u32) -> Result<Self, OrderError> {
        if (Self::MIN..=Self::MAX).contains(&quantity) {
            Ok(Self(quantity))
        } else {
            Err(OrderError::InvalidQuantity { quantity })
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The combined quantity, e.g. when the same product is added twice;
    /// still bounded by [`Quantity::MAX`].
    pub fn checked_add(self, other: Quantity) -> Result<Self, OrderError> {
        // Both are at most MAX, so the sum cannot overflow u32.
        Self::new(self.0.saturating_add(other.0))
    }
}

impl TryFrom<u32> for Quantity {
    type Error = OrderError;

    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Quantity> for u32 {
    fn from(quantity: Quantity) -> Self {
        quantity.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// One product on an order, priced when it was added.
///
/// The name and unit price are copied from the catalogue at that moment, so
/// the order keeps showing what the customer agreed to even if the catalogue
/// changes later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "OrderLineRepr", into = "OrderLineRepr")]
pub struct OrderLine {
    product_id: ProductId,
    product_name: String,
    quantity: Quantity,
    unit_price: Money,
}

impl OrderLine {
    /// Longest product name, in characters (not bytes).
    pub const MAX_NAME_CHARS: usize = 200;

    /// Trims and checks the name (1 to 200 characters) and refuses a negative
    /// price; a zero price (a free item) is allowed.
    pub fn new(
        product_id: ProductId,
        product_name: &str,
        quantity: Quantity,
        unit_price: Money,
    ) -> Result<Self, OrderError> {
        let name = product_name.trim();
        if name.is_empty() {
            return Err(OrderError::ProductNameRequired);
        }
        let chars = name.chars().count();
        if chars > Self::MAX_NAME_CHARS {
            return Err(OrderError::ProductNameTooLong {
                max: Self::MAX_NAME_CHARS,
                actual: chars,
            });
        }
        if unit_price.is_negative() {
            return Err(OrderError::NegativeUnitPrice { unit_price });
        }
        Ok(Self {
            product_id,
            product_name: name.to_owned(),
            quantity,
            unit_price,
        })
    }

    pub fn product_id(&self) -> ProductId {
        self.product_id
    }

    pub fn product_name(&self) -> &str {
        &self.product_name
    }

    pub fn quantity(&self) -> Quantity {
        self.quantity
    }

    pub fn unit_price(&self) -> Money {
        self.unit_price
    }

    /// The currency of the unit price, and therefore of the line.
    pub fn currency(&self) -> Currency {
        self.unit_price.currency()
    }

    /// Unit price times quantity; [`OrderError::AmountOverflow`] instead of a wrong number.
    pub fn line_total(&self) -> Result<Money, OrderError> {
        Ok(self.unit_price.checked_mul(self.quantity.get())?)
    }

    /// The same line with another quantity; name and price are unchanged.
    pub(crate) fn with_quantity(&self, quantity: Quantity) -> Self {
        Self {
            quantity,
            ..self.clone()
        }
    }
}

/// Wire form; deserialised values go through [`OrderLine::new`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderLineRepr {
    product_id: ProductId,
    product_name: String,
    quantity: Quantity,
    unit_price: Money,
}

impl TryFrom<OrderLineRepr> for OrderLine {
    type Error = OrderError;

    fn try_from(repr: OrderLineRepr) -> Result<Self, Self::Error> {
        Self::new(
            repr.product_id,
            &repr.product_name,
            repr.quantity,
            repr.unit_price,
        )
    }
}

impl From<OrderLine> for OrderLineRepr {
    fn from(line: OrderLine) -> Self {
        Self {
            product_id: line.product_id,
            product_name: line.product_name,
            quantity: line.quantity,
            unit_price: line.unit_price,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    fn qty(n: u32) -> Quantity {
        Quantity::new(n).unwrap()
    }

    #[test]
    fn quantity_accepts_one_to_one_thousand() {
        assert_eq!(Quantity::new(1).unwrap().get(), 1);
        assert_eq!(Quantity::new(1000).unwrap().get(), 1000);
        assert_eq!(
            Quantity::new(0),
            Err(OrderError::InvalidQuantity { quantity: 0 })
        );
        assert_eq!(
            Quantity::new(1001),
            Err(OrderError::InvalidQuantity { quantity: 1001 })
        );
        assert!(Quantity::new(u32::MAX).is_err());
    }

    #[test]
    fn quantity_checked_add_stays_within_the_cap() {
        assert_eq!(qty(400).checked_add(qty(600)), Ok(qty(1000)));
        assert_eq!(
            qty(1000).checked_add(qty(1000)),
            Err(OrderError::InvalidQuantity { quantity: 2000 })
        );
    }

    #[test]
    fn quantity_serde_is_a_validated_number() {
        assert_eq!(serde_json::to_string(&qty(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<Quantity>("7").unwrap(), qty(7));
        for bad in ["0", "1001", "-1", "1.5", "\"3\""] {
            assert!(serde_json::from_str::<Quantity>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn line_trims_the_name_and_exposes_fields() {
        let id = ProductId::new();
        let line = OrderLine::new(id, "  Blue mug \n", qty(3), eur(450)).unwrap();
        assert_eq!(line.product_id(), id);
        assert_eq!(line.product_name(), "Blue mug");
        assert_eq!(line.quantity(), qty(3));
        assert_eq!(line.unit_price(), eur(450));
        assert_eq!(line.currency(), Currency::EUR);
    }

    #[test]
    fn line_name_must_not_be_blank() {
        for name in ["", "   ", "\t\n"] {
            assert_eq!(
                OrderLine::new(ProductId::new(), name, qty(1), eur(1)),
                Err(OrderError::ProductNameRequired),
                "{name:?}"
            );
        }
    }

    #[test]
    fn line_name_limit_is_200_characters_not_bytes() {
        let max = "ü".repeat(200);
        let line = OrderLine::new(ProductId::new(), &max, qty(1), eur(1)).unwrap();
        assert_eq!(line.product_name().chars().count(), 200);
        assert_eq!(
            OrderLine::new(ProductId::new(), &"a".repeat(201), qty(1), eur(1)),
            Err(OrderError::ProductNameTooLong {
                max: 200,
                actual: 201
            })
        );
    }

    #[test]
    fn line_price_may_be_zero_but_not_negative() {
        let free = OrderLine::new(ProductId::new(), "Sticker", qty(2), eur(0)).unwrap();
        assert_eq!(free.line_total(), Ok(eur(0)));
        assert_eq!(
            OrderLine::new(ProductId::new(), "Mug", qty(1), eur(-1)),
            Err(OrderError::NegativeUnitPrice {
                unit_price: eur(-1)
            })
        );
    }

    #[test]
    fn line_total_is_price_times_quantity() {
        let line = OrderLine::new(ProductId::new(), "Mug", qty(3), eur(199)).unwrap();
        assert_eq!(line.line_total(), Ok(eur(597)));
        let yen = OrderLine::new(
            ProductId::new(),
            "Tea",
            qty(1000),
            Money::new(1200, Currency::JPY),
        )
        .unwrap();
        assert_eq!(yen.line_total(), Ok(Money::new(1_200_000, Currency::JPY)));
    }

    #[test]
    fn line_total_overflow_is_an_error() {
        let line = OrderLine::new(ProductId::new(), "Yacht", qty(2), eur(i64::MAX)).unwrap();
        assert_eq!(line.line_total(), Err(OrderError::AmountOverflow));
    }

    #[test]
    fn line_serde_is_camel_case_and_round_trips() {
        let id = ProductId::new();
        let line = OrderLine::new(id, "Mug", qty(2), eur(450)).unwrap();
        let value = serde_json::to_value(&line).unwrap();
        assert_eq!(
            value,
            json!({
                "productId": id.to_string(),
                "productName": "Mug",
                "quantity": 2,
                "unitPrice": {"amount": 450, "currency": "EUR"},
            })
        );
        assert_eq!(serde_json::from_value::<OrderLine>(value).unwrap(), line);
    }

    #[test]
    fn line_serde_validates() {
        let id = ProductId::new().to_string();
        for value in [
            json!({"productId": id, "productName": " ", "quantity": 1,
                   "unitPrice": {"amount": 1, "currency": "EUR"}}),
            json!({"productId": id, "productName": "Mug", "quantity": 0,
                   "unitPrice": {"amount": 1, "currency": "EUR"}}),
            json!({"productId": id, "productName": "Mug", "quantity": 1,
                   "unitPrice": {"amount": -1, "currency": "EUR"}}),
        ] {
            assert!(
                serde_json::from_value::<OrderLine>(value.clone()).is_err(),
                "{value}"
            );
        }
    }
}
