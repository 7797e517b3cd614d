//! Handlers: translate HTTP to queries and back, nothing more.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use orderflow_runtime::http::{Json, Page, Path, Query, etag};
use orderflow_runtime::{AppError, Problem};
use payment_domain::OrderId;

use super::AppState;
use crate::application::{PaymentQuery, PaymentView};

/// Get the payment of an order, with its ledger.
#[utoipa::path(
    get, path = "/payments/{orderId}", tag = "payments",
    params(("orderId" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order's payment", body = PaymentView, headers(("ETag" = String))),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The order has no payment", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(queries): State<AppState>,
    Path(order): Path<OrderId>,
) -> Result<Response, AppError> {
    let payment = queries.by_order(order).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, etag(payment.version));
    Ok((StatusCode::OK, headers, Json(PaymentView::from(&payment))).into_response())
}

/// List a customer's payments in the order they were made.
#[utoipa::path(
    get, path = "/payments", tag = "payments",
    params(PaymentQuery),
    responses(
        (status = 200, description = "One page of the customer's payments", body = Page<PaymentView>),
        (status = 400, description = "Missing or invalid customerId, or invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(queries): State<AppState>,
    Query(query): Query<PaymentQuery>,
) -> Result<Json<Page<PaymentView>>, AppError> {
    let page = queries.list(query).await?;
    Ok(Json(page.map(|payment| PaymentView::from(&payment))))
}
