//! The Redis store against a real Redis: read models round-trip, a stale contact write is
//! refused, the history is capped and paged newest first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use notification_domain::{
    CustomerContact, CustomerId, Email, Money, OrderId, OrderSummary, PersonName,
};
use notification_service::application::{NotificationRecord, NotificationStore};
use notification_service::infrastructure::{RedisKeys, RedisStore};
use orderflow_kernel::Currency;
use orderflow_runtime::redis::{RedisConfig, connect};
use redis::aio::ConnectionManager;
use uuid::Uuid;

async fn store(history_limit: u32) -> (RedisStore, ConnectionManager) {
    let redis = orderflow_testkit::redis().await.expect("test redis");
    let config = RedisConfig::new(&redis.url, &redis.prefix);
    let conn = connect(&config).await.unwrap();
    (
        RedisStore::new(RedisKeys::new(&config), history_limit),
        conn,
    )
}

fn record(customer: CustomerId, subject: &str) -> NotificationRecord {
    NotificationRecord {
        id: Uuid::now_v7(),
        event_id: Uuid::now_v7(),
        kind: "welcome".to_owned(),
        customer_id: customer.as_uuid(),
        order_id: None,
        recipient: "ada@example.com".to_owned(),
        subject: subject.to_owned(),
        body: "Hello".to_owned(),
        channel: "log".to_owned(),
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_contact_round_trips_and_a_stale_write_is_refused() {
    let (store, mut conn) = store(50).await;
    let id = CustomerId::new();
    let unknown = store.contact(&mut conn, id).await.unwrap();
    assert_eq!((unknown.contact.recipient(), unknown.version), (None, 0));

    let mut contact = CustomerContact::default();
    let registered_at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
        + chrono::Duration::microseconds(123_456);
    contact.register(
        PersonName::new("Ada", "Lovelace").unwrap(),
        Email::parse("ada@example.com").unwrap(),
        registered_at,
    );
    assert!(
        store
            .save_contact(&mut conn, id, &contact, 0)
            .await
            .unwrap()
    );
    let stored = store.contact(&mut conn, id).await.unwrap();
    assert_eq!((&stored.contact, stored.version), (&contact, 1));

    // Another writer read version 0 too: its write must not land on top of version 1.
    let mut other = CustomerContact::default();
    other.change_email(Email::parse("other@example.com").unwrap(), registered_at);
    assert!(!store.save_contact(&mut conn, id, &other, 0).await.unwrap());
    assert_eq!(store.contact(&mut conn, id).await.unwrap().contact, contact);
}

#[tokio::test]
async fn an_order_summary_round_trips() {
    let (store, mut conn) = store(50).await;
    let id = OrderId::new();
    assert_eq!(store.order(&mut conn, id).await.unwrap(), None);
    let summary = OrderSummary {
        customer_id: CustomerId::new(),
        total: Money::new(1250, Currency::EUR),
    };
    store.save_order(&mut conn, id, &summary).await.unwrap();
    store.save_order(&mut conn, id, &summary).await.unwrap();
    assert_eq!(store.order(&mut conn, id).await.unwrap(), Some(summary));
}

#[tokio::test]
async fn the_history_is_capped_and_paged_newest_first() {
    let (store, mut conn) = store(3).await;
    let customer = CustomerId::new();
    for n in 1..=5 {
        store
            .record(&mut conn, &record(customer, &format!("n{n}")))
            .await
            .unwrap();
    }
    let subjects = |records: Vec<NotificationRecord>| -> Vec<String> {
        records.into_iter().map(|r| r.subject).collect()
    };
    let (first, total) = store.history(&mut conn, customer, 0, 2).await.unwrap();
    assert_eq!(
        (subjects(first), total),
        (vec!["n5".to_owned(), "n4".to_owned()], 3)
    );
    let (rest, _) = store.history(&mut conn, customer, 2, 2).await.unwrap();
    assert_eq!(subjects(rest), ["n3"]);
    let (beyond, _) = store.history(&mut conn, customer, 4, 2).await.unwrap();
    assert!(beyond.is_empty());
}
