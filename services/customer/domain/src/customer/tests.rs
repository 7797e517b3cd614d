#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone};

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 0).unwrap()
}

fn name(first: &str, last: &str) -> CustomerName {
    CustomerName::new(first, last).unwrap()
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).unwrap()
}

fn address(line1: &str) -> Address {
    Address::new(line1, None, "Springfield", "12345", "US").unwrap()
}

/// A freshly registered customer with its registration event already drained.
fn customer() -> Customer {
    let mut customer = Customer::register(
        CustomerId::new(),
        name("Ada", "Lovelace"),
        email("ada@example.com"),
        None,
        None,
        t0(),
    );
    customer.take_events();
    customer
}

fn deactivated_customer() -> Customer {
    let mut customer = customer();
    customer.deactivate(t0()).unwrap();
    customer.take_events();
    customer
}

// --- register -------------------------------------------------------------

#[test]
fn register_sets_initial_state() {
    let id = CustomerId::new();
    let customer = Customer::register(
        id,
        name("Ada", "Lovelace"),
        email("ada@example.com"),
        Some(phone("+14155550123")),
        Some(address("1 Main St")),
        t0(),
    );
    assert_eq!(customer.id(), id);
    assert_eq!(customer.name(), &name("Ada", "Lovelace"));
    assert_eq!(customer.email(), &email("ada@example.com"));
    assert_eq!(customer.phone(), Some(&phone("+14155550123")));
    assert_eq!(customer.address(), Some(&address("1 Main St")));
    assert_eq!(customer.status(), CustomerStatus::Active);
    assert!(customer.is_active());
    assert_eq!(customer.registered_at(), t0());
    assert_eq!(customer.email_changed_at(), None);
}

#[test]
fn register_records_exactly_one_registered_event() {
    let id = CustomerId::new();
    let customer = Customer::register(
        id,
        name("Ada", "Lovelace"),
        email("ada@example.com"),
        None,
        None,
        t0(),
    );
    assert_eq!(
        customer.pending_events(),
        [CustomerEvent::Registered {
            customer_id: id,
            name: name("Ada", "Lovelace"),
            email: email("ada@example.com"),
            occurred_at: t0(),
        }]
    );
}

#[test]
fn register_without_contact_details_leaves_them_empty() {
    let customer = customer();
    assert_eq!(customer.phone(), None);
    assert_eq!(customer.address(), None);
}

// --- deactivate / activate -------------------------------------------------

#[test]
fn deactivate_changes_status_and_records_event() {
    let mut customer = customer();
    let at = t0() + Duration::days(1);
    customer.deactivate(at).unwrap();
    assert_eq!(customer.status(), CustomerStatus::Deactivated);
    assert!(!customer.is_active());
    assert_eq!(
        customer.take_events(),
        [CustomerEvent::Deactivated {
            customer_id: customer.id(),
            occurred_at: at,
        }]
    );
}

#[test]
fn deactivating_twice_is_a_silent_no_op() {
    let mut customer = deactivated_customer();
    assert_eq!(customer.deactivate(t0() + Duration::hours(1)), Ok(()));
    assert_eq!(customer.status(), CustomerStatus::Deactivated);
    assert!(customer.pending_events().is_empty());
}

#[test]
fn activate_reactivates_and_records_event() {
    let mut customer = deactivated_customer();
    let at = t0() + Duration::days(2);
    customer.activate(at).unwrap();
    assert_eq!(customer.status(), CustomerStatus::Active);
    assert_eq!(
        customer.take_events(),
        [CustomerEvent::Reactivated {
            customer_id: customer.id(),
            occurred_at: at,
        }]
    );
}

#[test]
fn activating_an_active_customer_is_a_silent_no_op() {
    let mut customer = customer();
    assert_eq!(customer.activate(t0()), Ok(()));
    assert_eq!(customer.status(), CustomerStatus::Active);
    assert!(customer.pending_events().is_empty());
}

#[test]
fn activating_twice_records_only_one_event() {
    let mut customer = deactivated_customer();
    customer.activate(t0()).unwrap();
    customer.activate(t0()).unwrap();
    assert_eq!(customer.take_events().len(), 1);
}

#[test]
fn deactivate_activate_cycle_records_events_in_order() {
    let mut customer = customer();
    customer.deactivate(t0()).unwrap();
    customer.activate(t0() + Duration::hours(1)).unwrap();
    customer.deactivate(t0() + Duration::hours(2)).unwrap();
    let types: Vec<_> = customer
        .take_events()
        .iter()
        .map(CustomerEvent::event_type)
        .collect();
    assert_eq!(
        types,
        [
            "CustomerDeactivated",
            "CustomerReactivated",
            "CustomerDeactivated"
        ]
    );
    assert_eq!(customer.status(), CustomerStatus::Deactivated);
}

#[test]
fn reactivated_customer_can_change_again() {
    let mut customer = deactivated_customer();
    customer.activate(t0()).unwrap();
    customer.change_name(name("Augusta", "King"), t0()).unwrap();
    assert_eq!(customer.name(), &name("Augusta", "King"));
}

// --- change_email ----------------------------------------------------------

#[test]
fn first_email_change_is_allowed_right_after_registration() {
    let mut customer = customer();
    let policy = EmailChangePolicy::default();
    customer
        .change_email(email("countess@example.com"), &policy, t0())
        .unwrap();
    assert_eq!(customer.email(), &email("countess@example.com"));
    assert_eq!(customer.email_changed_at(), Some(t0()));
}

#[test]
fn email_change_records_old_and_new_email() {
    let mut customer = customer();
    let at = t0() + Duration::minutes(5);
    customer
        .change_email(
            email("countess@example.com"),
            &EmailChangePolicy::default(),
            at,
        )
        .unwrap();
    assert_eq!(
        customer.take_events(),
        [CustomerEvent::EmailChanged {
            customer_id: customer.id(),
            old_email: email("ada@example.com"),
            new_email: email("countess@example.com"),
            occurred_at: at,
        }]
    );
}

#[test]
fn second_email_change_exactly_at_cooldown_boundary_is_allowed() {
    let mut customer = customer();
    let policy = EmailChangePolicy::default();
    customer
        .change_email(email("one@example.com"), &policy, t0())
        .unwrap();
    let boundary = t0() + Duration::days(30);
    customer
        .change_email(email("two@example.com"), &policy, boundary)
        .unwrap();
    assert_eq!(customer.email(), &email("two@example.com"));
    assert_eq!(customer.email_changed_at(), Some(boundary));
    assert_eq!(customer.take_events().len(), 2);
}

#[test]
fn second_email_change_one_second_before_boundary_is_refused() {
    let mut customer = customer();
    let policy = EmailChangePolicy::default();
    customer
        .change_email(email("one@example.com"), &policy, t0())
        .unwrap();
    customer.take_events();

    let err = customer
        .change_email(
            email("two@example.com"),
            &policy,
            t0() + Duration::days(30) - Duration::seconds(1),
        )
        .unwrap_err();
    assert_eq!(
        err,
        CustomerError::EmailChangeTooSoon {
            next_allowed_at: t0() + Duration::days(30),
        }
    );
    assert_eq!(err.code(), "email-change-too-soon");
    assert_eq!(customer.email(), &email("one@example.com"));
    assert_eq!(customer.email_changed_at(), Some(t0()));
    assert!(customer.pending_events().is_empty());
}

#[test]
fn cooldown_is_measured_from_the_last_change_not_registration() {
    let mut customer = customer();
    let policy = EmailChangePolicy::default();
    let first_change = t0() + Duration::days(100);
    customer
        .change_email(email("one@example.com"), &policy, first_change)
        .unwrap();
    let result = customer.change_email(
        email("two@example.com"),
        &policy,
        first_change + Duration::days(1),
    );
    assert_eq!(
        result,
        Err(CustomerError::EmailChangeTooSoon {
            next_allowed_at: first_change + Duration::days(30),
        })
    );
}

#[test]
fn cooldown_uses_the_given_policy() {
    let mut customer = customer();
    let policy = EmailChangePolicy::new(Duration::hours(1));
    customer
        .change_email(email("one@example.com"), &policy, t0())
        .unwrap();
    assert!(
        customer
            .change_email(
                email("two@example.com"),
                &policy,
                t0() + Duration::minutes(59)
            )
            .is_err()
    );
    assert!(
        customer
            .change_email(email("two@example.com"), &policy, t0() + Duration::hours(1))
            .is_ok()
    );
}

#[test]
fn cooldown_survives_restore() {
    let mut customer = customer();
    let policy = EmailChangePolicy::default();
    customer
        .change_email(email("one@example.com"), &policy, t0())
        .unwrap();
    let mut restored = Customer::restore(customer.snapshot());
    assert!(matches!(
        restored.change_email(email("two@example.com"), &policy, t0() + Duration::days(1)),
        Err(CustomerError::EmailChangeTooSoon { .. })
    ));
}

#[test]
fn changing_to_the_same_email_is_a_no_op() {
    let mut customer = customer();
    customer
        .change_email(
            email("ada@example.com"),
            &EmailChangePolicy::default(),
            t0(),
        )
        .unwrap();
    assert_eq!(customer.email_changed_at(), None);
    assert!(customer.pending_events().is_empty());
}

#[test]
fn same_email_within_cooldown_is_a_no_op_not_an_error() {
    let mut customer = customer();
    let policy = EmailChangePolicy::default();
    customer
        .change_email(email("one@example.com"), &policy, t0())
        .unwrap();
    customer.take_events();
    let later = t0() + Duration::days(1);
    assert_eq!(
        customer.change_email(email("one@example.com"), &policy, later),
        Ok(())
    );
    // The no-op must not restart the cooldown.
    assert_eq!(customer.email_changed_at(), Some(t0()));
    assert!(customer.pending_events().is_empty());
}

#[test]
fn deactivated_customer_cannot_change_email() {
    let mut customer = deactivated_customer();
    let err = customer
        .change_email(
            email("countess@example.com"),
            &EmailChangePolicy::default(),
            t0(),
        )
        .unwrap_err();
    assert_eq!(err, CustomerError::Deactivated { id: customer.id() });
    assert_eq!(err.code(), "customer-deactivated");
    assert_eq!(customer.email(), &email("ada@example.com"));
    assert!(customer.pending_events().is_empty());
}

// --- change_name -----------------------------------------------------------

#[test]
fn change_name_updates_and_records_event() {
    let mut customer = customer();
    let at = t0() + Duration::hours(3);
    customer.change_name(name("Augusta", "King"), at).unwrap();
    assert_eq!(customer.name(), &name("Augusta", "King"));
    assert_eq!(
        customer.take_events(),
        [CustomerEvent::NameChanged {
            customer_id: customer.id(),
            name: name("Augusta", "King"),
            occurred_at: at,
        }]
    );
}

#[test]
fn change_name_to_equal_name_is_a_no_op() {
    let mut customer = customer();
    // Padding is trimmed away, so this equals the current name.
    customer
        .change_name(name(" Ada ", "Lovelace"), t0())
        .unwrap();
    assert!(customer.pending_events().is_empty());
}

#[test]
fn deactivated_customer_cannot_change_name() {
    let mut customer = deactivated_customer();
    assert_eq!(
        customer.change_name(name("Augusta", "King"), t0()),
        Err(CustomerError::Deactivated { id: customer.id() })
    );
    assert_eq!(customer.name(), &name("Ada", "Lovelace"));
    assert!(customer.pending_events().is_empty());
}

// --- change_phone ----------------------------------------------------------

#[test]
fn change_phone_sets_and_records_event() {
    let mut customer = customer();
    customer
        .change_phone(Some(phone("+14155550123")), t0())
        .unwrap();
    assert_eq!(customer.phone(), Some(&phone("+14155550123")));
    assert_eq!(
        customer.take_events(),
        [CustomerEvent::PhoneChanged {
            customer_id: customer.id(),
            phone: Some(phone("+14155550123")),
            occurred_at: t0(),
        }]
    );
}

#[test]
fn change_phone_to_none_removes_it() {
    let mut customer = customer();
    customer
        .change_phone(Some(phone("+14155550123")), t0())
        .unwrap();
    customer.take_events();
    customer.change_phone(None, t0()).unwrap();
    assert_eq!(customer.phone(), None);
    assert_eq!(
        customer.take_events(),
        [CustomerEvent::PhoneChanged {
            customer_id: customer.id(),
            phone: None,
            occurred_at: t0(),
        }]
    );
}

#[test]
fn unchanged_phone_is_a_no_op() {
    let mut customer = customer();
    customer.change_phone(None, t0()).unwrap();
    assert!(customer.pending_events().is_empty());

    customer
        .change_phone(Some(phone("+14155550123")), t0())
        .unwrap();
    customer.take_events();
    customer
        .change_phone(Some(phone("+14155550123")), t0())
        .unwrap();
    assert!(customer.pending_events().is_empty());
}

#[test]
fn deactivated_customer_cannot_change_phone() {
    let mut customer = deactivated_customer();
    assert_eq!(
        customer.change_phone(Some(phone("+14155550123")), t0()),
        Err(CustomerError::Deactivated { id: customer.id() })
    );
    assert_eq!(customer.phone(), None);
    assert!(customer.pending_events().is_empty());
}

// --- change_address --------------------------------------------------------

#[test]
fn change_address_replaces_and_records_event() {
    let mut customer = customer();
    customer
        .change_address(Some(address("1 Main St")), t0())
        .unwrap();
    customer
        .change_address(Some(address("2 High St")), t0() + Duration::days(1))
        .unwrap();
    assert_eq!(customer.address(), Some(&address("2 High St")));
    let events = customer.take_events();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[1],
        CustomerEvent::AddressChanged {
            customer_id: customer.id(),
            address: Some(address("2 High St")),
            occurred_at: t0() + Duration::days(1),
        }
    );
}

#[test]
fn unchanged_address_is_a_no_op() {
    let mut customer = customer();
    customer
        .change_address(Some(address("1 Main St")), t0())
        .unwrap();
    customer.take_events();
    customer
        .change_address(Some(address("1 Main St")), t0())
        .unwrap();
    assert!(customer.pending_events().is_empty());
    customer.change_address(None, t0()).unwrap();
    assert_eq!(customer.address(), None);
    assert_eq!(customer.take_events().len(), 1);
}

#[test]
fn deactivated_customer_cannot_change_address() {
    let mut customer = deactivated_customer();
    assert_eq!(
        customer.change_address(Some(address("1 Main St")), t0()),
        Err(CustomerError::Deactivated { id: customer.id() })
    );
    assert_eq!(customer.address(), None);
    assert!(customer.pending_events().is_empty());
}

#[test]
fn deactivated_customer_is_refused_even_for_unchanged_values() {
    let mut customer = deactivated_customer();
    let current_name = customer.name().clone();
    assert!(customer.change_name(current_name, t0()).is_err());
    assert!(customer.change_phone(None, t0()).is_err());
    assert!(customer.change_address(None, t0()).is_err());
    assert!(
        customer
            .change_email(
                email("ada@example.com"),
                &EmailChangePolicy::default(),
                t0()
            )
            .is_err()
    );
}

// --- events ----------------------------------------------------------------

#[test]
fn take_events_drains_pending_events() {
    let mut customer = Customer::register(
        CustomerId::new(),
        name("Ada", "Lovelace"),
        email("ada@example.com"),
        None,
        None,
        t0(),
    );
    customer.change_name(name("Augusta", "King"), t0()).unwrap();
    assert_eq!(customer.pending_events().len(), 2);

    let events = customer.take_events();
    assert_eq!(events[0].event_type(), "CustomerRegistered");
    assert_eq!(events[1].event_type(), "CustomerNameChanged");
    assert!(customer.pending_events().is_empty());
    assert!(customer.take_events().is_empty());
}

#[test]
fn failed_commands_record_no_events() {
    let mut customer = customer();
    let policy = EmailChangePolicy::default();
    customer
        .change_email(email("one@example.com"), &policy, t0())
        .unwrap();
    customer.take_events();
    let _ = customer.change_email(email("two@example.com"), &policy, t0());
    assert!(customer.pending_events().is_empty());
}

// --- snapshot / restore ----------------------------------------------------

#[test]
fn snapshot_reflects_current_state() {
    let mut customer = customer();
    customer
        .change_email(
            email("countess@example.com"),
            &EmailChangePolicy::default(),
            t0() + Duration::days(1),
        )
        .unwrap();
    customer.deactivate(t0() + Duration::days(2)).unwrap();
    let snapshot = customer.snapshot();
    assert_eq!(
        snapshot,
        CustomerSnapshot {
            id: customer.id(),
            name: name("Ada", "Lovelace"),
            email: email("countess@example.com"),
            phone: None,
            address: None,
            status: CustomerStatus::Deactivated,
            registered_at: t0(),
            email_changed_at: Some(t0() + Duration::days(1)),
        }
    );
}

#[test]
fn restore_then_snapshot_round_trips() {
    let snapshot = CustomerSnapshot {
        id: CustomerId::new(),
        name: name("Grace", "Hopper"),
        email: email("grace@example.com"),
        phone: Some(phone("+14155550123")),
        address: Some(address("1 Main St")),
        status: CustomerStatus::Deactivated,
        registered_at: t0(),
        email_changed_at: Some(t0() + Duration::days(3)),
    };
    let customer = Customer::restore(snapshot.clone());
    assert_eq!(customer.snapshot(), snapshot);
    assert_eq!(customer.status(), CustomerStatus::Deactivated);
}

#[test]
fn restore_records_no_events() {
    let registered = Customer::register(
        CustomerId::new(),
        name("Ada", "Lovelace"),
        email("ada@example.com"),
        None,
        None,
        t0(),
    );
    let restored = Customer::restore(registered.snapshot());
    assert!(restored.pending_events().is_empty());
    assert_eq!(restored.snapshot(), registered.snapshot());
}

#[test]
fn restored_deactivated_customer_keeps_rules() {
    let mut restored = Customer::restore(deactivated_customer().snapshot());
    assert!(matches!(
        restored.change_name(name("Augusta", "King"), t0()),
        Err(CustomerError::Deactivated { .. })
    ));
    restored.deactivate(t0()).unwrap();
    assert!(restored.pending_events().is_empty());
}
