//! The sqlx customer repository against a real PostgreSQL database.

#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use customer_domain::{Customer, CustomerId, CustomerName, CustomerStatus, EmailChangePolicy};
use customer_service::MIGRATOR;
use customer_service::application::{CustomerFilter, CustomerRepository, RepositoryError};
use customer_service::infrastructure::PgCustomerRepository;
use orderflow_kernel::{Address, Email, PhoneNumber};
use orderflow_runtime::config::DatabaseConfig;
use orderflow_runtime::http::PageRequest;
use sqlx::PgPool;

async fn pool() -> PgPool {
    let database = orderflow_testkit::database().await.unwrap();
    orderflow_runtime::db::connect(&DatabaseConfig::new(&database.url), &MIGRATOR)
        .await
        .unwrap()
}

fn customer(email: &str) -> Customer {
    Customer::register(
        CustomerId::new(),
        CustomerName::new("Grace", "Hopper").unwrap(),
        Email::parse(email).unwrap(),
        Some(PhoneNumber::parse("+1 (202) 555-0147").unwrap()),
        Some(Address::new("1 Navy Way", Some("Suite 9"), "Arlington", "22202", "US").unwrap()),
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
    )
}

#[tokio::test]
async fn a_customer_round_trips_with_every_field() {
    let pool = pool().await;
    let repository = PgCustomerRepository;
    let original = customer("grace@example.com");
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(repository.insert(&mut conn, &original).await.unwrap(), 1);
    let loaded = repository
        .find(&mut conn, original.id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.version, 1);
    assert_eq!(loaded.value.snapshot(), original.snapshot());
    assert!(
        loaded.value.pending_events().is_empty(),
        "a loaded aggregate has no new events"
    );
}

#[tokio::test]
async fn an_unknown_id_is_none() {
    let pool = pool().await;
    let mut conn = pool.acquire().await.unwrap();
    assert!(
        PgCustomerRepository
            .find(&mut conn, CustomerId::new())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_duplicate_email_is_refused_case_insensitively() {
    let pool = pool().await;
    let mut conn = pool.acquire().await.unwrap();
    PgCustomerRepository
        .insert(&mut conn, &customer("dup@example.com"))
        .await
        .unwrap();
    let err = PgCustomerRepository
        .insert(&mut conn, &customer("DUP@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, RepositoryError::DuplicateEmail(_)), "{err}");
}

#[tokio::test]
async fn an_update_with_a_stale_version_is_a_conflict_and_changes_nothing() {
    let pool = pool().await;
    let repository = PgCustomerRepository;
    let mut conn = pool.acquire().await.unwrap();
    let mut original = customer("occ@example.com");
    repository.insert(&mut conn, &original).await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    let mut stale = Customer::restore(original.snapshot());

    original
        .change_email(
            Email::parse("first@example.com").unwrap(),
            &EmailChangePolicy::default(),
            now,
        )
        .unwrap();
    assert_eq!(repository.update(&mut conn, &original, 1).await.unwrap(), 2);

    stale.deactivate(now).unwrap();
    let err = repository.update(&mut conn, &stale, 1).await.unwrap_err();
    assert!(
        matches!(err, RepositoryError::VersionConflict { expected: 1 }),
        "{err}"
    );

    let stored = repository
        .find(&mut conn, original.id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.value.email().as_str(), "first@example.com");
    assert_eq!(stored.value.status(), CustomerStatus::Active);
}

#[tokio::test]
async fn a_changed_email_must_stay_unique() {
    let pool = pool().await;
    let repository = PgCustomerRepository;
    let mut conn = pool.acquire().await.unwrap();
    repository
        .insert(&mut conn, &customer("a@example.com"))
        .await
        .unwrap();
    let mut other = customer("b@example.com");
    repository.insert(&mut conn, &other).await.unwrap();
    other
        .change_email(
            Email::parse("a@example.com").unwrap(),
            &EmailChangePolicy::default(),
            Utc::now(),
        )
        .unwrap();
    let err = repository.update(&mut conn, &other, 1).await.unwrap_err();
    assert!(matches!(err, RepositoryError::DuplicateEmail(_)), "{err}");
}

#[tokio::test]
async fn listing_filters_counts_and_pages_in_registration_order() {
    let pool = pool().await;
    let repository = PgCustomerRepository;
    let mut conn = pool.acquire().await.unwrap();
    let mut ids = Vec::new();
    for n in 0..7 {
        let mut c = customer(&format!("p{n}@example.com"));
        if n % 3 == 0 {
            c.deactivate(Utc::now()).unwrap();
        }
        repository.insert(&mut conn, &c).await.unwrap();
        ids.push(c.id());
    }
    let page = PageRequest {
        page: 2,
        per_page: 3,
    };
    let (items, total) = repository
        .list(&mut conn, &CustomerFilter::default(), page)
        .await
        .unwrap();
    assert_eq!(total, 7);
    assert_eq!(
        items.iter().map(|c| c.value.id()).collect::<Vec<_>>(),
        ids[3..6]
    );

    let deactivated = CustomerFilter {
        email: None,
        status: Some(CustomerStatus::Deactivated),
    };
    let (items, total) = repository
        .list(
            &mut conn,
            &deactivated,
            PageRequest {
                page: 1,
                per_page: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 3);
    assert!(
        items
            .iter()
            .all(|c| c.value.status() == CustomerStatus::Deactivated)
    );

    let by_email = CustomerFilter {
        email: Some(" P4@EXAMPLE.com ".into()),
        status: None,
    };
    let (items, total) = repository
        .list(
            &mut conn,
            &by_email,
            PageRequest {
                page: 1,
                per_page: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!((total, items[0].value.id()), (1, ids[4]));
}
