//! Commands as they arrive, and their validation into domain values with field errors.
//!
//! Fields are optional at the serde level so that a missing field is reported as a field
//! error next to the others, not as an opaque deserialisation failure.

use order_domain::{CustomerId, Order, OrderStatus, ProductId, Quantity};
use orderflow_runtime::http::{PageParams, PageRequest};
use orderflow_runtime::{FieldError, FieldErrors};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::ports::OrderFilter;

fn quantity(errors: &mut FieldErrors, quantity: Option<i64>) -> Option<Quantity> {
    let quantity = errors.required("quantity", quantity)?;
    match u32::try_from(quantity) {
        Ok(quantity) => errors.check("quantity", Quantity::new(quantity)),
        Err(_) => errors.check(
            "quantity",
            Err(format!(
                "quantity must be between {} and {}, got {quantity}",
                Quantity::MIN,
                Quantity::MAX
            )),
        ),
    }
}

/// Starts a draft order. The customer is checked when the order is placed, so a draft can be
/// started before the customer's registration has reached this context.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrder {
    #[schema(value_type = Option<String>, format = Uuid)]
    pub customer_id: Option<String>,
}

impl CreateOrder {
    pub(crate) fn validate(&self) -> Result<CustomerId, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let id = errors
            .required("customerId", self.customer_id.as_deref())
            .and_then(|id| errors.check("customerId", id.parse::<CustomerId>()));
        errors.finish(id)
    }
}

/// Adds a product to a draft; name and price come from the catalogue, never from the client.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddLine {
    #[schema(value_type = Option<String>, format = Uuid)]
    pub product_id: Option<String>,
    /// 1 to 1000; added to the existing quantity when the product is already on the order.
    #[schema(example = 2)]
    pub quantity: Option<i64>,
}

impl AddLine {
    pub(crate) fn validate(&self) -> Result<(ProductId, Quantity), Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let product = errors
            .required("productId", self.product_id.as_deref())
            .and_then(|id| errors.check("productId", id.parse::<ProductId>()));
        let quantity = quantity(&mut errors, self.quantity);
        errors.finish(product.zip(quantity))
    }
}

/// Sets the quantity of a line.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ChangeLine {
    /// 1 to 1000; remove the line to drop it.
    #[schema(example = 3)]
    pub quantity: Option<i64>,
}

impl ChangeLine {
    pub(crate) fn validate(&self) -> Result<Quantity, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let quantity = quantity(&mut errors, self.quantity);
        errors.finish(quantity)
    }
}

/// Submits a draft; the body is optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaceOrder {
    /// The payment method, an opaque token handed to the payment context; absent means the
    /// customer's default.
    pub payment_token: Option<String>,
}

impl PlaceOrder {
    /// Longest accepted payment token.
    pub const MAX_TOKEN_CHARS: usize = 200;

    pub(crate) fn validate(&self) -> Result<Option<String>, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let token = match self.payment_token.as_deref().map(str::trim) {
            None => Some(None),
            Some("") => errors.check("paymentToken", Err("paymentToken must not be blank")),
            Some(token) if token.chars().count() > Self::MAX_TOKEN_CHARS => errors.check(
                "paymentToken",
                Err(format!(
                    "paymentToken must be at most {} characters",
                    Self::MAX_TOKEN_CHARS
                )),
            ),
            Some(token) => Some(Some(token.to_owned())),
        };
        errors.finish(token)
    }
}

/// Cancels an order, with a reason shown to the customer and support.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CancelOrder {
    #[schema(example = "ordered by mistake")]
    pub reason: Option<String>,
}

impl CancelOrder {
    pub(crate) fn validate(&self) -> Result<String, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let reason = match self.reason.as_deref().map(str::trim) {
            None | Some("") => errors.check("reason", Err("reason is required")),
            Some(reason) if reason.chars().count() > Order::MAX_REASON_CHARS => errors.check(
                "reason",
                Err(format!(
                    "reason must be at most {} characters",
                    Order::MAX_REASON_CHARS
                )),
            ),
            Some(reason) => Some(reason.to_owned()),
        };
        errors.finish(reason)
    }
}

/// Filters and paging of the order list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Only this customer's orders.
    #[serde(rename = "customerId")]
    #[param(rename = "customerId", value_type = Option<String>, format = Uuid)]
    pub customer_id: Option<String>,
    /// `Draft`, `Placed`, `Confirmed`, `Completed` or `Cancelled`.
    pub status: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

impl OrderQuery {
    pub(crate) fn validate(&self) -> Result<(OrderFilter, PageRequest), Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let customer_id = match self.customer_id.as_deref() {
            Some(id) => errors
                .check("customerId", id.parse::<CustomerId>())
                .map(Some),
            None => Some(None),
        };
        let status = match self.status.as_deref() {
            Some(status) => errors
                .check("status", status.parse::<OrderStatus>())
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
        let valid = match (customer_id, status, page) {
            (Some(customer_id), Some(status), Some(page)) => Some((
                OrderFilter {
                    customer_id,
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
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field.into_owned()).collect()
    }

    #[test]
    fn a_line_needs_a_product_uuid_and_a_quantity_in_range() {
        let line = AddLine {
            product_id: Some("nope".into()),
            quantity: Some(0),
        };
        assert_eq!(
            fields(line.validate().err().unwrap()),
            ["productId", "quantity"]
        );
        let missing = AddLine {
            product_id: None,
            quantity: None,
        };
        assert_eq!(
            fields(missing.validate().err().unwrap()),
            ["productId", "quantity"]
        );
        let negative = ChangeLine { quantity: Some(-3) };
        assert_eq!(fields(negative.validate().err().unwrap()), ["quantity"]);
        let ok = AddLine {
            product_id: Some(ProductId::new().to_string()),
            quantity: Some(1000),
        };
        assert_eq!(ok.validate().unwrap().1.get(), 1000);
    }

    #[test]
    fn a_cancellation_reason_is_required_and_trimmed() {
        for reason in [None, Some(""), Some("  \n")] {
            let command = CancelOrder {
                reason: reason.map(str::to_owned),
            };
            assert_eq!(fields(command.validate().err().unwrap()), ["reason"]);
        }
        let long = CancelOrder {
            reason: Some("x".repeat(501)),
        };
        assert_eq!(fields(long.validate().err().unwrap()), ["reason"]);
        let ok = CancelOrder {
            reason: Some("  too late ".into()),
        };
        assert_eq!(ok.validate().unwrap(), "too late");
    }

    #[test]
    fn a_payment_token_is_optional_but_never_blank() {
        assert_eq!(PlaceOrder::default().validate().unwrap(), None);
        let blank = PlaceOrder {
            payment_token: Some(" ".into()),
        };
        assert_eq!(fields(blank.validate().err().unwrap()), ["paymentToken"]);
        let token = PlaceOrder {
            payment_token: Some("tok_visa".into()),
        };
        assert_eq!(token.validate().unwrap().as_deref(), Some("tok_visa"));
    }

    #[test]
    fn list_filters_are_validated() {
        let query = OrderQuery {
            customer_id: Some("x".into()),
            status: Some("Shipped".into()),
            page: Some(0),
            per_page: None,
        };
        assert_eq!(
            fields(query.validate().err().unwrap()),
            ["customerId", "status", "page"]
        );
        let ok = OrderQuery {
            status: Some("Placed".into()),
            ..OrderQuery::default()
        };
        let (filter, page) = ok.validate().unwrap();
        assert_eq!(filter.status, Some(OrderStatus::Placed));
        assert_eq!(page.per_page, 20);
    }

    #[test]
    fn a_draft_needs_a_customer_id() {
        let command = CreateOrder { customer_id: None };
        assert_eq!(fields(command.validate().err().unwrap()), ["customerId"]);
        let command = CreateOrder {
            customer_id: Some("123".into()),
        };
        assert_eq!(fields(command.validate().err().unwrap()), ["customerId"]);
    }
}
