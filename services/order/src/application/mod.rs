//! Use cases of the order context (orders, the fulfilment saga and its sweeper, the read
//! models of products and customers), the commands and views they exchange, and the ports
//! they need from infrastructure.

mod commands;
mod metrics;
mod orders;
mod ports;
mod read_models;
mod saga;
mod sweeper;
mod timeline;
mod views;

pub use commands::{AddLine, CancelOrder, ChangeLine, CreateOrder, OrderQuery, PlaceOrder};
pub use metrics::register as register_metrics;
pub use orders::{OrderService, TIMELINE_BATCH};
pub use ports::{
    CustomerInfo, OrderFilter, OrderRepository, ProductInfo, ReadModelRepository, RepositoryError,
    SagaCommandSender, SagaData, SagaRecord, SagaRepository, Store, TimelineRepository, Versioned,
};
pub use read_models::{CustomerRegistration, ReadModels};
pub use saga::{Cause, Handled, SagaCoordinator, SagaError, SagaTrigger};
pub use sweeper::SagaSweeper;
pub use timeline::{NewTimelineEntry, TimelineEntry, TimelineKind};
pub use views::{
    HistoryView, LineView, MoneyView, OrderDetails, OrderView, SagaView, TimelineEntryView,
};
