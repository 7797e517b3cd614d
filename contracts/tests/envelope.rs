//! CloudEvents headers and payload decoding.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeZone, Utc};
use orderflow_contracts::*;
use uuid::Uuid;

fn time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 15, 9, 26).unwrap() + chrono::Duration::microseconds(535_897)
}

fn event() -> CustomerDeactivated {
    CustomerDeactivated {
        customer_id: Uuid::from_u128(7),
        deactivated_at: time(),
    }
}

fn headers() -> EventHeaders {
    EventHeaders::for_event(&event(), Uuid::from_u128(42), time())
}

fn pairs(headers: &EventHeaders) -> Vec<(&'static str, String)> {
    headers.to_pairs()
}

fn parse(pairs: &[(&str, String)]) -> Result<EventHeaders, EnvelopeError> {
    EventHeaders::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_bytes())))
}

fn without(name: &str) -> Vec<(&'static str, String)> {
    pairs(&headers())
        .into_iter()
        .filter(|(k, _)| *k != name)
        .collect()
}

fn replaced(name: &str, value: &str) -> Vec<(&'static str, String)> {
    pairs(&headers())
        .into_iter()
        .map(|(k, v)| {
            if k == name {
                (k, value.to_owned())
            } else {
                (k, v)
            }
        })
        .collect()
}

#[test]
fn for_event_takes_type_source_and_subject_from_the_contract() {
    let headers = headers();
    assert_eq!(headers.event_type, "orderflow.customer.deactivated.v1");
    assert_eq!(headers.source, "/orderflow/customer");
    assert_eq!(headers.subject, "00000000-0000-0000-0000-000000000007");
    assert_eq!(headers.id, Uuid::from_u128(42));
    assert_eq!(headers.time, time());
    assert_eq!(headers.correlation_id, None);
    assert_eq!(headers.causation_id, None);
    assert_eq!(headers.traceparent, None);
}

#[test]
fn to_pairs_writes_the_cloudevents_binary_headers() {
    assert_eq!(
        pairs(&headers()),
        vec![
            ("ce_specversion", "1.0".to_owned()),
            ("ce_id", "00000000-0000-0000-0000-00000000002a".to_owned()),
            ("ce_type", "orderflow.customer.deactivated.v1".to_owned()),
            ("ce_source", "/orderflow/customer".to_owned()),
            ("ce_time", "2025-03-14T15:09:26.535897Z".to_owned()),
            (
                "ce_subject",
                "00000000-0000-0000-0000-000000000007".to_owned()
            ),
            ("content-type", "application/json".to_owned()),
        ]
    );
}

#[test]
fn headers_round_trip_with_and_without_optional_ones() {
    let plain = headers();
    assert_eq!(parse(&plain.to_pairs()).unwrap(), plain);

    let traced = headers()
        .with_correlation_id("saga-1")
        .with_causation_id("00000000-0000-0000-0000-000000000001")
        .with_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    let written = traced.to_pairs();
    assert_eq!(written.len(), 10);
    assert!(written.contains(&(header::CORRELATION_ID, "saga-1".to_owned())));
    assert_eq!(parse(&written).unwrap(), traced);
}

#[test]
fn unknown_headers_are_ignored_and_the_last_duplicate_wins() {
    let mut written = pairs(&headers());
    written.insert(0, ("x-original-topic", "orderflow.customer.events".into()));
    written.push(("x-attempts", "3".into()));
    written.push((header::CORRELATION_ID, "first".into()));
    written.push((header::CORRELATION_ID, "second".into()));
    let parsed = parse(&written).unwrap();
    assert_eq!(parsed.correlation_id.as_deref(), Some("second"));
    assert_eq!(parsed.id, headers().id);
}

#[test]
fn each_missing_required_header_is_named() {
    for name in [
        header::SPEC_VERSION,
        header::ID,
        header::TYPE,
        header::SOURCE,
        header::TIME,
        header::SUBJECT,
    ] {
        match parse(&without(name)) {
            Err(EnvelopeError::MissingHeader(missing)) => assert_eq!(missing, name),
            other => panic!("without {name}: {other:?}"),
        }
    }
}

#[test]
fn content_type_is_optional_but_must_be_json() {
    assert_eq!(parse(&without(header::CONTENT_TYPE)).unwrap(), headers());
    assert_eq!(
        parse(&replaced(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8"
        ))
        .unwrap(),
        headers()
    );
    assert_invalid(
        parse(&replaced(header::CONTENT_TYPE, "application/avro")),
        header::CONTENT_TYPE,
    );
}

fn assert_invalid(result: Result<EventHeaders, EnvelopeError>, expected: &str) {
    match result {
        Err(err @ EnvelopeError::InvalidHeader { name, .. }) => {
            assert_eq!(name, expected, "{err}");
            assert!(err.to_string().contains(expected), "{err}");
        }
        other => panic!("expected {expected} to be invalid: {other:?}"),
    }
}

#[test]
fn invalid_header_values_are_named() {
    assert_invalid(parse(&replaced(header::ID, "not-a-uuid")), header::ID);
    assert_invalid(
        parse(&replaced(header::TIME, "14/03/2025 15:09")),
        header::TIME,
    );
    assert_invalid(
        parse(&replaced(header::SPEC_VERSION, "0.3")),
        header::SPEC_VERSION,
    );
    assert_invalid(parse(&replaced(header::TYPE, "")), header::TYPE);
    assert_invalid(parse(&replaced(header::SUBJECT, "")), header::SUBJECT);

    let written = pairs(&headers());
    let bad_utf8: &[u8] = &[0xff, 0xfe];
    let result = EventHeaders::from_pairs(written.iter().map(|(k, v)| {
        if *k == header::SOURCE {
            (*k, bad_utf8)
        } else {
            (*k, v.as_bytes())
        }
    }));
    assert_invalid(result, header::SOURCE);
}

#[test]
fn time_with_an_offset_is_normalised_to_utc() {
    let parsed = parse(&replaced(header::TIME, "2025-03-14T16:09:26.535897+01:00")).unwrap();
    assert_eq!(parsed.time, time());
}

#[test]
fn decode_returns_the_typed_payload() {
    let payload = encode_payload(&event()).unwrap();
    let decoded = Envelope::<CustomerDeactivated>::decode(headers(), &payload).unwrap();
    assert_eq!(decoded, Envelope::new(event(), Uuid::from_u128(42), time()));
}

#[test]
fn decode_as_another_type_is_a_type_error() {
    let payload = encode_payload(&event()).unwrap();
    match Envelope::<CustomerReactivated>::decode(headers(), &payload) {
        Err(EnvelopeError::WrongEventType { expected, actual }) => {
            assert_eq!(expected, "orderflow.customer.reactivated.v1");
            assert_eq!(actual, "orderflow.customer.deactivated.v1");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn decode_of_invalid_json_is_a_payload_error() {
    for payload in [&b"{not json"[..], br#"{"customerId": 5}"#, b""] {
        match Envelope::<CustomerDeactivated>::decode(headers(), payload) {
            Err(err @ EnvelopeError::InvalidPayload { event_type, .. }) => {
                assert_eq!(event_type, CustomerDeactivated::EVENT_TYPE);
                assert!(std::error::Error::source(&err).is_some());
            }
            other => panic!("{other:?}"),
        }
    }
}
