//! Commands and queries as they arrive, and their validation into domain values.
//!
//! Saga commands come as contracts: plain data that any producer version may send, so
//! the ids and money are checked here. A command that fails this can never succeed and
//! is refused permanently (to the dead-letter topic).

use orderflow_contracts::{Money as WireMoney, ProcessPayment, RefundPayment};
use orderflow_kernel::{Currency, Money};
use orderflow_runtime::FieldError;
use orderflow_runtime::http::{PageParams, PageRequest};
use payment_domain::{CustomerId, OrderId};
use serde::Deserialize;
use utoipa::IntoParams;

/// A saga command whose content cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {command}: {reason}")]
pub struct InvalidCommand {
    pub command: &'static str,
    pub reason: String,
}

/// A `ProcessPayment` in domain terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub amount: Money,
    pub payment_token: Option<String>,
}

impl TryFrom<&ProcessPayment> for Charge {
    type Error = InvalidCommand;

    fn try_from(command: &ProcessPayment) -> Result<Self, Self::Error> {
        Ok(Self {
            order_id: OrderId::from_uuid(command.order_id),
            customer_id: CustomerId::from_uuid(command.customer_id),
            amount: money("ProcessPayment", &command.amount)?,
            payment_token: command.payment_token.clone(),
        })
    }
}

/// A `RefundPayment` in domain terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub order_id: OrderId,
    pub amount: Money,
    pub reason: String,
}

impl TryFrom<&RefundPayment> for Refund {
    type Error = InvalidCommand;

    fn try_from(command: &RefundPayment) -> Result<Self, Self::Error> {
        Ok(Self {
            order_id: OrderId::from_uuid(command.order_id),
            amount: money("RefundPayment", &command.amount)?,
            reason: command.reason.clone(),
        })
    }
}

/// Whether the amount is acceptable is the domain's rule; only the currency code is
/// checked here, because an unknown code cannot even be represented.
fn money(command: &'static str, wire: &WireMoney) -> Result<Money, InvalidCommand> {
    let currency = Currency::parse(&wire.currency).map_err(|err| InvalidCommand {
        command,
        reason: format!("amount.currency: {err}"),
    })?;
    Ok(Money::new(wire.amount, currency))
}

/// Which customer's payments, and which page of them.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentQuery {
    /// The customer whose payments to list (required).
    #[serde(rename = "customerId")]
    #[param(rename = "customerId", value_type = Option<uuid::Uuid>)]
    pub customer_id: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

impl PaymentQuery {
    pub(crate) fn validate(&self) -> Result<(CustomerId, PageRequest), Vec<FieldError>> {
        let mut errors = Vec::new();
        let customer = match self.customer_id.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("customerId", "customerId is required"));
                None
            }
            Some(text) => text
                .parse::<CustomerId>()
                .map_err(|_| {
                    errors.push(FieldError::new("customerId", "customerId must be a UUID"))
                })
                .ok(),
        };
        let page = PageParams {
            page: self.page,
            per_page: self.per_page,
        }
        .validate()
        .map_err(|page_errors| errors.extend(page_errors))
        .ok();
        match (customer, page) {
            (Some(customer), Some(page)) if errors.is_empty() => Ok((customer, page)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field.into_owned()).collect()
    }

    #[test]
    fn a_charge_keeps_ids_amount_and_token() {
        let (order, customer) = (Uuid::now_v7(), Uuid::now_v7());
        let charge = Charge::try_from(&ProcessPayment {
            order_id: order,
            customer_id: customer,
            amount: WireMoney::new(1299, "EUR"),
            payment_token: Some("tok_visa".into()),
        })
        .unwrap();
        assert_eq!(charge.order_id.as_uuid(), order);
        assert_eq!(charge.customer_id.as_uuid(), customer);
        assert_eq!(charge.amount, Money::new(1299, Currency::EUR));
        assert_eq!(charge.payment_token.as_deref(), Some("tok_visa"));
    }

    #[test]
    fn an_unknown_currency_is_an_invalid_command() {
        let err = Refund::try_from(&RefundPayment {
            order_id: Uuid::now_v7(),
            amount: WireMoney::new(1, "euro"),
            reason: "r".into(),
        })
        .unwrap_err();
        assert_eq!(err.command, "RefundPayment");
        assert!(err.reason.starts_with("amount.currency"), "{err}");
    }

    #[test]
    fn the_list_needs_a_customer_uuid_and_valid_paging() {
        let missing = PaymentQuery::default().validate().err().map(fields);
        assert_eq!(missing, Some(vec!["customerId".to_owned()]));
        let bad = PaymentQuery {
            customer_id: Some("nope".into()),
            page: Some(0),
            per_page: None,
        };
        assert_eq!(
            bad.validate().err().map(fields),
            Some(vec!["customerId".to_owned(), "page".to_owned()])
        );
        let customer = Uuid::now_v7();
        let good = PaymentQuery {
            customer_id: Some(customer.to_string()),
            page: Some(2),
            per_page: Some(5),
        };
        let (id, page) = good.validate().unwrap();
        assert_eq!(id.as_uuid(), customer);
        assert_eq!((page.page, page.per_page), (2, 5));
    }
}
