//! The product aggregate root: catalogue data and stock counts.

use chrono::{DateTime, Utc};
use orderflow_kernel::Money;

use crate::{InventoryError, ProductEvent, ProductId, ProductName, ProductSnapshot, Quantity, Sku};

/// A product in the catalogue and the stock the warehouse has of it.
///
/// Stock is two counts: `stock_on_hand` (units physically there) and
/// `reserved` (units of those promised to orders that are not yet
/// confirmed). [`Product::available`] is the difference, the only stock that
/// may be promised again. Rules it guards:
/// - `reserved <= stock_on_hand` always: reservations never exceed what is
///   available and adjustments never drop below what is reserved, so stock
///   is never oversold;
/// - prices are never negative;
/// - every stock adjustment is non-zero and carries a reason.
///
/// Catalogue changes and adjustments record a [`ProductEvent`]; reserving,
/// releasing, committing and returning record nothing here, because the
/// [`Reservation`](crate::Reservation) that asks for them records the fact
/// once for the whole order.
#[derive(Debug, Clone)]
pub struct Product {
    id: ProductId,
    sku: Sku,
    name: ProductName,
    price: Money,
    stock_on_hand: u32,
    reserved: u32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    pending_events: Vec<ProductEvent>,
}

impl Product {
    /// Longest adjustment reason, in characters (not bytes).
    pub const MAX_REASON_CHARS: usize = 500;

    /// Adds a product with `stock_on_hand` units, none reserved, and records
    /// `ProductCreated`. Whether the SKU is unique is the application's
    /// check (it needs the whole catalogue).
    pub fn create(
        id: ProductId,
        sku: Sku,
        name: ProductName,
        price: Money,
        stock_on_hand: u32,
        now: DateTime<Utc>,
    ) -> Result<Self, InventoryError> {
        ensure_price(price)?;
        let event = ProductEvent::Created {
            product_id: id,
            sku: sku.clone(),
            name: name.clone(),
            price,
            stock_on_hand,
            occurred_at: now,
        };
        Ok(Self {
            id,
            sku,
            name,
            price,
            stock_on_hand,
            reserved: 0,
            created_at: now,
            updated_at: now,
            pending_events: vec![event],
        })
    }

    /// Rebuilds a stored product; records no events because nothing happened.
    pub fn restore(snapshot: ProductSnapshot) -> Self {
        let ProductSnapshot {
            id,
            sku,
            name,
            price,
            stock_on_hand,
            reserved,
            created_at,
            updated_at,
        } = snapshot;
        Self {
            id,
            sku,
            name,
            price,
            stock_on_hand,
            reserved,
            created_at,
            updated_at,
            pending_events: Vec::new(),
        }
    }

    /// Copy of the current state for a repository to persist.
    pub fn snapshot(&self) -> ProductSnapshot {
        ProductSnapshot {
            id: self.id,
            sku: self.sku.clone(),
            name: self.name.clone(),
            price: self.price,
            stock_on_hand: self.stock_on_hand,
            reserved: self.reserved,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    pub fn id(&self) -> ProductId {
        self.id
    }

    pub fn sku(&self) -> &Sku {
        &self.sku
    }

    pub fn name(&self) -> &ProductName {
        &self.name
    }

    pub fn price(&self) -> Money {
        self.price
    }

    /// Units physically in stock, including those reserved for orders.
    pub fn stock_on_hand(&self) -> u32 {
        self.stock_on_hand
    }

    /// Units held for orders that are not yet confirmed.
    pub fn reserved(&self) -> u32 {
        self.reserved
    }

    /// Units that can still be promised: on hand minus reserved. Saturates
    /// at 0 rather than panicking should inconsistent state ever be restored.
    pub fn available(&self) -> u32 {
        self.stock_on_hand.saturating_sub(self.reserved)
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// Last catalogue change or stock adjustment.
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// Replaces name and price, recording `ProductUpdated` with both. The
    /// same values again are a no-op. Orders already placed keep the name
    /// and price they copied.
    pub fn update(
        &mut self,
        name: ProductName,
        price: Money,
        now: DateTime<Utc>,
    ) -> Result<(), InventoryError> {
        ensure_price(price)?;
        if name == self.name && price == self.price {
            return Ok(());
        }
        self.name = name.clone();
        self.price = price;
        self.updated_at = now;
        self.record(ProductEvent::Updated {
            product_id: self.id,
            name,
            price,
            occurred_at: now,
        });
        Ok(())
    }

    /// Corrects the stock on hand by `delta` (positive for goods received,
    /// negative for losses) and records `StockAdjusted`.
    ///
    /// The reason is trimmed and must be 1 to 500 characters; it is checked
    /// first. A zero delta is refused, and so is any delta that would leave
    /// less on hand than is reserved ([`InventoryError::BelowReserved`],
    /// which also covers going negative) or more than a `u32` holds.
    pub fn adjust_stock(
        &mut self,
        delta: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), InventoryError> {
        let reason = validate_reason(reason)?;
        if delta == 0 {
            return Err(InventoryError::ZeroAdjustment);
        }
        let overflow = InventoryError::StockOverflow {
            stock_on_hand: self.stock_on_hand,
            delta,
        };
        let target = i64::from(self.stock_on_hand)
            .checked_add(delta)
            .ok_or_else(|| overflow.clone())?;
        if target < i64::from(self.reserved) {
            return Err(InventoryError::BelowReserved {
                stock_on_hand: self.stock_on_hand,
                reserved: self.reserved,
                delta,
            });
        }
        self.stock_on_hand = u32::try_from(target).map_err(|_| overflow)?;
        self.updated_at = now;
        self.record(ProductEvent::StockAdjusted {
            product_id: self.id,
            delta,
            reason,
            stock_on_hand: self.stock_on_hand,
            occurred_at: now,
        });
        Ok(())
    }

    /// Holds `quantity` units for an order; [`InventoryError::Insufficient`]
    /// when fewer are available. Usually called through
    /// [`Reservation::reserve`](crate::Reservation::reserve), which does it
    /// for all lines of an order or none.
    pub fn reserve(&mut self, quantity: Quantity) -> Result<(), InventoryError> {
        let requested = quantity.get();
        let available = self.available();
        if requested > available {
            return Err(InventoryError::Insufficient {
                requested,
                available,
            });
        }
        // reserved + requested <= stock_on_hand, so this cannot overflow.
        self.reserved = self
            .reserved
            .checked_add(requested)
            .ok_or(InventoryError::QuantityOverflow)?;
        Ok(())
    }

    /// Gives `quantity` reserved units back to available stock.
    pub fn release(&mut self, quantity: Quantity) -> Result<(), InventoryError> {
        self.reserved = self.take_reserved(quantity)?;
        Ok(())
    }

    /// Turns `quantity` reserved units into a sale: they leave both the
    /// reserved count and the stock on hand, so `available` is unchanged.
    pub fn commit(&mut self, quantity: Quantity) -> Result<(), InventoryError> {
        let reserved = self.take_reserved(quantity)?;
        let stock_on_hand = self.stock_on_hand.checked_sub(quantity.get()).ok_or(
            InventoryError::ExceedsReserved {
                requested: quantity.get(),
                reserved: self.stock_on_hand,
            },
        )?;
        self.reserved = reserved;
        self.stock_on_hand = stock_on_hand;
        Ok(())
    }

    /// Puts `quantity` sold units back on hand: the goods of a confirmed
    /// order that was cancelled. Nothing is reserved for them, so all of them
    /// become available again. [`InventoryError::StockOverflow`] rather than
    /// wrapping the counter.
    pub fn return_stock(&mut self, quantity: Quantity) -> Result<(), InventoryError> {
        self.stock_on_hand = self.stock_on_hand.checked_add(quantity.get()).ok_or(
            InventoryError::StockOverflow {
                stock_on_hand: self.stock_on_hand,
                delta: i64::from(quantity.get()),
            },
        )?;
        Ok(())
    }

    /// Events recorded since the last [`Product::take_events`], oldest first.
    pub fn pending_events(&self) -> &[ProductEvent] {
        &self.pending_events
    }

    /// Drains the recorded events, e.g. to dispatch them after saving.
    pub fn take_events(&mut self) -> Vec<ProductEvent> {
        std::mem::take(&mut self.pending_events)
    }

    /// The reserved count minus `quantity`, if that many are reserved.
    fn take_reserved(&self, quantity: Quantity) -> Result<u32, InventoryError> {
        self.reserved
            .checked_sub(quantity.get())
            .ok_or(InventoryError::ExceedsReserved {
                requested: quantity.get(),
                reserved: self.reserved,
            })
    }

    fn record(&mut self, event: ProductEvent) {
        self.pending_events.push(event);
    }
}

fn ensure_price(price: Money) -> Result<(), InventoryError> {
    if price.is_negative() {
        Err(InventoryError::NegativePrice { price })
    } else {
        Ok(())
    }
}

/// Trims an adjustment reason and checks it is 1 to 500 characters.
fn validate_reason(reason: &str) -> Result<String, InventoryError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(InventoryError::ReasonRequired);
    }
    let chars = reason.chars().count();
    if chars > Product::MAX_REASON_CHARS {
        return Err(InventoryError::ReasonTooLong {
            max: Product::MAX_REASON_CHARS,
            actual: chars,
        });
    }
    Ok(reason.to_owned())
}

#[cfg(test)]
mod tests;
