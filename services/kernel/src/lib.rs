//! Value objects shared by every OrderFlow bounded context.
//!
//! Each type validates on construction and on deserialization, so a value that
//! exists is a value that is valid: code further in never re-checks it.

mod address;
mod country;
mod currency;
mod email;
mod id;
mod ids;
mod money;
mod phone;

pub use address::{Address, AddressError};
pub use country::{CountryCode, CountryError};
pub use currency::{Currency, CurrencyError};
pub use email::{Email, EmailError};
pub use id::{Id, IdError, IdKind};
pub use ids::{
    CustomerId, CustomerKind, OrderId, OrderKind, PaymentId, PaymentKind, ProductId, ProductKind,
};
pub use money::{Money, MoneyError};
pub use phone::{PhoneError, PhoneNumber};
