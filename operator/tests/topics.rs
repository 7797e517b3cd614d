//! The operator's topic administration against a real Kafka-protocol broker (tansu, from the
//! test kit). Each test has its own broker: they create and delete the registry's topic names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use orderflow_operator::crd::TopicDefaults;
use orderflow_operator::topics::{KafkaAdmin, TopicsError, desired_topics};
use orderflow_testkit::kafka::TansuBroker;
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

fn broker() -> TansuBroker {
    TansuBroker::start_ephemeral().expect("a tansu broker (cargo xtask test installs tansu)")
}

fn admin() -> KafkaAdmin {
    KafkaAdmin {
        timeout: Duration::from_secs(10),
        bootstrap_override: None,
    }
}

fn defaults(partitions: i32) -> TopicDefaults {
    TopicDefaults {
        partitions,
        ..TopicDefaults::default()
    }
}

/// The broker's topics and their partition counts, read by a separate client.
fn topics_on(bootstrap: &str) -> HashMap<String, usize> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("client");
    consumer
        .fetch_metadata(None, Duration::from_secs(10))
        .expect("metadata")
        .topics()
        .iter()
        .filter(|t| t.error().is_none())
        .map(|t| (t.name().to_owned(), t.partitions().len()))
        .collect()
}

#[tokio::test]
async fn every_registry_topic_is_created_once_with_the_spec_partitions() {
    let broker = broker();
    let plan = desired_topics(&defaults(3));

    let first = admin()
        .ensure(&broker.bootstrap(), &plan)
        .await
        .expect("ensure");
    assert_eq!(first.desired, plan.len());
    assert_eq!(first.present, plan.len());
    assert_eq!(first.created.len(), plan.len());
    assert!(first.complete());
    let on_broker = topics_on(&broker.bootstrap());
    for topic in &plan {
        assert_eq!(on_broker.get(&topic.name), Some(&3), "{}", topic.name);
    }

    let second = admin()
        .ensure(&broker.bootstrap(), &plan)
        .await
        .expect("ensure");
    assert!(second.created.is_empty(), "nothing is created twice");
    assert!(second.complete());
    assert!(second.not_grown.is_empty());
}

#[tokio::test]
async fn only_missing_topics_are_created() {
    let broker = broker();
    let plan = desired_topics(&defaults(2));
    admin()
        .ensure(&broker.bootstrap(), &plan[..3])
        .await
        .expect("ensure part");

    let report = admin()
        .ensure(&broker.bootstrap(), &plan)
        .await
        .expect("ensure");
    assert_eq!(report.created.len(), plan.len() - 3);
    assert!(report.complete());
}

#[tokio::test]
async fn growing_partitions_on_a_broker_without_create_partitions_is_reported_not_failed() {
    let broker = broker();
    let small = desired_topics(&defaults(2));
    admin()
        .ensure(&broker.bootstrap(), &small)
        .await
        .expect("ensure");

    let grown = desired_topics(&defaults(4));
    let report = admin()
        .ensure(&broker.bootstrap(), &grown)
        .await
        .expect("growth that the broker refuses is not an error");
    assert!(report.complete(), "the topics exist");
    assert_eq!(report.not_grown.len(), grown.len(), "{report:?}");
    let first = &report.not_grown[0];
    assert_eq!((first.partitions, first.wanted), (2, 4));
    assert!(
        first.reason.contains("unsupported by the broker"),
        "{}",
        first.reason
    );
    assert_eq!(topics_on(&broker.bootstrap()).get(&first.topic), Some(&2));
}

#[tokio::test]
async fn deleting_removes_the_platform_topics_and_tolerates_missing_ones() {
    let broker = broker();
    let plan = desired_topics(&defaults(1));
    admin()
        .ensure(&broker.bootstrap(), &plan[..4])
        .await
        .expect("ensure");
    assert!(topics_on(&broker.bootstrap()).contains_key(&plan[0].name));

    admin()
        .delete(&broker.bootstrap(), &plan)
        .await
        .expect("delete");
    let left = topics_on(&broker.bootstrap());
    assert!(
        plan.iter().all(|t| !left.contains_key(&t.name)),
        "left: {left:?}"
    );
    admin()
        .delete(&broker.bootstrap(), &plan)
        .await
        .expect("deleting again is a no-op");
}

#[tokio::test]
async fn an_unreachable_kafka_is_an_error_naming_the_address() {
    let port = orderflow_testkit::ports::free_port().expect("port");
    let bootstrap = format!("127.0.0.1:{port}");
    let admin = KafkaAdmin {
        timeout: Duration::from_secs(2),
        bootstrap_override: None,
    };
    let error = admin
        .ensure(&bootstrap, &desired_topics(&defaults(1)))
        .await
        .expect_err("nothing listens there");
    assert!(
        matches!(error, TopicsError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&bootstrap), "{error}");
}
