//! Pure domain model of the inventory bounded context: the [`Product`]
//! aggregate (catalogue data and stock counts), the per-order
//! [`Reservation`] aggregate, and the all-or-nothing [`reserve_all`] domain
//! service behind the saga's `ReserveStock` command.
//!
//! No I/O lives here; time is passed in as `now` so every rule is
//! deterministic and testable.
//!
//! Stock is never oversold because every change to a product's counts goes
//! through a check against the counts it is applied to (`reserve` refuses
//! more than [`Product::available`], `adjust_stock` never drops below
//! [`Product::reserved`]). Under concurrency that holds only if the
//! application applies each change to the current counts: load the products
//! locked (or check their version on update) and save the reservation and
//! every product it touched in one transaction.
//!
//! Cancelling a confirmed order gives its goods back: releasing a committed
//! reservation returns its lines to stock on hand ([`Product::return_stock`]).

mod allocation;
mod error;
mod events;
mod ids;
mod line;
mod name;
mod product;
mod quantity;
mod reservation;
mod sku;
mod snapshot;

pub use allocation::reserve_all;
pub use error::InventoryError;
pub use events::{ProductEvent, ReservationEvent};
pub use ids::{OrderId, ProductId};
pub use line::{StockLine, StockShortage};
pub use name::ProductName;
pub use product::Product;
pub use quantity::Quantity;
pub use reservation::{
    CommitOutcome, ReleaseOutcome, Reservation, ReservationOutcome, ReservationStatus,
};
pub use sku::Sku;
pub use snapshot::{ProductSnapshot, ReservationSnapshot};
