//! Reservation handlers: what the inventory holds for an order, for operators and the UI.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use inventory_domain::OrderId;
use orderflow_runtime::http::{Json, Path, etag};
use orderflow_runtime::{AppError, Problem};

use super::ReservationState;
use crate::application::ReservationView;

/// Get the stock reservation of an order.
#[utoipa::path(
    get, path = "/reservations/{orderId}", tag = "reservations",
    params(("orderId" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order's reservation", body = ReservationView, headers(("ETag" = String))),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The order has no reservation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(service): State<ReservationState>,
    Path(order_id): Path<OrderId>,
) -> Result<Response, AppError> {
    let reservation = service.get(order_id).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, etag(reservation.version));
    Ok((
        StatusCode::OK,
        headers,
        Json(ReservationView::from(&reservation)),
    )
        .into_response())
}
