//! Kafka connection settings, topic administration and the broker readiness check.
//!
//! Only the Kafka protocol is used: production runs Apache Kafka, tests and `cargo xtask up`
//! a Kafka-protocol broker (tansu).

use std::time::Duration;

use clap::Args;
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::producer::FutureProducer;
use rdkafka::types::RDKafkaErrorCode;

use crate::BoxFuture;
use crate::health::ReadinessCheck;

/// How a service reaches the broker and names its topics.
#[derive(Debug, Clone, Args)]
pub struct KafkaConfig {
    /// Comma-separated `host:port` list of brokers.
    #[arg(long, env = "KAFKA_BOOTSTRAP_SERVERS")]
    pub kafka_bootstrap_servers: String,
    /// Prepended to every physical topic name; isolates tests (or tenants) sharing a cluster.
    #[arg(long, env = "KAFKA_TOPIC_PREFIX", default_value = "")]
    pub kafka_topic_prefix: String,
    /// Partitions of topics this service creates (its retry and dead-letter topics).
    #[arg(long, env = "KAFKA_TOPIC_PARTITIONS", default_value_t = 6)]
    pub kafka_topic_partitions: i32,
    #[arg(long, env = "KAFKA_REPLICATION_FACTOR", default_value_t = 1)]
    pub kafka_replication_factor: i32,
    /// Longest time the broker may hold a consumer's fetch while no record is waiting
    /// (milliseconds). Apache Kafka answers as soon as a record arrives, so this only sets
    /// the idle polling rate; a broker that waits it out (tansu) makes it the latency floor of
    /// every hop between services.
    #[arg(long, env = "KAFKA_FETCH_WAIT_MAX_MS", default_value_t = 20)]
    pub kafka_fetch_wait_max_ms: u32,
}

impl KafkaConfig {
    pub fn new(bootstrap_servers: impl Into<String>) -> Self {
        Self {
            kafka_bootstrap_servers: bootstrap_servers.into(),
            kafka_topic_prefix: String::new(),
            kafka_topic_partitions: 6,
            kafka_replication_factor: 1,
            kafka_fetch_wait_max_ms: 20,
        }
    }

    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.kafka_topic_prefix = prefix.into();
        self
    }

    /// The physical name of a logical topic.
    pub fn topic(&self, logical: &str) -> String {
        format!("{}{logical}", self.kafka_topic_prefix)
    }

    /// The logical name of a physical topic (inverse of [`Self::topic`]).
    pub fn logical<'a>(&self, physical: &'a str) -> &'a str {
        physical
            .strip_prefix(self.kafka_topic_prefix.as_str())
            .unwrap_or(physical)
    }

    /// Client settings shared by producers, consumers and admin clients.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.kafka_bootstrap_servers)
            .set("socket.keepalive.enable", "true")
            .set("log_level", "4");
        config
    }

    /// The idempotent, `acks=all` producer every relay and dead-letter writer uses.
    pub fn producer(&self) -> Result<FutureProducer, KafkaError> {
        self.client_config()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .set("batch.num.messages", "10000")
            .set("message.timeout.ms", "30000")
            .create()
    }

    /// Creates the given physical topics unless they exist.
    pub async fn ensure_topics(&self, topics: &[(String, i32)]) -> Result<(), KafkaError> {
        if topics.is_empty() {
            return Ok(());
        }
        let admin: AdminClient<DefaultClientContext> = self.client_config().create()?;
        let new_topics: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|(name, partitions)| {
                NewTopic::new(
                    name,
                    *partitions,
                    TopicReplication::Fixed(self.kafka_replication_factor),
                )
            })
            .collect();
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        for result in admin.create_topics(&new_topics, &options).await? {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((topic, code)) => {
                    return Err(KafkaError::AdminOp(code))
                        .inspect_err(|_| tracing::error!(%topic, ?code, "cannot create topic"));
                }
            }
        }
        Ok(())
    }
}

/// Readiness: the broker answers a metadata request.
pub struct KafkaReadiness {
    producer: FutureProducer,
}

impl KafkaReadiness {
    pub fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        Ok(Self {
            producer: config.client_config().create()?,
        })
    }
}

impl ReadinessCheck for KafkaReadiness {
    fn name(&self) -> &'static str {
        "kafka"
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        let producer = self.producer.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                use rdkafka::producer::Producer;
                producer
                    .client()
                    .fetch_metadata(None, Duration::from_secs(2))
                    .map(|_| ())
                    .map_err(|err| err.to_string())
            })
            .await
            .map_err(|err| err.to_string())?
        })
    }
}
