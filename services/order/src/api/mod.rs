//! HTTP API of the order context, described by OpenAPI.

mod events;
mod orders;

use std::sync::Arc;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::application::OrderService;
use crate::infrastructure::{PgStore, TimelineFeed};

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub orders: Arc<OrderService<PgStore>>,
    pub feed: TimelineFeed,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "OrderFlow order service", description = "Orders, their fulfilment saga and their live timeline."),
    tags((name = "orders", description = "The order bounded context")),
    components(schemas(orderflow_runtime::Problem, orderflow_runtime::FieldError))
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(orders::create, orders::list))
        .routes(routes!(orders::get))
        .routes(routes!(orders::add_line))
        .routes(routes!(orders::change_line, orders::remove_line))
        .routes(routes!(orders::place))
        .routes(routes!(orders::cancel))
        .routes(routes!(orders::complete))
        .routes(routes!(events::timeline))
        .with_state(state)
        .split_for_parts();
    (router, openapi)
}
