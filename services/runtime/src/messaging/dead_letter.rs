//! Failure headers of retried and dead-lettered records, and the dead-letter admin: list the
//! records of a group's dead-letter topics and replay them (the inbox makes replay safe).

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use orderflow_contracts::{dead_letter_topic, retry_topic};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Header, Headers, OwnedHeaders};
use rdkafka::producer::FutureRecord;
use rdkafka::{Message as _, Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::consumer::HandlerError;
use super::kafka::KafkaConfig;

pub const ORIGINAL_TOPIC: &str = "x-original-topic";
pub const ORIGINAL_PARTITION: &str = "x-original-partition";
pub const ORIGINAL_OFFSET: &str = "x-original-offset";
pub const CONSUMER_GROUP: &str = "x-consumer-group";
pub const ERROR_KIND: &str = "x-error-kind";
pub const EXCEPTION_MESSAGE: &str = "x-exception-message";
pub const ATTEMPTS: &str = "x-attempts";
pub const FIRST_FAILED_AT: &str = "x-first-failed-at";
pub const FAILED_AT: &str = "x-failed-at";
pub const RETRY_DUE_AT: &str = "x-retry-due-at";
const FAILURE_HEADERS: [&str; 10] = [
    ORIGINAL_TOPIC,
    ORIGINAL_PARTITION,
    ORIGINAL_OFFSET,
    CONSUMER_GROUP,
    ERROR_KIND,
    EXCEPTION_MESSAGE,
    ATTEMPTS,
    FIRST_FAILED_AT,
    FAILED_AT,
    RETRY_DUE_AT,
];
/// Longest exception message kept in a header.
const MAX_MESSAGE_BYTES: usize = 4096;

fn header<'a>(record: &'a BorrowedMessage<'_>, name: &str) -> Option<&'a str> {
    record
        .headers()?
        .iter()
        .filter(|h| h.key == name)
        .last()
        .and_then(|h| h.value)
        .and_then(|v| std::str::from_utf8(v).ok())
}

fn timestamp(value: Option<&str>) -> Option<DateTime<Utc>> {
    value
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// What earlier failures of a record left in its headers.
#[derive(Debug, Clone, Default)]
pub(crate) struct FailureHeaders {
    pub original_topic: Option<String>,
    pub original_partition: Option<i32>,
    pub original_offset: Option<i64>,
    pub attempts: u32,
    pub first_failed_at: Option<DateTime<Utc>>,
    pub retry_due_at: Option<DateTime<Utc>>,
}

impl FailureHeaders {
    pub fn read(record: &BorrowedMessage<'_>) -> Self {
        Self {
            original_topic: header(record, ORIGINAL_TOPIC).map(str::to_owned),
            original_partition: header(record, ORIGINAL_PARTITION).and_then(|v| v.parse().ok()),
            original_offset: header(record, ORIGINAL_OFFSET).and_then(|v| v.parse().ok()),
            attempts: header(record, ATTEMPTS)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            first_failed_at: timestamp(header(record, FIRST_FAILED_AT)),
            retry_due_at: timestamp(header(record, RETRY_DUE_AT)),
        }
    }
}

fn truncate(message: &str) -> &str {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let mut end = MAX_MESSAGE_BYTES;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    &message[..end]
}

/// The record's own headers plus one fresh set of failure headers: earlier failure headers
/// are replaced, never appended.
pub(crate) fn failure_headers(
    record: &BorrowedMessage<'_>,
    source_topic: &str,
    group: &str,
    failure: &FailureHeaders,
    error: &HandlerError,
    now: DateTime<Utc>,
    due: Option<DateTime<Utc>>,
) -> OwnedHeaders {
    let mut headers = OwnedHeaders::new();
    if let Some(existing) = record.headers() {
        for h in existing
            .iter()
            .filter(|h| !FAILURE_HEADERS.contains(&h.key))
        {
            headers = headers.insert(Header {
                key: h.key,
                value: h.value,
            });
        }
    }
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut set = vec![
        (
            ORIGINAL_TOPIC,
            failure
                .original_topic
                .clone()
                .unwrap_or_else(|| source_topic.to_owned()),
        ),
        (
            ORIGINAL_PARTITION,
            failure
                .original_partition
                .unwrap_or(record.partition())
                .to_string(),
        ),
        (
            ORIGINAL_OFFSET,
            failure
                .original_offset
                .unwrap_or(record.offset())
                .to_string(),
        ),
        (CONSUMER_GROUP, group.to_owned()),
        (ERROR_KIND, error.kind().to_owned()),
        (EXCEPTION_MESSAGE, truncate(error.message()).to_owned()),
        (ATTEMPTS, (failure.attempts + 1).to_string()),
        (
            FIRST_FAILED_AT,
            time(failure.first_failed_at.unwrap_or(now)),
        ),
        (FAILED_AT, time(now)),
    ];
    if let Some(due) = due {
        set.push((RETRY_DUE_AT, time(due)));
    }
    for (key, value) in &set {
        headers = headers.insert(Header {
            key,
            value: Some(value.as_str()),
        });
    }
    headers
}

/// One record of a dead-letter topic, as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub group: String,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub original_topic: Option<String>,
    pub original_partition: Option<i32>,
    pub original_offset: Option<i64>,
    pub error_kind: Option<String>,
    pub exception_message: Option<String>,
    pub attempts: u32,
    pub first_failed_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    /// The payload as text (lossy when it is not UTF-8).
    pub payload: String,
}

/// Which dead letters to list or replay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterFilter {
    /// Only records of this event type.
    pub event_type: Option<String>,
    /// Only records first published on this logical topic.
    pub original_topic: Option<String>,
    /// Only the record at this partition…
    pub partition: Option<i32>,
    /// …and offset.
    pub offset: Option<i64>,
}

impl DeadLetterFilter {
    fn matches(&self, record: &DeadLetter) -> bool {
        self.event_type
            .as_ref()
            .is_none_or(|t| record.event_type.as_ref() == Some(t))
            && self
                .original_topic
                .as_ref()
                .is_none_or(|t| record.original_topic.as_ref() == Some(t))
            && self.partition.is_none_or(|p| record.partition == p)
            && self.offset.is_none_or(|o| record.offset == o)
    }
}

/// Reads and replays the dead letters of one consumer group.
#[derive(Clone)]
pub struct DeadLetterAdmin {
    kafka: KafkaConfig,
    group: String,
    topics: Vec<&'static str>,
}

impl DeadLetterAdmin {
    pub fn new(kafka: &KafkaConfig, group: impl Into<String>, topics: &[&'static str]) -> Self {
        Self {
            kafka: kafka.clone(),
            group: group.into(),
            topics: topics.to_vec(),
        }
    }

    pub fn group(&self) -> &str {
        &self.group
    }

    /// Every dead letter of the group that matches `filter`, oldest first per partition.
    pub async fn list(&self, filter: &DeadLetterFilter) -> Result<Vec<DeadLetter>, KafkaError> {
        Ok(self
            .read(filter)
            .await?
            .into_iter()
            .map(|raw| raw.view)
            .collect())
    }

    async fn read(&self, filter: &DeadLetterFilter) -> Result<Vec<RawDeadLetter>, KafkaError> {
        let this = self.clone();
        let filter = filter.clone();
        tokio::task::spawn_blocking(move || this.read_blocking(&filter))
            .await
            .map_err(|_| KafkaError::Canceled)?
    }

    fn read_blocking(&self, filter: &DeadLetterFilter) -> Result<Vec<RawDeadLetter>, KafkaError> {
        let consumer: BaseConsumer = self
            .kafka
            .client_config()
            .set(
                "group.id",
                format!(
                    "{}-dlt-reader-{}",
                    self.group,
                    uuid::Uuid::now_v7().simple()
                ),
            )
            .set("enable.auto.commit", "false")
            .create()?;
        let timeout = Duration::from_secs(5);
        let mut assignment = TopicPartitionList::new();
        let mut remaining = 0_i64;
        for topic in &self.topics {
            let physical = self.kafka.topic(&dead_letter_topic(topic, &self.group));
            let metadata = consumer.fetch_metadata(Some(&physical), timeout)?;
            for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
                let (low, high) = consumer.fetch_watermarks(&physical, partition.id(), timeout)?;
                if high > low {
                    assignment.add_partition_offset(
                        &physical,
                        partition.id(),
                        Offset::Offset(low),
                    )?;
                    remaining += high - low;
                }
            }
        }
        let mut records = Vec::new();
        if remaining == 0 {
            return Ok(records);
        }
        consumer.assign(&assignment)?;
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while remaining > 0 && std::time::Instant::now() < deadline {
            let Some(result) = consumer.poll(Duration::from_millis(200)) else {
                continue;
            };
            let record = result?;
            remaining -= 1;
            let raw = self.describe(&record);
            if filter.matches(&raw.view) {
                records.push(raw);
            }
        }
        Ok(records)
    }

    fn describe(&self, record: &BorrowedMessage<'_>) -> RawDeadLetter {
        let text = |name| header(record, name).map(str::to_owned);
        let view = DeadLetter {
            group: self.group.clone(),
            topic: self.kafka.logical(record.topic()).to_owned(),
            partition: record.partition(),
            offset: record.offset(),
            key: record
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned()),
            event_id: text(orderflow_contracts::header::ID),
            event_type: text(orderflow_contracts::header::TYPE),
            original_topic: text(ORIGINAL_TOPIC),
            original_partition: header(record, ORIGINAL_PARTITION).and_then(|v| v.parse().ok()),
            original_offset: header(record, ORIGINAL_OFFSET).and_then(|v| v.parse().ok()),
            error_kind: text(ERROR_KIND),
            exception_message: text(EXCEPTION_MESSAGE),
            attempts: header(record, ATTEMPTS)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            first_failed_at: timestamp(header(record, FIRST_FAILED_AT)),
            failed_at: timestamp(header(record, FAILED_AT)),
            payload: String::from_utf8_lossy(record.payload().unwrap_or_default()).into_owned(),
        };
        RawDeadLetter {
            view,
            key: record.key().map(<[u8]>::to_vec),
            payload: record.payload().map(<[u8]>::to_vec),
            headers: record
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_owned(), h.value.unwrap_or_default().to_vec()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Sends matching dead letters back through the group's first retry tier, due now, so
    /// that only this group sees them again. Returns how many were replayed.
    ///
    /// An event that failed again after an earlier replay has several dead letters; only its
    /// latest is replayed, so repeated replays do not multiply it.
    pub async fn replay(&self, filter: &DeadLetterFilter) -> Result<usize, KafkaError> {
        let mut records = self.read(filter).await?;
        let mut latest = std::collections::HashMap::new();
        for (index, record) in records.iter().enumerate() {
            if let Some(id) = &record.view.event_id {
                latest.insert(id.clone(), index);
            }
        }
        let mut index = 0;
        records.retain(|record| {
            let keep = record
                .view
                .event_id
                .as_ref()
                .is_none_or(|id| latest.get(id) == Some(&index));
            index += 1;
            keep
        });
        if records.is_empty() {
            return Ok(0);
        }
        let producer = self.kafka.producer()?;
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        for record in &records {
            let original = record
                .view
                .original_topic
                .clone()
                .unwrap_or_else(|| record.view.topic.clone());
            let topic = self.kafka.topic(&retry_topic(&original, &self.group, 0));
            let mut headers = OwnedHeaders::new();
            for (key, value) in record
                .headers
                .iter()
                .filter(|(key, _)| key != RETRY_DUE_AT && key != ATTEMPTS)
            {
                headers = headers.insert(Header {
                    key,
                    value: Some(value.as_slice()),
                });
            }
            headers = headers.insert(Header {
                key: RETRY_DUE_AT,
                value: Some(now.as_str()),
            });
            headers = headers.insert(Header {
                key: ATTEMPTS,
                value: Some("0"),
            });
            let mut out: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&topic).headers(headers);
            if let Some(key) = &record.key {
                out = out.key(key.as_slice());
            }
            if let Some(payload) = &record.payload {
                out = out.payload(payload.as_slice());
            }
            producer
                .send(out, Duration::from_secs(30))
                .await
                .map_err(|(err, _)| err)?;
            metrics::counter!("consumer_dead_letters_replayed_total", "group" => self.group.clone()).increment(1);
        }
        tracing::info!(group = %self.group, count = records.len(), "dead letters replayed");
        Ok(records.len())
    }
}

/// A dead letter with its raw bytes, for replay.
struct RawDeadLetter {
    view: DeadLetter,
    key: Option<Vec<u8>>,
    payload: Option<Vec<u8>>,
    headers: Vec<(String, Vec<u8>)>,
}
