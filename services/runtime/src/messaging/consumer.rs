//! The consumer runner: idempotent handling through an inbox, with retry topics and a
//! dead-letter topic per consumer group (DESIGN.md §4).
//!
//! Per message: the inbox runs the handler unless the event was handled before (see
//! [`super::inbox`]); only then is the offset stored (auto offset store is off, so a
//! rebalance or crash never commits an offset whose effect was not kept).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use opentelemetry::KeyValue;
use orderflow_contracts::{
    EventHeaders, IntegrationEvent, RETRY_TIERS, dead_letter_topic, retry_topic,
};
use rdkafka::consumer::{CommitMode, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Message as _, Offset, TopicPartitionList};
use sqlx::{PgConnection, PgPool};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::dead_letter::{self, FailureHeaders};
use super::inbox::{Handling, Inbox, Outcome, PgInbox};
use super::kafka::KafkaConfig;
use crate::BoxFuture;
use crate::events::EventContext;
use crate::faults::Faults;
use crate::telemetry;

/// How a handler failed, which decides where the message goes next.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Worth retrying later: a dependency is down, or the event arrived before its cause.
    #[error("transient: {0}")]
    Transient(String),
    /// No retry can fix it: undecodable, invalid, or refused by the domain.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl HandlerError {
    pub fn transient(err: impl std::fmt::Display) -> Self {
        Self::Transient(err.to_string())
    }

    pub fn permanent(err: impl std::fmt::Display) -> Self {
        Self::Permanent(err.to_string())
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Transient(_) => "transient",
            Self::Permanent(_) => "permanent",
        }
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            Self::Transient(message) | Self::Permanent(message) => message,
        }
    }
}

impl From<sqlx::Error> for HandlerError {
    fn from(err: sqlx::Error) -> Self {
        Self::Transient(err.to_string())
    }
}

/// A consumed message as a handler sees it.
#[derive(Debug, Clone)]
pub struct Message {
    pub headers: EventHeaders,
    pub payload: Vec<u8>,
    /// Logical topic the event was first published on.
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

impl Message {
    /// The context of changes this message causes: same correlation, caused by this event.
    pub fn context(&self) -> EventContext {
        EventContext {
            correlation_id: self.headers.correlation_id.clone(),
            causation_id: Some(self.headers.id.to_string()),
            traceparent: self.headers.traceparent.clone(),
        }
    }
}

/// Handles one event type through the inbox's store: inside the consumer's transaction for
/// [`PgInbox`] (`C = PgConnection`), on a Redis connection for [`super::RedisInbox`].
pub trait Handler<E: IntegrationEvent, C: ?Sized = PgConnection>: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        conn: &'a mut C,
        event: E,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>>;
}

/// A handler with its event type erased, decoding the payload first.
pub(crate) trait ErasedHandler<C: ?Sized>: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        conn: &'a mut C,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>>;
}

struct Typed<E, H> {
    handler: H,
    _event: std::marker::PhantomData<fn() -> E>,
}

impl<C: ?Sized + 'static, E: IntegrationEvent, H: Handler<E, C>> ErasedHandler<C> for Typed<E, H> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut C,
        message: &'a Message,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        match serde_json::from_slice::<E>(&message.payload) {
            Ok(event) => self.handler.handle(conn, event, message),
            Err(err) => Box::pin(async move {
                Err(HandlerError::Permanent(format!(
                    "undecodable {}: {err}",
                    E::EVENT_TYPE
                )))
            }),
        }
    }
}

/// The handlers of one consumer group, by event type.
pub struct Handlers<C: ?Sized = PgConnection> {
    by_type: HashMap<&'static str, Arc<dyn ErasedHandler<C>>>,
    topics: Vec<&'static str>,
}

impl<C: ?Sized> Default for Handlers<C> {
    fn default() -> Self {
        Self {
            by_type: HashMap::new(),
            topics: Vec::new(),
        }
    }
}

impl<C: ?Sized> Clone for Handlers<C> {
    fn clone(&self) -> Self {
        Self {
            by_type: self.by_type.clone(),
            topics: self.topics.clone(),
        }
    }
}

impl<C: ?Sized + 'static> Handlers<C> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for `E` and subscribes to `E`'s topic.
    pub fn on<E: IntegrationEvent>(mut self, handler: impl Handler<E, C>) -> Self {
        self.by_type.insert(
            E::EVENT_TYPE,
            Arc::new(Typed {
                handler,
                _event: std::marker::PhantomData,
            }),
        );
        if !self.topics.contains(&E::TOPIC) {
            self.topics.push(E::TOPIC);
        }
        self
    }

    /// Logical topics these handlers need.
    pub fn topics(&self) -> &[&'static str] {
        &self.topics
    }
}

/// Bound of a seek, which blocks the consumer task briefly.
const SEEK_TIMEOUT: Duration = Duration::from_secs(1);

/// Tuning of the runner.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// In-process attempts before a transient failure goes to a retry topic.
    pub quick_attempts: u32,
    pub quick_backoff: Duration,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        Self {
            quick_attempts: 3,
            quick_backoff: Duration::from_millis(50),
        }
    }
}

/// Exports librdkafka's per-partition consumer lag as a gauge.
pub(crate) struct LagContext {
    group: String,
}

impl ClientContext for LagContext {
    fn stats(&self, statistics: Statistics) {
        for (topic, stats) in statistics.topics {
            for (partition, partition_stats) in stats.partitions {
                if partition >= 0 && partition_stats.consumer_lag >= 0 {
                    metrics::gauge!("consumer_lag", "group" => self.group.clone(), "topic" => topic.clone(), "partition" => partition.to_string())
                        .set(partition_stats.consumer_lag as f64);
                }
            }
        }
    }
}

impl ConsumerContext for LagContext {}

/// Where a record was read from: an original topic or one of the group's retry tiers.
struct Source {
    /// Logical topic the event was first published on.
    topic: String,
    /// Retry tier it came from, if any.
    tier: Option<usize>,
}

/// A partition paused until its head record is due.
struct Paused {
    topic: String,
    partition: i32,
    /// The record to read again on resume.
    offset: i64,
    due: Instant,
}

/// Consumes one group's topics and hands each message to its handler through the inbox `I`.
pub struct ConsumerRunner<I: Inbox = PgInbox> {
    inbox: I,
    kafka: KafkaConfig,
    group: String,
    handlers: Handlers<I::Conn>,
    producer: FutureProducer,
    config: ConsumerConfig,
    faults: Faults,
}

impl ConsumerRunner<PgInbox> {
    /// A runner whose handlers write in the inbox's PostgreSQL transaction.
    pub fn new(
        pool: PgPool,
        kafka: &KafkaConfig,
        group: impl Into<String>,
        handlers: Handlers,
    ) -> Result<Self, KafkaError> {
        Self::with_inbox(PgInbox(pool), kafka, group, handlers)
    }
}

impl<I: Inbox> ConsumerRunner<I> {
    pub fn with_inbox(
        inbox: I,
        kafka: &KafkaConfig,
        group: impl Into<String>,
        handlers: Handlers<I::Conn>,
    ) -> Result<Self, KafkaError> {
        Ok(Self {
            inbox,
            kafka: kafka.clone(),
            group: group.into(),
            handlers,
            producer: kafka.producer()?,
            config: ConsumerConfig::default(),
            faults: Faults::new(),
        })
    }

    pub fn with_config(mut self, config: ConsumerConfig) -> Self {
        self.config = config;
        self
    }

    /// Injected faults (the ones `/admin/faults` sets) that every handled message suffers
    /// first, inside its transaction: added latency, a transient or permanent failure, a crash.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Physical consumer group id.
    fn group_id(&self) -> String {
        self.kafka.topic(&self.group)
    }

    /// Physical topics the runner reads: the sources and the group's retry tiers.
    pub fn subscriptions(&self) -> Vec<String> {
        let mut topics = Vec::new();
        for topic in self.handlers.topics() {
            topics.push(self.kafka.topic(topic));
            for tier in 0..RETRY_TIERS.len() {
                topics.push(self.kafka.topic(&retry_topic(topic, &self.group, tier)));
            }
        }
        topics
    }

    /// Creates the group's retry and dead-letter topics (the sources belong to their producers).
    pub async fn ensure_topics(&self) -> Result<(), KafkaError> {
        let partitions = self.kafka.kafka_topic_partitions;
        let mut topics = Vec::new();
        for topic in self.handlers.topics() {
            for tier in 0..RETRY_TIERS.len() {
                topics.push((
                    self.kafka.topic(&retry_topic(topic, &self.group, tier)),
                    partitions,
                ));
            }
            topics.push((
                self.kafka.topic(&dead_letter_topic(topic, &self.group)),
                partitions,
            ));
        }
        self.kafka.ensure_topics(&topics).await
    }

    /// The group's failure counters at zero: the first dead letter must be an increase that
    /// `increase()` (and the dead-letter alert) can see, not a series appearing at 1.
    fn register_metrics(&self) {
        metrics::counter!("consumer_errors_total", "group" => self.group.clone()).increment(0);
        metrics::counter!("consumer_dead_letters_total", "group" => self.group.clone())
            .increment(0);
        for topic in self.handlers.topics() {
            for tier in 0..RETRY_TIERS.len() {
                let retry = retry_topic(topic, &self.group, tier);
                metrics::counter!("consumer_retries_total", "group" => self.group.clone(), "topic" => retry)
                    .increment(0);
            }
        }
    }

    /// Consumes until `shutdown` is cancelled, then finishes the message in hand, commits the
    /// stored offsets and leaves the group.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), KafkaError> {
        self.ensure_topics().await?;
        self.register_metrics();
        let consumer: StreamConsumer<LagContext> = self
            .kafka
            .client_config()
            .set("group.id", self.group_id())
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", "1000")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("statistics.interval.ms", "15000")
            .set(
                "fetch.wait.max.ms",
                self.kafka.kafka_fetch_wait_max_ms.to_string(),
            )
            .create_with_context(LagContext {
                group: self.group.clone(),
            })?;
        let topics = self.subscriptions();
        let topic_refs: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topic_refs)?;
        tracing::info!(group = %self.group, topics = ?topics, "consumer started");

        let mut paused: Vec<Paused> = Vec::new();
        loop {
            let next_due = paused.iter().map(|p| p.due).min();
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                () = sleep_until(next_due), if next_due.is_some() => self.resume_due(&consumer, &mut paused),
                received = consumer.recv() => match received {
                    Ok(message) => self.process(&consumer, &message, &mut paused).await,
                    Err(err) => {
                        tracing::warn!(group = %self.group, %err, "consumer error");
                        metrics::counter!("consumer_errors_total", "group" => self.group.clone()).increment(1);
                    }
                },
            }
        }
        match consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(())
            | Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => {}
            Err(err) => tracing::warn!(group = %self.group, %err, "final offset commit failed"),
        }
        consumer.unsubscribe();
        tracing::info!(group = %self.group, "consumer stopped");
        Ok(())
    }

    /// Resumes due partitions at their held record. Pausing moved the fetch position past
    /// that record, so a partition whose seek back fails stays paused and is tried again.
    fn resume_due(&self, consumer: &StreamConsumer<LagContext>, paused: &mut Vec<Paused>) {
        let now = Instant::now();
        let mut list = TopicPartitionList::new();
        for held in paused.iter_mut().filter(|p| p.due <= now) {
            match consumer.seek(
                &held.topic,
                held.partition,
                Offset::Offset(held.offset),
                SEEK_TIMEOUT,
            ) {
                Ok(()) => {
                    list.add_partition(&held.topic, held.partition);
                    held.due = now;
                }
                Err(err) => {
                    tracing::warn!(%err, topic = %held.topic, "cannot seek back to a held record; trying again");
                    held.due = now + Duration::from_secs(1);
                }
            }
        }
        paused.retain(|p| p.due > now);
        if let Err(err) = consumer.resume(&list) {
            tracing::warn!(%err, "cannot resume partitions");
        }
    }

    /// Holds a partition at `offset` until `due` without blocking the other partitions.
    fn pause_until(
        &self,
        consumer: &StreamConsumer<LagContext>,
        message: &BorrowedMessage<'_>,
        due: Instant,
        paused: &mut Vec<Paused>,
    ) {
        let mut list = TopicPartitionList::new();
        list.add_partition(message.topic(), message.partition());
        if let Err(err) = consumer.pause(&list) {
            tracing::warn!(%err, "cannot pause partition");
        }
        if let Err(err) = consumer.seek(
            message.topic(),
            message.partition(),
            Offset::Offset(message.offset()),
            SEEK_TIMEOUT,
        ) {
            tracing::warn!(%err, "cannot seek back to a paused record");
        }
        paused.push(Paused {
            topic: message.topic().to_owned(),
            partition: message.partition(),
            offset: message.offset(),
            due,
        });
    }

    fn source(&self, physical: &str) -> Source {
        let logical = self.kafka.logical(physical);
        for topic in self.handlers.topics() {
            for tier in 0..RETRY_TIERS.len() {
                if logical == retry_topic(topic, &self.group, tier) {
                    return Source {
                        topic: (*topic).to_owned(),
                        tier: Some(tier),
                    };
                }
            }
        }
        Source {
            topic: logical.to_owned(),
            tier: None,
        }
    }

    async fn process(
        &self,
        consumer: &StreamConsumer<LagContext>,
        record: &BorrowedMessage<'_>,
        paused: &mut Vec<Paused>,
    ) {
        let source = self.source(record.topic());
        let failure = FailureHeaders::read(record);
        if let (Some(_), Some(due)) = (source.tier, failure.retry_due_at) {
            let wait = (due - Utc::now()).to_std().unwrap_or_default();
            if !wait.is_zero() {
                self.pause_until(consumer, record, Instant::now() + wait, paused);
                return;
            }
        }

        let headers = match record.headers() {
            Some(headers) => {
                EventHeaders::from_pairs(headers.iter().filter_map(|h| h.value.map(|v| (h.key, v))))
            }
            None => EventHeaders::from_pairs(std::iter::empty()),
        };
        let headers = match headers {
            Ok(headers) => headers,
            Err(err) => {
                let error = HandlerError::Permanent(format!("invalid envelope: {err}"));
                self.forward(consumer, record, &source, &failure, &error, paused)
                    .await;
                return;
            }
        };
        let event_type = headers.event_type.clone();
        let Some(handler) = self.handlers.by_type.get(event_type.as_str()) else {
            // Another consumer's event on a shared topic: not ours to handle.
            metrics::counter!("consumer_messages_total", "group" => self.group.clone(), "type" => event_type, "outcome" => "ignored").increment(1);
            self.store_offset(consumer, record);
            return;
        };
        let message = Message {
            headers,
            payload: record.payload().unwrap_or_default().to_vec(),
            topic: source.topic.clone(),
            partition: failure.original_partition.unwrap_or(record.partition()),
            offset: failure.original_offset.unwrap_or(record.offset()),
        };

        let span = self.span(&message, record);
        async {
            let started = std::time::Instant::now();
            let mut attempt = 0;
            let result = loop {
                attempt += 1;
                let handling = Handling {
                    handler: handler.as_ref(),
                    message: &message,
                    faults: &self.faults,
                };
                match self.inbox.apply(&self.group, handling).await {
                    Err(HandlerError::Transient(reason)) if attempt < self.config.quick_attempts => {
                        tracing::debug!(group = %self.group, %reason, attempt, "transient failure; retrying in process");
                        tokio::time::sleep(self.config.quick_backoff * attempt).await;
                    }
                    other => break other,
                }
            };
            metrics::histogram!("consumer_handler_duration_seconds", "group" => self.group.clone(), "type" => event_type.clone())
                .record(started.elapsed().as_secs_f64());
            let outcome = match &result {
                Ok(Outcome::Applied) => "applied",
                Ok(Outcome::Duplicate) => "duplicate",
                Err(err) => err.kind(),
            };
            metrics::counter!("consumer_messages_total", "group" => self.group.clone(), "type" => event_type, "outcome" => outcome).increment(1);
            match result {
                Ok(_) => self.store_offset(consumer, record),
                Err(error) => {
                    self.forward(consumer, record, &source, &failure, &error, paused)
                        .await
                }
            }
        }
        .instrument(span)
        .await
    }

    /// The span handling `message`: a consumer span under the producer's, with the record's
    /// time in Kafka before it as a `consumer lag` span. Its fields name the message in logs.
    fn span(&self, message: &Message, record: &BorrowedMessage<'_>) -> tracing::Span {
        let headers = &message.headers;
        let span = tracing::info_span!(
            "consume",
            otel.name = %format_args!("{} process", message.topic),
            otel.kind = "consumer",
            messaging.system = "kafka",
            messaging.consumer.group.name = %self.group,
            event_type = %headers.event_type,
            event_id = %headers.id,
            correlation_id = headers.correlation_id.as_deref().unwrap_or_default(),
        );
        let parent = headers.traceparent.as_deref();
        telemetry::continue_trace(&span, parent);
        if let Some(produced) = record
            .timestamp()
            .to_millis()
            .and_then(|ms| u64::try_from(ms).ok())
        {
            telemetry::record_interval(
                "consumer lag",
                parent,
                SystemTime::UNIX_EPOCH + Duration::from_millis(produced),
                SystemTime::now(),
                vec![KeyValue::new(
                    "messaging.consumer.group.name",
                    self.group.clone(),
                )],
            );
        }
        span
    }

    fn store_offset(&self, consumer: &StreamConsumer<LagContext>, record: &BorrowedMessage<'_>) {
        if let Err(err) = consumer.store_offset_from_message(record) {
            tracing::warn!(group = %self.group, %err, "cannot store offset");
        }
    }

    /// Sends a failed record to its next retry tier, or to the dead-letter topic, and only
    /// then lets its offset go. When even that fails, the partition is held and retried.
    async fn forward(
        &self,
        consumer: &StreamConsumer<LagContext>,
        record: &BorrowedMessage<'_>,
        source: &Source,
        failure: &FailureHeaders,
        error: &HandlerError,
        paused: &mut Vec<Paused>,
    ) {
        let next_tier = match error {
            HandlerError::Transient(_) => {
                Some(source.tier.map_or(0, |tier| tier + 1)).filter(|t| *t < RETRY_TIERS.len())
            }
            HandlerError::Permanent(_) => None,
        };
        let now = Utc::now();
        let (logical, due): (String, Option<DateTime<Utc>>) = match next_tier {
            Some(tier) => {
                let delay = chrono::Duration::from_std(RETRY_TIERS[tier].delay).unwrap_or_default();
                (
                    retry_topic(&source.topic, &self.group, tier),
                    Some(now + delay),
                )
            }
            None => (dead_letter_topic(&source.topic, &self.group), None),
        };
        let headers = dead_letter::failure_headers(
            record,
            &source.topic,
            &self.group,
            failure,
            error,
            now,
            due,
        );
        let topic = self.kafka.topic(&logical);
        let mut forwarded = FutureRecord::to(&topic).headers(headers);
        if let Some(key) = record.key() {
            forwarded = forwarded.key(key);
        }
        if let Some(payload) = record.payload() {
            forwarded = forwarded.payload(payload);
        }
        match self.producer.send(forwarded, Duration::from_secs(30)).await {
            Ok(_) => {
                if next_tier.is_some() {
                    metrics::counter!("consumer_retries_total", "group" => self.group.clone(), "topic" => logical.clone()).increment(1);
                    tracing::warn!(group = %self.group, topic = %logical, error = %error, "message scheduled for retry");
                } else {
                    metrics::counter!("consumer_dead_letters_total", "group" => self.group.clone())
                        .increment(1);
                    tracing::error!(group = %self.group, topic = %logical, error = %error, "message dead-lettered");
                }
                self.store_offset(consumer, record);
            }
            Err((err, _)) => {
                tracing::error!(group = %self.group, %err, "cannot forward a failed message; holding its partition");
                self.pause_until(
                    consumer,
                    record,
                    Instant::now() + Duration::from_secs(5),
                    paused,
                );
            }
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}
