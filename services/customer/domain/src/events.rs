//! Domain events recorded by the [`Customer`](crate::Customer) aggregate.

use chrono::{DateTime, Utc};
use orderflow_kernel::{Address, Email, PhoneNumber};
use serde::{Deserialize, Serialize};

use crate::{CustomerId, CustomerName};

/// Facts about a customer, published so other contexts can react.
///
/// The serde `type` tag equals [`CustomerEvent::event_type`], so the wire
/// name and the routing name never diverge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum CustomerEvent {
    /// A new customer signed up.
    #[serde(rename = "CustomerRegistered")]
    Registered {
        customer_id: CustomerId,
        name: CustomerName,
        email: Email,
        occurred_at: DateTime<Utc>,
    },
    /// The customer's email address was replaced.
    #[serde(rename = "CustomerEmailChanged")]
    EmailChanged {
        customer_id: CustomerId,
        old_email: Email,
        new_email: Email,
        occurred_at: DateTime<Utc>,
    },
    /// The customer's name was replaced.
    #[serde(rename = "CustomerNameChanged")]
    NameChanged {
        customer_id: CustomerId,
        name: CustomerName,
        occurred_at: DateTime<Utc>,
    },
    /// The phone number was set, replaced or removed (`None`).
    #[serde(rename = "CustomerPhoneChanged")]
    PhoneChanged {
        customer_id: CustomerId,
        phone: Option<PhoneNumber>,
        occurred_at: DateTime<Utc>,
    },
    /// The address was set, replaced or removed (`None`).
    #[serde(rename = "CustomerAddressChanged")]
    AddressChanged {
        customer_id: CustomerId,
        address: Option<Address>,
        occurred_at: DateTime<Utc>,
    },
    /// The customer was deactivated.
    #[serde(rename = "CustomerDeactivated")]
    Deactivated {
        customer_id: CustomerId,
        occurred_at: DateTime<Utc>,
    },
    /// A deactivated customer was activated again.
    #[serde(rename = "CustomerReactivated")]
    Reactivated {
        customer_id: CustomerId,
        occurred_at: DateTime<Utc>,
    },
}

impl CustomerEvent {
    /// The customer the event is about, e.g. for partitioning or routing.
    pub fn customer_id(&self) -> CustomerId {
        match self {
            Self::Registered { customer_id, .. }
            | Self::EmailChanged { customer_id, .. }
            | Self::NameChanged { customer_id, .. }
            | Self::PhoneChanged { customer_id, .. }
            | Self::AddressChanged { customer_id, .. }
            | Self::Deactivated { customer_id, .. }
            | Self::Reactivated { customer_id, .. } => *customer_id,
        }
    }

    /// When the change happened (the `now` passed to the command).
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            Self::Registered { occurred_at, .. }
            | Self::EmailChanged { occurred_at, .. }
            | Self::NameChanged { occurred_at, .. }
            | Self::PhoneChanged { occurred_at, .. }
            | Self::AddressChanged { occurred_at, .. }
            | Self::Deactivated { occurred_at, .. }
            | Self::Reactivated { occurred_at, .. } => *occurred_at,
        }
    }

    /// Stable, context-qualified event name for outboxes and message routing.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Registered { .. } => "CustomerRegistered",
            Self::EmailChanged { .. } => "CustomerEmailChanged",
            Self::NameChanged { .. } => "CustomerNameChanged",
            Self::PhoneChanged { .. } => "CustomerPhoneChanged",
            Self::AddressChanged { .. } => "CustomerAddressChanged",
            Self::Deactivated { .. } => "CustomerDeactivated",
            Self::Reactivated { .. } => "CustomerReactivated",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::TimeZone;
    use serde_json::{Value, json};

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, 9, 30, 0).unwrap()
    }

    fn all_events(id: CustomerId) -> Vec<CustomerEvent> {
        let name = CustomerName::new("Ada", "Lovelace").unwrap();
        let email = Email::parse("ada@example.com").unwrap();
        let other = Email::parse("countess@example.com").unwrap();
        let phone = PhoneNumber::parse("+14155550123").unwrap();
        let address = Address::new("1 Main St", None, "Springfield", "12345", "US").unwrap();
        let occurred_at = at();
        vec![
            CustomerEvent::Registered {
                customer_id: id,
                name: name.clone(),
                email: email.clone(),
                occurred_at,
            },
            CustomerEvent::EmailChanged {
                customer_id: id,
                old_email: email,
                new_email: other,
                occurred_at,
            },
            CustomerEvent::NameChanged {
                customer_id: id,
                name,
                occurred_at,
            },
            CustomerEvent::PhoneChanged {
                customer_id: id,
                phone: Some(phone),
                occurred_at,
            },
            CustomerEvent::AddressChanged {
                customer_id: id,
                address: Some(address),
                occurred_at,
            },
            CustomerEvent::Deactivated {
                customer_id: id,
                occurred_at,
            },
            CustomerEvent::Reactivated {
                customer_id: id,
                occurred_at,
            },
        ]
    }

    #[test]
    fn accessors_cover_every_variant() {
        let id = CustomerId::new();
        let types: Vec<_> = all_events(id)
            .iter()
            .inspect(|event| {
                assert_eq!(event.customer_id(), id);
                assert_eq!(event.occurred_at(), at());
            })
            .map(CustomerEvent::event_type)
            .collect();
        assert_eq!(
            types,
            [
                "CustomerRegistered",
                "CustomerEmailChanged",
                "CustomerNameChanged",
                "CustomerPhoneChanged",
                "CustomerAddressChanged",
                "CustomerDeactivated",
                "CustomerReactivated",
            ]
        );
    }

    #[test]
    fn serde_tag_matches_event_type_and_round_trips() {
        for event in all_events(CustomerId::new()) {
            let value = serde_json::to_value(&event).unwrap();
            assert_eq!(value["type"], event.event_type());
            let back: CustomerEvent = serde_json::from_value(value).unwrap();
            assert_eq!(back, event);
        }
    }

    #[test]
    fn registered_serializes_with_camel_case_fields() {
        let id = CustomerId::new();
        let event = all_events(id).remove(0);
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(
            value,
            json!({
                "type": "CustomerRegistered",
                "customerId": serde_json::to_value(id).unwrap(),
                "name": {"firstName": "Ada", "lastName": "Lovelace"},
                "email": "ada@example.com",
                "occurredAt": serde_json::to_value(at()).unwrap(),
            })
        );
    }

    #[test]
    fn email_changed_serializes_old_and_new_email() {
        let event = all_events(CustomerId::new()).remove(1);
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["oldEmail"], "ada@example.com");
        assert_eq!(value["newEmail"], "countess@example.com");
    }

    #[test]
    fn cleared_phone_serializes_as_null() {
        let event = CustomerEvent::PhoneChanged {
            customer_id: CustomerId::new(),
            phone: None,
            occurred_at: at(),
        };
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["phone"], Value::Null);
        assert_eq!(
            serde_json::from_value::<CustomerEvent>(value).unwrap(),
            event
        );
    }

    #[test]
    fn deserializing_an_invalid_name_fails() {
        let id = CustomerId::new();
        let value = json!({
            "type": "CustomerNameChanged",
            "customerId": serde_json::to_value(id).unwrap(),
            "name": {"firstName": "", "lastName": "Lovelace"},
            "occurredAt": serde_json::to_value(at()).unwrap(),
        });
        assert!(serde_json::from_value::<CustomerEvent>(value).is_err());
    }

    #[test]
    fn unknown_event_type_is_rejected() {
        let value = json!({
            "type": "CustomerDeleted",
            "customerId": serde_json::to_value(CustomerId::new()).unwrap(),
            "occurredAt": serde_json::to_value(at()).unwrap(),
        });
        assert!(serde_json::from_value::<CustomerEvent>(value).is_err());
    }
}
