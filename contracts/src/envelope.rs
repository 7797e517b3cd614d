//! The CloudEvents envelope in Kafka binary mode: metadata travels in record
//! headers, the record value is the bare JSON payload. Consumers can route and
//! deduplicate on headers alone, without parsing the payload.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::IntegrationEvent;

/// Kafka record header names.
pub mod header {
    /// CloudEvents spec version, always [`super::SPEC_VERSION`].
    pub const SPEC_VERSION: &str = "ce_specversion";
    /// Event id (UUID); the inbox deduplicates on it.
    pub const ID: &str = "ce_id";
    /// Event type, e.g. `orderflow.order.placed.v1`.
    pub const TYPE: &str = "ce_type";
    /// Producing context, e.g. `/orderflow/order`.
    pub const SOURCE: &str = "ce_source";
    /// When the event occurred (RFC 3339).
    pub const TIME: &str = "ce_time";
    /// Aggregate id; equals the record key.
    pub const SUBJECT: &str = "ce_subject";
    /// Media type of the record value, always [`super::CONTENT_TYPE_JSON`].
    pub const CONTENT_TYPE: &str = "content-type";
    /// Id shared by every message of one business flow (e.g. one saga).
    pub const CORRELATION_ID: &str = "correlation-id";
    /// Id of the message that caused this one.
    pub const CAUSATION_ID: &str = "causation-id";
    /// W3C trace context, so traces span the broker.
    pub const TRACEPARENT: &str = "traceparent";
}

/// The CloudEvents version we produce and accept.
pub const SPEC_VERSION: &str = "1.0";
/// The only payload encoding we produce and accept.
pub const CONTENT_TYPE_JSON: &str = "application/json";

/// Why a message could not be enveloped or unwrapped.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// A header every message must carry is absent.
    #[error("missing required header `{0}`")]
    MissingHeader(&'static str),
    /// A header is present but its value is unusable.
    #[error("invalid header `{name}`: {reason}")]
    InvalidHeader {
        /// Header name.
        name: &'static str,
        /// What is wrong with the value.
        reason: String,
    },
    /// The message is of another type than the one asked to decode.
    #[error("event type mismatch: expected `{expected}`, got `{actual}`")]
    WrongEventType {
        /// `ce_type` of the type asked for.
        expected: &'static str,
        /// `ce_type` the message carries.
        actual: String,
    },
    /// The payload is not valid JSON for the type.
    #[error("invalid JSON payload for `{event_type}`: {source}")]
    InvalidPayload {
        /// `ce_type` of the type decoded into.
        event_type: &'static str,
        /// The JSON error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The event could not be serialized.
    #[error("cannot encode payload: {0}")]
    Encode(#[source] serde_json::Error),
}

/// The CloudEvents attributes of a message plus our tracing headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventHeaders {
    /// `ce_id`: unique per event, stable across redeliveries.
    pub id: Uuid,
    /// `ce_type`.
    pub event_type: String,
    /// `ce_source`.
    pub source: String,
    /// `ce_time`; carried with microsecond precision.
    pub time: DateTime<Utc>,
    /// `ce_subject`: the aggregate id.
    pub subject: String,
    /// `correlation-id`.
    pub correlation_id: Option<String>,
    /// `causation-id`.
    pub causation_id: Option<String>,
    /// `traceparent`.
    pub traceparent: Option<String>,
}

impl EventHeaders {
    /// Headers for `event`, taking type, source and subject from its contract.
    /// `id` and `time` are the caller's so they can be stored in the outbox
    /// and stay the same on every publish attempt.
    pub fn for_event<E: IntegrationEvent>(event: &E, id: Uuid, time: DateTime<Utc>) -> Self {
        Self {
            id,
            event_type: E::EVENT_TYPE.to_owned(),
            source: E::SOURCE.to_owned(),
            time,
            subject: event.subject(),
            correlation_id: None,
            causation_id: None,
            traceparent: None,
        }
    }

    /// Sets `correlation-id`.
    #[must_use]
    pub fn with_correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }

    /// Sets `causation-id`.
    #[must_use]
    pub fn with_causation_id(mut self, causation_id: impl Into<String>) -> Self {
        self.causation_id = Some(causation_id.into());
        self
    }

    /// Sets `traceparent`.
    #[must_use]
    pub fn with_traceparent(mut self, traceparent: impl Into<String>) -> Self {
        self.traceparent = Some(traceparent.into());
        self
    }

    /// The Kafka headers to publish, `content-type` included; optional ones
    /// only when set. `ce_time` is RFC 3339 UTC with microseconds, the
    /// precision of a Postgres timestamp, so an outbox round trip is lossless.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            (header::SPEC_VERSION, SPEC_VERSION.to_owned()),
            (header::ID, self.id.to_string()),
            (header::TYPE, self.event_type.clone()),
            (header::SOURCE, self.source.clone()),
            (
                header::TIME,
                self.time.to_rfc3339_opts(SecondsFormat::Micros, true),
            ),
            (header::SUBJECT, self.subject.clone()),
            (header::CONTENT_TYPE, CONTENT_TYPE_JSON.to_owned()),
        ];
        let optional = [
            (header::CORRELATION_ID, &self.correlation_id),
            (header::CAUSATION_ID, &self.causation_id),
            (header::TRACEPARENT, &self.traceparent),
        ];
        pairs.extend(
            optional
                .into_iter()
                .filter_map(|(name, value)| value.clone().map(|value| (name, value))),
        );
        pairs
    }

    /// Reads the headers of a received record. Unknown headers (e.g. the
    /// `x-` headers of a dead-lettered record) are ignored; a header given
    /// more than once counts with its last value, as in Kafka's `lastHeader`.
    /// A `content-type` is optional but must be JSON when present.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<EventHeaders, EnvelopeError> {
        let mut raw = RawHeaders::default();
        for (name, value) in pairs {
            let slot = match name {
                header::SPEC_VERSION => &mut raw.spec_version,
                header::ID => &mut raw.id,
                header::TYPE => &mut raw.event_type,
                header::SOURCE => &mut raw.source,
                header::TIME => &mut raw.time,
                header::SUBJECT => &mut raw.subject,
                header::CONTENT_TYPE => &mut raw.content_type,
                header::CORRELATION_ID => &mut raw.correlation_id,
                header::CAUSATION_ID => &mut raw.causation_id,
                header::TRACEPARENT => &mut raw.traceparent,
                _ => continue,
            };
            *slot = Some(value);
        }

        let spec_version = required(header::SPEC_VERSION, raw.spec_version)?;
        if spec_version != SPEC_VERSION {
            return Err(invalid(
                header::SPEC_VERSION,
                format!("unsupported version `{spec_version}`, expected `{SPEC_VERSION}`"),
            ));
        }
        if let Some(content_type) = optional(header::CONTENT_TYPE, raw.content_type)? {
            let media_type = content_type.split(';').next().unwrap_or_default().trim();
            if !media_type.eq_ignore_ascii_case(CONTENT_TYPE_JSON) {
                return Err(invalid(
                    header::CONTENT_TYPE,
                    format!("`{content_type}` is not `{CONTENT_TYPE_JSON}`"),
                ));
            }
        }
        let id = required(header::ID, raw.id)?;
        let id = Uuid::parse_str(id)
            .map_err(|err| invalid(header::ID, format!("`{id}` is not a UUID: {err}")))?;
        let time = required(header::TIME, raw.time)?;
        let time = DateTime::parse_from_rfc3339(time)
            .map_err(|err| invalid(header::TIME, format!("`{time}` is not RFC 3339: {err}")))?
            .with_timezone(&Utc);

        Ok(EventHeaders {
            id,
            event_type: required(header::TYPE, raw.event_type)?.to_owned(),
            source: required(header::SOURCE, raw.source)?.to_owned(),
            time,
            subject: required(header::SUBJECT, raw.subject)?.to_owned(),
            correlation_id: optional(header::CORRELATION_ID, raw.correlation_id)?
                .map(str::to_owned),
            causation_id: optional(header::CAUSATION_ID, raw.causation_id)?.map(str::to_owned),
            traceparent: optional(header::TRACEPARENT, raw.traceparent)?.map(str::to_owned),
        })
    }
}

/// Header values as found, before validation.
#[derive(Default)]
struct RawHeaders<'a> {
    spec_version: Option<&'a [u8]>,
    id: Option<&'a [u8]>,
    event_type: Option<&'a [u8]>,
    source: Option<&'a [u8]>,
    time: Option<&'a [u8]>,
    subject: Option<&'a [u8]>,
    content_type: Option<&'a [u8]>,
    correlation_id: Option<&'a [u8]>,
    causation_id: Option<&'a [u8]>,
    traceparent: Option<&'a [u8]>,
}

fn invalid(name: &'static str, reason: String) -> EnvelopeError {
    EnvelopeError::InvalidHeader { name, reason }
}

/// A header that must be present, UTF-8 and non-empty (CloudEvents requires
/// non-empty context attributes).
fn required<'a>(name: &'static str, value: Option<&'a [u8]>) -> Result<&'a str, EnvelopeError> {
    let value = optional(name, value)?.ok_or(EnvelopeError::MissingHeader(name))?;
    if value.is_empty() {
        return Err(invalid(name, "must not be empty".to_owned()));
    }
    Ok(value)
}

fn optional<'a>(
    name: &'static str,
    value: Option<&'a [u8]>,
) -> Result<Option<&'a str>, EnvelopeError> {
    value
        .map(|bytes| {
            std::str::from_utf8(bytes)
                .map_err(|err| invalid(name, format!("not valid UTF-8: {err}")))
        })
        .transpose()
}

/// A decoded message: its headers and its typed payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<E> {
    /// CloudEvents and tracing headers.
    pub headers: EventHeaders,
    /// The event or command.
    pub payload: E,
}

impl<E: IntegrationEvent> Envelope<E> {
    /// Wraps a payload about to be published, with headers from its contract.
    pub fn new(payload: E, id: Uuid, time: DateTime<Utc>) -> Self {
        Self {
            headers: EventHeaders::for_event(&payload, id, time),
            payload,
        }
    }

    /// Decodes a received payload as `E`. The `ce_type` is checked first so
    /// a message of another type is reported as such, not as a confusing
    /// JSON error about missing fields.
    pub fn decode(headers: EventHeaders, payload: &[u8]) -> Result<Self, EnvelopeError> {
        if headers.event_type != E::EVENT_TYPE {
            return Err(EnvelopeError::WrongEventType {
                expected: E::EVENT_TYPE,
                actual: headers.event_type,
            });
        }
        let payload =
            serde_json::from_slice(payload).map_err(|source| EnvelopeError::InvalidPayload {
                event_type: E::EVENT_TYPE,
                source,
            })?;
        Ok(Self { headers, payload })
    }
}

/// Serializes a payload to the JSON record value.
pub fn encode_payload<E: Serialize>(event: &E) -> Result<Vec<u8>, EnvelopeError> {
    serde_json::to_vec(event).map_err(EnvelopeError::Encode)
}
