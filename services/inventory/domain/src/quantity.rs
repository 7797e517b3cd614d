//! Counts of units that move between on-hand and reserved stock.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::InventoryError;

/// A positive number of units to reserve, release or commit.
///
/// Zero is refused: a line for nothing is a caller bug, and letting it
/// through would make "reserved" and "nothing to do" indistinguishable.
/// There is no upper bound beyond `u32`; what one order may ask for is the
/// order context's rule, and too much simply fails as a shortage here.
/// Stock counts themselves ([`Product::stock_on_hand`](crate::Product::stock_on_hand),
/// [`Product::reserved`](crate::Product::reserved)) are plain `u32`s changed
/// only with checked arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Quantity(u32);

impl Quantity {
    /// Accepts `1..=u32::MAX`, else [`InventoryError::ZeroQuantity`].
    pub fn new(quantity: u32) -> Result<Self, InventoryError> {
        if quantity == 0 {
            Err(InventoryError::ZeroQuantity)
        } else {
            Ok(Self(quantity))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The combined quantity, e.g. of two lines for the same product;
    /// [`InventoryError::QuantityOverflow`] instead of wrapping.
    pub fn checked_add(self, other: Quantity) -> Result<Self, InventoryError> {
        self.0
            .checked_add(other.0)
            .map(Self)
            .ok_or(InventoryError::QuantityOverflow)
    }
}

impl TryFrom<u32> for Quantity {
    type Error = InventoryError;

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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_refused_and_everything_else_accepted() {
        assert_eq!(Quantity::new(0), Err(InventoryError::ZeroQuantity));
        assert_eq!(Quantity::new(1).unwrap().get(), 1);
        assert_eq!(Quantity::new(u32::MAX).unwrap().get(), u32::MAX);
    }

    #[test]
    fn checked_add_detects_overflow() {
        let (two, three) = (Quantity::new(2).unwrap(), Quantity::new(3).unwrap());
        assert_eq!(two.checked_add(three), Ok(Quantity::new(5).unwrap()));
        let max = Quantity::new(u32::MAX).unwrap();
        assert_eq!(
            max.checked_add(Quantity::new(1).unwrap()),
            Err(InventoryError::QuantityOverflow)
        );
    }

    #[test]
    fn serde_is_a_validated_number() {
        let seven = Quantity::new(7).unwrap();
        assert_eq!(serde_json::to_string(&seven).unwrap(), "7");
        assert_eq!(serde_json::from_str::<Quantity>("7").unwrap(), seven);
        for bad in ["0", "-1", "1.5", "\"3\"", "4294967296"] {
            assert!(serde_json::from_str::<Quantity>(bad).is_err(), "{bad}");
        }
    }
}
