//! Commands as they arrive, and their validation into domain values with field errors.
//!
//! Fields are optional at the serde level so that a missing field is reported as a field
//! error next to the others, not as an opaque deserialisation failure.

use inventory_domain::{InventoryError, ProductName, Sku};
use orderflow_kernel::{Currency, Money};
use orderflow_runtime::http::{PageParams, PageRequest};
use orderflow_runtime::{FieldError, FieldErrors};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

fn sku(errors: &mut FieldErrors, sku: Option<&str>) -> Option<Sku> {
    errors
        .required("sku", sku)
        .and_then(|sku| errors.check("sku", Sku::parse(sku)))
}

fn name(errors: &mut FieldErrors, name: Option<&str>) -> Option<ProductName> {
    errors
        .required("name", name)
        .and_then(|name| errors.check("name", ProductName::new(name)))
}

/// Every problem with the price is reported on the `price` field.
fn price(errors: &mut FieldErrors, price: Option<&MoneyInput>) -> Option<Money> {
    let price = errors.required("price", price)?;
    let amount = match price.amount {
        Some(amount) => Some(amount),
        None => {
            errors.push(FieldError::new("price", "price.amount is required"));
            None
        }
    };
    let currency = match price.currency.as_deref() {
        Some(code) => errors.check("price", Currency::parse(code)),
        None => {
            errors.push(FieldError::new("price", "price.currency is required"));
            None
        }
    };
    let money = Money::new(amount?, currency?);
    if money.is_negative() {
        errors.push(FieldError::new(
            "price",
            InventoryError::NegativePrice { price: money },
        ));
        return None;
    }
    Some(money)
}

/// An amount of money in the minor unit of its currency.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MoneyInput {
    /// Minor units (cents for EUR): 1299 is 12.99 EUR. Never negative.
    #[schema(example = 1299)]
    pub amount: Option<i64>,
    /// ISO 4217 code.
    #[schema(example = "EUR")]
    pub currency: Option<String>,
}

/// Adds a product to the catalogue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateProduct {
    /// Stock keeping unit: letters, digits, `-`, `_`, `.`; stored upper-cased, unique.
    #[schema(example = "MUG-BLUE-350ML")]
    pub sku: Option<String>,
    #[schema(example = "Blue mug, 350 ml")]
    pub name: Option<String>,
    pub price: Option<MoneyInput>,
    /// Units in stock at the start.
    #[schema(example = 25)]
    pub stock_on_hand: Option<i64>,
}

/// A product creation whose every field is valid.
pub(crate) struct ValidProduct {
    pub sku: Sku,
    pub name: ProductName,
    pub price: Money,
    pub stock_on_hand: u32,
}

impl CreateProduct {
    pub(crate) fn validate(&self) -> Result<ValidProduct, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let sku = sku(&mut errors, self.sku.as_deref());
        let name = name(&mut errors, self.name.as_deref());
        let price = price(&mut errors, self.price.as_ref());
        let stock_on_hand = errors
            .required("stockOnHand", self.stock_on_hand)
            .and_then(|stock| {
                errors.check(
                    "stockOnHand",
                    u32::try_from(stock)
                        .map_err(|_| format!("stockOnHand must be between 0 and {}", u32::MAX)),
                )
            });
        let valid = match (sku, name, price, stock_on_hand) {
            (Some(sku), Some(name), Some(price), Some(stock_on_hand)) => Some(ValidProduct {
                sku,
                name,
                price,
                stock_on_hand,
            }),
            _ => None,
        };
        errors.finish(valid)
    }
}

/// Replaces a product's name and price.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UpdateProduct {
    #[schema(example = "Blue mug, 400 ml")]
    pub name: Option<String>,
    pub price: Option<MoneyInput>,
}

impl UpdateProduct {
    pub(crate) fn validate(&self) -> Result<(ProductName, Money), Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let name = name(&mut errors, self.name.as_deref());
        let price = price(&mut errors, self.price.as_ref());
        errors.finish(name.zip(price))
    }
}

/// Corrects the stock on hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AdjustStock {
    /// Units to add (goods received) or, negative, to remove (losses). Never 0.
    #[schema(example = -2)]
    pub delta: Option<i64>,
    /// Why the stock changed, 1 to 500 characters.
    #[schema(example = "broken in transit")]
    pub reason: Option<String>,
}

impl AdjustStock {
    /// Checks presence only: whether the delta and reason are acceptable is the product's rule.
    pub(crate) fn validate(&self) -> Result<(i64, String), Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let delta = errors.required("delta", self.delta);
        let reason = errors.required("reason", self.reason.clone());
        errors.finish(delta.zip(reason))
    }
}

/// Paging of the product list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<u32>,
}

impl ProductQuery {
    pub(crate) fn validate(&self) -> Result<PageRequest, Vec<FieldError>> {
        PageParams {
            page: self.page,
            per_page: self.per_page,
        }
        .validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creation() -> CreateProduct {
        CreateProduct {
            sku: Some("mug-1".into()),
            name: Some("Mug".into()),
            price: Some(MoneyInput {
                amount: Some(1299),
                currency: Some("EUR".into()),
            }),
            stock_on_hand: Some(5),
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field.into_owned()).collect()
    }

    #[test]
    fn a_valid_creation_passes_normalised() {
        let valid = creation().validate().map_err(fields);
        assert!(matches!(&valid, Ok(v) if v.sku.as_str() == "MUG-1" && v.stock_on_hand == 5));
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let command = CreateProduct {
            sku: Some("bad sku".into()),
            name: None,
            price: Some(MoneyInput {
                amount: Some(-1),
                currency: Some("EUR".into()),
            }),
            stock_on_hand: Some(-3),
        };
        let errors = command.validate().err().map(fields);
        assert_eq!(
            errors,
            Some(vec![
                "sku".to_owned(),
                "name".to_owned(),
                "price".to_owned(),
                "stockOnHand".to_owned()
            ])
        );
    }

    #[test]
    fn an_unknown_currency_is_a_price_error() {
        let command = UpdateProduct {
            name: Some("Mug".into()),
            price: Some(MoneyInput {
                amount: Some(1),
                currency: Some("QQQ".into()),
            }),
        };
        assert_eq!(
            command.validate().err().map(fields),
            Some(vec!["price".to_owned()])
        );
    }

    #[test]
    fn an_adjustment_needs_delta_and_reason() {
        let command = AdjustStock {
            delta: None,
            reason: None,
        };
        assert_eq!(
            command.validate().err().map(fields),
            Some(vec!["delta".to_owned(), "reason".to_owned()])
        );
    }
}
