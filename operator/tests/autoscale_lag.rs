//! The lag reader against a real Kafka-protocol broker (tansu, from the test kit): records
//! produced and not consumed are lag, on the group's topics and its retry topics but not its
//! dead-letter topics; once consumed and committed, the lag is gone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use orderflow_contracts::topics::{ORDER_CONSUMER, dead_letter_topic, retry_topic};
use orderflow_operator::autoscale::lag::{LagError, read_lag};
use orderflow_operator::crd::TopicDefaults;
use orderflow_operator::topics::{KafkaAdmin, desired_topics};
use orderflow_testkit::kafka::TansuBroker;
use support::{consume_and_commit, produce};

const PARTITIONS: i32 = 3;

fn admin() -> KafkaAdmin {
    KafkaAdmin {
        timeout: Duration::from_secs(10),
        bootstrap_override: None,
    }
}

async fn broker_with_topics() -> TansuBroker {
    let broker = TansuBroker::start_ephemeral().expect("a tansu broker");
    let defaults = TopicDefaults {
        partitions: PARTITIONS,
        ..TopicDefaults::default()
    };
    admin()
        .ensure(&broker.bootstrap(), &desired_topics(&defaults))
        .await
        .expect("the topics are created");
    broker
}

#[tokio::test]
async fn produced_records_are_lag_until_consumed_and_committed() {
    let broker = broker_with_topics().await;
    let bootstrap = broker.bootstrap();
    let main = ORDER_CONSUMER.topics[0];
    let retry = retry_topic(main, ORDER_CONSUMER.group, 0);
    let dead = dead_letter_topic(main, ORDER_CONSUMER.group);

    let empty = read_lag(&admin(), &bootstrap, &ORDER_CONSUMER)
        .await
        .expect("lag");
    assert_eq!((empty.lag, empty.partitions), (0, PARTITIONS));

    produce(&bootstrap, main, 17);
    produce(&bootstrap, &retry, 4);
    produce(&bootstrap, &dead, 5);
    let behind = read_lag(&admin(), &bootstrap, &ORDER_CONSUMER)
        .await
        .expect("lag");
    assert_eq!(
        behind.lag, 21,
        "17 on the topic and 4 on its retry topic; the dead letters do not count"
    );

    consume_and_commit(
        &bootstrap,
        ORDER_CONSUMER.group,
        &[main.to_owned()],
        PARTITIONS,
        17,
    );
    let retries_left = read_lag(&admin(), &bootstrap, &ORDER_CONSUMER)
        .await
        .expect("lag");
    assert_eq!(retries_left.lag, 4);

    consume_and_commit(&bootstrap, ORDER_CONSUMER.group, &[retry], PARTITIONS, 4);
    let drained = read_lag(&admin(), &bootstrap, &ORDER_CONSUMER)
        .await
        .expect("lag");
    assert_eq!(drained.lag, 0);
}

#[tokio::test]
async fn an_unreachable_kafka_is_an_error_naming_the_group_and_address() {
    let port = orderflow_testkit::ports::free_port().expect("port");
    let bootstrap = format!("127.0.0.1:{port}");
    let admin = KafkaAdmin {
        timeout: Duration::from_secs(2),
        bootstrap_override: None,
    };
    let error = read_lag(&admin, &bootstrap, &ORDER_CONSUMER)
        .await
        .expect_err("nothing listens there");
    assert!(matches!(error, LagError::Kafka { .. }), "{error:?}");
    assert!(error.to_string().contains(&bootstrap), "{error}");
    assert!(error.to_string().contains("order"), "{error}");
}
