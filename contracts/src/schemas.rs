//! JSON Schemas of every contract, generated from the Rust types.
//!
//! The generated files are checked into `contracts/schemas/` so that a change
//! to a payload shows up in review as a schema diff, and so that services not
//! written in Rust (or a schema registry) can consume the contracts.

use std::collections::BTreeSet;
use std::io;
use std::path::Path;

use serde_json::Value;

use crate::IntegrationEvent;
use crate::commands::{CommitStock, ProcessPayment, RefundPayment, ReleaseStock, ReserveStock};
use crate::customer::{
    CustomerDeactivated, CustomerEmailChanged, CustomerReactivated, CustomerRegistered,
};
use crate::inventory::{
    ProductCreated, ProductUpdated, StockCommitted, StockReleased, StockReservationFailed,
    StockReserved,
};
use crate::order::{OrderCancelled, OrderCompleted, OrderConfirmed, OrderPlaced};
use crate::payment::{PaymentFailed, PaymentProcessed, PaymentRefunded};

/// Static facts about one message type, so the list of all contracts is
/// written once and reused by schema generation and the registry tests.
pub(crate) struct Contract {
    pub(crate) event_type: &'static str,
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) topic: &'static str,
    schema: fn() -> Value,
}

impl Contract {
    const fn of<E: IntegrationEvent>() -> Self {
        Self {
            event_type: E::EVENT_TYPE,
            topic: E::TOPIC,
            schema: schema_of::<E>,
        }
    }
}

fn schema_of<E: IntegrationEvent>() -> Value {
    schemars::schema_for!(E).to_value()
}

/// Every event and command. Adding a contract type means adding it here and
/// to its topic in [`crate::topics::TOPICS`]; the tests check both agree.
pub(crate) const CONTRACTS: &[Contract] = &[
    Contract::of::<CustomerRegistered>(),
    Contract::of::<CustomerDeactivated>(),
    Contract::of::<CustomerReactivated>(),
    Contract::of::<CustomerEmailChanged>(),
    Contract::of::<OrderPlaced>(),
    Contract::of::<OrderConfirmed>(),
    Contract::of::<OrderCancelled>(),
    Contract::of::<OrderCompleted>(),
    Contract::of::<ProductCreated>(),
    Contract::of::<ProductUpdated>(),
    Contract::of::<StockReserved>(),
    Contract::of::<StockReservationFailed>(),
    Contract::of::<StockReleased>(),
    Contract::of::<StockCommitted>(),
    Contract::of::<PaymentProcessed>(),
    Contract::of::<PaymentFailed>(),
    Contract::of::<PaymentRefunded>(),
    Contract::of::<ReserveStock>(),
    Contract::of::<ReleaseStock>(),
    Contract::of::<CommitStock>(),
    Contract::of::<ProcessPayment>(),
    Contract::of::<RefundPayment>(),
];

/// `(ce_type, JSON Schema)` of every event and command.
pub fn schemas() -> Vec<(&'static str, Value)> {
    CONTRACTS
        .iter()
        .map(|contract| (contract.event_type, (contract.schema)()))
        .collect()
}

/// Writes `<ce_type>.json` (pretty-printed, trailing newline) for every
/// contract into `dir`, creating it if needed, and deletes any other `*.json`
/// there so a removed or renamed contract does not leave a stale schema.
/// Files already up to date are not rewritten.
pub fn write_schemas(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut expected = BTreeSet::new();
    for (event_type, schema) in schemas() {
        let file_name = format!("{event_type}.json");
        let mut text = serde_json::to_string_pretty(&schema)?;
        text.push('\n');
        let path = dir.join(&file_name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text)?;
        }
        expected.insert(file_name);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let stale = path.extension().is_some_and(|ext| ext == "json")
            && path
                .file_name()
                .and_then(|name| name.to_str())
                .is_none_or(|name| !expected.contains(name));
        if stale && path.is_file() {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
