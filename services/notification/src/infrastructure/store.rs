//! The Redis store: a hash per customer and per order for the read models, a capped list
//! per customer for the history.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, SecondsFormat, Utc};
use notification_domain::{
    CustomerContact, CustomerId, Email, Money, OrderId, OrderSummary, PersonName, Stamped,
};
use orderflow_kernel::Currency;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use super::keys::RedisKeys;
use crate::application::{NotificationRecord, NotificationStore, StoreError, StoredContact};

/// Writes the fields of a hash only if its `version` is still the one the caller read, and
/// bumps it: optimistic concurrency without `WATCH`, which a multiplexed connection cannot
/// hold. No business rule lives here; the domain decided what the fields become.
/// KEYS[1]: the hash. ARGV[1]: expected version; ARGV[2]: next version; then field, value.
static SAVE_IF_VERSION: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
        local current = redis.call('HGET', KEYS[1], 'version') or '0'
        if current ~= ARGV[1] then
            return 0
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[2], unpack(ARGV, 3))
        return 1
        ",
    )
});

mod field {
    pub const VERSION: &str = "version";
    pub const FIRST_NAME: &str = "firstName";
    pub const LAST_NAME: &str = "lastName";
    pub const REGISTERED_AT: &str = "registeredAt";
    pub const EMAIL: &str = "email";
    pub const EMAIL_AS_OF: &str = "emailAsOf";
    pub const CUSTOMER_ID: &str = "customerId";
    pub const AMOUNT: &str = "amount";
    pub const CURRENCY: &str = "currency";
}

/// The store, with the history cap.
#[derive(Debug, Clone)]
pub struct RedisStore {
    keys: RedisKeys,
    history_limit: u32,
}

impl RedisStore {
    pub fn new(keys: RedisKeys, history_limit: u32) -> Self {
        Self {
            keys,
            history_limit,
        }
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A hash as read, whose missing or unreadable fields are corrupt data.
struct Fields<'a> {
    key: &'a str,
    map: HashMap<String, String>,
}

impl Fields<'_> {
    fn required(&self, name: &str) -> Result<&str, StoreError> {
        self.map
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| StoreError::Corrupt(format!("{}: missing {name}", self.key)))
    }

    fn parse<T, E: std::fmt::Display>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, StoreError> {
        parse(self.required(name)?)
            .map_err(|err| StoreError::Corrupt(format!("{}: {name}: {err}", self.key)))
    }

    fn time(&self, name: &str) -> Result<DateTime<Utc>, StoreError> {
        self.parse(name, |value| {
            DateTime::parse_from_rfc3339(value).map(|at| at.with_timezone(&Utc))
        })
    }

    fn contact(&self) -> Result<StoredContact, StoreError> {
        let version = match self.map.get(field::VERSION) {
            Some(_) => self.parse(field::VERSION, str::parse::<u64>)?,
            None => 0,
        };
        let name = match self.map.get(field::FIRST_NAME) {
            Some(_) => Some(Stamped::new(
                self.parse(field::FIRST_NAME, |first| {
                    PersonName::new(
                        first,
                        self.map.get(field::LAST_NAME).map_or("", String::as_str),
                    )
                })?,
                self.time(field::REGISTERED_AT)?,
            )),
            None => None,
        };
        let email = match self.map.get(field::EMAIL) {
            Some(_) => Some(Stamped::new(
                self.parse(field::EMAIL, Email::parse)?,
                self.time(field::EMAIL_AS_OF)?,
            )),
            None => None,
        };
        Ok(StoredContact {
            contact: CustomerContact::restore(name, email),
            version,
        })
    }

    fn order(&self) -> Result<OrderSummary, StoreError> {
        let currency = self.parse(field::CURRENCY, Currency::parse)?;
        Ok(OrderSummary {
            customer_id: self.parse(field::CUSTOMER_ID, str::parse::<CustomerId>)?,
            total: Money::new(self.parse(field::AMOUNT, str::parse::<i64>)?, currency),
        })
    }
}

fn contact_fields(contact: &CustomerContact) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    if let Some(name) = contact.name() {
        fields.push((field::FIRST_NAME, name.value.first().to_owned()));
        fields.push((field::LAST_NAME, name.value.last().to_owned()));
        fields.push((field::REGISTERED_AT, timestamp(name.as_of)));
    }
    if let Some(email) = contact.email() {
        fields.push((field::EMAIL, email.value.to_string()));
        fields.push((field::EMAIL_AS_OF, timestamp(email.as_of)));
    }
    fields
}

fn decode(key: &str, json: &str) -> Result<NotificationRecord, StoreError> {
    serde_json::from_str(json).map_err(|err| StoreError::Corrupt(format!("{key}: {err}")))
}

impl NotificationStore for RedisStore {
    async fn contact(
        &self,
        conn: &mut ConnectionManager,
        id: CustomerId,
    ) -> Result<StoredContact, StoreError> {
        let key = self.keys.customer(id);
        let map: HashMap<String, String> = conn.hgetall(&key).await?;
        Fields { key: &key, map }.contact()
    }

    async fn save_contact(
        &self,
        conn: &mut ConnectionManager,
        id: CustomerId,
        contact: &CustomerContact,
        expected_version: u64,
    ) -> Result<bool, StoreError> {
        let mut invocation = SAVE_IF_VERSION.key(self.keys.customer(id));
        invocation.arg(expected_version).arg(expected_version + 1);
        for (name, value) in contact_fields(contact) {
            invocation.arg(name).arg(value);
        }
        let saved: i64 = invocation.invoke_async(conn).await?;
        Ok(saved == 1)
    }

    async fn order(
        &self,
        conn: &mut ConnectionManager,
        id: OrderId,
    ) -> Result<Option<OrderSummary>, StoreError> {
        let key = self.keys.order(id);
        let map: HashMap<String, String> = conn.hgetall(&key).await?;
        if map.is_empty() {
            return Ok(None);
        }
        Fields { key: &key, map }.order().map(Some)
    }

    async fn save_order(
        &self,
        conn: &mut ConnectionManager,
        id: OrderId,
        order: &OrderSummary,
    ) -> Result<(), StoreError> {
        let fields = [
            (field::CUSTOMER_ID, order.customer_id.to_string()),
            (field::AMOUNT, order.total.amount_minor().to_string()),
            (field::CURRENCY, order.total.currency().code().to_owned()),
        ];
        let () = conn.hset_multiple(self.keys.order(id), &fields).await?;
        Ok(())
    }

    async fn record(
        &self,
        conn: &mut ConnectionManager,
        record: &NotificationRecord,
    ) -> Result<(), StoreError> {
        let key = self.keys.history(CustomerId::from_uuid(record.customer_id));
        let json = serde_json::to_string(record)
            .map_err(|err| StoreError::Corrupt(format!("cannot encode a record: {err}")))?;
        let last = isize::try_from(self.history_limit).unwrap_or(isize::MAX) - 1;
        let () = redis::pipe()
            .atomic()
            .lpush(&key, json)
            .ignore()
            .ltrim(&key, 0, last)
            .ignore()
            .query_async(conn)
            .await?;
        Ok(())
    }

    async fn history(
        &self,
        conn: &mut ConnectionManager,
        customer: CustomerId,
        offset: u64,
        count: u64,
    ) -> Result<(Vec<NotificationRecord>, u64), StoreError> {
        let key = self.keys.history(customer);
        let start = isize::try_from(offset).unwrap_or(isize::MAX);
        let stop = start.saturating_add(isize::try_from(count).unwrap_or(isize::MAX)) - 1;
        let (items, total): (Vec<String>, u64) = redis::pipe()
            .atomic()
            .lrange(&key, start, stop)
            .llen(&key)
            .query_async(conn)
            .await?;
        let records = items
            .iter()
            .map(|json| decode(&key, json))
            .collect::<Result<_, _>>()?;
        Ok((records, total))
    }
}
