//! HTTP API of the customer context, described by OpenAPI.

mod handlers;

use std::sync::Arc;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::application::CustomerService;
use crate::infrastructure::PgCustomerRepository;

/// Shared state of the handlers.
pub type AppState = Arc<CustomerService<PgCustomerRepository>>;

#[derive(OpenApi)]
#[openapi(
    info(title = "OrderFlow customer service", description = "Registration, contact data and activation of customers."),
    tags((name = "customers", description = "The customer bounded context")),
    components(schemas(orderflow_runtime::Problem, orderflow_runtime::FieldError))
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::register, handlers::list))
        .routes(routes!(handlers::get))
        .routes(routes!(handlers::change_email))
        .routes(routes!(handlers::change_address))
        .routes(routes!(handlers::deactivate))
        .routes(routes!(handlers::activate))
        .with_state(state)
        .split_for_parts();
    (router, openapi)
}
