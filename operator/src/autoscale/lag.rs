//! A consumer group's lag, through the Kafka protocol: committed offsets (OffsetFetch, i.e.
//! ListConsumerGroupOffsets) against the partitions' watermarks. DescribeConsumerGroups is not
//! needed, and the test broker (tansu) lacks it.

use std::time::Duration;

use orderflow_contracts::topics::{ConsumerSpec, RETRY_TIERS, retry_topic};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::topics::KafkaAdmin;

/// What one read of a group found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupLag {
    /// Records produced but not yet committed by the group, retry topics included.
    pub lag: i64,
    /// The most partitions of any main topic the group reads: with per-topic assignment, more
    /// members than that get no partition at all.
    pub partitions: i32,
}

/// Kafka could not be read; the scaler then keeps the replica count.
#[derive(Debug, thiserror::Error)]
pub enum LagError {
    #[error("cannot read the lag of group {group} at {bootstrap}")]
    Kafka {
        group: String,
        bootstrap: String,
        #[source]
        source: KafkaError,
    },
    #[error("the lag read was cancelled")]
    Cancelled(#[from] tokio::task::JoinError),
}

/// The topics whose lag counts: the group's topics and their retry topics (records waiting
/// there still need processing). Dead-letter topics do not count: no replica drains them.
pub fn lag_topics(consumer: &ConsumerSpec) -> Vec<String> {
    consumer
        .topics
        .iter()
        .map(|topic| (*topic).to_owned())
        .chain(consumer.topics.iter().flat_map(|topic| {
            (0..RETRY_TIERS.len()).map(move |tier| retry_topic(topic, consumer.group, tier))
        }))
        .collect()
}

/// Reads `consumer`'s group lag on the Kafka at `bootstrap` (or the admin's override).
/// A partition the group never committed counts whole (high minus low watermark); topics
/// missing on the broker count nothing.
pub async fn read_lag(
    kafka: &KafkaAdmin,
    bootstrap: &str,
    consumer: &ConsumerSpec,
) -> Result<GroupLag, LagError> {
    let address = kafka.address(bootstrap).to_owned();
    let timeout = kafka.timeout;
    let group = consumer.group;
    let main: Vec<String> = consumer.topics.iter().map(|t| (*t).to_owned()).collect();
    let topics = lag_topics(consumer);
    // librdkafka's offset and watermark calls block their thread.
    let result = tokio::task::spawn_blocking({
        let address = address.clone();
        move || read_blocking(&address, group, &main, &topics, timeout)
    })
    .await?;
    result.map_err(|source| LagError::Kafka {
        group: group.to_owned(),
        bootstrap: address,
        source,
    })
}

fn read_blocking(
    address: &str,
    group: &str,
    main: &[String],
    topics: &[String],
    timeout: Duration,
) -> Result<GroupLag, KafkaError> {
    let millis = timeout.as_millis().to_string();
    // A client carrying the group id only asks for its offsets: it never joins the group.
    let client: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", address)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("socket.timeout.ms", &millis)
        .set("socket.connection.setup.timeout.ms", &millis)
        .set("log_level", "3")
        .create()?;
    let metadata = client.fetch_metadata(None, timeout)?;
    let mut partitions = TopicPartitionList::new();
    let mut most = 0;
    for topic in metadata.topics() {
        if topic.error().is_some() || !topics.iter().any(|t| t == topic.name()) {
            continue;
        }
        for partition in topic.partitions() {
            partitions.add_partition(topic.name(), partition.id());
        }
        if main.iter().any(|t| t == topic.name()) {
            most = most.max(i32::try_from(topic.partitions().len()).unwrap_or(i32::MAX));
        }
    }
    if partitions.count() == 0 {
        return Ok(GroupLag {
            lag: 0,
            partitions: most,
        });
    }
    let committed = client.committed_offsets(partitions, timeout)?;
    let mut lag: i64 = 0;
    for element in committed.elements() {
        let (low, high) = client.fetch_watermarks(element.topic(), element.partition(), timeout)?;
        let behind = match element.offset() {
            Offset::Offset(offset) => high.saturating_sub(offset.max(low)),
            _ => high.saturating_sub(low),
        };
        lag = lag.saturating_add(behind.max(0));
    }
    Ok(GroupLag {
        lag,
        partitions: most,
    })
}

#[cfg(test)]
mod tests {
    use orderflow_contracts::topics::{CONSUMERS, ORDER_CONSUMER};

    use super::*;

    #[test]
    fn retry_topics_count_and_dead_letter_topics_do_not() {
        let topics = lag_topics(&ORDER_CONSUMER);
        assert_eq!(
            topics.len(),
            ORDER_CONSUMER.topics.len() * (1 + RETRY_TIERS.len())
        );
        assert!(topics.contains(&"orderflow.customer.events".to_owned()));
        assert!(topics.contains(&"orderflow.customer.events.order.retry.5m".to_owned()));
        for consumer in CONSUMERS {
            assert!(
                lag_topics(consumer).iter().all(|t| !t.ends_with(".dlt")),
                "{}",
                consumer.group
            );
        }
    }
}
