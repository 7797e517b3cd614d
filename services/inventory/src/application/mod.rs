//! Use cases of the inventory context: the catalogue, and the saga's stock commands with
//! the reservations they keep; the commands and views they exchange, and the ports they
//! need from infrastructure.

mod commands;
mod ports;
mod replies;
mod reservations;
mod seed;
mod service;
mod views;

pub use commands::{AdjustStock, CreateProduct, MoneyInput, ProductQuery, UpdateProduct};
pub use ports::{
    ProductRepository, RepositoryError, ReservationRepository, StockLedger, StockMovement,
    Versioned,
};
pub use replies::StockReply;
pub use reservations::{ReservationService, StockCommandError};
pub use seed::{SeedReport, demo_catalogue};
pub use service::ProductService;
pub use views::{MoneyView, ProductView, ReservationView, StockLineView, StockShortageView};
