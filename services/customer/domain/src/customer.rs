//! The customer aggregate root.

use chrono::{DateTime, Utc};
use orderflow_kernel::{Address, Email, PhoneNumber};

use crate::{
    CustomerError, CustomerEvent, CustomerId, CustomerName, CustomerSnapshot, CustomerStatus,
    EmailChangePolicy,
};

/// A registered customer: the consistency boundary for their profile and status.
///
/// State changes only through commands that enforce the rules and record a
/// [`CustomerEvent`] for each real change; repeated or no-op commands record
/// nothing, so retries are safe. Every command refuses to run on a
/// deactivated customer (except [`Customer::activate`] and
/// [`Customer::deactivate`]), even when it would change nothing.
#[derive(Debug, Clone)]
pub struct Customer {
    id: CustomerId,
    name: CustomerName,
    email: Email,
    phone: Option<PhoneNumber>,
    address: Option<Address>,
    status: CustomerStatus,
    registered_at: DateTime<Utc>,
    email_changed_at: Option<DateTime<Utc>>,
    pending_events: Vec<CustomerEvent>,
}

impl Customer {
    /// Registers a new, active customer and records `CustomerRegistered`.
    pub fn register(
        id: CustomerId,
        name: CustomerName,
        email: Email,
        phone: Option<PhoneNumber>,
        address: Option<Address>,
        now: DateTime<Utc>,
    ) -> Self {
        let event = CustomerEvent::Registered {
            customer_id: id,
            name: name.clone(),
            email: email.clone(),
            occurred_at: now,
        };
        Self {
            id,
            name,
            email,
            phone,
            address,
            status: CustomerStatus::Active,
            registered_at: now,
            email_changed_at: None,
            pending_events: vec![event],
        }
    }

    /// Rebuilds a stored customer; records no events because nothing happened.
    pub fn restore(snapshot: CustomerSnapshot) -> Self {
        let CustomerSnapshot {
            id,
            name,
            email,
            phone,
            address,
            status,
            registered_at,
            email_changed_at,
        } = snapshot;
        Self {
            id,
            name,
            email,
            phone,
            address,
            status,
            registered_at,
            email_changed_at,
            pending_events: Vec::new(),
        }
    }

    /// Copy of the current state for a repository to persist.
    pub fn snapshot(&self) -> CustomerSnapshot {
        CustomerSnapshot {
            id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            status: self.status,
            registered_at: self.registered_at,
            email_changed_at: self.email_changed_at,
        }
    }

    pub fn id(&self) -> CustomerId {
        self.id
    }

    pub fn name(&self) -> &CustomerName {
        &self.name
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    pub fn phone(&self) -> Option<&PhoneNumber> {
        self.phone.as_ref()
    }

    pub fn address(&self) -> Option<&Address> {
        self.address.as_ref()
    }

    pub fn status(&self) -> CustomerStatus {
        self.status
    }

    /// Shorthand for `status() == CustomerStatus::Active`.
    pub fn is_active(&self) -> bool {
        self.status == CustomerStatus::Active
    }

    pub fn registered_at(&self) -> DateTime<Utc> {
        self.registered_at
    }

    /// When the email was last changed; `None` if never.
    pub fn email_changed_at(&self) -> Option<DateTime<Utc>> {
        self.email_changed_at
    }

    /// Deactivates the customer. Already deactivated: `Ok` without an event,
    /// so a retried request is harmless.
    pub fn deactivate(&mut self, now: DateTime<Utc>) -> Result<(), CustomerError> {
        if self.status == CustomerStatus::Deactivated {
            return Ok(());
        }
        self.status = CustomerStatus::Deactivated;
        self.record(CustomerEvent::Deactivated {
            customer_id: self.id,
            occurred_at: now,
        });
        Ok(())
    }

    /// Reactivates a deactivated customer. Already active: `Ok` without an
    /// event, so a retried request is harmless.
    pub fn activate(&mut self, now: DateTime<Utc>) -> Result<(), CustomerError> {
        if self.status == CustomerStatus::Active {
            return Ok(());
        }
        self.status = CustomerStatus::Active;
        self.record(CustomerEvent::Reactivated {
            customer_id: self.id,
            occurred_at: now,
        });
        Ok(())
    }

    /// Changes the email, at most once per `policy.cooldown` since the last
    /// change (the first change is always allowed). The same email is a no-op
    /// and doesn't restart the cooldown.
    pub fn change_email(
        &mut self,
        new: Email,
        policy: &EmailChangePolicy,
        now: DateTime<Utc>,
    ) -> Result<(), CustomerError> {
        self.ensure_active()?;
        if new == self.email {
            return Ok(());
        }
        if let Some(next_allowed_at) = policy.next_change_allowed_at(self.email_changed_at)
            && now < next_allowed_at
        {
            return Err(CustomerError::EmailChangeTooSoon { next_allowed_at });
        }
        let old_email = std::mem::replace(&mut self.email, new.clone());
        self.email_changed_at = Some(now);
        self.record(CustomerEvent::EmailChanged {
            customer_id: self.id,
            old_email,
            new_email: new,
            occurred_at: now,
        });
        Ok(())
    }

    /// Replaces the name; an equal name is a no-op.
    pub fn change_name(
        &mut self,
        name: CustomerName,
        now: DateTime<Utc>,
    ) -> Result<(), CustomerError> {
        self.ensure_active()?;
        if name == self.name {
            return Ok(());
        }
        self.name = name.clone();
        self.record(CustomerEvent::NameChanged {
            customer_id: self.id,
            name,
            occurred_at: now,
        });
        Ok(())
    }

    /// Sets, replaces or (with `None`) removes the phone; unchanged is a no-op.
    pub fn change_phone(
        &mut self,
        phone: Option<PhoneNumber>,
        now: DateTime<Utc>,
    ) -> Result<(), CustomerError> {
        self.ensure_active()?;
        if phone == self.phone {
            return Ok(());
        }
        self.phone = phone.clone();
        self.record(CustomerEvent::PhoneChanged {
            customer_id: self.id,
            phone,
            occurred_at: now,
        });
        Ok(())
    }

    /// Sets, replaces or (with `None`) removes the address; unchanged is a no-op.
    pub fn change_address(
        &mut self,
        address: Option<Address>,
        now: DateTime<Utc>,
    ) -> Result<(), CustomerError> {
        self.ensure_active()?;
        if address == self.address {
            return Ok(());
        }
        self.address = address.clone();
        self.record(CustomerEvent::AddressChanged {
            customer_id: self.id,
            address,
            occurred_at: now,
        });
        Ok(())
    }

    /// Events recorded since the last [`Customer::take_events`], oldest first.
    pub fn pending_events(&self) -> &[CustomerEvent] {
        &self.pending_events
    }

    /// Drains the recorded events, e.g. to write them to an outbox after saving.
    pub fn take_events(&mut self) -> Vec<CustomerEvent> {
        std::mem::take(&mut self.pending_events)
    }

    fn ensure_active(&self) -> Result<(), CustomerError> {
        match self.status {
            CustomerStatus::Active => Ok(()),
            CustomerStatus::Deactivated => Err(CustomerError::Deactivated { id: self.id }),
        }
    }

    fn record(&mut self, event: CustomerEvent) {
        self.pending_events.push(event);
    }
}

#[cfg(test)]
mod tests;
