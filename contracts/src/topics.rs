//! The topic registry (DESIGN §4): which topics exist, what keys them, which
//! message types travel on each, and the names of the per-consumer-group retry
//! and dead-letter topics. Provisioning, producers and consumers all read it
//! from here, so a topic cannot be renamed in one place only.

use std::time::Duration;

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

/// Facts of the customer context.
pub const CUSTOMER_EVENTS: &str = "orderflow.customer.events";
/// Facts of the order context.
pub const ORDER_EVENTS: &str = "orderflow.order.events";
/// Facts of the inventory context (catalogue and stock).
pub const INVENTORY_EVENTS: &str = "orderflow.inventory.events";
/// Facts of the payment context.
pub const PAYMENT_EVENTS: &str = "orderflow.payment.events";
/// Saga commands for the inventory context.
pub const INVENTORY_COMMANDS: &str = "orderflow.inventory.commands";
/// Saga commands for the payment context.
pub const PAYMENT_COMMANDS: &str = "orderflow.payment.commands";

/// Partition count unless configured otherwise: enough parallelism for a
/// consumer group of a few instances, and cheap to keep.
pub const DEFAULT_PARTITIONS: i32 = 6;

/// A logical Kafka topic and what may be published on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicSpec {
    /// Topic name.
    pub name: &'static str,
    /// What the record key is (always an aggregate id, to keep per-aggregate order).
    pub key: &'static str,
    /// Partition count to create the topic with (`i32` as Kafka admin APIs use).
    pub partitions: i32,
    /// The `ce_type`s published on the topic.
    pub event_types: &'static [&'static str],
}

/// Every topic carrying contracts messages; each message type is on exactly one.
pub const TOPICS: &[TopicSpec] = &[
    TopicSpec {
        name: CUSTOMER_EVENTS,
        key: "customer id",
        partitions: DEFAULT_PARTITIONS,
        event_types: &[
            CustomerRegistered::EVENT_TYPE,
            CustomerDeactivated::EVENT_TYPE,
            CustomerReactivated::EVENT_TYPE,
            CustomerEmailChanged::EVENT_TYPE,
        ],
    },
    TopicSpec {
        name: ORDER_EVENTS,
        key: "order id",
        partitions: DEFAULT_PARTITIONS,
        event_types: &[
            OrderPlaced::EVENT_TYPE,
            OrderConfirmed::EVENT_TYPE,
            OrderCancelled::EVENT_TYPE,
            OrderCompleted::EVENT_TYPE,
        ],
    },
    TopicSpec {
        name: INVENTORY_EVENTS,
        key: "product id (product events) or order id (stock events)",
        partitions: DEFAULT_PARTITIONS,
        event_types: &[
            ProductCreated::EVENT_TYPE,
            ProductUpdated::EVENT_TYPE,
            StockReserved::EVENT_TYPE,
            StockReservationFailed::EVENT_TYPE,
            StockReleased::EVENT_TYPE,
            StockCommitted::EVENT_TYPE,
        ],
    },
    TopicSpec {
        name: PAYMENT_EVENTS,
        key: "order id",
        partitions: DEFAULT_PARTITIONS,
        event_types: &[
            PaymentProcessed::EVENT_TYPE,
            PaymentFailed::EVENT_TYPE,
            PaymentRefunded::EVENT_TYPE,
        ],
    },
    TopicSpec {
        name: INVENTORY_COMMANDS,
        key: "order id",
        partitions: DEFAULT_PARTITIONS,
        event_types: &[
            ReserveStock::EVENT_TYPE,
            ReleaseStock::EVENT_TYPE,
            CommitStock::EVENT_TYPE,
        ],
    },
    TopicSpec {
        name: PAYMENT_COMMANDS,
        key: "order id",
        partitions: DEFAULT_PARTITIONS,
        event_types: &[ProcessPayment::EVENT_TYPE, RefundPayment::EVENT_TYPE],
    },
];

/// A consumer group and the topics it reads.
///
/// Consumers are part of the contract too: their retry and dead-letter topics are named after
/// the group, and the operator creates those topics and reads each group's lag from this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumerSpec {
    /// The Kafka consumer group, named after the service that owns it.
    pub group: &'static str,
    /// The logical topics the group subscribes to.
    pub topics: &'static [&'static str],
}

impl ConsumerSpec {
    /// The group's retry topics (every tier of every consumed topic) and dead-letter topics.
    pub fn retry_and_dead_letter_topics(&self) -> impl Iterator<Item = String> + '_ {
        self.topics.iter().flat_map(move |topic| {
            (0..RETRY_TIERS.len())
                .map(move |tier| retry_topic(topic, self.group, tier))
                .chain(std::iter::once(dead_letter_topic(topic, self.group)))
        })
    }
}

/// The order service: the saga's replies and the customer facts its read model needs.
pub const ORDER_CONSUMER: ConsumerSpec = ConsumerSpec {
    group: "order",
    topics: &[CUSTOMER_EVENTS, INVENTORY_EVENTS, PAYMENT_EVENTS],
};
/// The inventory service: the saga's stock commands.
pub const INVENTORY_CONSUMER: ConsumerSpec = ConsumerSpec {
    group: "inventory",
    topics: &[INVENTORY_COMMANDS],
};
/// The payment service: the saga's payment commands.
pub const PAYMENT_CONSUMER: ConsumerSpec = ConsumerSpec {
    group: "payment",
    topics: &[PAYMENT_COMMANDS],
};
/// The notification service: the facts it tells customers about.
pub const NOTIFICATION_CONSUMER: ConsumerSpec = ConsumerSpec {
    group: "notification",
    topics: &[CUSTOMER_EVENTS, ORDER_EVENTS, PAYMENT_EVENTS],
};

/// Every consumer group of the platform (the customer service consumes nothing).
pub const CONSUMERS: &[ConsumerSpec] = &[
    ORDER_CONSUMER,
    INVENTORY_CONSUMER,
    PAYMENT_CONSUMER,
    NOTIFICATION_CONSUMER,
];

/// Every logical topic a platform needs, in a stable order: the registry's topics, then each
/// consumer's retry and dead-letter topics.
pub fn all_topics() -> Vec<String> {
    TOPICS
        .iter()
        .map(|topic| topic.name.to_owned())
        .chain(
            CONSUMERS
                .iter()
                .flat_map(ConsumerSpec::retry_and_dead_letter_topics),
        )
        .collect()
}

/// The topic a `ce_type` is published on, if it is a known contract.
pub fn topic_of(event_type: &str) -> Option<&'static TopicSpec> {
    TOPICS
        .iter()
        .find(|topic| topic.event_types.contains(&event_type))
}

/// One delay step between a failed delivery and its next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryTier {
    /// Topic name suffix, e.g. `"retry.5s"`.
    pub suffix: &'static str,
    /// How long a record waits on this tier before it is retried.
    pub delay: Duration,
}

/// The retry tiers a transiently failing message goes through, in order,
/// before it is dead-lettered. Growing delays give a struggling dependency
/// time to recover without blocking the main topic.
pub const RETRY_TIERS: [RetryTier; 3] = [
    RetryTier {
        suffix: "retry.5s",
        delay: Duration::from_secs(5),
    },
    RetryTier {
        suffix: "retry.30s",
        delay: Duration::from_secs(30),
    },
    RetryTier {
        suffix: "retry.5m",
        delay: Duration::from_secs(5 * 60),
    },
];

/// Retry topic of `tier` (index into [`RETRY_TIERS`]) for consumer `group`
/// reading `topic`: `<topic>.<group>.retry.5s`. Per group, so one slow
/// consumer's retries never redeliver to the groups that succeeded.
///
/// # Panics
///
/// If `tier >= RETRY_TIERS.len()`: past the last tier a message goes to
/// [`dead_letter_topic`], and retrying forever would hide the bug.
pub fn retry_topic(topic: &str, group: &str, tier: usize) -> String {
    let Some(tier) = RETRY_TIERS.get(tier) else {
        panic!(
            "retry tier {tier} does not exist (there are {}); dead-letter instead",
            RETRY_TIERS.len()
        );
    };
    format!("{topic}.{group}.{}", tier.suffix)
}

/// Dead-letter topic for consumer `group` reading `topic`: `<topic>.<group>.dlt`.
pub fn dead_letter_topic(topic: &str, group: &str) -> String {
    format!("{topic}.{group}.dlt")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::schemas::CONTRACTS;

    #[test]
    fn every_contract_is_registered_on_exactly_one_topic_matching_its_type() {
        for contract in CONTRACTS {
            let topics: Vec<_> = TOPICS
                .iter()
                .filter(|t| t.event_types.contains(&contract.event_type))
                .map(|t| t.name)
                .collect();
            assert_eq!(
                topics,
                vec![contract.topic],
                "{} must be registered on its TOPIC only",
                contract.event_type
            );
            assert_eq!(
                topic_of(contract.event_type).map(|t| t.name),
                Some(contract.topic)
            );
        }
    }

    #[test]
    fn consumers_read_registered_topics_and_every_derived_topic_is_distinct() {
        for consumer in CONSUMERS {
            for topic in consumer.topics {
                assert!(
                    TOPICS.iter().any(|t| t.name == *topic),
                    "{} reads unregistered {topic}",
                    consumer.group
                );
            }
        }
        let all = all_topics();
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "a derived topic name repeats");
        let per_group: usize = CONSUMERS
            .iter()
            .map(|c| c.topics.len() * (RETRY_TIERS.len() + 1))
            .sum();
        assert_eq!(all.len(), TOPICS.len() + per_group);
        assert!(all.contains(&"orderflow.payment.commands.payment.retry.30s".to_owned()));
        assert!(all.contains(&"orderflow.order.events.notification.dlt".to_owned()));
    }

    #[test]
    fn registry_has_no_duplicates_and_nothing_unknown() {
        let names: HashSet<_> = TOPICS.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), TOPICS.len(), "duplicate topic name");

        let registered: Vec<_> = TOPICS.iter().flat_map(|t| t.event_types).copied().collect();
        let unique: HashSet<_> = registered.iter().copied().collect();
        assert_eq!(unique.len(), registered.len(), "duplicate event type");

        let known: HashSet<_> = CONTRACTS.iter().map(|c| c.event_type).collect();
        assert_eq!(unique, known, "registry and contracts list differ");
    }

    #[test]
    fn topics_follow_the_naming_convention() {
        for topic in TOPICS {
            assert!(
                topic.name.starts_with("orderflow.")
                    && (topic.name.ends_with(".events") || topic.name.ends_with(".commands")),
                "{}",
                topic.name
            );
            assert_eq!(topic.partitions, DEFAULT_PARTITIONS);
            assert!(!topic.event_types.is_empty());
        }
        for contract in CONTRACTS {
            let parts: Vec<_> = contract.event_type.split('.').collect();
            assert_eq!(parts.len(), 4, "{}", contract.event_type);
            assert_eq!(parts[0], "orderflow");
            assert_eq!(parts[3], "v1");
            let topic_context = contract.topic.split('.').nth(1);
            assert_eq!(Some(parts[1]), topic_context, "{}", contract.event_type);
            assert!(
                parts[2].chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                contract.event_type
            );
        }
    }

    #[test]
    fn unknown_event_type_has_no_topic() {
        assert_eq!(topic_of("orderflow.order.placed.v2"), None);
    }

    #[test]
    fn retry_and_dead_letter_names() {
        let names: Vec<_> = (0..RETRY_TIERS.len())
            .map(|tier| retry_topic(ORDER_EVENTS, "inventory-service", tier))
            .collect();
        assert_eq!(
            names,
            [
                "orderflow.order.events.inventory-service.retry.5s",
                "orderflow.order.events.inventory-service.retry.30s",
                "orderflow.order.events.inventory-service.retry.5m",
            ]
        );
        assert_eq!(RETRY_TIERS.map(|t| t.delay.as_secs()), [5, 30, 300]);
        assert_eq!(
            dead_letter_topic(ORDER_EVENTS, "inventory-service"),
            "orderflow.order.events.inventory-service.dlt"
        );
    }

    #[test]
    #[should_panic(expected = "retry tier 3 does not exist")]
    fn retry_topic_past_the_last_tier_panics() {
        let _ = retry_topic(ORDER_EVENTS, "g", RETRY_TIERS.len());
    }
}
