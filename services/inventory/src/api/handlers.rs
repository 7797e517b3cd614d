//! Handlers: translate HTTP to use cases and back, nothing more.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use inventory_domain::{Product, ProductId};
use orderflow_runtime::events::EventContext;
use orderflow_runtime::http::{CorrelationId, IfMatch, Json, Page, Path, Query, etag};
use orderflow_runtime::{AppError, Problem};

use super::AppState;
use crate::application::{
    AdjustStock, CreateProduct, ProductQuery, ProductView, UpdateProduct, Versioned,
};

fn context(correlation: CorrelationId) -> EventContext {
    EventContext::correlated(correlation.0)
}

/// The product as JSON with its version as the ETag.
fn respond(status: StatusCode, product: &Versioned<Product>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, etag(product.version));
    (status, headers, Json(ProductView::from(product))).into_response()
}

/// Add a product to the catalogue.
#[utoipa::path(
    post, path = "/products", tag = "products",
    request_body = CreateProduct,
    responses(
        (status = 201, description = "Created", body = ProductView,
         headers(("Location" = String, description = "URL of the new product"), ("ETag" = String))),
        (status = 400, description = "Invalid or malformed input", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The SKU is already in the catalogue", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(service): State<AppState>,
    correlation: CorrelationId,
    Json(command): Json<CreateProduct>,
) -> Result<Response, AppError> {
    let product = service.create(command, &context(correlation)).await?;
    let mut response = respond(StatusCode::CREATED, &product);
    let location = format!("/products/{}", product.value.id());
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Get one product with its stock.
#[utoipa::path(
    get, path = "/products/{id}", tag = "products",
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    responses(
        (status = 200, description = "The product", body = ProductView, headers(("ETag" = String))),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(service): State<AppState>,
    Path(id): Path<ProductId>,
) -> Result<Response, AppError> {
    Ok(respond(StatusCode::OK, &service.get(id).await?))
}

/// List products in the order they were added.
#[utoipa::path(
    get, path = "/products", tag = "products",
    params(ProductQuery),
    responses(
        (status = 200, description = "One page of products", body = Page<ProductView>),
        (status = 400, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(service): State<AppState>,
    Query(query): Query<ProductQuery>,
) -> Result<Json<Page<ProductView>>, AppError> {
    let page = service.list(query).await?;
    Ok(Json(page.map(|product| ProductView::from(&product))))
}

/// Replace a product's name and price. The same values again change nothing.
#[utoipa::path(
    put, path = "/products/{id}", tag = "products",
    params(("id" = uuid::Uuid, Path, description = "Product id"), ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = UpdateProduct,
    responses(
        (status = 200, description = "Updated (or unchanged)", body = ProductView, headers(("ETag" = String))),
        (status = 400, description = "Invalid name or price", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    State(service): State<AppState>,
    Path(id): Path<ProductId>,
    if_match: IfMatch,
    correlation: CorrelationId,
    Json(command): Json<UpdateProduct>,
) -> Result<Response, AppError> {
    let product = service
        .update(id, command, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &product))
}

/// Correct the stock on hand (goods received, losses, counts).
#[utoipa::path(
    post, path = "/products/{id}/stock-adjustments", tag = "products",
    params(("id" = uuid::Uuid, Path, description = "Product id"), ("If-Match" = Option<String>, Header, description = "Expected version")),
    request_body = AdjustStock,
    responses(
        (status = 200, description = "Adjusted", body = ProductView, headers(("ETag" = String))),
        (status = 400, description = "Missing delta or reason", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: zero delta, below the reserved stock, bad reason", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn adjust_stock(
    State(service): State<AppState>,
    Path(id): Path<ProductId>,
    if_match: IfMatch,
    correlation: CorrelationId,
    Json(command): Json<AdjustStock>,
) -> Result<Response, AppError> {
    let product = service
        .adjust_stock(id, command, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &product))
}
