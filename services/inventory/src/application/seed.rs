//! The demo catalogue loaded by `--seed` (or `SEED_CATALOGUE=true`), so a fresh
//! installation has something to order.

use orderflow_runtime::AppError;
use orderflow_runtime::events::EventContext;

use super::commands::{CreateProduct, MoneyInput};
use super::ports::ProductRepository;
use super::service::ProductService;

/// What a seeding run did, by SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub created: Vec<String>,
    /// Already in the catalogue, left as they are.
    pub skipped: Vec<String>,
}

/// A small catalogue in EUR. The poster has little stock, to show an order that fails
/// for lack of stock.
pub fn demo_catalogue() -> Vec<CreateProduct> {
    [
        ("MUG-BLUE-350ML", "Blue mug, 350 ml", 1299, 50),
        ("TEE-ORGANIC-M", "Organic cotton T-shirt, size M", 2490, 40),
        ("NOTEBOOK-A5-DOT", "A5 dotted notebook", 850, 100),
        ("BOTTLE-STEEL-750ML", "Steel water bottle, 750 ml", 1995, 30),
        ("HEADPHONES-BT", "Bluetooth headphones", 7900, 15),
        ("POSTER-LIMITED", "Limited edition poster", 3500, 3),
    ]
    .into_iter()
    .map(|(sku, name, cents, stock)| CreateProduct {
        sku: Some(sku.to_owned()),
        name: Some(name.to_owned()),
        price: Some(MoneyInput {
            amount: Some(cents),
            currency: Some("EUR".to_owned()),
        }),
        stock_on_hand: Some(stock),
    })
    .collect()
}

impl<R: ProductRepository> ProductService<R> {
    /// Creates each product whose SKU is not in the catalogue yet, through the ordinary
    /// creation use case so that `ProductCreated` is published; existing SKUs are left
    /// alone, so seeding again (or from two replicas at once) adds nothing.
    pub async fn seed(
        &self,
        products: &[CreateProduct],
        context: &EventContext,
    ) -> Result<SeedReport, AppError> {
        let mut report = SeedReport::default();
        for product in products {
            let sku = product.validate().map_err(AppError::Validation)?.sku;
            let exists = self.find_by_sku(&sku).await?.is_some();
            let created = !exists
                && match self.create(product.clone(), context).await {
                    Ok(_) => true,
                    // Another replica seeded it between the check and the insert.
                    Err(AppError::Conflict(_)) => false,
                    Err(err) => return Err(err),
                };
            let list = if created {
                &mut report.created
            } else {
                &mut report.skipped
            };
            list.push(sku.to_string());
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_demo_catalogue_is_valid_with_unique_skus_in_eur() {
        let catalogue = demo_catalogue();
        assert!((5..=6).contains(&catalogue.len()));
        let mut skus = HashSet::new();
        for product in &catalogue {
            let valid = product.validate();
            assert!(valid.is_ok(), "{product:?}");
            if let Ok(valid) = valid {
                assert_eq!(valid.price.currency().code(), "EUR");
                assert!(valid.price.amount_minor() > 0);
                assert!(valid.stock_on_hand > 0);
                assert!(skus.insert(valid.sku.to_string()));
            }
        }
    }
}
