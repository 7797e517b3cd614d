//! Handlers: translate HTTP to use cases and back, nothing more.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use customer_domain::{Customer, CustomerId};
use orderflow_runtime::events::EventContext;
use orderflow_runtime::http::{CorrelationId, IfMatch, Json, Page, Path, Query, etag};
use orderflow_runtime::{AppError, Problem};

use super::AppState;
use crate::application::{
    ChangeAddress, ChangeEmail, CustomerQuery, CustomerView, RegisterCustomer, Versioned,
};

fn context(correlation: CorrelationId) -> EventContext {
    EventContext::correlated(correlation.0)
}

/// The customer as JSON with its version as the ETag.
fn respond(status: StatusCode, customer: &Versioned<Customer>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, etag(customer.version));
    (status, headers, Json(CustomerView::from(customer))).into_response()
}

/// Register a customer.
#[utoipa::path(
    post, path = "/customers", tag = "customers",
    request_body = RegisterCustomer,
    responses(
        (status = 201, description = "Registered", body = CustomerView,
         headers(("Location" = String, description = "URL of the new customer"), ("ETag" = String))),
        (status = 400, description = "Invalid or malformed input", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email address is already registered", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    State(service): State<AppState>,
    correlation: CorrelationId,
    Json(command): Json<RegisterCustomer>,
) -> Result<Response, AppError> {
    let customer = service.register(command, &context(correlation)).await?;
    let mut response = respond(StatusCode::CREATED, &customer);
    let location = format!("/customers/{}", customer.value.id());
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Get one customer.
#[utoipa::path(
    get, path = "/customers/{id}", tag = "customers",
    params(("id" = uuid::Uuid, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The customer", body = CustomerView, headers(("ETag" = String))),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(service): State<AppState>,
    Path(id): Path<CustomerId>,
) -> Result<Response, AppError> {
    Ok(respond(StatusCode::OK, &service.get(id).await?))
}

/// List customers, filtered by email and status, in registration order.
#[utoipa::path(
    get, path = "/customers", tag = "customers",
    params(CustomerQuery),
    responses(
        (status = 200, description = "One page of customers", body = Page<CustomerView>),
        (status = 400, description = "Invalid filters or paging", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(service): State<AppState>,
    Query(query): Query<CustomerQuery>,
) -> Result<Json<Page<CustomerView>>, AppError> {
    let page = service.list(query).await?;
    Ok(Json(page.map(|customer| CustomerView::from(&customer))))
}

/// Change a customer's email address (at most once per cooldown window).
#[utoipa::path(
    put, path = "/customers/{id}/email", tag = "customers",
    params(("id" = uuid::Uuid, Path, description = "Customer id"), ("If-Match" = Option<String>, Header, description = "Expected version, e.g. \"3\"")),
    request_body = ChangeEmail,
    responses(
        (status = 200, description = "Changed (or unchanged)", body = CustomerView, headers(("ETag" = String))),
        (status = 400, description = "Invalid email", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email address is already registered", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too soon after the last change, or deactivated", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_email(
    State(service): State<AppState>,
    Path(id): Path<CustomerId>,
    if_match: IfMatch,
    correlation: CorrelationId,
    Json(command): Json<ChangeEmail>,
) -> Result<Response, AppError> {
    let customer = service
        .change_email(id, command, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &customer))
}

/// Replace or remove a customer's postal address.
#[utoipa::path(
    put, path = "/customers/{id}/address", tag = "customers",
    params(("id" = uuid::Uuid, Path, description = "Customer id"), ("If-Match" = Option<String>, Header, description = "Expected version")),
    request_body = ChangeAddress,
    responses(
        (status = 200, description = "Changed (or unchanged)", body = CustomerView, headers(("ETag" = String))),
        (status = 400, description = "Invalid address", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The customer is deactivated", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_address(
    State(service): State<AppState>,
    Path(id): Path<CustomerId>,
    if_match: IfMatch,
    correlation: CorrelationId,
    Json(command): Json<ChangeAddress>,
) -> Result<Response, AppError> {
    let customer = service
        .change_address(id, command, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &customer))
}

/// Deactivate a customer. Repeating it changes nothing.
#[utoipa::path(
    post, path = "/customers/{id}/deactivate", tag = "customers",
    params(("id" = uuid::Uuid, Path, description = "Customer id"), ("If-Match" = Option<String>, Header, description = "Expected version")),
    responses(
        (status = 200, description = "Deactivated", body = CustomerView, headers(("ETag" = String))),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn deactivate(
    State(service): State<AppState>,
    Path(id): Path<CustomerId>,
    if_match: IfMatch,
    correlation: CorrelationId,
) -> Result<Response, AppError> {
    let customer = service
        .deactivate(id, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &customer))
}

/// Reactivate a customer. Repeating it changes nothing.
#[utoipa::path(
    post, path = "/customers/{id}/activate", tag = "customers",
    params(("id" = uuid::Uuid, Path, description = "Customer id"), ("If-Match" = Option<String>, Header, description = "Expected version")),
    responses(
        (status = 200, description = "Active", body = CustomerView, headers(("ETag" = String))),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn activate(
    State(service): State<AppState>,
    Path(id): Path<CustomerId>,
    if_match: IfMatch,
    correlation: CorrelationId,
) -> Result<Response, AppError> {
    let customer = service
        .activate(id, if_match, &context(correlation))
        .await?;
    Ok(respond(StatusCode::OK, &customer))
}
