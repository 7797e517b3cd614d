//! HTTP API of the payment context (read-only: payments change through saga commands),
//! described by OpenAPI.

mod handlers;

use std::sync::Arc;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::application::PaymentQueries;
use crate::infrastructure::PgPaymentRepository;

/// Shared state of the handlers.
pub type AppState = Arc<PaymentQueries<PgPaymentRepository>>;

#[derive(OpenApi)]
#[openapi(
    info(title = "OrderFlow payment service", description = "Payments of orders, with their audit ledger."),
    tags((name = "payments", description = "The payment bounded context")),
    components(schemas(orderflow_runtime::Problem, orderflow_runtime::FieldError))
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::list))
        .routes(routes!(handlers::get))
        .with_state(state)
        .split_for_parts();
    (router, openapi)
}
