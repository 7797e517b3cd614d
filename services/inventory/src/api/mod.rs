//! HTTP API of the inventory context, described by OpenAPI.

mod handlers;
mod reservations;

use std::sync::Arc;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::application::ProductService;
use crate::infrastructure::{PgProductRepository, PgReservationService};

/// Shared state of the product handlers.
pub type AppState = Arc<ProductService<PgProductRepository>>;

/// Shared state of the reservation handlers.
pub type ReservationState = Arc<PgReservationService>;

#[derive(OpenApi)]
#[openapi(
    info(title = "OrderFlow inventory service", description = "The product catalogue, its stock on hand, and the stock reserved for orders."),
    tags(
        (name = "products", description = "The inventory bounded context's catalogue"),
        (name = "reservations", description = "Stock held, sold or given back for each order by the order-fulfilment saga"),
    ),
    components(schemas(orderflow_runtime::Problem, orderflow_runtime::FieldError))
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn router(
    products: AppState,
    reservations: ReservationState,
) -> (Router, utoipa::openapi::OpenApi) {
    let reservation_routes = OpenApiRouter::new()
        .routes(routes!(reservations::get))
        .with_state(reservations);
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::create, handlers::list))
        .routes(routes!(handlers::get, handlers::update))
        .routes(routes!(handlers::adjust_stock))
        .with_state(products)
        .merge(reservation_routes)
        .split_for_parts();
    (router, openapi)
}
