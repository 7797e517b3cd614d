//! The outbox relay: publishes committed outbox rows to Kafka, in order per aggregate.
//!
//! One relay per service is active at a time, elected with a PostgreSQL session advisory
//! lock: the others block on the lock and take over when the holder's session ends. The
//! active relay is woken by `NOTIFY` (sent by [`super::Outbox::enqueue`], delivered only on
//! commit, so a relay in any replica wakes) with a short fallback poll.

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime};

use futures::future::join_all;
use opentelemetry::KeyValue;
use orderflow_contracts::header;
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use sqlx::postgres::PgListener;
use sqlx::{Connection, FromRow, PgConnection, PgPool};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::kafka::KafkaConfig;
use super::outbox::WAKE_CHANNEL;
use crate::telemetry;

/// Tuning of the relay.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Rows claimed and produced per round trip.
    pub batch_size: i64,
    /// How often the relay looks without being woken.
    pub poll_interval: Duration,
    /// How long published rows are kept before the janitor deletes them.
    pub retention: Duration,
    pub janitor_interval: Duration,
    /// Advisory-lock key electing the active relay; one per service database.
    pub lock_key: i64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 5000,
            poll_interval: Duration::from_millis(500),
            retention: Duration::from_secs(7 * 24 * 3600),
            janitor_interval: Duration::from_secs(300),
            lock_key: 0x6f75_7462_6f78, // "outbox"
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
}

#[derive(FromRow)]
struct PendingRow {
    id: i64,
    aggregatetype: String,
    aggregateid: String,
    topic: String,
    payload: String,
    headers: sqlx::types::Json<serde_json::Map<String, serde_json::Value>>,
    age_seconds: f64,
}

/// What happened to one claimed batch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchOutcome {
    pub claimed: usize,
    pub published: usize,
    pub retried: usize,
    pub dead: usize,
}

pub struct OutboxRelay {
    pool: PgPool,
    producer: FutureProducer,
    kafka: KafkaConfig,
    config: RelayConfig,
}

impl OutboxRelay {
    pub fn new(pool: PgPool, kafka: &KafkaConfig, config: RelayConfig) -> Result<Self, KafkaError> {
        Ok(Self {
            pool,
            producer: kafka.producer()?,
            kafka: kafka.clone(),
            config,
        })
    }

    /// Runs until `shutdown` is cancelled: waits for leadership, then publishes. Database
    /// or broker failures are logged and retried; they never end the relay.
    pub async fn run(self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            if let Err(err) = self.lead(&shutdown).await {
                tracing::warn!(%err, "outbox relay interrupted; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
        tracing::info!("outbox relay stopped");
    }

    /// Holds the advisory lock for as long as this relay publishes.
    async fn lead(&self, shutdown: &CancellationToken) -> Result<(), RelayError> {
        let mut lock = self.pool.acquire().await?.detach();
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            locked = sqlx::query("SELECT pg_advisory_lock($1)").bind(self.config.lock_key).execute(&mut lock) => { locked?; }
        }
        tracing::info!("this instance is the active outbox relay");
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(WAKE_CHANNEL).await?;
        let mut janitor = tokio::time::interval(self.config.janitor_interval);
        loop {
            // Batches run on the lock's own session: if it is lost, so is the batch, before
            // anything is produced, and another relay may safely take over.
            let outcome = self.publish_batch(&mut lock).await?;
            if outcome.claimed as i64 == self.config.batch_size
                && outcome.retried == 0
                && !shutdown.is_cancelled()
            {
                continue;
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                notification = listener.recv() => { notification?; }
                () = tokio::time::sleep(self.config.poll_interval) => self.record_backlog().await?,
                _ = janitor.tick() => { self.delete_published().await?; }
            }
        }
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(self.config.lock_key)
            .execute(&mut lock)
            .await?;
        Ok(())
    }

    /// Claims one batch of due rows, produces them, and records the outcome of each.
    ///
    /// A row whose aggregate has an earlier row still waiting is not due: that keeps the
    /// per-aggregate order across back-offs. Within a batch, only the contiguous run of
    /// acknowledged rows per aggregate is marked published; the rest are backed off.
    ///
    /// With the idempotent producer, librdkafka fails every later in-flight record of a
    /// partition when one fails, so an acknowledged record never follows a failed one of the
    /// same key; a later row of the aggregate on another topic may be re-sent, which the
    /// consumers' inbox absorbs.
    pub async fn publish_batch(&self, conn: &mut PgConnection) -> Result<BatchOutcome, RelayError> {
        let mut tx = conn.begin().await?;
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT o.id, o.aggregatetype, o.aggregateid, o.topic, o.payload::text AS payload, o.headers,
                    EXTRACT(EPOCH FROM clock_timestamp() - o.created_at)::float8 AS age_seconds
               FROM outbox_message o
              WHERE o.published_at IS NULL AND NOT o.dead AND o.available_at <= now()
                AND NOT EXISTS (
                    SELECT 1 FROM outbox_message e
                     WHERE e.aggregatetype = o.aggregatetype AND e.aggregateid = o.aggregateid
                       AND e.id < o.id AND e.published_at IS NULL AND NOT e.dead
                       AND e.attempts > 0 AND e.available_at > now())
              ORDER BY o.id
              LIMIT $1
                FOR UPDATE SKIP LOCKED",
        )
        .bind(self.config.batch_size)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(BatchOutcome::default());
        }

        let started = Instant::now();
        let deliveries = join_all(rows.iter().map(|row| self.produce(row))).await;

        let mut published = Vec::new();
        let mut published_ages = Vec::new();
        let mut retry: Vec<(i64, String)> = Vec::new();
        let mut dead: Vec<(i64, String)> = Vec::new();
        let mut blocked: HashSet<(&str, &str)> = HashSet::new();
        for (row, delivery) in rows.iter().zip(deliveries) {
            let aggregate = (row.aggregatetype.as_str(), row.aggregateid.as_str());
            if blocked.contains(&aggregate) {
                retry.push((
                    row.id,
                    "an earlier event of this aggregate was not acknowledged".to_owned(),
                ));
                continue;
            }
            match delivery {
                Ok(()) => {
                    published.push(row.id);
                    published_ages.push(row.age_seconds + started.elapsed().as_secs_f64());
                }
                Err(err) if is_permanent(&err) => dead.push((row.id, err.to_string())),
                Err(err) => {
                    blocked.insert(aggregate);
                    retry.push((row.id, err.to_string()));
                }
            }
        }

        sqlx::query("UPDATE outbox_message SET published_at = clock_timestamp(), attempts = attempts + 1 WHERE id = ANY($1)")
            .bind(&published)
            .execute(&mut *tx)
            .await?;
        if !retry.is_empty() {
            let (ids, errors): (Vec<i64>, Vec<String>) = retry.iter().cloned().unzip();
            sqlx::query(
                "UPDATE outbox_message o
                    SET attempts = o.attempts + 1, last_error = f.error,
                        available_at = clock_timestamp() + interval '1 second' * power(2, least(o.attempts, 8))
                   FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
                  WHERE o.id = f.id",
            )
            .bind(&ids)
            .bind(&errors)
            .execute(&mut *tx)
            .await?;
        }
        if !dead.is_empty() {
            let (ids, errors): (Vec<i64>, Vec<String>) = dead.iter().cloned().unzip();
            sqlx::query(
                "UPDATE outbox_message o SET dead = TRUE, attempts = o.attempts + 1, last_error = f.error
                   FROM unnest($1::bigint[], $2::text[]) AS f(id, error) WHERE o.id = f.id",
            )
            .bind(&ids)
            .bind(&errors)
            .execute(&mut *tx)
            .await?;
            for (id, error) in &dead {
                tracing::error!(outbox_id = id, %error, "outbox row can never be published; marked dead");
            }
        }
        tx.commit().await?;

        metrics::counter!("outbox_published_total").increment(published.len() as u64);
        metrics::counter!("outbox_retries_total").increment(retry.len() as u64);
        metrics::counter!("outbox_dead_total").increment(dead.len() as u64);
        for age in published_ages {
            metrics::histogram!("outbox_publish_latency_seconds").record(age);
        }
        if !retry.is_empty() {
            tracing::warn!(count = retry.len(), error = %retry[0].1, "outbox rows backed off");
        }
        Ok(BatchOutcome {
            claimed: rows.len(),
            published: published.len(),
            retried: retry.len(),
            dead: dead.len(),
        })
    }

    /// Sends one row. While traces are on, the send is a producer span under the span that
    /// enqueued the row, its time in the outbox an `outbox wait` span beside it, and the record
    /// carries the producer span as its `traceparent`.
    async fn produce(&self, row: &PendingRow) -> Result<(), KafkaError> {
        let topic = self.kafka.topic(&row.topic);
        let enqueued_by = row
            .headers
            .get(header::TRACEPARENT)
            .and_then(serde_json::Value::as_str);
        let span = tracing::info_span!(
            "publish",
            otel.name = %format_args!("{} publish", row.topic),
            otel.kind = "producer",
            messaging.system = "kafka",
            messaging.destination.name = %topic,
            outbox_id = row.id,
        );
        telemetry::continue_trace(&span, enqueued_by);
        let now = SystemTime::now();
        telemetry::record_interval(
            "outbox wait",
            enqueued_by,
            now - Duration::from_secs_f64(row.age_seconds.max(0.0)),
            now,
            vec![KeyValue::new("outbox.id", row.id)],
        );
        let traceparent = telemetry::traceparent_of(&span);

        let mut headers = OwnedHeaders::new_with_capacity(row.headers.len());
        for (name, value) in row.headers.iter() {
            let value = match (name.as_str(), &traceparent) {
                (header::TRACEPARENT, Some(producer)) => producer.as_str(),
                _ => value.as_str().unwrap_or_default(),
            };
            headers = headers.insert(Header {
                key: name,
                value: Some(value),
            });
        }
        if let (None, Some(producer)) = (enqueued_by, &traceparent) {
            headers = headers.insert(Header {
                key: header::TRACEPARENT,
                value: Some(producer.as_str()),
            });
        }
        let record = FutureRecord::to(&topic)
            .key(&row.aggregateid)
            .payload(&row.payload)
            .headers(headers);
        self.producer
            .send(record, Duration::from_secs(30))
            .instrument(span)
            .await
            .map(|_| ())
            .map_err(|(err, _)| err)
    }

    /// Publishes gauges of what waits: pending rows, the oldest one's age, dead rows.
    async fn record_backlog(&self) -> Result<(), RelayError> {
        let (pending, oldest, dead): (i64, Option<f64>, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE published_at IS NULL AND NOT dead),
                    EXTRACT(EPOCH FROM clock_timestamp() - min(created_at) FILTER (WHERE published_at IS NULL AND NOT dead))::float8,
                    count(*) FILTER (WHERE dead)
               FROM outbox_message WHERE published_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        metrics::gauge!("outbox_pending_rows").set(pending as f64);
        metrics::gauge!("outbox_oldest_pending_age_seconds").set(oldest.unwrap_or(0.0));
        metrics::gauge!("outbox_dead_rows").set(dead as f64);
        Ok(())
    }

    /// Deletes published rows older than the retention period.
    pub async fn delete_published(&self) -> Result<u64, RelayError> {
        let retention_secs = self.config.retention.as_secs_f64();
        let deleted = sqlx::query(
            "DELETE FROM outbox_message WHERE published_at < clock_timestamp() - make_interval(secs => $1)",
        )
        .bind(retention_secs)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if deleted > 0 {
            tracing::info!(deleted, "janitor deleted published outbox rows");
        }
        Ok(deleted)
    }
}

/// Failures that no retry can fix: the record is too large or malformed for the broker.
fn is_permanent(err: &KafkaError) -> bool {
    matches!(
        err.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::MessageSizeTooLarge
                | RDKafkaErrorCode::InvalidMessageSize
                | RDKafkaErrorCode::InvalidMessage
                | RDKafkaErrorCode::InvalidRecord
        )
    )
}
