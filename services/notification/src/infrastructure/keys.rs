//! Every Redis key this context writes, in one place. The inbox's keys are the runtime's
//! (`<prefix>inbox:<group>:<event id>`).

use notification_domain::{CustomerId, OrderId};
use orderflow_runtime::redis::RedisConfig;

/// Physical key names under the configured prefix.
#[derive(Debug, Clone)]
pub struct RedisKeys {
    prefix: String,
}

impl RedisKeys {
    pub fn new(config: &RedisConfig) -> Self {
        Self {
            prefix: config.key("notification:"),
        }
    }

    /// Hash: the customer read model (name, address, their timestamps, version).
    pub fn customer(&self, id: CustomerId) -> String {
        format!("{}customer:{id}", self.prefix)
    }

    /// Hash: the order read model (customer id, total).
    pub fn order(&self, id: OrderId) -> String {
        format!("{}order:{id}", self.prefix)
    }

    /// List: the customer's notification records as JSON, newest first, capped.
    pub fn history(&self, id: CustomerId) -> String {
        format!("{}history:{id}", self.prefix)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_live_under_the_configured_prefix() {
        let keys = RedisKeys::new(&RedisConfig::new("redis://x", "of:"));
        let customer: CustomerId = "0190a0c4-0000-7000-8000-000000000001".parse().unwrap();
        let order: OrderId = "0190a0c4-0000-7000-8000-000000000002".parse().unwrap();
        assert_eq!(
            keys.customer(customer),
            "of:notification:customer:0190a0c4-0000-7000-8000-000000000001"
        );
        assert_eq!(
            keys.order(order),
            "of:notification:order:0190a0c4-0000-7000-8000-000000000002"
        );
        assert_eq!(
            keys.history(customer),
            "of:notification:history:0190a0c4-0000-7000-8000-000000000001"
        );
    }
}
