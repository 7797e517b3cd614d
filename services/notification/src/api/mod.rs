//! HTTP API of the notification context (read-only: notifications come from events),
//! described by OpenAPI.

mod handlers;

use std::sync::Arc;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::application::HistoryQueries;
use crate::infrastructure::RedisStore;

/// Shared state of the handlers.
pub type AppState = Arc<HistoryQueries<RedisStore>>;

#[derive(OpenApi)]
#[openapi(
    info(title = "OrderFlow notification service", description = "What customers were told about their account, orders and payments."),
    tags((name = "notifications", description = "The notification bounded context")),
    components(schemas(orderflow_runtime::Problem, orderflow_runtime::FieldError))
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::list))
        .routes(routes!(handlers::search))
        .with_state(state)
        .split_for_parts()
}
