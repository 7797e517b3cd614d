//! Commands as they arrive, and their validation into domain values with field errors.
//!
//! Fields are optional at the serde level so that a missing field is reported as a field
//! error next to the others, not as an opaque deserialisation failure.

use customer_domain::{CustomerName, CustomerStatus};
use orderflow_kernel::{Address, Email, PhoneNumber};
use orderflow_runtime::http::PageParams;
use orderflow_runtime::{FieldError, FieldErrors};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// A postal address.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressInput {
    #[schema(example = "Hauptstraße 5")]
    pub line1: Option<String>,
    pub line2: Option<String>,
    #[schema(example = "Berlin")]
    pub city: Option<String>,
    #[schema(example = "10115")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(example = "DE")]
    pub country: Option<String>,
}

impl AddressInput {
    fn validate(&self, parent: &str, errors: &mut FieldErrors) -> Option<Address> {
        let before = errors.len();
        for (field, value) in [
            ("line1", &self.line1),
            ("city", &self.city),
            ("postalCode", &self.postal_code),
            ("country", &self.country),
        ] {
            if value.is_none() {
                errors.push(FieldError::new(field, format!("{field} is required")).nested(parent));
            }
        }
        if errors.len() > before {
            return None;
        }
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        Address::new(
            &text(&self.line1),
            self.line2.as_deref(),
            &text(&self.city),
            &text(&self.postal_code),
            &text(&self.country),
        )
        .map_err(|err| errors.push(FieldError::new(err.field(), &err).nested(parent)))
        .ok()
    }
}

/// Registers a new customer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterCustomer {
    #[schema(example = "Ada")]
    pub first_name: Option<String>,
    #[schema(example = "Lovelace")]
    pub last_name: Option<String>,
    #[schema(example = "ada@example.com")]
    pub email: Option<String>,
    /// E.164 after removing spaces, dashes and brackets.
    #[schema(example = "+44 20 7946 0958")]
    pub phone: Option<String>,
    pub address: Option<AddressInput>,
}

/// A registration whose every field is valid.
pub(crate) struct ValidRegistration {
    pub name: CustomerName,
    pub email: Email,
    pub phone: Option<PhoneNumber>,
    pub address: Option<Address>,
}

impl RegisterCustomer {
    pub(crate) fn validate(&self) -> Result<ValidRegistration, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let first = errors.required("firstName", self.first_name.as_deref());
        let last = errors.required("lastName", self.last_name.as_deref());
        let name = match (first, last) {
            (Some(first), Some(last)) => CustomerName::new(first, last)
                .map_err(|err| errors.push(FieldError::new(err.field(), &err)))
                .ok(),
            _ => None,
        };
        let email = errors
            .required("email", self.email.as_deref())
            .and_then(|email| errors.check("email", Email::parse(email)));
        let phone = match self.phone.as_deref() {
            Some(phone) => errors.check("phone", PhoneNumber::parse(phone)).map(Some),
            None => Some(None),
        };
        let address = match &self.address {
            Some(address) => address.validate("address", &mut errors).map(Some),
            None => Some(None),
        };
        let valid = match (name, email, phone, address) {
            (Some(name), Some(email), Some(phone), Some(address)) => Some(ValidRegistration {
                name,
                email,
                phone,
                address,
            }),
            _ => None,
        };
        errors.finish(valid)
    }
}

/// Replaces a customer's email address.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChangeEmail {
    #[schema(example = "ada.lovelace@example.com")]
    pub email: Option<String>,
}

impl ChangeEmail {
    pub(crate) fn validate(&self) -> Result<Email, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let email = errors
            .required("email", self.email.as_deref())
            .and_then(|e| errors.check("email", Email::parse(e)));
        errors.finish(email)
    }
}

/// Replaces (or, with `address: null`, removes) a customer's postal address.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChangeAddress {
    pub address: Option<AddressInput>,
}

impl ChangeAddress {
    pub(crate) fn validate(&self) -> Result<Option<Address>, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let address = match &self.address {
            Some(address) => address.validate("address", &mut errors).map(Some),
            None => Some(None),
        };
        errors.finish(address)
    }
}

/// Filters and paging of the customer list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Exact email address (case-insensitive).
    pub email: Option<String>,
    /// `Active` or `Deactivated`.
    pub status: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

impl CustomerQuery {
    pub(crate) fn validate(
        &self,
    ) -> Result<(super::CustomerFilter, orderflow_runtime::http::PageRequest), Vec<FieldError>>
    {
        let mut errors = FieldErrors::new();
        let status = match self.status.as_deref() {
            Some(status) => errors
                .check("status", status.parse::<CustomerStatus>())
                .map(Some),
            None => Some(None),
        };
        let paging = PageParams {
            page: self.page,
            per_page: self.per_page,
        };
        let page = paging
            .validate()
            .map_err(|page_errors| errors.extend(page_errors))
            .ok();
        let valid = match (status, page) {
            (Some(status), Some(page)) => Some((
                super::CustomerFilter {
                    email: self.email.clone(),
                    status,
                },
                page,
            )),
            _ => None,
        };
        errors.finish(valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(email: &str) -> RegisterCustomer {
        RegisterCustomer {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some(email.into()),
            phone: None,
            address: None,
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field.into_owned()).collect()
    }

    #[test]
    fn a_valid_registration_passes() {
        assert!(registration("ada@example.com").validate().is_ok());
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let command = RegisterCustomer {
            first_name: None,
            last_name: Some(" ".into()),
            email: Some("nope".into()),
            phone: Some("12".into()),
            address: Some(AddressInput {
                line1: Some("x".into()),
                line2: None,
                city: None,
                postal_code: Some("1".into()),
                country: Some("ZZ".into()),
            }),
        };
        let errors = fields(command.validate().err().unwrap());
        assert_eq!(errors, ["firstName", "email", "phone", "address.city"]);
    }

    #[test]
    fn address_rules_are_reported_under_address() {
        let mut command = registration("ada@example.com");
        command.address = Some(AddressInput {
            line1: Some("Main St 1".into()),
            line2: None,
            city: Some("Springfield".into()),
            postal_code: Some("12345".into()),
            country: Some("XX".into()),
        });
        assert_eq!(
            fields(command.validate().err().unwrap()),
            ["address.country"]
        );
    }

    #[test]
    fn unknown_status_filters_and_bad_paging_are_field_errors() {
        let query = CustomerQuery {
            email: None,
            status: Some("Sleeping".into()),
            page: Some(0),
            per_page: None,
        };
        assert_eq!(fields(query.validate().err().unwrap()), ["status", "page"]);
    }
}
