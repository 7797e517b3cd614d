//! The all-or-nothing reservation of an order's lines across products.

use crate::{
    InventoryError, Product, ProductId, Quantity, ReservationOutcome, StockLine, StockShortage,
};

/// Reserves every line in `lines` from `products`, or nothing at all.
///
/// Every line is checked before anything is changed, and every line that
/// cannot be met is reported as a [`StockShortage`], not just the first, so
/// the customer learns everything that is missing at once. A product that
/// is not among `products` (unknown to the catalogue) is a shortage with 0
/// available. Several lines for the same product are added up first, so an
/// order cannot get around the check by splitting a quantity.
///
/// Returns [`ReservationOutcome::Reserved`] with the merged lines when all
/// of them are now held (the products are changed), or
/// [`ReservationOutcome::Failed`] with the shortages (the products are left
/// untouched); never [`ReservationOutcome::AlreadyReleased`], which only a
/// [`Reservation`](crate::Reservation) knows about. Errors, with nothing
/// changed, only for no lines or quantities that overflow when added up.
///
/// This is the stateless rule; the saga's `ReserveStock` should go through
/// [`Reservation::reserve`](crate::Reservation::reserve), which also answers
/// redeliveries.
pub fn reserve_all(
    lines: &[StockLine],
    products: &mut [Product],
) -> Result<ReservationOutcome, InventoryError> {
    Ok(match allocate(lines, products)? {
        Ok(lines) => ReservationOutcome::Reserved { lines },
        Err(shortages) => ReservationOutcome::Failed { shortages },
    })
}

/// [`reserve_all`] for callers that need the two results apart: the merged
/// lines now held, or the shortages with nothing changed.
pub(crate) fn allocate(
    lines: &[StockLine],
    products: &mut [Product],
) -> Result<Result<Vec<StockLine>, Vec<StockShortage>>, InventoryError> {
    let lines = merge_lines(lines)?;
    let shortages: Vec<StockShortage> = lines
        .iter()
        .filter_map(|line| {
            let requested = line.quantity().get();
            let available = find(products, line.product_id()).map_or(0, Product::available);
            (requested > available).then_some(StockShortage {
                product_id: line.product_id(),
                requested,
                available,
            })
        })
        .collect();
    if !shortages.is_empty() {
        return Ok(Err(shortages));
    }
    apply_all(&lines, products, Product::reserve)?;
    Ok(Ok(lines))
}

/// One line per product, in order of first appearance, with the quantities
/// of repeated products added up; at least one line.
pub(crate) fn merge_lines(lines: &[StockLine]) -> Result<Vec<StockLine>, InventoryError> {
    if lines.is_empty() {
        return Err(InventoryError::EmptyReservation);
    }
    let mut merged: Vec<StockLine> = Vec::with_capacity(lines.len());
    for line in lines {
        match merged
            .iter_mut()
            .find(|m| m.product_id() == line.product_id())
        {
            Some(existing) => {
                let quantity = existing.quantity().checked_add(line.quantity())?;
                *existing = StockLine::new(line.product_id(), quantity);
            }
            None => merged.push(*line),
        }
    }
    Ok(merged)
}

/// Applies `change` for every line to copies of the products and writes the
/// copies back only if all succeeded, so a failure half-way (a missing
/// product, too little reserved) leaves every product as it was.
pub(crate) fn apply_all(
    lines: &[StockLine],
    products: &mut [Product],
    change: fn(&mut Product, Quantity) -> Result<(), InventoryError>,
) -> Result<(), InventoryError> {
    let mut staged: Vec<(usize, Product)> = Vec::with_capacity(lines.len());
    for line in lines {
        let product_id = line.product_id();
        let slot = match staged.iter().position(|(_, p)| p.id() == product_id) {
            Some(slot) => slot,
            None => {
                let index = products
                    .iter()
                    .position(|p| p.id() == product_id)
                    .ok_or(InventoryError::ProductNotFound { product_id })?;
                staged.push((index, products[index].clone()));
                staged.len() - 1
            }
        };
        change(&mut staged[slot].1, line.quantity())?;
    }
    for (index, product) in staged {
        products[index] = product;
    }
    Ok(())
}

fn find(products: &[Product], product_id: ProductId) -> Option<&Product> {
    products.iter().find(|p| p.id() == product_id)
}
