//! This context's copy of a customer's name and email address.
//!
//! Customer events reach the notification context through retry topics and replays, so they
//! may arrive twice, late or out of order. Each fact therefore carries the time it became
//! true, and only a newer fact replaces it: applying the same events in any order gives the
//! same contact.

use std::fmt;

use chrono::{DateTime, Utc};
use orderflow_kernel::Email;

use crate::NotificationError;

/// A value with the time it became true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped<T> {
    pub value: T,
    pub as_of: DateTime<Utc>,
}

impl<T> Stamped<T> {
    pub fn new(value: T, as_of: DateTime<Utc>) -> Self {
        Self { value, as_of }
    }
}

/// What to do when a fact is as old as the one held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnTie {
    Keep,
    Replace,
}

/// Replaces `slot` with `value` unless it holds a newer fact; true when the slot changed.
fn replace_if_newer<T: PartialEq>(
    slot: &mut Option<Stamped<T>>,
    value: T,
    as_of: DateTime<Utc>,
    on_tie: OnTie,
) -> bool {
    let newer = match slot {
        None => true,
        Some(held) if held.as_of == as_of => on_tie == OnTie::Replace && held.value != value,
        Some(held) => held.as_of < as_of,
    };
    if newer {
        *slot = Some(Stamped::new(value, as_of));
    }
    newer
}

/// A customer's name as registered; the first name is what mails greet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    first: String,
    last: String,
}

impl PersonName {
    /// Trims both parts; a mail cannot greet a blank first name.
    pub fn new(first: &str, last: &str) -> Result<Self, NotificationError> {
        let first = first.trim();
        if first.is_empty() {
            return Err(NotificationError::BlankFirstName);
        }
        Ok(Self {
            first: first.to_owned(),
            last: last.trim().to_owned(),
        })
    }

    pub fn first(&self) -> &str {
        &self.first
    }

    pub fn last(&self) -> &str {
        &self.last
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.last.is_empty() {
            f.write_str(&self.first)
        } else {
            write!(f, "{} {}", self.first, self.last)
        }
    }
}

/// Whom a notification goes to: never a blank name or address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: PersonName,
    pub email: Email,
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

/// What this context knows about one customer, possibly before the registration arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerContact {
    name: Option<Stamped<PersonName>>,
    email: Option<Stamped<Email>>,
}

impl CustomerContact {
    /// A contact as stored.
    pub fn restore(name: Option<Stamped<PersonName>>, email: Option<Stamped<Email>>) -> Self {
        Self { name, email }
    }

    pub fn name(&self) -> Option<&Stamped<PersonName>> {
        self.name.as_ref()
    }

    pub fn email(&self) -> Option<&Stamped<Email>> {
        self.email.as_ref()
    }

    /// The customer registered with `name` and `email` at `at`. An email change recorded
    /// later (or at the same instant) is kept. True when the contact changed.
    pub fn register(&mut self, name: PersonName, email: Email, at: DateTime<Utc>) -> bool {
        let named = replace_if_newer(&mut self.name, name, at, OnTie::Keep);
        let addressed = replace_if_newer(&mut self.email, email, at, OnTie::Keep);
        named || addressed
    }

    /// The customer's address became `email` at `at`; an older change is ignored. True
    /// when the contact changed.
    pub fn change_email(&mut self, email: Email, at: DateTime<Utc>) -> bool {
        replace_if_newer(&mut self.email, email, at, OnTie::Replace)
    }

    /// Whom to write to, once both the name and the address are known.
    pub fn recipient(&self) -> Option<Recipient> {
        match (&self.name, &self.email) {
            (Some(name), Some(email)) => Some(Recipient {
                name: name.value.clone(),
                email: email.value.clone(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, minute, 0).unwrap()
    }

    fn email(value: &str) -> Email {
        Email::parse(value).unwrap()
    }

    fn ada() -> PersonName {
        PersonName::new("Ada", "Lovelace").unwrap()
    }

    #[test]
    fn names_are_trimmed_and_need_a_first_name() {
        let name = PersonName::new("  Ada ", " Lovelace ").unwrap();
        assert_eq!((name.first(), name.last()), ("Ada", "Lovelace"));
        assert_eq!(name.to_string(), "Ada Lovelace");
        assert_eq!(PersonName::new("Ada", " ").unwrap().to_string(), "Ada");
        assert_eq!(
            PersonName::new(" ", "Lovelace"),
            Err(NotificationError::BlankFirstName)
        );
    }

    #[test]
    fn a_registration_makes_the_customer_addressable() {
        let mut contact = CustomerContact::default();
        assert_eq!(contact.recipient(), None);
        assert!(contact.register(ada(), email("ada@example.com"), at(0)));
        let recipient = contact.recipient().unwrap();
        assert_eq!(recipient.to_string(), "Ada Lovelace <ada@example.com>");
    }

    #[test]
    fn an_address_without_a_name_is_not_enough_to_write() {
        let mut contact = CustomerContact::default();
        assert!(contact.change_email(email("new@example.com"), at(5)));
        assert_eq!(contact.recipient(), None);
    }

    #[test]
    fn a_replayed_registration_changes_nothing() {
        let mut contact = CustomerContact::default();
        contact.register(ada(), email("ada@example.com"), at(0));
        let before = contact.clone();
        assert!(!contact.register(ada(), email("ada@example.com"), at(0)));
        assert_eq!(contact, before);
    }

    #[test]
    fn a_newer_email_change_replaces_the_registered_address() {
        let mut contact = CustomerContact::default();
        contact.register(ada(), email("ada@example.com"), at(0));
        assert!(contact.change_email(email("new@example.com"), at(5)));
        assert_eq!(contact.recipient().unwrap().email, email("new@example.com"));
    }

    #[test]
    fn a_registration_arriving_after_a_later_email_change_does_not_regress_it() {
        let mut contact = CustomerContact::default();
        contact.change_email(email("new@example.com"), at(5));
        assert!(contact.register(ada(), email("ada@example.com"), at(0)));
        let recipient = contact.recipient().unwrap();
        assert_eq!(recipient.email, email("new@example.com"));
        assert_eq!(recipient.name, ada());
    }

    #[test]
    fn an_older_email_change_arriving_late_is_ignored() {
        let mut contact = CustomerContact::default();
        contact.register(ada(), email("ada@example.com"), at(0));
        contact.change_email(email("second@example.com"), at(10));
        assert!(!contact.change_email(email("first@example.com"), at(5)));
        assert_eq!(contact.email().unwrap().value, email("second@example.com"));
        assert_eq!(contact.email().unwrap().as_of, at(10));
    }

    #[test]
    fn every_order_of_the_same_events_gives_the_same_contact() {
        type Event = fn(&mut CustomerContact) -> bool;
        let events: [Event; 3] = [
            |c| c.register(ada(), email("ada@example.com"), at(0)),
            |c| c.change_email(email("second@example.com"), at(5)),
            |c| c.change_email(email("third@example.com"), at(9)),
        ];
        let orders = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        for order in orders {
            let mut contact = CustomerContact::default();
            for index in order {
                events[index](&mut contact);
            }
            let recipient = contact.recipient().unwrap();
            assert_eq!(recipient.email, email("third@example.com"), "{order:?}");
        }
    }

    #[test]
    fn an_email_change_recorded_with_the_registration_wins_the_tie() {
        let mut registered_first = CustomerContact::default();
        registered_first.register(ada(), email("ada@example.com"), at(0));
        registered_first.change_email(email("new@example.com"), at(0));
        let mut changed_first = CustomerContact::default();
        changed_first.change_email(email("new@example.com"), at(0));
        changed_first.register(ada(), email("ada@example.com"), at(0));
        assert_eq!(registered_first, changed_first);
        assert_eq!(
            changed_first.email().unwrap().value,
            email("new@example.com")
        );
    }
}
