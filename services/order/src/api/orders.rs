//! Order handlers: translate HTTP to use cases and back, nothing more.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use order_domain::{OrderId, ProductId};
use orderflow_runtime::events::EventContext;
use orderflow_runtime::http::{CorrelationId, IfMatch, Json, Page, Path, Query, etag};
use orderflow_runtime::{AppError, Problem};

use super::AppState;
use crate::application::{
    AddLine, CancelOrder, ChangeLine, CreateOrder, OrderDetails, OrderQuery, OrderView, PlaceOrder,
};

fn context(correlation: CorrelationId) -> EventContext {
    EventContext::correlated(correlation.0)
}

/// The order as JSON with its version as the ETag.
fn respond(status: StatusCode, order: &OrderDetails) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, etag(order.order.version));
    if status == StatusCode::CREATED || status == StatusCode::ACCEPTED {
        let location = format!("/orders/{}", order.order.value.id());
        if let Ok(value) = location.parse() {
            headers.insert(header::LOCATION, value);
        }
    }
    (status, headers, Json(OrderView::from(order))).into_response()
}

/// Start a draft order for a customer.
#[utoipa::path(
    post, path = "/orders", tag = "orders",
    request_body = CreateOrder,
    responses(
        (status = 201, description = "Draft created", body = OrderView,
         headers(("Location" = String, description = "URL of the new order"), ("ETag" = String))),
        (status = 400, description = "Invalid or malformed input", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    correlation: CorrelationId,
    Json(command): Json<CreateOrder>,
) -> Result<Response, AppError> {
    let order = state.orders.create(command, &context(correlation)).await?;
    Ok(respond(StatusCode::CREATED, &order))
}

/// Get one order with its lines, history and saga.
#[utoipa::path(
    get, path = "/orders/{id}", tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderView, headers(("ETag" = String))),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<OrderId>,
) -> Result<Response, AppError> {
    Ok(respond(StatusCode::OK, &state.orders.get(id).await?))
}

/// List orders, newest first, filtered by customer and status.
#[utoipa::path(
    get, path = "/orders", tag = "orders",
    params(OrderQuery),
    responses(
        (status = 200, description = "One page of orders", body = Page<OrderView>),
        (status = 400, description = "Invalid filters or paging", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<OrderQuery>,
) -> Result<Json<Page<OrderView>>, AppError> {
    let page = state.orders.list(query).await?;
    Ok(Json(page.map(|order| OrderView::from(&order))))
}

/// Add a product to a draft (or add to its quantity); name and price come from the catalogue.
#[utoipa::path(
    post, path = "/orders/{id}/lines", tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "Order id"), ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = AddLine,
    responses(
        (status = 200, description = "The order with the line", body = OrderView, headers(("ETag" = String))),
        (status = 400, description = "Invalid product id or quantity", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown product (`unknown-product`), not a draft, another currency, too many", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_line(
    State(state): State<AppState>,
    Path(id): Path<OrderId>,
    if_match: IfMatch,
    correlation: CorrelationId,
    Json(command): Json<AddLine>,
) -> Result<Response, AppError> {
    let order = state
        .orders
        .add_line(id, command, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &order))
}

/// Change the quantity of a draft's line.
#[utoipa::path(
    put, path = "/orders/{id}/lines/{productId}", tag = "orders",
    params(
        ("id" = uuid::Uuid, Path, description = "Order id"),
        ("productId" = uuid::Uuid, Path, description = "Product of the line"),
        ("If-Match" = Option<String>, Header, description = "Expected version"),
    ),
    request_body = ChangeLine,
    responses(
        (status = 200, description = "The order with the changed line", body = OrderView, headers(("ETag" = String))),
        (status = 400, description = "Invalid quantity", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or no line for the product", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_line(
    State(state): State<AppState>,
    Path((id, product_id)): Path<(OrderId, ProductId)>,
    if_match: IfMatch,
    correlation: CorrelationId,
    Json(command): Json<ChangeLine>,
) -> Result<Response, AppError> {
    let order = state
        .orders
        .change_line(id, product_id, command, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &order))
}

/// Remove a line from a draft.
#[utoipa::path(
    delete, path = "/orders/{id}/lines/{productId}", tag = "orders",
    params(
        ("id" = uuid::Uuid, Path, description = "Order id"),
        ("productId" = uuid::Uuid, Path, description = "Product of the line"),
        ("If-Match" = Option<String>, Header, description = "Expected version"),
    ),
    responses(
        (status = 200, description = "The order without the line", body = OrderView, headers(("ETag" = String))),
        (status = 404, description = "No such order, or no line for the product", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn remove_line(
    State(state): State<AppState>,
    Path((id, product_id)): Path<(OrderId, ProductId)>,
    if_match: IfMatch,
    correlation: CorrelationId,
) -> Result<Response, AppError> {
    let order = state
        .orders
        .remove_line(id, product_id, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &order))
}

/// Place a draft: checks the customer and starts the fulfilment saga, which continues
/// asynchronously (follow it on `GET /orders/{id}` or `/orders/{id}/events`). The body is
/// optional. Placing a placed order again changes nothing.
#[utoipa::path(
    post, path = "/orders/{id}/place", tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "Order id"), ("If-Match" = Option<String>, Header, description = "Expected version")),
    request_body(content = Option<PlaceOrder>, description = "Optional payment token"),
    responses(
        (status = 202, description = "Placed; fulfilment under way", body = OrderView,
         headers(("Location" = String, description = "URL of the order"), ("ETag" = String))),
        (status = 400, description = "Malformed body or blank payment token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown (`unknown-customer`) or deactivated (`customer-deactivated`) customer, empty order (`empty-order`), not a draft", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn place(
    State(state): State<AppState>,
    Path(id): Path<OrderId>,
    if_match: IfMatch,
    correlation: CorrelationId,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let command = optional_body::<PlaceOrder>(body)?;
    let order = state
        .orders
        .place(id, command, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::ACCEPTED, &order))
}

/// Cancel an order with a reason. A placed or confirmed order's saga compensates: stock is
/// released and a payment refunded.
#[utoipa::path(
    post, path = "/orders/{id}/cancel", tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "Order id"), ("If-Match" = Option<String>, Header, description = "Expected version")),
    request_body = CancelOrder,
    responses(
        (status = 200, description = "Cancelled (or already cancelled)", body = OrderView, headers(("ETag" = String))),
        (status = 400, description = "Missing or blank reason", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A completed order cannot be cancelled", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<OrderId>,
    if_match: IfMatch,
    correlation: CorrelationId,
    Json(command): Json<CancelOrder>,
) -> Result<Response, AppError> {
    let order = state
        .orders
        .cancel(id, command, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &order))
}

/// Mark a confirmed order fulfilled.
#[utoipa::path(
    post, path = "/orders/{id}/complete", tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "Order id"), ("If-Match" = Option<String>, Header, description = "Expected version")),
    responses(
        (status = 200, description = "Completed (or already completed)", body = OrderView, headers(("ETag" = String))),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The order is not confirmed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn complete(
    State(state): State<AppState>,
    Path(id): Path<OrderId>,
    if_match: IfMatch,
    correlation: CorrelationId,
) -> Result<Response, AppError> {
    let order = state
        .orders
        .complete(id, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &order))
}

/// A JSON body that may be absent (empty): then the command's defaults apply.
fn optional_body<T: serde::de::DeserializeOwned + Default>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, AppError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::Malformed(rejection.body_text())
        }
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&body).map_err(|err| {
        AppError::Malformed(format!(
            "the body is not valid JSON for this request: {err}"
        ))
    })
}
