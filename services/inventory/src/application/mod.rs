//! Use cases of the inventory context's catalogue, the commands and views they exchange,
//! and the ports they need from infrastructure.

mod commands;
mod ports;
mod service;
mod views;

pub use commands::{AdjustStock, CreateProduct, MoneyInput, ProductQuery, UpdateProduct};
pub use ports::{ProductRepository, RepositoryError, Versioned};
pub use service::ProductService;
pub use views::{MoneyView, ProductView};
