//! The use cases of the notification context and the ports they need.

mod history;
mod notifier;
mod ports;
mod views;

pub use history::HistoryQueries;
pub use notifier::{Notifier, NotifyError, Registration};
pub use ports::{Channel, Delivery, DeliveryError, NotificationStore, StoreError, StoredContact};
pub use views::NotificationRecord;
