//! The platform's Kafka topics, through the Kafka admin API.
//!
//! Which topics exist is the contracts registry's decision ([`orderflow_contracts::all_topics`]:
//! every topic plus each consumer group's retry and dead-letter topics); the spec only sets
//! their partitions, replication and retention. Topics are created once Kafka is reachable,
//! their partitions grown when the spec grows them, and deleted only by the finalizer of a
//! platform whose `kafka.deletionPolicy` is `Delete`.

use std::collections::HashMap;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewPartitions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use crate::crd::TopicDefaults;

/// One topic as the spec wants it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicPlan {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i32,
    pub retention_ms: i64,
}

/// Every topic of the contracts registry with the spec's settings, in the registry's order.
pub fn desired_topics(defaults: &TopicDefaults) -> Vec<TopicPlan> {
    orderflow_contracts::all_topics()
        .into_iter()
        .map(|name| TopicPlan {
            name,
            partitions: defaults.partitions,
            replication_factor: defaults.replication_factor,
            retention_ms: defaults.retention_ms,
        })
        .collect()
}

/// A topic whose partitions could not be grown to the spec's count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotGrown {
    pub topic: String,
    pub partitions: i32,
    pub wanted: i32,
    /// The broker's answer, e.g. "unsupported by the broker".
    pub reason: String,
}

/// What [`KafkaAdmin::ensure`] found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicsReport {
    /// Topics the spec wants.
    pub desired: usize,
    /// Of those, the topics that exist on the broker now.
    pub present: usize,
    /// Topics this call created.
    pub created: Vec<String>,
    /// Topics with fewer partitions than the spec wants, and why they were not grown.
    pub not_grown: Vec<NotGrown>,
}

impl TopicsReport {
    /// Every desired topic exists (with however many partitions the broker allowed).
    pub const fn complete(&self) -> bool {
        self.present == self.desired
    }
}

/// A failure to talk to Kafka. Reported in the status and retried; never a crash.
#[derive(Debug, thiserror::Error)]
pub enum TopicsError {
    #[error("cannot reach Kafka at {bootstrap}: {source}")]
    Unreachable {
        bootstrap: String,
        #[source]
        source: KafkaError,
    },
    #[error("Kafka refused to {action} topic {topic}: {code}")]
    Refused {
        action: &'static str,
        topic: String,
        code: RDKafkaErrorCode,
    },
    #[error("the Kafka admin request failed")]
    Admin(#[from] KafkaError),
    #[error("the Kafka metadata request was cancelled")]
    Cancelled(#[from] tokio::task::JoinError),
}

/// The operator's Kafka admin client settings. A client is made per call: reconciles are
/// seconds to minutes apart and a platform's Kafka may move between them.
#[derive(Clone, Debug)]
pub struct KafkaAdmin {
    /// Bound on each admin request, so an unreachable Kafka delays a reconcile, not blocks it.
    pub timeout: Duration,
    /// Reach every platform's Kafka here instead of at its in-cluster address: for an operator
    /// run outside the cluster through a port-forward, and for tests.
    pub bootstrap_override: Option<String>,
}

impl Default for KafkaAdmin {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            bootstrap_override: None,
        }
    }
}

impl KafkaAdmin {
    /// The address actually dialled for a platform whose Kafka is at `bootstrap`.
    pub fn address<'a>(&'a self, bootstrap: &'a str) -> &'a str {
        self.bootstrap_override.as_deref().unwrap_or(bootstrap)
    }

    fn client(&self, bootstrap: &str) -> Result<AdminClient<DefaultClientContext>, TopicsError> {
        let timeout = self.timeout.as_millis().to_string();
        ClientConfig::new()
            .set("bootstrap.servers", self.address(bootstrap))
            .set("socket.timeout.ms", &timeout)
            .set("socket.connection.setup.timeout.ms", &timeout)
            .set("log_level", "3")
            .create()
            .map_err(|source| TopicsError::Unreachable {
                bootstrap: self.address(bootstrap).to_owned(),
                source,
            })
    }

    fn options(&self) -> AdminOptions {
        AdminOptions::new()
            .request_timeout(Some(self.timeout))
            .operation_timeout(Some(self.timeout))
    }

    /// The partition count of every topic on the broker.
    async fn partitions(
        &self,
        admin: AdminClient<DefaultClientContext>,
        bootstrap: &str,
    ) -> Result<(AdminClient<DefaultClientContext>, HashMap<String, i32>), TopicsError> {
        let timeout = self.timeout;
        // librdkafka's metadata call blocks its thread.
        let (admin, metadata) = tokio::task::spawn_blocking(move || {
            let metadata = admin.inner().fetch_metadata(None, timeout);
            (admin, metadata)
        })
        .await?;
        let metadata = metadata.map_err(|source| TopicsError::Unreachable {
            bootstrap: self.address(bootstrap).to_owned(),
            source,
        })?;
        let partitions = metadata
            .topics()
            .iter()
            .filter(|topic| topic.error().is_none())
            .map(|topic| {
                let count = i32::try_from(topic.partitions().len()).unwrap_or(i32::MAX);
                (topic.name().to_owned(), count)
            })
            .collect();
        Ok((admin, partitions))
    }

    /// Creates the missing topics of `plan` and grows the partitions of those with fewer than
    /// it asks for. A broker that cannot grow partitions is reported, not an error: the
    /// platform works with the partitions it has.
    pub async fn ensure(
        &self,
        bootstrap: &str,
        plan: &[TopicPlan],
    ) -> Result<TopicsReport, TopicsError> {
        let (admin, existing) = self.partitions(self.client(bootstrap)?, bootstrap).await?;
        let missing: Vec<&TopicPlan> = plan
            .iter()
            .filter(|topic| !existing.contains_key(&topic.name))
            .collect();
        let created = self.create(&admin, &missing).await?;
        let mut not_grown = Vec::new();
        for topic in plan {
            match existing.get(&topic.name) {
                Some(&partitions) if partitions < topic.partitions => {
                    if let Some(reason) = self.grow(&admin, topic).await? {
                        not_grown.push(NotGrown {
                            topic: topic.name.clone(),
                            partitions,
                            wanted: topic.partitions,
                            reason,
                        });
                    }
                }
                _ => {}
            }
        }
        Ok(TopicsReport {
            desired: plan.len(),
            present: plan.len() - missing.len() + created.len(),
            created,
            not_grown,
        })
    }

    async fn create(
        &self,
        admin: &AdminClient<DefaultClientContext>,
        topics: &[&TopicPlan],
    ) -> Result<Vec<String>, TopicsError> {
        if topics.is_empty() {
            return Ok(Vec::new());
        }
        let retention: Vec<String> = topics.iter().map(|t| t.retention_ms.to_string()).collect();
        let new_topics: Vec<NewTopic<'_>> = topics
            .iter()
            .zip(&retention)
            .map(|(topic, retention)| {
                NewTopic::new(
                    &topic.name,
                    topic.partitions,
                    TopicReplication::Fixed(topic.replication_factor),
                )
                .set("retention.ms", retention)
            })
            .collect();
        let mut created = Vec::new();
        for result in admin.create_topics(&new_topics, &self.options()).await? {
            match result {
                Ok(topic) => created.push(topic),
                // Created meanwhile by someone else (a service, another reconcile): present.
                Err((topic, RDKafkaErrorCode::TopicAlreadyExists)) => created.push(topic),
                Err((topic, code)) => {
                    return Err(TopicsError::Refused {
                        action: "create",
                        topic,
                        code,
                    });
                }
            }
        }
        Ok(created)
    }

    /// Grows `topic` to its planned partitions; `Some(reason)` when the broker cannot.
    async fn grow(
        &self,
        admin: &AdminClient<DefaultClientContext>,
        topic: &TopicPlan,
    ) -> Result<Option<String>, TopicsError> {
        let count = usize::try_from(topic.partitions).unwrap_or_default();
        let request = [NewPartitions::new(&topic.name, count)];
        let results = match admin.create_partitions(&request, &self.options()).await {
            Ok(results) => results,
            Err(KafkaError::AdminOp(code)) => return Ok(Some(growth_refused(code))),
            Err(error) => return Err(error.into()),
        };
        Ok(results
            .into_iter()
            .find_map(|result| result.err())
            .map(|(_, code)| growth_refused(code)))
    }

    /// Deletes `topics`; those already gone count as deleted.
    pub async fn delete(&self, bootstrap: &str, topics: &[TopicPlan]) -> Result<(), TopicsError> {
        let (admin, existing) = self.partitions(self.client(bootstrap)?, bootstrap).await?;
        let names: Vec<&str> = topics
            .iter()
            .map(|topic| topic.name.as_str())
            .filter(|name| existing.contains_key(*name))
            .collect();
        if names.is_empty() {
            return Ok(());
        }
        for result in admin.delete_topics(&names, &self.options()).await? {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
                Err((topic, code)) => {
                    return Err(TopicsError::Refused {
                        action: "delete",
                        topic,
                        code,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Why a broker refused CreatePartitions, in words for the status.
fn growth_refused(code: RDKafkaErrorCode) -> String {
    match code {
        RDKafkaErrorCode::UnsupportedVersion
        | RDKafkaErrorCode::UnsupportedFeature
        | RDKafkaErrorCode::UnsupportedForMessageFormat => {
            format!("unsupported by the broker ({code})")
        }
        code => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_covers_the_registry_with_the_spec_settings() {
        let defaults = TopicDefaults {
            partitions: 12,
            replication_factor: 3,
            retention_ms: -1,
        };
        let plan = desired_topics(&defaults);
        assert_eq!(plan.len(), orderflow_contracts::all_topics().len());
        assert!(
            plan.iter()
                .all(|t| t.partitions == 12 && t.replication_factor == 3 && t.retention_ms == -1)
        );
        let names: Vec<&str> = plan.iter().map(|t| t.name.as_str()).collect();
        assert!(names.contains(&"orderflow.order.events"));
        assert!(names.contains(&"orderflow.inventory.commands.inventory.retry.5m"));
        assert!(names.contains(&"orderflow.payment.events.order.dlt"));
    }

    #[test]
    fn an_override_replaces_every_platform_address() {
        let admin = KafkaAdmin::default();
        assert_eq!(admin.address("kafka.shop.svc:9092"), "kafka.shop.svc:9092");
        let admin = KafkaAdmin {
            bootstrap_override: Some("127.0.0.1:19092".to_owned()),
            ..KafkaAdmin::default()
        };
        assert_eq!(admin.address("kafka.shop.svc:9092"), "127.0.0.1:19092");
    }

    #[test]
    fn an_unsupported_api_reads_as_such() {
        assert!(growth_refused(RDKafkaErrorCode::UnsupportedVersion).starts_with("unsupported"));
        assert!(growth_refused(RDKafkaErrorCode::UnsupportedFeature).starts_with("unsupported"));
        assert!(!growth_refused(RDKafkaErrorCode::PolicyViolation).starts_with("unsupported"));
    }
}
