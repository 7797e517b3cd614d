//! HTTP API of the inventory context, described by OpenAPI.

mod handlers;

use std::sync::Arc;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::application::ProductService;
use crate::infrastructure::PgProductRepository;

/// Shared state of the handlers.
pub type AppState = Arc<ProductService<PgProductRepository>>;

#[derive(OpenApi)]
#[openapi(
    info(title = "OrderFlow inventory service", description = "The product catalogue and its stock on hand."),
    tags((name = "products", description = "The inventory bounded context's catalogue")),
    components(schemas(orderflow_runtime::Problem, orderflow_runtime::FieldError))
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::create, handlers::list))
        .routes(routes!(handlers::get, handlers::update))
        .routes(routes!(handlers::adjust_stock))
        .with_state(state)
        .split_for_parts();
    (router, openapi)
}
